from __future__ import annotations

import copy
import json

import pytest

from journey.core.errors import UsageError
from journey.model.record import SHIP_SIZE_SLACK, SIZE_SLACK
from journey.verify import drift
from journey.verify.drift import Change, compare, read_report, report_json, report_markdown, write_report
from trees import REPO

RESULT = json.loads((REPO / "results" / "vol1" / "multistage" / "result.json").read_text(encoding="utf-8"))
SNIPPET = "vol1/multistage"
BASE = "golang:1.26-trixie"
PACKAGES = "org.golangjourney.standin.packages"


@pytest.fixture
def old():
    return copy.deepcopy(RESULT)


@pytest.fixture
def new():
    return copy.deepcopy(RESULT)


def _image(result, role):
    return next(image for image in result["images"] if image["role"] == role)


def _probe(result, name):
    return next(probe for probe in result["probes"] if probe["name"] == name)


def _labels(result):
    return result["environment"]["bases"][0]["labels"]


def test_the_same_result_is_no_drift(old, new):
    assert compare(SNIPPET, old, new) is None


def test_churn_and_sizes_within_the_tolerance_are_no_drift(old, new):
    new["verified_on"] = "2027-01-01"
    _image(new, "final")["build_seconds"] = 99.9
    _image(new, "final")["size"] += SIZE_SLACK
    _image(new, "stage:builder")["compressed_size"] += 1000
    _probe(new, "graceful-stop")["measured"]["stop_seconds"]["median"] = 9.9
    assert compare(SNIPPET, old, new) is None


def test_a_size_beyond_the_tolerance_is_named_with_old_and_new(old, new):
    size = _image(old, "final")["size"]
    _image(new, "final")["size"] = round(size * 1.028)
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.figures == (Change("images[final].size", f"{size:,}", f"{round(size * 1.028):,} (+2.8 %)"),)
    assert moved.inputs == ()


def test_a_small_relative_change_keeps_its_digits(old, new):
    push = {"name": "gzip-9", "manifests": [{"platform": "linux/amd64", "size": 307_000_000}]}
    old["ship"] = {"pushes": [push]}
    new["ship"] = {"pushes": [copy.deepcopy(push)]}
    new["ship"]["pushes"][0]["manifests"][0]["size"] += 40_000
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.figures[0].new == "307,040,000 (+0.013 %)"


def test_a_ship_size_has_the_tighter_allowance(old, new):
    push = {"name": "gzip", "manifests": [{"platform": "linux/amd64", "compressed_size": 2_500_000}]}
    old["ship"] = {"pushes": [push]}
    new["ship"] = {"pushes": [copy.deepcopy(push)]}
    new["ship"]["pushes"][0]["manifests"][0]["compressed_size"] += SHIP_SIZE_SLACK + 1
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert [c.path for c in moved.figures] == ["ship.pushes[gzip].manifests[linux/amd64].compressed_size"]


def test_a_changed_probe_output_shows_its_first_differing_line(old, new):
    _probe(new, "version")["output"] = "server dev go1.26.12 linux/amd64\n"
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.figures == (
        Change(
            "probes[version].output line 1",
            "server dev go1.26.11 linux/amd64",
            "server dev go1.26.12 linux/amd64",
        ),
    )
    assert moved.inputs == ()


def test_a_changed_output_names_the_line_not_the_whole_text(old, new):
    new["outputs"]["logs"] = old["outputs"]["logs"] + "one more line\n"
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.figures == (Change("outputs.logs line 4", "(empty)", "one more line"),)


def test_a_long_value_is_shortened_around_its_difference(old, new):
    layer = _image(new, "stage:builder")["layers"][1]
    layer["created_by"] = layer["created_by"].replace("make pkg-config", "make pkgconf")
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    (change,) = moved.figures
    assert change.path == "images[stage:builder].layers[1].created_by"
    assert len(change.old) <= drift.WIDTH
    assert change.old.startswith("…")
    assert "pkg-config" in change.old
    assert "pkgconf" in change.new


