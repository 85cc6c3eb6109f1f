"""The rules every import follows, whatever its format (importers.registry.run and detect):
library warnings caught, errors capped, warnings of one kind summarised, a file with nothing
usable refused, the empty file and the byte-order marks named, content before extension."""

from __future__ import annotations

import codecs
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graph.errors import UsageError
from graph.model import Chain, Evidence, Kind, Scheme, Service, Supplier
from importers.base import MAX_ERRORS, ImportFailed, ImportIssue, ImportResult, Source
from importers.register import CSV_IMPORTER, XLSX_IMPORTER, template
from importers.registry import IMPORTERS, choose, detect, get, run

VARIANTS = Path(__file__).resolve().parent / "data" / "variants" / "worksheet"
CYCLONEDX = Path(__file__).resolve().parent / "data" / "cyclonedx" / "ticker-1.4.json"

ONE_SERVICE = Chain(
    offerings=("app",),
    suppliers={"me": Supplier("me", "Me")},
    services={"app": Service("app", "App", "me", Kind.SAAS)},
)


@dataclass(frozen=True)
class Canned:
    """An importer that gives a set result, to show what the common run makes of it."""

    chain: Chain
    issues: tuple[ImportIssue, ...] = ()
    name: str = "canned"
    description: str = "a set result"
    seen: list[Source] = field(default_factory=list)

    def sniff(self, head: bytes, filename: str) -> bool:
        return False

    def parse(self, data: bytes, source: Source) -> ImportResult:
        self.seen.append(source)
        return ImportResult(self.chain, self.issues, filename=source.filename)


def shown(result: ImportResult) -> list[str]:
    return [f"{issue.severity}: {issue}" for issue in result.issues]


def test_an_openpyxl_warning_becomes_a_warning_of_the_import() -> None:
    """A workbook with an extension openpyxl does not know imports with the project's own
    warning, in words about the workbook; nothing reaches Python's warnings (stderr)."""
    data = (VARIANTS / "unknown-extension.xlsx").read_bytes()
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        result = run(XLSX_IMPORTER, data, Source("unknown-extension.xlsx"))
    assert leaked == []
    assert result.ok
    assert list(result.chain.services) == ["portal", "hosting"]
    assert shown(result) == [
        "warning: the workbook uses a spreadsheet feature this reader does not know (an "
        "unknown extension); the feature is left out and the cells are read as they are"
    ]


def test_a_library_warning_is_caught_every_time_not_only_the_first() -> None:
    """Python shows a warning once per place by default; an import catches it on every file."""
    data = (VARIANTS / "unknown-extension.xlsx").read_bytes()
    for _ in range(2):
        assert len(run(XLSX_IMPORTER, data, Source("x.xlsx")).warnings) == 1


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    """A register with 30 bad rows lists the first 20 errors and one line for the other 10."""
    rows = "".join(f"Cloud {n},Hosting {n},iaaas,,yes\n" for n in range(30))
    data = f"Supplier,Service,Kind,Used by,Offering\n{rows}".encode()
    assert sum(issue.severity == "error" for issue in CSV_IMPORTER.parse(data, Source()).issues)
    result = run(CSV_IMPORTER, data, Source("register.csv"))
    errors = [str(issue) for issue in result.issues if issue.severity == "error"]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[0].startswith("row 2, column 'Kind'")
    assert errors[-1] == "… and 10 more errors"


def test_many_warnings_of_one_kind_are_one_line() -> None:
    """Nine warnings of one kind are one line with their count and the first three; warnings
    without a kind, and a kind with few warnings, stay as they are, in their place."""
    issues = (
        ImportIssue("top", "alone", "warning"),
        *(
            ImportIssue(f"products[{n}]", f"'P{n}' matches no service", "warning", "no match")
            for n in range(9)
        ),
        ImportIssue("products[9]", "in process", "warning", "not authorized"),
    )
    result = run(Canned(ONE_SERVICE, issues), b"{}", Source("m.json"))
    assert shown(result) == [
        "warning: top: alone",
        "warning: 9 warnings of one kind (no match); the first 3: products[0]: 'P0' matches no "
        "service; products[1]: 'P1' matches no service; products[2]: 'P2' matches no service",
        "warning: products[9]: in process",
    ]


def test_an_issue_made_without_a_kind_still_works() -> None:
    """Importers that do not set ``kind`` keep working: their warnings are shown one by one."""
    issues = tuple(ImportIssue(f"row {n}", "odd", "warning") for n in range(8))
    assert len(run(Canned(ONE_SERVICE, issues), b"{}", Source()).warnings) == 8


def test_a_file_that_declares_no_service_is_refused() -> None:
    """A result without services or evidence is refused, saying what it did find."""
    only_suppliers = Chain(offerings=(), suppliers={"me": Supplier("me", "Me")})
    result = run(Canned(only_suppliers), b"{}", Source("catalog.yaml"))
    assert shown(result) == [
        "error: the file declares no service (only 1 supplier); there is nothing to import"
    ]
    result = run(Canned(Chain(offerings=())), b"{}", Source("catalog.yaml"))
    assert shown(result) == ["error: the file declares no service; there is nothing to import"]


