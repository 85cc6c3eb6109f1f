"""Publishing part of a register to other services, and building on what they publish (ADR 40).

A **publication** is one version of chosen offerings of a register and everything under them
(:func:`app.services.scoped`), without ``x-`` keys unless chosen: the chain file as JSON, its
verdicts at the time of publication (the check JSON of verdicts.md), and an Ed25519 signature
over both with the workspace's own key (:func:`signed_bytes` says exactly which bytes).

A **subscription** holds the last version of another service's publication that held: fetched
over HTTP(S) (bounded in size and time), signed by the key the subscriber gave, of the same
publisher and name, no older than the version held, and a valid chain file. A version that
fails any of these is refused, and the refusal recorded in the audit trail; the version held
stays. The subscribed chains are merged into the subscriber's register where it is judged
(:func:`with_upstream`): the publication's entities as they are, by their own ids, in place of
the register's entities of the same id.

>>> fields = {"publication": 1, "workspace": "host", "name": "hosting", "version": 1,
...           "published_at": "2026-12-05T00:00:00+00:00", "offerings": ["h"],
...           "chain": {}, "verdicts": {}}
>>> signed_bytes(fields)[:25]
b'ketenkaart publication 1\\n'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit, outbound
from app import repository as repo
from app.audit import Actor, canonical
from app.errors import Conflict, Invalid, NotFound, PreconditionFailed
from app.models import Publication, SigningKey, Subscription, Workspace
from graph.coverage import check
from graph.diff import ChainDiff, diff
from graph.errors import ChainError, UsageError
from graph.i18n import gettext
from graph.model import Chain
from graph.profiles import find_profile
from importers.chainfile import dump_plain, load_plain

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = 1
"""The version of the publication document."""

SIGNED_PREFIX = b"ketenkaart publication 1\n"
"""What the signed bytes start with, so that a signature over a publication is never one over
anything else signed with the same key."""

SIGNED = ("publication", "workspace", "name", "version", "published_at", "offerings", "chain",
          "verdicts")  # fmt: skip
"""The fields of a publication the signature covers; ``key`` and ``signature`` are not."""

MAX_PUBLICATION_BYTES = 16 * 1024 * 1024
"""The largest publication a subscription fetches."""

FETCH_TIMEOUT = 15.0
"""Seconds a fetch may take to connect, and between two reads of the answer."""

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""The names of publications, as ids of the chain format (at most 64 characters)."""

SECTIONS = ("suppliers", "services", "dependencies", "evidence")
"""The sections of a chain a publication brings into a subscriber's register."""


class Refused(Exception):  # noqa: N818 - what happened to the publication
    """A fetched publication that does not hold, with the reason in the reader's language."""


# --- the signed document ----------------------------------------------------------------------


def signed_bytes(document: dict[str, Any]) -> bytes:
    """The bytes a publication's signature is over: :data:`SIGNED_PREFIX` and the canonical
    JSON (:func:`app.audit.canonical`: sorted keys, no spaces, UTF-8) of the fields in
    :data:`SIGNED` (a field missing is an error)."""
    return SIGNED_PREFIX + canonical({key: document[key] for key in SIGNED})


