"""The register's Dutch headings follow docs/glossary.md, and registers written with the
headings of before still import."""

from __future__ import annotations

from graph.model import Chain
from importers.base import Source
from importers.chainfile import load_plain
from importers.layouts import REGISTER
from importers.register import CSV_IMPORTER, export_register, template
from tests.importers.test_register import expected
from tests.test_glossary import GLOSSARY_TERMS, misused, wrong_forms

BEFORE = {
    "Online dienst": "Dienstverlening",
    "Scope": "Reikwijdte",
    "Periode tot en met": "Periode tot",
    "Geldig tot en met": "Geldig tot",
    "Certificaatkenmerk": "Kenmerk",
}
"""The Dutch headings of today, with the one the template and the exporter wrote before."""


def test_every_dutch_heading_follows_the_glossary() -> None:
    """Each column's Dutch heading uses the glossary's form of the terms in its English one
    ("Offering" is "Online dienst") and none of its ruled-out forms ("Dienstverlening")."""
    problems = [
        (column.en, column.nl, problem)
        for column in REGISTER.columns
        for problem in misused(column.en, column.nl, GLOSSARY_TERMS)
        + wrong_forms(column.nl, GLOSSARY_TERMS)
    ]
    assert problems == []


def test_the_dutch_template_writes_the_glossarys_headings() -> None:
    """The Dutch CSV template's heading row names the offering and scope columns as the
    glossary does, and a last day as "tot en met"."""
    headings = template("csv", "nl").decode("utf-8-sig").splitlines()[0].split(";")
    assert set(BEFORE) <= set(headings)
    assert not set(BEFORE.values()) & set(headings)


def test_a_register_with_the_headings_of_before_imports_the_same_chain() -> None:
    """A Dutch register exported before the change (its old headings) gives the same chain as
    one exported now."""
    golden = load_plain(expected("dutch"))
    data = export_register(golden, "csv", "nl").decode("utf-8-sig")
    heading, rest = data.split("\r\n", 1)
    old = ";".join(BEFORE.get(cell, cell) for cell in heading.split(";"))
    assert old != heading

    def imported(text: str) -> Chain:
        result = CSV_IMPORTER.parse(text.encode("utf-8-sig"), Source("register.csv"))
        assert [str(i) for i in result.issues if i.severity == "error"] == []
        return result.chain

    assert imported(old + "\r\n" + rest) == imported(data) == golden
