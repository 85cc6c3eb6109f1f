"""Password hashing (argon2id) and the rules a new password must meet (NIST SP 800-63B rev. 4)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import argon2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import passwords
from app.passwords import (
    MAX_LENGTH,
    check_password,
    dummy_verify,
    hash_password,
    needs_rehash,
    use_cheap_hashing,
    verify_password,
)

EMAIL = "j.devries@example.nl"
NAME = "Jan de Vries"
PHRASE = "the hens lay green eggs in march"
TOO_SHORT = "use at least 15 characters; this has {}"
COMMON = "this is one of the most common passwords, which attackers try first; choose another"
TRIVIAL = (
    "avoid repeated or consecutive characters such as 'aaaa', 'abab', '1234' or 'qwerty'; "
    "a few unrelated words make a strong password"
)


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Hash with argon2's cheapest parameters, and put back what was on before."""
    was_cheap = use_cheap_hashing()
    yield
    use_cheap_hashing(was_cheap)


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record every argon2 hash or verify that runs (what costs time): ``("hash", "")`` or
    ``("verify", the hash verified against)``."""
    calls: list[tuple[str, str]] = []
    real_hash = argon2.PasswordHasher.hash
    real_verify = argon2.PasswordHasher.verify

    def spy_hash(self: argon2.PasswordHasher, password: str | bytes, **kw: object) -> str:
        calls.append(("hash", ""))
        return real_hash(self, password)

    def spy_verify(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 -- argon2's own parameter name
        calls.append(("verify", hash if isinstance(hash, str) else hash.decode()))
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "hash", spy_hash)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy_verify)
    return calls


def reasons(password: str, *, min_length: int = 15) -> list[str]:
    return check_password(password, email=EMAIL, display_name=NAME, min_length=min_length)


# --- hashing ----------------------------------------------------------------------------------


def test_a_hash_verifies_its_password_and_no_other() -> None:
    """The right password verifies; a wrong one, or one differing in case, is False."""
    stored = hash_password(PHRASE)
    assert verify_password(stored, PHRASE)
    assert not verify_password(stored, PHRASE.upper())
    assert not verify_password(stored, PHRASE + " ")
    assert not verify_password(stored, "")


def test_the_same_password_hashes_differently_each_time() -> None:
    """Every hash has a fresh salt: two accounts with one password do not show it."""
    assert hash_password(PHRASE) != hash_password(PHRASE)


def test_production_hashes_are_argon2id_with_rfc_9106_low_memory_parameters() -> None:
    """Outside the test switch a hash is argon2id, 64 MiB, 3 passes, 4 lanes, and verifies."""
    use_cheap_hashing(False)
    stored = hash_password(PHRASE)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert argon2.extract_parameters(stored) == argon2.profiles.RFC_9106_LOW_MEMORY
    assert verify_password(stored, PHRASE)
    assert len(stored) <= 255  # the column's width


def test_cheap_hashing_is_argon2id_with_the_cheapest_parameters() -> None:
    """The test switch keeps the algorithm and lowers only the cost."""
    assert hash_password(PHRASE).startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_use_cheap_hashing_reports_what_was_on_before() -> None:
    """A fixture can put back the profile it found."""
    assert use_cheap_hashing(False) is True
    assert use_cheap_hashing(False) is False
    assert use_cheap_hashing(True) is False
    assert use_cheap_hashing(True) is True


def test_a_hash_made_under_either_profile_verifies_under_the_other() -> None:
    """Switching profiles does not lock anyone out; it only asks for a rehash."""
    cheap = hash_password(PHRASE)
    use_cheap_hashing(False)
    assert verify_password(cheap, PHRASE)
    assert needs_rehash(cheap)
    costly = hash_password(PHRASE)
    use_cheap_hashing(True)
    assert verify_password(costly, PHRASE)
    assert needs_rehash(costly)


def test_a_hash_of_the_current_parameters_needs_no_rehash() -> None:
    assert not needs_rehash(hash_password(PHRASE))


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(argon2.PasswordHasher(time_cost=1, memory_cost=16, parallelism=2), id="lanes"),
        pytest.param(argon2.PasswordHasher(time_cost=2, memory_cost=8, parallelism=1), id="passes"),
        pytest.param(
            argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=argon2.Type.I),
            id="argon2i",
        ),
    ],
)
def test_a_hash_with_other_parameters_verifies_and_needs_a_rehash(
    stored: argon2.PasswordHasher,
) -> None:
    """Older or other settings still sign in, and are flagged for replacement."""
    old = stored.hash(PHRASE)
    assert verify_password(old, PHRASE)
    assert needs_rehash(old)


MALFORMED = [
    "",
    "not a hash",
    "$argon2id$",
    "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$",
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$é",
]


@pytest.mark.parametrize("stored", MALFORMED)
def test_a_malformed_stored_hash_is_false_and_needs_a_rehash(stored: str) -> None:
    """Whatever ended up in the column, verifying answers False rather than raising."""
    assert verify_password(stored, PHRASE) is False
    assert needs_rehash(stored) is True


@pytest.mark.parametrize("stored", MALFORMED)
def test_a_malformed_stored_hash_still_costs_an_argon2_run(
    stored: str, argon2_calls: list[tuple[str, str]]
) -> None:
    """The answer for a broken hash is not quicker than for a wrong password: after argon2
    refuses the hash at once, a full verification against the dummy hash runs."""
    dummy_verify()  # the first call under a profile makes the dummy hash
    argon2_calls.clear()
    verify_password(stored, PHRASE)
    assert argon2_calls == [("verify", stored), ("verify", passwords._CHEAP.dummy)]


def test_dummy_verify_is_false_and_runs_argon2_at_the_current_cost(
    argon2_calls: list[tuple[str, str]],
) -> None:
    """For an unknown account: one argon2 run per call, at the active profile's cost."""
    first = dummy_verify()
    second = dummy_verify()
    assert (first, second) == (False, False)
    dummy = passwords._CHEAP.dummy
    assert dummy is not None
    assert argon2.extract_parameters(dummy) == argon2.profiles.CHEAPEST
    assert argon2_calls[-1] == ("verify", dummy)
    # One run per call: a hash when the profile's dummy is first needed, a verify after.
    assert len(argon2_calls) == 2


