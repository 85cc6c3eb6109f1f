"""The ``text`` format of ``ketenkaart check``: a table for a terminal, coloured when it is one.

Every label from the chain file passes through :func:`clean` first, so that a supplier name cannot
smuggle terminal escape sequences onto an auditor's screen.

>>> clean("Evil\\x1b[2J Corp")
'Evil?[2J Corp'
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import TextIO

from graph.i18n import N_, format_date, format_number, gettext, ngettext
from graph.model import Chain
from graph.profiles import ResolvedProfile
from graph.verdicts import CheckResult, LinkResult, Status, Verdict
from importers.basis import basis_of

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STATUS_COLOUR = {
    Status.OK: "32",  # green
    Status.CONDITIONAL: "33",  # yellow
    Status.GAP: "31",  # red
    Status.OUT_OF_SCOPE: "90",  # grey
}
_STATUS_ORDER = (Status.GAP, Status.CONDITIONAL, Status.OK, Status.OUT_OF_SCOPE)
STATUS_WORDS = {
    Status.OK: N_("ok"),
    Status.CONDITIONAL: N_("conditional"),
    Status.GAP: N_("gap"),
    Status.OUT_OF_SCOPE: N_("out-of-scope"),
}
"""A status in the table's words (English: its code), translated where it is written."""
SEVERITY_WORDS = {"warning": N_("warning"), "info": N_("info")}
"""A finding's severity in words (English: its code)."""


def clean(text: str) -> str:
    """Replace control characters (escape sequences, carriage returns) with ``?``."""
    return _CONTROL.sub("?", text)


def wants_colour(stream: TextIO) -> bool:
    """Colour for a terminal, unless ``NO_COLOR`` is set; ``FORCE_COLOR`` forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width(stream: TextIO) -> int:
    """The width to fit: the terminal's (or ``COLUMNS``) when ``stream`` is a terminal, else 80.

    >>> import io
    >>> terminal_width(io.StringIO())
    80
    """
    isatty = getattr(stream, "isatty", None)
    if isatty and isatty():
        return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)
    return DEFAULT_WIDTH


DEFAULT_WIDTH = 80
MIN_WIDTH = 40
_ELLIPSIS = "\u2026"
_GAP = "  "


def render_text(
    result: CheckResult,
    chain: Chain,
    *,
    colour: bool,
    width: int = DEFAULT_WIDTH,
    profile: ResolvedProfile | None = None,
) -> str:
    """The check result as a table with the reasons under each link, ``width`` columns wide.

    No line is wider than ``width`` (bar a single word longer than it). When the table does
    not fit, each link's evidence moves to a line under it; a link still too long is cut short
    with an ellipsis, never wrapped or split at a hyphen; reasons wrap between words only.

    >>> from datetime import date
    >>> from graph.coverage import check
    >>> from graph.model import Chain, Dependency, Kind, Service, Supplier
    >>> chain = Chain(offerings=("app",), suppliers={"a": Supplier(id="a", name="A")},
    ...     services={s: Service(id=s, name=s, supplier="a", kind=Kind.SAAS)
    ...               for s in ("app", "db")},
    ...     dependencies={("app", "db"): Dependency("app", "db")})
    >>> print(render_text(check(chain, at=date(2026, 11, 27)), chain, colour=False))
    ... # doctest: +ELLIPSIS
    Chain verdict: GAP   offerings app   at 2026-11-27   profile zeker-online
    <BLANKLINE>
    RANK  LINK       STATUS  VERDICT      EVIDENCE
    1     app -> db  gap     NO_EVIDENCE  -
          no-evidence: No evidence for db (db) is on record on 2026-11-27.
    ...
    """
    width = max(MIN_WIDTH, width)

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    period = result.period
    when = (
        gettext("period {start}..{end}").format(
            start=format_date(period.start), end=format_date(period.end)
        )
        if period
        else gettext("at {at}").format(at=format_date(result.at) if result.at else result.at)
    )
    verdict = result.verdict
    lines = []
    if chain.title:
        lines.append(paint(_fit(clean(chain.title), width), "1"))
    word = gettext(STATUS_WORDS[verdict]).upper()
    head = [
        gettext("Chain verdict: {verdict}").format(verdict=word),
        gettext("offerings {offerings}").format(offerings=", ".join(result.offerings)),
        when,
        gettext("profile {profile}").format(profile=result.profile),
    ]
    packed = _pack(head, width, sep="   ")
    packed[0] = packed[0].replace(word, paint(word, "1;" + _STATUS_COLOUR[verdict]), 1)
    lines += packed
    lines.append("")
    rows = [
        (
            gettext("RANK"),
            gettext("LINK"),
            gettext("STATUS"),
            gettext("VERDICT"),
            gettext("EVIDENCE"),
        )
    ]
    words = {status: gettext(word) for status, word in STATUS_WORDS.items()}
    rows += [
        (
            str(link.rank),
            f"{link.consumer} -> {link.provider}",
            words[link.status],
            link.verdict.value,
            link.evidence or "-",
        )
        for link in result.links
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    # Too wide: the evidence moves under its link, then (narrower still) the verdict; then
    # the link column gives up characters.
    shown = 5
    while shown > 3 and sum(widths[:shown]) + len(_GAP) * (shown - 1) > width:
        if shown == 4 and sum(widths[:3]) - widths[1] + _MIN_LINK + len(_GAP) * 3 + widths[3] <= (
            width
        ):
            break
        shown -= 1
    widths = widths[:shown]
    others = sum(widths) - widths[1] + len(_GAP) * (shown - 1)
    widths[1] = min(widths[1], max(_MIN_LINK, width - others))
    header = _GAP.join(c.ljust(w) for c, w in zip(rows[0], widths, strict=False)).rstrip()
    lines.append(paint(header, "1"))
    indent = widths[0] + len(_GAP)
    evidence_line = gettext("evidence: {id}")  # once: a large chain has many thousand links
    bases: dict[str, str] = {}  # each piece's "why ok" line, made once
    for link, row in zip(result.links, rows[1:], strict=True):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        cells[1] = _fit_link(link.consumer, link.provider, widths[1]).ljust(widths[1])
        cells[2] = paint(cells[2], _STATUS_COLOUR[link.status])
        lines.append(_GAP.join(cells).rstrip())
        moved = [
            *([link.verdict.value] if shown < 4 else []),
            *([evidence_line.format(id=link.evidence)] if shown < 5 and link.evidence else []),
        ]
        if moved:
            lines.append(_wrap(", ".join(moved), width, first=" " * indent, rest=" " * indent))
        why = why_ok(link, chain, profile=profile, at=result.at, made=bases)
        lines.extend(_reason_lines(link, indent=indent, width=width, why=why))
    if result.findings:
        lines += ["", paint(gettext("Findings"), "1")]
        severities = {code: gettext(word) for code, word in SEVERITY_WORDS.items()}
        for finding in result.findings:
            first = f"{severities[finding.severity.value]} {finding.code.value}: "
            lines.append(_wrap(clean(finding.message), width, first="  " + first, rest="    "))
    summary = result.summary
    closing = ngettext(
        "{links} link: {ok} ok, {conditional} conditional, {gap} gap, {out} out of scope",
        "{links} links: {ok} ok, {conditional} conditional, {gap} gap, {out} out of scope",
        summary["links"],
    ).format(
        links=format_number(summary["links"]),
        ok=format_number(summary["ok"]),
        conditional=format_number(summary["conditional"]),
        gap=format_number(summary["gap"]),
        out=format_number(summary["out-of-scope"]),
    )
    lines += ["", _wrap(closing, width, first="", rest="  ")]
    return "\n".join(lines) + "\n"


_PROSE_WIDTH = 100
_MIN_LINK = 17  # "consum… -> provi…"


def _fit(text: str, width: int) -> str:
    """``text``, or its start and an ellipsis when it is longer than ``width``.

    >>> _fit("stratus-isae3402-pg", 12)
    'stratus-isa…'
    """
    return text if len(text) <= width else text[: max(0, width - 1)] + _ELLIPSIS


def _fit_link(consumer: str, provider: str, width: int) -> str:
    """``consumer -> provider`` in ``width``: each side cut short with an ellipsis as needed,
    the shorter side kept whole when it fits in half.

    >>> _fit_link("loonwolk-online", "stratus-compute-ams", 30)
    'loonwolk-onl… -> stratus-comp…'
    """
    room = width - len(" -> ")
    if len(consumer) + len(provider) <= room:
        return f"{consumer} -> {provider}"
    half = room // 2
    if len(consumer) <= half:
        left = consumer
    elif len(provider) <= room - half:
        left = _fit(consumer, room - len(provider))
    else:
        left = _fit(consumer, half)
    return f"{left} -> {_fit(provider, room - len(left))}"


def _pack(parts: Sequence[str], width: int, *, sep: str) -> list[str]:
    """``parts`` joined by ``sep`` into lines of at most ``width``, never splitting a part."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return lines


