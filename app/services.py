"""The use cases of the service: keyword-only, one commit each.

Every change to a register is validated with the reader of the chain file: an import as the
whole chain it leads to (``importers.chainfile.load_plain``), a change to one entity by what it
can break (``importers.chainfile.edit``, which answers exactly what the whole reader would; ADR
26). The service accepts exactly what ``ketenkaart check`` accepts, and a register always
exports to a valid chain file.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import accounts, audit, publishing
from app import repository as repo
from app.audit import COMMAND_LINE, Actor
from app.errors import Conflict, Invalid, NotFound, PreconditionFailed, issue_errors
from app.models import ApiToken, DependencyRow, EvidenceRow, ServiceRow, Workspace
from graph import schema
from graph.coverage import check_links
from graph.errors import ChainError, Issue, UsageError
from graph.findings import expiring_stops
from graph.i18n import N_, gettext, ngettext
from graph.model import Chain
from graph.profiles import ResolvedProfile, find_profile
from graph.verdicts import LinkResult
from importers import registry
from importers.base import ImportFailed, Source
from importers.chainfile import dump_chain, dump_plain, load_chains, load_plain
from importers.chainfile.edit import Entry, check_delete, check_write, read_entry, referrers
from importers.chainfile.messages import may_hold_surrogate

ROLES = accounts.ROLES
_SECTIONS = tuple(repo.KINDS)


# --- the register as a chain ------------------------------------------------------------------


def register_document(
    session: Session, workspace: Workspace, scope: frozenset[str] | None = None
) -> dict[str, Any]:
    """The workspace's register as a plain chain document (one query per table); with a
    ``scope``, only those offerings and what lies under them (:func:`scoped`)."""
    return _register_document(session, workspace, scope)[0]


def _register_document(
    session: Session, workspace: Workspace, scope: frozenset[str] | None
) -> tuple[dict[str, Any], bool]:
    """:func:`register_document`, and whether a text of it may be a lone surrogate (whether
    the JSON it was parsed from holds a surrogate's escape, ``repo.read_bodies``)."""
    # the workspace's own JSON, written again with escapes as the database's was
    surrogates = may_hold_surrogate(json.dumps([workspace.extra, workspace.titles]))
    document: dict[str, Any] = {"ketenkaart": 1}
    document["offerings"] = repo.offerings(session, workspace.id or 0)
    for section, kind in repo.KINDS.items():
        found = repo.read_bodies(session, kind, workspace.id or 0)
        surrogates = surrogates or found.surrogates
        document[section] = [body for _, body in found.items]
    document.update(workspace.extra)
    document = document if scope is None else scoped(document, scope)
    title = next((t for o in document["offerings"] if (t := workspace.titles.get(o))), None)
    if title:  # a chain file has one title: the first offering's that has one
        document = {"ketenkaart": 1, "title": title, **document}
    return document, surrogates


def offering_title(workspace: Workspace, offering: str) -> str | None:
    """The title of ``offering``: the one of the chain file that made it (or last named it)
    an offering; ``None`` when that file had none."""
    return workspace.titles.get(offering)


def scoped(document: dict[str, Any], scope: frozenset[str]) -> dict[str, Any]:
    """The part of a register an auditor with a scope sees: the scope's offerings, every
    service under them, the links among those, their suppliers (with their parents), the
    evidence covering them (its ``covers`` and sub-service lists cut to what is visible), and
    the profiles; not the register's own top-level ``x-`` keys, which speak of all of it (the
    ``x-`` keys of the entities shown stay with them).

    >>> doc = {"offerings": ["a", "b"], "profiles": [],
    ...        "suppliers": [{"id": "s"}, {"id": "t"}],
    ...        "services": [{"id": "a", "supplier": "s"}, {"id": "b", "supplier": "t"},
    ...                     {"id": "c", "supplier": "s"}],
    ...        "dependencies": [{"from": "a", "to": "c"}, {"from": "b", "to": "c"}],
    ...        "evidence": [{"id": "e", "holder": "s", "covers": ["b", "c"]}]}
    >>> part = scoped(doc, frozenset({"a"}))
    >>> [s["id"] for s in part["services"]], part["evidence"][0]["covers"]
    (['a', 'c'], ['c'])
    """
    offerings = [o for o in document["offerings"] if o in scope]
    below: dict[str, list[str]] = {}
    for link in document["dependencies"]:
        below.setdefault(link["from"], []).append(link["to"])
    seen, stack = set(offerings), list(offerings)
    while stack:
        for provider in below.get(stack.pop(), ()):
            if provider not in seen:
                seen.add(provider)
                stack.append(provider)
    services = [s for s in document["services"] if s["id"] in seen]
    evidence = []
    for piece in document["evidence"]:
        covers = [c for c in piece.get("covers", ()) if c in seen]
        if not covers:
            continue
        cut = {**piece, "covers": covers}
        if isinstance(cut.get("subservices"), dict):
            cut["subservices"] = {
                key: [v for v in value if v in seen] if key in ("carved_out", "included") else value
                for key, value in cut["subservices"].items()
            }
        evidence.append(cut)
    parents = {s["id"]: s.get("parent") for s in document["suppliers"]}
    wanted = {s["supplier"] for s in services} | {e["holder"] for e in evidence}
    stack = list(wanted)
    while stack:
        parent = parents.get(stack.pop())
        if parent is not None and parent not in wanted:
            wanted.add(parent)
            stack.append(parent)
    return {
        # the register's own x- keys speak of the whole workspace, not of the scope's part
        **{key: value for key, value in document.items() if not key.startswith("x-")},
        "offerings": offerings,
        "suppliers": [s for s in document["suppliers"] if s["id"] in wanted],
        "services": services,
        "dependencies": [
            d for d in document["dependencies"] if d["from"] in seen and d["to"] in seen
        ],
        "evidence": evidence,
    }


def register_chain(
    session: Session, workspace: Workspace, scope: frozenset[str] | None = None
) -> Chain:
    """The workspace's register as a chain, with the chains it subscribes to (ADR 40); a
    register without offerings has none to give."""
    own, surrogates = _register_document(session, workspace, scope)
    document = publishing.with_upstream(session, workspace, own, scope)
    if not document["offerings"]:
        raise Conflict(
            gettext(
                "workspace '{workspace}' has no offering yet: import a chain file or mark a "
                "service as an offering"
            ).format(workspace=workspace.slug)
        )
    return load_plain(
        document,
        source=f"workspace {workspace.slug}",
        # what subscriptions add was not looked at here
        surrogates=surrogates or document is not own,
    )


def export_register(
    session: Session, *, workspace: Workspace, fmt: str, scope: frozenset[str] | None = None
) -> bytes:
    """The register (or the part in ``scope``) as a chain file, YAML or JSON."""
    chain = register_chain(session, workspace, scope)
    return dump_chain(chain, fmt="json" if fmt == "json" else "yaml")


@dataclass(frozen=True, slots=True)
class Expiring:
    """A piece of evidence that stops counting soon."""

    evidence: str
    scheme: str
    holder: str
    covers: tuple[str, ...]
    stops: date


def expiring(
    session: Session,
    *,
    workspace: Workspace,
    today: date,
    days: int,
    profile: str,
    scope: frozenset[str] | None = None,
) -> list[Expiring]:
    """The deciding evidence of ``ok`` and ``conditional`` links that stops counting within
    ``days`` after ``today``, soonest first: the ``expiring`` findings of a check of every
    offering, with ``days`` as the window (verdicts.md, revision of 2026-12)."""
    chain = register_chain(session, workspace, scope)
    resolved = replace(find_profile(profile, chain), expiring_days=days)
    return expiring_in(chain, check_links(chain, profile=resolved, at=today), resolved, today)


def expiring_in(
    chain: Chain, links: Iterable[LinkResult], profile: ResolvedProfile, today: date
) -> list[Expiring]:
    """The evidence the ``expiring`` findings of a check with ``links`` name, soonest first
    (what :func:`expiring` lists and the overview shows), without the other findings."""
    return sorted(
        (
            Expiring(e.id, e.scheme.value, e.holder, e.covers, stop)
            for e, stop in expiring_stops(chain, links, profile, today).values()
        ),
        key=lambda x: (x.stops, x.evidence),
    )


def _lock_register(session: Session, workspace: Workspace) -> None:
    """Make writes to this register take turns, from here to the commit.

    Every write is validated against the register as it stands; two writes validated side by
    side (one adds a service of a supplier the other deletes) could each pass and together
    break it. Bumping the workspace's version takes its row lock on PostgreSQL and the write lock on
    SQLite; the read snapshot taken before (the token check) is let go first, so the register
    is read after the lock, as the last writer left it.
    """
    session.rollback()
    repo.bump_workspace(session, workspace.id or 0)


def in_order(value: dict[str, Any]) -> bytes:
    """A value for the audit trail that keeps its keys in the order they were written (its
    hash is over the sorted form all the same): the register as of a moment is rebuilt from
    the trail, ``x-`` keys in their order (ADR 39)."""
    return json.dumps(value, allow_nan=False).encode()


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), by section and id."""

    created: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False
    offerings: list[str] = field(default_factory=list)
    """Services that become offerings."""
    titles: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Offerings whose title changes: ``{offering: {"before": old, "after": new}}``."""
    extra: list[str] = field(default_factory=list)
    """The chain's own ``x-`` keys that are added or changed."""


