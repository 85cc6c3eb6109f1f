"""The DORA register of information export: templates B_05.01 and B_05.02 (importers/dora.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from graph.build import build_graph
from graph.coverage import check
from graph.model import Chain, Kind, Supplier
from graph.scope import walk
from importers.chainfile import load_chain
from importers.dora import (
    B0501_COLUMNS,
    B0501_FILENAME,
    B0502_COLUMNS,
    B0502_FILENAME,
    ICT_SERVICE_TYPES,
    export_b0501,
    export_b0502,
    export_register,
    provider_code,
)
from tests.factories import AT, dep, make_chain, service, supplier

DATA = Path(__file__).parent / "data" / "dora"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
TEMPLATE = CORPUS / "dora-roi" / "EBA_XLS_Master_Template_DORA_RoI_dryrun_unprotected.xlsx"


def rows(data: bytes) -> list[dict[str, str]]:
    """The CSV's rows as dicts by column code."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def header(data: bytes) -> list[str]:
    """The CSV's header row."""
    return next(csv.reader(io.StringIO(data.decode("utf-8"))))


def small() -> Chain:
    return load_chain((DATA / "small.yaml").read_bytes(), filename="small.yaml")


def three_levels() -> Chain:
    """app -> k8s -> vm -> dc, plus app -> vm (vm is rank 1 as well as rank 2)."""
    return make_chain(
        services=[
            service("app"),
            service("k8s", supplier="hostco", kind=Kind.PAAS),
            service("vm", supplier="iaasco", kind=Kind.IAAS),
            service("dc", supplier="dcco", kind=Kind.IAAS),
        ],
        suppliers=[
            supplier("hostco", ids={"lei": "529900BBBBBBBBBBBB02"}, country="DE"),
            supplier("iaasco", ids={"lei": "529900CCCCCCCCCCCC03"}, country="IE"),
            supplier("dcco", ids={"lei": "529900DDDDDDDDDDDD04"}, country="NL"),
        ],
        dependencies=[
            dep("app", "k8s", contract="K-1"),
            dep("app", "vm", contract="K-2"),
            dep("k8s", "vm"),
            dep("vm", "dc"),
        ],
    )


# --- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [B0501_FILENAME, B0502_FILENAME])
def test_small_chain_matches_the_golden_csv(name: str) -> None:
    """The small chain's templates are byte for byte the CSV files written down beside it."""
    assert export_register(small()).files[name] == (DATA / f"small.{name}").read_bytes()


def test_small_chain_warns_about_everything_the_register_lacks() -> None:
    """The warnings name each missing LEI, country, service type, the internal link and costs."""
    expected = json.loads((DATA / "small.expected.json").read_text(encoding="utf-8"))
    got = [{"where": w.where, "message": w.message} for w in export_register(small()).warnings]
    assert got == expected["warnings"]
    assert all(w.severity == "warning" for w in export_register(small()).warnings)


def test_single_exports_are_the_register_files() -> None:
    """export_b0501 and export_b0502 give the same bytes as export_register."""
    chain = small()
    register = export_register(chain)
    assert export_b0501(chain) == register.files[B0501_FILENAME]
    assert export_b0502(chain) == register.files[B0502_FILENAME]


def test_zip_holds_both_templates_and_is_the_same_every_time() -> None:
    """The zip of the register has both CSV files and identical bytes on every call."""
    register = export_register(small())
    archive = zipfile.ZipFile(io.BytesIO(register.to_zip()))
    assert archive.namelist() == [B0501_FILENAME, B0502_FILENAME]
    assert archive.read(B0502_FILENAME) == register.files[B0502_FILENAME]
    assert register.to_zip() == export_register(small()).to_zip()


# --- the EBA template ------------------------------------------------------------------------


def _template_sheet(name: str) -> tuple[list[str], list[str]]:
    """Row 4 (the column codes) and row 5 (the names) of a sheet of the EBA template."""
    if not TEMPLATE.is_file():
        pytest.skip(f"../shared/corpus is not here: {TEMPLATE} is needed to compare the headers")
    sheet = load_workbook(TEMPLATE, read_only=True)[name]
    codes, names = (
        [c for c in row if c is not None]
        for row in sheet.iter_rows(min_row=4, max_row=5, values_only=True)
    )
    return [str(c) for c in codes], [str(n) for n in names]


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


