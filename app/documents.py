"""Evidence documents: the file behind a piece of evidence (a report, a certificate).

A document is stored with its SHA-256, size and media type, its content either in the database
or, when a documents folder is configured, in that folder under its SHA-256 (never under a name
the user chose). Only a short list of media types is accepted, and a download always names a
cleaned-up file name.

>>> safe_filename("../../etc/pass\\x00wd")
'passwd'
>>> media_type_of("application/PDF; name=x")
'application/pdf'
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import audit
from app import repository as repo
from app.audit import COMMAND_LINE, Actor
from app.errors import Invalid, NotFound, UnsupportedMediaType
from app.models import DocumentRow, Workspace, utcnow
from graph.i18n import gettext

MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
"""The media types a document may have; anything a browser could run (HTML, SVG) is not."""

MAX_FILENAME = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")


def media_type_of(content_type: str | None) -> str:
    """The accepted media type of a ``Content-Type`` header, without its parameters.

    Raises
    ------
    UnsupportedMediaType
        When the header is missing or names a type that is not in :data:`MEDIA_TYPES`.

    >>> media_type_of("text/html")
    Traceback (most recent call last):
    ...
    app.errors.UnsupportedMediaType: media type 'text/html' is not accepted; ...
    """
    media = (content_type or "").partition(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        accepted = ", ".join(sorted(MEDIA_TYPES))
        if media:
            message = gettext("media type '{media}' is not accepted; one of {accepted}")
        else:
            message = gettext("a body without Content-Type is not accepted; one of {accepted}")
        raise UnsupportedMediaType(message.format(media=media, accepted=accepted))
    return media


def safe_filename(name: str | None, *, default: str = "document") -> str:
    """The last component of ``name`` without control characters, or ``default``.

    >>> safe_filename("C:\\\\reports\\\\SOC 2 2026.pdf")
    'SOC 2 2026.pdf'
    >>> safe_filename("..")
    'document'
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = text.strip().lstrip(".").strip()
    return text[:MAX_FILENAME] or default


def content_disposition(filename: str) -> str:
    """An ``attachment`` disposition naming ``filename`` the RFC 6266 way (an ASCII fallback
    and ``filename*`` in UTF-8).

    >>> print(content_disposition('rapport "2026" é.pdf'))
    attachment; filename="rapport _2026_ _.pdf"; filename*=UTF-8''rapport%20%222026%22%20%C3%A9.pdf
    """
    name = safe_filename(filename)
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@dataclass(frozen=True, slots=True)
class Download:
    """A document to send: its record, and its content or the file holding it."""

    record: DocumentRow
    content: bytes | None
    file: Path | None


def _record(session: Session, workspace_id: int, key: str) -> DocumentRow | None:
    return repo.document_of(session, workspace_id, key)


def check_evidence(session: Session, *, workspace: Workspace, evidence: str) -> None:
    """Raise :class:`NotFound` unless the workspace has evidence ``evidence``."""
    if repo.one(session, repo.KINDS["evidence"], workspace.id or 0, evidence) is None:
        raise NotFound(
            gettext("no evidence '{key}' in workspace '{workspace}'").format(
                key=evidence, workspace=workspace.slug
            )
        )