def import_chain(
    session: Session,
    *,
    workspace: Workspace,
    name: str,
    data: bytes,
    dry_run: bool,
    actor: Actor = COMMAND_LINE,
) -> ImportReport:
    """Upsert a chain file into the register by id, all or nothing.

    The file is read as ``ketenkaart check`` reads it; the register it leads to is validated
    whole before anything is written; nothing is written in a dry run.
    """
    incoming = dump_plain(load_chains([(name, data)]))
    return import_document(
        session,
        workspace=workspace,
        name=name,
        incoming=incoming,
        dry_run=dry_run,
        actor=actor,
        digest=hashlib.sha256(data).hexdigest(),
    )


NOTHING_IMPORTED = N_("{problem}; nothing was imported")
"""What an import refused for one problem of the request says: the problem, and that nothing
was imported."""


@dataclass(frozen=True, slots=True)
class FileImport:
    """What importing a file did: the report, the format it was read as, and its warnings
    (each ``{"location", "message"}``)."""

    report: ImportReport
    format: str
    warnings: list[dict[str, str]]


def import_file(
    session: Session,
    *,
    workspace: Workspace,
    name: str,
    data: bytes,
    fmt: str | None,
    dry_run: bool,
    actor: Actor = COMMAND_LINE,
    keep_internal: bool = False,
    format_choice: str = N_("the format parameter"),
) -> FileImport:
    """Import a file of any format ketenkaart reads into the register, all or nothing.

    The format is ``fmt``, or the one :func:`importers.registry.detect` finds from ``name`` and
    the first bytes; an empty file, or one with a doubled or UTF-16 byte-order mark, is refused
    saying so. A chain file goes through :func:`import_chain`, unchanged. Any other format is
    read by :func:`importers.registry.run` (the same run as the command line's: library
    warnings caught, errors capped, a file with nothing usable refused), with the register as
    it stands (FedRAMP data is matched to its services) and ``keep_internal`` (a provider's
    own internal components kept as links); a file whose format is not found asks for it by
    ``format_choice`` (the API's parameter, the page's list); every error of the file, with
    its place, is an
    :class:`Invalid` and nothing is written; otherwise the entities are upserted by
    :func:`import_document`.
    """
    try:
        importer = registry.choose(data, name, fmt)
    except UsageError as err:
        location = "query.format" if fmt else "body"
        message = str(err).replace("--format", gettext(format_choice))
        raise Invalid(
            gettext(NOTHING_IMPORTED).format(problem=message),
            errors=[{"location": location, "message": message}],
        ) from None
    except ImportFailed as err:
        raise Invalid(
            gettext("{name} cannot be imported; nothing was imported").format(name=name),
            errors=[
                {"location": issue.where or "file", "message": issue.message}
                for issue in err.problems
            ],
        ) from None
    if importer.name == "chain":
        report = import_chain(
            session, workspace=workspace, name=name, data=data, dry_run=dry_run, actor=actor
        )
        return FileImport(report, importer.name, [])
    current, surrogates = _register_document(session, workspace, None)
    existing = (
        load_plain(current, source=f"workspace {workspace.slug}", surrogates=surrogates)
        if current["offerings"]
        else None
    )
    source = Source(name, existing=existing, keep_internal=keep_internal)
    result = registry.run(importer, data, source)
    if not result.ok:
        raise Invalid(
            gettext("{name} cannot be imported as {format}; nothing was imported").format(
                name=name, format=importer.name
            ),
            errors=[
                {"location": issue.where or "file", "message": issue.message}
                for issue in result.issues
                if issue.severity == "error"
            ],
        )
    report = import_document(
        session,
        workspace=workspace,
        name=name,
        incoming=dump_plain(result.chain),
        dry_run=dry_run,
        actor=actor,
        digest=hashlib.sha256(data).hexdigest(),
        fmt=importer.name,
    )
    warnings = [
        {"location": issue.where or "file", "message": issue.message} for issue in result.warnings
    ]
    return FileImport(report, importer.name, warnings)


