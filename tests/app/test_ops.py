"""Operating the service: backup and restore, a kill in the middle of an import, two workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert
from sqlmodel import Session

from app import membership, services
from app.audit import COMMAND_LINE
from app.db import make_engine
from app.migrate import upgrade
from app.models import DocumentRow, utcnow
from tests.app.test_cli_service import (
    BACKENDS,
    COMMAND,
    DEMO,
    ROOT,
    TEST_DATABASE_URL,
    auth,
    cli,
    database,
    environment,
    free_port,
    ok,
    postgres_database,
    served,
    stop,
    wait_until_healthy,
)

DOCUMENT = bytes(range(256)) * 3 + b"%PDF-1.7\n\x00\xff"


def populate(url: str) -> str:
    """The demo chain in workspace ``demo``, a binary document and two tokens; an editor's."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            workspace = membership.create_workspace(
                session, slug="demo", name="Demo", owner=None, actor=COMMAND_LINE
            )
            services.import_chain(
                session, workspace=workspace, name=DEMO.name, data=DEMO.read_bytes(), dry_run=False
            )
            services.create_token(session, slug="demo", role="viewer", expires=None)
            token = services.create_token(session, slug="demo", role="editor", expires=None)
            session.execute(
                insert(DocumentRow).values(
                    workspace_id=workspace.id,
                    evidence_key="stratus-soc2",
                    filename="report.pdf",
                    media_type="application/pdf",
                    sha256="0" * 64,
                    size=len(DOCUMENT),
                    content=DOCUMENT,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                    version=1,
                )
            )
            session.commit()
    finally:
        engine.dispose()
    return token


def table_files(archive: Path) -> dict[str, bytes]:
    """The table members of a backup archive, by name."""
    with zipfile.ZipFile(archive) as opened:
        return {n: opened.read(n) for n in opened.namelist() if n.startswith("tables/")}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database backend in turn."""
    return str(request.param)


# --- backup and restore ---------------------------------------------------------------------


def test_backup_then_restore_gives_the_same_rows(backend: str, tmp_path: Path) -> None:
    """Backup, restore into an empty database, backup again: the same table files."""
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    with database(backend, tmp_path) as source, database(backend, tmp_path) as target:
        populate(source)
        ok(source, "backup", str(first))
        assert "restored" in ok(target, "restore", str(first))
        ok(target, "backup", str(second))
        verified = ok(target, "audit", "verify")  # the restored trail is intact, hash for hash
        assert "intact" in verified
        assert "broken" not in verified
    before, after = table_files(first), table_files(second)
    assert before == after
    assert len(before["tables/service.jsonl"].splitlines()) > 5
    assert len(before["tables/audit_entry.jsonl"].splitlines()) >= 2
    assert len(before["tables/evidence_document.jsonl"].splitlines()) == 1
    assert not (tmp_path / "first.zip.tmp").exists()


def test_backup_keeps_documents_and_token_hashes_only(tmp_path: Path) -> None:
    """Documents come back byte for byte; tokens are in the archive by hash, never in clear."""
    archive = tmp_path / "backup.zip"
    with database("sqlite", tmp_path) as source, database("sqlite", tmp_path) as target:
        token = populate(source)
        ok(source, "backup", str(archive))
        ok(target, "restore", str(archive))
        engine = make_engine(target)
        with Session(engine) as session:
            restored = session.get(DocumentRow, 1)
            assert restored is not None and restored.content == DOCUMENT
            assert services.authenticate(session, token) is not None
        engine.dispose()
    assert token.encode() not in b"".join(table_files(archive).values())


def test_a_restored_database_takes_new_rows(backend: str, tmp_path: Path) -> None:
    """After a restore new rows get fresh ids (PostgreSQL's sequences continue)."""
    archive = tmp_path / "backup.zip"
    with database(backend, tmp_path) as source, database(backend, tmp_path) as target:
        populate(source)
        ok(source, "backup", str(archive))
        ok(target, "restore", str(archive))
        ok(target, "workspace", "create", "another")
        assert ok(target, "token", "create", "--workspace", "another", "--role", "owner")


def test_restore_into_a_database_with_a_workspace_is_refused(backend: str, tmp_path: Path) -> None:
    """restore refuses (exit 2) a database that is not empty, and changes nothing in it."""
    archive, before, after = (tmp_path / n for n in ("backup.zip", "before.zip", "after.zip"))
    with database(backend, tmp_path) as source, database(backend, tmp_path) as target:
        populate(source)
        ok(source, "backup", str(archive))
        ok(target, "workspace", "create", "mine")
        ok(target, "backup", str(before))
        done = cli(target, "restore", str(archive))
        assert (done.returncode, done.stdout) == (2, "")
        assert "not empty" in done.stderr
        ok(target, "backup", str(after))
    assert table_files(before) == table_files(after)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"not a zip", "not a readable zip archive")],
)
def test_restore_of_no_archive_exits_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    """A missing file or one that is no archive is unusable input."""
    path = tmp_path / "backup.zip"
    if content is not None:
        path.write_bytes(content)
    done = cli(f"sqlite:///{tmp_path / 'kk.db'}", "restore", str(path))
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr


# --- a kill in the middle of an import -------------------------------------------------------


