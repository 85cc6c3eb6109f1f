"""The reference tables of the user docs, made from the code that they describe.

``docs/chain-format.md`` and ``docs/verdicts.md`` hold blocks between marker comments, such as
``<!-- fields:suppliers -->`` ... ``<!-- /fields:suppliers -->``. Each block is made here from
:mod:`graph.schema` (the fields of every section, the field types, the rules), :mod:`graph.model`
(the schemes) or :mod:`graph.profiles` (the built-in profiles). :func:`regenerate` makes every
block of a document anew and leaves the prose between the blocks alone. The functions here are
pure (text in, text out); ``docs/fields.py`` reads and writes the files, and
``tests/test_docs.py`` fails when a file differs from what they make.

>>> print(render("fields:top").splitlines()[2])
| `ketenkaart` | whole number | yes |  | Format version | The format version: 1. |
>>> regenerate("<!-- rules -->\\nold\\n<!-- /rules -->\\n") == (
...     f"<!-- rules -->\\n{render('rules')}\\n<!-- /rules -->\\n")
True
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from functools import partial

from graph.model import Scheme
from graph.profiles import BUILTIN_PROFILES, ResolvedProfile
from graph.schema import ID_PATTERN, PROFILES, RULES, SECTIONS, TOP, Field, FieldType

TYPES: dict[FieldType, str] = {
    "id": f"An id: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or "
    f"a digit (`{ID_PATTERN}`).",
    "text": "A string. Quote one that YAML would read as a number, a boolean or null: "
    '`"01234567"`, `"true"`, `"null"`.',
    "ref": "The id of an entry in another section, which must exist.",
    "refs": "A list of such ids.",
    "bool": "`true` or `false` (or `True`, `TRUE`, `False`, `FALSE`); `yes`, `no`, `on` and "
    "`off` are strings, and so an error here.",
    "int": "A whole number.",
    "date": "A calendar date written `YYYY-MM-DD`.",
    "country": "An assigned ISO 3166-1 alpha-2 country code in upper case, such as `NL`.",
    "countries": "A list of such codes.",
    "texts": "A list of strings.",
    "choice": "One of the values listed.",
    "choices": "A list of the values listed.",
    "mapping": "A mapping of the fields listed beneath it, and nothing else.",
    "rows": "A list of such mappings.",
}
"""What every field type of :mod:`graph.schema` takes, in words."""

DOCUMENTS: dict[str, tuple[str, ...]] = {
    "docs/chain-format.md": (
        "types",
        "fields:top",
        *(f"fields:{name}" for name in SECTIONS),
        "schemes",
        "rules",
    ),
    "docs/verdicts.md": ("profiles",),
}
"""Every document with generated blocks, by its path in the repository, and the blocks it
must hold."""

_NAME = r"[a-z]+(?::[a-z-]+)?"
_BLOCK = re.compile(rf"<!-- ({_NAME}) -->\n(.*?)<!-- /\1 -->", re.DOTALL)
_HEAD = "| Field | Type | Required | Default | Label | Meaning |\n|---|---|---|---|---|---|"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def type_text(f: Field) -> str:
    """The type column of a field: what a value of it looks like.

    >>> type_text(SECTIONS["evidence"].field("holder"))
    'supplier id'
    >>> type_text(SECTIONS["evidence"].field("assurance"))
    'one of `reasonable`, `limited`'
    """
    if f.type in ("ref", "refs"):
        assert f.refers is not None  # noqa: S101 - the schema gives every reference a section
        one = f"{SECTIONS[f.refers].singular} id"
        return one if f.type == "ref" else f"list of {one}s"
    if f.type == "choice":
        return f"one of {_code(f.choices)}"
    if f.type == "choices":
        return f"list of {_code(f.choices)}"
    return {
        "id": "id",
        "text": "text",
        "bool": "true or false",
        "int": "whole number",
        "date": "date",
        "country": "country code",
        "countries": "list of country codes",
        "texts": "list of texts",
        "mapping": "mapping",
        "rows": "list of mappings",
    }[f.type]


def _default_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def field_paths(fields: tuple[Field, ...], head: str = "") -> Iterator[tuple[str, Field]]:
    """Every field with its path as the docs write it: ``period.from``, ``cuecs[].id``.

    >>> [path for path, _ in field_paths(SECTIONS["evidence"].field("cuecs").fields, "cuecs[].")]
    ['cuecs[].id', 'cuecs[].text', 'cuecs[].addressed']
    """
    for f in fields:
        path = f"{head}{f.key}"
        yield path, f
        if f.nested:
            yield from field_paths(f.fields, f"{path}[]." if f.type == "rows" else f"{path}.")


def field_table(fields: tuple[Field, ...]) -> str:
    """A Markdown table of ``fields`` and every field nested in them, in the writer's order."""
    rows = [
        f"| `{path}` | {_cell(type_text(f))} | {'yes' if f.required else ''} | "
        f"{_default_text(f.default)} | {_cell(f.label)} | {_cell(f.doc)} |"
        for path, f in field_paths(fields)
    ]
    return "\n".join([_HEAD, *rows])


