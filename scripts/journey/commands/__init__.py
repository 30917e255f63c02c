"""The commands: one module each, a thin function over the library.

``journey.cli`` imports a command's module when that command runs; a command imports the library, never
another command (the import contract in ``pyproject.toml`` says so and ``make lint`` checks it).
"""
