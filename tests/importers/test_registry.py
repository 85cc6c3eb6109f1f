"""The format table: every importer in it, and each golden file found as its own format."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import UsageError
from graph.model import Chain, Kind, Service, Supplier
from importers import backstage, chainfile_importer, cyclonedx, fedramp, oscal
from importers.base import Source
from importers.formats import BINARY_FORMATS, EXPORT_FORMATS, IMPORT_FORMATS
from importers.register import CSV_IMPORTER, XLSX_IMPORTER
from importers.registry import IMPORTERS, SNIFF_BYTES, detect, export, get, names

DATA = Path(__file__).resolve().parent / "data"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

GOLDEN = sorted(
    path
    for path in DATA.rglob("*")
    if path.is_file()
    and not path.name.endswith(".expected.json")
    and path.relative_to(DATA).parts[0] != "variants"
)
"""Every golden input, and the chain files and DORA outputs that sit beside them (the variants
of ``data/variants`` are odd on purpose; their own tests say what becomes of them)."""

EXPECTED_FORMAT = {
    "backstage": "backstage",
    "cyclonedx": "cyclonedx",
    "oscal": "oscal",
    "fedramp": "fedramp",
    "register": "csv",
}


def _expected(path: Path) -> str | None:
    """The format a golden file is in: its folder's, except chain files (the DORA case and the
    FedRAMP register) and DORA's CSV templates, which no importer reads."""
    if path.suffix == ".yaml" and b"\nketenkaart: 1\n" in b"\n" + path.read_bytes():
        return "chain"
    if path.parent.name == "dora":
        return None
    folder = path.relative_to(DATA).parts[0]
    return EXPECTED_FORMAT[folder]


def test_the_table_holds_every_module_instance() -> None:
    """Every format module's importer is in the table, under its own name, and nothing else."""
    expected = [
        chainfile_importer.IMPORTER,
        cyclonedx.IMPORTER,
        CSV_IMPORTER,
        XLSX_IMPORTER,
        oscal.IMPORTER,
        fedramp.IMPORTER,
        backstage.IMPORTER,
    ]
    assert sorted(IMPORTERS) == sorted(importer.name for importer in expected)
    for importer in expected:
        assert IMPORTERS[importer.name] is importer


def test_the_table_holds_the_named_formats_in_their_order() -> None:
    """The table's names are exactly importers.formats.IMPORT_FORMATS, in that order (the
    registry refuses to load otherwise); names() sorts them."""
    assert tuple(IMPORTERS) == IMPORT_FORMATS
    assert names() == tuple(sorted(IMPORT_FORMATS))


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_named_export_format_is_written(fmt: str) -> None:
    """export() writes each name of EXPORT_FORMATS; the binary ones are the zip-based ones."""
    chain = Chain(
        offerings=("app",),
        suppliers={"me": Supplier("me", "Me")},
        services={"app": Service("app", "App", "me", Kind.SAAS)},
    )
    exported = export(chain, fmt)
    assert exported.data
    assert (fmt in BINARY_FORMATS) == exported.data.startswith(b"PK")


def test_the_table_cannot_be_changed_from_outside() -> None:
    """The table is read-only: a format is added in the registry module, not at import time."""
    with pytest.raises(TypeError):
        IMPORTERS["spdx"] = cyclonedx.IMPORTER  # type: ignore[index]


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: str(p.relative_to(DATA)))
def test_each_golden_file_is_claimed_by_its_own_format_alone(path: Path) -> None:
    """Exactly one importer claims a golden file, and it is the file's format (DORA's CSV
    templates are claimed by none: detect takes them as CSV by their extension, and the
    register importer says which columns they lack)."""
    head = path.read_bytes()[:SNIFF_BYTES]
    claims = [name for name, importer in IMPORTERS.items() if importer.sniff(head, path.name)]
    wanted = _expected(path)
    if wanted is None:
        assert claims == []
        assert detect(path.read_bytes(), path.name) is CSV_IMPORTER
    else:
        assert claims == [wanted]
        assert detect(path.read_bytes(), path.name).name == wanted


def test_a_register_workbook_is_found_as_xlsx() -> None:
    """A register the exporter wrote as XLSX is found as ``xlsx`` and reads back."""
    from importers.register import template  # noqa: PLC0415 - only this test needs it

    workbook = template("xlsx", "nl")
    assert detect(workbook, "leveranciers.xlsx") is XLSX_IMPORTER
    assert detect(template("csv", "en"), "suppliers.csv") is CSV_IMPORTER


def test_a_chain_file_is_found_with_or_without_a_name() -> None:
    """A chain file is found by its ``ketenkaart`` key, named ``.yaml``/``.json`` or not named
    (a request body); under another extension it is not claimed."""
    yaml_text = b"# my chain\nketenkaart: 1\nofferings: [app]\n"
    json_text = b'{"offerings": ["app"], "ketenkaart": 1}'
    assert detect(yaml_text, "chain.yml").name == "chain"
    assert detect(json_text, "request body").name == "chain"
    assert not chainfile_importer.IMPORTER.sniff(yaml_text, "notes.txt")


def test_a_broken_chain_file_gives_issues_with_lines() -> None:
    """The chain importer turns every problem into an issue naming its line and path."""
    data = b"ketenkaart: 1\nofferings: [app]\nservices:\n  - {id: app, name: App, kind: saas}\n"
    result = get("chain").parse(data, Source("broken.yaml"))
    assert not result.ok
    assert [issue.where for issue in result.issues] == ["line 4, services[0].supplier"]


def test_an_unknown_format_name_lists_the_names() -> None:
    """Asking for a format that is not there names every format there is."""
    with pytest.raises(UsageError, match="backstage, chain, csv, cyclonedx"):
        get("spdx")


def test_an_ambiguous_file_names_the_candidates() -> None:
    """A file two importers claim is refused, naming both and the way out."""
    both = b'{"ketenkaart": 1, "bomFormat": "CycloneDX", "specVersion": "1.6"}'
    with pytest.raises(UsageError, match=r"could be chain, cyclonedx \(.*\); name the format"):
        detect(both, "both.json")


def test_no_two_importers_claim_a_corpus_file() -> None:
    """Across the shared corpus, no file is claimed by more than one importer."""
    if not CORPUS.is_dir():
        pytest.skip(
            f"../shared/corpus is not here: {CORPUS} is absent, the corpus sweep is skipped"
        )
    clashes = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file():
            continue
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        claims = [name for name, importer in IMPORTERS.items() if importer.sniff(head, path.name)]
        if len(claims) > 1:
            clashes.append((str(path.relative_to(CORPUS)), claims))
    assert clashes == []