def test_a_missing_and_an_added_entry_are_changes(old, new):
    new["probes"] = [p for p in new["probes"] if p["name"] != "roots"]
    new["checks"].append({"name": "shellcheck", "ok": True, "output": ""})
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    changes = {c.path: c for c in moved.figures}
    assert changes["probes[roots]"].new == "(none)"
    assert "148 root certificates" in changes["probes[roots]"].old
    assert changes["checks[shellcheck]"].old == "(none)"


def test_entries_in_another_order_are_named(old, new):
    new["probes"].reverse()
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert [c.path for c in moved.figures] == ["probes order"]


def test_a_base_package_that_moved_is_named_as_an_input(old, new):
    labels = _labels(new)
    labels[PACKAGES] = labels[PACKAGES].replace("golang-1.26-go=1.26.11-1", "golang-1.26-go=1.26.12-1")
    labels["org.golangjourney.standin.package-list-digest"] = "sha256:feed"
    new["input_digest"] = "sha256:beef"
    _probe(new, "version")["output"] = "server dev go1.26.12 linux/amd64\n"
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert [c.path for c in moved.figures] == ["probes[version].output line 1"]
    base = f"bases[{BASE}].labels"
    assert moved.inputs == (
        Change(f"{base}[org.golangjourney.standin.package-list-digest]", "(none)", "sha256:feed"),
        Change(f"{base}[{PACKAGES}][golang-1.26-go]", "1.26.11-1~bpo13+1", "1.26.12-1~bpo13+1"),
        Change("input_digest", old["input_digest"], "sha256:beef"),
    )


def test_a_package_that_only_the_full_list_holds_is_named(old, new):
    """The stand-in's identity covers every installed package: one outside the named few is found too."""
    listed = "org.golangjourney.standin.package-list"
    _labels(old)[listed] = "adduser=3.152 libgcrypt20=1.11.0-7 zlib1g=1:1.3.dfsg+really1.3.1-1+b1"
    _labels(new)[listed] = "adduser=3.152 libgcrypt20=1.11.0-7+deb13u1 zlib1g=1:1.3.dfsg+really1.3.1-1+b1"
    _image(new, "stage:builder")["size"] += 9_400_000
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.inputs == (
        Change(f"bases[{BASE}].labels[{listed}][libgcrypt20]", "1.11.0-7", "1.11.0-7+deb13u1"),
    )
    assert [c.path for c in moved.figures] == ["images[stage:builder].size"]


def test_a_base_digest_and_provenance_are_inputs(old, new):
    base = new["environment"]["bases"][0]
    base["digest"] = "sha256:cafe"
    base["provenance"] = "real"
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.inputs == (
        Change(f"bases[{BASE}].digest", "null", "sha256:cafe"),
        Change(f"bases[{BASE}].provenance", "stand-in", "real"),
    )


def test_an_engine_version_change_is_an_input(old, new):
    new["environment"]["engine"] = "27.5.1"
    new["environment"]["tools"]["shellcheck"] = "0.11.0"
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    assert moved.figures == ()
    assert moved.inputs == (
        Change("engine", "26.1.5+dfsg1", "27.5.1"),
        Change("tools.shellcheck", "(none)", "0.11.0"),
    )


def test_a_snippet_without_an_old_result(new):
    moved = compare(SNIPPET, None, new)
    assert moved is not None
    assert moved.figures == (Change("result", "(none)", "recorded"),)
    assert moved.inputs == ()
    text = report_markdown([moved], [SNIPPET], "2026-12-07T23:17Z")
    assert "its first result: nothing was recorded before" in text
    assert "unexplained" not in text  # a first recording is not a change nothing explains


def _drifted(old, new):
    _image(new, "final")["size"] += 100_000
    new["outputs"]["logs"] = old["outputs"]["logs"].replace("projects/1", "projects/2")
    moved = compare(SNIPPET, old, new)
    assert moved is not None
    return moved