def import_document(
    session: Session,
    *,
    workspace: Workspace,
    name: str,
    incoming: dict[str, Any],
    dry_run: bool,
    actor: Actor,
    digest: str,
    fmt: str = "chain",
) -> ImportReport:
    """Upsert a plain chain document (from any importer) by id, all or nothing.

    The import is merged into the register and the result validated before the register's
    write lock is taken; under the lock, when the register's count of changes shows that
    another write came in between, it is merged and validated again, so the lock is held for
    the writing alone (ADR 26)."""
    _check_key_lengths(incoming)
    wid = workspace.id or 0
    seen = repo.workspace_version(session, wid)
    plan = _plan_import(session, workspace, name=name, incoming=incoming, dry_run=dry_run)
    if dry_run:
        return plan.report
    _lock_register(session, workspace)
    if repo.workspace_version(session, wid) != seen + 1:  # another write came in between
        plan = _plan_import(session, workspace, name=name, incoming=incoming, dry_run=dry_run)
    report, current, writes, titles = plan.report, plan.current, plan.writes, plan.titles
    extra, new_offerings = plan.extra, plan.new_offerings
    changed_extra = {key: extra[key] for key in report.extra}
    try:
        _write_import(session, workspace, writes, new_offerings)
        audit.record(
            session,
            workspace_id=workspace.id,
            actor=actor,
            action="import",
            target=f"import/{name}",
            before=_import_before(current, writes, workspace, titles, changed_extra),
            after=in_order(
                {
                    "file": name,
                    "format": fmt,
                    "sha256": digest,
                    "created": report.created,
                    "changed": report.changed,
                    "values": {
                        section: [*created, *changed]
                        for section, (created, changed) in writes.items()
                        if created or changed
                    },
                    "offerings": new_offerings,
                    **({"titles": report.titles} if titles else {}),
                    **({"x-": changed_extra} if changed_extra else {}),
                }
            ),
        )
        if titles or changed_extra:
            workspace.titles = {**workspace.titles, **titles}
            # only what changed: an equal value written in another key order is no change
            # (as with an entity), and the trail records only the changes (ADR 39)
            workspace.extra = {**workspace.extra, **changed_extra}
            session.add(workspace)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            gettext("the register changed during the import; nothing was imported")
        ) from None
    return report


@dataclass(frozen=True, slots=True)
class _ImportPlan:
    """What an import does to the register as it was read: the report, the register before,
    the bodies to create and change by section, the new offerings, titles and ``x-`` keys."""

    report: ImportReport
    current: dict[str, Any]
    writes: dict[str, Writes]
    new_offerings: list[str]
    titles: dict[str, str]
    extra: dict[str, Any]


