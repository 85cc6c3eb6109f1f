"""Backstage software catalogs (``catalog-info.yaml``): Systems, Components and Resources.

A Backstage catalog file holds one or more YAML documents, each an entity with ``apiVersion``,
``kind``, ``metadata`` and ``spec``. ``Location`` entities point at further catalog files
(``spec.target`` / ``spec.targets``, relative to the file that holds them); they are followed
through :attr:`importers.base.Source.fetch` (the CLI gives :func:`folder_fetch`).

What becomes what (docs/adr/0013-backstage.md tells why):

- every System, Component and Resource becomes a service; its kind comes from
  :func:`importers.kinds.kind_of`: a service-model word in its title or description ("SaaS",
  "infrastructure as a service"), else the tables :data:`SYSTEM_KIND`, :data:`COMPONENT_KINDS`
  and :data:`RESOURCE_KINDS` (by ``spec.type``), else a plain word in its title or description
  ("database", "hosting", "back-up"); when none applies, ``other`` and a warning naming the
  type;
- its ``spec.owner`` (a Group by default) becomes its supplier, named by the Group's or User's
  title or display name when that entity was read;
- links ("from relies on to"): ``dependsOn`` (from the entity), ``dependencyOf`` (to it), a
  System relies on the Components and Resources whose ``spec.system`` names it, a Component on
  its sub-components (``subcomponentOf``), and a Component that consumes an API relies on each
  Component that provides it;
- the offerings are the Systems nothing relies on or, in a catalog without Systems, the
  Components nothing relies on;
- a link to a Component of the consumer's own owner in the consumer's own System (or
  ``subcomponentOf`` line) is the owner's own software: out of scope, "part of X's own system",
  with what it relies on linked from the System directly (:mod:`importers.internal`, ADR 34),
  unless :attr:`importers.base.Source.keep_internal`.

A catalog without a System, Component or Resource is refused, saying which kinds it holds and
how many. At most :data:`importers.base.MAX_ERRORS` lines of errors are given, the last counting
the rest. API, Group and User entities are read for the links and supplier names above; Location
entities are followed; Domain and Template entities are skipped silently, any other kind with a
warning. Anchors and aliases, tags outside YAML's core schema and nesting beyond 100 levels are
refused; ``NO`` and ``on`` stay strings (YAML 1.2 core rules, as in chain files).

>>> result = IMPORTER.parse(b'''
... apiVersion: backstage.io/v1alpha1
... kind: Component
... metadata: {name: shop, title: Web shop}
... spec: {type: website, owner: team-web, lifecycle: production, dependsOn: [resource:db]}
... ---
... apiVersion: backstage.io/v1alpha1
... kind: Resource
... metadata: {name: db}
... spec: {type: database, owner: team-web}
... ''', Source("catalog-info.yaml"))
>>> result.ok, result.chain.offerings, [s.kind.value for s in result.chain.services.values()]
(True, ('shop',), ['saas', 'paas'])
>>> list(result.chain.dependencies)
[('shop', 'db')]
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Final, Literal

import yaml

from graph.errors import ChainError
from graph.i18n import N_, format_number, gettext, ngettext
from graph.model import Chain, Dependency, Kind, Service, Supplier
from importers.base import (
    MAX_IMPORT_BYTES,
    Fetch,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Source,
    too_big,
)
from importers.chainfile import dump_plain, load_plain
from importers.chainfile.messages import describe, path_text, quote
from importers.chainfile.yaml12 import NOTHING, Composer, library_words, line_at, source_text
from importers.errorcap import capped
from importers.internal import Internal, set_apart
from importers.kinds import RESOURCE_TYPES, kind_of

__all__ = [
    "COMPONENT_KINDS",
    "IMPORTER",
    "MAX_FILES",
    "MAX_LINKS",
    "RESOURCE_KINDS",
    "SYSTEM_KIND",
    "BackstageImporter",
    "EntityRef",
    "TargetMissing",
    "folder_fetch",
    "parse_entity_ref",
]

# ---------------------------------------------------------------------------------------------
# The mapping as data.

SYSTEM_KIND: Final = Kind.SAAS
"""A System is what the catalog's owner offers as a whole: an online service."""

COMPONENT_KINDS: Final[Mapping[str, Kind]] = MappingProxyType(
    {
        "service": Kind.SAAS,
        "website": Kind.SAAS,
        "library": Kind.OTHER,  # code linked into others, not a service of its own
    }
)
"""A Component's kind by its ``spec.type`` (compared in lower case); other types give ``other``."""

RESOURCE_KINDS: Final[Mapping[str, Kind]] = RESOURCE_TYPES
"""A Resource's kind by its ``spec.type``: the cloud resource types of
:data:`importers.kinds.RESOURCE_TYPES` (object storage, managed databases, queues, caches, CDNs,
DNS, key management, identity, e-mail, monitoring, ...), compared as
:func:`importers.kinds.resource_type_kind` compares them."""

MAX_FILES: Final = 1_000
"""The most catalog files one import reads, the imported file and every Location target."""

MAX_LINKS: Final = 100_000
"""The most links one import makes (API consumers times providers could grow without end)."""

