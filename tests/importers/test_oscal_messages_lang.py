"""OSCAL's messages in the context's language over its test files (tests/importers/data/oscal
and variants): unnamed suppliers, bad dates, other OSCAL models, pre-1.0 drafts; nothing English
outside the markers in the pseudo language but the file's values (quoted), ids, versions and the
model's names; English as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph import i18n
from importers.base import Source
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = [
    path
    for folder in (DATA / "oscal", DATA / "variants" / "oscal")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md"))
]
NAMES = {"OSCAL", "SSP", "YYYY-MM-DD", "catalog", "components", "parties", "roles"}
_VALUES = re.compile(r"'[^']*'|\b[0-9a-f]{8}-[0-9a-f-]{27}\b|\b\d+(\.\d+)*(-[A-Za-z0-9]+)?\b")


def _messages(path: Path, language: str) -> list[str]:
    with i18n.using(language):
        result = run(get("oscal"), path.read_bytes(), Source(path.name))
    return [issue.message for issue in result.issues]


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_nothing_english_outside_the_markers(path: Path) -> None:
    """Each test file's messages are catalog text, the file's values and OSCAL's names."""
    found = _messages(path, "pseudo")
    left = {message: unmarked(_VALUES.sub(" ", message), NAMES) for message in found}
    assert {message: words for message, words in left.items() if words} == {}


def test_dutch_and_english() -> None:
    """An SSP that names no supplying party, in Dutch and in English as before."""
    path = next(path for path in FILES if path.name == "bad-date.yaml")
    assert (
        "de SSP noemt geen partij die 'Dated' levert; de leverancier heet 'provider of Dated'"
        in _messages(path, "nl")
    )
    assert (
        "the SSP names no party that supplies 'Dated'; the supplier is called 'provider of Dated'"
        in _messages(path, "en")
    )
