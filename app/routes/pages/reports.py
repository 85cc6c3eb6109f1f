"""The graph of an offering and its scoping report, on a page and as downloads (Markdown,
CSV, XLSX, offline HTML)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlmodel import Session

from app import audit, documents, history, publishing, services
from app import repository as repo
from app.deps import READ, SessionDep, now, today
from app.errors import Invalid, NotFound
from app.history import Between
from app.limits import computing, holds_turn, turn_wait
from app.routes.pages.access import (
    DEFAULT_PROFILE,
    Visit,
    WsPath,
    guarded,
    page_context,
    problem_page,
    visit_as,
)
from app.routes.pages.changes import (
    CHANGES_PAGE_SIZE,
    changes_between,
    changes_markdown,
    changes_view,
    read_moment,
    shown_moment,
)
from app.routes.pages.recent import judging, register_key
from app.singleflight import flights
from app.streams import chunked
from app.views.graph import (
    GRAPH_TEMPLATE,
    STATUS_STYLES,
    graph_context,
    graph_words,
    offline_html,
    script_json,
)
from app.views.markdown import iter_markdown, origins_markdown, reached, scope_links
from app.views.pages import page
from app.views.paging import Pager
from graph.dates import parse_period
from graph.errors import UsageError
from graph.i18n import N_, gettext
from graph.model import Chain, DateRange
from graph.profiles import BUILTIN_PROFILES, ResolvedProfile
from graph.verdicts import CheckResult, LinkResult, Status
from importers.basis import LinkBasis, link_bases
from importers.worksheet import check_csv, check_xlsx

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Checked:
    """An offering checked for a page: the register version it was read at, the chain, the
    result, the profile it was judged by, and the form's values."""

    version: int
    chain: Chain
    result: CheckResult
    resolved: ResolvedProfile
    at: str
    period: str
    profile: str


def _parse_when(
    at: str | None, period: str | None, day: date
) -> tuple[date | None, DateRange | None]:
    """The date or audit period a page's GET form asks for (default: today).

    >>> _parse_when(None, "2026-01-01..2026-06-30", date(2026, 11, 27))[1].end
    datetime.date(2026, 6, 30)
    >>> _parse_when("2026-13-01", None, date(2026, 11, 27))
    Traceback (most recent call last):
    ...
    app.errors.Invalid: at '2026-13-01' is not a date YYYY-MM-DD
    """
    if period:
        try:
            return None, parse_period(period)
        except UsageError:
            raise Invalid(
                gettext("period '{text}' is not FROM..TO with FROM on or before TO").format(
                    text=period
                ),
                errors=[
                    {"location": "period", "message": gettext("expected YYYY-MM-DD..YYYY-MM-DD")}
                ],
            ) from None
    if at:
        try:
            return date.fromisoformat(at), None
        except ValueError:
            raise Invalid(
                gettext("at '{text}' is not a date YYYY-MM-DD").format(text=at),
                errors=[{"location": "at", "message": gettext("expected YYYY-MM-DD")}],
            ) from None
    return day, None


def _asked(request: Request, day: date) -> tuple[date | None, DateRange | None, str]:
    """The date or period and the profile the page's query asks for."""
    params = request.query_params
    at_text = params.get("at", "")[:20]
    period_text = params.get("period", "")[:30]
    profile = params.get("profile", "")[:100] or DEFAULT_PROFILE
    at, span = _parse_when(at_text, period_text, day)
    return at, span, profile


