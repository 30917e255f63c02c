"""The companion probe's engine-free part: each step's transcript line, as a reader would type it."""

from __future__ import annotations

from journey.model.runspec import CompanionProbe, CompanionStep
from journey.verify.live_companion import command_line


def test_a_transcript_names_each_command_as_a_reader_would_type_it():
    spec = CompanionProbe(image="golang:1.26-trixie", steps=(), user="65534")
    assert command_line(spec, CompanionStep(exec=("sh",))) == "$ docker exec service sh"
    quoted = CompanionStep(run=("sh", "-c", 'tr "\\0" " " < /proc/1/cmdline'))
    assert command_line(spec, quoted).endswith(
        """golang:1.26-trixie sh -c 'tr "\\0" " " < /proc/1/cmdline'"""
    )
    assert command_line(spec, CompanionStep(run=("cat", "/proc/1/status"))) == (
        "$ docker run --rm --pid=container:service --network=container:service --user=65534 "
        "golang:1.26-trixie cat /proc/1/status"
    )


def test_a_companion_without_a_user_runs_as_the_images_own_user():
    spec = CompanionProbe(image="busybox:1.37", steps=())
    assert command_line(spec, CompanionStep(run=("ls", "-l", "/proc/1/root/app dir"))) == (
        "$ docker run --rm --pid=container:service --network=container:service busybox:1.37 "
        "ls -l '/proc/1/root/app dir'"
    )
