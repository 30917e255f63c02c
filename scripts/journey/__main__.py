"""Allow ``python -m journey``."""

from journey.cli import main

raise SystemExit(main())
