"""The deploy scripts run for real: moto answers the ECR API, Docker's registry checks the password.

Each test starts and stops its own loopback servers; `nothing_left` then audits that no server,
test image, /etc/hosts line or certs.d folder survived. A run that starts the registry needs root:
the engine trusts the registry's CA only from /etc/docker/certs.d.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURES, IMAGE, SNIPPETS, check_named
from journey.deploy import (
    CERTS_D,
    CERTS_OWNER,
    HOSTS_MARK,
    HOSTS_PATH,
    DeploySpec,
    deploy_e2e,
    engine_trusts,
    import_image,
    pushed,
    remove_hosts_line,
    remove_image,
    remove_stale_cert_dirs,
    remove_stale_hosts_lines,
    run_script,
    script_env,
    spec_from_check,
    stack,
)
from journey.errors import VerificationError
from journey.manifest import Check

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("nothing_left")]
needs_root = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="the check installs its CA in /etc/docker/certs.d (for 2019 also /etc/hosts, port 443): root only",
)
#: moto's password for its default account: what must never show up in a recorded output.
MOTO_PASSWORD = "123456789012-auth-token"  # noqa: S105 - the emulator's fixed token, not a secret


def today(context):
    return context(SNIPPETS / "deploy", "vol1/deploy")


@needs_root
def test_pushed_image_is_the_local_image(context):
    """Independent of the check's own verdict: ask the registry, compare with the engine."""
    ctx = today(context)
    check = check_named(ctx.snippet, "push")
    spec: DeploySpec = spec_from_check(ctx, check)
    client = ctx.session.client
    with tempfile.TemporaryDirectory(prefix="journey-deploy-") as tmp, stack(spec, Path(tmp)) as running:
        (Path(tmp) / "home").mkdir()
        (Path(tmp) / "work").mkdir()
        image_id = import_image(client, spec.image_name)
        try:
            env = script_env(spec, Path(tmp) / "home", running.moto_port, running.registry.address)
            run = run_script(ctx, check, spec, env, Path(tmp) / "work")
            assert run.returncode == 0, run.output
            repo_digests = client.images.get(image_id).attrs["RepoDigests"]
            for tag in ("latest", "1a2b3c4"):
                found = pushed(running.registry, IMAGE, tag)
                assert found is not None
                digest, config = found
                assert f"{running.registry.address}/{IMAGE}@{digest}" in repo_digests
                assert config == image_id
        finally:
            remove_image(client, image_id)


@needs_root
def test_push_check_passes_and_records_the_proof(context):
    ctx = today(context)
    outcome = deploy_e2e(ctx, check_named(ctx.snippet, "push"))
    assert outcome["ok"] is True
    out = outcome["output"]
    assert "FAIL" not in out
    assert out.count("= the local image ID") == 2
    assert "[::1]:<port>/journey-deploy-e2e:1a2b3c4" in out
    assert "credential still stored in ~/.docker/config.json afterwards: no" in out
    assert MOTO_PASSWORD not in out
    assert base64.b64encode(f"AWS:{MOTO_PASSWORD}".encode()).decode() not in out


@needs_root
def test_refused_login_exits_non_zero_and_pushes_nothing(context):
    ctx = today(context)
    outcome = deploy_e2e(ctx, check_named(ctx.snippet, "refused-login"))
    out = outcome["output"]
    assert "ok   the script exited 1 after the refused login" in out
    assert "ok   the registry holds no repository (none)" in out
    assert "The push refers to" not in out  # set -e: it stopped at the login
    # The registry's own refusal over TLS: no retry over plain HTTP, no insecure-registry artefact.
    assert "login attempt to https://[::1]:<port>/v2/ failed with status: 401 Unauthorized" in out
    assert "http://" not in out


@needs_root
def test_a_script_that_prints_the_password_fails_and_the_log_is_scrubbed(context):
    ctx = context(FIXTURES / "leaky", "deploy/leaky")
    with pytest.raises(VerificationError) as caught:
        deploy_e2e(ctx, check_named(ctx.snippet, "leaky"))
    assert "printed a credential" in caught.value.message
    assert caught.value.snippet == "deploy/leaky"
    assert "logging in with <credential>" in caught.value.log_tail
    assert MOTO_PASSWORD not in caught.value.log_tail


