"""A small job pays only for what it uses (issue 13): the service starts without the
CycloneDX schema validators (jsonschema's format checkers alone import for 1-2 s), openpyxl
or Alembic, and `ketenkaart check` loads neither the web stack nor the database nor any other
format's library. Each test runs a fresh interpreter and reads its ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-chain.yaml"


def loaded_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    answer = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"KETENKAART_DATABASE_URL": "sqlite:///:memory:", "PATH": ""},
    )
    return {name.split(".")[0] for name in json.loads(answer.stdout.splitlines()[-1])}


def test_the_service_starts_without_validators_openpyxl_or_alembic() -> None:
    """Building the app loads FastAPI and SQLAlchemy, not what only an import or an export
    of a BOM or a workbook, a migration or readiness check, or the first check's graph needs."""
    loaded = loaded_after("import app.main\napp.main.app")
    assert {"fastapi", "sqlalchemy"} <= loaded
    later = {"jsonschema", "rfc3987_syntax", "lxml", "openpyxl", "alembic", "networkx"}
    assert loaded.isdisjoint(later), sorted(loaded & later)


def test_a_check_loads_no_web_stack_database_or_other_format() -> None:
    """`ketenkaart check` of a chain file reads YAML and judges it: nothing more is loaded."""
    code = (
        "from app.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', {str(DEMO)!r}, '--at', '2026-11-27', '--format', 'json'])"
    )
    loaded = loaded_after(code)
    assert {"networkx", "yaml"} <= loaded
    heavy = {
        "fastapi",
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "cyclonedx",
        "jsonschema",
        "openpyxl",
        "defusedxml",
        "jinja2",
        "cryptography",
    }
    assert loaded.isdisjoint(heavy), sorted(loaded & heavy)


def test_the_probe_sees_what_is_imported() -> None:
    """The probe reports an import it is shown (so the tests above can fail)."""
    assert "openpyxl" in loaded_after("import openpyxl")


def test_a_bom_import_loads_neither_the_iri_grammar_nor_networkx(tmp_path: Path) -> None:
    """`ketenkaart import` of a CycloneDX BOM whose addresses are plain URLs validates it
    without building ``rfc3987_syntax``'s grammar, and without the analysis (networkx)."""
    bom = tmp_path / "one.cdx.json"
    bom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "metadata": {"component": {"bom-ref": "app", "type": "application", "name": "App"}},
                "services": [
                    {
                        "bom-ref": "db",
                        "name": "Database",
                        "provider": {"name": "Acme B.V.", "url": ["https://acme.example"]},
                        "endpoints": ["https://db.acme.example/v1"],
                    }
                ],
            }
        )
    )
    code = (
        "from app.cli import main\n"
        "import contextlib, io\n"
        "out = io.TextIOWrapper(io.BytesIO(), encoding='utf-8')\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    assert main(['import', {str(bom)!r}]) == 0\n"
        "    out.flush()\n"
        "assert b'Acme B.V.' in out.buffer.getvalue()"
    )
    loaded = loaded_after(code)
    assert {"cyclonedx", "jsonschema"} <= loaded  # it was validated
    assert loaded.isdisjoint({"rfc3987_syntax", "networkx", "fastapi", "sqlalchemy"}), sorted(
        loaded & {"rfc3987_syntax", "networkx", "fastapi", "sqlalchemy"}
    )
