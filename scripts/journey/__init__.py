"""Golang journey's snippet verifier: build, run, measure, record, check."""

__version__ = "0.1.0"
