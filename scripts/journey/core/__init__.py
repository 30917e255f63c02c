"""The core every layer stands on.

Errors and exit codes, the repository's layout, the one file lock, the commands' options, progress lines.
"""