_API_VERSIONS = frozenset({"backstage.io/v1alpha1", "backstage.io/v1beta1"})
_SERVICE_KINDS = ("System", "Component", "Resource")
_READ_KINDS = frozenset({*_SERVICE_KINDS, "Location", "API", "Group", "User"})
_SILENT_KINDS = frozenset({"Domain", "Template"})
_KNOWN_KINDS = _READ_KINDS | _SILENT_KINDS
_ROLE_PART = "part of the system"
_ROLE_SUBCOMPONENT = "subcomponent"

# Backstage's own rules for names (object names), namespaces (DNS labels) and kinds.
_NAME_RE = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_NAMESPACE_RE = re.compile(r"[a-z0-9]+(?:-+[a-z0-9]+)*")
_KIND_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_MAX_NAME = 63
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE_RE = re.compile(r"[A-Za-z]:[\\/]")
_GLOB_CHARS = frozenset("*?[")
_SNIFF_RE = re.compile(
    rb"""(?m)(?:^|[{,])[ \t]*["']?apiVersion["']?[ \t]*:[ \t]*["']?"""
    rb"(?:[a-z0-9.-]+\.)?backstage\.io/"
)
_CATALOG_NAMES = ("catalog-info.yaml", "catalog-info.yml")


# ---------------------------------------------------------------------------------------------
# Entity references.


def _expected(what: str, value: object) -> str:
    """``expected a string, got the number 12``, all of it in the context's language (``what``
    is a text marked with ``N_``)."""
    return gettext("expected {expected}, got {value}").format(
        expected=gettext(what), value=describe(value)
    )


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A reference to a catalog entity, its parts as written.

    Backstage compares references without regard to case: :attr:`key` and ``str()`` give the
    canonical lower-case form.

    >>> ref = EntityRef("Resource", "default", "Artists-DB")
    >>> str(ref), ref.key
    ('resource:default/artists-db', ('resource', 'default', 'artists-db'))
    """

    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Kind, namespace and name in lower case: equal keys are the same entity."""
        return (self.kind.lower(), self.namespace.lower(), self.name.lower())

    def __str__(self) -> str:
        kind, namespace, name = self.key
        return f"{kind}:{namespace}/{name}"


def parse_entity_ref(
    text: str, *, default_kind: str | None = None, default_namespace: str = "default"
) -> EntityRef:
    """Read ``[<kind>:][<namespace>/]<name>`` by Backstage's rules for entity references.

    A ``/`` before the first ``:`` makes the ``:`` part of the name. The kind and namespace
    default to ``default_kind`` and ``default_namespace``; a reference with no kind and no
    default raises :class:`ValueError`, as does an empty part.

    >>> str(parse_entity_ref("artists-db", default_kind="Resource"))
    'resource:default/artists-db'
    >>> parse_entity_ref("group:ops/team-a", default_kind="User")
    EntityRef(kind='group', namespace='ops', name='team-a')
    >>> parse_entity_ref("team-a")
    Traceback (most recent call last):
    ...
    ValueError: 'team-a' has no kind; write it as '<kind>:team-a', e.g. 'resource:team-a'
    """
    colon = text.find(":")
    slash = text.find("/")
    if slash != -1 and slash < colon:
        colon = -1
    kind = None if colon == -1 else text[:colon]
    namespace = None if slash == -1 else text[colon + 1 : slash]
    name = text[max(colon + 1, slash + 1) :]
    if kind == "" or namespace == "" or name == "":
        raise ValueError(
            gettext("{text} is not of the form [<kind>:][<namespace>/]<name>").format(
                text=quote(text)
            )
        )
    kind = kind or default_kind
    if kind is None:
        raise ValueError(
            gettext("{text} has no kind; write it as {written}, e.g. {example}").format(
                text=quote(text), written=quote("<kind>:" + text), example=quote("resource:" + text)
            )
        )
    return EntityRef(kind, namespace or default_namespace, name)


# ---------------------------------------------------------------------------------------------
# Reading Location targets from a folder.


class TargetMissing(ImportFailed):
    """A Location target that does not exist (a warning for ``presence: optional``)."""


def folder_fetch(root: Path, limit_bytes: int = MAX_IMPORT_BYTES) -> Fetch:
    """A :data:`~importers.base.Fetch` that reads files inside the folder ``root`` only.

    Give it the folder of the imported catalog file: targets are relative to that file. It
    refuses absolute paths, any ``..``, symbolic links that lead outside ``root``, anything but
    a regular file, and files over ``limit_bytes``; a file that does not exist raises
    :class:`TargetMissing`, anything else refused :class:`~importers.base.ImportFailed`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "infra.yaml").write_bytes(b"kind: Resource")
    ...     fetch = folder_fetch(Path(folder), limit_bytes=100)
    ...     print(fetch("infra.yaml"))
    ...     try:
    ...         fetch("../../etc/passwd")
    ...     except ImportFailed as err:
    ...         print(err.problems[0].message)
    b'kind: Resource'
    '..' leads outside the catalog's folder; targets stay inside it
    """
    base = root.resolve()

    def refuse(target: str, message: str, error: type[ImportFailed] = ImportFailed) -> ImportFailed:
        return error([ImportIssue(target, message)], filename=str(base))

    def fetch(target: str) -> bytes:
        if not target or "\x00" in target:
            raise refuse(target, gettext("not a file name"))
        pure = PurePosixPath(target)
        if pure.is_absolute() or _DRIVE_RE.match(target):
            raise refuse(
                target, gettext("an absolute path is not read; targets are relative to the file")
            )
        if ".." in pure.parts:
            raise refuse(
                target, gettext("'..' leads outside the catalog's folder; targets stay inside it")
            )
        try:
            real = base.joinpath(*pure.parts).resolve(strict=True)
        except FileNotFoundError:
            raise refuse(target, gettext("no such file"), TargetMissing) from None
        except (OSError, RuntimeError) as err:  # a loop of symbolic links, no permission
            raise refuse(target, gettext("cannot be read: {error}").format(error=err)) from None
        if not real.is_relative_to(base):
            raise refuse(target, gettext("a symbolic link to a place outside the catalog's folder"))
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            handle = os.open(real, flags)
        except OSError as err:
            message = gettext("cannot be read: {error}").format(error=err.strerror)
            raise refuse(target, message) from None
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            os.close(handle)
            raise refuse(target, gettext("not a regular file"))
        with os.fdopen(handle, "rb") as file:
            data = file.read(limit_bytes + 1)
        if len(data) > limit_bytes:
            message = gettext("the file has more than {limit} bytes").format(
                limit=format_number(limit_bytes, grouped=True)
            )
            raise refuse(target, message)
        return data

    return fetch


