"""Writing: Chain -> plain values in the order of :mod:`graph.schema` -> YAML or JSON text."""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from graph.model import FORMAT_VERSION, Chain
from graph.schema import SECTIONS, Field
from importers.chainfile.messages import SURROGATE, escape_char


def dump(chain: Chain, fmt: str) -> bytes:
    plain = chain_plain(chain)
    if fmt == "json":
        text = json.dumps(plain, indent=2, ensure_ascii=False)
        if SURROGATE.search(text):
            text = SURROGATE.sub(escape_char, text)
        return (text + "\n").encode("utf-8")
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}; yaml or json")
    lines: list[str] = []
    for key, value in plain.items():
        entry: list[str] = []
        if key in SECTIONS:
            entry.append(f"{key}:")
            for entity in cast("list[dict[str, object]]", value):
                _emit_mapping(entry, entity, 4, "  - ")
        else:
            _emit_mapping(entry, {key: value}, 0, "")
        if len(entry) > 1 and lines:
            lines.append("")
        lines.extend(entry)
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- plain values, in the order of graph.schema ------------------------------------------------
#
# Each field is written from the model attribute the schema names, as the type of the field
# says; a field is left out when its value is None, empty, or its default.

# Fields whose empty value differs from their absence, so an empty value is written: a profile's
# lists (empty: none; absent: the extended profile's) and an evidence's document (an empty
# pointer is still one).
_KEEP_EMPTY = frozenset(
    {
        ("profiles", "required_criteria"),
        ("profiles", "accept_as_equivalent"),
        ("evidence", "document"),
    }
)

# A field as written: (its key, its model attribute, how to write its value (None: leave it out),
# whether to write it when empty).
_Plan = tuple[tuple[str, str, Callable[[Any], object], bool], ...]


def _plan(fields: tuple[Field, ...], section: str) -> _Plan:
    return tuple(
        (f.key, f.attribute, _writer_of(f, section), (section, f.key) in _KEEP_EMPTY)
        for f in fields
    )


def _writer_of(f: Field, section: str) -> Callable[[Any], object]:
    """How to write the value of field ``f`` (the model's value in, the plain value out)."""
    if f.type in ("bool", "choice"):
        default = f.default

        def scalar(value: Any) -> object:
            plain = value.value if isinstance(value, enum.Enum) else value
            return None if plain == default else plain

        return scalar
    if f.type == "date":
        return lambda value: None if value is None else value.isoformat()
    if f.type in ("refs", "texts", "countries"):
        return lambda value: None if value is None else list(value)
    if f.type == "choices":
        return lambda value: None if value is None else [member.value for member in value]
    if f.type == "mapping":
        keys = tuple(inner.key for inner in f.fields)
        plan = _plan(f.fields, section)

        def mapping(value: Any) -> object:
            if value is None:
                return None
            if isinstance(value, Mapping):  # ids, contact: text by key
                return _ordered(value, keys)
            return _object_plain(value, plan)

        return mapping
    if f.type == "rows":
        plan = _plan(f.fields, section)
        return lambda value: [_object_plain(item, plan) for item in value]
    return lambda value: value  # id, text, ref, int, country


def _object_plain(obj: Any, plan: _Plan) -> dict[str, object]:
    """An entity (or a nested value) as a plain mapping, its ``x-`` keys last."""
    out: dict[str, object] = {}
    for key, attribute, write, keep_empty in plan:
        value = write(getattr(obj, attribute))
        if value is None or (not value and isinstance(value, list | dict) and not keep_empty):
            continue
        out[key] = value
    extra = getattr(obj, "extra", None)
    if extra:
        out.update(extra)
    return out


_PLANS = {name: _plan(section.fields, name) for name, section in SECTIONS.items()}


def _ordered(mapping: Mapping[str, str], order: Sequence[str]) -> dict[str, str]:
    out = {key: mapping[key] for key in order if key in mapping}
    out.update((key, value) for key, value in mapping.items() if key not in out)
    return out


class PlainEntity(Mapping[str, object]):
    """An entity as :func:`chain_plain` writes it, written when it is first read whole; its
    key fields (an id, a link's ``from`` and ``to``) are read without that. A comparison of a
    register with an empty one lists 100,000 added entities, of which a page shows 200.

    >>> from importers.chainfile import load_plain
    >>> chain = load_plain({"ketenkaart": 1, "offerings": ["app"],
    ...     "suppliers": [{"id": "me", "name": "Me"}],
    ...     "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]})
    >>> lazy = PlainEntity(chain.services["app"], "services")
    >>> lazy["id"], lazy.written
    ('app', False)
    >>> dict(lazy) == chain_plain(chain)["services"][0], lazy.written
    (True, True)
    """

    __slots__ = ("_entity", "_made", "_section")

    def __init__(self, entity: object, section: str) -> None:
        self._entity, self._section = entity, section
        self._made: dict[str, object] | None = None

    @property
    def written(self) -> bool:
        """Whether the whole entity has been written (for tests)."""
        return self._made is not None

    def _whole(self) -> dict[str, object]:
        if self._made is None:  # two threads reading it at once both write the same mapping
            self._made = _object_plain(self._entity, _PLANS[self._section])
        return self._made

    def __getitem__(self, key: str) -> object:
        attribute = _KEY_ATTRIBUTES[self._section].get(key) if self._made is None else None
        if attribute is not None:
            value = getattr(self._entity, attribute)
            if isinstance(value, str) and value:  # as _object_plain writes a key field
                return value
        return self._whole()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())


