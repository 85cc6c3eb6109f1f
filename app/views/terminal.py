"""The ``text`` format of ``ketenkaart check``: a table for a terminal, coloured when it is one.

Every label from the chain file passes through :func:`clean` first, so that a supplier name cannot
smuggle terminal escape sequences onto an auditor's screen.

>>> clean("Evil\\x1b[2J Corp")
'Evil?[2J Corp'
"""

from __future__ import annotations

import os
import re
import textwrap
from typing import TextIO

from graph.model import Chain
from graph.verdicts import CheckResult, LinkResult, Status

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STATUS_COLOUR = {
    Status.OK: "32",  # green
    Status.CONDITIONAL: "33",  # yellow
    Status.GAP: "31",  # red
    Status.OUT_OF_SCOPE: "90",  # grey
}
_STATUS_ORDER = (Status.GAP, Status.CONDITIONAL, Status.OK, Status.OUT_OF_SCOPE)


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


def render_text(result: CheckResult, chain: Chain, *, colour: bool) -> str:
    """The check result as a readable table with the reasons under each link.

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

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    period = result.period
    when = f"period {period.start}..{period.end}" if period else f"at {result.at}"
    verdict = result.verdict
    lines = []
    if chain.title:
        lines.append(paint(clean(chain.title), "1"))
    lines.append(
        f"Chain verdict: {paint(verdict.value.upper(), '1;' + _STATUS_COLOUR[verdict])}   "
        f"offerings {', '.join(result.offerings)}   {when}   profile {result.profile}"
    )
    lines.append("")
    rows = [("RANK", "LINK", "STATUS", "VERDICT", "EVIDENCE")]
    rows += [
        (
            str(link.rank),
            f"{link.consumer} -> {link.provider}",
            link.status.value,
            link.verdict.value,
            link.evidence or "-",
        )
        for link in result.links
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    header = "  ".join(cell.ljust(w) for cell, w in zip(rows[0], widths, strict=True)).rstrip()
    lines.append(paint(header, "1"))
    for link, row in zip(result.links, rows[1:], strict=True):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=True)]
        cells[2] = paint(cells[2], _STATUS_COLOUR[link.status])
        lines.append("  ".join(cells).rstrip())
        lines.extend(_reason_lines(link, indent=widths[0] + 2))
    if result.findings:
        lines += ["", paint("Findings", "1")]
        for finding in result.findings:
            head = f"{finding.severity.value} {finding.code.value}: "
            lines.append(
                textwrap.fill(
                    clean(finding.message),
                    width=100,
                    initial_indent="  " + head,
                    subsequent_indent="    ",
                )
            )
    summary = result.summary
    lines += [
        "",
        f"{summary['links']} links: {summary['ok']} ok, {summary['conditional']} conditional, "
        f"{summary['gap']} gap, {summary['out-of-scope']} out of scope",
    ]
    return "\n".join(lines) + "\n"


def _reason_lines(link: LinkResult, *, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for reason in link.reasons:
        lines.append(
            textwrap.fill(
                f"{reason.code.value}: {clean(reason.message)}",
                width=100,
                initial_indent=pad,
                subsequent_indent=pad + "  ",
            )
        )
    for r in link.uncovered:
        lines.append(f"{pad}uncovered {r.start}..{r.end}")
    for r in link.bridged:
        lines.append(f"{pad}bridged {r.start}..{r.end}")
    return lines
