"""A change to one entity is checked by what it can break (ADR 26), and answers exactly what
validating the whole register answered (ADR 6).

For random small valid registers stored in the database (SQLite, and PostgreSQL when
configured) and random single changes through the use cases (an entity added, changed or
removed, of every kind; a service marked or unmarked as an offering; changes that name unknown
ids, take an id already taken, make a cycle of parents, break fields, remove what others name),
the answer is the one the whole-register validation gives: accepted, or refused with the same
error (422 with the entity's own problems, 409 with every one) listing the same locations and
messages in the same order. An accepted change leaves a register that validates whole.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from app import membership, services
from app import repository as repo
from app.audit import COMMAND_LINE
from app.errors import Problem, issue_errors
from app.models import Workspace
from graph.errors import ChainError
from importers.chainfile import load_plain
from tests.importers.test_edit import SECTIONS, bodies, registers

_slugs = itertools.count()
_FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _store(session: Session, document: dict[str, Any]) -> Workspace:
    """A new workspace holding ``document`` as its register, stored as an import stores it."""
    workspace = membership.create_workspace(
        session, slug=f"w{next(_slugs)}", name=None, owner=None, actor=COMMAND_LINE
    )
    wid = workspace.id or 0
    rank = {key: place for place, key in enumerate(document["offerings"])}
    for section, kind in repo.KINDS.items():
        repo.insert_many(
            session,
            kind,
            wid,
            (
                {
                    "body": body,
                    "position": position,
                    **repo.columns_of(kind, body),
                    **({"offering": rank.get(body["id"])} if section == "services" else {}),
                }
                for position, body in enumerate(document[section])
            ),
        )
    session.commit()
    return workspace


def _whole(document: dict[str, Any], section: str, index: int | None) -> tuple[str, list[Any]]:
    """What validating the whole register after a change answers (the rule of ADR 6): "ok",
    or the refusal's kind and its errors."""
    try:
        load_plain(document, source="whole")
    except ChainError as err:
        issues = [
            i
            for i in err.issues
            if document["offerings"]
            or not (i.path == "offerings" or i.path.startswith("offerings["))
        ]
        if not issues:
            return "ok", []
        prefix = f"{section}[{index}]" if index is not None else ""
        own = [
            i for i in issues if prefix and (i.path == prefix or i.path.startswith(prefix + "."))
        ]
        if own:
            return "Invalid", issue_errors(own, strip=prefix)
        return "Conflict", issue_errors(issues)
    return "ok", []


def _answer(call: Any) -> tuple[str, list[Any]]:
    try:
        call()
    except Problem as err:
        return type(err).__name__, err.errors
    return "ok", []


def _key(section: str, body: dict[str, Any]) -> str:
    return repo.KINDS[section].key_of(body)