def _public_raw(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - when signing

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``document`` with its ``key`` (raw public key, base64) and ``signature`` (base64)."""
    signature = key.sign(signed_bytes(document))
    return {
        **{field: document[field] for field in SIGNED},
        "key": base64.b64encode(_public_raw(key)).decode(),
        "signature": base64.b64encode(signature).decode(),
    }


def parse_public_key(text: str) -> bytes:
    """A raw Ed25519 public key from its base64 (as a publication and ``/pub/{ws}`` give it).

    >>> len(parse_public_key(base64.b64encode(bytes(32)).decode()))
    32
    """
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise Invalid(gettext("a public key is the 32 bytes of an Ed25519 key, in base64"))
    return raw


def verify(data: bytes, public_key: bytes, *, whole: bool = True) -> dict[str, Any]:
    """The publication in ``data`` when it is one, signed by ``public_key``, of a valid chain
    (the chain read only when ``whole``).

    Raises
    ------
    Refused
        When it is not, with the reason.
    """
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - when verifying
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PublicKey,
    )

    try:  # UTF-8 only (JSON's own encoding, RFC 8259), as it is stored again
        document = json.loads(data.decode("utf-8"))
        ok = isinstance(document, dict) and document.get("publication") == FORMAT
        if ok:
            signature = base64.b64decode(str(document["signature"]), validate=True)
            signed = signed_bytes(document)
            given = base64.b64decode(str(document["key"]), validate=True)
    except (ValueError, KeyError, TypeError, RecursionError, binascii.Error):
        ok = False  # UnicodeDecodeError is a ValueError; RecursionError: nested too deep
    if not ok:
        raise Refused(gettext("the answer is not a publication of ketenkaart"))
    if given != public_key:
        raise Refused(
            gettext(
                "the publication is signed with another key than the one subscribed to: "
                "{key}; if the publisher changed its key, subscribe again with the new one"
            ).format(key=document["key"])
        )
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, signed)
    except InvalidSignature:
        raise Refused(
            gettext("the publication's signature does not hold: it was changed after signing")
        ) from None
    if not whole:
        return dict(document)
    try:
        _fields(document)
        load_plain(document["chain"], source="publication")
    except (ChainError, ValueError, TypeError, KeyError, RecursionError) as err:
        raise Refused(
            gettext("the publication is not a valid chain: {error}").format(error=str(err)[:500])
        ) from None
    result: dict[str, Any] = document
    return result


def _fields(document: dict[str, Any]) -> tuple[str, str, int, datetime]:
    """The publisher, name, version and time of a signed publication."""
    workspace, name, version = document["workspace"], document["name"], document["version"]
    if not (isinstance(workspace, str) and isinstance(name, str) and NAME.fullmatch(name)):
        raise ValueError("publisher or name")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("version")
    at = datetime.fromisoformat(str(document["published_at"]))
    if at.tzinfo is None:
        raise ValueError("published_at without offset")
    return workspace[:64], name, version, at


# --- the signing key --------------------------------------------------------------------------


def _key_row(session: Session, workspace_id: int) -> SigningKey | None:
    statement = select(SigningKey).where(col(SigningKey.workspace_id) == workspace_id)
    return session.exec(statement).first()


def signing_key(session: Session, workspace_id: int) -> Ed25519PrivateKey:
    """The workspace's signing key, made (in the session's transaction) when it has none."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    row = _key_row(session, workspace_id)
    if row is not None:
        return Ed25519PrivateKey.from_private_bytes(row.seed)
    seed = secrets.token_bytes(32)
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = base64.b64encode(_public_raw(key)).decode()
    session.add(SigningKey(workspace_id=workspace_id, public_key=public, seed=seed))
    return key


def public_key(session: Session, workspace_id: int) -> str | None:
    """The workspace's public key in base64; ``None`` before its first publication."""
    row = _key_row(session, workspace_id)
    return None if row is None else row.public_key


# --- publishing -------------------------------------------------------------------------------


def _without_extra(document: dict[str, Any], keep: frozenset[str]) -> dict[str, Any]:
    """``document`` without the ``x-`` keys not in ``keep``, on its entities and at the top.

    >>> _without_extra({"x-a": 1, "services": [{"id": "s", "x-b": 2, "x-c": 3}]},
    ...                frozenset({"x-c"}))
    {'services': [{'id': 's', 'x-c': 3}]}
    """

    def cut(mapping: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in mapping.items() if not k.startswith("x-") or k in keep}

    out = cut(document)
    for section in (*SECTIONS, "profiles"):
        if isinstance(out.get(section), list):
            out[section] = [cut(item) for item in out[section]]
    return out


