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

# Imports of private names that predate this test, in files other work is changing now; each is
# (importing file, module, name). Remove an entry when its import goes; add none.
KNOWN: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("app/routes/people_pages.py", "app.routes.pages", "_context"),
        ("app/routes/people_pages.py", "app.routes.pages", "_field"),
        ("app/routes/people_pages.py", "app.routes.pages", "_visit"),
    }
)


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_module(node: ast.ImportFrom, path: Path) -> str:
    """The absolute name of the module ``node`` imports from."""
    if not node.level:
        return node.module or ""
    package = _module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def private_imports() -> list[tuple[str, str, str]]:
    """Every ``from X import _name`` in the packages, as (file, module, name)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom):
                    continue
                module = _imported_module(node, path)
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append((str(path.relative_to(ROOT)), module, alias.name))
    return found


def test_no_module_imports_a_private_name_of_another() -> None:
    """``from X import _name`` appears nowhere in app/, graph/ or importers/."""
    assert [found for found in private_imports() if found not in KNOWN] == []


def test_relative_imports_are_resolved() -> None:
    """A relative import is named by its absolute module, as an absolute one is."""
    source = "from importers.chainfile.reader import _x_keys\nfrom .yaml12 import _TAG\n"
    tree = ast.parse(source)
    path = ROOT / "importers" / "chainfile" / "writer.py"
    modules = [
        _imported_module(node, path) for node in tree.body if isinstance(node, ast.ImportFrom)
    ]
    assert modules == ["importers.chainfile.reader", "importers.chainfile.yaml12"]
