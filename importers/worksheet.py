"""The result of a check as an auditor's worksheet: an XLSX workbook, or the links as CSV.

:func:`check_xlsx` writes four sheets:

- **Links**: a row per link of the walk (rank, from and to with their names, the provider's
  supplier, status, verdict, the deciding evidence and its basis (:mod:`importers.basis`), every
  reason sentence, the reason codes, notes on carve-outs, the other evidence
  considered with its verdict and reasons, the path, and in audit period mode the uncovered and
  bridged days), with a filter on every column and the header row frozen;
- **Findings**: code, severity, subjects, message;
- **Evidence**: every piece of evidence the links name (id, scheme, type, holder, what it
  covers, period, as of, issued, valid until, issuer, verification, document);
- **Check**: the offerings, profile, evaluation date or audit period, the chain's verdict and
  the counts of links by status.

The sheets' names, the headings and the cells that are words (statuses, severities, schemes,
how far a document was seen, the Check sheet's items) are in the language of the context
(:mod:`graph.i18n`), each looked up once per workbook; ids, codes (verdicts, reason and finding
codes) and the chain's names stay as they are, and dates stay dates.

:func:`check_csv` writes the Links table alone. Every text cell goes through
:func:`importers.base.safe_cell`, so a name such as ``=HYPERLINK(...)`` is text, never a
formula. The same result and chain always give the same bytes: the workbook's times are the
evaluation date (or the audit period's last day), not the clock.

>>> from datetime import date
>>> from graph.coverage import check
>>> from graph.model import Chain, Dependency, Kind, Service, Supplier
>>> chain = Chain(
...     offerings=("app",),
...     suppliers={"acme": Supplier(id="acme", name="Acme B.V.")},
...     services={s: Service(id=s, name=s.title(), supplier="acme", kind=Kind.SAAS)
...               for s in ("app", "db")},
...     dependencies={("app", "db"): Dependency("app", "db")},
... )
>>> result = check(chain, at=date(2026, 11, 27))
>>> check_xlsx(result, chain)[:2]
b'PK'
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from graph.evidence import last_counted
from graph.i18n import N_, current, format_number, gettext
from graph.model import Chain, DateRange, Evidence, Verification
from graph.profiles import ResolvedProfile
from graph.verdicts import CheckResult, LinkResult, Severity, Status
from importers.base import safe_cell
from importers.basis import LinkBasis, link_bases

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written, not with this module
    from openpyxl import Workbook  # type: ignore[import-untyped]

Cell = str | int | date | None

LINK_COLUMNS: tuple[str, ...] = (
    N_("Rank"),
    N_("From"),
    N_("From name"),
    N_("To"),
    N_("To name"),
    N_("Supplier"),
    N_("Status"),
    N_("Verdict"),
    N_("Evidence"),
    N_("Basis"),
    N_("Reasons"),
    N_("Reason codes"),
    N_("Notes"),
    N_("Other evidence"),
    N_("Path"),
    N_("Uncovered"),
    N_("Bridged"),
)
"""The columns of the Links sheet and of :func:`check_csv` (in English: each is translated
where it is written)."""

FINDING_COLUMNS: tuple[str, ...] = (N_("Code"), N_("Severity"), N_("Subjects"), N_("Message"))
EVIDENCE_COLUMNS: tuple[str, ...] = (
    N_("Id"),
    N_("Scheme"),
    N_("Type"),
    N_("Holder"),
    N_("Holder name"),
    N_("Covers"),
    N_("Period from"),
    N_("Period to"),
    N_("As of"),
    N_("Issued"),
    N_("Valid until"),
    N_("Counts until"),
    N_("Issuer"),
    N_("Verification"),
    N_("Document"),
    N_("SHA-256"),
)
CHECK_COLUMNS: tuple[str, ...] = (N_("Item"), N_("Value"))
SHEETS: tuple[str, ...] = (N_("Links"), N_("Findings"), N_("Evidence"), N_("Check"))
"""The sheets' names, in their order."""

