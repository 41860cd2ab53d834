"""The RFC 6238 Appendix B and RFC 4226 Appendix D values, through mfa_kit's own API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfa_kit.otp import Algorithm, Totp, TotpProfile, decode_secret, hotp

VECTORS = json.loads((Path(__file__).parent / "data" / "vectors.json").read_text())


def test_the_vector_file_is_complete():
    assert len(VECTORS["totp"]) == 18
    assert len(VECTORS["hotp"]) == 10


@pytest.mark.parametrize(
    "vector", VECTORS["totp"], ids=lambda v: f"{v['algorithm']}-{v['unix_time']}"
)
def test_totp_matches_rfc_6238(vector):
    profile = TotpProfile(Algorithm.parse(vector["algorithm"]), vector["digits"], vector["period"])
    totp = Totp(vector["secret_base32"], profile)
    assert totp.key == vector["seed_ascii"].encode("ascii")
    assert totp.at(vector["unix_time"]) == vector["code"]
    # and the verifier accepts it, reporting the step it belongs to
    step = vector["unix_time"] // vector["period"]
    assert totp.verify(vector["code"], vector["unix_time"], window=0) == step


@pytest.mark.parametrize("vector", VECTORS["hotp"], ids=lambda v: f"counter-{v['counter']}")
def test_hotp_matches_rfc_4226(vector):
    key = decode_secret(vector["secret_base32"])
    assert hotp(key, vector["counter"]) == vector["code"]
