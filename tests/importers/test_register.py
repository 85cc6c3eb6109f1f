"""Supplier registers in CSV and XLSX: golden files, errors with row and column, export, limits."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from graph.model import (
    BridgeLetter,
    Chain,
    DateRange,
    Dependency,
    Evidence,
    Kind,
    ReportException,
    Scheme,
    SchemeClass,
    Service,
    Supplier,
)
from importers import register
from importers.base import ImportResult, Source
from importers.chainfile import dump_plain, load_plain
from importers.layouts import REGISTER, slug
from importers.register import CSV_IMPORTER, XLSX_IMPORTER, export_register, template
from importers.register.assembly import NEEDS_VALID_UNTIL
from importers.register.table import column_letter

DATA = Path(__file__).parent / "data" / "register"


def errors(result: ImportResult) -> list[str]:
    """The error messages of a result, as a user reads them."""
    return [str(issue) for issue in result.issues if issue.severity == "error"]


def parse_csv(text: str, *, encoding: str = "utf-8", existing: Chain | None = None) -> ImportResult:
    """Import a CSV register given as text."""
    return CSV_IMPORTER.parse(text.encode(encoding), Source("register.csv", existing=existing))


def expected(case: str) -> dict[str, object]:
    """A golden chain document."""
    loaded: dict[str, object] = json.loads((DATA / f"{case}.expected.json").read_text("utf-8"))
    return loaded


def english_workbook() -> bytes:
    """The English golden register as a workbook of its own: real dates and numbers, and the
    register on a sheet named like one, after an explanation sheet."""
    book = Workbook()
    notes = book.active
    notes.title = "Toelichting"
    notes["A1"] = "Fill in the Leveranciers sheet"
    sheet = book.create_sheet("Leveranciers")
    with (DATA / "english.csv").open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle)):
            cells: list[object] = []
            for value in row:
                if number and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                    cells.append(datetime.fromisoformat(value))
                elif number and value == "2":
                    cells.append(2)
                else:
                    cells.append(value or None)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Golden files.


@pytest.mark.parametrize("case", ["dutch", "english"])
def test_golden_csv_registers_give_the_expected_chain(case: str) -> None:
    """A Dutch ';' cp1252 register (with a title row) and an English UTF-8 one."""
    result = CSV_IMPORTER.parse((DATA / f"{case}.csv").read_bytes(), Source(f"{case}.csv"))
    assert errors(result) == []
    assert dump_plain(result.chain) == expected(case)


def test_dutch_register_is_read_as_windows_1252() -> None:
    """The Dutch file is not UTF-8; its accented name comes through intact."""
    data = (DATA / "dutch.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = CSV_IMPORTER.parse(data, Source("dutch.csv"))
    assert result.chain.suppliers["cafe-patchwerk-b.v"].name == "Café Patchwerk B.V."


def test_unknown_column_is_a_warning_naming_it() -> None:
    """A notes column does not stop the import, but the user is told it is not read."""
    result = CSV_IMPORTER.parse((DATA / "dutch.csv").read_bytes(), Source("dutch.csv"))
    assert [str(issue) for issue in result.warnings] == [
        "row 2, column 'Opmerkingen': not a column ketenkaart knows; its cells are not read"
    ]


def test_golden_xlsx_register_gives_the_same_chain_as_its_csv() -> None:
    """Real Excel dates and numbers; the sheet named like a register is read, not the first."""
    result = XLSX_IMPORTER.parse(english_workbook(), Source("register.xlsx"))
    assert errors(result) == []
    assert dump_plain(result.chain) == expected("english")


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-16", "\t"), ("utf-8", ";"), ("utf-8-sig", "\t"), ("cp1252", ",")],
)
def test_encodings_and_delimiters_are_detected(encoding: str, delimiter: str) -> None:
    """The English register re-saved in other encodings and separators reads the same."""
    rows = list(csv.reader(io.StringIO((DATA / "english.csv").read_text("utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    text = out.getvalue().replace("TÜV", "TÜV")
    result = CSV_IMPORTER.parse(text.encode(encoding), Source("register.csv"))
    assert errors(result) == []
    assert dump_plain(result.chain) == expected("english")


def test_excel_separator_line_is_honoured() -> None:
    """``sep=;`` on the first line (as Excel writes it) names the delimiter."""
    result = parse_csv("sep=;\nSupplier;Service;Kind\nAcme, Inc.;App;saas\n")
    assert errors(result) == []
    assert [s.name for s in result.chain.suppliers.values()] == ["Acme, Inc."]


# ---------------------------------------------------------------------------------------------
# Errors name their row and column; an import with an error keeps nothing.


def test_missing_required_column_is_named_with_the_columns_found() -> None:
    """The message names the missing column in the file's language and lists what is there."""
    result = parse_csv("Leverancier;Land;Soort\nPolder;NL;iaas\n")
    assert errors(result) == [
        "row 1: the register has no column 'Dienst' (or 'Service'); "
        "the columns found are: 'Leverancier', 'Land', 'Soort'"
    ]
    assert result.chain == Chain(offerings=())


