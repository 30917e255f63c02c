"""The two Vol. 1 services stay the same API: the page compares their images on that promise."""

from __future__ import annotations

import re

import pytest

from trees import REPO

VOL1 = REPO / "snippets" / "vol1"


@pytest.mark.parametrize("name", ["checks.go", "checks_test.go"])
def test_the_one_shot_checks_are_the_gin_services_byte_for_byte(name):
    assert (VOL1 / "service-stdlib" / name).read_bytes() == (VOL1 / "service" / name).read_bytes()


def test_both_route_tables_serve_the_same_paths():
    gin = (VOL1 / "service" / "api.go").read_text()
    stdlib = (VOL1 / "service-stdlib" / "api.go").read_text()
    # Gin: r.GET("/healthz") at the root, v1.GET("/location") under the /v1 group.
    gin_routes = {
        ("/v1" if group == "v1" else "") + path for group, path in re.findall(r'(v1|r)\.GET\("([^"]+)"', gin)
    }
    gin_paths = {re.sub(r":(\w+)", r"{\1}", p) for p in gin_routes}
    stdlib_paths = set(re.findall(r'HandleFunc\("GET ([^"]+)"', stdlib))
    assert stdlib_paths == gin_paths
    assert "/v1/projects/{id}" in stdlib_paths


def test_both_test_suites_assert_the_same_answers():
    table = re.compile(r'\{"(/[^"]*)", http\.(\w+), `([^`]*)`\}')
    gin = table.findall((VOL1 / "service" / "api_test.go").read_text())
    stdlib = table.findall((VOL1 / "service-stdlib" / "api_test.go").read_text())
    assert gin
    assert stdlib == gin
