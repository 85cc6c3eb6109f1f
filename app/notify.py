"""Notifications: what turns red next, told before it happens (ADR 43).

A workspace's owners keep **rules** (:class:`app.models.NotificationRule`): who hears what, over
which channel. Three events:

- ``forecast``: a link turns conditional or gap within ``days`` days if no new evidence arrives
  (the changes of :func:`graph.forecast.forecast` whose new status is one of those);
- ``expiring``: a piece of evidence that decides a link stops counting within ``days`` days
  (:func:`app.services.expiring_in`, as the overview lists it);
- ``subscription``: a publication the workspace subscribes to took a new version, or a version
  of it was refused (read from the workspace's audit trail, where :mod:`app.publishing` records
  both).

Two channels: ``email`` over SMTP (``KETENKAART_SMTP_URL``, from ``KETENKAART_SMTP_FROM``) and
``webhook``: an HTTP POST of a JSON body, signed with HMAC-SHA256 under the rule's secret
(:func:`signature`).

A round (:func:`run_once`, run by ``ketenkaart notify`` and every ``KETENKAART_NOTIFY_INTERVAL``
seconds by :func:`start_scheduler` in ``serve``) takes the database lease ``notify`` so that one
sender at a time runs across workers and replicas; fetches the subscribed publications' new
versions when that is due (:func:`refresh_due`: every ``KETENKAART_REFRESH_INTERVAL`` seconds,
across workers and replicas, so that a new version is told in the same round); fills the
outbox (:func:`fill`): each
notification is inserted once, unique per rule and ``key`` (what it is about: a link, its new
status and the day; a piece of evidence and its last day; an entry of the trail); then delivers
what is due (:func:`deliver`), claiming each row by a conditional update before sending it, so
that a row is sent once even when two senders overlap. A failed attempt is kept with its error
and retried after :data:`BACKOFF`, doubled each time, up to :data:`MAX_ATTEMPTS` attempts.

Messages are written in the workspace's language when the notification is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import ColumnElement, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import audit, outbound, publishing, services
from app.audit import Actor
from app.errors import Conflict, Invalid, NotFound
from app.models import (
    AuditEntry,
    Lease,
    Notification,
    NotificationAttempt,
    NotificationRule,
    Subscription,
    Workspace,
)
from app.views import forecast as forecast_view
from app.views.terminal import STATUS_WORDS
from graph.coverage import check
from graph.errors import KetenkaartError
from graph.forecast import MAX_DAYS, Forecast
from graph.forecast import forecast as graph_forecast
from graph.i18n import DEFAULT, LANGUAGES, format_date, gettext, ngettext, using
from graph.model import Chain
from graph.profiles import BUILTIN_PROFILES, ResolvedProfile, find_profile
from graph.verdicts import CheckResult, Status, reasons_json

_log = logging.getLogger("ketenkaart.notify")

EVENTS = ("forecast", "expiring", "subscription")
"""What a rule tells of."""

CHANNELS = ("email", "webhook")
"""How it is told."""

MAX_RULES = 50
"""The most rules a workspace keeps."""

MAX_RECIPIENTS = 10
"""The most e-mail addresses one rule sends to."""

MAX_ATTEMPTS = 5
"""Attempts to deliver one notification before it is given up (``failed``)."""

BACKOFF = timedelta(minutes=1)
"""The wait after a first failed attempt; it doubles after each further one (1, 2, 4, 8 min)."""

SEND_TIMEOUT = 10.0
"""Seconds a mail server or webhook may take to connect, and between two reads."""

LEASE = "notify"
"""The name of the sender's lease."""

REFRESH_LEASE = "refresh"
"""The name of the lease that says when the subscriptions are next fetched: taken for
``KETENKAART_REFRESH_INTERVAL`` seconds by the round that fetches them, and never let go."""

LEASE_TIME = timedelta(minutes=5)
"""How long a round holds the lease without renewing it (renewed after each delivery)."""

CLAIM_TIME = timedelta(minutes=5)
"""How long a sender's claim on a notification holds: a sender that stopped in the middle of a
delivery leaves it to the next round after this (which may then send it a second time)."""

BATCH = 200
"""The most notifications one round delivers; the rest wait for the next round."""

MAX_PER_RULE = 200
"""The most new notifications one rule makes in one round."""

SIGNATURE_HEADER = "X-Ketenkaart-Signature"
TIMESTAMP_HEADER = "X-Ketenkaart-Timestamp"

_RED = (Status.CONDITIONAL, Status.GAP)


class NotifySettings(BaseSettings):
    """The sender's settings, read from the environment (``KETENKAART_*``) when a round runs.

    >>> NotifySettings(smtp_url=None).notify_interval
    300.0
    """

    model_config = SettingsConfigDict(env_prefix="KETENKAART_", extra="ignore")

    smtp_url: str | None = None
    """The mail server: ``smtp://user:password@host:port`` (``?starttls=1`` to upgrade the
    connection), or ``smtps://...`` for TLS from the start."""
    smtp_from: str | None = None
    """The sender's address (default ``ketenkaart@`` and this machine's name)."""
    notify_interval: float = Field(default=300.0, ge=0)
    """Seconds between two rounds in ``serve``; 0 switches the sending off in ``serve``."""
    refresh_interval: float = Field(default=3600.0, ge=0)
    """Seconds between two fetches of every subscribed publication, by the first round after
    they are due (in ``serve`` or ``ketenkaart notify``); 0 switches the fetching off."""
    notify_private_targets: bool = False
    """Let webhooks reach loopback, private and link-local addresses (by default they are
    refused: the service would otherwise POST into its own network for any owner)."""


# --- rules ------------------------------------------------------------------------------------

