"""FedRAMP's message when no chain is given, in the context's language, over its test files
(tests/importers/data/fedramp and variants); English as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import i18n
from importers.base import Source
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = [
    path
    for folder in (DATA / "fedramp", DATA / "variants" / "fedramp")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md"))
]
NAMES = {"FedRAMP", "CHAIN", "--existing", "--into"}


def _messages(path: Path, language: str) -> list[str]:
    with i18n.using(language):
        result = run(get("fedramp"), path.read_bytes(), Source(path.name))
    return [issue.message for issue in result.issues]


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_nothing_english_outside_the_markers(path: Path) -> None:
    """Each test file's messages are catalog text and the format's names."""
    found = _messages(path, "pseudo")
    assert found
    assert {message: unmarked(message, NAMES) for message in found} == {m: [] for m in found}


def test_dutch_and_english() -> None:
    """Dutch names the chain and the register as a Dutch reader does; English as before."""
    path = FILES[0]
    assert _messages(path, "nl")[0].startswith(
        "FedRAMP-marketplacegegevens zijn bewijsstukken voor de diensten van een keten"
    )
    assert _messages(path, "en")[0].startswith(
        "FedRAMP marketplace data is evidence for the services of a chain, and names no "
        "offering of its own: give the chain whose services it authorizes with --existing CHAIN"
    )