def test_unknown_option_is_named(context):
    ctx = today(context)
    extra = {"script": "deploy.sh", "regsitry": "override", "env": {"AWS_REGION": "x", "IMAGE_NAME": "y"}}
    bad = Check(tool="deploy-e2e", explicit_name="bad", extra=extra)
    with pytest.raises(VerificationError, match="unknown key"):
        deploy_e2e(ctx, bad)


@needs_root
def test_2019_script_pushes_with_the_password_on_the_command_line(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    out = deploy_e2e(ctx, check_named(ctx.snippet, "push-2019"))["output"]
    assert "WARNING! Using --password via the CLI is insecure. Use --password-stdin." in out
    assert "docker login -u AWS -p <credential> https://123456789012.dkr.ecr.us-east-1.amazonaws.com" in out
    ref = "123456789012.dkr.ecr.us-east-1.amazonaws.com/journey-deploy-e2e:latest"
    assert f"ok   {ref}: manifest config" in out
    assert "credential still stored in ~/.docker/config.json afterwards: yes" in out
    assert MOTO_PASSWORD not in out


@needs_root
def test_2019_script_ignores_its_shebang_e_and_tries_to_push_after_a_refused_login(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    out = deploy_e2e(ctx, check_named(ctx.snippet, "refused-login-2019"))["output"]
    assert "The push refers to repository" in out  # `bash lazy.sh` runs on past the failed login
    assert "ok   the registry holds no repository (none)" in out
    host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert f"login attempt to https://{host}/v2/ failed with status: 401 Unauthorized" in out
    assert "http://" not in out
    assert ":80:" not in out


@needs_root
def test_a_hosts_line_left_by_a_killed_run_is_removed_by_the_next():
    before = HOSTS_PATH.read_text(encoding="utf-8")
    dead = f"127.0.0.1 000000000000.dkr.ecr.xx-test-1.amazonaws.com {HOSTS_MARK} 999999999\n"
    with HOSTS_PATH.open("a", encoding="utf-8") as hosts:
        hosts.write(dead)
    try:
        remove_stale_hosts_lines()
        assert HOSTS_PATH.read_text(encoding="utf-8") == before
    finally:
        remove_hosts_line(dead)


@needs_root
def test_a_ca_folder_left_by_a_killed_run_is_removed_by_the_next():
    dead = CERTS_D / "[::1]:1"
    dead.mkdir(parents=True)
    (dead / CERTS_OWNER).write_text("999999999\n", encoding="utf-8")
    (dead / "ca.crt").write_text("left behind\n", encoding="utf-8")
    try:
        remove_stale_cert_dirs()
        assert not dead.exists()
    finally:
        if dead.exists():
            for entry in dead.iterdir():
                entry.unlink()
            dead.rmdir()


@needs_root
def test_the_ca_is_installed_for_the_run_only_and_another_ca_is_never_replaced(tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text("a CA\n", encoding="utf-8")
    with engine_trusts("[::1]:2", ca) as folder:
        assert (folder / "ca.crt").read_text(encoding="utf-8") == "a CA\n"
        with pytest.raises(OSError, match="is not this run's"), engine_trusts("[::1]:2", ca):
            pass
        assert (folder / "ca.crt").is_file()
    assert not folder.exists()


def test_missing_variable_check_records_the_one_line(context):
    ctx = today(context)
    out = deploy_e2e(ctx, check_named(ctx.snippet, "missing-variable"))["output"]
    assert "./deploy.sh: line 11: AWS_REGION: is not set" in out
    assert "ok   neither aws nor docker ran" in out


def test_missing_variable_check_fails_a_script_that_acts_first(context):
    ctx = context(FIXTURES / "late", "deploy/late")
    with pytest.raises(VerificationError, match="did not stop at once without AWS_REGION") as caught:
        deploy_e2e(ctx, check_named(ctx.snippet, "missing-variable"))
    assert "FAIL neither aws nor docker ran" in caught.value.log_tail
