"""Backstage's messages in one language: the type errors (the sentence and the value's
description alike: the description was Dutch inside an English sentence under Dutch), and the
messages of its test files (tests/importers/data/backstage and variants)."""

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
    for folder in (DATA / "backstage", DATA / "variants" / "backstage")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md"))
]
KINDS = {"System", "Systems", "Component", "Components", "Resource", "Resources", "Group"}
KINDS |= {"User", "Location", "Locations", "URL", "ketenkaart"}

HEAD = "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
BAD = {
    "number-for-string": HEAD + "metadata: {name: 12}\nspec: {type: service, owner: acme}\n",
    "list-for-mapping": HEAD + "metadata: [a]\nspec: {type: service, owner: acme}\n",
    "not-an-entity": "- a\n- b\n",
    "strings": HEAD + "metadata: {name: shop}\n"
    "spec: {type: service, owner: acme, dependsOn: [3]}\n",
}


def _messages(case: str, language: str) -> list[str]:
    with i18n.using(language):
        result = run(get("backstage"), BAD[case].encode(), Source("catalog-info.yaml"))
    return [issue.message for issue in result.issues]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_the_type_errors_are_marked_whole(case: str) -> None:
    """In the pseudo language nothing of a type error is English outside the markers."""
    found = _messages(case, "pseudo")
    assert found
    known = {"12", "apiVersion", "kind", "metadata", "spec", '"12"'}
    assert {message: unmarked(message, known) for message in found} == {m: [] for m in found}


def test_a_type_error_reads_dutch_whole() -> None:
    """Sentence and description both Dutch."""
    assert (
        'verwacht een tekst, gekregen: het getal 12; zet het tussen aanhalingstekens: "12"'
        in _messages("number-for-string", "nl")
    )


def test_english_as_before() -> None:
    """English reads as before."""
    assert 'expected a string, got the number 12; quote it: "12"' in _messages(
        "number-for-string", "en"
    )
    assert "expected a mapping, got a list" in _messages("list-for-mapping", "en")


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_test_files_messages_are_marked(path: Path) -> None:
    """The test files' messages are catalog text, the file's values (quoted), refs and the
    catalog's kinds."""
    with i18n.using("pseudo"):
        result = run(get("backstage"), path.read_bytes(), Source(path.name))
    found = [issue.message for issue in result.issues]
    left = {
        message: unmarked(re.sub(r"'[^']*'|\b[a-z]+:[\w/.-]+", " ", message), KINDS)
        for message in found
    }
    assert {message: words for message, words in left.items() if words} == {}


def test_a_missing_reference_reads_dutch() -> None:
    """A link to an entity the catalog does not hold, in Dutch; English as before."""
    shop = (DATA / "backstage" / "shop.yaml").read_bytes()
    for language, expected in (
        (
            "nl",
            "resource:default/cdn staat niet in de gelezen catalogus; de schakel wordt weggelaten",
        ),
        ("en", "resource:default/cdn is not in the catalog that was read; the link is left out"),
    ):
        with i18n.using(language):
            result = run(get("backstage"), shop, Source("shop.yaml"))
        assert expected in [issue.message for issue in result.issues]
