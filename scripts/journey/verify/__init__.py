"""Proving a snippet.

Bases, builds, probes, measurements, checks, shipping, the run around the snippets, drift and the plan.
"""
