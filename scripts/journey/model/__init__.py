"""What is recorded and read.

Snippet and volume manifests, run options, result files, the two digests, units.
"""