def test_a_wrong_password_runs_argon2_once(argon2_calls: list[tuple[str, str]]) -> None:
    """A wrong password for a real account costs one verification, like dummy_verify."""
    stored = hash_password(PHRASE)
    argon2_calls.clear()
    assert not verify_password(stored, "another password altogether")
    assert argon2_calls == [("verify", stored)]


def test_nfkc_normalisation_before_hashing() -> None:
    """Ligatures, full-width forms and decomposed accents verify as their plain forms."""
    full_width = "".join(chr(ord(letter) + 0xFEE0) for letter in "contract")
    stored = hash_password(f"\N{LATIN SMALL LIGATURE FI}ne print on the {full_width}, café")
    assert verify_password(stored, "fine print on the contract, café")
    assert verify_password(stored, unicodedata.normalize("NFD", "fine print on the contract, café"))


def test_an_over_long_password_is_refused_without_showing_it() -> None:
    """Hashing refuses what could never verify; the message gives the length, not the text."""
    secret = "x7!" * 100
    with pytest.raises(ValueError, match="300 characters, over the limit of 256") as raised:
        hash_password(secret)
    assert "x7!" not in str(raised.value)


def test_verifying_an_over_long_password_is_false(argon2_calls: list[tuple[str, str]]) -> None:
    """A password longer than any that can be set is wrong, at the cost of one argon2 run
    (not the stored hash: the typed text is never fed to argon2)."""
    stored = hash_password(PHRASE)
    dummy_verify()
    argon2_calls.clear()
    assert not verify_password(stored, PHRASE * 20)
    assert argon2_calls == [("verify", passwords._CHEAP.dummy)]


