"""The measure: kinds' pure parts: parsing what the engine, BuildKit and Go print, and the summaries."""

from __future__ import annotations

import pytest

from journey.model.measure_spec import MEASURE_TYPES
from journey.model.stats import int_spread, spread
from journey.verify.measurements import (
    count_modules,
    go_build_command,
    rerun_steps,
    resident_bytes,
    target_platform,
)
from trees import REPO

FIXTURES = REPO / "tests" / "fixtures" / "measurements"


def test_spread_is_the_median_with_the_extremes_and_every_run_in_order():
    assert spread([0.30, 0.10, 0.20, 0.50, 0.40]) == {
        "median": 0.3,
        "min": 0.1,
        "max": 0.5,
        "runs": [0.3, 0.1, 0.2, 0.5, 0.4],
    }


def test_spread_of_an_even_count_is_the_mean_of_the_middle_two():
    assert spread([1.0, 2.0, 3.0, 10.0])["median"] == 2.5


def test_byte_spread_stays_whole_numbers():
    summary = int_spread([4096, 8192, 12288, 8192, 4096, 4096])
    assert summary == {
        "median": 6144,
        "min": 4096,
        "max": 12288,
        "runs": [4096, 8192, 12288, 8192, 4096, 4096],
    }
    assert all(isinstance(v, int) for v in (summary["median"], summary["min"], summary["max"]))


@pytest.mark.parametrize("summarise", [spread, int_spread])
def test_no_runs_is_an_error_never_a_zero(summarise):
    with pytest.raises(ValueError, match="no runs"):
        summarise([])


def test_resident_memory_is_read_from_proc_status_in_bytes():
    status = "Name:\tserver\nVmPeak:\t  1263436 kB\nVmRSS:\t     9876 kB\nRssAnon:\t 4000 kB\n"
    assert resident_bytes(status) == 9876 * 1024


def test_a_status_without_vmrss_is_refused():
    with pytest.raises(ValueError, match="no VmRSS"):
        resident_bytes("Name:\tkthreadd\nState:\tS (sleeping)\n")


def test_the_go_build_of_the_recommended_file_is_found_without_its_mount():
    text = (REPO / "snippets/vol1/multistage/Dockerfile").read_text()
    assert go_build_command(text) == (
        'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/server .'
    )


def test_a_timed_compile_targets_the_platform_of_the_stage_it_runs_in():
    # The recommended file cross-compiles (GOOS=$TARGETOS): the timed run sets what BuildKit set.
    assert target_platform({"Os": "linux", "Architecture": "arm64"}) == {
        "TARGETOS": "linux",
        "TARGETARCH": "arm64",
    }


def test_every_go_dockerfile_of_vol1_with_a_compile_measurement_has_a_go_build():
    for name in ("multistage", "stdlib"):
        assert "go build" in go_build_command((REPO / "snippets/vol1" / name / "Dockerfile").read_text())


def test_a_dockerfile_without_go_build_is_refused():
    with pytest.raises(ValueError, match="no RUN line with `go build`"):
        go_build_command("FROM scratch\nRUN go vet ./...\nCOPY app /app\n")


def test_modules_are_the_dep_lines_of_go_version_m():
    listing = (
        "/tmp/binary: go1.26.8\n"
        "\tpath\texample.com/journey/server\n"
        "\tmod\texample.com/journey/server\t(devel)\t\n"
        "\tdep\tgithub.com/gin-gonic/gin\tv1.12.0\th1:abc=\n"
        "\tdep\tgolang.org/x/net\tv0.51.0\th1:def=\n"
        "\t=>\tgolang.org/x/net\tv0.50.0\th1:ghi=\n"
        "\tbuild\t-trimpath=true\n"
    )
    assert count_modules(listing) == 2
    assert count_modules("/tmp/binary: go1.26.8\n\tpath\tx\n\tmod\tx\t(devel)\t\n") == 0


def test_rerun_steps_are_the_dockerfile_steps_that_were_not_cached():
    build = 'CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/server .'
    assert rerun_steps((FIXTURES / "buildkit-rebuild.log").read_text()) == [
        "COPY . .",
        f"RUN --mount=type=cache,target=/root/.cache/go-build {build}",
        "COPY --from=builder /out/server /opt/server",
    ]


def test_a_fully_cached_rebuild_reran_nothing():
    log = "#6 [builder 2/6] WORKDIR /src\n#6 CACHED\n\n#9 [builder 5/6] COPY . .\n#9 CACHED\n"
    assert rerun_steps(log) == []


def test_every_kind_of_the_schema_has_a_runner():
    import json  # noqa: PLC0415 - only this test reads the schema

    schema = json.loads((REPO / "scripts/journey/manifest.schema.json").read_text())
    kinds = schema["$defs"]["measurement"]["properties"]["kind"]["enum"]
    assert sorted(kinds) == sorted(MEASURE_TYPES)
    assert all(f"measure-{kind}" in schema["$defs"] for kind in kinds)