def _plan_import(
    session: Session, workspace: Workspace, *, name: str, incoming: dict[str, Any], dry_run: bool
) -> _ImportPlan:
    """Merge ``incoming`` into the register as it stands and validate the result whole;
    :class:`Invalid` when it breaks the chain format."""
    current = register_document(session, workspace)
    merged = copy.copy(current)
    report = ImportReport(dry_run=dry_run)
    writes = {
        section: _merge_section(section, current, incoming, merged, report)
        for section in repo.KINDS
    }
    incoming_offerings = cast("list[str]", incoming["offerings"])
    new_offerings = [o for o in incoming_offerings if o not in current["offerings"]]
    for key in new_offerings:  # an existing service that becomes an offering is a change
        unchanged = report.unchanged.get("services", [])
        if key in unchanged:
            unchanged.remove(key)
            report.changed.setdefault("services", []).append(key)
    merged["offerings"] = [*current["offerings"], *new_offerings]
    report.offerings = list(new_offerings)
    titles = _title_changes(workspace, incoming)
    report.titles = {
        o: {"before": workspace.titles.get(o), "after": title} for o, title in titles.items()
    }
    merged.pop("title", None)
    extra = {k: v for k, v in incoming.items() if k.startswith("x-")}
    report.extra = [k for k, v in extra.items() if workspace.extra.get(k, _ABSENT) != v]
    merged.update(extra)
    try:
        load_plain(merged, source=name)
    except ChainError as err:
        raise Invalid(
            gettext(
                "the register this import leads to breaks the chain format; nothing was imported"
            ),
            errors=issue_errors(err.issues),
        ) from None
    return _ImportPlan(report, current, writes, new_offerings, titles, extra)


_ABSENT = object()


def _title_changes(workspace: Workspace, incoming: dict[str, Any]) -> dict[str, str]:
    """The titles an import sets: the file's title goes to the offerings the file lists, and
    to no other (an import never retitles another offering); only those that change."""
    title = incoming.get("title")
    if not isinstance(title, str) or not title:
        return {}
    return {
        o: title
        for o in cast("list[str]", incoming.get("offerings", []))
        if workspace.titles.get(o) != title
    }


Writes = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def _import_before(
    current: dict[str, Any],
    writes: dict[str, Writes],
    workspace: Workspace,
    titles: dict[str, str],
    extra: dict[str, Any],
) -> dict[str, Any] | None:
    """What an import replaces: the entities it changes, and the titles and ``x-`` keys it
    sets (``None`` for one that was not there)."""
    before = _changed_before(current, writes) or {}
    if titles:
        before["titles"] = {o: workspace.titles.get(o) for o in titles}
    if extra:
        before["x-"] = {key: workspace.extra.get(key) for key in extra}
    return before or None


def _changed_before(current: dict[str, Any], writes: dict[str, Writes]) -> dict[str, Any] | None:
    """The values an import replaces, by section."""
    before: dict[str, Any] = {}
    for section, (_, changed) in writes.items():
        if not changed:
            continue
        kind = repo.KINDS[section]
        keys = {kind.key_of(body) for body in changed}
        before[section] = [b for b in current[section] if kind.key_of(b) in keys]
    return before or None


def _merge_section(
    section: str,
    current: dict[str, Any],
    incoming: dict[str, object],
    merged: dict[str, Any],
    report: ImportReport,
) -> Writes:
    """Upsert one section of ``incoming`` into ``merged`` by id; the bodies to create and
    change."""
    kind = repo.KINDS[section]
    existing = {kind.key_of(body): index for index, body in enumerate(current[section])}
    bodies = list(current[section])
    created, changed = [], []
    for body in cast("list[dict[str, Any]]", incoming.get(section, [])):
        key = kind.key_of(body)
        index = existing.get(key)
        if index is None:
            existing[key] = len(bodies)
            bodies.append(body)
            created.append(body)
            report.created.setdefault(section, []).append(key)
        elif bodies[index] != body:
            bodies[index] = body
            changed.append(body)
            report.changed.setdefault(section, []).append(key)
        else:
            report.unchanged.setdefault(section, []).append(key)
    merged[section] = bodies
    return created, changed


MAX_KEY = 200
"""The longest id the register stores (the columns' width)."""


def _check_key_lengths(document: dict[str, object]) -> None:
    at_most = gettext("ids are at most {count} characters").format(count=MAX_KEY)
    long = [
        {"location": f"{section}[{index}]", "message": at_most}
        for section in _SECTIONS
        for index, body in enumerate(cast("list[dict[str, Any]]", document.get(section, [])))
        for key in (body.get("id"), body.get("from"), body.get("to"))
        if isinstance(key, str) and len(key) > MAX_KEY
    ]
    if long:
        raise Invalid(gettext("ids too long for the register; nothing was imported"), errors=long)


def _write_import(
    session: Session,
    workspace: Workspace,
    writes: dict[str, Writes],
    new_offerings: list[str],
) -> None:
    wid = workspace.id or 0
    first = repo.next_offering(session, wid)
    rank = {key: first + i for i, key in enumerate(new_offerings)}
    for section, kind in repo.KINDS.items():
        created, changed = writes[section]
        position = repo.next_position(session, kind, wid)
        offering = section == "services"
        repo.insert_many(
            session,
            kind,
            wid,
            (
                {
                    "body": body,
                    "position": position + i,
                    **repo.columns_of(kind, body),
                    **({"offering": rank.pop(body["id"], None)} if offering else {}),
                }
                for i, body in enumerate(created)
            ),
        )
        for body in changed:
            row = repo.one(session, kind, wid, kind.key_of(body))
            assert row is not None and row.id is not None  # noqa: S101 - read in this transaction
            extra = {"offering": rank.pop(body["id"])} if offering and body["id"] in rank else {}
            repo.update_body(session, kind, row.id, body=body, **extra)
    for key, place in rank.items():  # existing services that became offerings, unchanged else
        row = repo.one(session, repo.KINDS["services"], wid, key)
        assert isinstance(row, ServiceRow) and row.id is not None  # noqa: S101
        repo.update_body(session, repo.KINDS["services"], row.id, body=row.body, offering=place)