def _wrap(text: str, width: int, *, first: str, rest: str) -> str:
    """``text`` wrapped at spaces only (an id such as ``postduif-relay`` stays whole), at
    ``width`` or 100 columns, whichever is less: longer lines of prose are hard to follow."""
    return textwrap.fill(
        text,
        width=min(width, _PROSE_WIDTH),
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        break_long_words=False,
    )


def why_ok(
    link: LinkResult,
    chain: Chain,
    *,
    profile: ResolvedProfile | None,
    at: date | None,
    made: dict[str, str],
) -> str | None:
    """Why a link judged EQUIVALENT is ok, which its reasons do not say (it has none): the
    basis of its evidence in ``chain`` (the chain it was judged on), and with the ``profile``
    until when it counts on ``at``. ``made`` keeps each piece's line, made once. None for a
    link of any other verdict. The check's text and every view of a comparison say it."""
    evidence = link.evidence
    if link.verdict is not Verdict.EQUIVALENT or evidence is None:
        return None
    found = made.get(evidence)
    if found is None:
        basis = clean(basis_of(chain.evidence[evidence], chain, profile=profile, at=at))
        found = made[evidence] = gettext("why ok: {basis}").format(basis=basis)
    return found


def _reason_lines(
    link: LinkResult, *, indent: int, width: int, why: str | None = None
) -> list[str]:
    pad = " " * indent
    lines = [] if why is None else [_wrap(why, width, first=pad, rest=pad + "  ")]
    for reason in link.reasons:
        lines.append(
            _wrap(
                f"{reason.code.value}: {clean(reason.message)}", width, first=pad, rest=pad + "  "
            )
        )
    for r in link.uncovered:
        days = gettext("uncovered {start}..{end}")
        lines.append(pad + days.format(start=format_date(r.start), end=format_date(r.end)))
    for r in link.bridged:
        days = gettext("bridged {start}..{end}")
        lines.append(pad + days.format(start=format_date(r.start), end=format_date(r.end)))
    return lines
