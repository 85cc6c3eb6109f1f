"""YAML 1.2 and JSON: text -> plain values that remember their lines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

import yaml

from graph.i18n import N_, format_number, gettext
from importers.chainfile.messages import join_path, path_text, quote


class YMap(dict[str, object]):
    """A YAML mapping that remembers the line of itself, of each key and non-string text."""

    __slots__ = ("key_lines", "line", "texts")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.texts: dict[str, str] = {}


class YSeq(list[object]):
    """A YAML sequence that remembers the line of itself, of each item and non-string text."""

    __slots__ = ("item_lines", "line", "texts")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []
        self.texts: dict[int, str] = {}


def line_of(container: object, key: str | int | None = None) -> int | None:
    """The line of ``key`` in a YAML container (of the container itself for ``None``)."""
    if isinstance(container, YMap):
        if isinstance(key, str):
            return container.key_lines.get(key, container.line)
        return container.line
    if isinstance(container, YSeq):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return None


def line_at(root: object, parts: Sequence[str | int]) -> int | None:
    """The line of the value at ``parts`` (a field path as a tuple) in a parsed YAML file."""
    node = root
    for part in parts[:-1]:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        return line_of(node)
    return line_of(node, parts[-1] if parts else None)


def source_text(container: object, key: str | int) -> str | None:
    """The text a YAML number or boolean was written as (``007`` for the int 7)."""
    if isinstance(container, YMap) and isinstance(key, str):
        return container.texts.get(key)
    if isinstance(container, YSeq) and isinstance(key, int):
        return container.texts.get(key)
    return None


_YAML_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CORE_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_MAYBE_NOT_STRING = frozenset("-+.0123456789nNtTfF~")
_MAX_DEPTH = 100


class _BadScalarError(Exception):
    """A scalar that YAML 1.2 core rules cannot give a value."""


def _core_number(text: str) -> int | float | None:
    """The int or float a YAML 1.2 core scalar means, ``None`` when it is not a number."""
    if _CORE_INT.fullmatch(text):
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_SPECIAL_FLOAT.fullmatch(text):
        raise _BadScalarError(
            gettext("{value}: infinite and not-a-number values are not allowed").format(
                value=quote(text)
            )
        )
    return None


def _resolve_plain(text: str) -> object:
    """Resolve an untagged plain scalar by the YAML 1.2 core schema."""
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text
    if text in _NULLS:
        return None
    flag = _BOOLS.get(text)
    if flag is not None:
        return flag
    try:
        number = _core_number(text)
    except ValueError:  # an int with more digits than Python converts
        raise _BadScalarError(
            gettext("{value}: the number is too long").format(value=quote(text))
        ) from None
    return text if number is None else number


def _resolve_tagged(tag: str, text: str) -> object:
    """Resolve a scalar with an explicit standard tag (``!!str``, ``!!int``, ...)."""
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null" and text in _NULLS:
        return None
    if tag == _TAG + "bool" and text in _BOOLS:
        return _BOOLS[text]
    if tag in (_TAG + "int", _TAG + "float"):
        try:
            number = _core_number(text)
        except ValueError:
            number = None
        if number is not None and (tag == _TAG + "float" or isinstance(number, int)):
            return float(number) if tag == _TAG + "float" else number
    if tag in _CORE_SCALAR_TAGS:
        raise _BadScalarError(
            gettext("{value} is not a valid {tag}").format(value=quote(text), tag=_short_tag(tag))
        )
    raise _BadScalarError(_tag_not_allowed(tag))


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


_CORE_SCALAR_TAGS = frozenset(_TAG + name for name in ("str", "null", "bool", "int", "float"))


def _tag_not_allowed(tag: str) -> str:
    return gettext(
        "the tag {tag} is not allowed; only !!str, !!int, !!float, !!bool, !!null, !!map and "
        "!!seq may be written"
    ).format(tag=_short_tag(tag))


NOTHING: Final = object()  # no value at all: an empty file, or one that could not be parsed
_NO_KEY: Final = object()  # a mapping on the stack is waiting for a key
_SKIP: Final = object()  # ... or for a value to throw away (after a bad or repeated key)


class Composer:
    """Turns the YAML parser's events into values with ``YMap``/``YSeq`` containers.

    Scalars are resolved here by the YAML 1.2 core schema. Anchors, aliases, non-core tags,
    repeated keys and a second document are reported as ``(path, message, line)``.
    """

    def __init__(self, report: Callable[[str, str, int | None], None]) -> None:
        self.report = report
        self.root: object = NOTHING
        self.stack: list[YMap | YSeq] = []
        self.pending: list[object] = []  # per open container: the key awaited/read, or None
        self.places: list[str | int] = []  # per open container: its key or index in its parent
        self.number = 0  # of the document being read, from 1

    def compose(self, text: str) -> object:
        """The value of the one document in ``text``; ``NOTHING`` when there is none."""
        root: object = NOTHING
        for _, _, value in self.documents(
            text,
            most=1,
            too_many=gettext("a chain file holds one YAML document; found a second one"),
        ):
            root = value
        return root

    def documents(
        self, text: str, *, most: int | None = None, too_many: str = ""
    ) -> Iterator[tuple[int, int, object]]:
        """Each document of ``text`` as (its number from 1, its first line, its value), as it
        ends. Stops where nesting is too deep, and at document ``most + 1``, reporting
        ``too_many`` there."""
        first_line = 1
        event: Any
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            kind = event.__class__
            if kind is yaml.ScalarEvent:
                self.scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if not self.start(event, is_map=kind is yaml.MappingStartEvent):
                    return
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self.stack.pop()
                self.pending.pop()
                self.places.pop()
            elif kind is yaml.AliasEvent:
                line = _event_line(event)
                message = gettext(
                    "aliases (*{anchor}) are not allowed; write the value out in full"
                )
                self.report(self.here(), message.format(anchor=event.anchor), line)
                self.add(None, line, None)
            elif kind is yaml.DocumentStartEvent:
                first_line = _event_line(event)
                if most is not None and self.number >= most:
                    self.report("", too_many, first_line)
                    return
                self.number += 1
                self.root = NOTHING
            elif kind is yaml.DocumentEndEvent:
                yield self.number, first_line, self.root

    def place(self) -> str | int:
        """Where the next value goes in the open container: a key, an index, or ``""``."""
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top, YSeq):
            return len(top)
        key = self.pending[-1]
        return key if isinstance(key, str) else ""

    def here(self, place: str | int | None = None) -> str:
        """The field path of the next value (or of ``place`` in the open container)."""
        return path_text([*self.places[1:], self.place() if place is None else place])

    def scalar(self, event: Any) -> None:
        line = _event_line(event)
        if event.anchor is not None:
            self.report(self.here(), _anchor_not_allowed(event.anchor), line)
        raw: str = event.value
        value: object = raw
        if self.stack and self.pending[-1] is _NO_KEY:
            pass  # a key: always its text
        elif event.tag is not None:
            try:
                value = _resolve_tagged(event.tag, raw)
            except _BadScalarError as bad:
                self.report(self.here(), str(bad), line)
                value = None
        elif event.implicit[0]:  # plain
            try:
                value = _resolve_plain(raw)
            except _BadScalarError as bad:
                self.report(self.here(), str(bad), line)
                value = None
        self.add(value, line, raw)

    def start(self, event: Any, *, is_map: bool) -> bool:
        line = _event_line(event)
        if event.anchor is not None:
            self.report(self.here(), _anchor_not_allowed(event.anchor), line)
        if event.tag is not None and event.tag != _TAG + ("map" if is_map else "seq"):
            self.report(
                self.here(),
                _tag_not_allowed(event.tag),
                line,
            )
        if len(self.stack) >= _MAX_DEPTH:
            self.report(
                self.here(),
                gettext("nested more than {depth} levels deep").format(depth=_MAX_DEPTH),
                line,
            )
            return False
        container: YMap | YSeq = YMap(line) if is_map else YSeq(line)
        self.places.append(self.place())
        self.add(container, line, None)
        self.stack.append(container)
        self.pending.append(_NO_KEY if is_map else None)
        return True

    def add(self, value: object, line: int, text: str | None) -> None:
        """Put a value (or a key) into the open container, or make it the root."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, YSeq):
            top.append(value)
            top.item_lines.append(line)
            if text is not None and not isinstance(value, str):
                top.texts[len(top) - 1] = text
            return
        key = self.pending[-1]
        if key is _NO_KEY:
            self.pending[-1] = self.key(top, value, line)
            return
        self.pending[-1] = _NO_KEY
        if isinstance(key, str):  # not _SKIP
            top[key] = value
            if text is not None and not isinstance(value, str):
                top.texts[key] = text

    def key(self, mapping: YMap, value: object, line: int) -> object:
        """Check a key just read; return it, or ``_SKIP`` to drop the value that follows."""
        if not isinstance(value, str):
            self.report(
                self.here(),
                gettext("a mapping key must be a plain string, not a list or mapping"),
                line,
            )
            return _SKIP
        if value in mapping.key_lines:
            first = mapping.key_lines[value]
            message = gettext("the key is repeated (first on line {line})").format(line=first)
            self.report(self.here(value), message, line)
            return _SKIP
        mapping.key_lines[value] = line
        return value


