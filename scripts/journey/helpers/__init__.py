"""Helper containers and local services the verifier starts.

The build farm, the private deploy engine, the stand-in helper, tool images, the Go module proxy and the
Go vulnerability database.
"""
