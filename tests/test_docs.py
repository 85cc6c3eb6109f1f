"""The user docs stay true to the code: generated tables current, examples and messages real."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from app.cli import EXIT_GAP, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, main
from graph.findings import EEA
from graph.model import Scheme
from graph.profiles import BUILTIN_PROFILES, ResolvedProfile
from graph.reference import DOCUMENTS, TYPES, blocks_in, regenerate, render
from graph.schema import PROFILES, SECTIONS, TOP, Field, FieldType
from graph.verdicts import FindingCode, ReasonCode, Severity, Status, Verdict
from importers.chainfile import load_chains

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = ".venv/bin/python docs/fields.py"
CHAIN_FORMAT = ROOT / "docs" / "chain-format.md"
VERDICTS = ROOT / "docs" / "verdicts.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
DEMO = ROOT / "examples" / "demo-chain.yaml"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _code_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block of a Markdown text as (language, content)."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)


def _block(text: str, name: str) -> str:
    start, end = f"<!-- {name} -->\n", f"<!-- /{name} -->"
    return text[text.index(start) + len(start) : text.index(end)]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_generated_tables_are_current(name: str) -> None:
    """Each document's generated tables are what the code makes of them today."""
    text = _text(ROOT / name)
    assert text == regenerate(text), f"{name} is out of date: run `{REGENERATE}` and commit it"


@pytest.mark.parametrize(("name", "blocks"), sorted(DOCUMENTS.items()))
def test_documents_hold_every_generated_block(name: str, blocks: tuple[str, ...]) -> None:
    """No generated block was deleted from the document that should hold it."""
    assert set(blocks) <= set(blocks_in(_text(ROOT / name))), name


def _paths(fields: tuple[Field, ...], head: str = "") -> list[str]:
    found = []
    for f in fields:
        found.append(f"{head}{f.key}")
        if f.fields:
            inner = f"{head}{f.key}[]." if f.type == "rows" else f"{head}{f.key}."
            found += _paths(f.fields, inner)
    return found


@pytest.mark.parametrize(
    ("block", "fields"),
    [("fields:top", TOP), *((f"fields:{name}", s.fields) for name, s in SECTIONS.items())],
)
def test_every_field_of_the_schema_is_in_the_reference(
    block: str, fields: tuple[Field, ...]
) -> None:
    """Every field of every section, nested ones included, has its row in chain-format.md."""
    table = _block(_text(CHAIN_FORMAT), block)
    missing = [path for path in _paths(fields) if f"| `{path}` |" not in table]
    assert not missing, f"docs/chain-format.md lacks {missing}: run `{REGENERATE}`"


def test_every_field_type_is_described() -> None:
    """The types table describes exactly the field types the schema has."""
    assert set(TYPES) == set(get_args(FieldType))


def test_every_scheme_is_in_the_reference() -> None:
    table = _block(_text(CHAIN_FORMAT), "schemes")
    assert all(f"| `{s.value}` |" in table for s in Scheme)


def test_every_profile_setting_is_in_the_verdicts_doc() -> None:
    """Every setting of a resolved profile is a profile field, and has its row, with every
    built-in profile's column."""
    table = _block(_text(VERDICTS), "profiles")
    settings = [f.name for f in ResolvedProfile.__dataclass_fields__.values() if f.name != "id"]
    assert settings == [k for k in PROFILES.keys if k not in ("id", "extends")]
    assert all(f"| `{s}` |" in table for s in settings)
    assert all(f"`{name}`" in table.splitlines()[0] for name in BUILTIN_PROFILES)
    assert "| `min_period_months` | 6 |" in render("profiles")


def test_verdicts_doc_names_every_code() -> None:
    """Every verdict, status, reason code, finding and severity is explained."""
    text = _text(VERDICTS)
    names = [
        *(v.value for v in Verdict),
        *(s.value for s in Status),
        *(r.value for r in ReasonCode),
        *(f.value for f in FindingCode),
        *(s.value for s in Severity),
    ]
    missing = [n for n in names if n not in text]
    assert not missing


def test_verdicts_doc_states_the_exit_statuses() -> None:
    table = _text(VERDICTS).split("### Exit status", 1)[1]
    for status in (EXIT_OK, EXIT_GAP, EXIT_USAGE, EXIT_INTERNAL):
        assert f"| {status} |" in table


def test_verdicts_doc_names_the_eea() -> None:
    assert len(EEA) == 30  # the EU states and three more, as the findings table says
    assert {"IS", "LI", "NO"} <= EEA


