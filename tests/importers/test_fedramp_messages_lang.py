"""FedRAMP's messages, the places they name and the kinds of its warnings in the context's
language: over its test files (tests/importers/data/fedramp and variants), with and without the
chain they are matched against, and over small files that provoke each message; nothing English
outside the markers in the pseudo language but the file's values (quoted), paths and the
format's names; Dutch read as Dutch; English as before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graph import i18n
from graph.model import Chain
from importers.base import ImportIssue, Source, too_big
from importers.chainfile import load_chain
from importers.fedramp import IMPORTER
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = [
    path
    for folder in (DATA / "fedramp", DATA / "variants" / "fedramp")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md", ".yaml"))
]
NAMES = {"FedRAMP", "CHAIN", "--existing", "--into", "JSON", "UTF-8", "fedramp-products.json"}
_VALUES = re.compile(r"'[^']*'|\b\d+\b")
_PATH = re.compile(r"^[\w.-]+(\[\d+\])?(\.[\w-]+)?( \([^)]*\))?$")
"""A field path (``products[3].csp``), with the product it names (``(F1 Acme: Cloud)``)."""


def _register() -> Chain:
    return load_chain((DATA / "fedramp" / "register.yaml").read_bytes(), filename="register.yaml")


def _product(**fields: object) -> dict[str, object]:
    product: dict[str, object] = {
        "id": "F1209051525",
        "csp": "Microsoft",
        "cso": "Azure Commercial Cloud",
        "public_status": "FedRAMP Authorized",
        "auth_date": "2013-10-24T04:00:00.000Z",
    }
    product.update(fields)
    return {key: value for key, value in product.items() if value is not None}


def _export(*products: object) -> bytes:
    return json.dumps({"metadata": {}, "products": list(products)}).encode()


CASES: dict[str, bytes] = {
    "not-utf8": b'{"products": [\xff]}',
    "not-json": b'{"products": [}',
    "too-deep": b'{"products": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "not-an-object": b"[]",
    "changelog": b'{"products": {"F1": []}}',
    "other-json": b'{"ketenkaart": 1}',
    "empty-object": b"{}",
    "not-a-list": b'{"data": {"Products": "none"}}',
    "no-products": b'{"products": []}',
    "bad-rows": _export(
        3,
        _product(id=None, csp=None),
        _product(csp=True, cso=["x"], impact_level={"a": 1}),
    ),
    "older-layout-missing": json.dumps(
        {"data": {"Products": [{"id": "F1", "name": "", "status": "x"}]}}
    ).encode(),
    "many-errors": _export(*range(25)),
    "not-authorized": _export(
        _product(public_status="FedRAMP In Process"), _product(cso="AWS GovCloud", csp="Amazon")
    ),
    "empty-status": _export(_product(public_status=""), _product(cso="AWS GovCloud", csp="Amazon")),
    "bad-date": _export(_product(auth_date="soon")),
    "unmatched": _export(_product(), _product(csp="Someone", cso="Else")),
    "many-unmatched": _export(_product(), *(_product(csp="A", cso=str(n)) for n in range(5))),
    "nothing-matches": _export(_product(csp="Someone", cso="Else")),
    "one-not-authorized": _export(_product(public_status="FedRAMP Ready")),
    "two-not-authorized": _export(
        _product(public_status="FedRAMP Ready"),
        _product(public_status="", csp="Amazon", cso="AWS GovCloud"),
    ),
    "many-not-authorized": _export(
        *(_product(public_status="Ready", id=f"F{n}") for n in range(7))
    ),
}


def _issues(data: bytes, language: str, *, chain: bool = True) -> list[ImportIssue]:
    source = Source("fedramp.json", existing=_register() if chain else None)
    with i18n.using(language):
        return list(run(get("fedramp"), data, source).issues)


def _messages(data: bytes, language: str, *, chain: bool = True) -> list[str]:
    return [issue.message for issue in _issues(data, language, chain=chain)]


def _left(issue: ImportIssue) -> list[str]:
    """The English words of an issue's message and place outside the markers (an ellipsis is
    spelled out: :func:`unmarked` reads one as the end of an id cut short)."""
    words = unmarked(_VALUES.sub(" ", issue.message.replace("\u2026", "...")), NAMES)
    if not _PATH.fullmatch(issue.where):
        words += unmarked(_VALUES.sub(" ", issue.where), NAMES)
    return words


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_message_is_marked(case: str) -> None:
    """In the pseudo language each message and place is catalog text, values, paths and names."""
    found = _issues(CASES[case], "pseudo")
    assert found
    assert {str(issue): _left(issue) for issue in found} == {str(issue): [] for issue in found}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_the_kinds_of_warnings_are_marked(case: str) -> None:
    """The kind a summary of many warnings names is catalog text too."""
    with i18n.using("pseudo"):
        source = Source("fedramp.json", existing=_register())
        result = IMPORTER.parse(CASES[case], source)
    kinds = {issue.kind for issue in result.issues if issue.kind}
    assert {kind for kind in kinds if not kind.startswith(i18n.OPEN)} == set()


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
@pytest.mark.parametrize("chain", [False, True], ids=["alone", "with-chain"])
def test_nothing_english_outside_the_markers(path: Path, chain: bool) -> None:
    """Each test file's messages are catalog text and the format's names."""
    found = _issues(path.read_bytes(), "pseudo", chain=chain)
    assert found
    assert {str(issue): _left(issue) for issue in found} == {str(issue): [] for issue in found}


def test_the_size_refusal_is_marked() -> None:
    """The refusal of a file over the size limit, for every importer; thousands grouped as the
    language groups them."""
    for language, expected in (
        ("en", "the file has 12,345 bytes; at most 10,000 are read"),
        ("nl", "het bestand heeft 12.345 bytes; er worden er ten hoogste 10.000 gelezen"),
    ):
        with i18n.using(language):
            result = too_big(b"x" * 12_345, Source("big.json"), limit=10_000)
        assert result is not None
        assert result.issues[0].message == expected
    with i18n.using("pseudo"):
        result = too_big(b"x" * 11, Source("big.json"), limit=10)
    assert result is not None
    assert unmarked(result.issues[0].message, ()) == []


def test_dutch_and_english() -> None:
    """Dutch names the chain and the register as a Dutch reader does; English as before."""
    path = FILES[0]
    assert _messages(path.read_bytes(), "nl", chain=False)[0].startswith(
        "FedRAMP-marketplacegegevens zijn bewijsstukken voor de diensten van een keten"
    )
    assert _messages(path.read_bytes(), "en", chain=False)[0].startswith(
        "FedRAMP marketplace data is evidence for the services of a chain, and names no "
        "offering of its own: give the chain whose services it authorizes with --existing CHAIN"
    )


@pytest.mark.parametrize(
    ("case", "english", "dutch"),
    [
        (
            "unmatched",
            "1 marketplace product matches no service of the chain and gives no evidence: "
            "'Someone: Else'",
            "1 marketplaceproduct komt met geen enkele dienst van de keten overeen en geeft geen "
            "bewijsstuk: 'Someone: Else'",
        ),
        (
            "nothing-matches",
            "nothing to import: the file lists 1 product (1 'FedRAMP Authorized'), and none of "
            "them is a service of the chain (5 services; matched by FedRAMP package id, or by "
            "provider and offering name)",
            "niets te importeren: het bestand noemt 1 product (1 'FedRAMP Authorized'), en geen "
            "daarvan is een dienst van de keten (5 diensten; vergeleken op FedRAMP-pakket-id, of "
            "op de naam van aanbieder en online dienst)",
        ),
        (
            "two-not-authorized",
            "nothing to import: the file lists 2 products (0 'FedRAMP Authorized'); 2 products "
            "match a service of the chain, but none of those is 'FedRAMP Authorized'",
            "niets te importeren: het bestand noemt 2 producten (0 'FedRAMP Authorized'); 2 "
            "producten komen overeen met een dienst van de keten, maar geen daarvan is "
            "'FedRAMP Authorized'",
        ),
        (
            "many-errors",
            "… and 6 more errors",
            "… en nog 6 fouten",
        ),
        (
            "not-utf8",
            "not UTF-8 text (byte offset 14)",
            "geen UTF-8-tekst (byte-offset 14)",
        ),
    ],
)
def test_messages_in_dutch_and_in_english_as_before(case: str, english: str, dutch: str) -> None:
    """A few messages exactly, in Dutch and in English as they always read."""
    assert english in _messages(CASES[case], "en")
    assert dutch in _messages(CASES[case], "nl")


def test_a_place_in_the_file_reads_dutch() -> None:
    """Line and column of a JSON error, and the parser's own words, in Dutch."""
    for language, where, message in (
        ("en", "line 1, column 15", "not valid JSON: Expecting value"),
        ("nl", "regel 1, kolom 15", "geen geldige JSON: een waarde verwacht"),
    ):
        (issue,) = _issues(CASES["not-json"], language)
        assert (issue.where, issue.message) == (where, message)


def test_a_warnings_kind_reads_dutch_in_the_summary() -> None:
    """More than a few warnings of one kind are one line that names the kind in Dutch."""
    found = _messages(CASES["many-not-authorized"], "nl")
    assert any("(overeenkomend product niet geautoriseerd)" in message for message in found)
