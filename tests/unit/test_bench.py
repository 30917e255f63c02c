"""The benchmark's arithmetic and table: ratios, the per-step breakdown, failures shown as n/a."""

from __future__ import annotations

from journey_bench import Figures, Timing, breakdown, ratio, render


def _verify(seconds: float, steps: dict[str, float], exit_code: int = 0) -> Timing:
    """Return a verify timing with two snippets' per-step seconds, as ``verify --json`` gives them."""
    outcomes = [
        {"snippet": "vol1/a", "status": "verified", "steps": steps},
        {"snippet": "vol1/b", "status": "verified", "steps": steps},
    ]
    return Timing("verify", seconds, exit_code, outcomes)


def _figures(cold_exit: int = 0) -> Figures:
    """Return one run's figures: verify twice as slow as buildx cold, 1.5 times warm."""
    noop = Timing("no-op", 0.8, 0, [{"snippet": "vol1/a", "status": "unchanged"}])
    return Figures(
        cold_verify=_verify(20.0, {"build": 8.0, "measure": 1.5}, cold_exit),
        cold_plain=Timing("plain cold", 10.0, 0),
        warm_verify=_verify(3.0, {"build": 0.5, "probes": 0.25}),
        warm_plain=Timing("plain warm", 2.0, 0),
        steady_verify=_verify(2.4, {"build": 0.5}),
        full_verify=_verify(30.0, {"checks (beside)": 10.0}),
        noop_verify=noop,
        check=Timing("check", 0.4, 0),
    )


def test_ratio_is_verify_over_plain() -> None:
    assert ratio(Timing("v", 3.0, 0), Timing("p", 2.0, 0)) == 1.5


def test_ratio_is_none_when_a_side_failed() -> None:
    assert ratio(Timing("v", 3.0, 1), Timing("p", 2.0, 0)) is None
    assert ratio(Timing("v", 3.0, 0), Timing("p", 2.0, 5)) is None


def test_breakdown_sums_each_step_over_snippets() -> None:
    assert breakdown(_verify(1.0, {"build": 8.0, "measure": 1.5})) == {"build": 16.0, "measure": 3.0}


def test_table_shows_both_ratios_against_the_target_and_the_noop_skips() -> None:
    table = render(_figures())
    assert "Cold overhead (verify --force --no-cache / buildx --no-cache): 2.00x (OVER" in table
    assert "Warm overhead (verify --force / warm buildx): 1.50x (OVER" in table
    assert "No-op verify: 0.80 s (within the 2.00 s target); 1 of 1 snippets skipped" in table
    assert "Warm overhead, steady state (second verify --force): 1.20x (OVER" in table
    assert "| build | 16.0 | 1.0 | 1.0 | 0.0 |" in table
    assert "| checks (beside) | 0.0 | 0.0 | 0.0 | 20.0 |" in table


def test_a_failed_cold_verify_has_no_ratio_but_keeps_its_row() -> None:
    table = render(_figures(cold_exit=1))
    assert "Cold overhead (verify --force --no-cache / buildx --no-cache): n/a" in table
    assert "| verify | 20.0 | 1 |" in table