# --- the worked example and what ketenkaart says of it ------------------------------------


def _worked_example() -> str:
    return next(body for lang, body in _code_blocks(_text(CHAIN_FORMAT)) if lang == "yaml")


def test_worked_example_is_a_copy_of_the_demo_chain() -> None:
    """Every entry of the example is the demo chain's entry of that id, unchanged."""
    example = load_chains([("chain.yaml", _worked_example().encode())])
    demo = load_chains([("demo-chain.yaml", DEMO.read_bytes())])
    assert (example.title, example.offerings) == (demo.title, demo.offerings)
    for section in ("suppliers", "services", "dependencies", "evidence"):
        mine, theirs = getattr(example, section), getattr(demo, section)
        assert mine, section
        assert all(mine[key] == theirs[key] for key in mine), section


def _run(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_worked_example_output_is_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The output shown under the worked example, and the validate line, are what ketenkaart
    prints."""
    (tmp_path / "chain.yaml").write_text(_worked_example(), encoding="utf-8")
    blocks = _code_blocks(_text(CHAIN_FORMAT))
    shown = next(body for lang, body in blocks if body.startswith("LoonWolk"))
    status, out, _ = _run(
        ["check", "chain.yaml", "--at", "2026-11-27"], tmp_path, monkeypatch, capsys
    )
    assert (status, out) == (EXIT_GAP, shown)
    status, out, _ = _run(["validate", "chain.yaml"], tmp_path, monkeypatch, capsys)
    assert status == EXIT_OK
    assert f"$ ketenkaart validate chain.yaml\n{out}" in _text(CHAIN_FORMAT)


# Files that break the format; the messages quoted in chain-format.md come from these.
BROKEN = {
    "chain.yaml": [
        """ketenkaart: 1
offerings: [shop, shop]
suppliers:
  - {id: acme, name: Acme B.V., country: UK}
  - {id: acme, name: Acme again}
  - {id: Host, name: Host Ltd, country: nl}
services:
  - {id: shop, name: Shop, supplier: acme, kind: saas, personal_data: yes}
  - {id: vm, name: VM, supplier: awz, kind: vm}
dependencies:
  - {from: shop, to: vm, relevant: false}
  - {from: shop, to: vm}
  - {from: shop, to: db}
evidence:
  - id: r1
    scheme: soc2
    holder: acme
    covers: [vm]
    type: 2
    period: {from: 2026-03-01, to: 2026-02-30}
    issued: 2025-12-01
    colour: blue
  - id: r2
    scheme: soc2
    holder: acme
    covers: []
  - id: c1
    scheme: iso27001
    holder: acme
    covers: [shop]
    subservices: {method: none, carved_out: [vm]}
    bridge_letter: {from: 2026-05-01, to: 2026-04-01}
  - id: r3
    scheme: isae3402
    holder: acme
    covers: [shop]
    type: 2
    period: {from: 2025-01-01, to: 2025-12-31}
    issued: 2025-11-01
  - id: r4
    scheme: isae3000
    holder: acme
    covers: [shop]
    type: 2
  - id: s1
    scheme: iso9001
    holder: acme
    covers: [shop]
""",
        """ketenkaart: 1
offerings: [shop, nowhere]
colour: blue
suppliers:
  - &a {id: acme, name: Acme B.V., parent: holding}
  - {id: holding, name: Holding, parent: acme}
services:
  - {id: shop, name: Shop, supplier: acme, kind: saas, kind: paas}
evidence:
  - {id: r1, scheme: soc2, holder: acme, covers: [shop], type: 2,
     period: {from: 2026-03-01, to: 2026-01-31}}
  - {id: r2, scheme: soc2, holder: acme, covers: [shop], type: 1, as_of: 2026-03-01,
     issued: 2026-02-01}
  - {id: e1, scheme: eucs, holder: acme, covers: [shop], accreditation: {body: RvA}}
profiles:
  - {id: mine, extends: strict}
  - {id: zeker-online, extends: zeker-online}
""",
        """ketenkaart: 1
offerings: [shop]
suppliers: [{id: acme, country: NO, ids: {kvk: 01234567}}]
services: [{id: shop, name: Shop, supplier: acme, kind: saas}]
evidence:
---
ketenkaart: 1
""",
        """ketenkaart: 2
offerings: []
services:
  - {id: x, name: !!binary abc, supplier: s, kind: saas, locations: [XX]}
""",
        "",
    ],
    "chain.json": ['{"ketenkaart": 1, "offerings": ["x"],}'],
}
A_YAML = """ketenkaart: 1
offerings: [shop]
suppliers: [{id: acme, name: Acme B.V.}]
services: [{id: shop, name: Shop, supplier: acme, kind: saas}]
"""


def _messages(files: list[tuple[str, bytes]]) -> list[str]:
    try:
        load_chains(files)
    except Exception as err:  # noqa: BLE001 - a ChainError is expected; anything else fails below
        return str(err).splitlines()
    raise AssertionError(f"{[name for name, _ in files]} loaded without an error")


def test_quoted_validation_messages_are_real() -> None:
    """Every error line quoted under "Validation errors" is one ketenkaart gives."""
    real: set[str] = set()
    for name, documents in BROKEN.items():
        for document in documents:
            real.update(_messages([(name, document.encode())]))
    b_yaml = A_YAML.replace("Acme B.V.", "Acme Holding B.V.")
    real.update(_messages([("a.yaml", A_YAML.encode()), ("b.yaml", b_yaml.encode())]))
    section = _text(CHAIN_FORMAT).split("## Validation errors", 1)[1]
    quoted = [
        line
        for _, body in _code_blocks(section)
        for line in body.splitlines()
        if re.match(r"[\w.-]+\.(yaml|json)(:\d+)?: ", line) and ": valid: " not in line
    ]
    assert len(quoted) >= 30
    assert [line for line in quoted if line not in real] == []


def test_quoted_command_errors_are_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "chain.yaml").write_text(A_YAML, encoding="utf-8")
    text = _text(CHAIN_FORMAT)
    for args in (["check", "missing.yaml"], ["check", "chain.yaml", "--offering", "nope"]):
        status, out, err = _run(args, tmp_path, monkeypatch, capsys)
        assert (status, out) == (EXIT_USAGE, "")
        assert f"`{err.strip()}`" in text


# --- the demo chain's output quoted in verdicts.md ----------------------------------------


def _demo_json(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any]:
    status, out, _ = _run(
        ["check", str(DEMO), *args, "--format", "json"], tmp_path, monkeypatch, capsys
    )
    assert status == EXIT_GAP
    document: dict[str, Any] = json.loads(out)
    return document


def test_quoted_text_output_is_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's text output in verdicts.md is the real one, with lines left out at '...'."""
    shown = next(
        body
        for _, body in _code_blocks(_text(VERDICTS))
        if body.startswith("$ ketenkaart check examples/demo-chain.yaml --at")
    )
    _, out, _ = _run(["check", str(DEMO), "--at", "2026-11-27"], tmp_path, monkeypatch, capsys)
    lines = iter(out.splitlines())
    for line in shown.splitlines()[1:]:
        if line != "...":
            assert line in lines, line  # in order: `in` consumes the iterator up to the match


def test_quoted_json_output_is_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The JSON shown is the real document with links and findings left out, never changed."""
    shown = json.loads(next(body for lang, body in _code_blocks(_text(VERDICTS)) if lang == "json"))
    real = _demo_json(["--at", "2026-11-27"], tmp_path, monkeypatch, capsys)
    assert list(shown) == list(real)
    for key in ("offerings", "profile", "at", "period", "verdict", "summary"):
        assert shown[key] == real[key], key
    for key in ("links", "findings"):
        assert shown[key] and all(item in real[key] for item in shown[key]), key


def test_quoted_period_output_is_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = _demo_json(["--period", "2026-01-01..2026-06-30"], tmp_path, monkeypatch, capsys)
    link = next(link for link in real["links"] if link["to"] == "stratus-postgres")
    text = " ".join(_text(VERDICTS).split())
    assert (link["verdict"], link["evidence"], link["uncovered"]) == ("CONDITIONAL", None, [])
    assert json.dumps(link["bridged"]) in text
    assert json.dumps(link["reasons"][0]["message"]) in text


# --- the architecture notes name what exists ----------------------------------------------


def test_architecture_names_real_modules_and_functions() -> None:
    """Every `package.module` and `package.module.function` named in architecture.md exists."""
    names = set(re.findall(r"`((?:app|graph|importers)(?:\.\w+)+)(?:\(\))?`", _text(ARCHITECTURE)))
    assert len(names) >= 20
    missing = []
    for name in sorted(names):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            try:
                for attr in parts[cut:]:
                    found = getattr(found, attr)
            except AttributeError:
                missing.append(name)
            break
        else:
            missing.append(name)
    assert missing == []
