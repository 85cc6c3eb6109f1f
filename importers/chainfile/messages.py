"""Small helpers for the messages of the chain reader: quoting, naming values, field paths."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence


def quote(text: str) -> str:
    """Quote a value for a message, shortened when long."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def one_of(choices: Sequence[str]) -> str:
    return "one of: " + ", ".join(choices)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {quote(close[0])}?" if close else ""


def describe(value: object) -> str:
    """Name a value's type and show it, for 'expected X, got Y' messages."""
    if value is None:
        return "nothing (an empty value)"
    if value is True or value is False:
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - the parsers make nothing else


def surrogate_message(text: str, what: str) -> str:
    """Why ``text`` is not text: its first lone surrogate, and where it is.

    >>> surrogate_message("a\\udc00b", "text")
    'the text holds a lone surrogate (U+DC00) at character 2: not Unicode text, no UTF-8 for it'
    """
    found = SURROGATE.search(text)
    assert found is not None  # noqa: S101 - called on a hit only
    return (
        f"the {what} holds a lone surrogate (U+{ord(found.group()):04X}) at character "
        f"{found.start() + 1}: not Unicode text, no UTF-8 for it"
    )


def join_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def path_text(parts: Sequence[str | int]) -> str:
    path = ""
    for part in parts:
        path = join_path(path, part)
    return path


SURROGATE = re.compile("[\ud800-\udfff]")


def escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
