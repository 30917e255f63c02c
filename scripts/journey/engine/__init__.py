"""The Docker boundary.

The engine's client, image lookup, builds, containers, image measurements, the process runner with
its hang watchdog, and the sweep of what ended runs left.
"""