# ---------------------------------------------------------------------------------------------
# Parsing: documents with lines, and the place of a problem.


@dataclass(slots=True)
class _Issues:
    """Every problem met, in order."""

    items: list[ImportIssue] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(item.severity == "error" for item in self.items)

    def add(
        self, where: str, message: str, severity: Literal["error", "warning"], kind: str = ""
    ) -> None:
        self.items.append(ImportIssue(where, message, severity, kind))


def _place(file: str | None, document: int | None, line: int | None, path: str) -> str:
    """``infra.yaml, document 2, line 7, spec.owner`` (the imported file itself is unnamed)."""
    parts = [
        file,
        None if document is None else gettext("document {number}").format(number=document),
        None if line is None else gettext("line {line}").format(line=line),
        path or None,
    ]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class _Doc:
    """One YAML document of one catalog file."""

    file: str | None  # the path relative to the imported file; None for that file itself
    number: int  # counted from 1
    line: int
    root: object

    def where(self, parts: Sequence[str | int]) -> str:
        line: int | None = line_at(self.root, parts) if parts else self.line
        return _place(self.file, self.number, line, path_text(parts))


class _Documents(Composer):
    """The chain file's YAML composer, taking every document of a stream in turn."""

    def __init__(self, file: str | None, issues: _Issues) -> None:
        super().__init__(self._report)
        self.file = file
        self.issues = issues

    def _report(self, path: str, message: str, line: int | None) -> None:
        self.issues.add(_place(self.file, self.number or None, line, path), message, "error")

    def read(self, text: str) -> list[_Doc]:
        """Every document in ``text``, with its number and first line; stops where too deep."""
        return [_Doc(self.file, n, line, root) for n, line, root in self.documents(text)]


