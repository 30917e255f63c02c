"""Secrets never reach a recorded output: longest first, base64 forms included."""

from __future__ import annotations

import base64

from journey.deploy import SCRUBBED, leaked, scrub


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