@dataclass(frozen=True, slots=True)
class Published:
    """A publication just made; ``token`` only when a new one was made for it."""

    publication: Publication
    document: dict[str, Any]
    token: str | None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def publish(
    session: Session,
    *,
    workspace: Workspace,
    name: str,
    offerings: list[str],
    extra: list[str],
    access: str,
    new_token: bool,
    profile: str,
    actor: Actor,
    user_id: int | None,
    at: datetime,
) -> Published:
    """Publish ``offerings`` of the register and everything under them as the next version of
    ``name``; one commit, with its audit entry. A publication behind a token keeps the token
    of its previous version unless ``new_token``; a new token is given once."""
    from app.services import register_document  # noqa: PLC0415 - services use this module

    if not NAME.fullmatch(name):
        raise Invalid(
            gettext("a publication's name is like an id: [a-z0-9][a-z0-9._-]*, at most 64")
        )
    wid = workspace.id or 0
    register = register_document(session, workspace)
    unknown = sorted(set(offerings) - set(register["offerings"]))
    if not offerings or unknown:
        raise Invalid(
            gettext("publish one or more of the register's offerings; not offerings: {ids}").format(
                ids=", ".join(unknown) or "-"
            )
        )
    part = _without_extra(
        register_document(session, workspace, frozenset(offerings)),
        frozenset(x for x in extra if x.startswith("x-")),
    )
    part["offerings"] = [o for o in offerings if o in part["offerings"]]  # in the order asked
    part.update({k: v for k, v in workspace.extra.items() if k in extra})
    try:
        chain = load_plain(part, source=f"publication {name}")
        resolved = find_profile(profile, chain)
    except (ChainError, UsageError) as err:
        raise Invalid(str(err)) from None
    when = at.astimezone(UTC)
    previous = session.exec(
        select(Publication)
        .where(col(Publication.workspace_id) == wid, col(Publication.name) == name)
        .order_by(col(Publication.version).desc())
    ).first()
    version = 1 if previous is None else previous.version + 1
    token: str | None = None
    token_hash: str | None = None
    if access == "token":
        if previous is not None and previous.token_hash and not new_token:
            token_hash = previous.token_hash
        else:
            token = secrets.token_urlsafe(32)
            token_hash = _token_hash(token)
    fields = {
        "publication": FORMAT,
        "workspace": workspace.slug,
        "name": name,
        "version": version,
        "published_at": when.isoformat(timespec="seconds"),
        "offerings": list(chain.offerings),
        "chain": dump_plain(chain),
        "verdicts": check(chain, profile=resolved, at=when.date()).to_json(),
    }
    document = sign(fields, signing_key(session, wid))
    row = Publication(
        workspace_id=wid,
        name=name,
        version=version,
        offerings=list(chain.offerings),
        body=json.dumps(document, ensure_ascii=False),
        token_hash=token_hash,
        published_at=when,
        created_by=user_id,
    )
    session.add(row)
    audit.record(
        session,
        workspace_id=wid,
        actor=actor,
        action="publish",
        target=f"publication/{name}",
        after={
            "name": name,
            "version": version,
            "offerings": list(chain.offerings),
            "access": "token" if token_hash else "public",
            "new_token": token is not None,
            "sha256": hashlib.sha256(signed_bytes(document)).hexdigest(),
        },
        at=when,
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            gettext(
                "another version of '{name}' was published at the same moment: try again"
            ).format(name=name)
        ) from None
    session.refresh(row)
    return Published(row, document, token)


def publications(session: Session, workspace_id: int) -> list[Publication]:
    """Every version of every publication of the workspace, newest first per name."""
    statement = (
        select(Publication)
        .where(col(Publication.workspace_id) == workspace_id)
        .order_by(col(Publication.name), col(Publication.version).desc())
    )
    return list(session.exec(statement))


def served(
    session: Session, *, slug: str, name: str, version: int | None, token: str | None
) -> str:
    """The publication ``name`` of workspace ``slug`` (its latest version, or ``version``) as
    it was signed; a publication behind a token needs it. Not found: not there, or not to be
    seen without the token (the same answer, so that names cannot be probed)."""
    missing = NotFound(gettext("no publication '{name}' here").format(name=name))
    workspace = repo.workspace_by_slug(session, slug)
    if workspace is None:
        raise missing
    statement = select(Publication).where(
        col(Publication.workspace_id) == (workspace.id or 0), col(Publication.name) == name
    )
    if version is not None:
        statement = statement.where(col(Publication.version) == version)
    row = session.exec(statement.order_by(col(Publication.version).desc())).first()
    if row is None:
        raise missing
    if row.token_hash is not None:
        given = _token_hash(token) if token else ""
        if not hmac.compare_digest(given.encode(), row.token_hash.encode()):
            raise missing
    return row.body


SAASBOM = "ketenkaart:publication:"
"""The namespace of the properties by which a publication's SaaSBOM names the publication and
carries its verdicts and signature (:func:`saasbom`)."""