def _below(suppliers: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The suppliers with ``key`` among their parents, and itself."""
    parents = {s["id"]: s.get("parent") for s in suppliers}

    def under(name: str | None) -> bool:
        while name is not None:
            if name == key:
                return True
            name = parents.get(name)
        return False

    return [s for s in suppliers if under(s["id"])]


def _outcome(expected: tuple[str, list[Any]]) -> None:
    kind, errors = expected
    where = {"Conflict": "elsewhere", "Invalid": "own"}.get(kind, "")
    locations = {e["location"].split(".")[-1].split("[")[0] for e in errors}
    event(f"{kind} {where} {' '.join(sorted(locations))}".strip())


def _after_write(
    session: Session, workspace: Workspace, section: str, key: str, *, offering: bool
) -> None:
    """The register after an accepted change validates whole, with the entity stored."""
    document = services.register_document(session, workspace)
    assert repo.one(session, repo.KINDS[section], workspace.id or 0, key) is not None
    if document["offerings"]:
        load_plain(document)
    if section == "services":
        assert (key in document["offerings"]) is offering


@_FAST
@given(register=registers(), section=st.sampled_from(SECTIONS), data=st.data())
def test_a_create_answers_what_the_whole_register_answers(
    engine: Engine, register: dict[str, Any], section: str, data: st.DataObject
) -> None:
    """Adding an entity: accepted or refused exactly as whole validation (and the id check
    before it) decides."""
    body = data.draw(bodies(section))
    offering = section == "services" and data.draw(st.booleans())
    with Session(engine) as session:
        workspace = _store(session, register)
        taken = {_key(section, b) for b in register[section]}
        expected: tuple[str, list[Any]]
        if _key(section, body) in taken:  # an id the register has: refused before any check
            expected = ("Conflict", [])
        else:
            after = copy.deepcopy(register)
            after[section].append(body)
            if offering:
                after["offerings"].append(body["id"])
            expected = _whole(after, section, len(after[section]) - 1)
        _outcome(expected)
        got = _answer(
            lambda: services.create_entity(
                session, workspace=workspace, section=section, body=body, offering=offering
            )
        )
        assert got == expected
        if got[0] == "ok":
            _after_write(session, workspace, section, _key(section, body), offering=offering)


@_FAST
@given(register=registers(), section=st.sampled_from(SECTIONS), data=st.data())
def test_an_update_answers_what_the_whole_register_answers(
    engine: Engine, register: dict[str, Any], section: str, data: st.DataObject
) -> None:
    """Changing fields of an entity (a service's offering mark among them): accepted or
    refused exactly as whole validation decides."""
    if not register[section]:
        return
    index = data.draw(st.integers(0, len(register[section]) - 1))
    changes = {
        k: v
        for k, v in data.draw(bodies(section)).items()
        if k not in ("id", "from", "to") and data.draw(st.booleans())
    }
    offering = data.draw(st.sampled_from([None, True, False])) if section == "services" else None
    _update(engine, register, section, index, changes, offering)


@settings(_FAST, max_examples=300)
@given(register=registers(), data=st.data())
def test_a_new_parent_answers_what_the_whole_register_answers(
    engine: Engine, register: dict[str, Any], data: st.DataObject
) -> None:
    """Giving a supplier another parent, or none, a cycle among them (reported at itself or
    at another supplier, as the reader's walk meets it): as whole validation decides."""
    index = data.draw(st.integers(0, len(register["suppliers"]) - 1))
    key = register["suppliers"][index]["id"]
    below = _below(register["suppliers"], key)  # a parent among these makes a cycle
    choices = below if data.draw(st.booleans()) else register["suppliers"]
    parent = data.draw(st.sampled_from([None, "s9", *(s["id"] for s in choices)]))
    _update(engine, register, "suppliers", index, {"parent": parent}, None)


def _update(
    engine: Engine,
    register: dict[str, Any],
    section: str,
    index: int,
    changes: dict[str, Any],
    offering: bool | None,
) -> None:
    """Make the change through :func:`services.update_entity` and compare its answer with
    whole validation's."""
    before = register[section][index]
    key = _key(section, before)
    after = copy.deepcopy(register)
    body = {k: v for k, v in {**before, **changes}.items() if v is not None}
    after[section][index] = body
    if offering is not None:
        offerings = [o for o in after["offerings"] if o != key]
        after["offerings"] = [*offerings, key] if offering else offerings
    expected = _whole(after, section, index)
    _outcome(expected)
    with Session(engine) as session:
        workspace = _store(session, register)
        got = _answer(
            lambda: services.update_entity(
                session,
                workspace=workspace,
                section=section,
                key=key,
                changes=changes,
                version=None,
                offering=offering,
            )
        )
        assert got == expected
        if got[0] == "ok":
            marked = key in after["offerings"]
            _after_write(session, workspace, section, key, offering=marked)
            stored = repo.one(session, repo.KINDS[section], workspace.id or 0, key)
            assert stored is not None and stored.body == body


@_FAST
@given(register=registers(), section=st.sampled_from(SECTIONS), data=st.data())
def test_a_delete_answers_what_the_whole_register_answers(
    engine: Engine, register: dict[str, Any], section: str, data: st.DataObject
) -> None:
    """Removing an entity (a service also from the offerings): accepted, or refused with 409
    listing every reference to it, exactly as whole validation decides."""
    if not register[section]:
        return
    index = data.draw(st.integers(0, len(register[section]) - 1))
    body = register[section][index]
    after = copy.deepcopy(register)
    del after[section][index]
    if section == "services":
        after["offerings"] = [o for o in after["offerings"] if o != body["id"]]
    expected = _whole(after, section, None)
    _outcome(expected)
    with Session(engine) as session:
        workspace = _store(session, register)
        key = _key(section, body)
        got = _answer(
            lambda: services.delete_entity(
                session, workspace=workspace, section=section, key=key, version=None
            )
        )
        assert got == expected
        if got[0] == "ok":
            assert repo.one(session, repo.KINDS[section], workspace.id or 0, key) is None
            document = services.register_document(session, workspace)
            if document["offerings"]:
                load_plain(document)


def test_a_refusal_names_the_same_errors_as_before(engine: Engine) -> None:
    """Worked examples of each refusal, as the whole-register validation words them."""
    register = {
        "ketenkaart": 1,
        "offerings": ["app"],
        "suppliers": [{"id": "acme", "name": "Acme"}, {"id": "sub", "name": "S", "parent": "acme"}],
        "services": [{"id": "app", "name": "App", "supplier": "sub", "kind": "saas"}],
        "dependencies": [],
        "evidence": [],
        "profiles": [],
    }
    with Session(engine) as session:
        workspace = _store(session, register)
        cycle = _answer(
            lambda: services.update_entity(
                session,
                workspace=workspace,
                section="suppliers",
                key="acme",
                changes={"parent": "sub"},
                version=None,
            )
        )
        assert cycle == (
            "Invalid",
            [
                {
                    "location": "parent",
                    "message": "the parents of suppliers form a cycle: acme -> sub -> acme",
                }
            ],
        )
        used = _answer(
            lambda: services.delete_entity(
                session, workspace=workspace, section="suppliers", key="sub", version=None
            )
        )
        assert used == (
            "Conflict",
            [
                {
                    "location": "services[0].supplier",
                    "message": "unknown supplier 'sub'",
                }
            ],
        )
        bad = _answer(
            lambda: services.create_entity(
                session,
                workspace=workspace,
                section="services",
                body={"id": "api", "name": "Api", "supplier": "acmee", "kind": "saas"},
            )
        )
        assert bad == (
            "Invalid",
            [{"location": "supplier", "message": "unknown supplier 'acmee'; did you mean 'acme'?"}],
        )


def test_an_import_validated_before_another_write_is_validated_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import is merged and validated before the write lock; when another write commits
    in between (here: the supplier the import's new service names is deleted), it is
    validated again under the lock and refused, so the register never breaks."""
    register = {
        "ketenkaart": 1,
        "offerings": ["app"],
        "suppliers": [{"id": "acme", "name": "Acme"}, {"id": "spare", "name": "Spare"}],
        "services": [{"id": "app", "name": "App", "supplier": "acme", "kind": "saas"}],
        "dependencies": [],
        "evidence": [],
        "profiles": [],
    }
    incoming = {
        **register,
        "suppliers": [],
        "services": [{"id": "api", "name": "Api", "supplier": "spare", "kind": "saas"}],
    }
    lock = services._lock_register
    others: list[str] = []

    def another_write_first(session: Session, workspace: Workspace) -> None:
        if not others:
            others.append("spare")
            services.delete_entity(
                session, workspace=workspace, section="suppliers", key="spare", version=None
            )
        lock(session, workspace)

    with Session(engine) as session:
        workspace = _store(session, register)
        monkeypatch.setattr(services, "_lock_register", another_write_first)
        got = _answer(
            lambda: services.import_document(
                session,
                workspace=workspace,
                name="late.json",
                incoming=incoming,
                dry_run=False,
                actor=COMMAND_LINE,
                digest="0" * 64,
            )
        )
        assert got == (
            "Invalid",
            [{"location": "services[1].supplier", "message": "unknown supplier 'spare'"}],
        )
        session.rollback()
        document = services.register_document(session, workspace)
        assert [s["id"] for s in document["services"]] == ["app"]
        load_plain(document)
