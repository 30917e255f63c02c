"""The deploy scripts run for real: moto answers the ECR API, Docker's registry checks the password.

Each test starts and stops its own loopback servers and private engine (a container on the shared
engine holding dockerd and the registry); `nothing_left` then audits that no server, private engine,
test image, /etc/hosts line or certs.d folder survived. None of it needs root: the last tests run the
check as an unprivileged user in the `docker` group (when the suite runs as root, as JOURNEY_TEST_USER,
default `nobody`, with only the docker group, through setpriv).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import FIXTURES, IMAGE, ROOT, SNIPPETS, check_named, private_engines
from journey.core.errors import VerificationError
from journey.engine.session import RUN_LABEL, SNIPPET_LABEL
from journey.helpers.deploy_engine import TOOL_LABEL, TOOL_NAME, EngineSpec, ensure_image, running
from journey.verify.deploy import (
    DeploySpec,
    deploy_e2e,
    import_image,
    pushed,
    run_script,
    script_env,
    spec_from_check,
    stack,
)

if TYPE_CHECKING:
    from unprivileged import User

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("nothing_left")]
#: moto's password for its default account: what must never show up in a recorded output.
MOTO_PASSWORD = "123456789012-auth-token"  # noqa: S105 - the emulator's fixed token, not a secret


def today(context):
    return context(SNIPPETS / "deploy", "vol1/deploy")


def test_pushed_image_is_the_local_image(context):
    """Independent of the check's own verdict: ask the registry, compare with the private engine."""
    ctx = today(context)
    check = check_named(ctx.snippet, "push")
    spec: DeploySpec = spec_from_check(ctx, check)
    with (
        tempfile.TemporaryDirectory(prefix="journey-deploy-") as tmp,
        stack(ctx, check, spec, Path(tmp)) as running,
    ):
        (Path(tmp) / "home").mkdir()
        (Path(tmp) / "work").mkdir()
        client = running.engine.client
        image_id = import_image(client, spec.image_name)
        env = script_env(
            spec, Path(tmp) / "home", running.moto_port, running.registry.address, running.engine.docker_host
        )
        run = run_script(ctx, check, spec, env, Path(tmp) / "work")
        assert run.returncode == 0, run.output
        repo_digests = client.images.get(image_id).attrs["RepoDigests"]
        for tag in ("latest", "1a2b3c4"):
            found = pushed(running.registry, IMAGE, tag)
            assert found is not None
            digest, config = found
            assert f"{running.registry.address}/{IMAGE}@{digest}" in repo_digests
            assert config == image_id
        # the shared engine never saw the image: it was imported into the private one only
        shared = ctx.session.client
        assert not [t for image in shared.images.list() for t in image.tags if IMAGE in t]


