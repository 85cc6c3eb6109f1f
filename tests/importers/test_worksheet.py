"""The check as an auditor's worksheet: XLSX and CSV (importers/worksheet.py)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from graph.coverage import check
from graph.model import (
    BridgeLetter,
    Chain,
    Cuec,
    Document,
    ReportException,
    SubserviceMethod,
    Subservices,
)
from graph.profiles import ZEKER_ONLINE
from graph.verdicts import CheckResult
from importers.worksheet import (
    ILLEGAL_CHARACTERS,
    LINK_COLUMNS,
    MAX_CELL_TEXT,
    check_csv,
    check_xlsx,
)
from tests.factories import (
    AT,
    certificate,
    d,
    dep,
    make_chain,
    period,
    report,
    service,
    supplier,
)

EVIL = '=HYPERLINK("http://x","y")'


def chain() -> Chain:
    """app -> db (conditional: an exception and an open CUEC), app -> mail (no evidence,
    its supplier named like a formula), db -> dc (a certificate only)."""
    return make_chain(
        services=[
            service("app"),
            service("db", supplier="dbco", name="Managed DB"),
            service("mail", supplier="mailco"),
            service("dc", supplier="dcco"),
        ],
        suppliers=[supplier("mailco", name=EVIL)],
        dependencies=[dep("app", "db"), dep("app", "mail"), dep("db", "dc")],
        evidence=[
            report(
                "db-soc2",
                holder="dbco",
                covers=["db"],
                exceptions=(ReportException(criterion="CC6.1", description="late reviews"),),
                cuecs=(Cuec(id="CUEC-1", text="Manage your users"),),
                issuer="Example Assurance LLP",
                document=Document(name="db-soc2.pdf", sha256="ab" * 32),
            ),
            certificate("dc-iso", holder="dcco", covers=["dc"]),
        ],
    )


def result(c: Chain | None = None) -> CheckResult:
    return check(c or chain(), at=AT)


def workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def table(sheet: Any) -> list[dict[str, Any]]:
    """A sheet's rows as dicts by header."""
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_workbook_has_the_four_sheets_with_frozen_headers_and_filters() -> None:
    """Links, Findings and Evidence have a frozen header and a filter over the whole table."""
    r = result()
    book = workbook(check_xlsx(r, chain()))
    assert book.sheetnames == ["Links", "Findings", "Evidence", "Check"]
    links = book["Links"]
    assert links.freeze_panes == "A2"
    assert links.auto_filter.ref == f"A1:{get_column_letter(len(LINK_COLUMNS))}{len(r.links) + 1}"
    assert [c.value for c in links[1]] == list(LINK_COLUMNS)
    assert all(c.font.bold for c in links[1])
    findings = book["Findings"]
    assert findings.freeze_panes == "A2"
    assert findings.auto_filter.ref == f"A1:D{len(r.findings) + 1}"
    assert book["Evidence"].freeze_panes == "A2"
    assert book["Evidence"].auto_filter.ref == "A1:P3"


def test_links_sheet_shows_every_link_with_names_verdict_and_every_reason() -> None:
    """A row per link, in the result's order, with names, status, verdict and each sentence."""
    r = result()
    rows = table(workbook(check_xlsx(r, chain()))["Links"])
    assert [(row["Rank"], row["From"], row["To"]) for row in rows] == [
        (link.rank, link.consumer, link.provider) for link in r.links
    ]
    db = next(row for row in rows if row["To"] == "db")
    link = next(link for link in r.links if link.provider == "db")
    assert (db["From name"], db["To name"], db["Supplier"]) == ("App", "Managed DB", "Dbco B.V.")
    assert (db["Status"], db["Verdict"], db["Evidence"]) == (
        "conditional",
        "CONDITIONAL",
        "db-soc2",
    )
    assert len(link.reasons) >= 2
    assert db["Reasons"].split("\n") == [reason.message for reason in link.reasons]
    assert db["Reason codes"] == ", ".join(reason.code.value for reason in link.reasons)
    mail = next(row for row in rows if row["To"] == "mail")
    assert mail["Verdict"] == "NO_EVIDENCE"
    assert mail["Path"] == "app > mail"


def test_findings_and_evidence_sheets_hold_what_the_result_names() -> None:
    """Findings as in the result; evidence named by links, with period, issuer and document."""
    r = result()
    book = workbook(check_xlsx(r, chain()))
    findings = table(book["Findings"])
    assert [(f["Code"], f["Severity"], f["Message"]) for f in findings] == [
        (f.code.value, f.severity.value, f.message) for f in r.findings
    ]
    assert findings, "the chain is built to raise a finding"
    evidence = {row["Id"]: row for row in table(book["Evidence"])}
    assert sorted(evidence) == ["db-soc2", "dc-iso"]
    soc2 = evidence["db-soc2"]
    assert (soc2["Scheme"], soc2["Holder name"], soc2["Issuer"]) == (
        "SOC 2 report",
        "Dbco B.V.",
        "Example Assurance LLP",
    )
    assert (soc2["Period from"].date(), soc2["Period to"].date()) == (
        period("2025-07-01", "2026-06-30").start,
        period("2025-07-01", "2026-06-30").end,
    )
    assert (soc2["Document"], soc2["SHA-256"]) == ("db-soc2.pdf", "ab" * 32)
    assert evidence["dc-iso"]["Valid until"].date().isoformat() == "2028-02-28"
    assert soc2["Counts until"] is None  # no profile given: nothing to count by