_STATUS_WORDS: Mapping[Status, str] = {
    Status.OK: N_("ok"),
    Status.CONDITIONAL: N_("conditional"),
    Status.GAP: N_("gap"),
    Status.OUT_OF_SCOPE: N_("out-of-scope"),
}
"""A status as the Status column writes it (English: its code)."""
_LINK_COUNTS: Mapping[str, str] = {
    "links": N_("Links"),
    "ok": N_("Links ok"),
    "conditional": N_("Links conditional"),
    "gap": N_("Links gap"),
    "out-of-scope": N_("Links out-of-scope"),
}
"""The Check sheet's counts of links, by the key of :attr:`CheckResult.summary`."""
_SEVERITY_WORDS: Mapping[Severity, str] = {
    Severity.WARNING: N_("warning"),
    Severity.INFO: N_("info"),
}
_SEEN_WORDS: Mapping[Verification, str] = {
    Verification.VERIFIED: N_("verified"),
    Verification.SIGHTED: N_("sighted"),
    Verification.CLAIMED: N_("claimed"),
}

MAX_ROWS = 1_048_576
"""The rows of an Excel worksheet, header included."""
MAX_CELL_TEXT = 32_767
"""The characters an Excel cell holds."""

_WIDTHS = {"Reasons": 80, "Message": 80, "Other evidence": 40, "Path": 40, "Covers": 30}
_CUT = "\n[cut here: a cell holds no more; the CSV export has the whole text]"
# openpyxl's ILLEGAL_CHARACTERS_RE: the control characters XML 1.0 cannot carry. Its own copy,
# so that the CSV needs no openpyxl; a test checks that the two agree.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def check_csv(
    result: CheckResult,
    chain: Chain,
    *,
    profile: ResolvedProfile | None = None,
    stored: Collection[str] | None = None,
) -> bytes:
    """The links of ``result`` as UTF-8 CSV, a row per link, columns :data:`LINK_COLUMNS`.

    Parameters
    ----------
    result
        What :func:`graph.coverage.check` returned for ``chain``.
    chain
        The chain that was checked (for the names of services and suppliers).
    profile, stored
        As :func:`importers.basis.basis_of` takes them: the profile adds the last day a report
        counts; ``stored`` names the evidence whose document the service holds.

    Returns
    -------
    bytes
        CSV with CRLF line ends; a cell that holds several sentences or ranges has one per line.
        In Dutch the cells are separated by ``;`` and the text starts with a UTF-8 byte order
        mark, as the register's CSV export writes it: Excel with Dutch settings opens such a
        file in columns (its list separator is ``;``) with its accents intact.

    >>> from datetime import date
    >>> from graph.coverage import check
    >>> from graph.model import Chain, Dependency, Kind, Service, Supplier
    >>> chain = Chain(
    ...     offerings=("app",),
    ...     suppliers={"acme": Supplier(id="acme", name="Acme B.V.")},
    ...     services={s: Service(id=s, name=s.title(), supplier="acme", kind=Kind.SAAS)
    ...               for s in ("app", "db")},
    ...     dependencies={("app", "db"): Dependency("app", "db")},
    ... )
    >>> print(check_csv(check(chain, at=date(2026, 11, 27)), chain).decode()[:76])
    Rank,From,From name,To,To name,Supplier,Status,Verdict,Evidence,Basis,Reason
    """
    dutch = current() == "nl"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dutch else ",", lineterminator="\r\n")
    writer.writerow([gettext(column) for column in LINK_COLUMNS])
    for row in _link_rows(result, chain, link_bases(result, chain, profile=profile, stored=stored)):
        writer.writerow(["" if value is None else _text(value) for value in row])
    return out.getvalue().encode("utf-8-sig" if dutch else "utf-8")