def test_impossible_date_names_row_and_column() -> None:
    """The example from the issue: 31 February, in the Dutch date format."""
    result = parse_csv(
        "Leverancier;Dienst;Soort;Certificaat;Uitgegeven;Geldig tot\n"
        "Noord;AMS2;overig;ISO 27001;01-03-2025;28-02-2028\n"
        "Noord;AMS3;overig;ISO 27001;01-03-2025;31-02-2026\n"
    )
    assert errors(result) == [
        "row 3, column 'Geldig tot': '31-02-2026' is not a date (write 2026-03-31 or 31-03-2026)"
    ]
    assert result.chain.services == {}


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            "SOC 2;;;",
            "row 2, column 'Type': the SOC 2 report needs its report type: "
            "fill column 'Type' with 1 or 2",
        ),
        (
            "SOC 2;2;;",
            "row 2, column 'Periode van': a type 2 report needs its tested period: "
            "fill columns 'Periode van' and 'Periode tot'",
        ),
        (
            "ISO 27001;;;",
            "row 2, column 'Geldig tot': the ISO/IEC 27001 certificate needs its expiry date: "
            "fill column 'Geldig tot'",
        ),
        (
            "Zeker-OnLine;;;",
            "row 2, column 'Geldig tot': the Zeker-OnLine keurmerk needs its expiry date: "
            "fill column 'Geldig tot'",
        ),
        (
            ";;2026-01-01;",
            "row 2, column 'Periode van': filled, but column 'Certificaat' is empty",
        ),
    ],
)
def test_what_a_scheme_needs_names_the_column_to_fill(cells: str, message: str) -> None:
    """Evidence rows lacking what their scheme requires (chain-format.md) are refused."""
    result = parse_csv(
        "Leverancier;Dienst;Soort;Certificaat;Type;Periode van;Geldig tot;Periode tot\n"
        f"Polder;Compute;iaas;{cells}\n"
    )
    assert errors(result) == [message]


def test_contradicting_rows_name_both_rows() -> None:
    """The same supplier with two countries, and the same service with two kinds."""
    result = parse_csv(
        "Supplier,Country,Service,Kind\n"
        "Polder,NL,Compute,iaas\n"
        "Polder,,Backup,managed\n"
        "Polder,DE,Compute,paas\n"
    )
    assert errors(result) == [
        "row 4, column 'Country': 'DE' contradicts row 2 ('NL') for supplier 'Polder'",
        "row 4, column 'Kind': 'paas' contradicts row 2 ('iaas') for service 'Compute'",
    ]