# --- single entities --------------------------------------------------------------------------


class _Stored:
    """A workspace's register as :class:`importers.chainfile.edit.Register` asks it: a few
    indexed queries for a change, more only to describe a problem (ADR 26)."""

    def __init__(self, session: Session, workspace_id: int) -> None:
        self.session, self.workspace_id = session, workspace_id
        self.places: dict[tuple[str, str | None], int] = {}

    def missing(self, section: str, keys: Collection[str]) -> set[str]:
        return repo.missing_keys(self.session, repo.KINDS[section], self.workspace_id, keys)

    def parent(self, supplier: str) -> str | None:
        return repo.parent_of(self.session, self.workspace_id, supplier)

    def naming(self, section: str, key: str) -> list[dict[str, Any]]:
        return repo.naming(self.session, repo.KINDS[section], self.workspace_id, key)

    def keys(self, section: str) -> list[str]:
        return repo.keys(self.session, repo.KINDS[section], self.workspace_id)

    def index(self, section: str, body: dict[str, Any] | None) -> int:
        kind = repo.KINDS[section]
        key = None if body is None else kind.key_of(body)
        if (section, key) not in self.places:
            self.places[section, key] = (
                repo.count(self.session, kind, self.workspace_id)
                if key is None
                else repo.rank(self.session, kind, self.workspace_id, key)
            )
        return self.places[section, key]

    def parents(self) -> list[tuple[str, str | None]]:
        suppliers = repo.bodies(self.session, repo.KINDS["suppliers"], self.workspace_id)
        return [(key, body.get("parent")) for key, body in suppliers]


def _refuse(issues: Sequence[Issue], *, section: str, index: int | None) -> None:
    """Refuse a change whose register would have ``issues``: 422 with the entity's own, when
    it has any (paths relative to it), else 409 with every one."""
    if not issues:
        return
    prefix = f"{section}[{index}]" if index is not None else ""
    own = [i for i in issues if prefix and (i.path == prefix or i.path.startswith(prefix + "."))]
    if own:
        raise Invalid(
            gettext(_NOT_VALID[section]),
            errors=issue_errors(own, strip=prefix),
        )
    raise Conflict(
        gettext("the change would break the register; every problem is listed"),
        errors=issue_errors(issues),
    )


def _check_write(
    register: _Stored, entry: Entry, *, before: dict[str, Any] | None, source: str
) -> None:
    """Refuse ``entry`` (new when ``before`` is ``None``) if the register it leads to would
    not be valid; the check asks the register only what the change can break."""
    issues = check_write(register, entry, before=before, source=source)
    if issues:
        _refuse(issues, section=entry.section, index=register.index(entry.section, before))


def create_entity(
    session: Session,
    *,
    workspace: Workspace,
    section: str,
    body: dict[str, Any],
    offering: bool = False,
    actor: Actor = COMMAND_LINE,
) -> repo.EntityRow:
    """Add one entity; its id must be new, and the register must stay valid.

    The entity is read on its own before the register's write lock is taken; an entity
    refused for its own fields is refused without it. Under the lock, only what the entity
    names is looked up (ADR 26)."""
    kind = repo.KINDS[section]
    _require_keys(kind, body)
    key = kind.key_of(body)
    wid = workspace.id or 0
    source = f"workspace {workspace.slug}"
    register = _Stored(session, wid)
    entry = read_entry(section, body, source=source)
    if entry.issues:  # refused whatever the register holds: no need to wait for the lock
        if repo.one(session, kind, wid, key) is not None:
            raise Conflict(gettext(_EXISTS[section]).format(key=key))
        _check_write(register, entry, before=None, source=source)
    _lock_register(session, workspace)
    if repo.one(session, kind, wid, key) is not None:
        raise Conflict(gettext(_EXISTS[section]).format(key=key))
    _check_write(_Stored(session, wid), entry, before=None, source=source)
    columns: dict[str, Any] = repo.columns_of(kind, body)
    if offering:
        columns["offering"] = repo.next_offering(session, wid)
    row = kind.row(
        workspace_id=wid, body=body, position=repo.next_position(session, kind, wid), **columns
    )
    session.add(row)
    audit.record(
        session,
        workspace_id=wid,
        actor=actor,
        action="create",
        target=f"{kind.singular}/{key}",
        after=in_order({**body, **({"offering": True} if offering else {})}),
    )
    _commit(session, gettext(_CREATED_MEANWHILE[section]).format(key=key))
    session.refresh(row)
    return row