def _documents(data: bytes, file: str | None, issues: _Issues) -> list[_Doc]:
    """Decode and parse one catalog file; problems go to ``issues``."""
    where = _place(file, None, None, "")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        issues.add(where, gettext("the file is UTF-16 text; save it as UTF-8"), "error")
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        issues.add(
            _place(file, None, line, ""),
            gettext(
                "not UTF-8 text: byte {byte} at offset {offset} is not valid UTF-8; save the "
                "file as UTF-8"
            ).format(byte=f"0x{data[err.start]:02x}", offset=err.start),
            "error",
        )
        return []
    composer = _Documents(file, issues)
    try:
        return composer.read(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        at = None if mark is None else int(mark.line) + 1
        problem = getattr(err, "problem", None) or str(err)
        context = getattr(err, "context", None)
        if context:
            message = gettext("not valid YAML: {problem} ({context})").format(
                problem=library_words(problem), context=library_words(context)
            )
        else:
            message = gettext("not valid YAML: {problem}").format(problem=library_words(problem))
        issues.add(_place(file, composer.number or None, at, ""), message, "error")
        return []


# ---------------------------------------------------------------------------------------------
# Entities.


@dataclass(slots=True)
class _Entity:
    """A System, Component or Resource as read, with the fields the chain needs."""

    doc: _Doc
    kind: str
    ref: EntityRef
    spec: dict[str, object]
    title: str | None
    description: str | None
    service_id: str = ""


@dataclass(slots=True)
class _Catalog:
    """What the files hold: service entities, display names of owners, and every problem."""

    issues: _Issues = field(default_factory=_Issues)
    entities: list[_Entity] = field(default_factory=list)
    by_key: dict[tuple[str, str, str], _Entity] = field(default_factory=dict)
    party_names: dict[tuple[str, str, str], str] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)  # entities by kind, in order of sight
    files: int = 0
    bytes_read: int = 0

    def error(self, where: str, message: str) -> None:
        self.issues.add(where, message, "error")

    def warn(self, where: str, message: str, kind: str = "") -> None:
        """A warning; ``kind`` names warnings a catalog may repeat, for the common summary."""
        self.issues.add(where, message, "warning", kind)

    # -- typed fields --------------------------------------------------------------------------

    def text(
        self, doc: _Doc, m: Mapping[str, object], parts: tuple[str | int, ...], *, required: bool
    ) -> str | None:
        """The string at ``m[parts[-1]]``; reports a wrong type, or absence when ``required``."""
        value = m.get(str(parts[-1]))
        if isinstance(value, str) and value:
            return value
        if value is None or value == "":
            if required:
                self.error(doc.where(parts), gettext("required"))
            return None
        hint = ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            hint = gettext("; quote it: {text}").format(
                text=json.dumps(source_text(m, str(parts[-1])) or str(value))
            )
        self.error(doc.where(parts), _expected(N_("a string"), value) + hint)
        return None

    def mapping(
        self, doc: _Doc, m: Mapping[str, object], parts: tuple[str | int, ...], *, required: bool
    ) -> dict[str, object] | None:
        value = m.get(str(parts[-1]))
        if isinstance(value, dict):
            return value
        if value is None:
            if required:
                self.error(doc.where(parts), gettext("required"))
            return None
        self.error(doc.where(parts), _expected(N_("a mapping"), value))
        return None

    def texts(
        self, doc: _Doc, m: Mapping[str, object], parts: tuple[str | int, ...]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """The strings of the list at ``m[parts[-1]]``, each with its own path."""
        value = m.get(str(parts[-1]))
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(doc.where(parts), _expected(N_("a list of strings"), value))
            return []
        found: list[tuple[tuple[str | int, ...], str]] = []
        for index, item in enumerate(value):
            here = (*parts, index)
            if isinstance(item, str) and item:
                found.append((here, item))
            else:
                self.error(doc.where(here), _expected(N_("a string"), item))
        return found

    # -- one document --------------------------------------------------------------------------

    def read(self, doc: _Doc) -> list[tuple[tuple[str | int, ...], str, str]]:
        """Read one document's entity; return its Location targets (path, target, presence)."""
        root = doc.root
        if root is None or root is NOTHING:
            return []  # an empty document, as after a trailing '---'
        if not isinstance(root, dict):
            self.error(
                doc.where(()),
                gettext(
                    "a catalog document is an entity (a mapping with apiVersion, kind, metadata "
                    "and spec), not {value}"
                ).format(value=describe(root)),
            )
            return []
        api_version = self.text(doc, root, ("apiVersion",), required=True)
        kind = self.text(doc, root, ("kind",), required=True)
        if api_version is None or kind is None:
            return []
        self.found[kind] = self.found.get(kind, 0) + 1
        if kind not in _KNOWN_KINDS:
            self.skip_unknown(doc, kind)
            return []
        if kind in _SILENT_KINDS:
            return []
        if api_version not in _API_VERSIONS:
            first, second = sorted(_API_VERSIONS)
            self.warn(
                doc.where(("apiVersion",)),
                gettext(
                    "{version} is not a Backstage apiVersion ({first} or {second}); the {kind} is "
                    "skipped"
                ).format(version=quote(api_version), first=first, second=second, kind=kind),
                gettext("entity of another apiVersion"),
            )
            return []
        metadata = self.mapping(doc, root, ("metadata",), required=True)
        spec = self.mapping(doc, root, ("spec",), required=kind != "API")
        if metadata is None:
            return []
        ref = self.entity_ref(doc, kind, metadata)
        title = self.text(doc, metadata, ("metadata", "title"), required=False)
        description = self.text(doc, metadata, ("metadata", "description"), required=False)
        if ref is None or spec is None:
            return []
        if kind == "Location":
            return self.location(doc, spec)
        if kind in ("Group", "User"):
            self.party(doc, ref, title, spec)
        elif kind in _SERVICE_KINDS:
            self.service_entity(
                doc, kind=kind, ref=ref, spec=spec, title=title, description=description
            )
        return []

    def skip_unknown(self, doc: _Doc, kind: str) -> None:
        where = doc.where(("kind",))
        same = [known for known in _KNOWN_KINDS if known.lower() == kind.lower()]
        if same:
            self.warn(
                where,
                gettext("unknown kind {kind}, skipped; kinds are spelled {spelled}").format(
                    kind=quote(kind), spelled=quote(same[0])
                ),
                gettext("kind misspelled"),
            )
        elif not _KIND_RE.fullmatch(kind) or len(kind) > _MAX_NAME:
            self.error(
                where,
                gettext("{kind} is not a valid kind (a letter, then letters and digits)").format(
                    kind=quote(kind)
                ),
            )
        else:
            self.warn(
                where,
                gettext("entities of kind {kind} are not read; skipped").format(kind=quote(kind)),
                gettext("kind not read"),
            )

    def entity_ref(self, doc: _Doc, kind: str, metadata: dict[str, object]) -> EntityRef | None:
        name = self.text(doc, metadata, ("metadata", "name"), required=True)
        namespace = self.text(doc, metadata, ("metadata", "namespace"), required=False)
        ok = name is not None
        if name is not None and (len(name) > _MAX_NAME or not _NAME_RE.fullmatch(name)):
            self.error(
                doc.where(("metadata", "name")),
                gettext(
                    "{name} is not a valid entity name: at most {most} letters, digits, '-', '_' "
                    "and '.', starting and ending with a letter or digit"
                ).format(name=quote(name), most=_MAX_NAME),
            )
            ok = False
        if namespace is not None and (
            len(namespace) > _MAX_NAME or not _NAMESPACE_RE.fullmatch(namespace)
        ):
            self.error(
                doc.where(("metadata", "namespace")),
                gettext(
                    "{namespace} is not a valid namespace: lower case letters, digits and '-'"
                ).format(namespace=quote(namespace)),
            )
            ok = False
        if not ok or name is None:
            return None
        return EntityRef(kind, namespace or "default", name)

    def party(self, doc: _Doc, ref: EntityRef, title: str | None, spec: dict[str, object]) -> None:
        """Remember the display name of a Group or User, for the supplier it owns through."""
        profile = spec.get("profile")
        display = profile.get("displayName") if isinstance(profile, dict) else None
        name = display if isinstance(display, str) and display.strip() else title
        self.party_names.setdefault(ref.key, (name or ref.name).strip() or ref.name)

    def service_entity(
        self,
        doc: _Doc,
        *,
        kind: str,
        ref: EntityRef,
        spec: dict[str, object],
        title: str | None,
        description: str | None,
    ) -> None:
        first = self.by_key.get(ref.key)
        if first is not None:
            self.error(
                doc.where(("metadata", "name")),
                gettext("{ref} is declared twice (first at {first})").format(
                    ref=ref, first=first.doc.where(("metadata", "name"))
                ),
            )
            return
        entity = _Entity(doc, kind, ref, spec, title, description)
        self.entities.append(entity)
        self.by_key[ref.key] = entity

    def location(
        self, doc: _Doc, spec: dict[str, object]
    ) -> list[tuple[tuple[str | int, ...], str, str]]:
        presence = self.text(doc, spec, ("spec", "presence"), required=False) or "required"
        if presence not in ("required", "optional"):
            self.error(
                doc.where(("spec", "presence")), gettext("expected 'required' or 'optional'")
            )
        targets: list[tuple[tuple[str | int, ...], str]] = []
        target = self.text(doc, spec, ("spec", "target"), required=False)
        if target is not None:
            targets.append((("spec", "target"), target))
        targets.extend(self.texts(doc, spec, ("spec", "targets")))
        if not targets and "target" not in spec and "targets" not in spec:
            self.error(
                doc.where(("spec",)), gettext("a Location needs spec.target or spec.targets")
            )
        return [(parts, text, presence) for parts, text in targets]


# ---------------------------------------------------------------------------------------------
# Following Locations.


def _read_files(data: bytes, source: Source) -> _Catalog:
    """Read the imported file and every file its Locations lead to, depth first."""
    catalog = _Catalog(files=1, bytes_read=len(data))
    root_name = PurePosixPath(source.filename.replace("\\", "/")).name or source.filename
    visited = {root_name}
    # (path relative to the imported file or None for it, bytes, the files that led here)
    pending: list[tuple[str | None, bytes, tuple[str, ...]]] = [(None, data, ())]
    while pending:
        file, content, chain = pending.pop()
        here = root_name if file is None else file
        found: list[tuple[str | None, bytes, tuple[str, ...]]] = []
        for doc in _documents(content, file, catalog.issues):
            for parts, target, presence in catalog.read(doc):
                fetched = _follow(
                    catalog,
                    source,
                    doc,
                    parts=parts,
                    target=target,
                    presence=presence,
                    here=here,
                    chain=chain,
                )
                if fetched is None:
                    continue
                path, more = fetched
                if path in visited:
                    continue
                visited.add(path)
                found.append((path, more, (*chain, here)))
            if catalog.files > MAX_FILES:
                return catalog
        pending.extend(reversed(found))
    return catalog


def _follow(
    catalog: _Catalog,
    source: Source,
    doc: _Doc,
    *,
    parts: tuple[str | int, ...],
    target: str,
    presence: str,
    here: str,
    chain: tuple[str, ...],
) -> tuple[str, bytes] | None:
    """Read one Location target; ``None`` when it is not read (the reason is reported)."""
    where = doc.where(parts)
    if _URL_RE.match(target):
        catalog.warn(
            where,
            gettext("the URL {url} is not fetched; import that catalog on its own").format(
                url=quote(target)
            ),
            gettext("Location URL not fetched"),
        )
        return None
    if target.startswith("/") or _DRIVE_RE.match(target):
        catalog.error(
            where,
            gettext("{target} is an absolute path; targets are relative to the file").format(
                target=quote(target)
            ),
        )
        return None
    if _GLOB_CHARS.intersection(target):
        catalog.warn(
            where,
            gettext("the pattern {target} is not followed; name each file instead").format(
                target=quote(target)
            ),
        )
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(here), target))
    if path == ".." or path.startswith("../"):
        catalog.error(
            where,
            gettext(
                "{target} leads outside the folder of the imported file; import the catalog "
                "from a folder that holds every file"
            ).format(target=quote(target)),
        )
        return None
    if path in (*chain, here):
        loop = " -> ".join((*chain, here, path))
        catalog.warn(
            where,
            gettext("the Locations go round in a circle ({loop}); not read again").format(
                loop=loop
            ),
        )
        return None
    if source.fetch is None:
        catalog.warn(
            where,
            gettext("{target} is not read: this import has no folder to read from").format(
                target=quote(target)
            ),
            gettext("Location not read"),
        )
        return None
    if catalog.files >= MAX_FILES:
        message = gettext("the catalog has more than {most} files; the rest is not read")
        catalog.error(where, message.format(most=format_number(MAX_FILES, grouped=True)))
        catalog.files += 1
        return None
    try:
        data = source.fetch(path)
    except ImportFailed as err:
        reason = "; ".join(problem.message for problem in err.problems) or str(err)
        if presence == "optional" and isinstance(err, TargetMissing):
            message = gettext("{path} is optional and not there: {reason}")
            catalog.warn(where, message.format(path=quote(path), reason=reason))
        else:
            message = gettext("cannot read {path}: {reason}")
            catalog.error(where, message.format(path=quote(path), reason=reason))
        return None
    catalog.files += 1
    catalog.bytes_read += len(data)
    if catalog.bytes_read > MAX_IMPORT_BYTES:
        message = gettext("the catalog's files hold more than {most} bytes")
        catalog.error(where, message.format(most=format_number(MAX_IMPORT_BYTES, grouped=True)))
        catalog.files = MAX_FILES + 1  # stop reading
        return None
    return path, data


