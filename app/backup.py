"""Backup and restore of the whole database: every workspace, as one zip archive.

The archive holds ``manifest.json`` (format version, Alembic revision, row count per table, when
it was made) and one ``tables/<table>.jsonl`` per table, a row per line in primary-key order.
Times are written in UTC with their offset, binary columns (documents' content) in base64;
tokens are stored as the service stores them, by hash only.

A backup reads every table in one read transaction (SQLite: one ``BEGIN`` on one connection, a
snapshot of the WAL; PostgreSQL: ``REPEATABLE READ, READ ONLY``), so it is consistent while the
service keeps writing. It is written to ``FILE.tmp`` and renamed, so a crash leaves no half
archive under the name asked for. A restore goes into an empty database, in one transaction,
rows with their ids; a restore followed by a backup gives the same table files.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, LargeBinary, Table, func, insert, select
from sqlalchemy.types import Date, DateTime
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables on the metadata
from app.migrate import alembic_config
from graph.errors import UsageError
from graph.i18n import format_number, gettext, ngettext

FORMAT = 1
"""The archive format's version; a restore refuses any other."""

MANIFEST = "manifest.json"
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup wrote or a restore read: the revision and the rows per table."""

    revision: str | None
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def tables() -> list[Table]:
    """The tables of the register, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def current_head() -> str | None:
    """The newest migration of this version."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def revision_of(connection: Connection) -> str | None:
    """The migration the database is at."""
    return MigrationContext.configure(connection).get_current_revision()


def _member(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


def json_problem(err: ValueError) -> str:
    """What :func:`json.loads` found wrong, in the language of the context where the catalog
    carries the parser's words (as :mod:`json` writes it in English).

    >>> try:
    ...     json.loads("[1,")
    ... except ValueError as err:
    ...     json_problem(err)
    'Expecting value: line 1 column 4 (char 3)'
    """
    if not isinstance(err, json.JSONDecodeError):
        return str(err)
    from importers.chainfile.yaml12 import library_words  # noqa: PLC0415 - on an error only

    return gettext("{problem}: line {line} column {column} (char {position})").format(
        problem=library_words(err.msg), line=err.lineno, column=err.colno, position=err.pos
    )


# --- backup -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection inside one read transaction that sees one state of the whole database."""
    if engine.dialect.name == "sqlite":
        # pysqlite would only begin a transaction before a write: begin it ourselves, so every
        # SELECT below reads the same snapshot of the WAL.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.exec_driver_sql("ROLLBACK")
        return
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    with engine.connect().execution_options(**options) as connection, connection.begin() as tx:
        yield connection
        tx.rollback()


def _encode(table: Table, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in zip(table.columns, row, strict=True):
        if value is None:
            out[column.name] = None
        elif isinstance(column.type, DateTime):
            stamp: datetime = value
            # SQLite gives naive datetimes back; the service writes UTC.
            stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
            out[column.name] = stamp.isoformat()
        elif isinstance(column.type, Date):  # an auditor's engagement: from, through
            out[column.name] = value.isoformat()
        elif isinstance(column.type, LargeBinary):
            out[column.name] = base64.b64encode(bytes(value)).decode("ascii")
        else:
            out[column.name] = value
    return out


def _dump_table(connection: Connection, table: Table, out: IO[bytes]) -> int:
    count = 0
    query = select(*table.columns).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH).execute(query)
    for row in result:
        line = json.dumps(_encode(table, row), ensure_ascii=False, separators=(",", ":"))
        out.write(line.encode("utf-8") + b"\n")
        count += 1
    return count


DOCUMENTS = "documents/"
MAX_DOCUMENT = 1 << 30
"""The largest document file a restore takes from an archive (a bound against zip bombs)."""
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _stored_files(connection: Connection) -> list[str]:
    """The names of the document files the database refers to (in the documents folder)."""
    table = SQLModel.metadata.tables["evidence_document"]
    query = select(table.c.path).where(table.c.path.is_not(None)).distinct().order_by(table.c.path)
    return [str(name) for name in connection.execute(query).scalars()]