def check_xlsx(
    result: CheckResult,
    chain: Chain,
    *,
    profile: ResolvedProfile | None = None,
    stored: Collection[str] | None = None,
) -> bytes:
    """The check as an XLSX workbook: sheets Links, Findings, Evidence and Check.

    Parameters
    ----------
    result
        What :func:`graph.coverage.check` returned for ``chain``.
    chain
        The chain that was checked (for names, and the evidence the links name).
    profile, stored
        As for :func:`check_csv`.

    Returns
    -------
    bytes
        The workbook. Each table has a filter on its header row and the header frozen. Its
        created and modified times are the evaluation date (the audit period's last day), so
        the same input gives the same bytes.

    Raises
    ------
    ValueError
        When a sheet would have more rows than Excel holds (:data:`MAX_ROWS`); the CSV has no
        such bound.

    >>> from datetime import date
    >>> from graph.coverage import check
    >>> from graph.model import Chain, Dependency, Kind, Service, Supplier
    >>> from openpyxl import load_workbook
    >>> chain = Chain(
    ...     offerings=("app",),
    ...     suppliers={"acme": Supplier(id="acme", name="Acme B.V.")},
    ...     services={s: Service(id=s, name=s.title(), supplier="acme", kind=Kind.SAAS)
    ...               for s in ("app", "db")},
    ...     dependencies={("app", "db"): Dependency("app", "db")},
    ... )
    >>> book = load_workbook(io.BytesIO(check_xlsx(check(chain, at=date(2026, 11, 27)), chain)))
    >>> book.sheetnames, book["Links"]["H2"].value
    (['Links', 'Findings', 'Evidence', 'Check'], 'NO_EVIDENCE')
    """
    evidence = _named_evidence(result, chain)
    links, findings, pieces, checked = (gettext(sheet) for sheet in SHEETS)
    for name, rows in (
        (links, len(result.links)),
        (findings, len(result.findings)),
        (pieces, len(evidence)),
    ):
        if rows + 1 > MAX_ROWS:
            raise ValueError(
                gettext(
                    "sheet {name}: {rows} rows do not fit a worksheet (at most {most}); "
                    "export the links as CSV instead"
                ).format(name=name, rows=_many(rows), most=_many(MAX_ROWS - 1))
            )
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl only when a workbook is written
    from openpyxl.xml.functions import tostring  # type: ignore[import-untyped]  # noqa: PLC0415

    moment = _evaluation_date(result)
    stamp = datetime.combine(moment, time())
    book = Workbook(write_only=True)
    book.properties.creator = "ketenkaart"
    title = gettext("Check of {title}").format(title=chain.title or ", ".join(result.offerings))
    book.properties.title = _clean(title)
    book.properties.created = stamp
    bases = link_bases(result, chain, profile=profile, stored=stored)
    _table(book, links, LINK_COLUMNS, _link_rows(result, chain, bases))
    _table(book, findings, FINDING_COLUMNS, _finding_rows(result))
    _table(book, pieces, EVIDENCE_COLUMNS, _evidence_rows(chain, evidence, profile, moment))
    _table(book, checked, CHECK_COLUMNS, _check_rows(result, chain), filtered=False)
    raw = io.BytesIO()
    book.save(raw)
    book.properties.modified = stamp  # save() set it to the clock
    return _pinned(raw.getvalue(), tostring(book.properties.to_tree()), stamp)


def _evaluation_date(result: CheckResult) -> date:
    if result.at is not None:
        return result.at
    if result.period is not None:
        return result.period.end
    raise ValueError("the check result has neither an evaluation date nor an audit period")


def _many(n: int) -> str:
    """A count of rows with its thousands grouped, as the language groups them."""
    return f"{n:,}" if current() == "en" else format_number(n)


def _link_rows(
    result: CheckResult, chain: Chain, bases: Mapping[tuple[str, str], LinkBasis]
) -> Iterator[tuple[Cell, ...]]:
    services, suppliers = chain.services, chain.suppliers

    def name(sid: str, link: LinkResult) -> str:
        service = services.get(sid)
        if service is None:
            raise ValueError(
                f"link {link.consumer} -> {link.provider}: no service {sid!r} in the chain; "
                f"pass the chain that was checked"
            )
        return service.name

    status_words = {status: gettext(word) for status, word in _STATUS_WORDS.items()}
    for link in result.links:
        provider = services.get(link.provider)
        supplier = suppliers.get(provider.supplier) if provider is not None else None
        basis = bases[(link.consumer, link.provider)]
        yield (
            link.rank,
            link.consumer,
            name(link.consumer, link),
            link.provider,
            name(link.provider, link),
            supplier.name if supplier is not None else None,
            status_words[link.status],
            link.verdict.value,
            link.evidence,
            basis.basis,
            "\n".join(reason.message for reason in link.reasons),
            ", ".join(reason.code.value for reason in link.reasons),
            "\n".join(basis.notes),
            "\n".join(
                f"{a.evidence} ({a.verdict.value})"
                + "".join(f"\n  {code}: {message}" for code, message in a.reasons)
                for a in basis.also
            ),
            " > ".join(link.path),
            _ranges(link.uncovered),
            _ranges(link.bridged),
        )


def _finding_rows(result: CheckResult) -> Iterator[tuple[Cell, ...]]:
    severity_words = {severity: gettext(word) for severity, word in _SEVERITY_WORDS.items()}
    for finding in result.findings:
        yield (
            finding.code.value,
            severity_words[finding.severity],
            ", ".join(finding.subjects),
            finding.message,
        )