# ---------------------------------------------------------------------------------------------
# Building the chain.


def _kind_of(catalog: _Catalog, entity: _Entity) -> Kind:
    """The entity's kind by :func:`importers.kinds.kind_of`: a service-model word in its title
    or description, its type in the table, a plain word; else ``other``, with a warning."""
    texts = (entity.title, entity.description)
    if entity.kind == "System":
        return kind_of(texts=texts, resource_type="system", types={"system": SYSTEM_KIND}) or (
            SYSTEM_KIND
        )
    table = COMPONENT_KINDS if entity.kind == "Component" else RESOURCE_KINDS
    parts: tuple[str | int, ...] = ("spec", "type")
    kind_type = catalog.text(entity.doc, entity.spec, parts, required=True)
    if kind_type is None:
        return Kind.OTHER
    kind = kind_of(texts=texts, resource_type=kind_type, types=table)
    if kind is None:
        catalog.warn(
            entity.doc.where(parts),
            gettext(
                "{kind} type {type} is not in the kind table; the service's kind is 'other'"
            ).format(kind=entity.kind, type=quote(kind_type)),
            gettext("type not in the kind table"),
        )
        return Kind.OTHER
    return kind


def _ids(refs: Sequence[EntityRef]) -> dict[tuple[str, str, str], str]:
    """Chain ids: the name in lower case (``namespace.name`` outside ``default``); names that
    two entities share get their kind in front (``component.search``, ``resource.search``)."""
    base = {
        ref.key: ref.key[2] if ref.key[1] == "default" else f"{ref.key[1]}.{ref.key[2]}"
        for ref in refs
    }
    count: dict[str, int] = {}
    for value in base.values():
        count[value] = count.get(value, 0) + 1
    return {key: value if count[value] == 1 else f"{key[0]}.{value}" for key, value in base.items()}