def test_a_lone_surrogate_hashes_and_verifies() -> None:
    """Text from JSON may hold unpaired surrogates: hashing must not fail on them."""
    stored = hash_password("surrogate \ud800 inside this text")
    assert verify_password(stored, "surrogate \ud800 inside this text")
    assert not verify_password(stored, "surrogate \ud801 inside this text")


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=MAX_LENGTH))
def test_any_text_round_trips(password: str) -> None:
    """Whatever text comes in, its hash verifies it and nothing raises."""
    was_cheap = use_cheap_hashing()
    try:
        assert verify_password(hash_password(password), password)
    finally:
        use_cheap_hashing(was_cheap)


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(PHRASE, id="lower-case words"),
        pytest.param("mijn kat heet minoes en slaapt", id="dutch"),
        pytest.param("Ons huis staat aan de Amstel, 3 hoog!", id="mixed"),
        pytest.param("κάθε πρωί πίνω τσάι", id="greek"),
        pytest.param("毎朝お茶を飲みながら新聞を読みます", id="japanese"),
        pytest.param("🐄🌷🚲🧀 in the polder at dawn", id="emoji"),
        pytest.param("   spaces   count   too   ", id="spaces"),
        pytest.param("x" * 5 + "q7#vR2m!kL9@pZ" + "é" * 3, id="a run inside"),
        pytest.param("r8#Kd!2vqLw9@zT" + "a" * 241, id="256 characters"),
    ],
)
def test_acceptable_passwords_have_no_reasons(password: str) -> None:
    """No composition rules: long enough, uncommon, unrelated and not a pattern is enough."""
    assert reasons(password) == []


def test_length_is_counted_in_code_points() -> None:
    """Fourteen emoji are fourteen characters, though they are 56 bytes of UTF-8."""
    assert reasons("🐄🌷🚲🧀🍺🎈🦆🪁🧇🚜🐑🦉🌵🍒") == [TOO_SHORT.format(14)]
    assert reasons("🐄🌷🚲🧀🍺🎈🦆🪁🧇🚜🐑🦉🌵🍒🥨") == []


def test_length_is_counted_after_normalisation() -> None:
    """Decomposed accents count once, as the composed letter they normalise to."""
    composed = "crème brûlée!!"  # 14 code points
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(decomposed) > 15
    assert reasons(decomposed) == [TOO_SHORT.format(14)]


def test_the_maximum_length() -> None:
    """256 characters are accepted, 257 are not."""
    head = "r8#Kd!2vqLw9@zT"
    assert reasons(head + "a" * (MAX_LENGTH - len(head))) == []
    assert reasons(head + "a" * (MAX_LENGTH + 1 - len(head))) == [
        "use at most 256 characters; this has 257"
    ]


def test_a_lower_minimum_with_a_second_factor() -> None:
    """With min_length=8 (second factor required) a 9-character password is accepted."""
    assert reasons("kq7#vRm2x") == [TOO_SHORT.format(9)]
    assert reasons("kq7#vRm2x", min_length=8) == []
    assert reasons("kq7#vRm", min_length=8) == ["use at least 8 characters; this has 7"]


@pytest.mark.parametrize("min_length", [0, 7, MAX_LENGTH + 1])
def test_a_minimum_outside_the_rules_is_a_programming_error(min_length: int) -> None:
    with pytest.raises(ValueError, match=f"min_length: {min_length} is outside 8 to 256"):
        reasons(PHRASE, min_length=min_length)


@pytest.mark.parametrize(
    "password",
    ["manchesterunited", "ManchesterUnited", "KARTOFFELPUFFER", " kartoffelpuffer "],
)
def test_common_passwords_are_refused_whatever_their_case(password: str) -> None:
    assert reasons(password) == [COMMON]