def test_the_evidence_sheet_says_until_when_each_piece_counts_under_the_profile() -> None:
    """With the profile the check ran under: a type 2 report counts until its period end plus
    the profile's 12 months, a certificate until it expires, as the evidence page says."""
    book = workbook(check_xlsx(result(), chain(), profile=ZEKER_ONLINE))
    evidence = {row["Id"]: row for row in table(book["Evidence"])}
    assert evidence["db-soc2"]["Counts until"].date().isoformat() == "2027-06-30"
    assert evidence["dc-iso"]["Counts until"].date().isoformat() == "2028-02-28"


def test_check_sheet_summarises_the_check() -> None:
    """The Check sheet gives the offerings, the date, the chain's verdict and the counts."""
    r = result()
    items = dict(workbook(check_xlsx(r, chain()))["Check"].iter_rows(min_row=2, values_only=True))
    assert items["Offerings"] == "app"
    assert items["Evaluation date"].date() == AT
    assert items["Verdict"] == r.verdict.value == "gap"
    assert items["Links"] == len(r.links)
    assert items["Links gap"] == r.summary["gap"]


def test_formula_in_a_name_is_text_in_the_workbook() -> None:
    """A supplier named =HYPERLINK(...) is a text cell with a leading quote, never a formula."""
    data = check_xlsx(result(), chain())
    book = workbook(data)
    mail = next(row for row in book["Links"].iter_rows(min_row=2) if row[3].value == "mail")
    supplier_cell = mail[LINK_COLUMNS.index("Supplier")]
    assert supplier_cell.value == "'" + EVIL
    assert supplier_cell.data_type == "s"
    for sheet in book:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert not re.search(rb"<f[ >]", archive.read(name))


def test_formula_in_a_name_is_text_in_the_csv() -> None:
    """The CSV cell of the supplier named =HYPERLINK(...) starts with a quote."""
    rows = list(csv.DictReader(io.StringIO(check_csv(result(), chain()).decode("utf-8"))))
    mail = next(row for row in rows if row["To"] == "mail")
    assert mail["Supplier"] == "'" + EVIL
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_csv_is_the_links_table() -> None:
    """The CSV has the Links columns and a row per link with every reason, one per line."""
    r = result()
    rows = list(csv.DictReader(io.StringIO(check_csv(r, chain()).decode("utf-8"))))
    assert list(rows[0]) == list(LINK_COLUMNS)
    assert [(row["Rank"], row["From"], row["To"], row["Verdict"]) for row in rows] == [
        (str(link.rank), link.consumer, link.provider, link.verdict.value) for link in r.links
    ]
    db = next(row for row in rows if row["To"] == "db")
    link = next(link for link in r.links if link.provider == "db")
    assert db["Reasons"].split("\n") == [reason.message for reason in link.reasons]


def test_same_input_gives_identical_bytes() -> None:
    """Two exports a second apart are byte for byte the same; the times are the check's date."""
    first = check_xlsx(result(), chain())
    time.sleep(1.1)  # the zip's times have two-second steps, the properties one-second ones
    assert check_xlsx(result(), chain()) == first
    assert check_csv(result(), chain()) == check_csv(result(), chain())
    book = workbook(first)
    assert book.properties.created.date() == AT
    assert book.properties.modified.date() == AT
    assert all(
        info.date_time[:3] == (2026, 11, 27)
        for info in zipfile.ZipFile(io.BytesIO(first)).infolist()
    )


def test_audit_period_mode_shows_uncovered_days_and_dates_by_the_period_end() -> None:
    """In period mode the uncovered ranges are listed and the workbook is dated the last day."""
    audit = period("2026-01-01", "2026-12-31")
    r = check(chain(), period=audit)
    book = workbook(check_xlsx(r, chain()))
    db = next(row for row in table(book["Links"]) if row["To"] == "db")
    link = next(link for link in r.links if link.provider == "db")
    assert link.uncovered, "the report's period ends mid-2026"
    assert db["Uncovered"].split("\n") == [
        f"{u.start.isoformat()}..{u.end.isoformat()}" for u in link.uncovered
    ]
    assert book.properties.created.date() == audit.end
    items = dict(book["Check"].iter_rows(min_row=2, values_only=True))
    assert items["Audit period from"].date() == audit.start