@dataclass(slots=True)
class _Links:
    """Links in the order made, one per pair; a later one for the same pair adds its role."""

    catalog: _Catalog
    made: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    full: bool = False

    def add(self, consumer: str, provider: str, role: str | None, where: str) -> None:
        if consumer == provider:
            return
        roles = self.made.get((consumer, provider))
        if roles is None:
            if len(self.made) >= MAX_LINKS:
                if not self.full:
                    message = gettext("the catalog makes more than {most} links")
                    most = format_number(MAX_LINKS, grouped=True)
                    self.catalog.error(where, message.format(most=most))
                self.full = True
                return
            self.made[(consumer, provider)] = roles = []
        if role is not None and role not in roles:
            roles.append(role)


def _build(catalog: _Catalog, *, keep_internal: bool = False) -> Chain:
    entities = catalog.entities
    ids = _ids([entity.ref for entity in entities])
    for entity in entities:
        entity.service_id = ids[entity.ref.key]

    owners: dict[tuple[str, str, str], EntityRef] = {}
    owner_of: dict[str, tuple[str, str, str]] = {}
    for entity in entities:
        parts: tuple[str | int, ...] = ("spec", "owner")
        text = catalog.text(entity.doc, entity.spec, parts, required=True)
        if text is None:
            continue
        try:
            owner = parse_entity_ref(
                text, default_kind="Group", default_namespace=entity.ref.namespace
            )
        except ValueError as err:
            catalog.error(entity.doc.where(parts), str(err))
            continue
        owners.setdefault(owner.key, owner)
        owner_of[entity.service_id] = owner.key
    supplier_ids = _ids(list(owners.values()))
    suppliers = {
        supplier_ids[key]: Supplier(
            id=supplier_ids[key],
            name=catalog.party_names.get(key, ref.name),
            extra={"x-backstage": str(ref)},
        )
        for key, ref in owners.items()
    }

    services: dict[str, Service] = {}
    for entity in entities:
        kind = _kind_of(catalog, entity)
        owner_key = owner_of.get(entity.service_id)
        if owner_key is None:
            continue
        name = (entity.title or "").strip() or entity.ref.name
        description = (entity.description or "").strip() or None
        services[entity.service_id] = Service(
            id=entity.service_id,
            name=name,
            supplier=supplier_ids[owner_key],
            kind=kind,
            description=description,
            extra={"x-backstage": str(entity.ref)},
        )

    links = _Links(catalog)
    _link(catalog, links)
    dependencies = {
        pair: Dependency(consumer=pair[0], provider=pair[1], role=", ".join(roles) or None)
        for pair, roles in links.made.items()
    }
    relied_on = {provider for _, provider in dependencies}
    systems = [e.service_id for e in entities if e.kind == "System"]
    roots = systems or [e.service_id for e in entities if e.kind == "Component"]
    offerings = tuple(sid for sid in roots if sid not in relied_on and sid in services)
    chain = Chain(
        offerings=offerings,
        suppliers=suppliers,
        services=services,
        dependencies=dependencies,
    )
    if keep_internal:
        return chain
    chain, warning = set_apart(chain, _internal(catalog, chain, owner_of))
    if warning is not None:
        catalog.issues.items.append(warning)
    return chain