def backup(engine: Engine, path: Path, *, documents_dir: Path | None = None) -> Summary:
    """Write a consistent archive of the whole database to ``path`` (via ``path.tmp``), with the
    document files kept in ``documents_dir`` (content-addressed, so never changed in place)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(
            gettext("{name}: the folder {folder} does not exist").format(
                name=target, folder=target.parent
            )
        )
    partial = target.with_name(target.name + ".tmp")
    counts: dict[str, int] = {}
    try:
        with (
            # Every workspace's register and documents: readable by the owner only.
            os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            _snapshot(engine) as connection,
        ):
            revision = revision_of(connection)
            for table in tables():
                with archive.open(_member(table), "w", force_zip64=True) as out:
                    counts[table.name] = _dump_table(connection, table, out)
            files = _stored_files(connection)
            if files and documents_dir is None:
                raise UsageError(
                    gettext(
                        "documents are kept in a folder; set KETENKAART_DOCUMENTS_DIR to back it up"
                    )
                )
            for name in files:
                if _SHA256.fullmatch(name) and documents_dir is not None:
                    archive.write(documents_dir / name, DOCUMENTS + name)
            manifest = {
                "format": FORMAT,
                "application": "ketenkaart",
                "revision": revision,
                "created_at": datetime.now(UTC).isoformat(),
                "dialect": engine.dialect.name,
                "tables": counts,
                "documents": len(files),
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Summary(revision, counts)


# --- restore ----------------------------------------------------------------------------------


def _decode(table: Table, record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise UsageError(gettext("{where}: not a row object").format(where=where))
    unknown = set(record) - set(table.columns.keys())
    if unknown:
        raise UsageError(
            gettext("{where}: columns {columns} are not in table '{table}' of this version").format(
                where=where, columns=", ".join(sorted(unknown)), table=table.name
            )
        )
    row: dict[str, Any] = {}
    for column in table.columns:
        value = record.get(column.name)
        try:
            if value is not None and isinstance(column.type, DateTime):
                value = datetime.fromisoformat(value)
            elif value is not None and isinstance(column.type, Date):
                value = date.fromisoformat(value)
            elif value is not None and isinstance(column.type, LargeBinary):
                value = base64.b64decode(value, validate=True)
        except (TypeError, ValueError) as err:
            raise UsageError(
                gettext("{where}: column {column}: {error}").format(
                    where=where, column=column.name, error=err
                )
            ) from None
        row[column.name] = value
    return row


def _read_manifest(archive: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise UsageError(
            gettext("{name}: no {manifest}: not a ketenkaart backup").format(
                name=name, manifest=MANIFEST
            )
        ) from None
    except ValueError as err:
        raise UsageError(
            gettext("{name}: {manifest} is not JSON: {error}").format(
                name=name, manifest=MANIFEST, error=json_problem(err)
            )
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise UsageError(
            gettext("{name}: archive format {found}; this version reads format {format}").format(
                name=name, found=repr(found), format=FORMAT
            )
        )
    if not isinstance(manifest.get("tables"), dict):
        raise UsageError(
            gettext("{name}: {manifest} lists no tables").format(name=name, manifest=MANIFEST)
        )
    return manifest


def _rows(archive: zipfile.ZipFile, table: Table, name: str) -> Iterator[dict[str, Any]]:
    member = _member(table)
    try:
        handle = archive.open(member)
    except KeyError:
        raise UsageError(
            gettext("{name}: {member} is missing").format(name=name, member=member)
        ) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            where = f"{name}: {member}:{number}"
            try:
                record = json.loads(line)
            except ValueError as err:
                raise UsageError(
                    gettext("{name}: not JSON: {error}").format(name=where, error=json_problem(err))
                ) from None
            yield _decode(table, record, where)


def occupied(connection: Connection) -> dict[str, int]:
    """The tables that hold rows, with their counts."""
    found = {}
    for table in tables():
        count = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            found[table.name] = int(count)
    return found


def restore(engine: Engine, path: Path, *, documents_dir: Path | None = None) -> Summary:
    """Load an archive into an empty database (schema current), all or nothing; its document
    files go into ``documents_dir``."""
    name = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UsageError(gettext("{name}: no such file").format(name=name)) from None
    except (OSError, zipfile.BadZipFile) as err:
        raise UsageError(
            gettext("{name}: not a readable zip archive: {error}").format(name=name, error=err)
        ) from None
    with archive:
        manifest = _read_manifest(archive, name)
        head = current_head()
        if manifest.get("revision") != head:
            raise UsageError(
                gettext(
                    "{name}: the archive is of schema revision {found}; this version restores "
                    "revision {head} only"
                ).format(name=name, found=repr(manifest.get("revision")), head=repr(head))
            )
        expected: dict[str, Any] = manifest["tables"]
        names = {table.name for table in tables()}
        strange = sorted(set(expected) - names)
        if strange:
            raise UsageError(
                gettext("{name}: tables {tables} are not in this version").format(
                    name=name, tables=", ".join(strange)
                )
            )
        counts: dict[str, int] = {}
        with engine.begin() as connection:
            busy = occupied(connection)
            if busy:
                listed = ", ".join(
                    ngettext("{table}: {n} row", "{table}: {n} rows", n).format(
                        table=t, n=format_number(n)
                    )
                    for t, n in busy.items()
                )
                raise UsageError(
                    gettext(
                        "the database is not empty ({tables}); restore goes into an empty "
                        "database only"
                    ).format(tables=listed)
                )
            for table in tables():
                counts[table.name] = _insert(connection, table, _rows(archive, table, name))
                if counts[table.name] != expected.get(table.name, 0):
                    raise UsageError(
                        ngettext(
                            "{name}: {member} has {n} rows, the manifest says {expected}",
                            "{name}: {member} has {n} rows, the manifest says {expected}",
                            counts[table.name],
                        ).format(
                            name=name,
                            member=_member(table),
                            n=format_number(counts[table.name]),
                            expected=_count(expected.get(table.name, 0)),
                        )
                    )
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection)
            _restore_files(archive, name, documents_dir)
    return Summary(head, counts)


def _count(value: object) -> str:
    """A count the manifest gives, as the language writes a number; anything else as it is."""
    return format_number(value) if isinstance(value, int) else str(value)


def _restore_files(archive: zipfile.ZipFile, name: str, documents_dir: Path | None) -> None:
    """Write the archive's document files, each checked against its SHA-256 name."""
    members = [m for m in archive.namelist() if m.startswith(DOCUMENTS)]
    if not members:
        return
    if documents_dir is None:
        raise UsageError(
            gettext("{name}: holds document files; set KETENKAART_DOCUMENTS_DIR first").format(
                name=name
            )
        )
    documents_dir.mkdir(parents=True, exist_ok=True)
    for member in members:
        digest = member[len(DOCUMENTS) :]
        if archive.getinfo(member).file_size > MAX_DOCUMENT:
            raise UsageError(
                gettext("{name}: {member} is larger than {limit} bytes").format(
                    name=name, member=member, limit=format_number(MAX_DOCUMENT, grouped=True)
                )
            )
        content = archive.read(member)
        if not _SHA256.fullmatch(digest) or hashlib.sha256(content).hexdigest() != digest:
            raise UsageError(
                gettext("{name}: {member} is not the file its name promises").format(
                    name=name, member=member
                )
            )
        target = documents_dir / digest
        if not target.exists():
            partial = target.with_name(f".restore-{digest}")
            partial.write_bytes(content)
            partial.replace(target)


def _insert(connection: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            connection.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def _reset_sequences(connection: Connection) -> None:
    """Let PostgreSQL's id sequences continue after the restored ids."""
    for table in tables():
        for column in table.primary_key.columns:
            if not column.autoincrement or column.type.python_type is not int:
                continue
            highest = select(func.max(column)).scalar_subquery()
            connection.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(table.name, column.name),
                        func.coalesce(highest, 1),
                        highest.is_not(None),
                    )
                )
            )
