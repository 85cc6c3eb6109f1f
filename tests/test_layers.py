"""The import rule of the layout: app -> importers -> graph, and graph stays a pure core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN_IN_GRAPH = (
    "fastapi",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "pyvis",
    "yaml",
    "app",
    "importers",
    "uvicorn",
    "starlette",
)


def test_graph_loads_no_io_web_or_persistence_library() -> None:
    """Importing every graph module loads none of the shell's libraries."""
    modules = sorted(p.stem for p in (ROOT / "graph").glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import graph.{m}\n" for m in modules)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_GRAPH!r})\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_nothing_imports_app() -> None:
    """Neither graph nor importers imports app."""
    assert "app" not in _imports("graph") | _imports("importers")


def test_graph_does_not_import_importers() -> None:
    """Imports flow one way: importers may use graph, never the reverse."""
    assert "importers" not in _imports("graph")