def _groups(catalog: _Catalog) -> dict[str, str]:
    """The service id of the System (else the top Component of its ``subcomponentOf`` line)
    each System and Component belongs to, by service id; Resources in a System belong to it."""
    parent: dict[str, str | None] = {}
    for entity in catalog.entities:
        if entity.kind == "System":
            parent[entity.service_id] = None
            continue
        for name, kind in (("system", "System"), ("subcomponentOf", "Component")):
            text = entity.spec.get(name)
            if not isinstance(text, str) or (
                name == "subcomponentOf" and entity.kind != "Component"
            ):
                continue
            try:
                ref = parse_entity_ref(
                    text, default_kind=kind, default_namespace=entity.ref.namespace
                )
            except ValueError:
                continue
            other = catalog.by_key.get(ref.key)
            if other is not None and other.kind == kind:
                parent[entity.service_id] = other.service_id
                break
        else:
            if entity.kind == "Component":
                parent[entity.service_id] = None
    groups: dict[str, str] = {}
    for start in parent:
        seen = [start]
        here = start
        while (up := parent.get(here)) is not None and up not in seen and up in parent:
            seen.append(up)
            here = up
        groups[start] = here
    return groups


def _internal(
    catalog: _Catalog, chain: Chain, owner_of: Mapping[str, tuple[str, str, str]]
) -> list[Internal]:
    """Links to a Component of the consumer's own owner in the consumer's own System (or
    ``subcomponentOf`` line): the owner's own software. Resources stay links: the infrastructure
    they stand for (a bucket, a database) is delivered by a cloud provider, not by the team."""
    groups = _groups(catalog)
    kinds = {entity.service_id: entity.kind for entity in catalog.entities}
    found: list[Internal] = []
    for consumer, provider in chain.dependencies:
        group = groups.get(consumer)
        if (
            kinds.get(provider) == "Component"
            and group is not None
            and groups.get(provider) == group
            and owner_of.get(consumer) == owner_of.get(provider)
        ):
            service = chain.services.get(group)
            found.append(Internal(consumer, provider, service.name if service else group))
    return found


def _link(catalog: _Catalog, links: _Links) -> None:
    """Every link the entities declare, in the order they declare them."""
    consumes: list[tuple[_Entity, tuple[str | int, ...], EntityRef]] = []
    providers: dict[tuple[str, str, str], list[str]] = {}
    for entity in catalog.entities:
        fields: list[tuple[str, str | None, bool]] = [("dependsOn", None, True)]
        if entity.kind in ("Component", "Resource"):
            fields += [("dependencyOf", None, False), ("system", "System", False)]
        if entity.kind == "Component":
            fields.append(("subcomponentOf", "Component", False))
        for name, default_kind, outgoing in fields:
            parts: tuple[str | int, ...] = ("spec", name)
            if name in ("system", "subcomponentOf"):
                text = catalog.text(entity.doc, entity.spec, parts, required=False)
                found = [] if text is None else [(parts, text)]
            else:
                found = catalog.texts(entity.doc, entity.spec, parts)
            role = {"system": _ROLE_PART, "subcomponentOf": _ROLE_SUBCOMPONENT}.get(name)
            for here, text in found:
                other = _target(catalog, entity, here, text, default_kind)
                if other is None:
                    continue
                consumer, provider = (
                    (entity.service_id, other) if outgoing else (other, entity.service_id)
                )
                links.add(consumer, provider, role, entity.doc.where(here))
        if entity.kind != "Component":
            continue
        for here, text in catalog.texts(entity.doc, entity.spec, ("spec", "providesApis")):
            api = _ref(catalog, entity, here, text, "API")
            if api is not None:
                providers.setdefault(api.key, []).append(entity.service_id)
        for here, text in catalog.texts(entity.doc, entity.spec, ("spec", "consumesApis")):
            api = _ref(catalog, entity, here, text, "API")
            if api is not None:
                consumes.append((entity, here, api))
    for entity, here, api in consumes:
        found_providers = providers.get(api.key, [])
        if not found_providers:
            catalog.warn(
                entity.doc.where(here),
                gettext(
                    "no Component that was read provides the API {api}; no link is made"
                ).format(api=api),
                gettext("API without a provider"),
            )
        for provider in found_providers:
            links.add(entity.service_id, provider, f"API {api.name}", entity.doc.where(here))