def test_the_json_report(old, new):
    moved = _drifted(old, new)
    text = report_json([moved], [SNIPPET, "vol1/naive"], "2026-12-03T10:00Z")
    assert text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["when"] == "2026-12-03T10:00Z"
    assert data["verified"] == [SNIPPET, "vol1/naive"]
    (entry,) = data["drift"]
    assert entry["snippet"] == SNIPPET
    assert entry["inputs"] == []
    assert entry["figures"][0] == {
        "path": "images[final].size",
        "old": "15,952,484",
        "new": "16,052,484 (+0.6 %)",
    }


def test_the_markdown_report(old, new):
    moved = _drifted(old, new)
    text = report_markdown([moved], [SNIPPET, "vol1/naive"], "2026-12-03")
    lines = text.splitlines()
    assert lines[0] == "Re-verified 2 snippets on 2026-12-03: 1 drifted."
    assert f"## {SNIPPET}" in lines
    assert "| `images[final].size` | `15,952,484` | `16,052,484 (+0.6 %)` |" in lines
    assert "| figure | old | new |" in lines
    assert drift.NO_INPUT in lines
    logs = next(line for line in lines if line.startswith("| `outputs.logs line 3`"))
    assert logs.count("\\|") == 8  # the output's own pipes cannot end a cell


def test_the_markdown_report_without_drift():
    assert (
        report_markdown([], ["vol1/naive"], "2026-12-03")
        == "Re-verified 1 snippet on 2026-12-03: no drift.\n"
    )


def test_write_report_writes_both_files_and_reads_back(tmp_path, old, new):
    moved = _drifted(old, new)
    write_report(tmp_path / "report", [moved], [SNIPPET], "2026-12-03")
    names = sorted(p.name for p in (tmp_path / "report").iterdir())
    assert names == ["drift.json", "drift.md"]
    assert read_report(tmp_path / "report" / drift.JSON_NAME) == ([moved], [SNIPPET])


def test_a_resumed_run_keeps_the_earlier_entries_of_the_snippets_it_skipped(tmp_path, old, new):
    """Ctrl-C half-way, then a re-run: the report still names what the first half found."""
    moved = _drifted(old, new)
    write_report(tmp_path, [moved], [SNIPPET, "vol1/other"], "2026-12-03")
    assert drift.carried_over(tmp_path, {SNIPPET}) == ([moved], [SNIPPET])
    # a snippet this run re-verified (or never looked at) is not carried over
    assert drift.carried_over(tmp_path, {"vol1/other"}) == ([], ["vol1/other"])
    assert drift.carried_over(tmp_path, set()) == ([], [])


def test_nothing_is_carried_over_without_a_readable_earlier_report(tmp_path):
    assert drift.carried_over(tmp_path, {SNIPPET}) == ([], [])
    (tmp_path / drift.JSON_NAME).write_text("not json", encoding="utf-8")
    assert drift.carried_over(tmp_path, {SNIPPET}) == ([], [])


def test_an_unreadable_report_is_refused(tmp_path):
    path = tmp_path / "drift.json"
    path.write_text('{"verified": []}\n', encoding="utf-8")
    with pytest.raises(UsageError, match="unreadable drift report"):
        read_report(path)


def test_only_snippets_verified_here_without_drift_still_hold(tmp_path):
    """reverified.json must not say a snippet recorded as not verified (no base here) was re-proved."""
    for snippet, status in [("vol1/a", "verified"), ("vol1/b", "not-verified"), ("vol1/c", "verified")]:
        folder = tmp_path / "results" / snippet
        folder.mkdir(parents=True)
        result = {**copy.deepcopy(RESULT), "snippet": snippet, "status": status}
        (folder / "result.json").write_text(json.dumps(result), encoding="utf-8")
    verified = ["vol1/a", "vol1/b", "vol1/c", "vol1/missing"]
    assert drift.still_true(tmp_path, verified, drifted={"vol1/c"}) == ["vol1/a"]