def test_same_certificate_id_with_other_dates_is_a_contradiction() -> None:
    """Two rows sharing a certificate id must describe the same certificate."""
    result = parse_csv(
        "Supplier,Service,Kind,Certificate,Valid until,Certificate id\n"
        "Noord,AMS2,other,ISO 27001,2028-02-28,noord-iso\n"
        "Noord,AMS3,other,ISO 27001,2027-02-28,noord-iso\n"
    )
    assert errors(result) == [
        "row 3, column 'Valid until': '2027-02-28' contradicts row 2 ('2028-02-28') "
        "for certificate 'noord-iso'"
    ]


def test_unknown_consumer_is_named_with_a_suggestion() -> None:
    """A typo in *Used by* is an error with the row, the column and a close name."""
    result = parse_csv(
        "Supplier,Service,Kind,Used by\nAcme,Acme Payroll,saas,\nPolder,Compute,iaas,Acme Payrol\n"
    )
    assert errors(result) == [
        "row 3, column 'Used by': no service 'Acme Payrol' in the register; "
        "did you mean 'Acme Payroll'?"
    ]


def test_ambiguous_consumer_asks_for_an_id() -> None:
    """Two suppliers' services with one name: the id (which the message lists) decides."""
    text = (
        "Supplier,Service,Kind,Used by\n"
        "Polder,Backup,managed,\n"
        "Kluis,Backup,managed,\n"
        "Noord,Tape,other,{}\n"
    )
    result = parse_csv(text.format("Backup"))
    assert errors(result) == [
        "row 4, column 'Used by': 'Backup' names 2 services (backup, kluis-backup); "
        "write the id of the one meant"
    ]
    fixed = parse_csv(text.format("kluis-backup"))
    assert list(fixed.chain.dependencies) == [("kluis-backup", "tape")]


def test_country_codes_are_checked_with_the_chain_rules_at_their_cell() -> None:
    """``UK`` gets the chain file's hint, placed at the row and column it came from."""
    result = parse_csv("Supplier,Country,Service,Kind\nAcme,NL,App,saas\nBrit,UK,Mail,saas\n")
    assert errors(result) == [
        "row 3, column 'Country': 'UK' is not an ISO 3166-1 country code; write 'GB'"
    ]


def test_period_from_after_period_to_is_placed_at_its_row() -> None:
    """A rule only the chain check knows still names the register's row and column."""
    result = parse_csv(
        "Supplier,Service,Kind,Certificate,Type,Period from,Period to\n"
        "Polder,Compute,iaas,ISAE 3402,2,2026-06-30,2025-07-01\n"
    )
    assert len(errors(result)) == 1
    assert errors(result)[0].startswith("row 2, column 'Period from': ")


def test_cells_in_service_columns_need_a_service() -> None:
    """A supplier-only row with a kind filled in is refused (and says which column)."""
    result = parse_csv("Supplier,Service,Kind\nPolder,,iaas\n")
    assert errors(result) == ["row 2, column 'Kind': filled, but column 'Service' is empty"]


def test_holder_must_be_a_supplier_of_the_register() -> None:
    """A certificate issued to a company the register does not list is an error."""
    result = parse_csv(
        "Supplier,Service,Kind,Certificate,Holder,Type,Period from,Period to\n"
        "Nimbus EMEA,Mail,saas,SOC 2,Nimbus Inc.,2,2025-10-01,2026-03-31\n"
    )
    assert errors(result) == [
        "row 2, column 'Holder': no supplier 'Nimbus Inc.' in the register; "
        "add a row with this supplier (the service may stay empty)"
    ]


# ---------------------------------------------------------------------------------------------
# Ids, merging, the register the import joins.


def test_ids_are_derived_from_names_and_made_unique() -> None:
    """Names become ids by the id rule; a clash is tried with the supplier's id first."""
    result = parse_csv(
        "Supplier,Service,Kind\n"
        "Polder Hosting B.V.,Backup,managed\n"
        "Kluis,Backup,managed\n"
        "Kluis,Kluis Backup,managed\n"
        "Zürich Café,Back-up!,other\n"
    )
    assert errors(result) == []
    assert list(result.chain.suppliers) == ["polder-hosting-b.v", "kluis", "zurich-cafe"]
    assert list(result.chain.services) == [
        "backup",
        "kluis-backup",
        "kluis-kluis-backup",
        "back-up",
    ]
    for sid in [*result.chain.suppliers, *result.chain.services]:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*", sid)