@pytest.mark.parametrize(
    ("sheet", "columns", "filename"),
    [("b_05.01", B0501_COLUMNS, B0501_FILENAME), ("b_05.02", B0502_COLUMNS, B0502_FILENAME)],
)
def test_headers_are_the_column_codes_of_the_eba_template(
    sheet: str, columns: tuple[tuple[str, str], ...], filename: str
) -> None:
    """The CSV header is exactly the template's column codes, and our names are its names."""
    codes, names = _template_sheet(sheet)
    assert header(export_register(small()).files[filename]) == codes
    assert [_normal(name) for _, name in columns] == [_normal(n) for n in names]


def test_ict_service_types_are_the_template_list() -> None:
    """The types of ICT services are the template's Annex III drop-down, code and name."""
    if not TEMPLATE.is_file():
        pytest.skip(f"../shared/corpus is not here: {TEMPLATE} is needed for the drop-down")
    sheet = load_workbook(TEMPLATE, read_only=True)["Drop down"]
    columns = list(sheet.iter_rows(min_col=7, max_col=8, min_row=2, values_only=True))
    listed = {str(code).removeprefix("eba_TA:"): str(name) for code, name in columns if code}
    assert listed == dict(ICT_SERVICE_TYPES)


# --- ranks -----------------------------------------------------------------------------------


def test_ranks_follow_verdicts_md_on_three_levels() -> None:
    """Rank 1 for the offering's direct providers, 2 for theirs, 3 below; recipients at n-1."""
    got = [
        (r["b_05.02.0030"], r["b_05.02.0050"], r["b_05.02.0060"], r["b_05.02.0010"])
        for r in rows(export_b0502(three_levels()))
    ]
    assert got == [
        ("529900BBBBBBBBBBBB02", "1", "", "K-1"),  # app -> k8s
        ("529900CCCCCCCCCCCC03", "1", "", "K-2"),  # app -> vm
        ("529900CCCCCCCCCCCC03", "2", "529900BBBBBBBBBBBB02", "K-1"),  # k8s -> vm
        ("529900DDDDDDDDDDDD04", "2", "529900CCCCCCCCCCCC03", "K-2"),  # vm -> dc, via app -> vm
    ]


def test_ranks_are_the_check_results_ranks() -> None:
    """Every row's rank is the rank check() gave the link between those two suppliers."""
    chain = three_levels()
    result = check(chain, at=AT)
    by_code = {
        provider_code(chain.suppliers[chain.services[sid].supplier]).code: sid
        for sid in chain.services
    }
    for row in rows(export_b0502(chain, result)):
        provider = by_code[row["b_05.02.0030"]]
        ranks = {link.rank for link in result.links if link.provider == provider}
        assert int(row["b_05.02.0050"]) in ranks


def test_a_check_result_the_walk_or_nothing_give_the_same_register() -> None:
    """The links may come from a check result, from the walk, or be walked here: same bytes."""
    chain = small()
    walked = walk(build_graph(chain), offerings=chain.offerings)
    expected = export_register(chain).files
    assert export_register(chain, check(chain, at=AT)).files == expected
    assert export_register(chain, walked).files == expected


def test_a_check_result_of_another_chain_is_refused() -> None:
    """Links that are no dependency of the chain given raise an error naming the link."""
    result = check(three_levels(), at=AT)
    with pytest.raises(ValueError, match="app -> k8s"):
        export_b0502(small(), result)


def test_a_chain_with_an_offering_only_has_empty_templates() -> None:
    """No links: only the headers, and no warning about costs."""
    chain = make_chain(services=[service("app")])
    register = export_register(chain)
    assert rows(register.files[B0501_FILENAME]) == []
    assert rows(register.files[B0502_FILENAME]) == []
    assert register.warnings == ()


def test_links_into_one_provider_under_one_contract_give_one_row() -> None:
    """Two links that give the same row are listed once."""
    chain = make_chain(
        services=[
            service("app"),
            service("api", supplier="host", kind=Kind.PAAS),
            service("db", supplier="host", kind=Kind.PAAS),
            service("dc", supplier="dcco", kind=Kind.IAAS),
        ],
        dependencies=[
            dep("app", "api", contract="K"),
            dep("app", "db", contract="K"),
            dep("api", "dc"),
            dep("db", "dc"),
        ],
    )
    got = [(r["b_05.02.0030"], r["b_05.02.0050"]) for r in rows(export_b0502(chain))]
    assert got == [("host", "1"), ("dcco", "2")]


