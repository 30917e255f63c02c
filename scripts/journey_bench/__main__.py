"""``python -m journey_bench``: the benchmark, outside the tool it measures."""

from journey_bench import main

raise SystemExit(main())
