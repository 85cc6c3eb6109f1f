"""No module imports another module's private (underscore) names (issue 12).

What one module shares with another is a public name of it; a leading underscore says "only
here". ruff's PLC2701 checks the same, but only in preview mode, so this test does it with ``ast``
over every module of app/, graph/ and importers/.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "graph", "importers")


def _module_of(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_module(node: ast.ImportFrom, path: Path, root: Path = ROOT) -> str:
    """The absolute name of the module ``node`` imports from."""
    if not node.level:
        return node.module or ""
    package = _module_of(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def private_imports(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """Every ``from X import _name`` in the packages under ``root``, as (file, module, name)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom):
                    continue
                module = _imported_module(node, path, root)
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append((str(path.relative_to(root)), module, alias.name))
    return found


def test_no_module_imports_a_private_name_of_another() -> None:
    """``from X import _name`` appears nowhere in app/, graph/ or importers/."""
    assert private_imports() == []


def test_a_private_import_is_found(tmp_path: Path) -> None:
    """The finder sees an absolute and a relative import of a private name (so the test
    above can fail)."""
    package = tmp_path / "importers" / "chainfile"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "writer.py").write_text("from .yaml12 import _TAG\nfrom graph.model import _X\n")
    assert sorted(private_imports(tmp_path)) == [
        ("importers/chainfile/writer.py", "graph.model", "_X"),
        ("importers/chainfile/writer.py", "importers.chainfile.yaml12", "_TAG"),
    ]


def test_relative_imports_are_resolved() -> None:
    """A relative import is named by its absolute module, as an absolute one is."""
    source = "from importers.chainfile.reader import _x_keys\nfrom .yaml12 import _TAG\n"
    tree = ast.parse(source)
    path = ROOT / "importers" / "chainfile" / "writer.py"
    modules = [
        _imported_module(node, path) for node in tree.body if isinstance(node, ast.ImportFrom)
    ]
    assert modules == ["importers.chainfile.reader", "importers.chainfile.yaml12"]
