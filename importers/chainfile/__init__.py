"""Read, check, write and merge chain files (``chain-format.md``, format version 1).

A chain file is YAML or JSON; both carry the same structure. Reading goes in three steps:

1. each file is parsed on its own into plain values that remember their lines
   (:mod:`~importers.chainfile.yaml12`: YAML with YAML 1.2 core rules, resolved from the
   parser's events; JSON with the standard library) and checked for structure, types and every
   rule that needs only that one file (:mod:`~importers.chainfile.reader`);
2. the files are merged by id (an identical repeat is fine, a conflicting one is an error);
3. references (suppliers, services, evidence holders, offerings) and supplier parent cycles are
   checked on the merged chain, so one file may refer to what another defines
   (:mod:`~importers.chainfile.merge`).

Writing (:mod:`~importers.chainfile.writer`) turns a chain into plain values in the order of the
contract, then into YAML or JSON text. This module holds the public API; the modules share only
public names.

Every problem found in any step is collected; a single :class:`~graph.errors.ChainError` lists
them all, each as ``FILE:LINE: path: message`` (YAML has lines, JSON only for syntax errors).

``x-`` keys are kept in ``extra`` on the top level and on suppliers, services, dependencies,
evidence and profiles, and written back by :func:`dump_chain`. Inside the smaller nested
mappings (``ids``, ``period``, ``cuecs``...) they are accepted and ignored: the model has no
place to keep them.

>>> chain = load_chain(b'''
... ketenkaart: 1
... offerings: [app]
... suppliers: [{id: acme, name: Acme B.V., country: NO}]
... services: [{id: app, name: App, supplier: acme, kind: saas}]
... ''')
>>> chain.suppliers["acme"].country
'NO'
>>> load_chain(dump_chain(chain)) == load_chain(dump_chain(chain, fmt="json")) == chain
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from graph.errors import ChainError, Issue  # noqa: F401 - ChainError: the doctests catch it
from graph.model import Chain, Profile
from importers.chainfile.merge import check_references, merge_parts, part_of, raise_if
from importers.chainfile.reader import Part, Reader
from importers.chainfile.writer import chain_plain, dump
from importers.chainfile.yaml12 import NOTHING
from importers.gcpause import paused

__all__ = [
    "MAX_CHAIN_BYTES",
    "dump_chain",
    "dump_plain",
    "dump_plain_lazily",
    "load_chain",
    "load_chains",
    "load_plain",
    "load_profile_file",
    "merge_chains",
]

MAX_CHAIN_BYTES: Final = 256 * 1024 * 1024
"""The largest chain file :func:`load_chain` reads, in bytes."""


def load_chains(files: Sequence[tuple[str, bytes]], *, max_bytes: int = MAX_CHAIN_BYTES) -> Chain:
    """Read chain files given together and merge them into one chain.

    Each file is parsed and checked on its own; the files are then merged by id (suppliers,
    services, evidence and profiles by id, dependencies by ``(from, to)``), and references
    are checked on the merged chain, so one file may use what another defines. Offerings,
    title and top-level ``x-`` keys are the first file's.

    Parameters
    ----------
    files : sequence of (str, bytes)
        The name (used in messages) and the content of each file, in order.
    max_bytes : int, optional
        The largest file accepted, :data:`MAX_CHAIN_BYTES` by default.

    Returns
    -------
    Chain
        The merged chain.

    Raises
    ------
    ChainError
        Listing every problem of every file, each with its file, line (YAML) and path.

    Examples
    --------
    >>> own = b"ketenkaart: 1\\nofferings: [app]\\nsuppliers: [{id: me, name: Me}]\\n" \\
    ...       b"services: [{id: app, name: App, supplier: me, kind: saas}]\\n" \\
    ...       b"dependencies: [{from: app, to: vm}]\\n"
    >>> host = b"ketenkaart: 1\\nofferings: [vm]\\nsuppliers: [{id: host, name: Host}]\\n" \\
    ...        b"services: [{id: vm, name: VM, supplier: host, kind: iaas}]\\n"
    >>> chain = load_chains([("own.yaml", own), ("host.yaml", host)])
    >>> chain.offerings, list(chain.services), list(chain.dependencies)
    (('app',), ['app', 'vm'], [('app', 'vm')])
    """
    if not files:
        raise ValueError("load_chains needs at least one file")
    with paused():
        return _load(files, max_bytes)


def _load(files: Sequence[tuple[str, bytes]], max_bytes: int) -> Chain:
    issues: list[Issue] = []
    parts: list[Part] = []
    for name, data in files:
        reader = Reader(name)
        try:
            root = reader.parse(data, max_bytes)
            part = None if root is NOTHING else reader.chain(root)
        except RecursionError:
            reader.report("", "the file is nested too deeply", None)
            part = None
        issues.extend(reader.issues)
        if part is not None:
            part.loose = reader.loose
            parts.append(part)
    merged = merge_parts(parts, issues) if parts else None
    if merged is not None and len(parts) == len(files):  # else its ids would be unknown
        check_references(parts, merged, issues)
    raise_if(issues, [name for name, _ in files])
    assert merged is not None  # noqa: S101 - no parts means issues, raised above
    return merged.chain


def load_plain(document: object, *, source: str = "<data>", surrogates: bool = True) -> Chain:
    """Validate a chain document that is already parsed (plain dicts and lists) into a chain.

    The same checks and messages as :func:`load_chain`, for a document that comes from a
    database or a request body rather than a file; issues name ``source`` and have no lines.
    ``surrogates=False`` says that the document was parsed from JSON text in which
    :func:`~importers.chainfile.messages.may_hold_surrogate` found no surrogate's escape, so
    that no text of it can be a lone surrogate, and leaves out the scan of every text for one
    (a third of validating a register read from the database).

    Examples
    --------
    >>> doc = {"ketenkaart": 1, "offerings": ["app"], "suppliers": [{"id": "me", "name": "Me"}],
    ...        "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]}
    >>> load_plain(doc).services["app"].name
    'App'
    >>> load_plain({**doc, "offerings": ["nope"]})
    Traceback (most recent call last):
    ...
    graph.errors.ChainError: <data>: offerings[0]: unknown service 'nope'
    """
    with paused():
        reader = Reader(source)
        reader.escaped = surrogates
        try:
            part = reader.chain(document)
        except RecursionError:
            reader.report("", "the document is nested too deeply", None)
            part = None
        issues = list(reader.issues)
        merged = None
        if part is not None:
            part.loose = reader.loose
            merged = merge_parts([part], issues)
            check_references([part], merged, issues)
        raise_if(issues, [source])
        assert merged is not None  # noqa: S101 - no part means issues, raised above
        return merged.chain


def dump_plain(chain: Chain) -> dict[str, object]:
    """The chain as the plain document :func:`dump_chain` writes (JSON-ready), in contract order.

    >>> doc = {"ketenkaart": 1, "offerings": ["app"], "suppliers": [{"id": "me", "name": "Me"}],
    ...        "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]}
    >>> dump_plain(load_plain(doc)) == doc
    True
    """
    with paused():
        return chain_plain(chain)


def dump_plain_lazily(chain: Chain) -> dict[str, object]:
    """:func:`dump_plain` with each entity written when it is first read whole (its key fields
    are read without that): for a comparison that shows a page of a large register's entities
    (:func:`graph.diff.entity_changes`). Equal (``==``) to :func:`dump_plain`'s document, but
    its entities are mappings, not dicts: not for ``json.dumps`` or a writer.

    >>> doc = {"ketenkaart": 1, "offerings": ["app"], "suppliers": [{"id": "me", "name": "Me"}],
    ...        "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}]}
    >>> dump_plain_lazily(load_plain(doc)) == doc
    True
    """
    return chain_plain(chain, lazily=True)


def load_chain(
    data: bytes, *, filename: str = "<chain>", max_bytes: int = MAX_CHAIN_BYTES
) -> Chain:
    """Read and check one chain file (YAML, or JSON when its first character is ``{``).

    Parameters
    ----------
    data : bytes
        The file's content, UTF-8 (a byte order mark is allowed).
    filename : str, optional
        The name used in messages.
    max_bytes : int, optional
        The largest file accepted, :data:`MAX_CHAIN_BYTES` by default.

    Returns
    -------
    Chain
        The chain, with every entity keyed by id in file order.

    Raises
    ------
    ChainError
        Listing every problem found, each as ``FILE:LINE: path: message``.

    Examples
    --------
    >>> chain = load_chain(b'''ketenkaart: 1
    ... offerings: [app]
    ... suppliers: [{id: me, name: Me B.V., country: NL}]
    ... services: [{id: app, name: App, supplier: me, kind: saas, personal_data: true}]
    ... ''')
    >>> chain.services["app"].kind, chain.services["app"].personal_data
    (<Kind.SAAS: 'saas'>, True)
    >>> try:
    ...     load_chain(b"ketenkaart: 1\\nofferings: [app]\\n", filename="c.yaml")
    ... except ChainError as err:
    ...     print(err)
    c.yaml:2: offerings[0]: unknown service 'app'
    """
    return load_chains([(filename, data)], max_bytes=max_bytes)


def load_profile_file(data: bytes, *, filename: str = "<profile>") -> Profile:
    """Read a profile file: ``ketenkaart: 1`` and ``profiles:`` with exactly one profile.

    Parameters
    ----------
    data : bytes
        The file's content (YAML or JSON, UTF-8).
    filename : str, optional
        The name used in messages.

    Returns
    -------
    Profile
        The one profile the file defines.

    Raises
    ------
    ChainError
        When the file breaks the contract or does not hold exactly one profile.

    Examples
    --------
    >>> profile = load_profile_file(b'''ketenkaart: 1
    ... profiles:
    ...   - {id: strict, extends: zeker-online, min_period_months: 9}
    ... ''')
    >>> profile.id, profile.min_period_months, profile.max_age_months
    ('strict', 9, None)
    """
    reader = Reader(filename)
    profile = None
    try:
        root = reader.parse(data, MAX_CHAIN_BYTES)
        if root is not NOTHING:
            profile = reader.profile_file(root)
    except RecursionError:
        reader.report("", "the file is nested too deeply", None)
    raise_if(reader.issues, [filename])
    assert profile is not None  # noqa: S101 - a file without issues has its profile
    return profile


def merge_chains(chains: Sequence[Chain], *, filenames: Sequence[str]) -> Chain:
    """Merge chains by id, as :func:`load_chains` merges files, and check the references.

    Parameters
    ----------
    chains : sequence of Chain
        The chains, first one first: its offerings, title and ``x-`` keys are kept.
    filenames : sequence of str
        A name for each chain, used in messages.

    Returns
    -------
    Chain
        The merged chain.

    Raises
    ------
    ChainError
        When one id has conflicting definitions, or a reference does not resolve.

    Examples
    --------
    >>> from graph.model import Kind, Service, Supplier
    >>> a = Chain(offerings=("app",), suppliers={"me": Supplier("me", "Me")},
    ...           services={"app": Service("app", "App", "me", Kind.SAAS)})
    >>> b = Chain(offerings=("app",), suppliers={"me": Supplier("me", "Me B.V.")})
    >>> try:
    ...     merge_chains([a, b], filenames=["a.yaml", "b.yaml"])
    ... except ChainError as err:
    ...     print(err)
    b.yaml: suppliers[0]: supplier 'me' conflicts with its definition in a.yaml (differs in: name)
    """
    if len(chains) != len(filenames):
        raise ValueError("merge_chains needs one file name per chain")
    if not chains:
        raise ValueError("merge_chains needs at least one chain")
    parts = [part_of(chain, name) for chain, name in zip(chains, filenames, strict=True)]
    issues: list[Issue] = []
    merged = merge_parts(parts, issues)
    check_references(parts, merged, issues)
    raise_if(issues, filenames)
    return merged.chain


# ---------------------------------------------------------------------------------------------
# Writing: Chain -> plain values in contract order -> YAML or JSON text.


def dump_chain(chain: Chain, *, fmt: Literal["yaml", "json"] = "yaml") -> bytes:
    """Write a chain file that :func:`load_chain` reads back to an equal chain.

    Fields are written in the order of the contract; fields that are absent, empty or at their
    default are left out. In YAML every string a YAML 1.1 or 1.2 reader could take for
    something else (``NO``, ``1.0``, ``2026-01-01``, ``null``...) is double-quoted.

    Parameters
    ----------
    chain : Chain
        The chain to write.
    fmt : {"yaml", "json"}, optional
        The format, YAML by default.

    Returns
    -------
    bytes
        UTF-8 text ending with a newline.

    Examples
    --------
    >>> from graph.model import Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"no": Supplier("no", "Nord AS", "NO")},
    ...               services={"app": Service("app", "App", "no", Kind.SAAS)})
    >>> print(dump_chain(chain).decode(), end="")
    ketenkaart: 1
    offerings: [app]
    <BLANKLINE>
    suppliers:
      - id: "no"
        name: Nord AS
        country: "NO"
    <BLANKLINE>
    services:
      - id: app
        name: App
        supplier: "no"
        kind: saas
    """
    with paused():
        return dump(chain, fmt)
