"""The ``markdown`` format of ``ketenkaart check``: a scoping report an auditor can hand over.

It states the offerings, the date or audit period and the profile used; the scope (every
sub-service the walk reached, with what it is and who supplies it); every link grouped by status
with its reasons; and the findings. The report is the Jinja template
``app/templates/reports/scoping.md.jinja``, rendered as plain text (Markdown is not HTML: no
autoescape); every label from the chain file goes through its ``md`` filter, :func:`md`, so a
supplier called ``<img src=x onerror=alert(1)>`` stays text wherever the report is rendered.
Ids and verdicts stand in code spans; the chain format allows no backtick in an id.

>>> md("a|b <i>*x*</i>")
'a\\\\|b &lt;i&gt;\\\\*x\\\\*&lt;/i&gt;'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from app.views.terminal import SEVERITY_WORDS, STATUS_WORDS, clean
from graph.i18n import N_, format_date, format_number, gettext, ngettext
from graph.model import Chain, Service
from graph.profiles import ResolvedProfile
from graph.verdicts import CheckResult, LinkResult, Status
from importers.basis import link_bases

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "reports"
"""The folder of the report templates."""

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_AS_IT_IS_NOT = re.compile(
    "[&<>\\\\`*_\\[\\]|~\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
"""A character :func:`md` changes: HTML, markup, a control character, or a white space other
than a plain space (its line breaks, tabs and wide spaces become one space)."""
_SECTIONS = (
    (Status.GAP, N_("Gaps: links without equivalent certification")),
    (Status.CONDITIONAL, N_("Conditional: links covered on conditions")),
    (Status.OK, N_("Covered: links with equivalent certification")),
    (Status.OUT_OF_SCOPE, N_("Out of scope")),
)


def md(text: str) -> str:
    """Escape text for a Markdown table cell: no HTML, no markup, no line breaks, and no
    control character (an escape sequence becomes ``?``, as on the terminal), so that the file
    is also safe to print.

    >>> print(md("Evil\x1b[2J <b>|*x*"))
    Evil?\\[2J &lt;b&gt;\\|\\*x\\*
    """
    if _as_it_is(text):  # most labels, ids, dates and reasons: a large report has millions
        return text
    return _escaped(text)


def _as_it_is(text: str) -> bool:
    """Whether :func:`md` gives ``text`` back unchanged (one scan: most text needs nothing)."""
    return (
        _AS_IT_IS_NOT.search(text) is None
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
    )


def _escaped(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return clean(" ".join(text.split()))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@functools.cache
def _template() -> jinja2.Template:
    import jinja2  # noqa: PLC0415 - only the markdown format needs it; `check` stays quick

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - Markdown, not HTML: every label goes through md
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Called as the report is written, in the language of the context (graph.i18n.using).
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True
    )
    environment.filters["md"] = md
    environment.filters["sentence"] = _sentence
    environment.filters["date"] = format_date
    environment.filters["number"] = format_number
    environment.filters["status"] = lambda status: gettext(STATUS_WORDS[status])
    environment.filters["severity"] = lambda severity: gettext(SEVERITY_WORDS[severity.value])
    return environment.get_template("scoping.md.jinja")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - slow import, needed here only

    try:
        return version("ketenkaart")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Named(NamedTuple):
    """A service named in the report: its name, its id, and its supplier's name."""

    name: str
    id: str
    supplier: str


class Reached(NamedTuple):
    """A row of the scope: a sub-service, the first link that reaches it, and what that
    dependency says (or the service, where the dependency says nothing)."""

    service: Service
    supplier: str
    link: LinkResult
    critical: bool
    personal_data: bool
    locations: tuple[str, ...]


class _Offering(NamedTuple):
    """An offering's part of the links: its links and their status groups, with headings."""

    name: str
    id: str
    links: list[LinkResult]
    sections: list[tuple[str, list[LinkResult]]]


def render_markdown(
    result: CheckResult,
    chain: Chain,
    profile: ResolvedProfile,
    *,
    stored: Collection[str] | None = None,
) -> str:
    """The check result as a Markdown scoping report.

    ``stored`` names the evidence whose document the service holds (the command line leaves it
    out: there a document is on record when the chain's ``document`` field names one).

    >>> from datetime import date
    >>> from graph.coverage import check
    >>> from graph.model import Chain, Dependency, Kind, Service, Supplier
    >>> from graph.profiles import ZEKER_ONLINE
    >>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A B.V.")},
    ...     services={s: Service(id=s, name=s.upper(), supplier="a", kind=Kind.SAAS)
    ...               for s in ("app", "db")},
    ...     dependencies={("app", "db"): Dependency("app", "db", role="database")})
    >>> report = render_markdown(check(chain, at=date(2026, 11, 27)), chain, ZEKER_ONLINE)
    >>> print(report.splitlines()[0])
    # Scoping report: APP
    >>> "| 1 | `app` → `db` | `NO_EVIDENCE` | — | no-evidence: No evidence for DB (db)" in report
    True
    """
    return "".join(iter_markdown(result, chain, profile, stored=stored))


def iter_markdown(
    result: CheckResult,
    chain: Chain,
    profile: ResolvedProfile,
    *,
    stored: Collection[str] | None = None,
    sections: Sequence[str] = (),
) -> Iterator[str]:
    """:func:`render_markdown`'s text in pieces, as the template makes them: a large register's
    report is sent while it is written, never held whole (ADR 29). What the report says is
    worked out here, before the first piece; only the writing is left to the pieces.

    ``sections`` are optional sections of the service's report, each Markdown text of its
    own heading, written after the rest in their order (:func:`origins_markdown`; the
    changes since a moment); without them the report is the command line's."""
    services, suppliers = chain.services, chain.suppliers
    return _template().generate(
        title=chain.title or " / ".join(services[o].name for o in result.offerings),
        offerings=[
            _Named(services[o].name, o, suppliers[services[o].supplier].name)
            for o in result.offerings
        ],
        result=result,
        summary=result.summary,
        profile=profile,
        version=_version(),
        scope=scope(result, chain),
        by_offering=[
            _Offering(
                services[offering].name,
                offering,
                links,
                [
                    (gettext(heading), group)
                    for status, heading in _SECTIONS
                    if (group := [link for link in links if link.status is status])
                ],
            )
            for offering, links in by_offering(result).items()
        ],
        bases=link_bases(result, chain, profile=profile, stored=stored),
        forecast=_forecast(result, chain, profile),
        sections=[text.rstrip("\n") for text in sections if text.strip()],
    )


def _forecast(result: CheckResult, chain: Chain, profile: ResolvedProfile) -> str | None:
    """The report's forecast section: what changes within a year of the check's date if no
    new evidence arrives (none over an audit period: it looks back, not ahead)."""
    if result.at is None:
        return None
    from app.views.forecast import render_markdown as forecast_markdown  # noqa: PLC0415 - cycle
    from graph.forecast import forecast  # noqa: PLC0415 - the forecast's own imports, here only

    ahead = forecast(
        chain, at=result.at, offerings=result.offerings, profile=profile, checked=result
    )
    return forecast_markdown(ahead, chain, steady=False).rstrip("\n")


def scope(result: CheckResult, chain: Chain) -> list[Reached]:
    """Every sub-service an in-scope link reaches, by the first such link (the scope of the
    Markdown report, and of the report page's table)."""
    return [reached(link, chain) for link in scope_links(result)]


def scope_links(result: CheckResult) -> list[LinkResult]:
    """The first in-scope link into each sub-service, in the result's order: the rows of the
    scope, before they are described (the report page describes only the rows it shows)."""
    first: dict[str, LinkResult] = {}
    for link in result.links:
        if link.status is not Status.OUT_OF_SCOPE:
            first.setdefault(link.provider, link)
    return list(first.values())


def reached(link: LinkResult, chain: Chain) -> Reached:
    """The scope's row of the sub-service ``link`` reaches first."""
    s = chain.services[link.provider]
    dep = chain.dependencies[(link.consumer, link.provider)]
    holder = chain.suppliers.get(s.supplier)
    return Reached(
        service=s,
        supplier=holder.name if holder else s.supplier,
        link=link,
        critical=dep.critical,
        personal_data=s.personal_data if dep.personal_data is None else dep.personal_data,
        locations=dep.locations or s.locations,
    )


def by_offering(result: CheckResult) -> dict[str, list[LinkResult]]:
    """The links each offering's walk reaches (over in-scope links), in the result's order.

    >>> from datetime import date
    >>> from graph.model import DateRange
    >>> from graph.verdicts import Verdict
    >>> def link(c, p, v=Verdict.NO_EVIDENCE):
    ...     return LinkResult(c, p, 1, (c, p), v, None, ())
    >>> result = CheckResult(("a", "b"), "zeker-online", date(2026, 11, 27), None,
    ...     (link("a", "x"), link("b", "x"), link("x", "y"), link("b", "z", Verdict.OUT_OF_SCOPE),
    ...      link("z", "w")), ())
    >>> {o: [f"{x.consumer}>{x.provider}" for x in ls] for o, ls in by_offering(result).items()}
    {'a': ['a>x', 'x>y'], 'b': ['b>x', 'x>y', 'b>z']}

    A check of one offering reached every link it holds from that offering (the walk records
    the links of every service it reaches over in-scope links), so its links are its own, with
    no second walk.
    """
    if len(result.offerings) == 1:
        return {result.offerings[0]: list(result.links)}
    below: dict[str, list[str]] = {}
    for link in result.links:
        if link.status is not Status.OUT_OF_SCOPE:
            below.setdefault(link.consumer, []).append(link.provider)
    grouped = {}
    for offering in result.offerings:
        seen, stack = {offering}, [offering]
        while stack:
            for provider in below.get(stack.pop(), ()):
                if provider not in seen:
                    seen.add(provider)
                    stack.append(provider)
        grouped[offering] = [link for link in result.links if link.consumer in seen]
    return grouped


_ORIGIN_KINDS = {
    "suppliers": N_("Supplier"),
    "services": N_("Service"),
    "dependencies": N_("Link"),
    "evidence": N_("Evidence"),
}


def origins_markdown(origins: Sequence[Mapping[str, object]]) -> str:
    """The report's section "Built on publications": each upstream entity of the report's
    register with its origin (:func:`app.publishing.origins_json`'s items: publisher,
    publication, version, fetched at, signature valid), as the graph page shows them; empty
    when nothing comes from a publication.

    >>> print(origins_markdown([{"section": "services", "id": "vm", "publisher": "Host|ing",
    ...     "publication": "h", "version": 2, "fetched_at": "2026-12-05T00:00:00Z",
    ...     "signature_valid": True}]).splitlines()[-1])
    | Service `vm` | Host\\|ing | h | 2 | 2026-12-05T00:00:00Z | holds |
    >>> origins_markdown([])
    ''
    """
    if not origins:
        return ""
    lines = [
        "## " + gettext("Built on publications"),
        "",
        gettext(
            "These parts of the chain come from other services' signed publications, as the "
            "version this register holds has them; this register does not change them."
        ),
        "",
        "| "
        + " | ".join(
            gettext(word)
            for word in (
                N_("Part of the chain"),
                N_("Publisher"),
                N_("Publication"),
                N_("Version"),
                N_("Fetched"),
                N_("Signature"),
            )
        )
        + " |",
        "|---|---|---|---:|---|---|",
    ]
    for origin in origins:
        kind = _ORIGIN_KINDS.get(str(origin["section"]))
        part = f"`{origin['id']}`" if kind is None else f"{gettext(kind)} `{origin['id']}`"
        holds = gettext("holds") if origin["signature_valid"] else f"**{gettext('does not hold')}**"
        cells = (
            part,
            md(str(origin["publisher"])),
            md(str(origin["publication"])),
            md(str(origin["version"])),
            md(str(origin["fetched_at"] or "")),
            holds,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
