"""The register importer's messages (importers/register/, the cell errors of importers/layouts.py)
in the context's language: its test files, a set of bad registers and a set of refused files
(encodings, sizes, workbooks, a column given twice), read in the pseudo language (nothing
English outside the markers but the file's own values, quoted, and codes; places such as
"row 3, column 'Kind'" too) and in Dutch; English as before."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from graph import i18n
from graph.model import Kind
from importers.base import ImportIssue, Source
from importers.register import rows as register_rows
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = sorted((DATA / "register").glob("*.csv")) + sorted(
    path for path in (DATA / "variants" / "worksheet").iterdir() if path.suffix != ".md"
)

HEAD = "Supplier,Service,Kind,Used by,Role,Critical,Certificate,Holder,Type,Period from,"
HEAD += "Period to,Valid until,Certificate id\n"
APP = "Acme,App,saas,,,,,,,,,,\n"

BAD = {
    "no-supplier": HEAD + APP + ",Db,paas,,,,,,,,,,\n",
    "kind": HEAD + "Acme,App,sass,,,,,,,,,,\n",
    "kind-empty": HEAD + "Acme,App,,,,,,,,,,,\n",
    "scheme": HEAD + APP + "Acme,Db,paas,App,,,ISO 99999,,,,,,\n",
    "report-type": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,x,2026-01-01,2026-06-30,,\n",
    "date": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,,,,31-02-2027,\n",
    "yes-no": HEAD + APP + "Acme,Db,paas,App,,maybe,,,,,,,\n",
    "needs-type": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,,2026-01-01,2026-06-30,,\n",
    "needs-period": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,2,,,,\n",
    "half-period": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,2,2026-01-01,,,\n",
    "needs-expiry": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,,,,,\n",
    "type-ignored": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,2,,,2027-01-01,\n",
    "type-contradicts": HEAD + APP + "Acme,Db,paas,App,,,SOC 2 type 1,,2,2026-01-01,2026-06-30,,\n",
    "unknown-consumer": HEAD + APP + "Acme,Db,paas,Ap,,,,,,,,,\n",
    "unknown-holder": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,Nobody,,,,2027-01-01,\n",
    "filled-without": HEAD + "Acme,,,,,,,,,,,2027-01-01,\n" + APP,
    "contradicts": HEAD + APP + "Acme,App,paas,,,,,,,,,,\n",
    "link-contradicts": HEAD + APP + "Acme,Db,paas,App,hosting,,,,,,,,\n"
    "Acme,Db,paas,App,storage,,,,,,,,\n",
    "certificate-contradicts": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,,,,2027-01-01,c1\n"
    "Acme,Db,paas,App,,,ISO 27001,,,,,2028-01-01,c1\n",
    "heading-only": HEAD,
    "suppliers-only": HEAD + "Acme,,,,,,,,,,,,\nOther,,,,,,,,,,,,\n",
    "no-id": HEAD + "***,App,saas,,,,,,,,,,\n",
}
"""A bad register for each message the register importer writes."""

CODES = {kind.value for kind in Kind} | {"ja/nee", "yes/no", "NL", "DE", "IE", "id"}
CODES |= {"2026-03-31", "31-03-2026", "1", "2", "Kind", "Soort", "ketenkaart"}


def _messages(data: bytes, name: str, language: str) -> list[str]:
    fmt = "xlsx" if name.endswith(".xlsx") else "csv"
    with i18n.using(language):
        return [issue.message for issue in run(get(fmt), data, Source(name)).issues]


def _left(message: str) -> list[str]:
    """The English words outside the markers, the file's values (quoted) and codes aside."""
    without_values = re.sub(r"'[^']*'", " ", message.replace("…", "..."))
    return unmarked(without_values, CODES)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_test_files_messages_are_marked(path: Path) -> None:
    """The register's test files give messages made of catalog text and the file's values."""
    found = _messages(path.read_bytes(), path.name, "pseudo")
    assert {message: _left(message) for message in found if _left(message)} == {}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_word_of_a_message_is_marked_in_the_pseudo_language(case: str) -> None:
    """Each bad register's messages are catalog text and the file's own values."""
    found = _messages(BAD[case].encode(), "r.csv", "pseudo")
    assert found
    assert {message: _left(message) for message in found if _left(message)} == {}


@pytest.mark.parametrize(
    ("case", "dutch"),
    [
        ("kind", "'sass' is geen soort dienst (een van: saas, paas, iaas, managed, other); "),
        ("needs-expiry", "ISO/IEC 27001-certificaat: de vervaldatum ontbreekt; vul kolom "),
        ("unknown-consumer", "geen dienst 'Ap' in het register; bedoelt u 'App'?"),
        ("date", "'31-02-2027' is geen datum (schrijf 2026-03-31 of 31-03-2026)"),
    ],
)
def test_the_commonest_messages_read_dutch(case: str, dutch: str) -> None:
    """A cell's error and a row's missing piece in Dutch."""
    assert any(
        message.startswith(dutch) for message in _messages(BAD[case].encode(), "r.csv", "nl")
    )


def test_english_is_as_before() -> None:
    """English reads word for word as it did."""
    assert _messages(BAD["needs-expiry"].encode(), "r.csv", "en") == [
        "the ISO/IEC 27001 certificate needs its expiry date: fill column 'Valid until'"
    ]
    assert _messages(BAD["suppliers-only"].encode(), "r.csv", "en")[-1] == (
        "the register names no service: its 2 rows name only 2 suppliers ('Acme', 'Other'); "
        "fill the column 'Service'"
    )
    assert _messages(BAD["contradicts"].encode(), "r.csv", "en") == [
        "'paas' contradicts row 2 ('saas') for service 'App'"
    ]


