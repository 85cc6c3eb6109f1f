"""The IRI format checks of CycloneDX validation answer as ``rfc3987_syntax`` does, and load
it only for a value that is not a plain URI (importers/iri.py, issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importers.iri import format_checks

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = [
    "https://acme.example",
    "https://db.acme.example/v1?x=1#top",
    "mailto:security@acme.example",
    "urn:uuid:8b0c7a0e-2f7e-4d8e-9a51-0c4b1f2d3e41",
    "/relative/path",
    "#fragment",
    "",
    "https://bücher.example/straße",  # an IRI that is no URI
    "https://acme.example/a b",  # a space: neither
    "http://[::1]:8080/",
    "http://[::1",
    "https://acme.example/%zz",
    "ht tp://x",
    "https://acme.example/\u00a0",
]


def _real(rule: str, value: str) -> bool:
    import rfc3987_syntax  # noqa: PLC0415 - the reference the checks are held to

    return bool(rfc3987_syntax.is_valid_syntax(rule, value))


@pytest.mark.parametrize("value", SAMPLES)
@pytest.mark.parametrize(("fmt", "rule"), [("iri", "iri"), ("iri-reference", "iri_reference")])
def test_the_checks_agree_with_rfc3987_syntax(fmt: str, rule: str, value: str) -> None:
    """A value passes ``iri`` or ``iri-reference`` exactly when ``rfc3987_syntax`` passes it."""
    assert format_checks().conforms(value, fmt) is _real(rule, value)


@given(
    st.lists(
        st.sampled_from(
            [*"abcxyz019:/?#[]@!$&'()*+,;=-._~% ", "%41", "%4", "::", "\u00e9", "\u20ac", "\x7f"]
        ),
        max_size=24,
    ).map("".join)
)
def test_the_checks_agree_on_generated_values(value: str) -> None:
    """On values made of the characters the grammar turns on, the checks agree with it."""
    checker = format_checks()
    assert checker.conforms(value, "iri-reference") is _real("iri_reference", value)
    assert checker.conforms(value, "iri") is _real("iri", value)


def test_a_plain_url_does_not_load_the_grammar() -> None:
    """Checking URLs leaves ``rfc3987_syntax`` unloaded; an IRI that is no URI loads it."""
    code = (
        "import sys\n"
        "from importers.iri import format_checks\n"
        "c = format_checks()\n"
        "assert c.conforms('https://acme.example/x', 'iri-reference')\n"
        "assert 'rfc3987_syntax' not in sys.modules\n"
        "assert c.conforms('https://b\\u00fccher.example/', 'iri-reference')\n"
        "assert 'rfc3987_syntax' in sys.modules\n"
        "assert not c.conforms('https://a b', 'iri')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