def put_document(
    session: Session,
    *,
    workspace: Workspace,
    evidence: str,
    filename: str | None,
    media_type: str,
    content: bytes,
    documents_dir: Path | None,
    actor: Actor = COMMAND_LINE,
) -> tuple[DocumentRow, bool]:
    """Store ``content`` as the document of evidence ``evidence``, replacing an earlier one.

    Returns the record and whether it is new (no earlier document).
    """
    media_type = media_type_of(media_type)
    if not content:
        raise Invalid(
            gettext("the document is empty"),
            errors=[{"location": "body", "message": gettext("send the file as the request body")}],
        )
    check_evidence(session, workspace=workspace, evidence=evidence)
    digest = hashlib.sha256(content).hexdigest()
    stored: str | None = None
    if documents_dir is not None:
        _write_file(documents_dir, digest, content)
        stored = digest
    wid = workspace.id or 0
    fields: dict[str, Any] = {
        "filename": safe_filename(filename, default=evidence),
        "media_type": media_type,
        "sha256": digest,
        "size": len(content),
        "content": None if stored else content,
        "path": stored,
    }
    for _attempt in range(2):
        record = _record(session, wid, evidence)
        created = record is None
        old_path = None if record is None else record.path
        old_sha = None if record is None else record.sha256
        old_name = None if record is None else record.filename
        if record is None:
            record = DocumentRow(workspace_id=wid, evidence_key=evidence, **fields)
        else:
            for name, value in fields.items():
                setattr(record, name, value)
            record.updated_at = utcnow()
            record.version += 1
        session.add(record)
        audit.record(
            session,
            workspace_id=wid,
            actor=actor,
            action="document.put",
            target=f"evidence/{evidence}/document",
            before=None if created else {"sha256": old_sha, "filename": old_name},
            after={k: v for k, v in fields.items() if k not in ("content", "path")},
        )
        try:
            session.commit()
        except IntegrityError:  # someone stored the first document at the same time: replace it
            session.rollback()
            continue
        session.refresh(record)
        if stored and documents_dir is not None and not (documents_dir / stored).exists():
            _write_file(documents_dir, stored, content)  # removed meanwhile by another request
        if documents_dir is not None and old_path and old_path != stored:
            _forget_file(session, documents_dir, old_path)
        return record, created
    raise RuntimeError("could not store the document")  # pragma: no cover - a constant race


def get_document(
    session: Session, *, workspace: Workspace, evidence: str, documents_dir: Path | None
) -> Download:
    """The document of evidence ``evidence``.

    Raises
    ------
    NotFound
        When the evidence, or its document, does not exist.
    """
    check_evidence(session, workspace=workspace, evidence=evidence)
    record = _record(session, workspace.id or 0, evidence)
    if record is None:
        raise NotFound(gettext("evidence '{key}' has no document").format(key=evidence))
    if record.path is None:
        return Download(record, record.content or b"", None)
    if documents_dir is None or not _SHA256.fullmatch(record.path):
        raise RuntimeError(f"document of '{evidence}' is in a folder this service does not know")
    return Download(record, None, documents_dir / record.path)


def _write_file(folder: Path, digest: str, content: bytes) -> None:
    """Write ``content`` to ``folder/digest`` atomically, also when the file exists: another
    request may be removing it because its last record went away."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    handle, temp = tempfile.mkstemp(dir=folder, prefix=UPLOAD_PREFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


UPLOAD_PREFIX = ".upload-"
STALE_UPLOAD_SECONDS = 3600


def sweep_unfinished_uploads(folder: Path | None, *, now: float) -> list[str]:
    """Remove what uploads killed mid-way left behind: ``.upload-*`` files older than an hour
    (an upload in progress writes its file within seconds). Run when the service starts; the
    names removed, for the log."""
    if folder is None or not folder.is_dir():
        return []
    removed = []
    for leftover in folder.glob(UPLOAD_PREFIX + "*"):
        try:
            if leftover.is_file() and now - leftover.stat().st_mtime > STALE_UPLOAD_SECONDS:
                leftover.unlink()
                removed.append(leftover.name)
        except FileNotFoundError:  # another worker swept it first
            continue
    return sorted(removed)


def _forget_file(session: Session, folder: Path, name: str) -> None:
    """Remove a stored file that no record refers to any more."""
    if not repo.documents_at(session, name) and _SHA256.fullmatch(name):
        (folder / name).unlink(missing_ok=True)


def forget_file(session: Session, *, documents_dir: Path | None, path: str | None) -> None:
    """After a document's record is gone: remove its file unless another record uses it."""
    if documents_dir is not None and path:
        _forget_file(session, documents_dir, path)
