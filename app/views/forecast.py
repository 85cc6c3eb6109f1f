"""The forecast as a person reads it: ``ketenkaart forecast`` in text and Markdown.

One line per change of status, in date order, with the sentences that explain the new verdict;
then the links that keep their status through the window. Every label from the chain passes
through :func:`app.views.terminal.clean` (text) or Markdown escaping, as the check's views do.
"""

from __future__ import annotations

from app.views.markdown import md
from app.views.terminal import STATUS_WORDS, clean
from graph.forecast import Change, Forecast
from graph.i18n import format_date, format_number, gettext, ngettext
from graph.model import Chain
from graph.verdicts import LinkResult


def _label(chain: Chain, service: str) -> str:
    found = chain.services.get(service)
    return f"{found.name} ({service})" if found is not None and found.name != service else service


def _arrow(chain: Chain, consumer: str, provider: str) -> str:
    return f"{clean(_label(chain, consumer))} -> {clean(_label(chain, provider))}"


def _status(link: LinkResult) -> str:
    return gettext(STATUS_WORDS[link.status])


def _headline(forecast: Forecast) -> str:
    return gettext(
        "What changes from {start} to {end} if no new evidence arrives (profile {profile}):"
    ).format(
        start=format_date(forecast.at), end=format_date(forecast.until), profile=forecast.profile
    )


def why(change: Change, chain: Chain) -> list[str]:
    """The sentences that explain a change: first, for a link its consumer's report included
    the day before, why that report no longer does; then the new verdict's reasons."""
    lapsed = []
    if change.inclusion_lapsed:
        lead = gettext("The report of {consumer} that included it no longer counts:").format(
            consumer=_label(chain, change.consumer)
        )
        lapsed = [f"{lead} {change.inclusion_lapsed[0].message}"]
        lapsed += [reason.message for reason in change.inclusion_lapsed[1:]]
    if change.after.reasons:
        return lapsed + [reason.message for reason in change.after.reasons]
    if change.after.evidence is not None:
        counts = gettext("{evidence} counts for the link.").format(evidence=change.after.evidence)
        return [*lapsed, counts]
    return lapsed


def _steady(forecast: Forecast) -> list[LinkResult]:
    changed = {(c.consumer, c.provider) for c in forecast.changes}
    return [link for link in forecast.links if (link.consumer, link.provider) not in changed]


def render_text(forecast: Forecast, chain: Chain) -> str:
    """The forecast as plain text for a terminal or a mail."""
    lines = [_headline(forecast), ""]
    if not forecast.changes:
        lines.append(gettext("No link changes status."))
    for change in forecast.changes:
        lines.append(
            f"{format_date(change.on)}  {_arrow(chain, change.consumer, change.provider)}: "
            f"{_status(change.before)} -> {_status(change.after)}"
        )
        lines += [f"    {clean(sentence)}" for sentence in why(change, chain)]
    steady = _steady(forecast)
    if steady:
        lines += [
            "",
            ngettext(
                "{count} link keeps its status:",
                "{count} links keep their status:",
                len(steady),
            ).format(count=format_number(len(steady))),
        ]
        lines += [
            f"    {_arrow(chain, link.consumer, link.provider)}: {_status(link)}" for link in steady
        ]
    return "\n".join(lines) + "\n"


def render_markdown(forecast: Forecast, chain: Chain, *, steady: bool = True) -> str:
    """The forecast as a Markdown section; the scoping report leaves out the links that keep
    their status (``steady``), its tables list them all already."""
    lines = ["## " + gettext("What changes next"), "", _headline(forecast), ""]
    if not forecast.changes:
        lines.append(gettext("No link changes status."))
    else:
        lines += [
            "| {} | {} | {} | {} | {} |".format(
                gettext("Date"), gettext("Link"), gettext("Now"), gettext("Then"), gettext("Why")
            ),
            "|---|---|---|---|---|",
        ]
        lines += [
            "| {} | {} → {} | {} | {} | {} |".format(
                format_date(change.on),
                md(_label(chain, change.consumer)),
                md(_label(chain, change.provider)),
                _status(change.before),
                _status(change.after),
                " ".join(md(sentence) for sentence in why(change, chain)),
            )
            for change in forecast.changes
        ]
    kept = _steady(forecast) if steady else []
    if kept:
        lines += [
            "",
            ngettext(
                "{count} link keeps its status:",
                "{count} links keep their status:",
                len(kept),
            ).format(count=format_number(len(kept))),
            "",
        ]
        lines += [
            f"- {md(_label(chain, link.consumer))} → {md(_label(chain, link.provider))}: "
            f"{_status(link)}"
            for link in kept
        ]
    return "\n".join(lines) + "\n"
