"""The TOTP second factor (RFC 6238): codes on a fixed clock, drift, replay, malformed input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from app.totp import STEP_SECONDS, new_secret, provisioning_uri, time_step, verify_code

# RFC 6238, appendix B: the SHA-1 seed "12345678901234567890" and its 8-digit codes; a 6-digit
# code is the last six digits of the same truncated HMAC.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "287082"),
    (1111111109, "081804"),
    (1111111111, "050471"),
    (1234567890, "005924"),
    (2000000000, "279037"),
    (20000000000, "353130"),
]
NOW = datetime.fromtimestamp(1234567890, tz=UTC)  # step 41152263, code 005924
STEP = 1234567890 // 30


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.mark.parametrize(("seconds", "code"), RFC_VECTORS)
def test_the_rfc_6238_test_vectors_are_accepted(seconds: int, code: str) -> None:
    """Codes computed by the RFC itself, not by the library under test."""
    assert verify_code(RFC_SECRET, code, at=at(seconds), last_step=None) == seconds // 30


def test_the_accepted_step_is_the_current_one() -> None:
    assert time_step(NOW) == STEP
    assert verify_code(RFC_SECRET, "005924", at=NOW, last_step=None) == STEP


def test_a_code_is_accepted_throughout_its_step() -> None:
    """From the step's first second to its last."""
    start = STEP * STEP_SECONDS
    assert verify_code(RFC_SECRET, "005924", at=at(start), last_step=None) == STEP
    assert verify_code(RFC_SECRET, "005924", at=at(start + 29.999), last_step=None) == STEP


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_of_clock_drift_is_allowed(offset: int) -> None:
    """The phone's clock may be one step behind or ahead; the step it used is returned."""
    code = pyotp.TOTP(RFC_SECRET).generate_otp(STEP + offset)
    assert verify_code(RFC_SECRET, code, at=NOW, last_step=None) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_more_drift_is_refused(offset: int) -> None:
    code = pyotp.TOTP(RFC_SECRET).generate_otp(STEP + offset)
    assert verify_code(RFC_SECRET, code, at=NOW, last_step=None) is None


def test_a_code_is_refused_a_minute_later() -> None:
    """Two steps after its own, the RFC's code no longer counts."""
    later = NOW + timedelta(seconds=2 * STEP_SECONDS)
    assert verify_code(RFC_SECRET, "005924", at=later, last_step=None) is None


def test_a_used_code_is_refused_again() -> None:
    """Replay: once a step is accepted and stored, its code does not count a second time."""
    step = verify_code(RFC_SECRET, "005924", at=NOW, last_step=None)
    assert step == STEP
    assert verify_code(RFC_SECRET, "005924", at=NOW, last_step=step) is None
    assert verify_code(RFC_SECRET, "005924", at=NOW + timedelta(seconds=10), last_step=step) is None


def test_an_earlier_code_is_refused_after_a_later_one() -> None:
    """After the next step's code was used, the current step's code is stale, though in the
    drift window."""
    ahead = pyotp.TOTP(RFC_SECRET).generate_otp(STEP + 1)
    step = verify_code(RFC_SECRET, ahead, at=NOW, last_step=None)
    assert step == STEP + 1
    assert verify_code(RFC_SECRET, "005924", at=NOW, last_step=step) is None


def test_the_next_code_is_accepted_after_a_used_one() -> None:
    nxt = pyotp.TOTP(RFC_SECRET).generate_otp(STEP + 1)
    later = NOW + timedelta(seconds=STEP_SECONDS)
    assert verify_code(RFC_SECRET, nxt, at=later, last_step=STEP) == STEP + 1


@pytest.mark.parametrize("code", ["005925", "000000", "500924", "924005"])
def test_a_wrong_code_is_refused(code: str) -> None:
    assert verify_code(RFC_SECRET, code, at=NOW, last_step=None) is None


@pytest.mark.parametrize("code", ["005 924", " 005924 ", "0 0 5 9 2 4", "005\u00a0924", "005\t924"])
def test_spaces_in_a_code_are_ignored(code: str) -> None:
    """Apps show the code as '005 924'; people type it that way."""
    assert verify_code(RFC_SECRET, code, at=NOW, last_step=None) == STEP


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "05924",
        "0059240",
        "005-924",
        "005924a",
        "+05924",
        "-05924",
        "\uff10\uff10\uff15\uff19\uff12\uff14",  # full-width digits
        "\u0660\u0660\u0665\u0669\u0662\u0664",  # Arabic-Indic digits
        "005924" + " " * 100,
    ],
)
def test_a_malformed_code_is_refused(code: str) -> None:
    """Only six ASCII digits count, however the digits are meant."""
    assert verify_code(RFC_SECRET, code, at=NOW, last_step=None) is None


def test_the_clock_may_be_in_any_time_zone() -> None:
    """The same instant in Amsterdam's winter time is the same step."""
    amsterdam = NOW.astimezone(timezone(timedelta(hours=1)))
    assert verify_code(RFC_SECRET, "005924", at=amsterdam, last_step=None) == STEP


def test_a_naive_clock_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at: a timezone-aware datetime is needed"):
        verify_code(RFC_SECRET, "005924", at=datetime(2009, 2, 13, 23, 31, 30), last_step=None)  # noqa: DTZ001 -- the naive datetime under test


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "JBSWY3DPEHPK3PXP",  # 80 bits: under RFC 4226's 128
        RFC_SECRET.lower(),
        RFC_SECRET[:-1] + "1",  # not base32
        RFC_SECRET[:-1] + "=",
    ],
)
def test_a_malformed_secret_is_refused_without_showing_it(secret: str) -> None:
    """A broken stored secret is the server's mistake: it raises, and never says the secret."""
    with pytest.raises(ValueError, match="totp secret: not 26 or more") as raised:
        verify_code(secret, "005924", at=NOW, last_step=None)
    assert not secret or secret not in str(raised.value)
    with pytest.raises(ValueError, match="totp secret"):
        provisioning_uri(secret, email="jan@example.nl")


def test_new_secrets_are_160_random_bits() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20


def test_a_new_secret_works_end_to_end() -> None:
    """An app that scanned the URI computes codes that verify."""
    secret = new_secret()
    app = pyotp.parse_uri(provisioning_uri(secret, email="jan@example.nl"))
    assert isinstance(app, pyotp.TOTP)
    code = app.at(NOW)
    assert verify_code(secret, code, at=NOW, last_step=None) == STEP


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    """What the authenticator app shows: 'ketenkaart (jan+audit@example.nl)', 6 digits, 30 s."""
    uri = provisioning_uri(RFC_SECRET, email="jan+audit@example.nl")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/ketenkaart:jan+audit@example.nl"
    query = parse_qs(parts.query)
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["ketenkaart"]
    assert query.get("digits", ["6"]) == ["6"]
    assert query.get("period", ["30"]) == ["30"]


def test_the_issuer_can_be_named() -> None:
    uri = provisioning_uri(RFC_SECRET, email="jan@example.nl", issuer="ketenkaart (test)")
    assert parse_qs(urlsplit(uri).query)["issuer"] == ["ketenkaart (test)"]