_ADDRESS = re.compile(r"[^@\s,;<>\"()]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def parse_addresses(text: str) -> list[str]:
    """The e-mail addresses of ``text``, separated by commas: one to :data:`MAX_RECIPIENTS`.

    >>> parse_addresses("ops@acme.example, cto@acme.example")
    ['ops@acme.example', 'cto@acme.example']
    """
    found = [part.strip() for part in text.split(",") if part.strip()]
    bad = [a for a in found if not _ADDRESS.fullmatch(a)]
    if bad or not 1 <= len(found) <= MAX_RECIPIENTS:
        raise Invalid(
            gettext(
                "an e-mail rule sends to 1 to {most} addresses, separated by commas, such as "
                "ops@example.nl"
            ).format(most=MAX_RECIPIENTS)
        )
    return found


def check_webhook_url(url: str, *, private: bool) -> str:
    """``url`` when it is an http(s) address a webhook may be sent to: no user or password in
    it, and (unless ``private``) not a loopback, private or link-local address written out.

    >>> check_webhook_url("https://hooks.example.nl/ketenkaart", private=False)
    'https://hooks.example.nl/ketenkaart'
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not one
    except ValueError:
        parts = urlsplit("")
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or len(url) > 2000
        or any(c.isspace() for c in url)
    ):
        raise Invalid(
            gettext("a webhook's address is an http:// or https:// URL without a password")
        )
    if not private:
        with contextlib.suppress(ValueError):
            if not outbound.is_public(parts.hostname):
                raise Invalid(_private_refusal(parts.hostname))
        if parts.hostname.lower() in ("localhost", "localhost.localdomain"):
            raise Invalid(_private_refusal(parts.hostname))
    return url


def _private_refusal(host: str) -> str:
    return gettext(
        "a webhook to {host} is refused: it is a loopback or private address, or one of the "
        "local network such as 169.254.169.254 (KETENKAART_NOTIFY_PRIVATE_TARGETS=1 allows it)"
    ).format(host=host)


def shown_target(rule: NotificationRule) -> str:
    """What the API shows of a rule's target: the addresses, or only the webhook's scheme and
    host (its path and query may hold a secret of the receiver).

    >>> shown_target(NotificationRule(channel="webhook", target="https://h.example/x?k=1"))
    'https://h.example/…'
    """
    if rule.channel == "email":
        return rule.target
    parts = urlsplit(rule.target)
    tail = "/…" if parts.path.strip("/") or parts.query else "/"
    return f"{parts.scheme}://{parts.netloc}{tail}"


def rule_json(rule: NotificationRule) -> dict[str, Any]:
    """A rule as the API shows it: never its secret, only whether it has one."""
    return {
        "id": rule.id,
        "event": rule.event,
        "days": rule.days,
        "profile": rule.profile,
        "channel": rule.channel,
        "target": shown_target(rule),
        "secret": rule.secret is not None,
        "created_at": _iso(rule.created_at),
    }


def rules(session: Session, workspace_id: int) -> list[NotificationRule]:
    """The workspace's rules, oldest first."""
    statement = (
        select(NotificationRule)
        .where(col(NotificationRule.workspace_id) == workspace_id)
        .order_by(col(NotificationRule.id))
    )
    return list(session.scalars(statement))


@dataclass(frozen=True, slots=True)
class NewRule:
    """A rule made: the row, and the webhook's secret when the service chose it (shown once)."""

    rule: NotificationRule
    secret: str | None


def create_rule(
    session: Session,
    *,
    workspace: Workspace,
    event: str,
    days: int | None,
    profile: str,
    channel: str,
    target: str,
    secret: str | None,
    actor: Actor,
    at: datetime,
) -> NewRule:
    """Add a rule to the workspace (recorded in the audit trail); a webhook without a secret
    given gets one chosen here, answered once."""
    if event not in EVENTS:
        raise Invalid(gettext("an event is one of {events}").format(events=", ".join(EVENTS)))
    if channel not in CHANNELS:
        raise Invalid(
            gettext("a channel is one of {channels}").format(channels=", ".join(CHANNELS))
        )
    if event == "subscription":
        days = None
    elif days is None or not 1 <= days <= MAX_DAYS:
        raise Invalid(
            gettext("a rule of event {event} needs days, 1 to {most}").format(
                event=event, most=MAX_DAYS
            )
        )
    try:  # the register is read only for a profile of its own
        find_profile(
            profile, None if profile in BUILTIN_PROFILES else _chain_or_none(session, workspace)
        )
    except KetenkaartError as err:
        raise Invalid(str(err)) from None
    chosen = None
    if channel == "email":
        target = ", ".join(parse_addresses(target))
        secret = None
    else:
        check_webhook_url(target, private=NotifySettings().notify_private_targets)
        if secret is None:
            secret = chosen = secrets.token_urlsafe(32)
    wid = workspace.id or 0
    count = session.scalar(select(func.count()).where(col(NotificationRule.workspace_id) == wid))
    if (count or 0) >= MAX_RULES:
        raise Conflict(
            gettext("a workspace keeps at most {most} notification rules").format(most=MAX_RULES)
        )
    rule = NotificationRule(
        workspace_id=wid,
        event=event,
        days=days,
        profile=profile,
        channel=channel,
        target=target,
        secret=secret,
        created_by=actor.user_id,
        created_at=_utc(at),
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        workspace_id=wid,
        actor=actor,
        action="create",
        target=f"notification-rule/{rule.id}",
        after=rule_json(rule),
        at=at,
    )
    session.commit()
    session.refresh(rule)
    return NewRule(rule, chosen)


def _chain_or_none(session: Session, workspace: Workspace) -> Chain | None:
    """The register as judged, for its own profiles; ``None`` when it has no offering yet."""
    try:
        return services.register_chain(session, workspace)
    except Conflict:
        return None


def delete_rule(
    session: Session, *, workspace: Workspace, rule_id: int, actor: Actor, at: datetime
) -> None:
    """Remove a rule (recorded in the audit trail); what it queued and has not sent yet is
    cancelled, what it sent stays in the log."""
    rule = session.get(NotificationRule, rule_id)
    if rule is None or rule.workspace_id != workspace.id:
        raise NotFound(gettext("no notification rule {id}").format(id=rule_id))
    before = rule_json(rule)
    session.connection().execute(
        update(Notification)
        .where(
            col(Notification.rule_id) == rule_id,
            col(Notification.state) == "pending",  # one being sent is left to its sender
        )
        .values(state="cancelled")
    )
    session.delete(rule)
    audit.record(
        session,
        workspace_id=workspace.id,
        actor=actor,
        action="delete",
        target=f"notification-rule/{rule_id}",
        before=before,
        at=at,
    )
    session.commit()


# --- the log ----------------------------------------------------------------------------------


def notification_json(row: Notification, attempts: list[NotificationAttempt]) -> dict[str, Any]:
    """A notification as the log shows it, with every attempt and its error."""
    return {
        "id": row.id,
        "rule": row.rule_id,
        "event": row.event,
        "channel": row.channel,
        "subject": row.subject,
        "text": row.text,
        "language": row.language,
        "about": row.payload.get("about", {}),
        "state": row.state,
        "created_at": _iso(row.created_at),
        "next_attempt_at": _iso(row.next_attempt_at) if row.state == "pending" else None,
        "sent_at": None if row.sent_at is None else _iso(row.sent_at),
        "attempts": [
            {"number": a.number, "at": _iso(a.at), "ok": a.ok, "error": a.error} for a in attempts
        ],
    }


def log(
    session: Session,
    *,
    workspace: Workspace,
    scope: frozenset[str] | None,
    limit: int,
    before: int | None,
) -> list[dict[str, Any]]:
    """The workspace's notifications, newest first, ``limit`` of them below id ``before``.
    A caller with a scope sees only those about services of its offerings (none about the
    register as a whole, such as a subscription's)."""
    statement = select(Notification).where(col(Notification.workspace_id) == workspace.id)
    if before is not None:
        statement = statement.where(col(Notification.id) < before)
    statement = statement.order_by(col(Notification.id).desc())
    visible: set[str] | None = None
    if scope is not None:
        document = services.register_document(session, workspace, scope)
        visible = {s["id"] for s in document["services"]}
        statement = statement.limit(max(limit * 20, 1000))
    else:
        statement = statement.limit(limit)
    rows = [
        row
        for row in session.scalars(statement)
        if visible is None or (row.services and set(row.services) <= visible)
    ][:limit]
    tries: dict[int, list[NotificationAttempt]] = {}
    if rows:
        found = session.scalars(
            select(NotificationAttempt)
            .where(col(NotificationAttempt.notification_id).in_([r.id for r in rows]))
            .order_by(col(NotificationAttempt.id))
        )
        for attempt in found:
            tries.setdefault(attempt.notification_id, []).append(attempt)
    return [notification_json(row, tries.get(row.id or 0, [])) for row in rows]


# --- filling the outbox -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A notification a rule calls for: what it is about (``key``) and what it says."""

    rule: NotificationRule
    key: str
    services: list[str]
    subject: str
    text: str
    about: dict[str, Any] = field(default_factory=dict)


def _key(event: str, *parts: str) -> str:
    """A notification's key: its event and a digest of what it is about (ids may be long)."""
    return f"{event}:{hashlib.sha256(chr(10).join(parts).encode()).hexdigest()}"


def _label(chain: Chain, service: str) -> str:
    found = chain.services.get(service)
    return f"{found.name} ({service})" if found is not None and found.name != service else service


def _link(chain: Chain, consumer: str, provider: str) -> str:
    return f"{_label(chain, consumer)} -> {_label(chain, provider)}"


def _status(status: Status) -> str:
    return gettext(STATUS_WORDS[status])


def _footer(workspace: Workspace, rule: NotificationRule) -> str:
    return gettext(
        "This message comes from notification rule {rule} of workspace {workspace} (ketenkaart)."
    ).format(rule=rule.id, workspace=workspace.slug)


@dataclass
class _Register:
    """What a round reads of one register, each at most once."""

    session: Session
    workspace: Workspace
    today: date
    ahead: dict[str, int] = field(default_factory=dict)
    """The furthest any forecast rule looks, by profile: one forecast serves them all."""
    chain: Chain | None = None
    read: bool = False
    checks: dict[str, CheckResult] = field(default_factory=dict)
    forecasts: dict[str, Forecast] = field(default_factory=dict)

    def get(self) -> Chain | None:
        if not self.read:
            self.chain, self.read = _chain_or_none(self.session, self.workspace), True
        return self.chain

    def checked(self, profile: ResolvedProfile) -> CheckResult:
        chain = self.get()
        assert chain is not None  # noqa: S101 - asked only of a register with offerings
        if profile.id not in self.checks:
            self.checks[profile.id] = check(chain, profile=profile, at=self.today)
        return self.checks[profile.id]

    def forecast(self, profile: ResolvedProfile) -> Forecast:
        chain = self.get()
        assert chain is not None  # noqa: S101 - asked only of a register with offerings
        if profile.id not in self.forecasts:
            days = self.ahead.get(profile.id, 1)
            self.forecasts[profile.id] = graph_forecast(
                chain, at=self.today, days=days, profile=profile
            )
        return self.forecasts[profile.id]


def drafts(
    session: Session, workspace: Workspace, rule_list: Iterable[NotificationRule], *, today: date
) -> Iterator[Draft]:
    """The notifications the rules call for today, in the current language."""
    rule_list = list(rule_list)
    register = _Register(session, workspace, today)
    for rule in rule_list:
        if rule.event == "forecast":
            most = max(register.ahead.get(rule.profile, 1), rule.days or 1)
            register.ahead[rule.profile] = most
    for rule in rule_list:
        if rule.event == "subscription":
            yield from _subscription_drafts(register, rule)
            continue
        chain = register.get()
        if chain is None:
            continue
        try:
            profile = find_profile(rule.profile, chain)
        except KetenkaartError as err:
            _log.warning("rule %s: %s", rule.id, err)
            continue
        if rule.event == "forecast":
            yield from _forecast_drafts(register, chain, rule, profile)
        else:
            yield from _expiring_drafts(register, chain, rule, profile)


def _forecast_drafts(
    register: _Register, chain: Chain, rule: NotificationRule, profile: ResolvedProfile
) -> Iterator[Draft]:
    today, until = register.today, register.today + timedelta(days=rule.days or 1)
    for change in register.forecast(profile).changes:
        status = change.after.status
        if status not in _RED or change.on > until:
            continue
        link = _link(chain, change.consumer, change.provider)
        left = (change.on - today).days
        text = ngettext(
            "In workspace {workspace}, the link {link} turns from {before} to {after} on "
            "{date}, in {days} day, if no new evidence arrives.",
            "In workspace {workspace}, the link {link} turns from {before} to {after} on "
            "{date}, in {days} days, if no new evidence arrives.",
            left,
        ).format(
            workspace=register.workspace.slug,
            link=link,
            before=_status(change.before.status),
            after=_status(status),
            date=format_date(change.on),
            days=left,
        )
        because = forecast_view.why(change, chain)
        lines = [
            text,
            "",
            *([gettext("Why:"), *(f"- {w}" for w in because), ""] if because else []),
        ]
        yield Draft(
            rule=rule,
            key=_key("forecast", change.consumer, change.provider, status.value, str(change.on)),
            services=[change.consumer, change.provider],
            subject=gettext("Link {link} turns {status} on {date}").format(
                link=link, status=_status(status), date=format_date(change.on)
            ),
            text="\n".join([*lines, _footer(register.workspace, rule)]),
            about={
                "link": {"from": change.consumer, "to": change.provider},
                "before": change.before.status.value,
                "status": status.value,
                "verdict": change.after.verdict.value,
                "on": change.on.isoformat(),
                "evidence": change.after.evidence,
                "reasons": reasons_json(change.after.reasons),
                "inclusion_lapsed": reasons_json(change.inclusion_lapsed),
            },
        )


def _expiring_drafts(
    register: _Register, chain: Chain, rule: NotificationRule, profile: ResolvedProfile
) -> Iterator[Draft]:
    today = register.today
    resolved = replace(profile, expiring_days=rule.days or 1)
    # no verdict depends on the days looked ahead: the register's check of the day serves
    links = register.checked(profile).links
    for piece in services.expiring_in(chain, links, resolved, today):
        left = (piece.stops - today).days
        covers = ", ".join(_label(chain, s) for s in piece.covers)
        text = ngettext(
            "In workspace {workspace}, evidence {evidence} ({scheme}) of {holder} counts until "
            "{date}, {days} day from now; it covers {services}.",
            "In workspace {workspace}, evidence {evidence} ({scheme}) of {holder} counts until "
            "{date}, {days} days from now; it covers {services}.",
            left,
        ).format(
            workspace=register.workspace.slug,
            evidence=piece.evidence,
            scheme=piece.scheme,
            holder=piece.holder,
            date=format_date(piece.stops),
            days=left,
            services=covers,
        )
        yield Draft(
            rule=rule,
            key=_key("expiring", piece.evidence, str(piece.stops)),
            services=list(piece.covers),
            subject=gettext("Evidence {evidence} counts until {date}").format(
                evidence=piece.evidence, date=format_date(piece.stops)
            ),
            text="\n".join([text, "", _footer(register.workspace, rule)]),
            about={
                "evidence": piece.evidence,
                "scheme": piece.scheme,
                "holder": piece.holder,
                "covers": list(piece.covers),
                "counts_until": piece.stops.isoformat(),
            },
        )


def _subscription_drafts(register: _Register, rule: NotificationRule) -> Iterator[Draft]:
    """A notification for each new version and each refusal of a subscribed publication that
    the audit trail records since the rule was made."""
    session, workspace = register.session, register.workspace
    statement = (
        select(AuditEntry)
        .where(
            col(AuditEntry.chain) == audit.chain_of(workspace.id),
            col(AuditEntry.target).startswith("subscription/"),
            col(AuditEntry.action).in_(("update", "refuse")),
            col(AuditEntry.at) >= _utc(rule.created_at),
        )
        .order_by(col(AuditEntry.seq))
        .limit(MAX_PER_RULE)
    )
    for entry in session.scalars(statement):
        after = entry.after if isinstance(entry.after, dict) else {}
        url = str(after.get("url") or entry.target.removeprefix("subscription/"))
        when = format_date(_utc(entry.at).date())
        held = session.scalars(
            select(Subscription).where(
                col(Subscription.workspace_id) == workspace.id, col(Subscription.url) == url
            )
        ).first()
        if entry.action == "refuse":
            name = held.name if held is not None else url
            subject = gettext("A version of publication {name} was refused").format(name=name)
            lines = [
                gettext(
                    "In workspace {workspace}, a version of the publication at {url} was refused "
                    "on {date}: {reason}. The version held stays."
                ).format(
                    workspace=workspace.slug, url=url, date=when, reason=after.get("reason", "")
                )
            ]
            about = {"url": url, "refused": after.get("version"), "reason": after.get("reason")}
        else:
            before = entry.before if isinstance(entry.before, dict) else {}
            version = after.get("version")
            subject = gettext("Publication {name} of {publisher} is at version {version}").format(
                name=after.get("name"), publisher=after.get("publisher"), version=version
            )
            lines = [
                gettext(
                    "In workspace {workspace}, the subscription to publication {name} of "
                    "{publisher} ({url}) took version {version} on {date}, in place of version "
                    "{held}."
                ).format(
                    workspace=workspace.slug,
                    name=after.get("name"),
                    publisher=after.get("publisher"),
                    url=url,
                    version=version,
                    date=when,
                    held=before.get("version"),
                )
            ]
            counted = after.get("changes")
            if isinstance(counted, dict):
                lines.append(
                    gettext(
                        "Entities it changed in the register judged: {entities}; links whose "
                        "verdict it changed: {links}."
                    ).format(entities=counted.get("entities"), links=counted.get("links"))
                )
            red = _red_upstream(register, held, rule) if held and held.version == version else []
            if red:
                lines += ["", gettext("Links on it that are not ok today:")]
                lines += [f"- {link}: {status}" for link, status in red]
            about = {
                "url": url,
                "publisher": after.get("publisher"),
                "publication": after.get("name"),
                "version": version,
                "before": before.get("version"),
            }
        yield Draft(
            rule=rule,
            key=_key("subscription", str(entry.seq)),
            services=[],
            subject=subject,
            text="\n".join([*lines, "", _footer(workspace, rule)]),
            about=about,
        )


def _red_upstream(
    register: _Register, held: Subscription, rule: NotificationRule
) -> list[tuple[str, str]]:
    """The links on a service of the publication held whose status today is conditional or
    gap, each as its ends and its status in words."""
    chain = register.get()
    if chain is None:
        return []
    try:
        profile = find_profile(rule.profile, chain)
    except KetenkaartError:
        return []
    published = json.loads(held.body).get("chain", {})
    upstream = {s.get("id") for s in published.get("services", []) if isinstance(s, dict)}
    return [
        (_link(chain, link.consumer, link.provider), _status(link.status))
        for link in register.checked(profile).links
        if link.provider in upstream and link.status in _RED
    ]


SessionFactory = Callable[[], Session]


def _factory(engine_or_sessions: Engine | SessionFactory) -> SessionFactory:
    if isinstance(engine_or_sessions, Engine):
        engine = engine_or_sessions
        return lambda: Session(engine)
    return engine_or_sessions


def fill(
    engine_or_sessions: Engine | SessionFactory,
    *,
    now: datetime,
    keep_going: Callable[[], bool] | None = None,
) -> int:
    """Insert the notifications the rules of every workspace call for and that are not in the
    outbox yet; how many were inserted. A workspace whose rules fail is logged and skipped;
    ``keep_going`` is asked before each workspace (the round's lease)."""
    sessions = _factory(engine_or_sessions)
    with sessions() as session:
        ids = sorted(set(session.scalars(select(col(NotificationRule.workspace_id)))))
    queued = 0
    for workspace_id in ids:
        if keep_going is not None and not keep_going():
            break
        try:
            queued += _fill_workspace(sessions, workspace_id, now=_utc(now))
        except Exception:  # noqa: BLE001 - one register's trouble never stops the others' mail
            _log.exception("notifications of workspace %s", workspace_id)
    return queued


_UNCHANGED: dict[int, tuple[object, ...]] = {}
"""By workspace, what its register-reading rules were last filled from in this process (the
workspace's creation and version, the day, the rules, the language): while it stays the same,
their forecast and check would find nothing new, and a round leaves them out. The version
changes with every write to the register and every new version of a subscription."""


def _fill_workspace(sessions: SessionFactory, workspace_id: int, *, now: datetime) -> int:
    with sessions() as session:
        workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            return 0
        rule_list = rules(session, workspace_id)
        language = workspace.language if workspace.language in LANGUAGES else DEFAULT
        reading = [r for r in rule_list if r.event != "subscription"]
        seen = (
            workspace.created_at,
            workspace.version,
            now.date(),
            language,
            tuple((r.id, r.event, r.days, r.profile) for r in reading),
        )
        if _UNCHANGED.get(workspace_id) == seen:
            rule_list = [r for r in rule_list if r.event == "subscription"]
        with using(language):
            made = list(drafts(session, workspace, rule_list, today=now.date()))
        done: dict[int, set[str]] = {}
        for rule in rule_list:
            done[rule.id or 0] = set(
                session.scalars(
                    select(col(Notification.key)).where(col(Notification.rule_id) == rule.id)
                )
            )
        rows: list[dict[str, Any]] = []
        per_rule: dict[int, int] = {}
        for draft in made:
            rid = draft.rule.id or 0
            if draft.key in done[rid] or per_rule.get(rid, 0) >= MAX_PER_RULE:
                continue
            done[rid].add(draft.key)
            per_rule[rid] = per_rule.get(rid, 0) + 1
            rows.append(_row(workspace, draft, language, now))
        session.rollback()
    inserted = _insert(sessions, rows)
    capped = any(count >= MAX_PER_RULE for count in per_rule.values())
    if capped:  # the rest next round
        _UNCHANGED.pop(workspace_id, None)
    else:
        _UNCHANGED[workspace_id] = seen
    return inserted


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _one_line(text: str) -> str:
    """``text`` without line breaks or other control characters (a chain's names may hold
    them), as a mail's subject must be.

    >>> _one_line("Link A\\nB -> C")
    'Link A B -> C'
    """
    return " ".join(_CONTROL.sub(" ", text).split())


def _row(workspace: Workspace, draft: Draft, language: str, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": workspace.id,
        "rule_id": draft.rule.id,
        "key": draft.key,
        "event": draft.rule.event,
        "channel": draft.rule.channel,
        "services": draft.services,
        "subject": _one_line(draft.subject)[:500],
        "text": draft.text,
        "payload": {
            "event": draft.rule.event,
            "workspace": workspace.slug,
            "rule": draft.rule.id,
            "about": draft.about,
        },
        "language": language,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _insert(sessions: SessionFactory, rows: list[dict[str, Any]]) -> int:
    """Insert the rows at once; when another sender inserted one of them meanwhile (the unique
    key refuses it), one by one, leaving out those already there."""
    if not rows:
        return 0
    with sessions() as session:
        try:
            session.connection().execute(insert(Notification), rows)
            session.commit()
        except IntegrityError:
            session.rollback()
        else:
            return len(rows)
        inserted = 0
        for row in rows:
            try:
                session.connection().execute(insert(Notification).values(**row))
                session.commit()
                inserted += 1
            except IntegrityError:
                session.rollback()
        return inserted


# --- the lease --------------------------------------------------------------------------------


def take_lease(
    engine_or_sessions: Engine | SessionFactory,
    *,
    holder: str,
    now: datetime,
    hold: timedelta = LEASE_TIME,
    name: str = LEASE,
) -> bool:
    """Take (or renew) lease ``name`` for ``holder`` until ``now + hold``: when nobody holds
    it, its holder's time is up, or ``holder`` holds it already. A conditional update, or an
    insert of the first row, that only one of several senders at once can win (the row's
    lock on PostgreSQL, the write lock on SQLite; the primary key refuses a second insert)."""
    sessions = _factory(engine_or_sessions)
    now = _utc(now)
    with sessions() as session:
        connection = session.connection()
        taken = connection.execute(
            update(Lease)
            .where(
                col(Lease.name) == name,
                or_(col(Lease.expires_at) <= now, col(Lease.holder) == holder),
            )
            .values(holder=holder, expires_at=now + hold)
        )
        if taken.rowcount == 1:
            session.commit()
            return True
        if connection.execute(select(col(Lease.name)).where(col(Lease.name) == name)).first():
            session.rollback()
            return False
        try:
            connection.execute(
                insert(Lease).values(name=name, holder=holder, expires_at=now + hold)
            )
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
        return True


_FREE = datetime(1970, 1, 1, tzinfo=UTC)
"""The time a lease let go ends at: any sender may take it."""


def release_lease(
    engine_or_sessions: Engine | SessionFactory, *, holder: str, name: str = LEASE
) -> None:
    """Let lease ``name`` go, if ``holder`` still holds it."""
    with _factory(engine_or_sessions)() as session:
        session.connection().execute(
            update(Lease)
            .where(col(Lease.name) == name, col(Lease.holder) == holder)
            .values(expires_at=_FREE)
        )
        session.commit()


# --- delivering -------------------------------------------------------------------------------


class Failure(Exception):  # noqa: N818 - what happened to an attempt
    """An attempt that did not deliver; ``final`` when trying again cannot help."""

    def __init__(self, message: str, *, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of the :data:`SIGNATURE_HEADER` of a webhook: HMAC-SHA256 under the rule's
    secret over the timestamp header's value, a full stop, and the body's exact bytes.

    >>> signature("s3cret", "1764892800", b'{"event":"forecast"}')[:15]
    'sha256=f435cd65'
    """
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook's redirect is an answer, not a new address to post to."""

    def redirect_request(  # noqa: PLR0917 - urllib's own signature
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _check_resolved(host: str, port: int) -> None:
    """Refuse a webhook whose host name leads to a loopback, private or link-local address."""
    try:
        outbound.check_public(host, port)
    except outbound.NotPublicError:
        raise Failure(_private_refusal(host), final=True) from None
    except (OSError, UnicodeError) as err:
        raise Failure(
            gettext("the webhook could not be reached: {reason}").format(reason=err)
        ) from None


def post_webhook(
    url: str, *, secret: str, body: bytes, headers: dict[str, str], private: bool
) -> None:
    """POST ``body`` to ``url``, signed (:func:`signature`); a 2xx answer delivers it."""
    try:
        check_webhook_url(url, private=private)
    except Invalid as err:
        raise Failure(err.detail, final=True) from None
    parts = urlsplit(url)
    if not private:
        _check_resolved(
            parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        )
    stamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - http(s) checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "ketenkaart",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(secret, stamp, body),
            **headers,
        },
    )
    # The connection checks the addresses it connects to, not only the name before (DNS
    # rebinding, ADR 44).
    opener = outbound.opener(_NoRedirect(), private=private)
    try:
        with opener.open(request, timeout=SEND_TIMEOUT) as answer:
            answer.read(64 * 1024)
    except urllib.error.HTTPError as err:
        raise Failure(gettext("the webhook answered {status}").format(status=err.code)) from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, outbound.NotPublicError):
            raise Failure(_private_refusal(reason.host), final=True) from None
        raise Failure(
            gettext("the webhook could not be reached: {reason}").format(reason=reason)
        ) from None


@dataclass(frozen=True, slots=True)
class MailServer:
    """Where and how to send mail, from ``KETENKAART_SMTP_URL``."""

    host: str
    port: int
    tls: bool
    starttls: bool
    user: str | None
    password: str | None


def parse_smtp_url(url: str) -> MailServer:
    """The mail server of ``url``: ``smtp://`` (port 25, ``?starttls=1`` to upgrade) or
    ``smtps://`` (port 465); user and password percent-encoded.

    >>> parse_smtp_url("smtp://me:p%40ss@mail.example.nl:587?starttls=1")
    MailServer(host='mail.example.nl', port=587, tls=False, starttls=True, user='me', \
password='p@ss')
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = urlsplit(""), None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise Failure(
            gettext(
                "KETENKAART_SMTP_URL is not a mail server's address such as "
                "smtp://user:password@mail.example.nl:587?starttls=1"
            )
        )
    tls = parts.scheme == "smtps"
    flag = parse_qs(parts.query).get("starttls", ["0"])[-1].lower()
    return MailServer(
        host=parts.hostname,
        port=port or (465 if tls else 25),
        tls=tls,
        starttls=not tls and flag in ("1", "true", "yes"),
        user=None if parts.username is None else unquote(parts.username),
        password=None if parts.password is None else unquote(parts.password),
    )


def send_email(settings: NotifySettings, message: EmailMessage) -> None:
    """Send ``message`` through the mail server of ``settings``."""
    if not settings.smtp_url:
        raise Failure(
            gettext(
                "no mail server is set: KETENKAART_SMTP_URL, such as "
                "smtp://user:password@mail.example.nl:587?starttls=1"
            )
        )
    server = parse_smtp_url(settings.smtp_url)
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=SEND_TIMEOUT, context=context)
            if server.tls
            else smtplib.SMTP(server.host, server.port, timeout=SEND_TIMEOUT)
        )
        with smtp:
            if server.starttls:
                smtp.starttls(context=context)
            if server.user is not None:
                smtp.login(server.user, server.password or "")
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as err:
        raise Failure(
            gettext("the mail server did not take the message: {reason}").format(reason=err)
        ) from None
    if refused:
        raise Failure(
            gettext("the mail server refused {addresses}").format(addresses=", ".join(refused))
        )


def _sender(settings: NotifySettings) -> str:
    return settings.smtp_from or f"ketenkaart@{socket.getfqdn()}"


def _email(
    settings: NotifySettings, row: Notification, rule: NotificationRule, slug: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = _sender(settings)
    message["To"] = rule.target
    message["Date"] = formatdate(usegmt=True)
    # the same on every attempt: a receiver can tell a message it has seen
    domain = _sender(settings).rpartition("@")[2] or "ketenkaart"
    message["Message-ID"] = f"<notification-{row.id}.{row.key[-16:]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Ketenkaart-Workspace"] = slug
    message.set_content(row.text)
    message["Content-Language"] = row.language  # after the content, which sets Content-*
    return message


def webhook_body(row: Notification) -> bytes:
    """The JSON a webhook is sent: the same bytes on every attempt."""
    document = {
        "id": row.id,
        **row.payload,
        "subject": row.subject,
        "text": row.text,
        "language": row.language,
        "created_at": _iso(row.created_at),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class Delivered:
    """What a delivery pass did: sent, to be tried again, given up, cancelled."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


def _due(at: datetime) -> ColumnElement[bool]:
    return or_(
        and_(col(Notification.state) == "pending", col(Notification.next_attempt_at) <= at),
        and_(col(Notification.state) == "sending", col(Notification.claimed_until) < at),
    )


def deliver(
    engine_or_sessions: Engine | SessionFactory,
    *,
    now: datetime,
    holder: str,
    settings: NotifySettings | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> Delivered:
    """Deliver the notifications due at ``now``, oldest first, each claimed by ``holder``
    before it is sent (a conditional update only one sender wins); ``keep_going`` is asked
    before each (the round's lease)."""
    sessions = _factory(engine_or_sessions)
    settings = settings or NotifySettings()
    start, now = time.monotonic(), _utc(now)

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - start)

    with sessions() as session:
        due = list(
            session.scalars(
                select(col(Notification.id))
                .where(_due(now))
                .order_by(col(Notification.id))
                .limit(BATCH)
            )
        )
    done = Delivered()
    for notification_id in due:
        if keep_going is not None and not keep_going():
            break
        outcome = _deliver_one(sessions, notification_id or 0, holder, clock, settings)
        if outcome is not None:
            setattr(done, outcome, getattr(done, outcome) + 1)
    return done


def _deliver_one(
    sessions: SessionFactory,
    notification_id: int,
    holder: str,
    clock: Callable[[], datetime],
    settings: NotifySettings,
) -> str | None:
    """Claim, send and record one notification; what came of it (``None``: another sender
    has it)."""
    with sessions() as session:
        at = clock()
        claimed = session.connection().execute(
            update(Notification)
            .where(col(Notification.id) == notification_id, _due(at))
            .values(
                state="sending",
                claimed_by=holder,
                claimed_until=at + CLAIM_TIME,
                attempts=col(Notification.attempts) + 1,
            )
        )
        session.commit()
        if claimed.rowcount != 1:
            return None
        row = session.get(Notification, notification_id)
        rule = (
            None
            if row is None or row.rule_id is None
            else session.get(NotificationRule, row.rule_id)
        )
        workspace = None if row is None else session.get(Workspace, row.workspace_id)
        session.expunge_all()  # kept as read, for the sending
        session.rollback()  # nothing held open while sending
    assert row is not None  # noqa: S101 - claimed above
    if rule is None or workspace is None:
        _finish(sessions, row, holder, state="cancelled", at=clock(), error=None)
        return "cancelled"
    error, final = None, False
    try:
        if rule.channel == "email":
            send_email(settings, _email(settings, row, rule, workspace.slug))
        else:
            post_webhook(
                rule.target,
                secret=rule.secret or "",
                body=webhook_body(row),
                headers={
                    "X-Ketenkaart-Event": row.event,
                    "X-Ketenkaart-Delivery": str(row.id),
                },
                private=settings.notify_private_targets,
            )
    except Failure as err:
        error, final = str(err)[:1000], err.final
    except Exception as err:  # noqa: BLE001 - logged as the attempt's error, tried again
        _log.exception("notification %s", row.id)
        error = f"{type(err).__name__}: {err}"[:1000]
    at = clock()
    if error is None:
        state = "sent"
    elif final or row.attempts >= MAX_ATTEMPTS:
        state = "failed"
    else:
        state = "pending"
    _finish(sessions, row, holder, state=state, at=at, error=error)
    return {"sent": "sent", "failed": "failed", "pending": "retrying"}[state]


def _finish(
    sessions: SessionFactory,
    row: Notification,
    holder: str,
    *,
    state: str,
    at: datetime,
    error: str | None,
) -> None:
    """Record an attempt's outcome: the notification's new state and the attempt itself."""
    values: dict[str, Any] = {"state": state, "claimed_by": None, "claimed_until": None}
    if state == "sent":
        values["sent_at"] = at
    if state == "pending":
        values["next_attempt_at"] = at + BACKOFF * 2 ** max(row.attempts - 1, 0)
    with sessions() as session:
        connection = session.connection()
        connection.execute(
            update(Notification)
            .where(col(Notification.id) == row.id, col(Notification.claimed_by) == holder)
            .values(**values)
        )
        if state != "cancelled":
            connection.execute(
                insert(NotificationAttempt).values(
                    notification_id=row.id,
                    number=row.attempts,
                    at=at,
                    ok=error is None,
                    error=error,
                    sender=holder[:100],
                )
            )
        session.commit()
    if error is not None:
        _log.warning("notification %s, attempt %s: %s", row.id, row.attempts, error)


# --- a round ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """What a round did; ``leased`` is false when another sender held the lease (and this
    round did nothing)."""

    leased: bool
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    refreshed: int = 0
    """Subscriptions that took a new version in this round."""
    refused: int = 0
    """Subscriptions whose fetched version was refused in this round."""


def _holder() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def refresh_due(
    sessions: SessionFactory,
    *,
    holder: str,
    now: datetime,
    every: float,
    keep_going: Callable[[], bool] | None = None,
    get: publishing.Fetch | None = None,
) -> list[publishing.Outcome]:
    """Fetch every subscribed publication (:func:`app.publishing.refresh_all`, by the
    scheduler) when ``every`` seconds have passed since a round last did: the lease
    :data:`REFRESH_LEASE` is taken for ``every`` seconds and never let go, so of all the rounds
    of all the workers and replicas only the first after it ran out fetches. Nothing when
    ``every`` is 0, or when it is not due."""
    if every <= 0:
        return []
    hold = timedelta(seconds=every)
    if not take_lease(sessions, holder=holder, now=now, hold=hold, name=REFRESH_LEASE):
        return []
    return publishing.refresh_all(sessions, at=now, get=get, keep_going=keep_going)


def run_once(
    engine_or_sessions: Engine | SessionFactory,
    now: datetime | None = None,
    *,
    settings: NotifySettings | None = None,
    send: bool = True,
    get: publishing.Fetch | None = None,
) -> Summary:
    """One round: take the lease (or do nothing when another sender holds it), fetch the
    subscriptions when that is due (:func:`refresh_due`), fill the outbox from the rules and
    deliver what is due (unless not ``send``), and let the lease go. ``get`` fetches a
    publication (by default over HTTP(S))."""
    sessions = _factory(engine_or_sessions)
    settings = settings or NotifySettings()
    now = _utc(now or datetime.now(UTC))
    start, holder = time.monotonic(), _holder()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - start)

    def renew() -> bool:
        return take_lease(sessions, holder=holder, now=clock())

    if not take_lease(sessions, holder=holder, now=now):
        return Summary(leased=False)
    outcomes: list[publishing.Outcome] = []
    queued, done = 0, Delivered()
    try:
        try:
            outcomes = refresh_due(
                sessions,
                holder=holder,
                now=now,
                every=settings.refresh_interval,
                keep_going=renew,
                get=get,
            )
        except Exception:  # noqa: BLE001 - a failed fetch never stops the notifications
            _log.exception("refreshing the subscriptions")
        if send:
            queued = fill(sessions, now=now, keep_going=renew)
            done = deliver(
                sessions, now=clock(), holder=holder, settings=settings, keep_going=renew
            )
    finally:
        release_lease(sessions, holder=holder)
    refreshed = sum(1 for o in outcomes if o.refreshed is not None and o.refreshed.changed)
    refused = sum(1 for o in outcomes if o.refusal is not None)
    return Summary(
        True, queued, done.sent, done.retrying, done.failed, done.cancelled, refreshed, refused
    )


_SCHEDULED: set[asyncio.Task[None]] = set()


def start_scheduler(engine: Engine, *, interval: float | None = None) -> asyncio.Task[None] | None:
    """Run :func:`run_once` every ``interval`` seconds (``KETENKAART_NOTIFY_INTERVAL``, 300 by
    default) in the running event loop, the round itself in a thread; the first round after
    one interval. With ``KETENKAART_NOTIFY_INTERVAL`` 0 nothing is sent; the rounds then only
    fetch the subscriptions, every ``KETENKAART_REFRESH_INTERVAL`` seconds (none when that is
    0 too). An ``interval`` given is the rounds' (0: none at all). The task ends when the loop
    does (or when cancelled)."""
    every, send = interval or 0.0, True
    if interval is None:
        settings = NotifySettings()
        every, send = settings.notify_interval, settings.notify_interval > 0
        if not send:
            every = settings.refresh_interval
    if every <= 0:
        return None
    task = asyncio.get_running_loop().create_task(_every(engine, every, send=send))
    _SCHEDULED.add(task)  # the loop keeps only a weak reference
    task.add_done_callback(_SCHEDULED.discard)
    return task


async def _every(engine: Engine, every: float, *, send: bool) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            summary = await asyncio.to_thread(run_once, engine, send=send)
        except Exception:  # noqa: BLE001 - the next round tries again
            _log.exception("notification round")
            continue
        if summary.queued or summary.sent or summary.failed or summary.refreshed:
            _log.info("notification round", extra={"fields": _fields(summary)})


def _fields(summary: Summary) -> dict[str, Any]:
    return {
        "queued": summary.queued,
        "sent": summary.sent,
        "retrying": summary.retrying,
        "failed": summary.failed,
        "refreshed": summary.refreshed,
        "refused": summary.refused,
    }


# --- times ------------------------------------------------------------------------------------


def _utc(at: datetime) -> datetime:
    """``at`` in UTC; a time without zone (as SQLite gives it back) is UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _iso(at: datetime) -> str:
    return _utc(at).isoformat()
