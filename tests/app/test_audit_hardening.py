"""The audit trail against an attacker with write access to the database (issue 11, points 2
and 9): verify finds every chain from the entries, a head moves only with its trail, an
anchor signed outside the database finds a consistent rewrite, the register is compared with
its trail, and every change is recorded.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app import audit
from app.cli import main
from app.models import Workspace
from tests.app.conftest import PASSWORD, Ws

SEED = base64.b64encode(bytes(range(32))).decode()
"""An anchor key for the tests: its 32-byte seed in base64."""


def _unguard(connection: Connection) -> None:
    """What an attacker with database access does first: drop the triggers that guard the
    entries and the heads (the one that moves a head on insert may stay)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry"))
        connection.execute(text("DROP TRIGGER IF EXISTS audit_head_guard ON audit_head"))
        return
    for name in (
        "audit_entry_no_update",
        "audit_entry_no_delete",
        "audit_head_no_update",
        "audit_head_no_delete",
        "audit_head_no_insert",
    ):
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def _rehash(connection: Connection, chain: str, start: int) -> None:
    """Recompute every hash from entry ``start`` on, and the head: a consistent rewrite."""
    rows = connection.execute(
        text("SELECT id, seq FROM audit_entry WHERE chain = :c ORDER BY seq"), {"c": chain}
    ).all()
    with Session(bind=connection) as session:
        entries = {e.seq: e for e in audit.entries(session, chain)}
        prev = audit.GENESIS if start == 1 else entries[start - 1].hash
        for row_id, seq in rows:
            if seq < start:
                continue
            fields = audit.public(entries[seq])
            digest = audit.entry_hash(fields, prev)
            connection.execute(
                text("UPDATE audit_entry SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": digest, "i": row_id},
            )
            prev = digest
    connection.execute(
        text("UPDATE audit_head SET seq = :s, hash = :h WHERE chain = :c"),
        {"s": rows[-1][1], "h": prev, "c": chain},
    )


@pytest.fixture
def chain(engine: Engine, demo_ws: Ws, client: TestClient) -> str:
    """The chain of workspace ``acme`` with the demo imported and three more entries."""
    for key in ("een", "twee", "drie"):
        answer = client.post(
            demo_ws.url("/suppliers"), json={"id": key, "name": key}, headers=demo_ws.auth()
        )
        assert answer.status_code == 201, answer.text
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        return audit.chain_of(workspace.id)


def _verdicts(engine: Engine) -> dict[str, audit.Verdict]:
    with Session(engine) as session:
        return {c: audit.verify(session, c) for c in audit.chains(session)}


def _tamper(engine: Engine, *statements: str, chain: str) -> None:
    with engine.begin() as connection:
        _unguard(connection)
        for statement in statements:
            connection.execute(text(statement), {"c": chain})


# --- point 2: the walk, the heads -------------------------------------------------------------


def test_verify_finds_a_chain_whose_head_was_removed(engine: Engine, chain: str) -> None:
    """The issue's attack: entry 3 edited, then the head deleted. verify still walks the
    workspace's chain (found from the workspaces and entries) and names entry 3."""
    _tamper(
        engine,
        "UPDATE audit_entry SET after = '{\"x\": 1}' WHERE chain = :c AND seq = 3",
        "DELETE FROM audit_head WHERE chain = :c",
        chain=chain,
    )
    verdicts = _verdicts(engine)
    assert chain in verdicts
    assert verdicts[chain].broken_seq == 3
    assert "contents do not match" in (verdicts[chain].problem or "")


def test_a_removed_head_is_a_finding_and_later_writes_still_work(
    engine: Engine, chain: str, client: TestClient, demo_ws: Ws
) -> None:
    """Only the head deleted: verify says so; the next change is recorded (its head made
    again from the trail), not refused with a misleading 409."""
    _tamper(engine, "DELETE FROM audit_head WHERE chain = :c", chain=chain)
    verdict = _verdicts(engine)[chain]
    assert not verdict.ok
    assert "head is missing" in (verdict.problem or "")
    assert str(verdict).startswith(f"{chain}: broken: its head is missing")  # no "entry None"
    answer = client.post(
        demo_ws.url("/suppliers"), json={"id": "vier", "name": "Vier"}, headers=demo_ws.auth()
    )
    assert answer.status_code == 201, answer.text
    assert _verdicts(engine)[chain].ok


