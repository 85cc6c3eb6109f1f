"""The Dutch catalog follows docs/glossary.md: one term, one translation, everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
PO = ROOT / "graph" / "locale" / "nl" / "LC_MESSAGES" / "ketenkaart.po"

_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[a-z]|%[a-z]")
_MASK = "\x00"


@dataclass(frozen=True)
class Term:
    """A row of the glossary: the English form, the Dutch forms (any one will do), the Not."""

    english: str
    dutch: tuple[str, ...]
    wrong: tuple[str, ...]


def terms(text: str) -> list[Term]:
    """The rows of every table in the glossary (English | Nederlands | Use | Not)."""
    found = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("English", "") or set(cells[0]) <= {"-"}:
            continue
        english = cells[0].split(":", 1)[-1].strip()  # "EQUIVALENT: equivalent" -> label
        dutch = tuple(d.strip() for d in cells[1].split(" / "))
        wrong = tuple(w.strip() for w in cells[3].split(",") if w.strip())
        found.append(Term(english, dutch, wrong))
    return found


def catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle)


def pairs(messages: Catalog) -> list[tuple[str, str]]:
    """(English, Dutch) of every translated message; each plural form against its English."""
    found = []
    for message in messages:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            strings = tuple(message.string)
            found += [(singular, strings[0]), *((plural, s) for s in strings[1:])]
        else:
            found.append((message.id, str(message.string)))
    return [(en, nl) for en, nl in found if nl]


def misused(english: str, dutch: str, glossary: list[Term]) -> list[str]:
    """The glossary terms the English text holds whose Dutch form the Dutch text lacks, longer
    terms first (a term inside a longer one's match is not looked at again)."""
    text = _PLACEHOLDER.sub(" ", english)
    target = _PLACEHOLDER.sub(" ", dutch).lower()
    problems = []
    for term in sorted(glossary, key=lambda t: -len(t.english)):
        pattern = re.compile(rf"\b{re.escape(term.english)}", re.IGNORECASE)
        if pattern.search(text):
            if not any(d.lower() in target for d in term.dutch):
                problems.append(f"{term.english!r} is not {' / '.join(term.dutch)!r}")
            text = pattern.sub(_MASK, text)
    return problems


def wrong_forms(dutch: str, glossary: list[Term]) -> list[str]:
    """The Not forms of the glossary that the Dutch text holds, as whole words."""
    return [
        f"{w!r} (for {term.english!r})"
        for term in glossary
        for w in term.wrong
        if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", dutch, re.IGNORECASE)
    ]


GLOSSARY_TERMS = terms(GLOSSARY.read_text(encoding="utf-8"))


def test_the_glossary_covers_the_issues_terms() -> None:
    """Every term issue 15 names has a row, and no English term has two translations."""
    dutch = {d.lower() for t in GLOSSARY_TERMS for d in t.dutch}
    for needed in (
        "assurancerapport",
        "type I-rapport",
        "type II-rapport",
        "Third Party Mededeling",
        "overbruggingsverklaring",
        "carve-out-methode",
        "inclusive-methode",
        "subserviceorganisatie",
        "complementaire beheersmaatregelen bij de gebruikersorganisatie",
        "uitzondering",
        "oordeel met beperking",
        "keten van subdiensten",
        "gelijkwaardige certificering",
        "register-IT-auditor",
        "certificatie-instelling",
        "accreditatie",
        "gelijkwaardig",
        "voorwaardelijk",
        "in orde",
        "leemte",
        "buiten scope",
    ):
        assert needed.lower() in dutch, needed
    english = [t.english.lower() for t in GLOSSARY_TERMS]
    assert len(english) == len(set(english)), "a term is listed twice"


def test_every_translation_uses_the_glossarys_terms() -> None:
    """Where an English message holds a glossary term, its Dutch holds that term's Dutch form,
    and no Dutch message holds a rendering the glossary rules out."""
    problems = []
    for english, dutch in pairs(catalog()):
        for problem in misused(english, dutch, GLOSSARY_TERMS) + [
            f"uses {w}" for w in wrong_forms(dutch, GLOSSARY_TERMS)
        ]:
            problems.append(f"{english!r} -> {dutch!r}: {problem}")
    assert problems == []


@pytest.mark.parametrize(
    ("english", "dutch", "expected"),
    [
        ("{evidence} carves out {other}", "{evidence} sluit {other} uit", ["carves out"]),
        ("a management bridge letter", "een managementbrief", ["bridge letter"]),
        ("the service organisation's response", "de reactie van de serviceorganisatie", []),
        ("the {holder} name", "de naam", []),
        ("2 exceptions", "2 uitzonderingen", []),
    ],
)
def test_the_check_finds_a_term_translated_otherwise(
    english: str, dutch: str, expected: list[str]
) -> None:
    """The checker itself: a term rendered otherwise is named, a placeholder is no term, and a
    longer term ("service organisation") is not also read as its parts ("service")."""
    found = misused(english, dutch, GLOSSARY_TERMS)
    assert [p.split("'")[1] for p in found] == expected


def test_the_check_finds_a_ruled_out_rendering() -> None:
    """A Not form is found as a whole word, not inside a longer right one."""
    assert wrong_forms("volgens de uitsluitingsmethode", GLOSSARY_TERMS)
    assert not wrong_forms("geen bewijsstuk", GLOSSARY_TERMS)
    assert wrong_forms("geen bewijs", GLOSSARY_TERMS)