def _commit(session: Session, conflict: str) -> None:
    """Commit; a unique key that another request took meanwhile is a conflict, not a crash."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(conflict) from None


def _changed(
    session: Session,
    *,
    kind: repo.Kind,
    workspace: Workspace,
    key: str,
    changes: dict[str, Any],
    version: int | None,
) -> tuple[repo.EntityRow, dict[str, Any], int]:
    """The stored entity, its body with ``changes``, and the version the change is made to;
    refused when it is not there, the id would change, or it is not at ``version``."""
    row = _existing(session, kind, workspace, key)
    body = {k: v for k, v in {**row.body, **changes}.items() if v is not None}
    _require_keys(kind, body)
    if kind.key_of(body) != key:
        raise Invalid(
            gettext("an id cannot change; create a new entity instead"),
            errors=[{"location": "id", "message": gettext("differs from the id in the path")}],
        )
    version = row.version if version is None else version
    if row.version != version:
        raise PreconditionFailed(_stale(kind, key, row.version))
    return row, body, version


def update_entity(
    session: Session,
    *,
    workspace: Workspace,
    section: str,
    key: str,
    changes: dict[str, Any],
    version: int | None,
    offering: bool | None = None,
    actor: Actor = COMMAND_LINE,
) -> repo.EntityRow:
    """Change fields of one entity (``None`` removes a field), if nobody changed it since
    ``version`` (``None``: whatever its version); its id cannot change.

    As in :func:`create_entity`, the changed entity is read on its own before the lock, and
    refused there when its own fields are wrong; under the lock, only what it names (and for
    a supplier with a new parent, the parents above it) is looked up."""
    kind = repo.KINDS[section]
    wid = workspace.id or 0
    source = f"workspace {workspace.slug}"
    row, body, version = _changed(
        session, kind=kind, workspace=workspace, key=key, changes=changes, version=version
    )
    entry = read_entry(section, body, source=source)
    if entry.issues:  # refused whatever the register holds: no need to wait for the lock
        _check_write(_Stored(session, wid), entry, before=row.body, source=source)
    _lock_register(session, workspace)
    row, locked_body, version = _changed(
        session, kind=kind, workspace=workspace, key=key, changes=changes, version=version
    )
    if locked_body != body:  # changed since it was read (when no version was asked)
        body, entry = locked_body, read_entry(section, locked_body, source=source)
    _check_write(_Stored(session, wid), entry, before=row.body, source=source)
    columns: dict[str, Any] = {}
    if (
        offering is not None
        and isinstance(row, ServiceRow)
        and offering != (row.offering is not None)
    ):
        columns["offering"] = repo.next_offering(session, wid) if offering else None
    assert row.id is not None  # noqa: S101 - a stored row
    before = {
        **row.body,
        **({"offering": row.offering is not None} if isinstance(row, ServiceRow) else {}),
    }
    after = {**body, **({"offering": bool(offering)} if offering is not None else {})}
    if isinstance(row, ServiceRow) and offering is None:
        after["offering"] = row.offering is not None
    if not repo.update_body(session, kind, row.id, body=body, expected_version=version, **columns):
        raise PreconditionFailed(_stale(kind, key, None))
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="update",
        target=f"{kind.singular}/{key}",
        before=before,
        after=in_order(after),
    )
    session.commit()
    # The answer is this write, not what the row holds by now: another write may have come
    # in between the commit and a read (on PostgreSQL a second PATCH then got this one's
    # ETag). So the row is read back, let go of, and given the values this write stored.
    session.refresh(row)
    session.expunge(row)
    row.body = body
    row.version = version + 1
    for name, value in columns.items():
        setattr(row, name, value)
    return row


def delete_entity(
    session: Session,
    *,
    workspace: Workspace,
    section: str,
    key: str,
    version: int | None,
    actor: Actor = COMMAND_LINE,
) -> str | None:
    """Remove one entity, if nobody changed it since ``version`` (``None``: whatever its
    version) and nothing refers to it (only the entries that may name it are read, ADR 26).
    Evidence takes its document with it; the stored file's name is returned, for the caller
    to remove when no other document uses it."""
    kind = repo.KINDS[section]
    _lock_register(session, workspace)
    row = _existing(session, kind, workspace, key)
    version = row.version if version is None else version
    if row.version != version:
        raise PreconditionFailed(_stale(kind, key, row.version))
    source = f"workspace {workspace.slug}"
    register = _Stored(session, workspace.id or 0)
    issues = check_delete(register, section, row.body, source=source)
    if issues:
        raise Conflict(_still_named(register, section, key), errors=issue_errors(issues))
    assert row.id is not None  # noqa: S101
    before = dict(row.body)
    if not repo.delete_row(session, kind, row.id, expected_version=version):
        raise PreconditionFailed(_stale(kind, key, None))
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="delete",
        target=f"{kind.singular}/{key}",
        before=before,
    )
    path = None
    if section == "evidence":
        stored = repo.document_of(session, workspace.id or 0, key)
        if stored is not None:
            path = stored.path
            session.delete(stored)
            audit.record(
                session,
                workspace_id=workspace.id,
                actor=actor,
                action="document.delete",
                target=f"evidence/{key}/document",
                before={"sha256": stored.sha256, "filename": stored.filename},
            )
    session.commit()
    return path


def get_entity(
    session: Session,
    *,
    workspace: Workspace,
    section: str,
    key: str,
    scope: frozenset[str] | None = None,
) -> repo.EntityRow:
    """One entity; for an auditor with a scope, only one inside it."""
    row = _existing(session, repo.KINDS[section], workspace, key)
    if scope is not None and not visible(session, workspace, scope, section, row.body):
        raise NotFound(gettext(_NO_SUCH[section]).format(key=key, workspace=workspace.slug))
    return row


def visible(
    session: Session,
    workspace: Workspace,
    scope: frozenset[str],
    section: str,
    body: dict[str, Any],
) -> bool:
    """Whether an entity lies inside an auditor's scope."""
    return seen_body(session, workspace, scope, section, body) is not None