def test_a_backstage_catalog_of_only_people_is_refused() -> None:
    """A Backstage catalog with kinds ketenkaart does not read imports nothing: refused."""
    data = (
        b"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: ann}\n"
        b"spec: {memberOf: []}\n"
    )
    result = run(get("backstage"), data, Source("catalog-info.yaml"))
    assert not result.ok


def test_evidence_alone_is_usable() -> None:
    """A result holding only evidence for services that exist elsewhere (FedRAMP data matched
    to the register) is not refused as empty."""
    evidence = Evidence("app-fedramp", Scheme.FEDRAMP, "me", ("app",))
    result = run(Canned(Chain(offerings=(), evidence={evidence.id: evidence})), b"{}", Source())
    assert result.ok, shown(result)


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_the_empty_file_and_the_byte_order_marks_are_named_for_every_format(name: str) -> None:
    """Before any format reads it: an empty file is empty, a doubled byte-order mark and
    UTF-32 are named for every format, and UTF-16 for every format but CSV (which reads it)."""
    importer = get(name)
    cases = {
        b"": "the file is empty",
        b"\xef\xbb\xbf \r\n\t": "the file is empty (it holds only white space)",
        codecs.BOM_UTF8 * 2 + b"x": "the file starts with two byte-order marks; save it again "
        "as UTF-8 (with one mark or none)",
        "x\n".encode("utf-32"): "the file is UTF-32 (it starts with a UTF-32 byte-order mark); "
        "save it as UTF-8",
    }
    if name != "csv":
        cases["x\n".encode("utf-16")] = (
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8"
        )
    for data, message in cases.items():
        assert shown(run(importer, data, Source("f"))) == [f"error: {message}"]
        with pytest.raises(ImportFailed) as refused:
            choose(data, "f", name)
        assert [str(issue) for issue in refused.value.issues] == [f"f: {message}"]


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("empty.csv", "the file is empty"),
        ("blank.yaml", "the file is empty (it holds only white space)"),
        ("two-boms.csv", "the file starts with two byte-order marks"),
        ("chain-utf16.yaml", "the file is UTF-16 (it starts with a UTF-16 byte-order mark)"),
    ],
)
def test_detection_names_the_empty_file_and_the_byte_order_mark(
    filename: str, message: str
) -> None:
    """An empty file, or one with two byte-order marks or in UTF-16, is said to be so, not
    "format not recognised" nor a parser's complaint."""
    with pytest.raises(ImportFailed, match=re.escape(message)):
        detect((VARIANTS / filename).read_bytes(), filename)


def test_a_csv_register_in_utf16_is_still_read() -> None:
    """Excel's "Unicode text" (UTF-16 with a byte-order mark) stays a register CSV."""
    data = "Supplier\tService\tKind\tUsed by\tOffering\nMe\tApp\tsaas\t\tyes\n".encode("utf-16")
    assert detect(data, "suppliers.csv") is CSV_IMPORTER
    assert list(run(CSV_IMPORTER, data, Source("suppliers.csv")).chain.services) == ["app"]


@pytest.mark.parametrize("filename", ["not-a-register.csv", "few-columns.csv"])
def test_a_csv_file_is_read_as_csv_without_format(filename: str) -> None:
    """A .csv file no format claims by its content is CSV by its extension, so the message
    says which register columns it lacks instead of asking for --format."""
    data = (VARIANTS / filename).read_bytes()
    assert detect(data, filename) is CSV_IMPORTER
    result = run(CSV_IMPORTER, data, Source(filename))
    assert "the register has no columns" in str(result.issues[0])


def test_a_csv_file_with_one_byte_order_mark_is_read() -> None:
    """One byte-order mark (Excel's "CSV UTF-8") is read as ever."""
    data = (VARIANTS / "bom.csv").read_bytes()
    assert detect(data, "bom.csv") is CSV_IMPORTER
    assert list(run(CSV_IMPORTER, data, Source("bom.csv")).chain.services) == ["portal", "hosting"]


def test_content_decides_before_the_extension() -> None:
    """A CycloneDX BOM saved as .txt, or a workbook uploaded without a name, is found by what
    it holds."""
    assert detect(CYCLONEDX.read_bytes(), "bom.txt").name == "cyclonedx"
    assert detect(template("xlsx", "en"), "upload") is XLSX_IMPORTER


def test_an_extension_with_several_formats_says_what_each_looks_for() -> None:
    """A .json file no format recognises names the formats a .json file may be and what each
    is recognised by; without a telling extension, it says that too."""
    with pytest.raises(UsageError) as unknown:
        detect(b'{"name": "x"}', "data.json")
    message = str(unknown.value)
    assert message.startswith("data.json: the format is not recognised: a .json file may be ")
    assert "cyclonedx ('bomFormat': 'CycloneDX'" in message
    assert message.endswith("name it with --format (one of: " + ", ".join(sorted(IMPORTERS)) + ")")
    with pytest.raises(UsageError, match="the name's extension does not say"):
        detect(b'{"name": "x"}', "request body")


def test_run_hands_the_source_to_the_importer_unchanged() -> None:
    """What the caller knows (the name, the chain joined, keep_internal) reaches the format."""
    canned = Canned(ONE_SERVICE)
    source = Source("sbom.json", existing=ONE_SERVICE, keep_internal=True)
    run(canned, b"{}", source)
    assert canned.seen == [source]