# --- codes and warnings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "country", "expected"),
    [
        ({"lei": "529900T8BM49AURSDO55", "kvk": "1"}, "NL", ("529900T8BM49AURSDO55", "LEI")),
        ({"euid": "NLNHR.12345678", "kvk": "12345678"}, "NL", ("NLNHR.12345678", "NL_CRN")),
        ({"kvk": "12345678", "vat": "NL1B01"}, "NL", ("12345678", "NL_CRN")),
        ({"vat": "FR40303265045"}, "FR", ("FR40303265045", "FR_VAT")),
        ({"vat": "EL094014201"}, "GR", ("EL094014201", "GR_VAT")),
        ({"vat": "123456"}, "DE", ("123456", "DE_VAT")),
        ({}, "DE", ("x", "")),
    ],
)
def test_provider_code_prefers_lei_then_euid_then_kvk_then_vat(
    ids: dict[str, str], country: str, expected: tuple[str, str]
) -> None:
    """The code of a supplier is its LEI, else EUID, else KvK, else VAT, else its chain id."""
    assert tuple(provider_code(Supplier(id="x", name="X", country=country, ids=ids))) == expected


def test_missing_contract_reference_is_a_warning_naming_the_link() -> None:
    """A direct link without a contract leaves b_05.02.0010 empty and says where."""
    chain = make_chain(
        services=[service("app"), service("db", supplier="dbco")],
        dependencies=[dep("app", "db")],
    )
    register = export_register(chain)
    assert rows(register.files[B0502_FILENAME])[0]["b_05.02.0010"] == ""
    assert "dependencies[app -> db].contract" in [w.where for w in register.warnings]


def test_stated_service_type_wins_over_the_kind_and_a_wrong_one_is_reported() -> None:
    """x-dora-ict-service on the dependency sets the type; an unknown code is a warning."""
    chain = make_chain(
        services=[
            service("app"),
            service("mail", supplier="mailco", extra={"x-dora-ict-service": "S99"}),
            service("siem", supplier="secco"),
        ],
        dependencies=[
            dep("app", "mail", contract="K"),
            dep("app", "siem", contract="L", extra={"x-dora-ict-service": "eba_TA:s04"}),
        ],
    )
    register = export_register(chain)
    types = {r["b_05.02.0030"]: r["b_05.02.0020"] for r in rows(register.files[B0502_FILENAME])}
    assert types == {"mailco": "eba_TA:S19", "secco": "eba_TA:S04"}
    assert "services[mail].x-dora-ict-service" in [w.where for w in register.warnings]


def test_ultimate_parent_is_found_up_the_parent_links() -> None:
    """b_05.01.0080 names the top of the parent links, not the direct parent."""
    chain = make_chain(
        services=[service("app"), service("db", supplier="sub")],
        suppliers=[
            supplier("sub", parent="mid", ids={"lei": "L-SUB"}),
            supplier("mid", parent="top", ids={"lei": "L-MID"}),
            supplier("top", ids={"lei": "L-TOP"}),
        ],
        dependencies=[dep("app", "db", contract="K")],
    )
    (row,) = rows(export_b0501(chain))
    assert (row["b_05.01.0080"], row["b_05.01.0090"]) == ("L-TOP", "LEI")


def test_suppliers_sharing_a_code_are_reported() -> None:
    """Two suppliers with one LEI give a warning on b_05.01.0010."""
    chain = make_chain(
        services=[service("app"), service("a", supplier="x"), service("b", supplier="y")],
        suppliers=[supplier("x", ids={"lei": "SAME"}), supplier("y", ids={"lei": "SAME"})],
        dependencies=[dep("app", "a", contract="K"), dep("app", "b", contract="L")],
    )
    warnings = [w for w in export_register(chain).warnings if w.where == "b_05.01.0010"]
    assert len(warnings) == 1
    assert "'x', 'y'" in warnings[0].message


# --- formula injection -----------------------------------------------------------------------


def test_formula_injection_is_neutralised_in_both_templates() -> None:
    """A supplier, code or contract that starts like a formula is text with a leading quote."""
    evil = '=HYPERLINK("http://x","y")'
    chain = make_chain(
        services=[service("app"), service("db", supplier="dbco")],
        suppliers=[supplier("dbco", name=evil, ids={"lei": "+1234"}, country="NL")],
        dependencies=[dep("app", "db", contract="@SUM(A1)")],
    )
    register = export_register(chain)
    (b0501,) = rows(register.files[B0501_FILENAME])
    (b0502,) = rows(register.files[B0502_FILENAME])
    assert b0501["b_05.01.0030"] == "'" + evil
    assert b0501["b_05.01.0010"] == "'+1234"
    assert b0502["b_05.02.0010"] == "'@SUM(A1)"
    assert b0502["b_05.02.0030"] == "'+1234"
    for data in register.files.values():
        for row in csv.reader(io.StringIO(data.decode("utf-8"))):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