def saasbom(body: str, url: str) -> bytes:
    """The publication ``body`` (as signed and served at ``url``, its version's address) as a
    CycloneDX 1.6 JSON SaaSBOM with the same content (ADR 40, "The SaaSBOM").

    The chain is written by :func:`importers.cyclonedx.export_saasbom`, every entry of the chain
    file carried (``ketenkaart:chain:*``). ``metadata`` names the publication (properties
    ``ketenkaart:publication:publisher``, ``name``, ``version``, ``published-at``, ``url``),
    carries the verdicts at publication time as signed (``ketenkaart:publication:verdicts``,
    the check's JSON) and the signature: ``key`` and ``signature`` (base64, as in the
    publication) and ``signed-sha256``, the SHA-256 of the bytes signed (:func:`signed_bytes`).
    Each link's verdict is also on its consumer's service (``ketenkaart:publication:verdict``).
    ``metadata.component`` refers to the signed original at ``url`` (type ``attestation``, with
    the SHA-256 of its bytes); the serial number is derived from ``url``, the timestamp is the
    time of publication: the same version always gives the same SaaSBOM.
    """
    import uuid  # noqa: PLC0415 - when a SaaSBOM is asked for

    from importers.cyclonedx import Signed, export_saasbom  # noqa: PLC0415 - the library

    document = json.loads(body)
    chain = load_plain(document["chain"], source=f"publication {document['name']}")
    verdicts = document["verdicts"]
    on_links: dict[str, list[tuple[str, str]]] = {}
    for link in verdicts.get("links", []):
        on_links.setdefault(str(link["from"]), []).append((f"{SAASBOM}verdict", _compact(link)))
    named = {
        "publisher": document["workspace"],
        "name": document["name"],
        "version": str(document["version"]),
        "published-at": document["published_at"],
        "url": url,
        "key": document["key"],
        "signature": document["signature"],
        "signed-sha256": hashlib.sha256(signed_bytes(document)).hexdigest(),
        "verdicts": _compact(verdicts),
    }
    signed = Signed(
        url=url,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        serial=uuid.uuid5(uuid.NAMESPACE_URL, url),
        timestamp=datetime.fromisoformat(document["published_at"]),
        properties=tuple((f"{SAASBOM}{key}", value) for key, value in named.items()),
        service_properties={key: tuple(value) for key, value in on_links.items()},
    )
    return export_saasbom(chain, signed)


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def listing(session: Session, slug: str) -> dict[str, Any]:
    """What ``/pub/{ws}`` tells anyone: the workspace's public key and its public
    publications' latest versions (none behind a token)."""
    workspace = repo.workspace_by_slug(session, slug)
    key = None if workspace is None else public_key(session, workspace.id or 0)
    if workspace is None or key is None:
        raise NotFound(gettext("no publications here"))
    latest: dict[str, Publication] = {}
    for row in publications(session, workspace.id or 0):
        latest.setdefault(row.name, row)
    return {
        "workspace": workspace.slug,
        "key": key,
        "publications": [
            {"name": row.name, "version": row.version, "published_at": _when(row.published_at)}
            for row in latest.values()
            if row.token_hash is None
        ],
    }


def _when(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite gives naive datetimes back; they were stored in UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="seconds")


def publication_json(row: Publication) -> dict[str, Any]:
    """A publication as the API lists it (never its token)."""
    return {
        "name": row.name,
        "version": row.version,
        "offerings": row.offerings,
        "published_at": _when(row.published_at),
        "access": "public" if row.token_hash is None else "token",
        "sha256": hashlib.sha256(row.body.encode()).hexdigest(),
    }


# --- fetching ---------------------------------------------------------------------------------


PRIVATE_TARGETS = "KETENKAART_SUBSCRIBE_PRIVATE_TARGETS"
"""Set to 1 to let subscriptions fetch from loopback, private and link-local addresses (a
provider's service on the same network). By default they are refused: any editor could
otherwise make the service ask its own network (a cloud's metadata address, an internal
service) for what it holds."""


def _private_allowed() -> bool:
    return os.environ.get(PRIVATE_TARGETS, "").strip().lower() in ("1", "true", "yes", "on")


def _refuse_private(host: str) -> None:
    """Refuse ``host`` when it names or resolves to a loopback, private, link-local or other
    non-public address (unless :data:`PRIVATE_TARGETS` allows them). A name that does not
    resolve is left to the fetch, which says so."""
    if _private_allowed():
        return
    try:
        outbound.check_public(host)
    except outbound.NotPublicError:
        raise Refused(_private_refusal(host)) from None
    except (OSError, UnicodeError):
        return


def _private_refusal(host: str) -> str:
    return gettext(
        "a publication at {host} is not fetched: it is a loopback or private address, or one of "
        "the local network such as 169.254.169.254 ({variable}=1 allows it)"
    ).format(host=host, variable=PRIVATE_TARGETS)