def _types() -> str:
    rows = [f"| {name} | {_cell(text)} |" for name, text in TYPES.items()]
    return "\n".join(["| Type | What it takes |", "|---|---|", *rows])


def _schemes() -> str:
    rows = [f"| `{s.value}` | {_cell(s.label)} | {_cell(s.scheme_class.value)} |" for s in Scheme]
    return "\n".join(["| Scheme | What it is | Class |", "|---|---|---|", *rows])


def _rules() -> str:
    rows = [f"| {r.section} | `{r.where}` | {_cell(r.text)} |" for r in RULES]
    return "\n".join(["| Section | Field | Rule |", "|---|---|---|", *rows])


def _setting(value: object) -> str:
    if isinstance(value, tuple):  # a list keeps its own order
        return _code([str(v) for v in value]) or "none"
    if isinstance(value, frozenset):  # a set of schemes, by name
        return _code(sorted(v.value for v in value)) or "none"
    return str(value)


def _profiles() -> str:
    """The built-in profiles, one column each, one row per setting of a resolved profile."""
    names = list(BUILTIN_PROFILES)
    head = f"| Setting | {' | '.join(f'`{n}`' for n in names)} | Meaning |"
    rule = "|---|" + "---|" * len(names) + "---|"
    rows = []
    for setting in dataclasses.fields(ResolvedProfile):
        if setting.name == "id":
            continue
        f = PROFILES.field(setting.name)
        values = " | ".join(_setting(getattr(BUILTIN_PROFILES[n], setting.name)) for n in names)
        rows.append(f"| `{setting.name}` | {values} | {_cell(f.label)}: {_cell(f.doc)} |")
    return "\n".join([head, rule, *rows])


def _blocks() -> dict[str, Callable[[], str]]:
    found: dict[str, Callable[[], str]] = {
        "types": _types,
        "fields:top": lambda: field_table(TOP),
        "schemes": _schemes,
        "rules": _rules,
        "profiles": _profiles,
    }
    for name, section in SECTIONS.items():
        found[f"fields:{name}"] = partial(field_table, section.fields)
    return found


BLOCKS = _blocks()
"""Every generated block, by the name its marker comments carry."""


def render(name: str) -> str:
    """The Markdown of block ``name``, without its marker comments."""
    try:
        return BLOCKS[name]()
    except KeyError:
        raise ValueError(f"unknown block '{name}' (known: {', '.join(BLOCKS)})") from None


def blocks_in(text: str) -> list[str]:
    """The names of the blocks in a document's text, in order.

    >>> blocks_in("a\\n<!-- schemes -->\\nx\\n<!-- /schemes -->\\nb")
    ['schemes']
    """
    return [m.group(1) for m in _BLOCK.finditer(text)]


def regenerate(text: str) -> str:
    """``text`` with every block made anew from the code; the rest stays as it is.

    Raises ``ValueError`` for a block of an unknown name, or an opening marker without its
    closing one.
    """
    opened = re.findall(rf"<!-- ({_NAME}) -->", text)
    unclosed = [name for name in opened if f"<!-- /{name} -->" not in text]
    if unclosed:
        raise ValueError(f"block '{unclosed[0]}' has no closing <!-- /{unclosed[0]} -->")

    def made(m: re.Match[str]) -> str:
        name = m.group(1)
        return f"<!-- {name} -->\n{render(name)}\n<!-- /{name} -->"

    return _BLOCK.sub(made, text)