def _issues(data: bytes, name: str, language: str) -> list[ImportIssue]:
    fmt = "xlsx" if name.endswith(".xlsx") else "csv"
    with i18n.using(language):
        return list(run(get(fmt), data, Source(name)).issues)


def _place_left(where: str) -> list[str]:
    """The English words of a place outside the markers, the file's values (quoted) aside."""
    return unmarked(re.sub(r"'[^']*'", " ", where), CODES)


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_place_is_marked_in_the_pseudo_language(case: str) -> None:
    """Each bad register's places ("row 3", "row 3, column 'Kind'") are catalog text."""
    places = [issue.where for issue in _issues(BAD[case].encode(), "r.csv", "pseudo")]
    assert {where: _place_left(where) for where in places if _place_left(where)} == {}


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_entity(data: bytes) -> bytes:
    """The workbook ``data`` with a sheet that declares an entity and uses it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for part in source.namelist():
            text = source.read(part)
            if part == "xl/worksheets/sheet1.xml":
                declaration, mark, rest = text.partition(b"?>")
                doctype = b'<!DOCTYPE x [<!ENTITY e "Acme">]>'
                text = declaration + mark + doctype + rest if mark else doctype + text
                text = text.replace(b">Acme<", b">&e;<")
            target.writestr(part, text)
    return out.getvalue()


HEAD3 = "Supplier,Service,Kind\n"
BOOK = [["Supplier", "Service", "Kind"], ["Acme", "App", "saas"]]
REFUSED: dict[str, tuple[bytes, str]] = {
    "utf-8": (codecs.BOM_UTF8 + HEAD3.encode() + b"Acme,\xff,saas\n", "r.csv"),
    "utf-16": (codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "r.csv"),
    "nul": (HEAD3.encode() + b"Acme\x00,App,saas\n", "r.csv"),
    "field-limit": ((HEAD3 + "Acme," + "x" * 140_000 + ",saas\n").encode(), "r.csv"),
    "rows": ((HEAD3 + "Acme,App,saas\n" * 4).encode(), "r.csv"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "r.xlsx"),
    "not-a-workbook": (HEAD3.encode(), "r.xlsx"),
    "damaged": (b"PK\x03\x04 not really a zip", "r.xlsx"),
    "entities": (_with_entity(_workbook(BOOK)), "r.xlsx"),
    "parts": (_workbook(BOOK), "r.xlsx"),
    "unpacked": (_workbook(BOOK), "r.xlsx"),
    "sheet-rows": (_workbook(BOOK * 3), "r.xlsx"),
    "duplicate-column": (b"Supplier,Service,Dienst,Kind\nAcme,App,App,saas\n", "r.csv"),
}
"""A file the register importer refuses, or whose headings it refuses, for each refusal."""

LIMITS = {"rows": ("MAX_ROWS", 3), "sheet-rows": ("MAX_ROWS", 3)}
LIMITS |= {"parts": ("MAX_ZIP_MEMBERS", 3), "unpacked": ("MAX_UNPACKED_BYTES", 1000)}


def _refused(case: str, language: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    if case in LIMITS:
        monkeypatch.setattr(register_rows, *LIMITS[case])
    data, name = REFUSED[case]
    return [str(issue) for issue in _issues(data, name, language)]


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_refused_file_is_refused_in_catalog_words(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each refusal of a file (encoding, size, workbook) and its place are catalog text."""
    found = _refused(case, "pseudo", monkeypatch)
    assert found
    left = {text: _left(re.sub(r"\b\d[\d,.]*\b", " ", text)) for text in found}
    assert {text: words for text, words in left.items() if words} == {}


@pytest.mark.parametrize(
    ("case", "dutch"),
    [
        ("utf-8", "het bestand begint als UTF-8, maar byte 30 is geen UTF-8; sla het opnieuw op"),
        ("field-limit", "rij 2: veld groter dan de veldlimiet (131072)"),
        ("unpacked", "de werkmap pakt uit tot "),
        ("rows", "het register heeft meer dan 3 rijen"),
        ("damaged", "de werkmap is beschadigd: het bestand is geen zip-bestand"),
        ("duplicate-column", "rij 1: de kolommen 'Service' (B) en 'Dienst' (C) zijn allebei "),
    ],
)
def test_refusals_read_dutch(case: str, dutch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused file says why in Dutch, with its place in Dutch."""
    assert _refused(case, "nl", monkeypatch)[0].startswith(dutch)


def test_places_read_dutch() -> None:
    """A cell's place reads "rij 2, kolom 'Kind'" in Dutch (the heading as the file has it)."""
    [issue] = _issues(BAD["kind"].encode(), "r.csv", "nl")
    assert issue.where == "rij 2, kolom 'Kind'"


def test_refusals_and_places_in_english_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """English refusals and places read word for word as they did."""
    assert _refused("duplicate-column", "en", monkeypatch) == [
        "row 1: columns 'Service' (B) and 'Dienst' (C) both give the service; keep one"
    ]
    assert _refused("field-limit", "en", monkeypatch) == [
        "row 2: field larger than field limit (131072)"
    ]
    assert _refused("parts", "en", monkeypatch)[0].startswith("the workbook has 9 parts; at most 3")
    [issue] = _issues(BAD["kind"].encode(), "r.csv", "en")
    assert issue.where == "row 2, column 'Kind'"
