"""Secrets never reach a recorded output; the registry's TLS is one the engine must check."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509

from journey.deploy import SCRUBBED, leaked, require_secure_loopback, scrub, tls_files


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
    assert files.key.stat().st_mode & 0o077 == 0
