"""The core every layer stands on.

Errors and exit codes, the repository's layout, the commands' options, progress lines.
"""
