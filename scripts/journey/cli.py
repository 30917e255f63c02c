"""Command line entry point (placeholder until the verifier lands)."""


def main() -> int:
    """Run the journey command line."""
    return 2