def _event_line(event: Any) -> int:
    return int(event.start_mark.line) + 1


def _anchor_not_allowed(anchor: str) -> str:
    return gettext("anchors (&{anchor}) are not allowed; write the value out in full").format(
        anchor=anchor
    )


def compose_yaml(text: str, report: Callable[[str, str, int | None], None]) -> object:
    """Parse one YAML document into values (see :class:`Composer`)."""
    return Composer(report).compose(text)


# ---------------------------------------------------------------------------------------------
# JSON: the standard library, with repeated keys and non-finite numbers reported.


def parse_json(text: str, report: Callable[[str, str, int | None], None]) -> object:
    repeated: list[tuple[dict[str, object], list[str]]] = []

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        mapping = dict(pairs)
        if len(mapping) != len(pairs):
            seen: set[str] = set()
            again: list[str] = []
            for key, _ in pairs:
                if key in seen:
                    again.append(key)
                seen.add(key)
            repeated.append((mapping, again))
        return mapping

    def refuse_constant(name: str) -> object:
        raise ValueError(
            gettext("{name} is not allowed (JSON has no infinite or not-a-number values)").format(
                name=name
            )
        )

    try:
        root = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=refuse_constant)
    except json.JSONDecodeError as err:
        message = gettext(
            "not valid JSON: {problem} (line {line} column {column}) (a file whose first "
            "character is '{{' is read as JSON)"
        ).format(problem=library_words(err.msg), line=err.lineno, column=err.colno)
        report("", message, err.lineno)
        return NOTHING
    except ValueError as err:
        report("", gettext("not valid JSON: {problem}").format(problem=err), None)
        return NOTHING
    if repeated:
        where = _find_paths(root, {id(mapping) for mapping, _ in repeated})
        for mapping, keys in repeated:
            for key in dict.fromkeys(keys):
                path = join_path(where.get(id(mapping), ""), key)
                report(path, gettext("the key is repeated"), None)
    return root


