"""The second factor: time-based one-time passwords (RFC 6238) through pyotp.

The parameters are the ones every authenticator app understands: HMAC-SHA1, six digits, a
30-second time step. A code is accepted for the current step and one step either side (clock
drift), and never for a step at or before the last one accepted for the account, so that a code
seen over a shoulder or replayed from a log cannot be used again. The caller stores the step
that :func:`verify_code` returns.

No function here puts a secret or a code in an exception or a log line.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

__all__ = [
    "DIGITS",
    "DRIFT_STEPS",
    "STEP_SECONDS",
    "new_secret",
    "provisioning_uri",
    "time_step",
    "verify_code",
]

DIGITS = 6
"""Digits in a code."""

STEP_SECONDS = 30
"""Seconds in a time step: a code changes this often."""

DRIFT_STEPS = 1
"""Steps either side of the current one whose codes are still accepted."""

_MIN_SECRET_CHARACTERS = 26
"""26 base32 characters carry 130 bits: RFC 4226 asks for a shared secret of 128 bits or more."""

_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_DIGIT_CHARACTERS = frozenset("0123456789")


def new_secret() -> str:
    """A fresh shared secret: 32 base32 characters (160 bits) from the system's CSPRNG.

    Returns
    -------
    str
        The secret to store for the account and to show (in the provisioning URI) once.

    Examples
    --------
    >>> secret = new_secret()
    >>> len(secret), set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    (32, True)
    """
    return pyotp.random_base32()


def _totp(secret: str) -> pyotp.TOTP:
    if len(secret) < _MIN_SECRET_CHARACTERS or not set(secret) <= _BASE32:
        message = f"totp secret: not {_MIN_SECRET_CHARACTERS} or more upper-case base32 characters"
        raise ValueError(message)
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def provisioning_uri(secret: str, *, email: str, issuer: str = "ketenkaart") -> str:
    """The ``otpauth://`` URI that an authenticator app reads (usually from a QR code).

    Parameters
    ----------
    secret
        The account's secret from :func:`new_secret`.
    email
        The account's e-mail address: the label the app shows next to the issuer.
    issuer
        The service's name as the app shows it.

    Returns
    -------
    str
        ``otpauth://totp/<issuer>:<email>?secret=...&issuer=<issuer>`` (percent-encoded).

    Raises
    ------
    ValueError
        When ``secret`` is not 26 or more upper-case base32 characters (the message does not
        repeat it).

    Examples
    --------
    >>> provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", email="jan@example.nl")
    'otpauth://totp/ketenkaart:jan%40example.nl?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ketenkaart'
    """
    return _totp(secret).provisioning_uri(name=email, issuer_name=issuer)


def time_step(at: datetime) -> int:
    """The RFC 6238 time step that ``at`` falls in (whole steps since 1970-01-01 UTC).

    Parameters
    ----------
    at
        A timezone-aware moment.

    Returns
    -------
    int
        The step number.

    Raises
    ------
    ValueError
        When ``at`` is naive (its time zone would be a guess).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> time_step(datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC))
    59859360
    """
    if at.tzinfo is None or at.utcoffset() is None:
        message = "at: a timezone-aware datetime is needed, not a naive one"
        raise ValueError(message)
    return int(at.timestamp()) // STEP_SECONDS


def verify_code(secret: str, code: str, *, at: datetime, last_step: int | None) -> int | None:
    """The time step whose code ``code`` is, if it may be accepted now; else ``None``.

    The code may contain spaces (``"123 456"``); anything else that is not one of six ASCII
    digits is refused. It is compared (in constant time) with the codes of the current step at
    ``at`` and of :data:`DRIFT_STEPS` steps either side, skipping every step at or before
    ``last_step``.

    Parameters
    ----------
    secret
        The account's secret from :func:`new_secret`.
    code
        What the person typed.
    at
        The moment of the attempt, timezone-aware (pass the clock in; tests pass a fixed one).
    last_step
        The step this function last returned for the account, or ``None`` before the first
        code was accepted.

    Returns
    -------
    int or None
        The accepted step, to store as the account's new ``last_step``; ``None`` when the code
        is malformed, wrong, too old or already used.

    Raises
    ------
    ValueError
        When ``secret`` is malformed or ``at`` is naive (server-side mistakes, not the typist's).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    >>> now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    >>> code = pyotp.TOTP(secret).at(now)
    >>> step = verify_code(secret, code[:3] + " " + code[3:], at=now, last_step=None)
    >>> step == time_step(now)
    True
    >>> verify_code(secret, code, at=now, last_step=step) is None
    True
    """
    totp = _totp(secret)
    current = time_step(at)
    typed = "".join(code.split()) if len(code) <= 4 * DIGITS else ""
    if len(typed) != DIGITS or not set(typed) <= _DIGIT_CHARACTERS:
        return None
    accepted = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step < 0 or (last_step is not None and step <= last_step):
            continue
        if hmac.compare_digest(totp.generate_otp(step), typed):
            accepted = step
    return accepted