def _checked(request: Request, session: Session, visit: Visit, offering: str) -> Checked:
    """The offering checked as the page's query asks, from one read of the register (the
    verdicts of ``ketenkaart check`` on the register, or its part in the visitor's scope).

    One check per register version and question runs at a time in a worker, shared by the
    requests that ask it meanwhile, and the latest is kept for the next page (ADR 29, 31). The
    session is closed: what else the page reads takes a connection anew."""
    at, span, profile = _asked(request, today(request))
    workspace = visit.workspace
    asked = workspace.version  # read after the request came in
    session.close()  # no connection held while waiting: the computation takes one to read

    def compute() -> tuple[int, _Found]:
        with computing(request):
            # the register judged once per version for every question (ADR 31); this
            # offering's walk and findings only are its own
            ready = judging(
                request,
                session,
                workspace,
                visit.scope,
                asked=asked,
                at=at,
                period=span,
                profile=profile,
            )
            version, chain = ready.version, ready.chain
            if offering not in chain.offerings:
                raise NotFound(
                    gettext("no offering '{offering}' in workspace '{workspace}'").format(
                        offering=offering, workspace=workspace.slug
                    )
                )
            result = ready.judged.check([offering])
        # the report and the graph carry this offering's own title, never another's
        title = services.offering_title(ready.workspace, offering)
        chain = dataclasses.replace(chain, title=title)
        return version, (version, chain, result, ready.profile)

    key = register_key(workspace, visit.scope, offering, at, span, profile)
    found: _Found = flights(request, "checks", KEPT_CHECKS).get(
        key,
        at_least=asked,
        compute=compute,
        share=not holds_turn(request),
        start_within=turn_wait(request),
    )
    return Checked(
        *found,
        "" if span else (at.isoformat() if at else ""),
        f"{span.start.isoformat()}..{span.end.isoformat()}" if span else "",
        profile,
    )


KEPT_CHECKS = 1
"""How many checks a worker keeps for the next page of the same report (ADR 29): a check of a
20,000-service register holds some hundreds of megabytes."""

_Found = tuple[int, Chain, CheckResult, ResolvedProfile]


def _profiles(chain: Chain) -> list[str]:
    return [*BUILTIN_PROFILES, *sorted(chain.profiles)]


def _documents(session: Session, visit: Visit) -> set[str]:
    """The evidence that has a document to link to (one query)."""
    return repo.evidence_with_documents(session, visit.workspace.id or 0)