def test_existing_register_keeps_its_ids_and_is_linked_to() -> None:
    """Importing into a register matches its suppliers and services by name, and a consumer
    that only the register has is linked by name."""
    existing = Chain(
        offerings=("payroll",),
        suppliers={"acme": Supplier("acme", "Acme B.V."), "pold": Supplier("pold", "Polder")},
        services={
            "payroll": Service("payroll", "Acme Payroll", "acme", Kind.SAAS),
            "vm": Service("vm", "Compute", "pold", Kind.IAAS),
        },
    )
    result = parse_csv(
        "Supplier,Service,Kind,Used by,Certificate,Valid until\n"
        "Polder,Compute,iaas,Acme Payroll,ISO 27001,2028-01-01\n"
        "Polder,Storage,iaas,acme payroll,,\n",
        existing=existing,
    )
    assert errors(result) == []
    assert list(result.chain.services) == ["vm", "storage"]
    assert list(result.chain.dependencies) == [("payroll", "vm"), ("payroll", "storage")]
    assert result.chain.evidence["pold-iso27001-2028"].holder == "pold"


def _held(
    suppliers: dict[str, Supplier],
    services: dict[str, Service],
    **sections: Any,
) -> Chain:
    """A register holding Acme's payroll offering and what a test adds."""
    return Chain(
        offerings=("payroll",),
        suppliers={"acme": Supplier("acme", "Acme B.V."), **suppliers},
        services={"payroll": Service("payroll", "Acme Payroll", "acme", Kind.SAAS), **services},
        **sections,
    )


def _read_over(existing: Chain, text: str) -> Chain:
    """The chain a CSV register gives over ``existing``, read without an error."""
    result = parse_csv(text, existing=existing)
    assert errors(result) == []
    return result.chain


def test_rows_change_what_their_columns_say_and_keep_the_rest() -> None:
    """A row of a service the register holds changes the fields its file has columns for
    (an empty cell empties one) and keeps the others: the supplier's parent and other ids,
    the service's description where the file has no such column, the link's reason."""
    existing = _held(
        {
            "group": Supplier("group", "Polder Group"),
            "pold": Supplier("pold", "Polder", ids={"lei": "L1", "kvk": "1"}, parent="group"),
        },
        {"vm": Service("vm", "Compute", "pold", Kind.IAAS, ("NL",), description="VMs")},
        dependencies={
            ("payroll", "vm"): Dependency("payroll", "vm", relevant=False, reason="test only")
        },
    )
    chain = _read_over(
        existing,
        "Supplier,KvK number,Service,Kind,Locations,Used by,Role\n"
        "Polder,2,Compute,paas,,Acme Payroll,hosting\n",
    )
    assert chain.suppliers["pold"] == replace(
        existing.suppliers["pold"], ids={"lei": "L1", "kvk": "2"}
    )
    assert chain.services["vm"] == replace(existing.services["vm"], kind=Kind.PAAS, locations=())
    assert chain.dependencies[("payroll", "vm")] == replace(
        existing.dependencies[("payroll", "vm")], role="hosting"
    )


