"""No importer writes a message, or the place it names, in English that bypasses the catalog.

The per-format tests (test_*_messages_lang.py) run the importers over their test files in the
pseudo language, but a message no test file provokes escapes them. This test reads the
importers' source instead: wherever a problem is made (``ImportIssue(where, message)``,
``issues.error(where, message)``, ``.warn``/``.warning``, and the refusals that carry a message),
the message may not be English text written in place (a string or an f-string with words in
it), and the place may not be one either ("line 3", "row 2, column 'Kind'"): both must come
from :func:`graph.i18n.gettext` or from a function that calls it. Field paths and ids
(``services[2].provider``, ``specVersion``) are not words and stay as they are.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

IMPORTERS = Path(__file__).resolve().parents[2] / "importers"

_PLACE_AND_MESSAGE = frozenset({"ImportIssue", "error", "warn", "warning"})
"""Calls whose first argument is the place and whose second is the message."""

_MESSAGE_FIRST = frozenset(
    {"RefusedError", "CellError", "_stop", "refuse", "_Stop", "_BadScalarError", "_unreadable"}
)
"""Calls whose first argument is the message (or, for ``_stop``, the place)."""

_WORD = re.compile(r"[A-Za-z]{2,}")


def _english(node: ast.expr, *, place: bool) -> bool:
    """Whether ``node`` writes English words in place. A place may be a bare path
    (``services[0].name``, no space); a message may hold no word at all."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        if place:
            return bool(_WORD.search(text)) and " " in text
        return bool(_WORD.search(text))
    if isinstance(node, ast.JoinedStr):
        return any(_english(part, place=place) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _english(node.left, place=place) or _english(node.right, place=place)
    if isinstance(node, ast.IfExp):
        return _english(node.body, place=place) or _english(node.orelse, place=place)
    return False


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def english_messages(source: str, filename: str) -> list[str]:
    """Each message or place written in English in place, as ``file:line: text``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _called(node)
        if name in _PLACE_AND_MESSAGE:
            arguments = [(arg, index == 0) for index, arg in enumerate(node.args[:2])]
        elif name in _MESSAGE_FIRST:
            arguments = [(arg, False) for arg in node.args[:1]]
        else:
            continue
        arguments += [
            (keyword.value, keyword.arg == "where")
            for keyword in node.keywords
            if keyword.arg in ("where", "message")
        ]
        found += [
            f"{filename}:{arg.lineno}: {ast.unparse(arg)[:100]}"
            for arg, place in arguments
            if _english(arg, place=place)
        ]
    return found


MODULES = sorted(IMPORTERS.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(IMPORTERS)) for p in MODULES])
def test_every_message_and_place_goes_through_the_catalog(path: Path) -> None:
    """The module makes no problem whose message or place is English written in place."""
    assert english_messages(path.read_text(encoding="utf-8"), path.name) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('issues.error("", "the file is empty")', True),
        ('ImportIssue(f"line {n}", gettext("empty"))', True),
        ('raise RefusedError(f"the workbook has {n:,} parts")', True),
        ('ImportIssue("services[0].name", gettext("empty"))', False),
        ('ImportIssue(f"{path}.bom-ref", gettext("taken").format(ref=ref))', False),
        ("issues.warn(where, message)", False),
    ],
)
def test_the_check_tells_english_from_catalog_text(source: str, found: bool) -> None:
    """The check finds English text in a message or place, and passes catalog text, paths
    and names."""
    assert bool(english_messages(source, "x.py")) is found