def seen_body(
    session: Session,
    workspace: Workspace,
    scope: frozenset[str],
    section: str,
    body: dict[str, Any],
) -> dict[str, Any] | None:
    """An entity as an auditor with ``scope`` sees it (evidence's ``covers`` and sub-service
    lists cut to the scope, :func:`scoped`), or None when it lies outside the scope."""
    part = register_document(session, workspace, scope)
    kind = repo.KINDS[section]
    return next((b for b in part[section] if kind.key_of(b) == kind.key_of(body)), None)


def _existing(session: Session, kind: repo.Kind, workspace: Workspace, key: str) -> repo.EntityRow:
    row = repo.one(session, kind, workspace.id or 0, key)
    if row is None:
        raise NotFound(gettext(_NO_SUCH[kind.section]).format(key=key, workspace=workspace.slug))
    return row


def _require_keys(kind: repo.Kind, body: dict[str, Any]) -> None:
    needed = ("from", "to") if kind.row is DependencyRow else ("id",)
    missing = [k for k in needed if not isinstance(body.get(k), str) or not body.get(k)]
    long = [k for k in needed if k not in missing and len(body[k]) > MAX_KEY]
    if long:
        longer = gettext("longer than {count} characters").format(count=MAX_KEY)
        raise Invalid(
            gettext("ids are at most {count} characters").format(count=MAX_KEY),
            errors=[{"location": k, "message": longer} for k in long],
        )
    if missing:
        required = gettext("required")
        raise Invalid(
            gettext(_NEEDS[kind.section]),
            errors=[{"location": k, "message": required} for k in missing],
        )


def _stale(kind: repo.Kind, key: str, now: int | None) -> str:
    if now is None:
        return gettext(_STALE[kind.section]).format(key=key)
    return gettext(_STALE_AT[kind.section]).format(key=key, version=now)


# What the service says of an entity: a sentence per kind, as these sentences always read in
# English ("a evidence" too), so that Dutch names each kind with its own article and gender.
_NO_SUCH = {
    "suppliers": N_("no supplier '{key}' in workspace '{workspace}'"),
    "services": N_("no service '{key}' in workspace '{workspace}'"),
    "dependencies": N_("no dependency '{key}' in workspace '{workspace}'"),
    "evidence": N_("no evidence '{key}' in workspace '{workspace}'"),
    "profiles": N_("no profile '{key}' in workspace '{workspace}'"),
}
_EXISTS = {
    "suppliers": N_("supplier '{key}' exists already in this workspace"),
    "services": N_("service '{key}' exists already in this workspace"),
    "dependencies": N_("dependency '{key}' exists already in this workspace"),
    "evidence": N_("evidence '{key}' exists already in this workspace"),
    "profiles": N_("profile '{key}' exists already in this workspace"),
}
_CREATED_MEANWHILE = {
    "suppliers": N_("supplier '{key}' was created by someone else at the same time"),
    "services": N_("service '{key}' was created by someone else at the same time"),
    "dependencies": N_("dependency '{key}' was created by someone else at the same time"),
    "evidence": N_("evidence '{key}' was created by someone else at the same time"),
    "profiles": N_("profile '{key}' was created by someone else at the same time"),
}
_STILL_NAMED = {
    "suppliers": N_("supplier '{key}' is still named by {named}; change or delete those first"),
    "services": N_("service '{key}' is still named by {named}; change or delete those first"),
}
_NAMED = {
    "suppliers": N_("supplier {key} ({field})"),
    "services": N_("service {key} ({field})"),
    "dependencies": N_("dependency {key} ({field})"),
    "evidence": N_("evidence {key} ({field})"),
}
NAMED_SHOWN = 10
"""How many of the entries that name an entity a refused delete names in its sentence."""


def _still_named(register: _Stored, section: str, key: str) -> str:
    """Why a delete is refused, as a person reads it: the entries that still name the entity,
    by kind and key, with the field that names it (the first :data:`NAMED_SHOWN`)."""
    found = referrers(register, section, key)
    named = [
        gettext(_NAMED[referring]).format(key=name, field=_field_word(referring, field))
        for referring, name, field in found[:NAMED_SHOWN]
    ]
    if len(found) > NAMED_SHOWN:
        rest = len(found) - NAMED_SHOWN
        named.append(ngettext("{count} more", "{count} more", rest).format(count=rest))
    return gettext(_STILL_NAMED[section]).format(key=key, named=", ".join(named))


def _field_word(section: str, path: str) -> str:
    """A field of a section by its label, in the request's language, as a word in a sentence:
    ``subservices.carved_out`` of evidence is "carved out", a dependency's ``from`` "from"."""
    keys = path.split(".")
    field = schema.SECTIONS[section].field(keys[0])
    for key in keys[1:]:
        field = field.field(key)
    return gettext(field.label).split(" (")[0].lower()


