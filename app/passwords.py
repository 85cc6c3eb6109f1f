"""Passwords: the rules a new one must meet, and its argon2id hash.

The rules follow NIST SP 800-63B revision 4: a minimum length (15 characters for a password that
is the only factor, as low as 8 when a second factor is required), room for long passphrases, any
character a person can type in any script, no composition rules, and a refusal of passwords that
are common, that use the account's own words, or that are one character, pattern or keyboard run
repeated. A password is normalised to Unicode NFKC before it is checked, hashed or verified, and
its length is counted in code points.

Hashes are argon2id strings made with argon2-cffi: RFC 9106's low-memory profile in production,
and a cheap profile that the test suites switch on with :func:`use_cheap_hashing`.

No function here puts a password, or any part of one, in an exception or a log line.
"""

from __future__ import annotations

import gzip
import itertools
import secrets
import threading
import unicodedata
from functools import cache
from importlib import resources

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from graph.i18n import N_, gettext

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "MIN_LENGTH_WITH_SECOND_FACTOR",
    "SERVICE_NAME",
    "check_password",
    "dummy_verify",
    "hash_password",
    "needs_rehash",
    "use_cheap_hashing",
    "verify_password",
]

MIN_LENGTH = 15
"""The shortest password accepted as the only factor (SP 800-63B rev. 4, 3.1.1.2)."""

MIN_LENGTH_WITH_SECOND_FACTOR = 8
"""The shortest password the rules ever accept: the floor for a password used with a second
factor, and the lowest ``min_length`` that :func:`check_password` takes."""

MAX_LENGTH = 256
"""The longest password accepted, in code points after normalisation (NIST asks for at least
64). Verifying a longer one fails without hashing it."""

SERVICE_NAME = "ketenkaart"
"""The service's own name, a context word no password may contain."""

_CONTEXT_WORD_MIN = 4
"""Parts of a name or an e-mail address shorter than this are not looked for in a password: a
three-letter first name would rule out every word that happens to contain it."""

_ENCODING = "utf-8"


class _Profile:
    """A hasher and, made on first need, the hash that :func:`dummy_verify` checks against."""

    def __init__(self, parameters: Parameters) -> None:
        self.hasher = PasswordHasher.from_parameters(parameters)
        self.dummy: str | None = None


_PRODUCTION = _Profile(profiles.RFC_9106_LOW_MEMORY)
_CHEAP = _Profile(profiles.CHEAPEST)
_lock = threading.Lock()
_active = _PRODUCTION


def use_cheap_hashing(cheap: bool = True) -> bool:
    """Switch hashing to argon2's cheapest parameters (for test suites), or back.

    Hashes made while it is on take microseconds and are worthless against an attacker; a
    service must never run with it. Hashes made under either profile verify under both, and
    :func:`needs_rehash` reports a hash as needing a rehash when it was made under the other.

    Parameters
    ----------
    cheap
        ``True`` for the cheap profile, ``False`` for the production one (RFC 9106 low-memory:
        argon2id, 64 MiB, 3 passes, 4 lanes).

    Returns
    -------
    bool
        Whether the cheap profile was on before the call, so that a fixture can put it back.

    Examples
    --------
    >>> was_cheap = use_cheap_hashing(False)
    >>> hash_password("a costly hash for production").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    True
    >>> use_cheap_hashing()
    False
    >>> hash_password("a cheap hash for a quick test").startswith("$argon2id$v=19$m=8,t=1,p=1$")
    True
    >>> _ = use_cheap_hashing(was_cheap)
    """
    global _active  # noqa: PLW0603 -- one process-wide switch, as the brief asks; taken under a lock
    with _lock:
        was_cheap = _active is _CHEAP
        _active = _CHEAP if cheap else _PRODUCTION
    return was_cheap