def test_a_removed_whole_trail_is_a_finding(engine: Engine, chain: str) -> None:
    """Every entry of a workspace deleted with its head: the workspace is still walked, and
    its empty trail is a finding."""
    _tamper(
        engine,
        "DELETE FROM audit_entry WHERE chain = :c",
        "DELETE FROM audit_head WHERE chain = :c",
        chain=chain,
    )
    verdict = _verdicts(engine)[chain]
    assert not verdict.ok
    assert "no entries" in (verdict.problem or "")


def test_a_head_moved_back_is_a_finding_and_writes_say_why(
    engine: Engine, chain: str, client: TestClient, demo_ws: Ws
) -> None:
    """A head set back one entry (the entries kept) is found; a write answers a 409 that
    names the trail and verify, and records nothing."""
    _tamper(
        engine,
        "UPDATE audit_head SET seq = seq - 1, hash = (SELECT e.hash FROM audit_entry e "
        "WHERE e.chain = :c AND e.seq = audit_head.seq - 1) WHERE chain = :c",
        chain=chain,
    )
    verdict = _verdicts(engine)[chain]
    assert "head records entry" in (verdict.problem or "")
    answer = client.post(
        demo_ws.url("/suppliers"), json={"id": "vier", "name": "Vier"}, headers=demo_ws.auth()
    )
    assert answer.status_code == 409
    assert "audit verify" in answer.json()["detail"]
    assert "someone else" not in answer.json()["detail"]


@pytest.mark.parametrize(
    "attack",
    [
        "UPDATE audit_head SET seq = 1 WHERE chain = :c",
        "UPDATE audit_head SET hash = :c WHERE chain = :c",
        "DELETE FROM audit_head WHERE chain = :c",
        "INSERT INTO audit_head (chain, seq, hash) VALUES ('ws:99', 5, 'forged')",
    ],
)
def test_the_database_refuses_to_move_remove_or_forge_a_head(
    engine: Engine, chain: str, attack: str
) -> None:
    """Only appending an entry moves a head; anything else is refused by the database."""
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(text(attack), {"c": chain})
    assert _verdicts(engine)[chain].ok


# --- point 2: the anchor ------------------------------------------------------------------------


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> Ed25519PrivateKey:
    """The service's anchor key, from the environment."""
    monkeypatch.setenv(audit.ANCHOR_KEY_VARIABLE, SEED)
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _anchor(client: TestClient, ws: Ws, role: str = "auditor") -> dict[str, Any]:
    answer = client.get(ws.url("/audit/anchor"), headers=ws.auth(role))
    assert answer.status_code == 200, answer.text
    anchor: dict[str, Any] = answer.json()
    return anchor


def _checked(engine: Engine, anchor: dict[str, Any]) -> list[audit.AnchorCheck]:
    with Session(engine) as session:
        return audit.check_anchor(session, anchor)


def test_the_api_answers_the_chain_head_signed_with_the_key(
    client: TestClient, chain: str, demo_ws: Ws, key: Ed25519PrivateKey
) -> None:
    """An auditor gets the workspace's head hash and count, signed with the service's key."""
    anchor = _anchor(client, demo_ws)
    verdict = client.get(demo_ws.url("/audit/verify"), headers=demo_ws.auth()).json()
    assert anchor["chains"] == [
        {"chain": chain, "entries": verdict["entries"], "head": verdict["head"]}
    ]
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert base64.b64decode(anchor["key"]) == public
    body = {k: v for k, v in anchor.items() if k != "signature"}
    Ed25519PublicKey.from_public_bytes(public).verify(
        base64.b64decode(anchor["signature"]), audit.canonical(body)
    )