class _HttpOnly(urllib.request.HTTPRedirectHandler):
    """Redirects to public http(s) addresses only, never to a file, FTP or the own network."""

    def redirect_request(  # noqa: PLR0917 - urllib's own signature
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        target = urlsplit(newurl)
        if target.scheme not in ("http", "https"):
            raise Refused(gettext("the publication's address redirects away from HTTP(S)"))
        _refuse_private(target.hostname or "")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(url: str) -> str:
    """``url`` when it is an http(s) address a subscription may fetch."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise Invalid(gettext("a publication's address is an http:// or https:// URL"))
    return url


def fetch(url: str, token: str | None, *, limit: int = MAX_PUBLICATION_BYTES) -> bytes:
    """The body at ``url`` (with the publication's token, when given), at most ``limit``
    bytes, within :data:`FETCH_TIMEOUT` per step; what fails is :class:`Refused`."""
    check_url(url)
    _refuse_private(urlsplit(url).hostname or "")
    headers = {"Accept": "application/json", "User-Agent": "ketenkaart"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # The connection checks the addresses it connects to, not only the name before (DNS
    # rebinding, ADR 44).
    opener = outbound.opener(_HttpOnly(), private=_private_allowed())
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) checked
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT) as answer:
            data: bytes = answer.read(limit + 1)
    except urllib.error.HTTPError as err:
        raise Refused(
            gettext("the publication's address answered {status}").format(status=err.code)
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, outbound.NotPublicError):
            raise Refused(_private_refusal(reason.host)) from None
        raise Refused(
            gettext("the publication could not be fetched: {reason}").format(reason=reason)
        ) from None
    if len(data) > limit:
        raise Refused(gettext("the publication is larger than {limit} bytes").format(limit=limit))
    return data


# --- subscribing ------------------------------------------------------------------------------


Fetch = Callable[[str, str | None], bytes]
"""How a publication is fetched (:func:`fetch`; tests may give another)."""


def _refuse(
    session: Session,
    *,
    workspace_id: int,
    actor: Actor,
    url: str,
    reason: str,
    version: int | None,
    row: Subscription | None,
    at: datetime,
) -> Conflict:
    """Record the refusal of a version (audit trail, and on the subscription) and commit; the
    problem to answer with."""
    session.rollback()
    if row is not None:
        row = session.get(Subscription, row.id, populate_existing=True)
    if row is not None:
        row.refused_at, row.refusal = at, reason[:1000]
        session.add(row)
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="refuse",
        target=f"subscription/{url}",
        after={"url": url, "version": version, "reason": reason},
        at=at,
    )
    session.commit()
    return Conflict(gettext("refused: {reason}").format(reason=reason))


def _claimed_version(data: bytes) -> int | None:
    try:
        version = json.loads(data.decode("utf-8")).get("version")
    except (ValueError, AttributeError, RecursionError):
        return None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def subscribe(
    session: Session,
    *,
    workspace: Workspace,
    url: str,
    key: str,
    token: str | None,
    actor: Actor,
    user_id: int | None,
    at: datetime,
    get: Fetch | None = None,
) -> Subscription:
    """Subscribe the workspace to the publication at ``url``, signed by ``key``: fetched and
    verified now; a publication that does not hold is refused (and the refusal recorded)."""
    wid = workspace.id or 0
    check_url(url)
    raw = parse_public_key(key)
    if token is not None and not 0 < len(token) <= 200:
        raise Invalid(gettext("a publication's token has 1 to 200 characters"))
    if _subscription_by_url(session, wid, url) is not None:
        raise Conflict(gettext("this workspace subscribes to {url} already").format(url=url))
    session.rollback()  # no transaction open while fetching
    data = b""
    try:
        data = (get or fetch)(url, token)
        document = verify(data, raw)
    except Refused as err:
        raise _refuse(
            session,
            workspace_id=wid,
            actor=actor,
            url=url,
            reason=str(err),
            version=_claimed_version(data),
            row=None,
            at=at,
        ) from None
    publisher, name, version, published = _fields(document)
    row = Subscription(
        workspace_id=wid,
        url=url,
        public_key=base64.b64encode(raw).decode(),
        token=token,
        publisher=publisher,
        name=name,
        version=version,
        published_at=published,
        fetched_at=at,
        body=data.decode(),
        created_by=user_id,
    )
    repo.bump_workspace(session, wid)  # the register judged changes: kept answers are old
    session.add(row)
    audit.record(
        session,
        workspace_id=wid,
        actor=actor,
        action="subscribe",
        target=f"subscription/{url}",
        after=_audited(row),
        at=at,
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            gettext("this workspace subscribes to {url} already").format(url=url)
        ) from None
    session.refresh(row)
    return row


def _audited(row: Subscription) -> dict[str, Any]:
    return {
        "url": row.url,
        "key": row.public_key,
        "publisher": row.publisher,
        "name": row.name,
        "version": row.version,
        "sha256": hashlib.sha256(row.body.encode()).hexdigest(),
    }


def _subscription_by_url(session: Session, workspace_id: int, url: str) -> Subscription | None:
    statement = select(Subscription).where(
        col(Subscription.workspace_id) == workspace_id, col(Subscription.url) == url
    )
    return session.exec(statement).first()


def subscription(session: Session, workspace_id: int, subscription_id: int) -> Subscription:
    """The workspace's subscription ``subscription_id``; 404 when it has none of that id."""
    row = session.get(Subscription, subscription_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(gettext("no subscription {id}").format(id=subscription_id))
    return row


def subscriptions(session: Session, workspace_id: int) -> list[Subscription]:
    """The workspace's subscriptions, oldest first."""
    statement = (
        select(Subscription)
        .where(col(Subscription.workspace_id) == workspace_id)
        .order_by(col(Subscription.id))
    )
    return list(session.exec(statement))


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refresh found: a newer version (``changed``) or the one held; with a newer one,
    what it changed in the register judged (:func:`graph.diff.diff` of the register with the
    version held and with the new one, both checked at the time of the refresh: the
    publication's entities that changed, and the register's links whose verdict changed);
    ``None`` for a register without offerings."""

    subscription: Subscription
    changed: bool
    before: int
    changes: ChainDiff | None = None


def refresh(
    session: Session,
    *,
    workspace_id: int,
    subscription_id: int,
    actor: Actor,
    at: datetime,
    get: Fetch | None = None,
) -> Refreshed:
    """Fetch the subscription's publication again and keep a newer version that holds; a
    version that does not hold, an older one, or another document under the version held is
    refused (:class:`app.errors.Conflict`) and the refusal recorded; the version held stays."""
    row = subscription(session, workspace_id, subscription_id)
    url, token, held = row.url, row.token, row.version
    raw, body = base64.b64decode(row.public_key), row.body
    publisher, name = row.publisher, row.name
    session.rollback()  # no transaction open while fetching
    data = b""
    try:
        data = (get or fetch)(url, token)
        document = verify(data, raw)
        got_publisher, got_name, version, published = _fields(document)
        if (got_publisher, got_name) != (publisher, name):
            raise Refused(
                gettext(
                    "the address now gives publication '{got}' of '{publisher}', not "
                    "'{name}' of '{held}'"
                ).format(got=got_name, publisher=got_publisher, name=name, held=publisher)
            )
        if version < held:
            raise Refused(
                gettext(
                    "version {version} is older than version {held}, which is held: a "
                    "publication never goes back"
                ).format(version=version, held=held)
            )
        same = signed_bytes(document) == signed_bytes(json.loads(body))
        if version == held and not same:
            raise Refused(
                gettext(
                    "version {version} differs from the version {version} held: a version "
                    "is never published twice"
                ).format(version=version)
            )
    except Refused as err:
        raise _refuse(
            session,
            workspace_id=workspace_id,
            actor=actor,
            url=url,
            reason=str(err),
            version=_claimed_version(data),
            row=row,
            at=at,
        ) from None
    row = subscription(session, workspace_id, subscription_id)
    row.fetched_at, row.refused_at, row.refusal = at, None, None
    if version == held:
        session.add(row)
        session.commit()
        session.refresh(row)
        return Refreshed(row, changed=False, before=held)
    before = _audited(row)
    repo.bump_workspace(session, workspace_id)  # the register's lock first: no write between
    old = _judged(session, workspace_id)
    row.version, row.published_at, row.body = version, published, data.decode()
    session.add(row)
    session.flush()
    new = _judged(session, workspace_id)
    changes = None
    if old is not None and new is not None:
        day = at.astimezone(UTC).date()
        changes = diff(old, new, old_at=day, new_at=day, plain=dump_plain)
    after = _audited(row)
    if changes is not None:
        after["changes"] = {"entities": len(changes.entities), "links": len(changes.links)}
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="update",
        target=f"subscription/{url}",
        before=before,
        after=after,
        at=at,
    )
    session.commit()
    session.refresh(row)
    return Refreshed(row, changed=True, before=held, changes=changes)


def _judged(session: Session, workspace_id: int) -> Chain | None:
    """The workspace's register judged, as this transaction sees it; ``None`` without an
    offering."""
    from app.services import register_chain  # noqa: PLC0415 - services use this module

    workspace = session.get(Workspace, workspace_id)
    try:
        return None if workspace is None else register_chain(session, workspace)
    except Conflict:
        return None


SCHEDULER = Actor(via="scheduler")
"""How the audit trail names a refresh nobody asked for."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What refreshing one subscription came to: ``refreshed`` (with a newer version's
    ``changes``), or the reason it was refused."""

    workspace: str
    subscription: int
    url: str
    refreshed: Refreshed | None
    refusal: str | None


def _sessions(engine: Engine | Callable[[], Session]) -> Callable[[], Session]:
    if not isinstance(engine, Engine):
        return engine
    bound = engine

    def made() -> Session:
        return Session(bound)

    return made


def refresh_all(
    engine: Engine | Callable[[], Session],
    *,
    workspace: str | None = None,
    actor: Actor = SCHEDULER,
    at: datetime | None = None,
    get: Fetch | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> list[Outcome]:
    """Refresh every subscription (of ``workspace``, when given; by its slug), each in a
    session of its own (of ``engine``, or made by it), oldest first: what a scheduler or cron
    calls. ``keep_going`` is asked before each (the notification round's lease): when it says
    no, the rest wait for the next round."""
    sessions = _sessions(engine)
    with sessions() as session:
        statement = select(Subscription, Workspace.slug).join(
            Workspace, col(Workspace.id) == col(Subscription.workspace_id)
        )
        if workspace is not None:
            statement = statement.where(col(Workspace.slug) == workspace)
        found = session.exec(statement.order_by(col(Subscription.id))).all()
        rows = [(r.workspace_id, r.id or 0, r.url, slug) for r, slug in found]
    outcomes: list[Outcome] = []
    for workspace_id, subscription_id, url, slug in rows:
        if keep_going is not None and not keep_going():
            break
        with sessions() as session:
            try:
                done = refresh(
                    session,
                    workspace_id=workspace_id,
                    subscription_id=subscription_id,
                    actor=actor,
                    at=at or datetime.now(UTC),
                    get=get,
                )
            except (Conflict, NotFound) as err:
                outcomes.append(Outcome(slug, subscription_id, url, None, err.detail))
            else:
                outcomes.append(Outcome(slug, subscription_id, url, done, None))
    return outcomes


def unsubscribe(
    session: Session,
    *,
    workspace_id: int,
    subscription_id: int,
    version: int | None,
    actor: Actor,
    at: datetime,
) -> None:
    """End a subscription (the one holding ``version``, when given): its chain leaves the
    register judged; one commit, with its audit entry."""
    row = subscription(session, workspace_id, subscription_id)
    if version is not None and row.version != version:
        raise PreconditionFailed(
            gettext("the subscription holds version {held}, not {version}").format(
                held=row.version, version=version
            )
        )
    before = _audited(row)
    repo.bump_workspace(session, workspace_id)
    session.delete(row)
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="unsubscribe",
        target=f"subscription/{before['url']}",
        before=before,
        at=at,
    )
    session.commit()


def subscription_json(row: Subscription) -> dict[str, Any]:
    """A subscription as the API shows it (never its token), with the offerings of the
    version held: the services a link of the register names to build on them."""
    offerings = json.loads(row.body).get("offerings", [])
    return {
        "id": row.id,
        "url": row.url,
        "public_key": row.public_key,
        "token": row.token is not None,
        "publisher": row.publisher,
        "name": row.name,
        "version": row.version,
        "offerings": offerings,
        "published_at": _when(row.published_at),
        "fetched_at": _when(row.fetched_at),
        "refused_at": None if row.refused_at is None else _when(row.refused_at),
        "refusal": row.refusal,
    }


# --- the register with what it builds on ------------------------------------------------------


def _key_of(section: str, item: dict[str, Any]) -> str:
    if section == "dependencies":
        return f"{item['from']}\n{item['to']}"
    return str(item["id"])


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an entity of the register judged comes from."""

    subscription: int
    url: str
    publisher: str
    name: str
    version: int
    published_at: datetime
    fetched_at: datetime
    signature_valid: bool


def _parts(session: Session, workspace_id: int) -> Iterator[tuple[Subscription, dict[str, Any]]]:
    for row in subscriptions(session, workspace_id):
        yield row, json.loads(row.body)


def merged(
    document: dict[str, Any],
    parts: list[tuple[Origin, dict[str, Any]]],
    *,
    own: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[tuple[str, str], Origin]]:
    """The register ``document`` with the chains of ``parts`` merged in: each entity of a
    part (suppliers, services, dependencies, evidence) in place of the register's of the same
    id (a link: of the same two ends), or added; a later part over an earlier one. The
    register's offerings (and the services in ``own``, the whole register's offerings) stay
    its own: a part's service of that id, its links to or from it, and its evidence's claim to
    cover it are left out. Profiles and top-level keys stay the register's. Also where each
    entity that came from a part came from, by section and key.

    >>> origin = Origin(1, "u", "host", "h", 2, datetime(2026, 1, 1), datetime(2026, 1, 1), True)
    >>> doc = {"offerings": ["app"], "suppliers": [{"id": "me"}, {"id": "host"}],
    ...        "services": [{"id": "app", "supplier": "me"}, {"id": "vm", "name": "stub"}],
    ...        "dependencies": [{"from": "app", "to": "vm"}], "evidence": []}
    >>> part = {"offerings": ["vm"], "suppliers": [{"id": "host", "name": "Host B.V."}],
    ...         "services": [{"id": "vm", "name": "VM", "supplier": "host"}],
    ...         "dependencies": [], "evidence": [{"id": "iso", "covers": ["vm", "app"]}]}
    >>> out, origins = merged(doc, [(origin, part)])
    >>> [s.get("name") for s in out["services"]], out["offerings"], sorted(origins)
    ([None, 'VM'], ['app'], [('evidence', 'iso'), ('services', 'vm'), ('suppliers', 'host')])
    >>> out["evidence"][0]["covers"]
    ['vm']
    """
    if not parts:
        return document, {}
    mine = own | set(document.get("offerings", []))
    out = dict(document)
    origins: dict[tuple[str, str], Origin] = {}
    for section in SECTIONS:
        items: dict[str, dict[str, Any]] = {
            _key_of(section, item): item for item in document.get(section, [])
        }
        for origin, chain in parts:
            for item in chain.get(section, []):
                taken = _not_mine(section, item, mine)
                if taken is not None:
                    key = _key_of(section, taken)
                    items[key] = taken
                    origins[section, key] = origin
        out[section] = list(items.values())
    return out, origins


def _not_mine(section: str, item: dict[str, Any], mine: Collection[str]) -> dict[str, Any] | None:
    """A publication's entity without what it says of the register's own services ``mine``;
    ``None`` when nothing is left of it."""
    if section == "services":
        return None if item["id"] in mine else item
    if section == "dependencies":
        return None if item["from"] in mine or item["to"] in mine else item
    if section != "evidence":
        return item
    covers = [c for c in item.get("covers", ()) if c not in mine]
    if not covers:
        return None
    cut = {**item, "covers": covers}
    if isinstance(cut.get("subservices"), dict):
        cut["subservices"] = {
            key: [v for v in value if v not in mine] if key in ("carved_out", "included") else value
            for key, value in cut["subservices"].items()
        }
    return cut


def upstream(
    session: Session,
    workspace: Workspace,
    document: dict[str, Any],
    scope: frozenset[str] | None,
    *,
    signatures: bool = True,
) -> tuple[dict[str, Any], dict[tuple[str, str], Origin]]:
    """The register ``document`` (of ``scope``, when given) with the chains the workspace
    subscribes to merged in (:func:`merged`), cut again to ``scope``; and the origins, with
    each signature checked again when ``signatures`` (else taken as it was when fetched)."""
    from app.services import scoped  # noqa: PLC0415 - services use this module

    parts: list[tuple[Origin, dict[str, Any]]] = []
    for row, publication in _parts(session, workspace.id or 0):
        valid = True
        if signatures:
            try:
                verify(row.body.encode(), base64.b64decode(row.public_key), whole=False)
            except Refused:
                valid = False
        origin = Origin(
            row.id or 0,
            row.url,
            row.publisher,
            row.name,
            row.version,
            row.published_at,
            row.fetched_at,
            valid,
        )
        parts.append((origin, publication["chain"]))
    own = frozenset(repo.offerings(session, workspace.id or 0))
    whole, origins = merged(document, parts, own=own)
    if scope is not None and parts:
        whole = scoped(whole, scope) | {k: v for k, v in document.items() if k == "title"}
    return whole, origins


def _subscribed(session: Session, workspace_id: int) -> bool:
    """Whether the workspace subscribes to any publication."""
    statement = select(func.count()).where(col(Subscription.workspace_id) == workspace_id)
    return bool(session.exec(statement).one())


def with_upstream(
    session: Session, workspace: Workspace, document: dict[str, Any], scope: frozenset[str] | None
) -> dict[str, Any]:
    """The register ``document`` as it is judged: with the chains the workspace subscribes to
    (:func:`upstream`). A register without subscriptions is given back as it is."""
    if not _subscribed(session, workspace.id or 0):
        return document
    return upstream(session, workspace, document, scope, signatures=False)[0]


def origins_json(
    session: Session, workspace: Workspace, scope: frozenset[str] | None
) -> list[dict[str, Any]]:
    """Each entity of the register judged that comes from a subscription (in ``scope``), with
    its origin: publisher, publication, version, when published and fetched, and whether its
    signature holds. A register without subscriptions answers at once (one query)."""
    from app.services import register_document  # noqa: PLC0415 - services use this module

    if not _subscribed(session, workspace.id or 0):
        return []
    document, origins = upstream(
        session, workspace, register_document(session, workspace, scope), scope
    )
    present = {
        (section, _key_of(section, item)) for section in SECTIONS for item in document[section]
    }
    return [
        {
            "section": section,
            "id": key.replace("\n", " -> "),
            "subscription": origin.subscription,
            "url": origin.url,
            "publisher": origin.publisher,
            "publication": origin.name,
            "version": origin.version,
            "published_at": _when(origin.published_at),
            "fetched_at": _when(origin.fetched_at),
            "signature_valid": origin.signature_valid,
        }
        for (section, key), origin in sorted(origins.items(), key=lambda x: x[0])
        if (section, key) in present
    ]