def test_a_piece_the_register_holds_keeps_what_the_rows_leave_out() -> None:
    """A row naming a report the register holds, in a file without its type, period or expiry
    columns, is read with the register's: no "fill column" error, and its other services
    stay covered. A row that makes the report a certificate makes it what the row says,
    without its former kind's bridge letter, exceptions or type."""
    report = Evidence(
        "rep",
        Scheme.SOC2,
        holder="pold",
        covers=("vm", "db"),
        type=2,
        period=DateRange(date(2025, 1, 1), date(2025, 12, 31)),
        bridge_letter=BridgeLetter(date(2026, 1, 1), date(2026, 3, 31)),
        exceptions=(ReportException("CC6.1", "late", None),),
    )
    certificate = Evidence(
        "iso", Scheme.ISO27001, holder="pold", covers=("db",), valid_until=date(2028, 1, 1)
    )
    existing = _held(
        {"pold": Supplier("pold", "Polder")},
        {
            "vm": Service("vm", "Compute", "pold", Kind.IAAS),
            "db": Service("db", "Database", "pold", Kind.PAAS),
        },
        evidence={"rep": report, "iso": certificate},
    )
    kept = _read_over(
        existing,
        "Supplier,Service,Kind,Certificate,Issuer,Certificate id\n"
        "Polder,Compute,iaas,SOC 2,Audit B.V.,rep\n"
        "Polder,Database,paas,ISO 27001,Cert B.V.,iso\n",
    )
    assert kept.evidence["rep"] == replace(report, issuer="Audit B.V.")
    assert kept.evidence["iso"] == replace(certificate, issuer="Cert B.V.")
    changed = _read_over(
        existing,
        "Supplier,Service,Kind,Certificate,Valid until,Certificate id\n"
        "Polder,Compute,iaas,ISO 27001,2027-01-01,rep\n",
    )
    assert changed.evidence["rep"] == Evidence(
        "rep", Scheme.ISO27001, holder="pold", covers=("vm",), valid_until=date(2027, 1, 1)
    )


def test_rows_of_one_certificate_cover_all_their_services() -> None:
    """Equal evidence cells without an id are one piece of evidence covering both rows."""
    result = parse_csv(
        "Supplier;Service;Kind;Certificate;Type;Period from;Period to\n"
        "AWS;EC2;iaas;SOC 2 Type II;;01-04-2025;31-03-2026\n"
        "AWS;S3;iaas;soc2;2;2025-04-01;2026-03-31\n"
    )
    assert errors(result) == []
    assert [(e.id, e.covers) for e in result.chain.evidence.values()] == [
        ("aws-soc2-2026", ("ec2", "s3"))
    ]


def test_a_result_with_errors_keeps_nothing() -> None:
    """All or nothing: one bad cell among good rows gives an empty chain."""
    result = parse_csv("Supplier,Service,Kind,Offering\nA,App,saas,yes\nB,Db,paas,perhaps\n")
    assert errors(result) == [
        "row 3, column 'Offering': 'perhaps' is not yes or no (write ja/nee or yes/no)"
    ]
    assert result.chain == Chain(offerings=())


# ---------------------------------------------------------------------------------------------
# Limits.