def _normalised(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _encoded(normalised: str) -> bytes:
    # "surrogatepass": a lone surrogate cannot come from a keyboard, but it can come from JSON;
    # hashing and verifying must not fail on it (the rules refuse it when a password is set).
    return normalised.encode(_ENCODING, "surrogatepass")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (normalised to NFKC) to store, with a fresh salt.

    Check the password with :func:`check_password` first; this only refuses one over
    :data:`MAX_LENGTH`, which could never be verified.

    Parameters
    ----------
    password
        The password as the person typed it.

    Returns
    -------
    str
        An encoded hash, ``$argon2id$v=19$m=...,t=...,p=...$salt$hash`` (under 128 characters),
        made with the parameters :func:`use_cheap_hashing` selects.

    Raises
    ------
    ValueError
        When the password is longer than :data:`MAX_LENGTH` code points (the message gives
        the length, never the password).

    Examples
    --------
    >>> stored = hash_password("tea with the auditors at four")
    >>> stored.startswith("$argon2id$v=19$")
    True
    >>> verify_password(stored, "tea with the auditors at four")
    True
    """
    normalised = _normalised(password)
    if len(normalised) > MAX_LENGTH:
        message = f"password: {len(normalised)} characters, over the limit of {MAX_LENGTH}"
        raise ValueError(message)
    return _active.hasher.hash(_encoded(normalised))


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash; never raises for a wrong one.

    A wrong password, a password over :data:`MAX_LENGTH`, and a stored value that is no
    argon2 hash at all are all ``False``, and all take about as long as a right one: argon2's
    own comparison is constant-time, and the cases it would answer at once run
    :func:`dummy_verify` first.

    Parameters
    ----------
    stored
        The hash made by :func:`hash_password` (any argon2 variant and parameters).
    password
        The password as the person typed it now.

    Returns
    -------
    bool
        ``True`` only when the password is the one the hash was made from.

    Examples
    --------
    >>> stored = hash_password("a kettle of fish for supper")
    >>> verify_password(stored, "a kettle of fish for supper")
    True
    >>> verify_password(stored, "A kettle of fish for supper")
    False
    >>> verify_password("not a hash", "a kettle of fish for supper")
    False
    """
    profile = _active
    normalised = _normalised(password)
    if len(normalised) > MAX_LENGTH:
        dummy_verify()
        return False
    try:
        return profile.hasher.verify(stored, _encoded(normalised))
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError, UnicodeError):
        # Not a hash argon2 could use: it answered without the work, so spend it now.
        dummy_verify()
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` should be replaced by a new hash of the password just verified.

    True when the hash was made with other parameters (another argon2 variant, older cost
    settings, the other profile of :func:`use_cheap_hashing`) or is no argon2 hash at all.
    Call it after :func:`verify_password` returned ``True`` and, if it says so, store
    :func:`hash_password` of the same password.

    Parameters
    ----------
    stored
        The stored hash.

    Returns
    -------
    bool
        ``True`` when the hash should be replaced.

    Examples
    --------
    >>> needs_rehash(hash_password("the current parameters made this"))
    False
    >>> weaker = "$argon2id$v=19$m=16384,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43
    >>> needs_rehash(weaker)
    True
    """
    try:
        return _active.hasher.check_needs_rehash(stored)
    except (InvalidHashError, UnicodeError):
        return True


def dummy_verify() -> bool:
    """Spend the time of one :func:`verify_password`, and answer ``False``.

    Call it when a sign-in names an account that does not exist (or has no password), so that
    the answer takes as long as a wrong password does and timing does not tell which accounts
    exist. The first call under a profile makes a hash of a random password (as costly as a
    verification); later calls verify against it.

    Returns
    -------
    bool
        Always ``False``, so that a caller can write
        ``ok = verify_password(user.password_hash, typed) if user else dummy_verify()``.

    Examples
    --------
    >>> dummy_verify()
    False
    """
    profile = _active
    with _lock:
        dummy = profile.dummy
    if dummy is None:
        made = profile.hasher.hash(secrets.token_urlsafe(32))
        with _lock:
            if profile.dummy is None:
                profile.dummy = made
        return False
    try:
        profile.hasher.verify(dummy, secrets.token_urlsafe(32))
    except VerifyMismatchError:
        return False
    return False  # pragma: no cover -- a random 256-bit guess does not match


# ---------------------------------------------------------------------------------------------
# The rules


@cache
def _common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (read once, on first need)."""
    data = resources.files(__package__ or "app").joinpath("data/common-passwords.txt.gz")
    text = gzip.decompress(data.read_bytes()).decode(_ENCODING)
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _is_common(normalised: str) -> bool:
    return normalised.strip().lower() in _common_passwords()


def _skeleton(text: str) -> str:
    """``text`` normalised, case-folded, letters and digits only: what a context word is
    compared on, so that ``Jan.de-Vries`` and ``jandevries`` are the same."""
    return "".join(ch for ch in _normalised(text).casefold() if ch.isalnum())


def _parts(text: str) -> set[str]:
    """The skeleton of ``text`` and of each run of letters and digits in it, long ones only."""
    folded = _normalised(text).casefold()
    runs = "".join(ch if ch.isalnum() else " " for ch in folded).split()
    return {part for part in {_skeleton(text), *runs} if len(part) >= _CONTEXT_WORD_MIN}


def _context_reasons(normalised: str, *, email: str, display_name: str) -> list[str]:
    skeleton = _skeleton(normalised)
    local_part = email.rpartition("@")[0] or email
    checks = (
        ({SERVICE_NAME}, N_("do not use the name of this service, {name}")),
        (_parts(local_part), N_("do not use your e-mail address or a part of it")),
        (_parts(display_name), N_("do not use your name or a part of it")),
    )
    return [
        gettext(reason).format(name=SERVICE_NAME)
        for words, reason in checks
        if any(word in skeleton for word in words)
    ]


# Keys that follow each other on a keyboard or in an alphabet: a password that walks along them
# is as guessable as one that repeats a key. Rows and columns of QWERTY, QWERTZ and AZERTY.
_RUNS = (
    "1234567890qwertyuiopasdfghjklzxcvbnm",
    "1234567890qwertzuiopasdfghjklyxcvbnm",
    "1234567890azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "1q2w3e4r5t6y7u8i9o0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)
_CYCLES = ("0123456789", "abcdefghijklmnopqrstuvwxyz")


def _neighbours() -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for run in _RUNS:
        pairs.update(itertools.pairwise(run))
    for cycle in _CYCLES:
        pairs.update(zip(cycle, cycle[1:] + cycle[0], strict=True))
    return frozenset(pairs | {(b, a) for a, b in pairs})


_NEIGHBOURS = _neighbours()
_FEWEST_DISTINCT = 4
"""A password with fewer different characters than this (spaces aside) is repetitive."""


def _is_trivial(normalised: str) -> bool:
    """Whether the password is one pattern repeated or a walk along a row of keys or letters.

    Spaces aside and case folded, it is trivial when it has fewer than four different
    characters; when it is a shorter piece repeated (``abcabcabc``, ``passwordpassword``); or
    when every character but at most one is the one before it, or its neighbour in the
    alphabet, the digits or a keyboard row or column (``1234567890123456``, ``qwertyuiop``,
    ``aaaabbbbcccc``, ``abcdefgh12345678``).
    """
    text = "".join(normalised.casefold().split())
    length = len(text)
    if len(set(text)) < _FEWEST_DISTINCT:
        return True
    for period in range(1, length // 2 + 1):
        if all(text[i] == text[i - period] for i in range(period, length)):
            return True
    unexpected = sum(1 for a, b in itertools.pairwise(text) if a != b and (a, b) not in _NEIGHBOURS)
    return unexpected <= 1


def _character_reasons(normalised: str) -> list[str]:
    categories = {unicodedata.category(ch) for ch in normalised}
    reasons = []
    if "Cc" in categories:
        reasons.append(
            gettext(
                "leave out control characters such as tabs and line breaks; letters, digits, "
                "spaces, punctuation and symbols in any script are all fine"
            )
        )
    if "Cs" in categories:
        reasons.append(gettext("the password holds unpaired surrogates, which are not characters"))
    return reasons


def check_password(
    password: str, *, email: str, display_name: str, min_length: int = MIN_LENGTH
) -> list[str]:
    """The reasons ``password`` may not be set for this account, or ``[]`` when it may.

    The password is normalised to NFKC and its length counted in code points. It must be
    ``min_length`` to :data:`MAX_LENGTH` characters long, hold no control characters, not be
    on the shipped list of common passwords (compared without case), not contain the service's
    name or a part of the e-mail address's local part or of the display name of four
    characters or more (compared on letters and digits, without case), and not be repetitive
    or sequential. There are no composition rules: no mix of upper case, digits or symbols is
    asked for.

    Parameters
    ----------
    password
        The password as the person typed it.
    email
        The account's e-mail address; its local part is a context word.
    display_name
        The account's name as shown; it and its words are context words.
    min_length
        The shortest length accepted: :data:`MIN_LENGTH` (15) for a password that is the only
        factor; as low as :data:`MIN_LENGTH_WITH_SECOND_FACTOR` (8) when the account must use a
        second factor.

    Returns
    -------
    list[str]
        Sentences for the person, in the current language (:mod:`graph.i18n`), each naming one
        rule the password breaks; they never contain the password.

    Raises
    ------
    ValueError
        When ``min_length`` is below 8 or above :data:`MAX_LENGTH`.

    Examples
    --------
    >>> check_password("the hens lay green eggs in march",
    ...                email="j.devries@example.nl", display_name="Jan de Vries")
    []
    >>> check_password("qwerty", email="j.devries@example.nl", display_name="Jan de Vries")
    ... # doctest: +NORMALIZE_WHITESPACE
    ['use at least 15 characters; this has 6',
     'this is one of the most common passwords, which attackers try first; choose another',
     "avoid repeated or consecutive characters such as 'aaaa', 'abab', '1234' or 'qwerty'; a few
      unrelated words make a strong password"]
    >>> check_password("jan de vries 1975", email="jan@example.nl", display_name="Jan de Vries")
    ['do not use your name or a part of it']
    """
    if not MIN_LENGTH_WITH_SECOND_FACTOR <= min_length <= MAX_LENGTH:
        message = (
            f"min_length: {min_length} is outside {MIN_LENGTH_WITH_SECOND_FACTOR} to {MAX_LENGTH}"
        )
        raise ValueError(message)
    normalised = _normalised(password)
    length = len(normalised)
    reasons = []
    if length < min_length:
        reasons.append(
            gettext("use at least {least} characters; this has {length}").format(
                least=min_length, length=length
            )
        )
    if length > MAX_LENGTH:
        reasons.append(
            gettext("use at most {most} characters; this has {length}").format(
                most=MAX_LENGTH, length=length
            )
        )
        return reasons  # the other checks are pointless, and need not look at that much text
    reasons.extend(_character_reasons(normalised))
    if _is_common(normalised):
        reasons.append(
            gettext(
                "this is one of the most common passwords, which attackers try first; "
                "choose another"
            )
        )
    reasons.extend(_context_reasons(normalised, email=email, display_name=display_name))
    if _is_trivial(normalised):
        reasons.append(
            gettext(
                "avoid repeated or consecutive characters such as 'aaaa', 'abab', '1234' or "
                "'qwerty'; a few unrelated words make a strong password"
            )
        )
    return reasons