@pytest.mark.parametrize("password", ["wachtwoord", "welkom01", "iloveyou", "letmein123"])
def test_common_short_passwords_are_refused_at_the_lower_minimum(password: str) -> None:
    """With a second factor the minimum falls to 8; the list still stops the usual ones."""
    assert COMMON in reasons(password, min_length=8)


def test_the_list_is_shipped_and_large() -> None:
    """The list comes with the package: about twenty thousand lower-case entries."""
    common = passwords._common_passwords()
    assert len(common) > 19_000
    assert {"password", "123456", "qwerty", "wachtwoord"} <= common
    assert all(entry == entry.lower() for entry in common)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("my ketenkaart login of 2026", "do not use the name of this service, ketenkaart"),
        ("Keten-Kaart is a fine tool!", "do not use the name of this service, ketenkaart"),
        ("devries keeps the chains honest", "do not use your e-mail address or a part of it"),
        ("j.devries keeps the chains honest", "do not use your e-mail address or a part of it"),
        ("JanDeVries keeps the chains honest", "do not use your name or a part of it"),
        ("the vries family goes sailing", "do not use your name or a part of it"),
    ],
)
def test_context_words_are_refused(password: str, reason: str) -> None:
    """The service's name and the account's own words, in any case or punctuation."""
    assert reason in reasons(password)


def test_short_name_parts_are_not_context_words() -> None:
    """'Jan' and 'de' are too short to look for: 'january' and 'under' stay usable."""
    assert (
        check_password(
            "january snow under the old bridge", email="jan@example.nl", display_name="Jan de Vries"
        )
        == []
    )


def test_the_domain_of_the_e_mail_address_is_not_a_context_word() -> None:
    assert (
        check_password(
            "example walks along the canal", email="piet@example.nl", display_name="Piet"
        )
        == []
    )


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaaa",
        "aaaa aaaa aaaa aaaa",
        "1234567890123456",
        "9876543210987654",
        "abcdefghijklmnop",
        "zyxwvutsrqponmlk",
        "qwertyuiopasdfgh",
        "azertyuiopqsdfgh",
        "1qaz2wsx3edc4rfv5tgb",
        "aaaabbbbccccdddd",
        "abcabcabcabcabca",
        "passwordpassword",
        "abababababababab",
        "1212121212121212",
        "0000000000000001",
        "abcdefgh12345678",
        "               ",
    ],
)
def test_repetitive_and_sequential_passwords_are_refused(password: str) -> None:
    assert TRIVIAL in reasons(password)


@pytest.mark.parametrize("password", ["abcd1234", "aabbccdd", "12344321"])
def test_repetitive_short_passwords_are_refused_at_the_lower_minimum(password: str) -> None:
    assert TRIVIAL in reasons(password, min_length=8)


def test_control_characters_are_refused() -> None:
    assert reasons("line one of it\nline two of it") == [
        "leave out control characters such as tabs and line breaks; letters, digits, spaces, "
        "punctuation and symbols in any script are all fine"
    ]


def test_unpaired_surrogates_are_refused() -> None:
    assert reasons("surrogate \ud800 inside this text") == [
        "the password holds unpaired surrogates, which are not characters"
    ]


def test_every_broken_rule_is_reported() -> None:
    """Every rule a password breaks is named, not only the first."""
    assert check_password("vries1234", email="vries@example.nl", display_name="Vries") == [
        TOO_SHORT.format(9),
        "do not use your e-mail address or a part of it",
        "do not use your name or a part of it",
    ]
    assert reasons("qwerty") == [TOO_SHORT.format(6), COMMON, TRIVIAL]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=20, max_size=300))
def test_reasons_never_repeat_the_password(password: str) -> None:
    """Whatever is typed, checking it never raises and never echoes it back."""
    found = reasons(password)
    assert all(isinstance(reason, str) and reason for reason in found)
    assert password not in " ".join(found)