_KEY_ATTRIBUTES = {
    name: {f.key: f.attribute for f in section.fields if f.key in section.key}
    for name, section in SECTIONS.items()
}
"""Each section's key fields by their attribute in the model: read as they are."""


def chain_plain(chain: Chain, *, lazily: bool = False) -> dict[str, object]:
    """The chain as plain values (dicts, lists, strings...) in the order of the schema;
    ``lazily``, each entity a :class:`PlainEntity`, written when it is read."""
    out: dict[str, object] = {"ketenkaart": FORMAT_VERSION}
    if chain.title is not None:
        out["title"] = chain.title
    out["offerings"] = list(chain.offerings)
    for name, plan in _PLANS.items():
        entities = getattr(chain, name)
        if entities and lazily:
            out[name] = [PlainEntity(entity, name) for entity in entities.values()]
        elif entities:
            out[name] = [_object_plain(entity, plan) for entity in entities.values()]
    out.update(chain.extra)
    return out


# -- YAML text ------------------------------------------------------------------------------

_WIDTH = 100
_PLAIN_SAFE = re.compile(r"[^\W_](?:[\w ./()@&+'-]*[\w./()@&+'-])?")
_NUMBER_LIKE_CHAR = re.compile(r"[^0-9a-fA-FoOxX._+ -]")
_RESERVED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_MUST_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _yaml_str(text: str) -> str:
    """A string as a YAML scalar: plain when no YAML 1.1 or 1.2 reader can misread it."""
    if (
        _PLAIN_SAFE.fullmatch(text)
        and text.lower() not in _RESERVED_WORDS
        and not (text[0] in "0123456789" and not _NUMBER_LIKE_CHAR.search(text))
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _MUST_ESCAPE.sub(escape_char, quoted) if _MUST_ESCAPE.search(quoted) else quoted


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return _yaml_str(value)
    raise TypeError(f"cannot write a {type(value).__name__} in a chain file")


def _is_container(value: object) -> bool:
    return isinstance(value, dict | list | tuple)


def _yaml_inline(value: object, room: int) -> str | None:
    """Flow text for ``value`` when it fits in ``room`` characters, else ``None``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts: list[str] = []
        used = 0
        for key, item in value.items():
            key_text = _yaml_str(str(key))
            inner = _yaml_inline(item, room - used - len(key_text) - 4)
            if inner is None:
                return None
            parts.append(f"{key_text}: {inner}")
            used += len(parts[-1]) + 2
        text = "{" + ", ".join(parts) + "}"
    elif isinstance(value, list | tuple):
        if not value:
            return "[]"
        parts = []
        used = 0
        for item in value:
            inner = _yaml_inline(item, room - used - 2)
            if inner is None:
                return None
            parts.append(inner)
            used += len(inner) + 2
        text = "[" + ", ".join(parts) + "]"
    else:
        text = _yaml_scalar(value)
    return text if len(text) <= room else None


def _emit_entry(out: list[str], head: str, value: object, indent: int) -> None:
    """Write ``head`` (``key:``, or ``:`` after an explicit key) and ``value`` after it."""
    if not _is_container(value):
        out.append(f"{head} {_yaml_scalar(value)}")
        return
    inline = _yaml_inline(value, _WIDTH - len(head) - 1)
    if inline is not None:
        out.append(f"{head} {inline}")
        return
    out.append(head)
    if isinstance(value, dict):
        _emit_mapping(out, value, indent + 2, " " * (indent + 2))
    else:
        _emit_sequence(out, cast("Sequence[object]", value), indent + 2)


def _emit_mapping(out: list[str], mapping: Mapping[Any, object], indent: int, first: str) -> None:
    """Write a non-empty block mapping; ``first`` prefixes the first key (e.g. ``"  - "``)."""
    pad = " " * indent
    prefix = first
    for key, value in mapping.items():
        key_text = _yaml_str(str(key))
        if len(key_text) > 1000:  # too long for an implicit key
            out.append(f"{prefix}? {key_text}")
            head = pad + ":"
        else:
            head = f"{prefix}{key_text}:"
        _emit_entry(out, head, value, indent)
        prefix = pad


def _emit_sequence(out: list[str], items: Sequence[object], indent: int) -> None:
    """Write a non-empty block sequence."""
    pad = " " * indent
    for item in items:
        inline = _yaml_scalar(item) if not _is_container(item) else None
        inline = inline or _yaml_inline(item, _WIDTH - indent - 2)
        if inline is not None:
            out.append(f"{pad}- {inline}")
        elif isinstance(item, dict):
            _emit_mapping(out, item, indent + 2, pad + "- ")
        else:
            out.append(pad + "-")
            _emit_sequence(out, cast("Sequence[object]", item), indent + 2)
