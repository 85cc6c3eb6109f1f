"""The interactive graph view of an offering: payload, layout, page context and offline file.

The whole view is data built here, in Python, and drawn in the browser by ``app/static/graph.js``
with the vis-network library that pyvis bundles (served by the app itself, never from a CDN).
The services are the nodes, shaped by kind; the links are the edges, coloured by status, with the
status also in words (tooltip, edge label on small graphs, legend, table) and in the line's
pattern. The layout is a tidy tree by rank computed here, read from left to right (the offering
in the first column, each rank in the next), so a chain looks the same on every visit and the
browser never runs a physics simulation. Services stack down a column, each given the height its
label needs, so a chain of tens of services reads at a legible size on a laptop's screen.

The data goes into the page as a ``<script type="application/json">`` block through
:func:`script_json`, which escapes ``<``, ``>``, ``&`` and the two JavaScript line separators, so
no label can end the block; the script reads it with ``JSON.parse`` and puts every label in the
page as text.

>>> from datetime import date
>>> from graph.coverage import check
>>> from graph.model import Chain, Dependency, Kind, Service, Supplier
>>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A B.V.")},
...     services={s: Service(id=s, name=s.upper(), supplier="a", kind=Kind.SAAS)
...               for s in ("app", "db")},
...     dependencies={("app", "db"): Dependency("app", "db")})
>>> payload = graph_payload(chain, check(chain, at=date(2026, 11, 27)), offering="app",
...                         document_url=None)
>>> [(n["id"], n["level"], n["y"]) for n in payload["nodes"]], payload["edges"][0]["status"]
([('app', 0, 25), ('db', 1, 25)], 'gap')
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from app.views.pages import install_i18n
from graph import i18n
from graph.i18n import N_
from graph.model import Chain, DateRange, Evidence, Kind, Profile
from graph.verdicts import CheckResult, LinkResult, ReasonCode, Status, Verdict
from importers.basis import carve_out_notes, dates_of
from importers.gcpause import paused

if TYPE_CHECKING:
    from datetime import date

    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.templating import Jinja2Templates

    from graph.profiles import ResolvedProfile

APP = Path(__file__).resolve().parents[1]
TEMPLATES = APP / "templates"
STATIC = APP / "static"
GRAPH_TEMPLATE = "graph.html"
"""The page template, for ``Jinja2Templates(directory=TEMPLATES)``; it extends ``base.html``."""

PAYLOAD_VERSION = 2
X_GAP = 250  # horizontal distance between two ranks (columns), in pixels at scale 1
Y_GAP = 24  # the least vertical space between two services of a column
LABEL_WIDTH = 150  # the widest a node's label is drawn (graph.js wraps it there)
_CHAR_WIDTH = 8.5  # the mean width of a character at the node font (14 px), to estimate wraps
_LINE_HEIGHT = 19  # height of a label line at the node font
_SHAPE = 28 + 12  # a hexagon or diamond (size 14) and the gap to its label below
_BOX_MARGINS = 12  # margins above and below the label in a box, ellipse or database
_DATABASE_SIDES = 16  # the database shape's margins left and right


@dataclass(frozen=True, slots=True)
class StatusStyle:
    """How the graph shows a link status: in words, in colour and in line pattern."""

    label: str
    meaning: str
    color: str
    dashes: tuple[int, ...]
    width: float


STATUS_STYLES: Mapping[Status, StatusStyle] = {
    Status.GAP: StatusStyle(N_("gap"), N_("no equivalent certification"), "#cf222e", (), 3.0),
    Status.CONDITIONAL: StatusStyle(
        N_("conditional"), N_("covered on conditions"), "#9a6700", (10, 6), 2.0
    ),
    Status.OK: StatusStyle(N_("ok"), N_("equivalent certification"), "#1a7f37", (), 1.5),
    Status.OUT_OF_SCOPE: StatusStyle(
        N_("out of scope"), N_("not relevant"), "#6e7781", (2, 6), 1.5
    ),
}
"""Worst first, the order of the legend and the filters. Never colour alone: each status has a
word and, but for ok and gap (told apart by width as well), a dash pattern. The words are
English; a page translates them where it shows them (``| t``, :func:`graph_words`)."""

KIND_STYLES: Mapping[Kind, tuple[str, str]] = {
    kind: (kind.label, shape)
    for kind, shape in (
        (Kind.SAAS, "box"),
        (Kind.PAAS, "ellipse"),
        (Kind.IAAS, "database"),
        (Kind.MANAGED, "hexagon"),
        (Kind.OTHER, "diamond"),
    )
}
"""Per kind: the word and the vis-network shape of its nodes."""

# The English texts of app/static/graph.js, which reads their translations from the page's
# "graph-words" block (tests/app/test_languages.py holds this list to the script's t() calls).
GRAPH_TEXTS = (
    # app/static/forecast.js, the graph page's forecast
    N_("No link changes status within a year if no new evidence arrives."),
    N_("The report of {consumer} that included it no longer counts:"),
    N_("{n} changes of status within a year if no new evidence arrives, the soonest first:"),
    N_("and {n} more; the scoping report lists every change."),
    N_("The service is busy; open the page again shortly."),
    N_("What changes next could not be worked out ({status})."),
    # app/static/graph.js
    N_("unknown supplier"),
    N_("[+{n} hidden below]"),
    N_("{kind} of {supplier}"),
    N_("Locations: {list}"),
    N_("The offering"),
    N_("Link: {status}"),
    N_("{links} into this service"),
    N_("Status: {status}"),
    N_("Links by status"),
    N_("Services by kind"),
    N_("all ranks"),
    N_("up to rank {n}"),
    N_("name, id or supplier"),
    N_("Find a service"),
    N_("Show"),
    N_("Fit to screen"),
    N_("Clear highlight"),
    N_("Legend"),
    N_("Legend:"),
    N_(
        "Click a service or a link for its verdict and reasons; double-click a service to "
        "collapse or expand what hangs below it."
    ),
    N_("Graph of {links}; the table below lists the same links"),
    N_("Details"),
    N_("The graph library did not load; the table below lists the links."),
    N_(
        "This chain of {services} does not fit at a readable size: the graph shows the part "
        "from the offering on. Drag to move, scroll to zoom, or use \u201cFit to screen\u201d "
        "for the whole chain; the table below lists every link."
    ),
    N_(
        "Click a service or a link in the graph, pick a row of the table, or find a service "
        "by name."
    ),
    N_("No link matches these filters: tick more statuses or kinds, or show more ranks."),
    N_("Service"),
    N_("Kind"),
    N_("Supplier"),
    N_("Locations"),
    N_("Rank"),
    N_("the offering"),
    N_("Highlight the path from the offering"),
    N_("Expand what hangs below"),
    N_("Collapse what hangs below"),
    N_("Path: {path}"),
    N_("This service is hidden by the filters, the depth or a collapsed service above it."),
    N_("The link into this service"),
    N_("and {n} more; the table lists every link."),
    N_("Relies on {services}"),
    N_("Link"),
    N_("relies on"),
    N_("rank {n}"),
    N_("critical"),
    N_("for {role}"),
    N_("Days not covered: {days}"),
    N_("Days bridged by a bridge letter: {days}"),
    N_("Evidence"),
    N_("Scheme"),
    N_("Holder"),
    N_("Dates"),
    N_("Issuer"),
    N_("Document seen"),
    N_("Open the document"),
    N_("Document: {name}"),
    N_("Evidence: {id}"),
    N_("{services} found"),
    N_("No service found"),
    N_("From"),
    N_("To"),
    N_("Status"),
    N_("Verdict"),
    N_("any text in a row"),
    N_("Previous page"),
    N_("Next page"),
    N_("Links"),
    N_(
        "The same links as the graph, following its status, kind and rank filters. Arrow keys move "
        "between rows; Enter shows a row's link in the panel."
    ),
    N_("Filter the table"),
    N_("No link matches."),
    N_("Links {first}\u2013{last} of {total}"),
    N_("{links} of {total}, sorted by {column}"),
    N_("{links} of {total}, sorted by {column}, descending"),
    N_("{n} link"),
    N_("{n} links"),
    N_("{n} service"),
    N_("{n} services"),
)


def graph_words() -> Markup:
    """The ``graph-words`` data block of a graph page, in the request's language: graph.js's
    texts, the statuses' and kinds' words, and the thousands separator. English has no block
    (the script's own texts are English), so the English page is as it was.

    >>> str(graph_words())
    ''
    >>> with i18n.using("pseudo"):
    ...     words = json.loads(str(graph_words()))
    >>> words["texts"]["Show"], words["statuses"]["gap"]["label"], words["kinds"]["other"]
    ('⟦Show⟧', '⟦gap⟧', '⟦other service⟧')
    """
    if i18n.current() == i18n.DEFAULT:
        return Markup("")
    gettext = i18n.gettext
    return script_json(
        {
            "texts": {text: gettext(text) for text in GRAPH_TEXTS},
            "statuses": {
                status.value: {"label": gettext(style.label), "meaning": gettext(style.meaning)}
                for status, style in STATUS_STYLES.items()
            },
            "kinds": {kind.value: gettext(label) for kind, (label, _) in KIND_STYLES.items()},
            "thousands": i18n.format_number(1000).strip("⟦⟧")[1:-3] or ",",
        }
    )


def vis_directory() -> Path:
    """The folder of the vis-network files pyvis ships, to mount as static files.

    Mount it under the name ``vis`` (the template asks ``url_for('vis', path=...)``), before a
    mount whose path is a prefix of it::

        app.mount("/static/vis", StaticFiles(directory=vis_directory()), name="vis")

    >>> sorted(p.name for p in vis_directory().iterdir())
    ['vis-network.css', 'vis-network.min.js']
    """
    spec = importlib.util.find_spec("pyvis")  # found, not imported: the view builds no Network
    if spec is None or spec.origin is None:
        raise RuntimeError("pyvis is not installed: the graph view serves its vis-network files")
    return Path(spec.origin).resolve().parent / "lib" / "vis-9.1.2"


def vis_assets() -> dict[str, Path]:
    """The vis-network script and style sheet, by the file name the template asks for.

    >>> sorted(vis_assets())
    ['vis-network.css', 'vis-network.min.js']
    """
    folder = vis_directory()
    return {name: folder / name for name in ("vis-network.min.js", "vis-network.css")}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a service stands in the layout: its column (rank) and its place down the column."""

    level: int
    y: int
    parent: str | None


def _lines(text: str) -> int:
    """How many lines ``text`` takes wrapped at ``LABEL_WIDTH`` (an estimate, words kept whole)."""
    per_line = max(1, int(LABEL_WIDTH / _CHAR_WIDTH))
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used += (1 if used else 0) + len(word)
        while used > per_line:  # a word longer than a line is broken
            lines, used = lines + 1, used - per_line
    return lines


def node_height(text: str, shape: str) -> int:
    """The height a node of ``shape`` with the label ``text`` (lines apart by ``\\n``) needs.

    >>> node_height("Managed Postgres\\nDbco B.V.", "box"), node_height("DC\\nDcco", "diamond")
    (50, 78)
    >>> node_height("Compute\\nCloud B.V.", "database")
    101
    """
    lines = text.split("\n")
    text_height = sum(_lines(line) for line in lines) * _LINE_HEIGHT
    if shape in ("hexagon", "diamond"):
        return _SHAPE + text_height
    if shape == "database":  # vis-network draws it as tall as its label is wide
        longest = max(len(word) for line in lines for word in [*line.split(), ""])
        widest = max(longest, *(min(len(line), int(LABEL_WIDTH / _CHAR_WIDTH)) for line in lines))
        return max(text_height + _BOX_MARGINS, round(widest * _CHAR_WIDTH) + _DATABASE_SIDES)
    return text_height + _BOX_MARGINS


def layout(
    result: CheckResult, *, offering: str, heights: Mapping[str, int] | None = None
) -> dict[str, Place]:
    """A tidy tree by rank, left to right: the offerings in the first column, rank 1 next, ...

    Each service hangs under its parent, the consumer on its shortest path from an offering
    (ties: the smallest path). Leaves stack down in depth-first order with the children of a
    service sorted by id, each ``Y_GAP`` below the one before (more when its height needs it); a
    parent stands beside the middle of its children, or lower when a service above it in its
    column needs the room. So the order within a rank follows the parents' order, then the ids,
    and the same chain gives the same picture whatever the order of its file.

    Parameters
    ----------
    result
        The check of the chain.
    offering
        The offering to put first (on top); the others follow in the result's order.
    heights
        Each service's height in pixels (:func:`node_height`); 40 for one not given.

    >>> from graph.verdicts import LinkResult, Verdict
    >>> links = tuple(LinkResult(c, p, r, path, Verdict.NO_EVIDENCE, None, ())
    ...               for c, p, r, path in [("app", "db", 1, ("app", "db")),
    ...                                     ("app", "cdn", 1, ("app", "cdn")),
    ...                                     ("db", "dc", 2, ("app", "db", "dc")),
    ...                                     ("cdn", "dc", 2, ("app", "cdn", "dc"))])
    >>> r = CheckResult(("app",), "zeker-online", None, None, links, ())
    >>> {s: (p.level, p.y, p.parent) for s, p in sorted(layout(r, offering="app").items())}
    {'app': (0, 52, None), 'cdn': (1, 20, 'app'), 'db': (1, 84, 'app'), 'dc': (2, 20, 'cdn')}
    """
    roots = [offering, *(o for o in result.offerings if o != offering)]
    best: dict[str, LinkResult] = {}
    for link in result.links:
        p = link.provider
        if p in roots:
            continue
        found = best.get(p)
        if found is None or (link.rank, link.path) < (found.rank, found.path):
            best[p] = link
    children: dict[str, list[str]] = defaultdict(list)
    for p, link in best.items():
        children[link.consumer].append(p)
    size = heights or {}
    places: dict[str, Place] = {}
    below = 0  # the lowest edge of the leaves so far
    free: dict[int, int] = {}  # per column, the lowest edge of its services so far
    for root in roots:
        # Depth first, without recursion: a chain may be thousands of ranks deep.
        stack: list[tuple[str, int, str | None, bool]] = [(root, 0, None, False)]
        xs: dict[str, list[int]] = defaultdict(list)
        while stack:
            node, level, parent, done = stack.pop()
            kids = sorted(children.get(node, ()))
            if not done and kids:
                stack.append((node, level, parent, True))
                stack.extend((k, level + 1, node, False) for k in reversed(kids))
                continue
            half = size.get(node, 40) // 2
            if kids:
                y = (xs[node][0] + xs[node][-1]) // 2
            else:
                y = below + (Y_GAP if places else 0) + half
            if level in free:
                y = max(y, free[level] + Y_GAP + half)
            free[level] = y + half
            if not kids:
                below = max(below, y + half)
            places[node] = Place(level, y, parent)
            if parent is not None:
                xs[parent].append(y)
    return places


# Enum members' values by member: reading ``.value`` is a property call, 5 µs each in
# Python 3.11, and a 20,000-service register's graph reads it 100,000 times.
_STATUSES = {s: s.value for s in Status}
_VERDICTS = {v: v.value for v in Verdict}
_CODES = {c: c.value for c in ReasonCode}
_KINDS = {k: k.value for k in Kind}


def _range(r: DateRange) -> str:
    """A range of days in the request's language (``2026-01-01 to 2026-06-30`` in English)."""
    return i18n.gettext("{start} to {end}").format(
        start=i18n.format_date(r.start), end=i18n.format_date(r.end)
    )


_TYPES = {1: N_("type 1"), 2: N_("type 2")}
"""An assurance report's type in words (type I and type II in Dutch)."""


def _evidence_json(
    e: Evidence,
    chain: Chain,
    document_url: str | None,
    documents: Collection[str] | None,
    *,
    profile: ResolvedProfile | None,
    at: date | None,
) -> dict[str, Any]:
    holder = chain.suppliers.get(e.holder)
    gettext = i18n.gettext
    # the report's words: the bridge letter, and until when it counts under the profile
    when = dates_of(e, profile, at)
    linked = document_url is not None and (documents is None or e.id in documents)
    kind = _TYPES.get(e.type, f"type {e.type}") if e.type is not None else None
    return {
        "id": e.id,
        "scheme": gettext(e.scheme.label) + (f" {gettext(kind)}" if kind else ""),
        "holder": e.holder,
        "holderName": holder.name if holder else e.holder,
        "when": when,
        "issuer": e.issuer,
        "verification": gettext(e.verification.value),
        "document": document_url.format(id=quote(e.id, safe=""))
        if linked and document_url
        else None,
        "documentName": e.document.name if e.document is not None else None,
    }


def _nodes(
    chain: Chain, result: CheckResult, offering: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The drawn services in their places, and their suppliers' names by id."""
    services, suppliers = chain.services, chain.suppliers
    drawn = {offering}  # only the services drawn are measured (a register holds many more)
    for link in result.links:
        drawn.add(link.consumer)
        drawn.add(link.provider)
    heights = {}
    for sid in drawn:
        known = services.get(sid)
        if known is not None:
            owner = suppliers.get(known.supplier)
            text = f"{known.name}\n{owner.name if owner else known.supplier}"
            heights[sid] = node_height(text, KIND_STYLES[known.kind][1])
    places = layout(result, offering=offering, heights=heights)
    nodes = []
    names: dict[str, str] = {}
    for sid in sorted(places, key=lambda s: (places[s].level, places[s].y, s)):
        place, service = places[sid], services.get(sid)
        node: dict[str, Any] = {"id": sid, "name": sid, "kind": Kind.OTHER.value}
        if service is not None:
            node.update(name=service.name, supplier=service.supplier, kind=_KINDS[service.kind])
            supplier = suppliers.get(service.supplier)
            if supplier is not None:
                names[supplier.id] = supplier.name
            if service.locations:
                node["locations"] = list(service.locations)
        node["level"] = place.level
        node["y"] = place.y
        if place.parent is not None:
            node["parent"] = place.parent
        nodes.append(node)
    return nodes, names


def graph_payload(
    chain: Chain,
    result: CheckResult,
    *,
    offering: str,
    document_url: str | None,
    documents: Collection[str] | None = None,
    profile: ResolvedProfile | None = None,
) -> dict[str, Any]:
    """Everything the page draws: nodes with their places, links, reason sentences, evidence.

    Parameters
    ----------
    chain
        The chain that was checked.
    result
        Its check; every link of it is drawn.
    offering
        The offering the view is of (put first; the path highlight starts at an offering).
    document_url
        A format string with the field ``{id}`` (the evidence id, URL-quoted) giving the address
        of a piece's document, e.g. ``"/w/ws1/evidence/{id}/document"``; ``None`` for no links.
    documents
        The ids of the evidence that has a document; ``None`` links every piece.
    profile
        The profile the result was judged by: a piece's dates then say until when it counts
        (with its bridge letter), as the scoping report's basis does.

    Returns
    -------
    dict
        Plain JSON data, each fact once (a 20,000-service register's page carries it all):
        ``nodes`` (id, name, supplier, kind, level, y, and where there are any, locations and
        parent; a node stands at ``level * xGap``), ``suppliers`` (each drawn service's supplier's
        name, by id), ``edges`` (from, to, rank, status, verdict, indices into ``reasons``, and
        where there are any, evidence id, role, critical, uncovered and bridged days; an edge's
        id is its place in the list), ``reasons`` (each distinct ``[code, sentence]`` once),
        ``evidence`` (the deciding pieces by id), and the ``statuses`` and ``kinds`` of the
        legend. ``graph.js`` fills in what is left out.

    Raises
    ------
    ValueError
        When ``offering`` is not one of the result's offerings, or ``document_url`` has another
        field than ``{id}``.

    >>> from graph.model import Chain, Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A")},
    ...     services={"app": Service(id="app", name="App", supplier="a", kind=Kind.SAAS)})
    >>> empty = CheckResult(("app",), "zeker-online", None, None, (), ())
    >>> graph_payload(chain, empty, offering="app", document_url=None)["nodes"][0]["name"]
    'App'
    """
    if offering not in result.offerings:
        raise ValueError(
            f"offering {offering!r}: not among the checked offerings "
            f"({', '.join(result.offerings)})"
        )
    if document_url is not None:
        try:
            document_url.format(id="x")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"document_url {document_url!r}: only the field {{id}} can be filled ({error})"
            ) from None
    services = chain.services
    nodes, names = _nodes(chain, result, offering)
    reasons: dict[tuple[str, str], int] = {}
    edges = []
    used: dict[str, Evidence] = {}
    notes = carve_out_notes(result, chain)  # as the scoping report notes them
    for link in result.links:
        dependency = chain.dependencies.get((link.consumer, link.provider))
        verdict = link.verdict
        edge: dict[str, Any] = {
            "from": link.consumer,
            "to": link.provider,
            "rank": link.rank,
            "status": _STATUSES[verdict.status],
            "verdict": _VERDICTS[verdict],
            "reasons": [
                reasons.setdefault((_CODES[r.code], r.message), len(reasons)) for r in link.reasons
            ],
        }
        if link.evidence is not None:
            edge["evidence"] = link.evidence
            if link.evidence in chain.evidence:
                used[link.evidence] = chain.evidence[link.evidence]
        if dependency is not None and dependency.role:
            edge["role"] = dependency.role
        if dependency is not None and dependency.critical:
            edge["critical"] = True
        note = notes.get((link.consumer, link.provider))
        if note:
            edge["notes"] = list(note)
        if link.uncovered:
            edge["uncovered"] = [_range(r) for r in link.uncovered]
        if link.bridged:
            edge["bridged"] = [_range(r) for r in link.bridged]
        edges.append(edge)
    return {
        "version": PAYLOAD_VERSION,
        "labelWidth": LABEL_WIDTH,
        "xGap": X_GAP,
        "offering": offering,
        "offerings": list(result.offerings),
        "title": chain.title or (services[offering].name if offering in services else offering),
        "at": result.at.isoformat() if result.at else None,
        "period": _range(result.period) if result.period else None,
        "profile": result.profile,
        "verdict": result.verdict.value,
        "summary": dict(result.summary),
        "statuses": [
            {
                "id": status.value,
                "label": style.label,
                "meaning": style.meaning,
                "color": style.color,
                "dashes": list(style.dashes) or False,
                "width": style.width,
            }
            for status, style in STATUS_STYLES.items()
        ],
        "kinds": [
            {"id": kind.value, "label": label, "shape": shape}
            for kind, (label, shape) in KIND_STYLES.items()
        ],
        "nodes": nodes,
        "suppliers": dict(sorted(names.items())),
        "edges": edges,
        "reasons": [list(key) for key in reasons],
        "evidence": {
            eid: _evidence_json(e, chain, document_url, documents, profile=profile, at=result.at)
            for eid, e in sorted(used.items())
        },
    }


_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: no text in it can end the block.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026`` (JSON reads them back
    unchanged), as do U+2028 and U+2029. The result is marked safe for Jinja: inside a script
    element HTML entities are not decoded, so it must not be HTML-escaped again.

    >>> print(script_json({"name": "</script><b>&"}))
    {"name":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}
    >>> json.loads(script_json(["\\u2028"])) == ["\\u2028"]
    True
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(text.translate(_SCRIPT_ESCAPES))  # noqa: S704 - escaped for the script block above


def graph_context(
    chain: Chain,
    result: CheckResult,
    *,
    offering: str,
    document_url: str | None,
    documents: Collection[str] | None = None,
    profiles: Iterable[Profile | str] = (),
    at: str | None = None,
    period: str | None = None,
    resolved: ResolvedProfile | None = None,
) -> dict[str, Any]:
    """The variables of ``graph.html`` (add the request, user, csrf_token, messages).

    ``at``, ``period`` and the profile are the values of the page's GET form (``at=YYYY-MM-DD``,
    ``period=FROM..TO``, ``profile=ID``), shown as given; they default to the result's.
    ``resolved`` is the profile the result was judged by (see :func:`graph_payload`).

    >>> from graph.model import Chain, Kind, Service, Supplier
    >>> from datetime import date
    >>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A")},
    ...     services={"app": Service(id="app", name="App", supplier="a", kind=Kind.SAAS)})
    >>> r = CheckResult(("app",), "zeker-online", date(2026, 11, 27), None, (), ())
    >>> c = graph_context(chain, r, offering="app", document_url=None, profiles=["zeker-online"])
    >>> c["at"], c["profiles"], c["verdict"]
    ('2026-11-27', ['zeker-online'], 'ok')

    The payload is built with Python's cyclic garbage collector paused
    (:func:`importers.gcpause.paused`, which resumes it after): the payload is plain dicts and
    lists without cycles, and at 20,000 services the collector spent nearly half the time
    traversing the chain's and the check's millions of objects for nothing (ADR 28).
    """
    payload, graph_json = _drawn(
        chain, result, offering, document_url=document_url, documents=documents, resolved=resolved
    )
    ids = [p.id if isinstance(p, Profile) else p for p in profiles]
    if result.profile not in ids:
        ids.insert(0, result.profile)
    if at is None and period is None:
        at = result.at.isoformat() if result.at else None
        period = (
            f"{result.period.start.isoformat()}..{result.period.end.isoformat()}"
            if result.period
            else None
        )
    return {
        "title": payload["title"],
        "offering": offering,
        "offering_name": chain.services[offering].name if offering in chain.services else offering,
        "verdict": result.verdict.value,
        "verdict_label": STATUS_STYLES[result.verdict].label,
        "summary": payload["summary"],
        "statuses": STATUS_STYLES,
        "at": at or "",
        "period": period or "",
        "profile": result.profile,
        "profiles": ids,
        "graph_json": graph_json,
        "graph_words": graph_words,
    }


def _drawn(
    chain: Chain,
    result: CheckResult,
    offering: str,
    *,
    document_url: str | None,
    documents: Collection[str] | None,
    resolved: ResolvedProfile | None,
) -> tuple[dict[str, Any], Markup]:
    """:func:`graph_payload` and its JSON for the page's script block, made with the cyclic
    garbage collector paused (see :func:`graph_context`)."""
    with paused():  # the payload makes no cycles
        payload = graph_payload(
            chain,
            result,
            offering=offering,
            document_url=document_url,
            documents=documents,
            profile=resolved,
        )
        return payload, script_json(payload)


def render_graph_page(
    templates: Jinja2Templates,
    request: Request,
    chain: Chain,
    result: CheckResult,
    *,
    offering: str,
    document_url: str | None,
    documents: Collection[str] | None = None,
    profiles: Iterable[Profile | str] = (),
    at: str | None = None,
    period: str | None = None,
    extra: Mapping[str, Any] | None = None,
    resolved: ResolvedProfile | None = None,
) -> Response:
    """The graph page as a response: ``graph.html`` with :func:`graph_context` and ``extra``.

    The page needs the mounts ``static`` (``app/static``) and ``vis`` (:func:`vis_directory`).
    """
    context = graph_context(
        chain,
        result,
        offering=offering,
        document_url=document_url,
        documents=documents,
        profiles=profiles,
        at=at,
        period=period,
        resolved=resolved,
    )
    install_i18n(templates.env)  # the pages' environment has it; another gets it here
    return templates.TemplateResponse(request, GRAPH_TEMPLATE, {**context, **(extra or {})})


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _inline(text: str, tag: str, where: str) -> str:
    if f"</{tag}" in text.lower() or "<!--" in text:
        raise ValueError(f"{where}: holds '</{tag}' or '<!--' and cannot be inlined")
    return text


def offline_html(
    chain: Chain,
    result: CheckResult,
    *,
    offering: str,
    document_url: str | None = None,
    documents: Collection[str] | None = None,
    resolved: ResolvedProfile | None = None,
) -> bytes:
    """One self-contained HTML file of the graph that works from ``file://``, offline.

    vis-network, the page's script and style sheets and the data are inlined; a meta Content
    Security Policy allows exactly those inline scripts and styles (by their SHA-256) and
    nothing from any host. Evidence documents are linked only when ``document_url`` is given
    (then as absolute addresses, the file being opened elsewhere).

    >>> from graph.model import Chain, Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A")},
    ...     services={"app": Service(id="app", name="App", supplier="a", kind=Kind.SAAS)})
    >>> page = offline_html(chain, CheckResult(("app",), "zeker-online", None, None, (), ()),
    ...                     offering="app")
    >>> import html
    >>> text = html.unescape(page.decode())
    >>> text.startswith("<!doctype html>"), "script-src 'sha256-" in text, " src=" in text
    (True, True, False)
    """
    payload, graph_json = _drawn(
        chain, result, offering, document_url=document_url, documents=documents, resolved=resolved
    )
    assets = vis_assets()
    scripts = [
        _inline(assets["vis-network.min.js"].read_text(encoding="utf-8"), "script", "vis-network"),
        *(
            _inline((STATIC / name).read_text(encoding="utf-8"), "script", name)
            for name in ("words.js", "graph.js", "wide.js")  # wide.js: the table on a phone
        ),
    ]
    styles = [
        _inline(assets["vis-network.css"].read_text(encoding="utf-8"), "style", "vis-network.css"),
        *(
            _inline(path.read_text(encoding="utf-8"), "style", path.name)
            for path in (STATIC / "app.css", STATIC / "graph.css")
            if path.exists()
        ),
    ]
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_sha256(s) for s in scripts),
            "style-src " + " ".join(_sha256(s) for s in styles),
            "img-src data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    install_i18n(environment)
    page = environment.get_template("graph_offline.html").render(
        title=payload["title"],
        verdict=result.verdict.value,
        verdict_label=STATUS_STYLES[result.verdict].label,
        statuses=STATUS_STYLES,
        summary=payload["summary"],
        when=(
            i18n.gettext("audit period {period}").format(period=payload["period"])
            if payload["period"]
            else i18n.gettext("at {day}").format(
                day=i18n.format_date(result.at) if result.at else payload["at"]
            )
        ),
        profile=result.profile,
        csp=csp,
        scripts=[Markup(s) for s in scripts],  # noqa: S704 - our own files, checked by _inline
        styles=[Markup(s) for s in styles],  # noqa: S704 - same
        graph_json=graph_json,
        graph_words=graph_words,
    )
    return page.encode("utf-8")