def test_the_api_says_when_it_has_no_anchor_key(
    client: TestClient, demo_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a key the anchor is refused with a problem that names the setting."""
    monkeypatch.delenv(audit.ANCHOR_KEY_VARIABLE, raising=False)
    answer = client.get(demo_ws.url("/audit/anchor"), headers=demo_ws.auth())
    assert answer.status_code == 501
    assert audit.ANCHOR_KEY_VARIABLE in answer.json()["detail"]


def test_an_anchor_finds_the_last_entry_removed_with_its_head_moved_back(
    engine: Engine, client: TestClient, chain: str, demo_ws: Ws, key: Ed25519PrivateKey
) -> None:
    """Cut the last entry and set the head back: verify alone sees an intact trail, the
    anchor kept before does not."""
    anchor = _anchor(client, demo_ws)
    assert all(c.ok for c in _checked(engine, anchor))
    _tamper(
        engine,
        "DELETE FROM audit_entry WHERE chain = :c AND seq = (SELECT MAX(seq) FROM audit_entry "
        "WHERE chain = :c)",
        "UPDATE audit_head SET seq = seq - 1, hash = (SELECT e.hash FROM audit_entry e "
        "WHERE e.chain = :c AND e.seq = audit_head.seq - 1) WHERE chain = :c",
        chain=chain,
    )
    assert _verdicts(engine)[chain].ok
    [found] = _checked(engine, anchor)
    assert not found.ok
    assert "fewer than" in found.message


def test_an_anchor_finds_an_entry_rewritten_with_every_later_hash(
    engine: Engine, client: TestClient, chain: str, demo_ws: Ws, key: Ed25519PrivateKey
) -> None:
    """Rewrite an entry and recompute every hash after it and the head: verify passes, the
    anchor names the rewrite; a forged anchor is refused."""
    anchor = _anchor(client, demo_ws)
    with engine.begin() as connection:
        _unguard(connection)
        connection.execute(
            text("UPDATE audit_entry SET target = 'supplier/other' WHERE chain = :c AND seq = 2"),
            {"c": chain},
        )
        _rehash(connection, chain, 2)
    assert _verdicts(engine)[chain].ok
    [found] = _checked(engine, anchor)
    assert not found.ok
    assert "rewritten" in found.message
    forged = {**anchor, "chains": [{**anchor["chains"][0], "head": "0" * 64}]}
    with pytest.raises(audit.AnchorError, match="signature"):
        _checked(engine, forged)


# --- point 2: the register against its trail ----------------------------------------------------


def test_register_rows_changed_in_the_database_are_named(
    engine: Engine, chain: str, client: TestClient, demo_ws: Ws
) -> None:
    """Change a row's body, delete one and add one behind the service's back: each is named;
    an untouched register has no difference."""
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        assert audit.register_differences(session, workspace) == []
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE supplier SET body = :b WHERE key = 'een'"),
            {"b": json.dumps({"id": "een", "name": "Changed"})},
        )
        connection.execute(text("DELETE FROM supplier WHERE key = 'twee'"))
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        found = audit.register_differences(session, workspace)
    assert any(f.startswith("supplier/een: the register holds") for f in found), found
    assert "supplier/twee: the trail holds it, the register does not" in found
    assert len(found) == 2


# --- point 9: every change recorded -------------------------------------------------------------


def _trail(client: TestClient, ws: Ws) -> list[dict[str, Any]]:
    answer = client.get(ws.url("/audit?limit=1000"), headers=ws.auth())
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_an_import_that_changes_only_x_keys_and_the_title_records_before_and_after(
    client: TestClient, demo_ws: Ws, demo_bytes: bytes
) -> None:
    """Re-importing the demo with another title and a new x- key: the entry holds both
    values, before and after."""
    changed = demo_bytes.replace(
        b"title: LoonWolk", b"x-contract: {number: 42}\ntitle: Other LoonWolk", 1
    )
    answer = client.post(demo_ws.url("/import"), content=changed, headers=demo_ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    entry = _trail(client, demo_ws)[-1]
    assert entry["action"] == "import", entry
    assert entry["before"] is not None, json.dumps(entry)[:1500]
    assert entry["before"]["x-"] == {"x-contract": None}
    assert entry["after"]["x-"] == {"x-contract": {"number": 42}}
    old = entry["before"]["titles"]["loonwolk-online"]
    assert old.startswith("LoonWolk")
    assert entry["after"]["titles"]["loonwolk-online"]["after"].startswith("Other LoonWolk")


def test_deleting_evidence_records_its_document_removal(
    make_client: Any, ws: Ws, demo_bytes: bytes
) -> None:
    """Evidence with a document deleted: a document entry names the document removed."""
    client = make_client()
    assert client.post(ws.url("/import"), content=demo_bytes, headers=ws.auth()).is_success
    url = ws.url("/evidence/stratus-soc2-2026")
    put = client.put(
        url + "/document",
        content=b"%PDF-1.7\n",
        headers={**ws.auth(), "Content-Type": "application/pdf"},
        params={"filename": "soc2.pdf"},
    )
    assert put.status_code == 201, put.text
    etag = client.get(url, headers=ws.auth()).headers["etag"]
    gone = client.delete(url, headers={**ws.auth(), "If-Match": etag})
    assert gone.status_code == 204, gone.text
    entries = _trail(client, ws)
    removal = next(e for e in entries if e["action"] == "document.delete")
    assert removal["target"] == "evidence/stratus-soc2-2026/document"
    assert removal["before"]["filename"] == "soc2.pdf"
    assert removal["after"] is None
    assert entries.index(removal) > [e["action"] for e in entries].index("delete")


# --- the command line --------------------------------------------------------------------------


@pytest.fixture
def kk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[Path, Any]]:
    """A SQLite database file with two accounts and workspaces ``acme`` and ``alpha``, and a
    runner of the command line on it (in this process: as the console script, but faster)."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    for name in list(os.environ):
        if name.startswith("KETENKAART_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KETENKAART_DATABASE_URL", url)

    def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    for email in ("o@kk.example", "p@kk.example"):  # two entries in the accounts' chain
        made = run(
            "user", "create", email, "--name", "O", "--password-stdin", stdin=PASSWORD + "\n"
        )
        assert made.returncode == 0, made.stderr
    for args in (
        ("workspace", "create", "acme", "--owner", "o@kk.example"),
        ("workspace", "create", "alpha", "--owner", "o@kk.example"),
    ):
        assert run(*args).returncode == 0
    yield tmp_path / "kk.db", run


def test_the_command_line_verify_walks_every_workspace(kk: tuple[Path, Any]) -> None:
    """The issue's attack from the command line: plain `audit verify` names ws:1's entry."""
    db, run = kk
    with sqlite3.connect(db) as connection:
        for name in ("audit_entry_no_update", "audit_head_no_delete"):
            connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        connection.execute("UPDATE audit_entry SET target = 'x' WHERE chain = 'ws:1'")
        connection.execute("DELETE FROM audit_head WHERE chain = 'ws:1'")
    bad = run("audit", "verify")
    assert bad.returncode == 1
    assert "ws:1: entry 1 is broken: its contents do not match its hash" in bad.stdout
    assert "ws:2: 1 entries, intact" in bad.stdout


def test_the_command_line_anchors_and_finds_a_rewrite(kk: tuple[Path, Any], tmp_path: Path) -> None:
    """`audit anchor --key FILE` prints a signed anchor; `audit verify --anchor FILE` exits 0
    on the same trail and 1 naming the chain once its last entry and head are cut back."""
    db, run = kk
    key = tmp_path / "anchor.pem"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    made = run("audit", "anchor", "--key", str(key))
    assert made.returncode == 0, made.stderr
    kept = tmp_path / "kept.json"
    kept.write_text(made.stdout)
    assert {c["chain"] for c in json.loads(made.stdout)["chains"]} == {"global", "ws:1", "ws:2"}
    same = run("audit", "verify", "--anchor", str(kept))
    assert same.returncode == 0, same.stdout + same.stderr
    from_env = run("audit", "anchor", KETENKAART_ANCHOR_KEY=SEED)
    assert from_env.returncode == 0, from_env.stderr
    assert run("audit", "anchor").returncode == 2  # no key: says how to give one
    with sqlite3.connect(db) as connection:
        for name in ("audit_entry_no_delete", "audit_head_no_update"):
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("DELETE FROM audit_entry WHERE chain = 'global' AND seq = 2")
        connection.execute(
            "UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_entry "
            "WHERE chain = 'global' AND seq = 1) WHERE chain = 'global'"
        )
    assert run("audit", "verify").returncode == 0  # consistent: only the anchor can tell
    bad = run("audit", "verify", "--anchor", str(kept))
    assert bad.returncode == 1
    assert "global: the trail holds 1 entries, fewer than the 2 anchored" in bad.stdout


def test_the_command_line_compares_the_register_with_its_trail(kk: tuple[Path, Any]) -> None:
    """`audit verify --register` exits 1 naming a row added behind the service's back."""
    db, run = kk
    assert run("audit", "verify", "--register").returncode == 0
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO supplier (workspace_id, key, body, position, version, created_at, "
            'updated_at) VALUES (1, \'ghost\', \'{"id": "ghost", "name": "Ghost"}\', 1, 1, '
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    bad = run("audit", "verify", "--register", "--workspace", "acme")
    assert bad.returncode == 1
    assert "acme: supplier/ghost: the register holds it, the trail never recorded it" in bad.stdout
