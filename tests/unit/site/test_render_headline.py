"""The home page's headline per volume is computed from the recorded final-image sizes."""

from __future__ import annotations

from journey.site.render_headline import render_headline, stop_headline, vuln_headline


def test_the_headline_names_the_largest_and_the_smallest_image_and_their_ratio():
    text = render_headline([("Naive", 1_290_000_000), ("Multistage", 16_000_000), ("UPX", 5_900_000)])
    assert "from *Naive*, 1.29 GB, to *UPX*, 5.9 MB: **219 times** smaller" in text


def test_a_small_ratio_keeps_a_tenth_and_ties_name_the_first_in_reading_order():
    text = render_headline([("A", 6_000_000), ("B", 2_500_000), ("C", 2_500_000), ("D", 6_000_000)])
    assert "from *A*, 6 MB, to *B*, 2.5 MB: **2.4 times** smaller" in text


def test_fewer_than_two_verified_images_state_no_range():
    assert "no range" in render_headline([("Only", 5_000_000)])
    assert "no range" in render_headline([])


def test_a_stop_headline_says_each_probes_median_exit_code_and_request():
    outcome = {
        "output": "exit code: 0 in 5 of 5 runs\nrequest in flight: completed in 5 of 5 runs\n",
        "measured": {"stop_seconds": {"median": 1.72, "min": 1.7, "max": 1.8, "runs": 5}},
    }
    text = stop_headline([("stop-graceful", outcome), ("never-run", None)])
    assert "stop-graceful: 1.72 s · exit 0 · request completed." in text
    assert "never-run" not in text  # a probe with no recorded outcome is not stated
    assert "no stop probe" in stop_headline([("never-run", None)])


def test_a_scan_headline_counts_what_each_scan_reports_as_called():
    called = (
        "govulncheck v1.10.0, database …\n\nVulnerability #1: GO-2026-0001\nVulnerability #2: GO-2026-0002\n"
    )
    text = vuln_headline([("gin-source", called), ("stdlib-source", "No vulnerabilities found.\n")])
    assert "gin-source: 2; stdlib-source: none." in text
    assert "no vulnerability scan" in vuln_headline([])
