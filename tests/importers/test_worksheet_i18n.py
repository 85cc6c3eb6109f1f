"""The check's worksheet and CSV in the context's language: sheet names, headings and the
cells that are words in Dutch; ids, codes, names and dates as they are."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from graph import i18n
from graph.coverage import check
from graph.model import Chain, DateRange
from graph.profiles import find_profile
from graph.verdicts import CheckResult
from importers.chainfile import load_chain
from importers.worksheet import check_csv, check_xlsx
from tests.test_pseudo_cli import known_words, unmarked

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"
AT = date(2026, 11, 27)


def _checked(*, period: bool = False) -> tuple[Chain, CheckResult]:
    chain = load_chain(DEMO.read_bytes(), filename=DEMO.name)
    profile = find_profile("zeker-online", chain)
    if period:
        return chain, check(chain, profile=profile, period=DateRange(date(2026, 1, 1), AT))
    return chain, check(chain, profile=profile, at=AT)


def _cells(data: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def test_the_workbook_is_dutch_under_dutch() -> None:
    """Sheets, headings, statuses, severities, schemes and the Check sheet's items in Dutch; the
    verdict and reason codes stay codes."""
    chain, result = _checked()
    with i18n.using("nl"):
        sheets = _cells(check_xlsx(result, chain))
    assert list(sheets) == ["Schakels", "Bevindingen", "Bewijsstuk", "Toetsing"]
    links = sheets["Schakels"]
    assert links[0][:10] == [
        "Rang",
        "Van",
        "Naam van",
        "Naar",
        "Naam naar",
        "Leverancier",
        "Status",
        "Beoordeling",
        "Bewijsstuk",
        "Grondslag",
    ]
    assert {row[6] for row in links[1:]} <= {"in orde", "voorwaardelijk", "leemte", "buiten scope"}
    assert "leemte" in {row[6] for row in links[1:]}
    assert {row[7] for row in links[1:]} & {"NOT_EQUIVALENT", "EQUIVALENT"}
    assert sheets["Bevindingen"][0] == ["Code", "Ernst", "Betreft", "Toelichting"]
    assert {row[1] for row in sheets["Bevindingen"][1:]} <= {"waarschuwing", "informatie"}
    evidence = sheets["Bewijsstuk"]
    assert "Normenkader" in evidence[0]
    assert any(str(row[1]).endswith("-rapport") for row in evidence[1:])
    items = {row[0]: row[1] for row in sheets["Toetsing"][1:]}
    assert items["Peildatum"] is not None
    assert result.verdict.value == "gap"
    assert items["Beoordeling"] == "leemte"  # the chain's verdict as the Status column says it
    assert "Schakels met een leemte" in items


def test_the_csv_headings_and_statuses_are_dutch_under_dutch() -> None:
    """The CSV's header row and its Status column follow the language; English is as before.
    The Dutch file is separated by semicolons and starts with a byte order mark, as Excel with
    Dutch settings reads it; the English one by commas, without a mark."""
    chain, result = _checked()
    with i18n.using("nl"):
        dutch = check_csv(result, chain)
    plain = check_csv(result, chain)
    assert dutch.startswith(b"\xef\xbb\xbfRang;Van;Naam van;")
    assert plain.startswith(b"Rank,From,From name,")
    rows = list(csv.reader(io.StringIO(dutch.decode("utf-8-sig")), delimiter=";"))
    english = list(csv.reader(io.StringIO(plain.decode())))
    assert len(rows) == len(english) and all(len(row) == len(english[0]) for row in rows)
    assert rows[0][:3] == ["Rang", "Van", "Naam van"]
    assert english[0][:3] == ["Rank", "From", "From name"]
    assert {r[6] for r in english[1:]} <= {"ok", "conditional", "gap", "out-of-scope"}
    assert [r[7] for r in rows[1:]] == [r[7] for r in english[1:]]  # verdicts: codes
    assert [r[6] for r in rows] != [r[6] for r in english]


@pytest.mark.parametrize("period", [False, True], ids=["at", "period"])
def test_no_word_of_the_workbook_misses_the_catalog(period: bool) -> None:
    """Under the pseudo language every heading, sheet name and word cell is marked: what is
    left is the chain's own names, ids and codes (and the reasons' sentences are marked by
    graph.reasons)."""
    with i18n.using("pseudo"):
        chain, result = _checked(period=period)  # the reasons in the pseudo language too
        sheets = _cells(check_xlsx(result, chain))
        text = check_csv(result, chain).decode()
    known = known_words(chain) | {"sha256", "RE", "CPA", "CFO"}
    known |= {e.document.name or "" for e in chain.evidence.values() if e.document}
    known |= {
        signer
        for e in chain.evidence.values()
        if e.bridge_letter
        for signer in (e.bridge_letter.signed_by or "",)
    }
    known |= {e.accreditation.body or "" for e in chain.evidence.values() if e.accreditation}
    left = {title: unmarked(title, known) for title in sheets}
    for title, rows in sheets.items():
        for row in rows:
            for cell in row:
                if isinstance(cell, str) and (words := unmarked(cell, known)):
                    left[f"{title}: {cell[:60]}"] = words
    left["csv"] = unmarked(text, known)
    assert {k: v for k, v in left.items() if v} == {}