def test_the_private_engine_is_labelled_has_no_network_and_goes_away(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    check = check_named(ctx.snippet, "push-2019")
    spec = spec_from_check(ctx, check)
    with (
        tempfile.TemporaryDirectory(prefix="journey-deploy-") as tmp,
        stack(ctx, check, spec, Path(tmp)) as running,
    ):
        container = running.engine.container
        container.reload()
        labels = container.labels
        assert labels[TOOL_LABEL] == TOOL_NAME
        assert labels[RUN_LABEL] == ctx.session.run_id
        assert labels[SNIPPET_LABEL] == "vol1/deploy-2019"
        assert container.attrs["HostConfig"]["NetworkMode"] == "none"
        # the fixed ECR name is the container's own mapping, to its own loopback
        assert running.engine.resolve("123456789012.dkr.ecr.us-east-1.amazonaws.com") == {"::1"}
        sock = running.engine.spec.docker_socket
        assert sock.is_socket()
        assert sock.stat().st_gid == os.getgid()
        name = container.name
    assert name not in private_engines(ctx.session)


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


def test_a_script_that_prints_the_password_fails_and_the_log_is_scrubbed(context):
    ctx = context(FIXTURES / "leaky", "deploy/leaky")
    with pytest.raises(VerificationError) as caught:
        deploy_e2e(ctx, check_named(ctx.snippet, "leaky"))
    assert "printed a credential" in caught.value.message
    assert caught.value.snippet == "deploy/leaky"
    assert "logging in with <credential>" in caught.value.log_tail
    assert MOTO_PASSWORD not in caught.value.log_tail


def test_2019_script_pushes_with_the_password_on_the_command_line(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    out = deploy_e2e(ctx, check_named(ctx.snippet, "push-2019"))["output"]
    assert "WARNING! Using --password via the CLI is insecure. Use --password-stdin." in out
    assert "docker login -u AWS -p <credential> https://123456789012.dkr.ecr.us-east-1.amazonaws.com" in out
    ref = "123456789012.dkr.ecr.us-east-1.amazonaws.com/journey-deploy-e2e:latest"
    assert f"ok   {ref}: manifest config" in out
    assert "credential still stored in ~/.docker/config.json afterwards: yes" in out
    assert MOTO_PASSWORD not in out


def test_2019_script_ignores_its_shebang_e_and_tries_to_push_after_a_refused_login(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    out = deploy_e2e(ctx, check_named(ctx.snippet, "refused-login-2019"))["output"]
    assert "The push refers to repository" in out  # `bash lazy.sh` runs on past the failed login
    assert "ok   the registry holds no repository (none)" in out
    host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert f"login attempt to https://{host}/v2/ failed with status: 401 Unauthorized" in out
    assert "http://" not in out
    assert ":80:" not in out


def test_a_private_engine_that_cannot_start_is_an_error_naming_snippet_step_and_cause(context, tmp_path):
    ctx = today(context)
    what = VerificationError("", snippet="vol1/deploy", step="check push")
    config, sockets = tmp_path / "registry", tmp_path / "engine"
    config.mkdir()
    sockets.mkdir()
    tmp_path.chmod(0o755)
    spec = EngineSpec(
        image=ensure_image(ctx.session, what, 300),
        registry_address="[::1]:40000",
        registry_port=40000,
        config_dir=config,
        registry_config=config / "registry.yml",
        ca=config / "no-such-ca.crt",  # the entrypoint's first step fails: the container exits
        sockets=sockets,
        uid=os.getuid(),
        gid=os.getgid(),
        labels=ctx.session.labels_for("vol1/deploy"),
    )
    with pytest.raises(VerificationError) as caught, running(ctx.session.client, spec, what, lambda: True):
        pass
    assert caught.value.snippet == "vol1/deploy"
    assert caught.value.step == "check push"
    assert "the private engine exited (1)" in caught.value.message
    assert "no-such-ca.crt" in caught.value.log_tail


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


#: Runs one deploy-e2e check of a snippet the way `journey verify` does and prints its outcome as JSON.
AS_USER = """
import json, sys
from pathlib import Path
from journey.verify.checks import CheckContext
from journey.verify.deploy import deploy_e2e
from journey.engine.daemon import connect
from journey.model.manifest import load_snippet
from journey.engine.session import Deadline, Session
root, folder, snippet_id, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
snippet = load_snippet(folder, snippet_id)
session = Session(connect())
ctx = CheckContext(root=root, snippet=snippet, session=session, deadline=Deadline(300), idle=300)
try:
    print(json.dumps(deploy_e2e(ctx, next(c for c in snippet.checks if c.name == name))))
finally:
    session.cleanup()
"""


def run_unprivileged(user: User, snippet: str, check: str) -> dict:
    """Run the check in a process that is not root and has the docker group (and nothing else)."""
    # the deploy check runs aws and moto_server from the folder of the Python that runs journey
    user = user.with_console_scripts({"aws": "awscli.clidriver:main", "moto_server": "moto.server:main"})
    done = user.run("-c", AS_USER, str(ROOT), str(SNIPPETS / snippet), f"vol1/{snippet}", check, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_2019_push_passes_as_a_user_who_is_not_root(unprivileged_user):
    """The fixed ECR name and the CA need nothing of the host: no root, no /etc/hosts, no certs.d."""
    outcome = run_unprivileged(unprivileged_user, "deploy-2019", "push-2019")
    out = outcome["output"]
    assert outcome["ok"] is True
    ref = "123456789012.dkr.ecr.us-east-1.amazonaws.com/journey-deploy-e2e:latest"
    assert f"ok   {ref}: registry digest sha256:<id> = the engine's pushed digest" in out
    assert f"ok   {ref}: manifest config sha256:<id> = the local image ID" in out
    assert MOTO_PASSWORD not in out


def test_a_refused_login_is_the_registrys_own_401_as_a_user_who_is_not_root(unprivileged_user):
    out = run_unprivileged(unprivileged_user, "deploy", "refused-login")["output"]
    assert "login attempt to https://[::1]:<port>/v2/ failed with status: 401 Unauthorized" in out
    assert "ok   the registry holds no repository (none)" in out
    assert "http://" not in out
