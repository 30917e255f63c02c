"""The command line's edge: every error becomes a message and a distinct exit code, a crash included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journey import cli


def _raising(exc: BaseException):
    def run(_command: str, _options: object) -> int:
        raise exc

    return run


def test_a_bug_exits_70_with_the_traceback_in_a_named_file(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli, "run", _raising(RuntimeError("boom")))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    assert cli.main(["list", "--root", str(tmp_path)]) == cli.ExitCode.INTERNAL == 70
    err = capsys.readouterr().err
    assert "journey: a bug in journey list: RuntimeError: boom" in err
    log = re.search(r"the traceback is in (\S+);", err)
    assert log, err
    text = Path(log.group(1)).read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "RuntimeError: boom" in text


@pytest.mark.parametrize(
    ("exc", "code"),
    [(KeyboardInterrupt(), 130), (cli.UsageError("bad option"), 2)],
    ids=["interrupt", "usage"],
)
def test_the_tools_own_errors_keep_their_codes(monkeypatch, capsys, tmp_path, exc, code):
    monkeypatch.setattr(cli, "run", _raising(exc))
    assert cli.main(["list", "--root", str(tmp_path)]) == code
    assert "a bug in journey" not in capsys.readouterr().err
