"""`ketenkaart import`, `ketenkaart export` and the check as a worksheet, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from app.cli import main
from importers.chainfile import dump_plain, load_chain

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "importers" / "data"
DEMO = ROOT / "examples" / "demo-chain.yaml"
FEDRAMP_REGISTER = DATA / "fedramp" / "register.yaml"

GOLDEN = sorted(
    path
    for folder in ("backstage", "cyclonedx", "fedramp", "oscal", "register")
    for path in (DATA / folder).iterdir()
    if path.is_file()
    and not path.name.endswith(".expected.json")
    and path != FEDRAMP_REGISTER
    and (DATA / folder / f"{path.stem}.expected.json").is_file()
)

OWN = """\
ketenkaart: 1
offerings: [portal]
suppliers:
  - {id: me, name: Me B.V.}
services:
  - {id: portal, name: Portal, supplier: me, kind: saas}
"""

REGISTER_CSV = (
    "Supplier,Service,Kind,Used by,Offering\n"
    "Me B.V.,Portal,saas,,yes\n"
    "Cloud Ltd,Hosting,iaas,Portal,\n"
)


HOSTILE = """\
ketenkaart: 1
offerings: [portal]
suppliers:
  - {id: me, name: Me B.V.}
  - {id: evil, name: "=HYPERLINK(\\"http://evil.example\\")"}
services:
  - {id: portal, name: Portal, supplier: me, kind: saas}
  - {id: host, name: "@SUM(1+1)", supplier: evil, kind: iaas}
dependencies:
  - {from: portal, to: host}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _expected(path: Path) -> dict[str, object]:
    loaded = json.loads((path.parent / f"{path.stem}.expected.json").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: str(p.relative_to(DATA)))
def test_import_of_a_golden_file_prints_its_expected_chain(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    """Each golden file, its format found from the file, gives its expected chain on stdout
    (FedRAMP data against the register it is matched to); a file with errors exits 2, lists
    every error with its place and prints nothing."""
    expected = _expected(path)
    extra = ["--existing", str(FEDRAMP_REGISTER)] if path.parent.name == "fedramp" else []
    code, out, err = run(capsys, "import", str(path), *extra)
    chain = expected["chain"] if "issues" in expected else expected
    issues: list[dict[str, str]] = expected.get("issues", [])  # type: ignore[assignment]
    errors = [issue for issue in issues if issue["severity"] == "error"]
    if errors:
        assert code == 2
        assert out == ""
        for issue in errors:
            assert f"{path}: {issue['where']}: {issue['message']}" in err
        return
    assert code == 0, err
    assert yaml.safe_load(out) == chain
    if "issues" in expected:  # the other formats' golden files do not list their warnings
        assert err.count(": warning: ") == len(issues)


def test_import_with_a_named_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--format reads a file whose name says nothing; a wrong --format is a usage error."""
    odd = tmp_path / "export.dat"
    odd.write_text(REGISTER_CSV, encoding="utf-8")
    code, out, _ = run(capsys, "import", str(odd), "--format", "csv")
    assert code == 0
    assert load_chain(out.encode()).offerings == ("portal",)
    code, out, err = run(capsys, "import", str(odd), "--format", "spdx")
    assert (code, out) == (2, "")
    assert "no format called 'spdx'" in err


def test_an_unrecognised_file_asks_for_the_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A file no importer recognises exits 2 and says to name the format."""
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(notes))
    assert (code, out) == (2, "")
    assert "name it with --format" in err


def test_import_into_merges_and_adds_the_offerings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--into merges the file's entities into the chain file and rewrites it; the chain file's
    offerings stay first, new ones are added, and it still validates."""
    target = tmp_path / "chain.yaml"
    target.write_text(OWN, encoding="utf-8")
    bom = DATA / "cyclonedx" / "ticker-1.4.json"
    code, out, err = run(capsys, "import", str(bom), "--into", str(target))
    assert code == 0, err
    assert "new services" in out
    merged = load_chain(target.read_bytes())
    expected = _expected(bom)
    assert merged.offerings == ("portal", *expected["offerings"])  # type: ignore[misc]
    assert {"portal"} | {s["id"] for s in expected["services"]} == set(merged.services)  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_import_into_is_all_or_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file with an error, or one that conflicts with the chain file, leaves the chain file
    byte for byte as it was."""
    target = tmp_path / "chain.yaml"
    target.write_text(OWN, encoding="utf-8")
    before = target.read_bytes()
    bad = tmp_path / "register.csv"
    bad.write_text(REGISTER_CSV.replace("iaas", "iaaas"), encoding="utf-8")
    code, out, err = run(capsys, "import", str(bad), "--into", str(target))
    assert (code, out) == (2, "")
    assert f"{bad}: row 3, column 'Kind'" in err
    conflicting = tmp_path / "other.csv"
    conflicting.write_text(REGISTER_CSV.replace("Portal,saas", "Portal,paas"), encoding="utf-8")
    code, out, err = run(capsys, "import", str(conflicting), "--into", str(target))
    assert (code, out) == (2, "")
    assert "conflicts" in err
    assert target.read_bytes() == before
    assert set(tmp_path.iterdir()) == {target, bad, conflicting}  # no temporary file left


def test_fedramp_data_is_matched_against_the_into_chain(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """FedRAMP data imported --into a register adds evidence for that register's services."""
    target = tmp_path / "register.yaml"
    target.write_bytes(FEDRAMP_REGISTER.read_bytes())
    data = DATA / "fedramp" / "products-export.json"
    code, _, err = run(capsys, "import", str(data), "--into", str(target))
    assert code == 0, err
    expected = _expected(data)["chain"]
    merged = load_chain(target.read_bytes())
    assert {e["id"] for e in expected["evidence"]} <= set(merged.evidence)  # type: ignore[index]


def test_export_cyclonedx_reads_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A chain exported as CycloneDX imports back to the same services and links."""
    out_file = tmp_path / "demo.cdx.json"
    code, out, _ = run(
        capsys, "export", str(DEMO), "--format", "cyclonedx", "--output", str(out_file)
    )
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "import", str(out_file))
    assert code == 0
    back, demo = load_chain(out.encode()), load_chain(DEMO.read_bytes())
    assert set(back.services) == set(demo.services)
    assert set(back.dependencies) == set(demo.dependencies)


@pytest.mark.parametrize(("fmt", "language"), [("register-csv", "nl"), ("register-xlsx", "en")])
def test_export_register_reads_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, language: str
) -> None:
    """A supplier register written by export imports back with the same services."""
    out_file = tmp_path / f"register.{fmt.removeprefix('register-')}"
    code, _, _ = run(
        capsys,
        "export",
        str(DEMO),
        "--format",
        fmt,
        "--language",
        language,
        "--output",
        str(out_file),
    )
    assert code == 0
    code, out, err = run(capsys, "import", str(out_file))
    assert code == 0, err
    assert {s.name for s in load_chain(out.encode()).services.values()} == {
        s.name for s in load_chain(DEMO.read_bytes()).services.values()
    }


def test_export_dora_writes_a_zip_and_warns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """DORA's register is a zip of B_05.01 and B_05.02; what the chain lacks is on stderr."""
    out_file = tmp_path / "dora.zip"
    code, out, err = run(capsys, "export", str(DEMO), "--format", "dora", "--output", str(out_file))
    assert (code, out) == (0, "")
    with zipfile.ZipFile(out_file) as archive:
        names = archive.namelist()
        links = archive.read(next(n for n in names if "05.02" in n)).decode("utf-8-sig")
    assert len(names) == 2
    assert len(list(csv.reader(io.StringIO(links)))) > 1
    assert "dora: warning: " in err


def test_export_of_a_binary_format_to_a_terminal_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workbook or zip is not written to a terminal: exit 2, pointing at --output."""
    import sys  # noqa: PLC0415

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, _, err = run(capsys, "export", str(DEMO), "--format", "register-xlsx")
    assert code == 2
    assert "--output" in err


def test_check_as_a_worksheet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """check --format xlsx --output writes the auditor's workbook, keeps the exit code of the
    verdict, and refuses to run without --output."""
    book = tmp_path / "check.xlsx"
    code, out, _ = run(
        capsys, "check", str(DEMO), "--at", "2026-11-27", "--format", "xlsx", "--output", str(book)
    )
    assert (code, out) == (1, "")
    opened = load_workbook(book, read_only=True)
    assert opened.sheetnames[:2] == ["Links", "Findings"]
    # under the profile it checked by: until when each piece counts, as the report page says
    links = list(opened["Links"].iter_rows(values_only=True))
    basis = links[0].index("Basis")
    assert any("counts until" in (row[basis] or "") for row in links[1:])
    pieces = list(opened["Evidence"].iter_rows(values_only=True))
    until = {row[0]: row[pieces[0].index("Counts until")] for row in pieces[1:]}
    assert until["stratus-isae3402-pg"].date() == date(2026, 12, 30)  # its bridge letter's end
    assert until["stratus-soc2-2026"].date() == date(2027, 9, 30)  # period end + 12 months
    assert until["renderpeak-fedramp"] is None  # an authorisation without an end date
    code, out, err = run(capsys, "check", str(DEMO), "--format", "xlsx")
    assert (code, out) == (2, "")
    assert "--output" in err


def test_check_links_as_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """check --format csv prints one row per link (or writes them with --output)."""
    code, out, _ = run(capsys, "check", str(DEMO), "--at", "2026-11-27", "--format", "csv")
    assert code == 1
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["Rank", "From", "From name"]
    assert len(rows) == 1 + len(load_chain(DEMO.read_bytes()).dependencies)
    target = tmp_path / "links.csv"
    run(
        capsys, "check", str(DEMO), "--at", "2026-11-27", "--format", "csv", "--output", str(target)
    )
    assert target.read_bytes().decode("utf-8") == out


def test_formula_injection_is_neutralised_in_downloads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A name that starts like a formula reaches the register CSV and XLSX and the worksheet as
    text with a leading quote, never as a formula."""
    chain = tmp_path / "chain.yaml"
    chain.write_text(HOSTILE, "utf-8")
    register_csv, register_xlsx, sheet = (
        tmp_path / "r.csv",
        tmp_path / "r.xlsx",
        tmp_path / "w.xlsx",
    )
    for fmt, target in (("register-csv", register_csv), ("register-xlsx", register_xlsx)):
        assert run(capsys, "export", str(chain), "--format", fmt, "--output", str(target))[0] == 0
    run(capsys, "check", str(chain), "--format", "xlsx", "--output", str(sheet))
    text = register_csv.read_text("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "'@SUM" in text
    for book in (register_xlsx, sheet):
        cells = [
            cell
            for sheet_ in load_workbook(book).worksheets
            for row in sheet_.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str) and ("HYPERLINK" in cell or "SUM(" in cell)
        ]
        assert cells
        assert any(cell.startswith(("'=", "'@")) for cell in cells)
        assert not any(cell.startswith(("=", "@", "+", "-")) for cell in cells)


def test_a_file_over_the_limit_is_refused_unread(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file larger than the import bound exits 2 and is not read whole."""
    import importers.base  # noqa: PLC0415
    import importers.chainfile  # noqa: PLC0415

    monkeypatch.setattr(importers.base, "MAX_IMPORT_BYTES", 100)
    monkeypatch.setattr("app.cli.MAX_CHAIN_BYTES", 100)
    big = tmp_path / "big.csv"
    big.write_text(REGISTER_CSV * 10, encoding="utf-8")
    code, out, err = run(capsys, "import", str(big))
    assert (code, out) == (2, "")
    assert "larger than the limit of 100 bytes" in err


def test_demo_round_trip_through_a_chain_import(capsys: pytest.CaptureFixture[str]) -> None:
    """A chain file imported as a chain file comes out as the same chain."""
    code, out, _ = run(capsys, "import", str(DEMO))
    assert code == 0
    assert dump_plain(load_chain(out.encode())) == dump_plain(load_chain(DEMO.read_bytes()))