@router.get("/w/{ws}/graph/{offering}", response_class=HTMLResponse)
@guarded
def graph_page(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The interactive graph of an offering at a date or over an audit period.

    What the page draws (:func:`app.views.graph.graph_context`, some megabytes of JSON for a
    large register) is made once per register version and question, and shared by every
    visitor who asks it meanwhile (ADR 31); the page around it is each visitor's own."""
    visit = visit_as(request, session, ws, READ)
    try:
        at, span, profile = _asked(request, today(request))
    except Invalid as problem:
        back = _without(request, problem), gettext("Back to the graph, without that value")
        return problem_page(request, problem, back=back)
    workspace = visit.workspace
    asked = workspace.version  # read after the request came in
    documents = frozenset(_documents(session, visit))  # a document is no change of version
    visible = visit.scope is None or offering in visit.scope
    upstream = publishing.origins_json(  # what comes from publications (ADR 40)
        session, workspace, frozenset({offering} if visible else ())
    )
    session.close()  # no connection held while waiting: the computation takes one to read
    document_url = f"/api/v1/workspaces/{quote(ws)}/evidence/{{id}}/document"

    def compute() -> tuple[int, dict[str, Any]]:
        with computing(request):  # one turn for the check and the drawing
            found = _checked(request, session, visit, offering)
            context = graph_context(
                found.chain,
                found.result,
                offering=offering,
                document_url=document_url,
                documents=documents,
                profiles=_profiles(found.chain),
                at=found.at or None,
                period=found.period or None,
                resolved=found.resolved,
            )
        return found.version, context

    key = register_key(workspace, visit.scope, offering, at, span, profile, documents, ws)
    context = flights(request, "graphs", KEPT_GRAPHS).get(
        key, at_least=asked, compute=compute, start_within=turn_wait(request)
    )
    forecast_url = None if span else _forecast_url(ws, offering, at or today(request), profile)
    return page(
        request,
        GRAPH_TEMPLATE,
        **{
            **context,
            **page_context(request, visit),
            "forecast_url": forecast_url,
            "upstream": upstream,
        },
    )


def _check_url(ws: str, offering: str, form: dict[str, str]) -> str:
    """The API's check of the offering for the report's moment and profile."""
    asked = {"offering": offering, **{k: v for k, v in form.items() if k != "since"}}
    return f"/api/v1/workspaces/{quote(ws)}/check?{urlencode(asked)}"


def _forecast_url(ws: str, offering: str, at: date, profile: str) -> str:
    """Where the graph and report pages ask what changes next, after they are drawn (a large
    register's forecast takes seconds); at a date only: over an audit period a page looks back."""
    query = urlencode({"offering": offering, "at": at.isoformat(), "profile": profile})
    return f"/api/v1/workspaces/{quote(ws)}/forecast?{query}"


KEPT_GRAPHS = 16
"""How many graph pages' drawings a worker keeps (ADR 31): at 20,000 services one is some
11 MB of text (one string, which the collector does not walk). More than a register's usual
offerings: with fewer, visits to each in turn evict one another's and compute again."""


@dataclass(frozen=True, slots=True)
class ScopeRow:
    """A sub-service the walk reached, as the report's scope table shows it."""

    rank: int
    service: str
    name: str
    kind: str
    supplier: str
    via: str
    critical: bool
    personal_data: bool
    locations: str


def scope_rows(links: Iterable[LinkResult], chain: Chain) -> list[ScopeRow]:
    """The scope's rows of ``links`` (of :func:`app.views.markdown.scope_links`), in words."""
    rows = []
    for link in links:
        r = reached(link, chain)
        rows.append(
            ScopeRow(
                r.link.rank,
                r.service.id,
                r.service.name,
                r.service.kind.label,
                r.supplier,
                " → ".join(r.link.path[:-1]),
                r.critical,
                bool(r.personal_data),
                ", ".join(r.locations),
            )
        )
    return rows


REPORT_SECTIONS = (  # in words by the page (its ``t`` filter)
    (Status.GAP, N_("Gaps: links without equivalent certification")),
    (Status.CONDITIONAL, N_("Conditional: links covered on conditions")),
    (Status.OK, N_("Covered: links with equivalent certification")),
    (Status.OUT_OF_SCOPE, N_("Out of scope")),
)


@router.get("/w/{ws}/report/{offering}.md")
@guarded
def report_markdown(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The scoping report in Markdown, complete, ending like the page with its generated-at
    line; sent while it is written (a large register's runs to a hundred megabytes)."""
    visit = visit_as(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    since = _since(request, session, visit, found.profile)
    sections = [origins_markdown(_origins(session, visit, offering))]
    if since is not None:
        heading = gettext("Changes since {moment}").format(moment=since[0])
        sections.append(changes_markdown(since[1], heading))
    pieces = iter_markdown(
        found.result,
        found.chain,
        found.resolved,
        stored=_documents(session, visit),
        sections=sections,
    )
    seq, digest = audit.last_entry(session, audit.chain_of(visit.workspace.id))
    generated = now(request).replace(microsecond=0).isoformat()
    # the page's sentence (app/templates/report.html), in Markdown: the same words
    footer = (
        "\n\n"
        + gettext(
            "Generated at {generated} from workspace `{slug}`; the register's audit trail stood "
            "at entry {seq}, hash `{hash}`."
        ).format(generated=generated, slug=visit.workspace.slug, seq=seq, hash=digest)
        + "\n"
    )
    body = chunked(piece.encode("utf-8") for piece in _ending_with(pieces, footer))
    return _download(body, "text/markdown; charset=utf-8", ws, offering, "md")


def _origins(session: Session, visit: Visit, offering: str) -> list[dict[str, Any]]:
    """Each entity of the offering's part of the register that comes from a subscribed
    publication, with its origin (ADR 40), as the graph page lists them; none for an offering
    outside the visitor's scope."""
    visible = visit.scope is None or offering in visit.scope
    return publishing.origins_json(
        session, visit.workspace, frozenset({offering} if visible else ())
    )


def _without(request: Request, problem: Invalid) -> str:
    """The page's own address without the fields of its form that ``problem`` names (a date
    typed another way, a period the wrong way round), and without the pages of its tables:
    the page as it answers what the form still asks."""
    wrong = {str(error["location"]) for error in problem.errors}
    kept = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if name not in wrong and not name.endswith("_page")
    ]
    return f"{request.url.path}?{urlencode(kept)}" if kept else request.url.path


def _since_text(request: Request) -> str:
    return request.query_params.get("since", "")[: history.MAX_MOMENT].strip()


def _since(
    request: Request, session: Session, visit: Visit, profile: str
) -> tuple[str, Between] | None:
    """What changed in the register (the visitor's part) from the report's ``since`` (a date:
    the end of that day in UTC; or a timestamp) to now, the moment the report reads the
    register at, judged by the report's profile; ``None`` without ``since``. Rebuilding the
    register twice takes a turn of the heavy work (the page's own; a download holds one)."""
    text = _since_text(request)
    if not text:
        return None
    current = now(request)
    moment = read_moment(text, where="since", current=current)
    with computing(request):
        found = changes_between(
            session,
            visit,
            moment,
            current,
            current=current,
            profile=profile,
            where=("since", "since"),
        )
    return shown_moment(moment), found


def _ending_with(pieces: Iterable[str], footer: str) -> Iterator[str]:
    """``pieces`` without the newlines they end in, then ``footer``: the text's
    ``rstrip("\\n") + footer``, in pieces.

    >>> "".join(_ending_with(["a\\n", "\\n", "b\\n\\n", "\\n"], "!"))
    'a\\n\\nb!'
    """
    held = ""
    for piece in pieces:
        text = piece.rstrip("\n")
        if text:
            yield held + text
            held = piece[len(text) :]
        else:
            held += piece
    yield footer


@router.get("/w/{ws}/report/{offering}.csv")
@guarded
def report_csv(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The links of the check as CSV."""
    visit = visit_as(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    data = check_csv(
        found.result, found.chain, profile=found.resolved, stored=_documents(session, visit)
    )
    return _download(data, "text/csv; charset=utf-8", ws, offering, "csv")


@router.get("/w/{ws}/report/{offering}.xlsx")
@guarded
def report_xlsx(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The check as the auditor's worksheet."""
    visit = visit_as(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    data = check_xlsx(
        found.result, found.chain, profile=found.resolved, stored=_documents(session, visit)
    )
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(data, media, ws, offering, "xlsx")


@router.get("/w/{ws}/report/{offering}.html")
@guarded
def report_offline(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The graph as one self-contained HTML file that works offline."""
    visit = visit_as(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    data = offline_html(found.chain, found.result, offering=offering, resolved=found.resolved)
    return _download(data, "text/html; charset=utf-8", ws, offering, "html")


def _download(
    data: bytes | Iterator[bytes], media: str, ws: str, offering: str, ext: str
) -> Response:
    """A report as a download: whole, or streamed from an iterator of its pieces."""
    name = documents.safe_filename(f"{ws}-{offering}-scoping.{ext}")
    headers = {
        "Content-Disposition": documents.content_disposition(name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }
    if isinstance(data, bytes):
        return Response(data, media_type=media, headers=headers)
    return StreamingResponse(data, media_type=media, headers=headers)


REPORT_PAGE_SIZE = 100
"""Rows of each table the report page shows at a time (ADR 29); the downloads hold them all."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the report page: its anchor, its query parameter, its page of rows."""

    id: str
    param: str
    pager: Pager


def _table(request: Request, name: str, total: int) -> Table:
    param = f"{name.replace('-', '_')}_page"
    pager = Pager.of(total=total, size=REPORT_PAGE_SIZE, asked=request.query_params.get(param))
    return Table(name, param, pager)


def _bases_of(
    shown: list[LinkResult], found: Checked, stored: set[str]
) -> dict[tuple[str, str], LinkBasis]:
    """The basis of each link shown, worked out from the links it depends on alone: the shown
    ones and those into their consumers (whose reports may carve a shown link out)."""
    consumers = {link.consumer for link in shown}
    keys = {(link.consumer, link.provider) for link in shown}
    needed = tuple(
        link
        for link in found.result.links
        if link.provider in consumers or (link.consumer, link.provider) in keys
    )
    part = dataclasses.replace(found.result, links=needed)
    bases = link_bases(part, found.chain, profile=found.resolved, stored=stored)
    return {key: bases[key] for key in keys}


@router.get("/w/{ws}/report/{offering}", response_class=HTMLResponse)
@guarded
def report_page(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The scoping report of an offering, print-ready, with its downloads; a long table shows
    a page of its rows at a time (ADR 29)."""
    visit = visit_as(request, session, ws, READ)
    try:
        found = _checked(request, session, visit, offering)
        since = _since(request, session, visit, found.profile)
    except Invalid as problem:
        back = _without(request, problem), gettext("Back to the scoping report, without that value")
        return problem_page(request, problem, back=back)
    upstream = _origins(session, visit, offering)
    chain, result, profile = found.chain, found.result, found.resolved
    service = chain.services[offering]
    supplier = chain.suppliers.get(service.supplier)
    seq, digest = audit.last_entry(session, audit.chain_of(visit.workspace.id))
    asked = (
        ("at", found.at),
        ("period", found.period),
        ("profile", found.profile),
        ("since", _since_text(request)),
    )
    form = {k: v for k, v in asked if v}
    query = urlencode(form)
    base = f"/w/{quote(ws)}/report/{quote(offering)}"
    stored = _documents(session, visit)
    by_status: dict[Status, list[LinkResult]] = {status: [] for status, _ in REPORT_SECTIONS}
    for link in result.links:
        by_status[link.status].append(link)
    reached_first = scope_links(result)
    scope_table = _table(request, "scope", len(reached_first))
    tables = [scope_table]
    groups = []
    for status, heading in REPORT_SECTIONS:
        links = by_status[status]
        if links:
            table = _table(request, status.value, len(links))
            tables.append(table)
            groups.append((status, heading, table, [links[i] for i in table.pager.rows]))
    findings_table = _table(request, "findings", len(result.findings))
    tables.append(findings_table)
    pages = {t.param: str(t.pager.page) for t in tables if t.pager.paged and t.pager.page > 1}

    def href(table: Table) -> Callable[[int], str]:
        def to(number: int) -> str:
            kept = {**form, **pages, table.param: str(number)}
            if number == 1:
                del kept[table.param]
            return f"{base}?{urlencode(kept)}#{table.id}" if kept else f"{base}#{table.id}"

        return to

    shown = [link for *_, links in groups for link in links]
    summary = result.summary
    changes = None if since is None else changes_view(since[1])
    return page(
        request,
        "report.html",
        **page_context(
            request,
            visit,
            title=chain.title or service.name,
            offering=offering,
            offering_name=service.name,
            supplier_name=supplier.name if supplier else service.supplier,
            result=result,
            summary=summary,
            verdict_label=STATUS_STYLES[result.verdict].label,
            profile=profile,
            profiles=_profiles(chain),
            at=found.at,
            period=found.period,
            scope_table=scope_table,
            scope_rows=scope_rows((reached_first[i] for i in scope_table.pager.rows), chain),
            groups=groups,
            findings_table=findings_table,
            findings=[result.findings[i] for i in findings_table.pager.rows],
            paged=any(t.pager.paged for t in tables),
            page_size=REPORT_PAGE_SIZE,
            href={t.id: href(t) for t in tables},
            statuses=STATUS_STYLES,
            services=chain.services,
            bases=_bases_of(shown, found, stored),
            documents=stored,
            document_url=f"/api/v1/workspaces/{quote(ws)}/evidence/{{id}}/document",
            generated=now(request).replace(microsecond=0).isoformat(),
            forecast_url=(
                _forecast_url(ws, offering, date.fromisoformat(found.at), found.profile)
                if found.at
                else None
            ),
            # the forecast names services as the report does, not by their ids: the services
            # of the scope (a link out of scope never changes status) and the offerings
            forecast_names=script_json(
                {
                    sid: chain.services[sid].name
                    for sid in (*result.offerings, *(link.provider for link in reached_first))
                    if sid in chain.services
                }
            )
            if found.at
            else None,
            graph_words=graph_words,
            audit_seq=seq,
            audit_hash=digest,
            downloads=[
                *(
                    (f"{base}.{ext}" + (f"?{query}" if query else ""), label, "")
                    for ext, label in (  # the labels in words by the page (its ``t`` filter)
                        ("md", "Markdown"),
                        ("csv", N_("CSV (links)")),
                        ("xlsx", N_("XLSX worksheet")),
                        ("html", N_("Graph, offline HTML")),
                    )
                ),
                # the contract's document itself, as the API and `ketenkaart check` give it
                (_check_url(ws, offering, form), N_("JSON (the check)"), f"{offering}-check.json"),
            ],
            markdown_url=f"{base}.md" + (f"?{query}" if query else ""),
            since=_since_text(request),
            since_moment=None if since is None else since[0],
            changes=changes,
            change_links=[] if changes is None else changes.links[:CHANGES_PAGE_SIZE],
            change_entities=[] if changes is None else changes.entities[:CHANGES_PAGE_SIZE],
            changes_size=CHANGES_PAGE_SIZE,
            changes_url=None
            if since is None
            else f"/w/{quote(ws)}/changes?"
            + urlencode({"from": _since_text(request), "profile": found.profile}),
            upstream=upstream,
            graph_url=f"/w/{quote(ws)}/graph/{quote(offering)}" + (f"?{query}" if query else ""),
        ),
    )
