"""Secrets never reach a recorded output; the registry's TLS is one the engine must check."""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import os

import pytest
from cryptography import x509

from journey.engine.session import Deadline
from journey.helpers.tool_image import LockHeldError
from journey.verify.deploy import SCRUBBED, leaked, machine_lock, require_secure_loopback, scrub, tls_files


def test_every_secret_is_replaced_longest_first():
    token = "123456789012-auth-token"  # noqa: S105 - the emulator's fixed token
    encoded = base64.b64encode(f"AWS:{token}".encode()).decode()
    text = f"docker login -p {token}\nauth: {encoded}\n"
    out = scrub(text, [token, encoded, ""])
    assert out == f"docker login -p {SCRUBBED}\nauth: {SCRUBBED}\n"
    assert not leaked(out, [token, encoded])
    assert leaked(text, [token])


def test_an_empty_secret_scrubs_nothing():
    assert scrub("abc", [""]) == "abc"
    assert not leaked("abc", [""])


class _Engine:
    """What ``docker info`` answers about insecure registries, and nothing else."""

    def __init__(self, cidrs: list[str]) -> None:
        self.cidrs = cidrs

    def info(self) -> dict[str, object]:
        return {"RegistryConfig": {"InsecureRegistryCIDRs": self.cidrs}}


def test_an_engine_counting_ipv6_loopback_insecure_is_refused_by_name():
    require_secure_loopback(_Engine(["127.0.0.0/8"]))  # Engine 26's default
    with pytest.raises(OSError, match=r"counts \[::1\] as an insecure registry .*::1/128"):
        require_secure_loopback(_Engine(["::1/128", "127.0.0.0/8"]))


def test_the_registry_certificate_is_signed_by_a_separate_ca_for_ipv6_loopback(tmp_path):
    files = tls_files(tmp_path, ["123456789012.dkr.ecr.us-east-1.amazonaws.com"])
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    assert cert.issuer == ca.subject != cert.subject
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"::1", "127.0.0.1"}
    assert names.get_values_for_type(x509.DNSName) == ["123456789012.dkr.ecr.us-east-1.amazonaws.com"]
    assert files.key.stat().st_mode & 0o077 == 0


def test_the_registry_ca_is_trusted_for_a_day_and_serves_only_to_sign(tmp_path):
    """What trustme cannot make (its CA is valid 2000-3000 and may sign OCSP answers): why it is hand-made."""
    files = tls_files(tmp_path, [])
    for pem in (files.ca, files.cert):
        cert = x509.load_pem_x509_certificate(pem.read_bytes())
        assert cert.not_valid_after_utc - cert.not_valid_before_utc <= dt.timedelta(days=1, minutes=5)
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    assert ca.subject.rfc4514_string() == "CN=journey deploy-e2e CA"
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert not usage.digital_signature
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    uses = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(uses) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]


def test_the_deploy_lock_is_this_users_and_a_second_holder_waits_only_its_deadline(tmp_path, monkeypatch):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with machine_lock(Deadline(5.0)):
        lock = runtime / "journey" / "deploy-e2e.lock"
        assert lock.is_file()
        assert lock.stat().st_mode & 0o777 == 0o600  # not a world-writable file in /tmp
        fd = os.open(lock, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while the check runs
        finally:
            os.close(fd)
        with (
            pytest.raises(LockHeldError, match="a deploy-e2e check"),
            machine_lock(Deadline(0.0), lambda _: None),
        ):
            pass  # a second check gives up at its deadline, naming the holder