def test_oversized_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over the import limit is refused before it is read."""
    monkeypatch.setattr(register, "MAX_IMPORT_BYTES", 100)
    result = CSV_IMPORTER.parse(b"Supplier,Service,Kind\n" + b"a,b,saas\n" * 20, Source("x.csv"))
    assert errors(result) == ["the file has 202 bytes; at most 100 are read"]


def test_zip_bomb_is_refused_before_openpyxl_opens_it() -> None:
    """A workbook whose parts unpack to more than the bound is refused by its sizes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b" " * (1024 * 1024)
            for _ in range(register.MAX_UNPACKED_BYTES // len(chunk) + 1):
                part.write(chunk)
    data = out.getvalue()
    assert len(data) < 200_000
    result = XLSX_IMPORTER.parse(data, Source("bomb.xlsx"))
    [message] = errors(result)
    assert re.fullmatch(
        r"the workbook unpacks to [0-9,]+ bytes; at most 67,108,864 are read", message
    )


def _with_doctype(doctype: str, name: str) -> bytes:
    """A small register workbook whose sheet declares ``doctype`` and names a supplier ``name``."""
    book = Workbook()
    book.active.append(["Supplier", "Service", "Kind"])
    book.active.append(["Acme", "Mail", "saas"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.namelist():
            data = source.read(part)
            if part == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8").replace("Acme", name)
                declaration, mark, rest = text.partition("?>")
                text = f"{declaration}{mark}{doctype}{rest}" if mark else doctype + text
                data = text.encode("utf-8")
            target.writestr(part, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("doctype", "name"),
    [
        (
            '<!DOCTYPE x [<!ENTITY a "lol">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">' for i in range(8))
            + "]>",
            "&i;",
        ),
        ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_a_workbook_whose_xml_declares_entities_is_refused(doctype: str, name: str) -> None:
    """Entities inside a workbook's XML are refused unexpanded, with a message that says so."""
    result = XLSX_IMPORTER.parse(_with_doctype(doctype, name), Source("r.xlsx"))
    assert errors(result) == [
        "the workbook's XML declares entities (a DTD), which are refused: "
        "save the register again from a spreadsheet program"
    ]
    assert result.chain == Chain(offerings=())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old .xls workbook or a password-protected"),
        (b"Supplier,Service\n", "not an XLSX workbook"),
        (b"PK\x03\x04 not really a zip", "the workbook is damaged"),
    ],
)
def test_files_that_are_not_workbooks_are_refused_with_a_reason(data: bytes, message: str) -> None:
    """An .xls, a CSV and a broken zip each get a message that says what to do."""
    [error] = errors(XLSX_IMPORTER.parse(data, Source("r.xlsx")))
    assert message in error


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The row bound holds for CSV and XLSX."""
    monkeypatch.setattr(register.rows, "MAX_ROWS", 3)
    text = "Supplier,Service,Kind\n" + "a,b,saas\n" * 3
    assert errors(parse_csv(text)) == ["the register has more than 3 rows"]
    book = Workbook()
    for row in csv.reader(io.StringIO(text)):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    assert errors(XLSX_IMPORTER.parse(out.getvalue(), Source("r.xlsx"))) == [
        "sheet 'Sheet' has more than 3 rows"
    ]


# ---------------------------------------------------------------------------------------------
# Sniffing, the template, the exporter.


def test_sniff_recognises_registers() -> None:
    """A workbook by extension, a CSV by its heading row; another CSV format is left alone."""
    assert CSV_IMPORTER.sniff(b"Leverancier;Dienst;Soort\r\n", "export.txt")
    assert not CSV_IMPORTER.sniff(b"name,version\n", "sbom.txt")
    assert CSV_IMPORTER.sniff(b"Leverancier;Land;Soort\n", "leveranciers.CSV")
    assert not CSV_IMPORTER.sniff(b"c0010,c0020,c0030\n", "b_05.01.csv")
    assert not CSV_IMPORTER.sniff(b"PK\x03\x04", "register.csv")
    assert XLSX_IMPORTER.sniff(b"PK\x03\x04", "Register.xlsx")
    assert not XLSX_IMPORTER.sniff(b"Supplier", "register.xlsx")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_xlsx_template_has_frozen_headings_filters_and_lists(language: str) -> None:
    """The template a user downloads: headings, frozen top row, filter, widths, drop-downs;
    and importing it unfilled says to fill it."""
    data = template("xlsx", language)  # type: ignore[arg-type]
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    headings = [cell.value for cell in sheet[1]]
    assert headings == [column.heading(language) for column in REGISTER.columns]  # type: ignore[arg-type]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.column_dimensions["A"].width == REGISTER.columns[0].width
    lists = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    kind = headings.index("Kind" if language == "en" else "Soort")
    certificate = headings.index("Certificate" if language == "en" else "Certificaat")
    assert {f"{column_letter(kind)}2", f"{column_letter(certificate)}2"} <= lists
    result = XLSX_IMPORTER.parse(data, Source("template.xlsx"))
    assert errors(result) == [
        "the register has its heading row and no row under it; fill a row per service"
    ]


def test_csv_template_is_dutch_and_semicolon_separated() -> None:
    """The Dutch CSV template is what Dutch Excel opens in columns."""
    text = template("csv", "nl").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Leverancier;KvK-nummer;Land;Dienst;Soort;")


HOSTILE = '=HYPERLINK("http://evil.example","klik")'
EVIL = slug(HOSTILE)


def hostile_chain() -> Chain:
    """A chain whose names a spreadsheet would run as formulas."""
    return Chain(
        offerings=("app",),
        suppliers={EVIL: Supplier(EVIL, HOSTILE)},
        services={
            "app": Service("app", "+App", EVIL, Kind.SAAS, description="@SUM(1,2)"),
            "db": Service("db", "-Db", EVIL, Kind.PAAS),
        },
        dependencies={("app", "db"): Dependency("app", "db", role="=1+1")},
    )


def test_csv_export_neutralises_formulas_and_reads_back() -> None:
    """Every formula-like text leaves with a leading quote, and comes back without it."""
    data = export_register(hostile_chain(), "csv", "en")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + HOSTILE in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert CSV_IMPORTER.parse(data, Source("x.csv")).chain == hostile_chain()


def test_xlsx_export_neutralises_formulas_and_reads_back() -> None:
    """No cell of the exported workbook is a formula; the import gives the chain back."""
    data = export_register(hostile_chain(), "xlsx", "nl")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + HOSTILE in [cell.value for cell in cells]
    assert XLSX_IMPORTER.parse(data, Source("x.xlsx")).chain == hostile_chain()


def test_export_writes_a_row_per_certificate_and_per_consumer_group() -> None:
    """A service with two certificates and two kinds of consumer spans two rows."""
    golden = load_plain(expected("dutch"))
    rows = list(
        csv.reader(
            io.StringIO(export_register(golden, "csv", "nl").decode("utf-8-sig")), delimiter=";"
        )
    )
    noord = [row for row in rows if row[3].startswith("Noord AMS")]
    assert [(row[3], row[-1]) for row in noord] == [
        ("Noord AMS2 colocation", "noord-iso-27001"),
        ("Noord AMS3 colocation", "noord-iso-27001"),
    ]


# ---------------------------------------------------------------------------------------------
# Round trips: chain -> register -> chain, for chains within what the layout expresses.

_WORD = st.from_regex(r"[A-Z][a-zà-ü]{1,7}", fullmatch=True)
_NAME = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)
_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["hosting", '=HYPERLINK("x")', "+31 20 555", "-", "Café, e-mail; SMS"]),
)
_DAY = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
_ASSURANCE = [s for s in Scheme if s.scheme_class is SchemeClass.ASSURANCE_REPORT]


@st.composite
def register_chains(draw: st.DrawFn) -> Chain:
    """Chains a register can carry: ids made from unique names by the id rule, evidence ids
    that are already ids, links with a role and criticality only, offerings and covers in the
    register's row order."""
    names = draw(
        st.lists(_NAME, min_size=1, max_size=9, unique_by=lambda name: slug(name).split("-")[0])
    )
    supplier_count = draw(st.integers(1, min(3, len(names))))
    supplier_names, service_names = names[:supplier_count], names[supplier_count:]
    suppliers = {
        slug(name): Supplier(
            slug(name),
            name,
            country=draw(st.sampled_from([None, "NL", "DE", "US"])),
            ids=draw(st.sampled_from([{}, {"kvk": "01234567"}])),
        )
        for name in supplier_names
    }
    services: dict[str, Service] = {}
    owner = [draw(st.sampled_from(list(suppliers))) for _ in service_names]
    for supplier_id in suppliers:  # the register lists services by supplier
        for name, of in zip(service_names, owner, strict=True):
            if of == supplier_id:
                services[slug(name)] = Service(
                    slug(name),
                    name,
                    supplier_id,
                    draw(st.sampled_from(list(Kind))),
                    locations=tuple(
                        draw(st.lists(st.sampled_from(["NL", "DE", "IE"]), unique=True))
                    ),
                    personal_data=draw(st.booleans()),
                    description=draw(_TEXT),
                )
    ids = list(services)
    offerings = tuple(sid for sid in ids if draw(st.booleans()))
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), unique=True, max_size=5)
        if ids
        else st.just([])
    )
    dependencies = {
        (a, b): Dependency(a, b, role=draw(_TEXT), critical=draw(st.booleans()))
        for a, b in pairs
        if a != b
    }
    evidence: dict[str, Evidence] = {}
    for evidence_id in draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9-]{0,8}[0-9]", fullmatch=True), unique=True, max_size=3
        )
        if ids
        else st.just([])
    ):
        scheme = draw(st.sampled_from(list(Scheme)))
        report_type = draw(st.sampled_from([1, 2])) if scheme in _ASSURANCE else None
        start, end = sorted([draw(_DAY), draw(_DAY)])
        covered = set(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3)))
        period = DateRange(start, end) if report_type == 2 or draw(st.booleans()) else None
        as_of, issued = draw(st.none() | _DAY), draw(st.none() | _DAY)
        # a report is issued on or after what it reports on (chain-format.md, Validation)
        subject = end if report_type == 2 else as_of if report_type == 1 else None
        if issued is not None and subject is not None:
            issued = max(issued, subject)
        evidence[evidence_id] = Evidence(
            evidence_id,
            scheme,
            holder=draw(st.sampled_from(list(suppliers))),
            covers=tuple(sid for sid in ids if sid in covered),
            type=report_type,
            period=period,
            as_of=as_of,
            issued=issued,
            valid_until=draw(_DAY) if scheme in NEEDS_VALID_UNTIL else draw(st.none() | _DAY),
            issuer=draw(_TEXT),
            version=draw(st.none() | st.just("ISO/IEC 27001:2022")),
            scope=draw(_TEXT),
        )
    return Chain(
        offerings=offerings,
        suppliers=suppliers,
        services=services,
        dependencies=dependencies,
        evidence=evidence,
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["en", "nl"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=register_chains())
def test_register_round_trip_gives_the_same_chain(chain: Chain, fmt: str, language: str) -> None:
    """Export then import is the identity for chains within the layout, in both formats and
    both languages; a register without services has nothing to import and is refused."""
    data = export_register(chain, fmt, language)  # type: ignore[arg-type]
    importer = CSV_IMPORTER if fmt == "csv" else XLSX_IMPORTER
    result = importer.parse(data, Source(f"register.{fmt}"))
    if not chain.services:
        assert [issue.message.split(":")[0] for issue in result.issues] == [
            "the register names no service"
            if chain.suppliers
            else "the register has its heading row and no row under it; fill a row per service"
        ]
        return
    load_plain(  # the strategy makes valid chains
        dump_plain(replace(chain, offerings=chain.offerings or (next(iter(chain.services)),)))
    )
    assert result.issues == ()
    assert result.chain == chain


def test_a_register_of_suppliers_alone_says_what_it_holds() -> None:
    """A register that names no service is refused saying what its rows hold instead: only a
    heading row, or suppliers without services (the first three named)."""
    result = parse_csv("Supplier,Service,Kind\n")
    assert errors(result) == [
        "the register has its heading row and no row under it; fill a row per service"
    ]
    rows = "".join(f"Holding {n} B.V.,,\n" for n in range(4))
    result = parse_csv(f"Leverancier;Dienst;Soort\n{rows}".replace(",", ";"))
    assert errors(result) == [
        "the register names no service: its 4 rows name only 4 suppliers ('Holding 0 B.V.', "
        "'Holding 1 B.V.', 'Holding 2 B.V.', ...); fill the column 'Dienst'"
    ]
    assert result.chain == Chain(offerings=())
