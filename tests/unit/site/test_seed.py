"""Diffs of the reconstructed 2019 files against the seed: cut out right, run for real, kept honest."""

from __future__ import annotations

import pytest

from journey.core.errors import ManifestError
from journey.model.manifest import Seed, SeedFile, Volume, load_volume
from journey.site.seed import SeedError, block, diff_path, new_side, render_seed_diffs, stale_diffs

SEED = 'An article.\n\nFROM a as b\n\nRUN x\nENTRYPOINT ["/s"]Then prose ran on.\nMore prose.\n'
ENTRY = SeedFile("one/Dockerfile", "FROM a as b", 'ENTRYPOINT ["/s"]')


def _volume(tmp_path, text: str) -> Volume:
    folder = tmp_path / "snippets" / "vol9"
    (folder / "one").mkdir(parents=True)
    (folder / "one" / "Dockerfile").write_text(text, encoding="utf-8")
    (tmp_path / "seed.txt").write_text(SEED, encoding="utf-8")
    return Volume("vol9", folder, "Vol. 9", (), (), Seed("seed.txt", (ENTRY,)))


def test_the_block_runs_from_first_to_last_and_a_lost_line_break_is_cut():
    start, lines = block(SEED, ENTRY)
    assert start == 3
    assert lines == ["FROM a as b\n", "\n", "RUN x\n", 'ENTRYPOINT ["/s"]\n']


def test_markers_the_seed_does_not_hold_are_named():
    with pytest.raises(SeedError, match="0 lines equal to first"):
        block(SEED, SeedFile("f", "FROM nowhere", "x"))
    with pytest.raises(SeedError, match="no line holding last"):
        block(SEED, SeedFile("f", "FROM a as b", "CMD never"))


def test_the_recorded_diff_shows_the_line_put_back_and_leads_to_the_file(tmp_path):
    text = 'FROM a as b\nWORKDIR /app\n\nRUN x\nENTRYPOINT ["/s"]\n'
    volume = _volume(tmp_path, text)
    [path] = render_seed_diffs(tmp_path, volume)
    diff = path.read_text(encoding="utf-8")
    assert diff.startswith("--- seed.txt (lines 3-6)\n+++ snippets/vol9/one/Dockerfile\n")
    assert [line for line in diff.splitlines() if line.startswith(("+", "-"))][2:] == ["+WORKDIR /app"]
    assert new_side(diff) == text
    assert stale_diffs(tmp_path, volume) == []
    assert render_seed_diffs(tmp_path, volume) == []  # unchanged: nothing rewritten


def test_an_edited_file_with_its_old_diff_is_caught_without_the_seed(tmp_path):
    volume = _volume(tmp_path, 'FROM a as b\n\nRUN x\nENTRYPOINT ["/s"]\n')
    render_seed_diffs(tmp_path, volume)
    (tmp_path / "seed.txt").unlink()
    (volume.dir / "one" / "Dockerfile").write_text(
        'FROM a as b\nRUN y\nENTRYPOINT ["/s"]\n', encoding="utf-8"
    )
    assert render_seed_diffs(tmp_path, volume) == []  # no seed here: the recorded diff is kept
    [(path, cause)] = stale_diffs(tmp_path, volume)
    assert path == diff_path(tmp_path, volume, ENTRY)
    assert "no longer leads to snippets/vol9/one/Dockerfile" in cause


def test_a_missing_diff_is_reported(tmp_path):
    volume = _volume(tmp_path, "x\n")
    assert stale_diffs(tmp_path, volume) == [
        (diff_path(tmp_path, volume, ENTRY), "diff against the seed missing")
    ]


def test_a_seed_entry_naming_no_file_of_the_volume_is_refused_at_load(tmp_path):
    folder = tmp_path / "vol9"
    folder.mkdir()
    (folder / "volume.yml").write_text(
        "title: Vol. 9\nsnippets: []\nseed:\n  text: seed.txt\n  files:\n"
        "    - {file: gone/Dockerfile, first: FROM a, last: CMD b}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError, match=r"seed\.files\[0\]\.file"):
        load_volume(folder)