def _find_paths(root: object, wanted: set[int]) -> dict[int, str]:
    """The paths of the containers whose ``id`` is in ``wanted`` (only used on errors)."""
    found: dict[int, str] = {}
    todo: list[tuple[object, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        if id(node) in wanted:
            found[id(node)] = path
        if isinstance(node, dict):
            todo.extend((value, join_path(path, key)) for key, value in node.items())
        elif isinstance(node, list):
            todo.extend((value, join_path(path, index)) for index, value in enumerate(node))
    return found


# ---------------------------------------------------------------------------------------------
# One file: bytes -> values -> checked entities.


_FIRST_CHARACTER = re.compile(r"[^ \t\r\n]")


def parse_file(
    data: bytes, max_bytes: int, report: Callable[[str, str, int | None], None]
) -> object:
    """Decode and parse a chain file: YAML, or JSON when its first character is ``{``;
    :data:`NOTHING` when that fails (the reason is reported as ``(path, message, line)``)."""
    reported = []

    def note(path: str, message: str, line: int | None) -> None:
        reported.append(True)
        report(path, message, line)

    if len(data) > max_bytes:
        message = gettext("the file is {size} bytes, more than the limit of {limit}")
        note(
            "",
            message.format(
                size=format_number(len(data), grouped=True),
                limit=format_number(max_bytes, grouped=True),
            ),
            None,
        )
        return NOTHING
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        note("", gettext("the file is UTF-16 text; save it as UTF-8"), None)
        return NOTHING
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        note(
            "",
            gettext(
                "not UTF-8 text: byte {byte} at offset {offset} is not valid UTF-8; save the "
                "file as UTF-8"
            ).format(byte=f"0x{data[err.start]:02x}", offset=err.start),
            line,
        )
        return NOTHING
    first = _FIRST_CHARACTER.search(text)
    try:
        if first is not None and first.group() == "{":
            root = parse_json(text, note)
        else:
            root = compose_yaml(text, note)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = None if mark is None else int(mark.line) + 1
        problem = getattr(err, "problem", None) or str(err)
        context = getattr(err, "context", None)
        began = getattr(err, "context_mark", None)
        if context and began is not None and where is not None and int(began.line) + 1 < where:
            # the parser notices where it gave up (an unclosed quote: at the end of the file);
            # the line it was reading from is where to look
            message = gettext("not valid YAML: {problem} ({context} that starts on line {line})")
            message = message.format(
                problem=library_words(problem),
                context=library_words(context),
                line=int(began.line) + 1,
            )
        elif context:
            message = gettext("not valid YAML: {problem} ({context})").format(
                problem=library_words(problem), context=library_words(context)
            )
        else:
            message = gettext("not valid YAML: {problem}").format(problem=library_words(problem))
        note("", message, where)
        return NOTHING
    except RecursionError:
        note("", gettext("the file is nested too deeply"), None)
        return NOTHING
    if root is NOTHING:
        if not reported:
            note("", gettext("the file is empty; a chain file starts with 'ketenkaart: 1'"), None)
        return NOTHING
    return root


# The problems and contexts the YAML parser (libyaml, through PyYAML's CSafeLoader) and the JSON
# parser report, marked for the catalog: :func:`library_words` says them in the context's
# language. A text not listed here (another parser version's wording) stays as the parser wrote it.
_LIBRARY_WORDS = frozenset(
    {
        N_("did not find expected node content"),
        N_("did not find expected ',' or '}'"),
        N_("did not find expected ',' or ']'"),
        N_("did not find expected '-' indicator"),
        N_("did not find expected key"),
        N_("did not find expected <document start>"),
        N_("did not find expected alphabetic or numeric character"),
        N_("did not find the expected '>'"),
        N_("did not find expected whitespace or line break"),
        N_("could not find expected ':'"),
        N_("mapping values are not allowed in this context"),
        N_("block sequence entries are not allowed in this context"),
        N_("found unexpected end of stream"),
        N_("found unexpected document indicator"),
        N_("found character that cannot start any token"),
        N_("found unknown escape character"),
        N_("found a tab character where an indentation space is expected"),
        N_("found a tab character that violates indentation"),
        N_("found duplicate %YAML directive"),
        N_("found incompatible YAML document"),
        N_("found undefined tag handle"),
        N_("found unknown directive name"),
        N_("while parsing a flow node"),
        N_("while parsing a block node"),
        N_("while parsing a node"),
        N_("while parsing a flow mapping"),
        N_("while parsing a flow sequence"),
        N_("while parsing a block mapping"),
        N_("while parsing a block collection"),
        N_("while parsing a quoted scalar"),
        N_("while scanning a quoted scalar"),
        N_("while scanning a plain scalar"),
        N_("while scanning a block scalar"),
        N_("while scanning a simple key"),
        N_("while scanning for the next token"),
        N_("while scanning an anchor"),
        N_("while scanning an alias"),
        N_("while scanning a tag"),
        N_("while scanning a directive"),
        N_("Expecting value"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Extra data"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
    }
)


def library_words(text: str) -> str:
    """A parser's own words (a problem or its context) in the context's language, when they are
    among those the catalog carries; as the parser wrote them otherwise.

    >>> library_words("did not find expected key")
    'did not find expected key'
    """
    return gettext(text) if text in _LIBRARY_WORDS else text
