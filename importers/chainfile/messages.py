"""Small helpers for the messages of the chain reader: quoting, naming values, field paths.

The words (``one of:``, ``did you mean``, how a value is named) are in the language of the
context (:mod:`graph.i18n`); quoted values, ids and paths are as the file has them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from graph.i18n import gettext


def quote(text: str) -> str:
    """Quote a value for a message, shortened when long."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def one_of(choices: Sequence[str]) -> str:
    """``one of: a, b`` (``een van: a, b`` in Dutch)."""
    return gettext("one of: {choices}").format(choices=", ".join(choices))


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return gettext("; did you mean {value}?").format(value=quote(close[0])) if close else ""


def describe(value: object) -> str:
    """Name a value's type and show it, for 'expected X, got Y' messages."""
    if value is None:
        return gettext("nothing (an empty value)")
    if value is True or value is False:
        return gettext("the boolean {value}").format(value=str(value).lower())
    if isinstance(value, int | float):
        return gettext("the number {value}").format(value=repr(value))
    if isinstance(value, str):
        return gettext("the string {value}").format(value=quote(value))
    if isinstance(value, list):
        return gettext("a list")
    if isinstance(value, dict):
        return gettext("a mapping")
    return type(value).__name__  # pragma: no cover - the parsers make nothing else


def surrogate_message(text: str, what: str) -> str:
    """Why ``text`` is not text: its first lone surrogate, and where it is. ``what`` is
    ``"text"`` (a value) or ``"name"`` (a key).

    >>> surrogate_message("a\\udc00b", "text")
    'the text holds a lone surrogate (U+DC00) at character 2: not Unicode text, no UTF-8 for it'
    """
    found = SURROGATE.search(text)
    assert found is not None  # noqa: S101 - called on a hit only
    if what == "name":
        message = gettext(
            "the name holds a lone surrogate ({code}) at character {position}: not Unicode "
            "text, no UTF-8 for it"
        )
    else:
        message = gettext(
            "the text holds a lone surrogate ({code}) at character {position}: not Unicode "
            "text, no UTF-8 for it"
        )
    return message.format(code=f"U+{ord(found.group()):04X}", position=found.start() + 1)


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

# The escapes that can write a surrogate in JSON or YAML text: \uD800-\uDFFF, and YAML's
# \U0000D800-\U0000DFFF; an escaped backslash before "u" is matched too, which only costs a scan.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(_SURROGATE_ESCAPE.pattern.encode())


def may_hold_surrogate(text: str | bytes) -> bool:
    r"""Whether JSON or YAML ``text`` (UTF-8, or decoded from it) may hold a lone surrogate once
    parsed: only an escape writes one, so text without a surrogate's escape cannot, and the
    scan of its parsed values for one can be left out (:meth:`Reader.odd_text`).

    >>> may_hold_surrogate(b'{"name": "caf\\u00e9"}'), may_hold_surrogate('"\\udc00"')
    (False, True)
    >>> may_hold_surrogate('name: "\\U0000DC00"'), may_hold_surrogate("café")
    (True, False)
    """
    if isinstance(text, bytes):
        return _SURROGATE_ESCAPE_BYTES.search(text) is not None
    return _SURROGATE_ESCAPE.search(text) is not None


def escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