_NOT_VALID = {
    "suppliers": N_("this supplier is not valid; every error is listed"),
    "services": N_("this service is not valid; every error is listed"),
    "dependencies": N_("this dependency is not valid; every error is listed"),
    "evidence": N_("this evidence is not valid; every error is listed"),
    "profiles": N_("this profile is not valid; every error is listed"),
}
_NEEDS = {
    "suppliers": N_("a supplier needs id"),
    "services": N_("a service needs id"),
    "dependencies": N_("a dependency needs from and to"),
    "evidence": N_("a evidence needs id"),
    "profiles": N_("a profile needs id"),
}
_STALE = {
    "suppliers": N_(
        "supplier '{key}' has changed since the version you sent, perhaps in another window "
        "or by someone else; read it again and redo your change"
    ),
    "services": N_(
        "service '{key}' has changed since the version you sent, perhaps in another window or"
        " by someone else; read it again and redo your change"
    ),
    "dependencies": N_(
        "dependency '{key}' has changed since the version you sent, perhaps in another window"
        " or by someone else; read it again and redo your change"
    ),
    "evidence": N_(
        "evidence '{key}' has changed since the version you sent, perhaps in another window "
        "or by someone else; read it again and redo your change"
    ),
    "profiles": N_(
        "profile '{key}' has changed since the version you sent, perhaps in another window or"
        " by someone else; read it again and redo your change"
    ),
}
_STALE_AT = {
    "suppliers": N_(
        "supplier '{key}' has changed since the version you sent (it is at version {version} "
        "now), perhaps in another window or by someone else; read it again and redo your "
        "change"
    ),
    "services": N_(
        "service '{key}' has changed since the version you sent (it is at version {version} "
        "now), perhaps in another window or by someone else; read it again and redo your "
        "change"
    ),
    "dependencies": N_(
        "dependency '{key}' has changed since the version you sent (it is at version "
        "{version} now), perhaps in another window or by someone else; read it again and redo"
        " your change"
    ),
    "evidence": N_(
        "evidence '{key}' has changed since the version you sent (it is at version {version} "
        "now), perhaps in another window or by someone else; read it again and redo your "
        "change"
    ),
    "profiles": N_(
        "profile '{key}' has changed since the version you sent (it is at version {version} "
        "now), perhaps in another window or by someone else; read it again and redo your "
        "change"
    ),
}


# --- workspaces and tokens ---------------------------------------------------------------------


def find_workspace(session: Session, slug: str) -> Workspace | None:
    return repo.workspace_by_slug(session, slug)


def workspace_for(session: Session, slug: str) -> Workspace:
    workspace = repo.workspace_by_slug(session, slug)
    if workspace is None:
        raise NotFound(gettext("no workspace '{ws}'").format(ws=slug))
    return workspace


def create_token(
    session: Session,
    *,
    slug: str,
    role: str,
    expires: date | None,
    user_id: int | None = None,
    actor: Actor = COMMAND_LINE,
) -> str:
    """A new token for the workspace; only its hash is stored, so it is shown once. An
    auditor's token belongs to the auditor (``user_id``), whose grant it acts under."""
    if role not in ROLES:
        raise Invalid(
            gettext("unknown role '{role}'; one of {roles}").format(
                role=role, roles=", ".join(ROLES)
            )
        )
    if role == accounts.AUDITOR and user_id is None:
        raise Invalid(gettext("an auditor's token belongs to the auditor: name the user"))
    workspace = workspace_for(session, slug)
    token = "kk_" + secrets.token_urlsafe(32)
    expires_at = (
        datetime(expires.year, expires.month, expires.day, tzinfo=UTC) + timedelta(days=1)
        if expires
        else None
    )
    repo.add_token(
        session,
        ApiToken(
            workspace_id=workspace.id or 0,
            role=role,
            token_hash=accounts.hashed(token),
            prefix=token[:10],
            user_id=user_id,
            expires_at=expires_at,
        ),
    )
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="token.create",
        target=f"token/{token[:10]}",
        after={
            "role": role,
            "user_id": user_id,
            "expires": None if expires is None else expires.isoformat(),
        },
    )
    session.commit()
    return token


def revoke_token(session: Session, *, token: str, actor: Actor = COMMAND_LINE) -> int:
    """Revoke a token given whole or by its first ten characters; return how many."""
    found = repo.token_by_hash(session, accounts.hashed(token))
    targets = [found[0]] if found else list(repo.tokens_by_prefix(session, token[:10]))
    if not targets or (found is None and len(token) != 10):
        raise NotFound(gettext("no such token"))
    if len(targets) > 1:
        raise Conflict(gettext("several tokens begin with these characters; give the whole token"))
    for target in targets:
        target.revoked_at = datetime.now(UTC)
        session.add(target)
        audit.record(
            session,
            workspace_id=target.workspace_id,
            actor=actor,
            action="token.revoke",
            target=f"token/{target.prefix}",
        )
    session.commit()
    return len(targets)


def authenticate(session: Session, token: str) -> ApiToken | None:
    """The token, when it is known, not revoked and not expired."""
    if len(token) > 200:
        return None
    found = repo.token_by_hash(session, accounts.hashed(token))
    if found is None:
        return None
    record, _ = found
    now = datetime.now(UTC)
    if record.revoked_at is not None:
        return None
    expires = record.expires_at
    if expires is not None:
        if expires.tzinfo is None:  # SQLite gives naive datetimes back
            expires = expires.replace(tzinfo=UTC)
        if expires <= now:
            return None
    return record


def row_json(row: repo.EntityRow, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """The API's JSON of an entity: the chain format's fields (``body``, as a scoped auditor
    sees them, else the row's) plus ``revision``, the count its ``ETag`` carries. Outside
    evidence, ``version`` repeats it (as before ``revision``); a piece of evidence's
    ``version`` is the chain format's own field, the version of its scheme."""
    out = dict(row.body if body is None else body)
    if isinstance(row, ServiceRow):
        out["offering"] = row.offering is not None
    if not isinstance(row, EvidenceRow):
        out["version"] = row.version
    out["revision"] = row.version
    return out