def _named_evidence(result: CheckResult, chain: Chain) -> list[Evidence]:
    """The evidence the links name (deciding or also considered), by id."""
    ids: set[str] = set()
    for link in result.links:
        if link.evidence is not None:
            ids.add(link.evidence)
        ids.update(a.evidence for a in link.also)
    return [chain.evidence[eid] for eid in sorted(ids) if eid in chain.evidence]


def _evidence_rows(
    chain: Chain, evidence: Iterable[Evidence], profile: ResolvedProfile | None, at: date
) -> Iterator[tuple[Cell, ...]]:
    """Each piece as a row; with a profile, the last day it counts as seen on ``at`` (the
    evaluation date, or the audit period's last day), as the evidence page says it."""
    seen_words = {seen: gettext(word) for seen, word in _SEEN_WORDS.items()}
    schemes: dict[str, str] = {}
    for e in evidence:
        holder = chain.suppliers.get(e.holder)
        scheme = schemes.get(e.scheme.label)
        if scheme is None:
            scheme = schemes[e.scheme.label] = gettext(e.scheme.label)
        yield (
            e.id,
            scheme,
            e.type,
            e.holder,
            holder.name if holder is not None else None,
            ", ".join(e.covers),
            e.period.start if e.period else None,
            e.period.end if e.period else None,
            e.as_of,
            e.issued,
            e.valid_until,
            None if profile is None else last_counted(e, profile, at),
            e.issuer,
            seen_words[e.verification],
            e.document.name if e.document else None,
            e.document.sha256 if e.document else None,
        )


def _check_rows(result: CheckResult, chain: Chain) -> Iterator[tuple[Cell, ...]]:
    if chain.title:
        yield (gettext("Chain"), chain.title)
    yield (gettext("Offerings"), ", ".join(result.offerings))
    yield (gettext("Profile"), result.profile)
    if result.at is not None:
        yield (gettext("Evaluation date"), result.at)
    if result.period is not None:
        yield (gettext("Audit period from"), result.period.start)
        yield (gettext("Audit period to"), result.period.end)
    yield (gettext("Verdict"), gettext(_STATUS_WORDS[result.verdict]))
    for key, count in result.summary.items():
        label = _LINK_COUNTS.get(key)
        yield (gettext(label) if label else f"Links {key}", count)
    yield (gettext("Findings"), len(result.findings))


def _table(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[tuple[Cell, ...]],
    *,
    filtered: bool = True,
) -> None:
    """A sheet with a bold, frozen header row and, when ``filtered``, a filter over the table;
    ``header`` in English, each heading translated here (its width found by its English)."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]  # noqa: PLC0415

    sheet = book.create_sheet(title)
    for index, column in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, 16)
    sheet.freeze_panes = "A2"
    rows = list(rows)
    if filtered:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    bold = Font(bold=True)
    header_cells = []
    for column in header:
        cell = WriteOnlyCell(sheet, value=_value(gettext(column)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        values: list[object] = []
        for raw in row:
            value = _value(raw)
            if isinstance(value, str) and "\n" in value:
                cell = WriteOnlyCell(sheet, value=value)
                cell.alignment = wrap  # styles cost time: only cells of several lines get one
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)


def _value(value: Cell) -> Cell:
    """A cell's value: text made safe and fitting, empty text as no value. A date keeps its
    type; openpyxl gives it the format ``yyyy-mm-dd``."""
    if isinstance(value, str):
        return _fit(_text(value)) or None
    return value


def _text(value: object) -> str:
    """Text for a cell: dates in ISO form, control characters replaced, formulas defused."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return str(safe_cell(_clean(text)))


def _clean(text: str) -> str:
    """``text`` without the control characters XML cannot carry (each becomes U+FFFD)."""
    return ILLEGAL_CHARACTERS.sub("\ufffd", text)


def _fit(text: str) -> str:
    """``text`` cut to what an Excel cell holds, saying how much was cut."""
    if len(text) <= MAX_CELL_TEXT:
        return text
    return text[: MAX_CELL_TEXT - len(_CUT)] + _CUT


def _ranges(ranges: Sequence[DateRange]) -> str:
    return "\n".join(f"{r.start.isoformat()}..{r.end.isoformat()}" for r in ranges)


def _pinned(data: bytes, core: bytes, stamp: datetime) -> bytes:
    """The workbook's zip with every entry dated ``stamp`` and ``core`` as its properties."""
    when = max(stamp, datetime(1980, 1, 1))  # noqa: DTZ001 - zip times are local and naive
    date_time = (when.year, when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            payload = core if entry.filename == "docProps/core.xml" else source.read(entry)
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, payload)
    return out.getvalue()
