"""`ketenkaart import` as a user runs it, whatever the format: what it prints is a chain that
`ketenkaart check` accepts, its stderr names the file on every line, errors are capped, and
--keep-internal reaches the format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.cli import main
from importers import registry
from importers.base import Importer, ImportResult, Source

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "importers" / "data"
VARIANTS = DATA / "variants" / "worksheet"

BASE = """\
ketenkaart: 1
offerings: [base-portal]
suppliers:
  - {id: base-me, name: Base Me B.V.}
services:
  - {id: base-portal, name: Base Portal, supplier: base-me, kind: saas}
"""


def _imports_cleanly(path: Path) -> bool:
    """Whether a golden file's expected result has no error (those exit 2 on import)."""
    expected = path.parent / f"{path.stem}.expected.json"
    if not expected.is_file():
        return False
    loaded = json.loads(expected.read_text("utf-8"))
    return not any(issue["severity"] == "error" for issue in loaded.get("issues", []))


IMPORTABLE = sorted(
    path
    for folder in ("backstage", "cyclonedx", "oscal", "register")
    for path in (DATA / folder).iterdir()
    if path.is_file() and not path.name.endswith(".expected.json") and _imports_cleanly(path)
) + [VARIANTS / name for name in ("bom.csv", "no-offering.csv", "unknown-extension.xlsx")]
"""Every format's test files that import without error, and the worksheet variants that do."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path, out: str) -> None:
    """`check` judges the printed chain (exit 0 or 1, never 2) alone and after another file."""
    printed = tmp_path / "imported.yaml"
    printed.write_text(out, encoding="utf-8")
    base = tmp_path / "base.yaml"
    base.write_text(BASE, encoding="utf-8")
    for files in ([printed], [base, printed]):
        code, _, err = run(capsys, "check", *map(str, files))
        assert code in (0, 1), err


@pytest.mark.parametrize("path", IMPORTABLE, ids=lambda p: str(p.relative_to(DATA)))
def test_what_import_prints_is_checked_alone_and_as_a_later_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    """The chain an import prints is one `check` judges (exit 0 or 1, never 2), on its own and
    after another chain file."""
    code, out, err = run(capsys, "import", str(path))
    assert code == 0, err
    assert_checked(capsys, tmp_path, out)


OTHER_VARIANTS = sorted(
    path
    for path in (DATA / "variants").glob("*/*")
    if path.parent.name not in ("worksheet", "fedramp")
    and path.suffix in (".json", ".xml", ".yaml", ".yml", ".csv", ".xlsx")
    and not path.name.endswith(".expected.json")
)
"""The other formats' variants (FedRAMP data is evidence for a chain given with --existing)."""


@pytest.mark.parametrize("path", OTHER_VARIANTS, ids=lambda p: str(p.relative_to(DATA)))
def test_a_variant_is_refused_or_printed_as_a_chain_check_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    """Each variant file of the other formats either is refused (exit 2, nothing printed) or
    prints a chain that `check` judges alone and after another chain file."""
    code, out, err = run(capsys, "import", str(path))
    if code == 2:
        assert out == ""
        assert err.startswith(f"{path}: ")
        return
    assert code == 0, err
    assert_checked(capsys, tmp_path, out)


def test_a_file_naming_no_offering_gets_the_services_nothing_relies_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A register that marks no offering prints the services no other service of it relies on
    as the offerings (ADR 32), in the register's order, and says so."""
    path = VARIANTS / "no-offering.csv"
    code, out, err = run(capsys, "import", str(path))
    assert code == 0, err
    assert yaml.safe_load(out)["offerings"] == ["portal", "admin"]
    assert err == (
        f"{path}: warning: the file names no offering; the services nothing else in it relies "
        "on are written as the offerings: portal, admin\n"
    )


def test_merging_keeps_the_offerings_the_file_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--into adds no chosen offerings: the chain file's own offerings are the ones audited."""
    target = tmp_path / "chain.yaml"
    target.write_text(BASE, encoding="utf-8")
    code, _, err = run(capsys, "import", str(VARIANTS / "no-offering.csv"), "--into", str(target))
    assert code == 0, err
    assert yaml.safe_load(target.read_text("utf-8"))["offerings"] == ["base-portal"]


def test_a_library_warning_is_a_line_naming_the_file() -> None:
    """openpyxl's warning about an unknown extension reaches stderr only as ketenkaart's own
    warning, on a line that starts with the file's name (a process of its own, as a user runs
    it, where Python would print the library's warning with its source path)."""
    path = VARIANTS / "unknown-extension.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"{path}: warning: the workbook uses a spreadsheet feature this reader does not know "
        "(an unknown extension); the feature is left out and the cells are read as they are"
    ]


def test_errors_are_capped_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """30 bad rows give 20 error lines and one counting the rest, each naming the file."""
    bad = tmp_path / "register.csv"
    rows = "".join(f"Cloud {n},Hosting {n},iaaas,,yes\n" for n in range(30))
    bad.write_text(f"Supplier,Service,Kind,Used by,Offering\n{rows}", encoding="utf-8")
    code, out, err = run(capsys, "import", str(bad))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 21
    assert all(line.startswith(f"{bad}: ") for line in lines)
    assert lines[-1] == f"{bad}: … and 10 more errors"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "the file is empty"),
        ("blank.yaml", "the file is empty (it holds only white space)"),
        ("two-boms.csv", "the file starts with two byte-order marks; save it again as UTF-8"),
        ("chain-utf16.yaml", "the file is UTF-16 (it starts with a UTF-16 byte-order mark); "),
        ("not-a-register.csv", "row 1: the register has no columns 'Supplier'"),
        ("few-columns.csv", "row 1: the register has no columns 'Service'"),
    ],
)
def test_a_file_that_is_not_importable_says_why(
    capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    """Without --format: an empty file is empty, a byte-order mark is named, and a .csv file
    that is not a register is read as CSV and lacks the register's columns."""
    path = VARIANTS / name
    code, out, err = run(capsys, "import", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}: {message}")


def test_keep_internal_reaches_the_format(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--keep-internal sets Source.keep_internal for the format; without it, it is off; the
    help says what it does."""
    seen: list[Source] = []
    real = registry.run

    def spy(importer: Importer, data: bytes, source: Source) -> ImportResult:
        seen.append(source)
        return real(importer, data, source)

    monkeypatch.setattr(registry, "run", spy)
    bom = str(DATA / "cyclonedx" / "ticker-1.4.json")
    assert run(capsys, "import", bom)[0] == 0
    assert run(capsys, "import", bom, "--keep-internal")[0] == 0
    assert [source.keep_internal for source in seen] == [False, True]
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "keep a provider's own internal components as links (by default" in shown