def test_control_characters_and_overlong_text_still_give_a_workbook() -> None:
    """A name with control characters is written with U+FFFD; an overlong one is cut."""
    c = make_chain(
        services=[
            service("app"),
            service("db", supplier="dbco", name="bad\x01name"),
            service("big", supplier="dbco", name="x" * (MAX_CELL_TEXT + 10)),
        ],
        dependencies=[dep("app", "db"), dep("app", "big")],
    )
    r = check(c, at=AT)
    rows = {row["To"]: row for row in table(workbook(check_xlsx(r, c))["Links"])}
    assert rows["db"]["To name"] == "bad\ufffdname"
    assert len(rows["big"]["To name"]) <= MAX_CELL_TEXT
    assert rows["big"]["To name"].endswith("the CSV export has the whole text]")
    csv_rows = list(csv.DictReader(io.StringIO(check_csv(r, c).decode("utf-8"))))
    assert next(row for row in csv_rows if row["To"] == "big")["To name"] == "x" * (
        MAX_CELL_TEXT + 10
    )


def test_a_result_of_another_chain_is_refused() -> None:
    """Names come from the chain given; a link it does not know raises an error naming it."""
    other = make_chain(services=[service("app")])
    with pytest.raises(ValueError, match="app -> db"):
        check_csv(result(), other)


def test_links_carry_the_basis_the_carve_outs_and_every_other_piece() -> None:
    """Basis names the deciding evidence's scheme, period, opinion, issuer and document; Notes
    names a carve-out where it bites; Other evidence gives each piece's verdict and reasons."""
    c = chain()
    db = replace(
        c.evidence["db-soc2"],
        subservices=Subservices(SubserviceMethod.CARVE_OUT, carved_out=("dc",)),
    )
    c = replace(c, evidence={**c.evidence, "db-soc2": db})
    rows = {
        row["To"]: row
        for row in csv.DictReader(io.StringIO(check_csv(result(c), c).decode("utf-8")))
    }
    assert rows["db"]["Basis"] == (
        "SOC 2 report, type 2, held by Dbco B.V.; period 2025-07-01 to 2026-06-30, issued "
        "2026-08-01; unqualified opinion, reasonable assurance, 1 exception; criteria security, "
        "availability; by Example Assurance LLP; carves out dc; sighted; document db-soc2.pdf"
    )
    assert (
        rows["dc"]["Notes"] == "carved out of Managed DB's report db-soc2; needs its own evidence"
    )
    assert rows["db"]["Notes"] == rows["mail"]["Basis"] == ""
    stored = check_csv(result(c), c, stored={"db-soc2"}).decode("utf-8")
    assert "sighted; document on record" in stored


def test_the_characters_left_out_are_openpyxls() -> None:
    """The worksheet's own pattern of characters XML cannot carry is openpyxl's, so the CSV
    (which needs no openpyxl) cleans text as the workbook does."""
    assert ILLEGAL_CHARACTERS.pattern == ILLEGAL_CHARACTERS_RE.pattern


def test_importing_the_importers_loads_no_openpyxl() -> None:
    """openpyxl is imported when a workbook is read or written, not with the worksheet and
    register modules, so the service and the command line start without it; CSV needs none."""
    probe = (
        "import sys\n"
        "import importers.registry, importers.register, importers.worksheet\n"
        "from datetime import date\n"
        "from graph.coverage import check\n"
        "from graph.model import Chain, Kind, Service, Supplier\n"
        "from importers.base import Source\n"
        "from importers.register import CSV_IMPORTER, export_register\n"
        "chain = Chain(offerings=('app',), suppliers={'me': Supplier('me', 'Me')},\n"
        "              services={'app': Service('app', 'App', 'me', Kind.SAAS)})\n"
        "assert CSV_IMPORTER.parse(export_register(chain, 'csv'), Source('r.csv')).chain\n"
        "importers.worksheet.check_csv(check(chain, at=date(2026, 11, 27)), chain)\n"
        "print('openpyxl' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "False"


def test_a_lapsed_bridged_report_counts_until_the_same_day_in_basis_and_evidence_sheet() -> None:
    """Checked after its bridge letter ran out, a report's basis (Links sheet) and its row on
    the Evidence sheet name the same last day it counted: the letter's, not its period's."""
    bridged = make_chain(
        services=[service("app"), service("db", supplier="dbco")],
        dependencies=[dep("app", "db")],
        evidence=[
            report(
                "db-soc2",
                holder="dbco",
                covers=["db"],
                period=period("2024-10-01", "2025-09-30"),
                issued=d("2025-11-01"),
                bridge_letter=BridgeLetter(d("2025-10-01"), d("2026-12-31")),
            )
        ],
    )
    late = check(bridged, at=d("2027-01-15"))
    book = workbook(check_xlsx(late, bridged, profile=ZEKER_ONLINE))
    (link,) = table(book["Links"])
    (piece,) = table(book["Evidence"])
    assert piece["Counts until"].date().isoformat() == "2026-12-30"
    assert "counts until 2026-12-30 with its bridge letter" in link["Basis"]