def _ref(
    catalog: _Catalog,
    entity: _Entity,
    parts: tuple[str | int, ...],
    text: str,
    default_kind: str | None,
) -> EntityRef | None:
    try:
        return parse_entity_ref(
            text, default_kind=default_kind, default_namespace=entity.ref.namespace
        )
    except ValueError as err:
        catalog.error(entity.doc.where(parts), str(err))
        return None


def _target(
    catalog: _Catalog,
    entity: _Entity,
    parts: tuple[str | int, ...],
    text: str,
    default_kind: str | None,
) -> str | None:
    """The service id a reference names; ``None`` (with a warning) when it names none."""
    ref = _ref(catalog, entity, parts, text, default_kind)
    if ref is None:
        return None
    other = catalog.by_key.get(ref.key)
    if other is not None:
        return other.service_id
    if ref.key[0] in ("system", "component", "resource"):
        message = gettext("{ref} is not in the catalog that was read; the link is left out").format(
            ref=ref
        )
    else:
        message = gettext(
            "{ref} is not a System, Component or Resource; the link is left out"
        ).format(ref=ref)
    catalog.warn(entity.doc.where(parts), message, gettext("reference not read"))
    return None


# ---------------------------------------------------------------------------------------------
# The importer.


@dataclass(frozen=True, slots=True)
class BackstageImporter:
    """Backstage catalogs: Systems, Components and Resources, following Location entries."""

    name: str = "backstage"
    description: str = (
        "Backstage catalog (catalog-info.yaml): Systems, Components and Resources with their "
        "dependencies, following Location entries"
    )

    def sniff(self, head: bytes, filename: str) -> bool:
        """A ``catalog-info.yaml`` file, or YAML with a ``backstage.io`` apiVersion.

        >>> IMPORTER.sniff(b"apiVersion: backstage.io/v1alpha1\\nkind: Component\\n", "x.yaml")
        True
        >>> IMPORTER.sniff(b"ketenkaart: 1\\n", "chain.yaml")
        False
        """
        base = PurePosixPath(filename.replace("\\", "/")).name.lower()
        return base in _CATALOG_NAMES or _SNIFF_RE.search(head) is not None

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The services, suppliers and links the catalog declares, or every error with its place.

        Location targets are read through ``source.fetch`` relative to the imported file; see
        the module's documentation for the mapping.

        >>> result = IMPORTER.parse(b"kind: Component\\nmetadata: {name: x}", Source("c.yaml"))
        >>> print(result.issues[0])
        document 1, line 1, apiVersion: required
        """
        big = too_big(data, source)
        if big is not None:
            return big
        catalog = _read_files(data, source)
        chain = Chain(offerings=())
        if not catalog.issues.failed:
            chain = _build(catalog, keep_internal=source.keep_internal)
        if not catalog.issues.failed:
            if not catalog.entities:
                catalog.error("", _nothing_read(catalog.found))
            else:
                chain = _checked(chain, catalog, source)
        if catalog.issues.failed:
            chain = Chain(offerings=())
        issues = capped(catalog.issues.items)
        return ImportResult(chain, issues, filename=source.filename)


def _nothing_read(found: Mapping[str, int]) -> str:
    """Why a catalog without a System, Component or Resource is refused: what it holds.

    >>> print(_nothing_read({"Group": 3, "User": 2}))
    the catalog holds 3 Group and 2 User entities, and no System, Component or Resource, the kinds ketenkaart reads as services
    >>> print(_nothing_read({"Component": 1, "Location": 1}))
    the catalog holds 1 Component and 1 Location entities, and no System, Component or Resource that could be read (the warnings say why)
    >>> print(_nothing_read({}))
    the catalog holds no entity; ketenkaart reads its Systems, Components and Resources as services
    """  # noqa: E501 - a doctest shows the message as it is
    if not found:
        return gettext(
            "the catalog holds no entity; ketenkaart reads its Systems, Components and "
            "Resources as services"
        )
    counts = [f"{number} {kind}" for kind, number in found.items()]
    listed = (
        counts[0]
        if len(counts) == 1
        else gettext("{first} and {last}").format(first=", ".join(counts[:-1]), last=counts[-1])
    )
    total = sum(found.values())
    if any(kind in found for kind in _SERVICE_KINDS):
        message = ngettext(
            "the catalog holds {listed} entity, and no System, Component or Resource that "
            "could be read (the warnings say why)",
            "the catalog holds {listed} entities, and no System, Component or Resource that "
            "could be read (the warnings say why)",
            total,
        )
    else:
        message = ngettext(
            "the catalog holds {listed} entity, and no System, Component or Resource, the "
            "kinds ketenkaart reads as services",
            "the catalog holds {listed} entities, and no System, Component or Resource, the "
            "kinds ketenkaart reads as services",
            total,
        )
    return message.format(listed=listed)


def _checked(chain: Chain, catalog: _Catalog, source: Source) -> Chain:
    """The chain as the chain-file reader accepts it (a last check that it is sound)."""
    document = dump_plain(chain)
    if not chain.offerings:
        document["offerings"] = [next(iter(chain.services))]
    try:
        load_plain(document, source=source.filename)
    except ChainError as err:
        for issue in err.issues:
            catalog.error(issue.path, issue.message)
    return chain


IMPORTER: Final = BackstageImporter()
"""The Backstage importer, for :mod:`importers.registry`."""