@pytest.fixture(scope="session")
def large_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated chain of 20,000 services (about 18 MiB of JSON)."""
    path = tmp_path_factory.mktemp("chain") / "chain-20000.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--services=20000",
            f"--output={path}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


def _request(path: str, token: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def test_kill_during_an_import_leaves_no_trace(tmp_path: Path, large_chain: Path) -> None:
    """kill -9 while an import is being written: the file is sound, the import absent, the
    service starts again."""
    db = tmp_path / "kk.db"
    wal = tmp_path / "kk.db-wal"
    url = f"sqlite:///{db}"
    ok(url, "workspace", "create", "big")
    token = ok(url, "token", "create", "--workspace", "big", "--role", "editor").strip()
    port = free_port()
    server = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port)],
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", server)
        written_from = wal.stat().st_size if wal.exists() else 0
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(
                _request("/api/v1/workspaces/big/import", token, large_chain.read_bytes())
            )
            connection.setblocking(False)
            # The import validates the whole register first, then writes; SQLite spills its
            # pages to the WAL long before the commit. Kill once a megabyte of it is written.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(BlockingIOError):
                    answer = connection.recv(200)
                    pytest.fail(f"the import ended before the kill: {answer[:60]!r}")
                if wal.exists() and wal.stat().st_size > written_from + (1 << 20):
                    break
                time.sleep(0.002)
            else:
                pytest.fail("the import did not start writing within 60 s")
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    finally:
        stop(server)

    with contextlib.closing(sqlite3.connect(db)) as opened:
        assert opened.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        services_of_big = opened.execute(
            "SELECT count(*) FROM service JOIN workspace ON workspace.id = service.workspace_id "
            "WHERE workspace.slug = 'big'"
        ).fetchone()
        assert services_of_big == (0,)
    with served(url) as (base, _):
        assert httpx.get(f"{base}/readyz", timeout=5).json() == {"status": "ready"}


# --- two workers on PostgreSQL -----------------------------------------------------------------


@pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="two workers need a database server: set KETENKAART_TEST_DATABASE_URL",
)
def test_two_workers_agree_and_lock_optimistically() -> None:
    """Two uvicorn workers give the same answers, and of two PATCHes with one If-Match exactly
    one wins."""
    with postgres_database() as url, served(url, "--workers", "2") as (base, _):
        ok(url, "workspace", "create", "demo")
        token = ok(url, "token", "create", "--workspace", "demo", "--role", "editor").strip()
        api = f"{base}/api/v1/workspaces/demo"
        imported = httpx.post(
            f"{api}/import", content=DEMO.read_bytes(), headers=auth(token), timeout=30
        )
        assert imported.status_code == 200, imported.text

        answers: dict[str, set[bytes]] = {"check": set(), "suppliers": set()}
        for index in range(50):
            what = "check" if index % 2 else "suppliers"
            query = "?at=2026-11-27" if what == "check" else ""
            # A new connection each time, so that both workers answer.
            got = httpx.get(f"{api}/{what}{query}", headers=auth(token), timeout=30)
            assert got.status_code == 200, got.text
            answers[what].add(got.content)
        assert [len(v) for v in answers.values()] == [1, 1]

        etag = httpx.get(f"{api}/suppliers/wacht", headers=auth(token), timeout=30).headers["etag"]
        start = threading.Barrier(2)
        statuses: list[int] = []

        def patch(name: str) -> None:
            with httpx.Client(timeout=30) as http:
                start.wait()
                headers = auth(token) | {"If-Match": etag}
                answer = http.patch(f"{api}/suppliers/wacht", json={"name": name}, headers=headers)
                statuses.append(answer.status_code)

        racers = [threading.Thread(target=patch, args=(f"WachtPost {i}",)) for i in (1, 2)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=60)
        assert sorted(statuses) == [200, 412]


def test_backup_carries_the_documents_folder_and_restore_checks_it(tmp_path: Path) -> None:
    """Documents kept in a folder travel in the archive, each checked against its SHA-256."""
    import hashlib  # noqa: PLC0415

    from app import backup  # noqa: PLC0415
    from graph.errors import UsageError  # noqa: PLC0415

    digest = hashlib.sha256(DOCUMENT).hexdigest()
    source_docs, target_docs = tmp_path / "docs-a", tmp_path / "docs-b"
    source_docs.mkdir()
    (source_docs / digest).write_bytes(DOCUMENT)
    source = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(source)
    with Session(source) as session:
        workspace = membership.create_workspace(
            session, slug="docs", name="Docs", owner=None, actor=COMMAND_LINE
        )
        session.execute(
            insert(DocumentRow).values(
                workspace_id=workspace.id,
                evidence_key="e",
                filename="r.pdf",
                media_type="application/pdf",
                sha256=digest,
                size=len(DOCUMENT),
                content=None,
                path=digest,
                created_at=utcnow(),
                updated_at=utcnow(),
                version=1,
            )
        )
        session.commit()
    archive = tmp_path / "with-docs.zip"
    with pytest.raises(UsageError, match="KETENKAART_DOCUMENTS_DIR"):
        backup.backup(source, archive)
    backup.backup(source, archive, documents_dir=source_docs)
    target = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    upgrade(target)
    backup.restore(target, archive, documents_dir=target_docs)
    assert (target_docs / digest).read_bytes() == DOCUMENT

    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(forged, "w") as new:
        for name in old.namelist():
            content = old.read(name)
            new.writestr(name, b"not the document" if name.startswith("documents/") else content)
    empty = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(empty)
    with pytest.raises(UsageError, match="not the file its name promises"):
        backup.restore(empty, forged, documents_dir=tmp_path / "docs-c")
    with Session(empty) as session:  # all or nothing: the rows went back out with the files
        assert services.repo.workspace_by_slug(session, "docs") is None
    for engine in (source, target, empty):
        engine.dispose()
