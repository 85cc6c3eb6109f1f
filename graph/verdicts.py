"""Verdicts, statuses, reason codes and the result of a check.

>>> Verdict.EQUIVALENT.status, Verdict.INCLUDED.status, Verdict.EXPIRED.status
(<Status.OK: 'ok'>, <Status.OK: 'ok'>, <Status.GAP: 'gap'>)
>>> Verdict.CONDITIONAL.better_than(Verdict.SUPPORTING_ONLY)
True
"""

from __future__ import annotations

import bisect
import enum
import json
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, overload

from graph.model import DateRange

_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False), reused
_quote = json.encoder.encode_basestring  # what that encoder does to a str, minus the call
_SHARED_BYTES = 64 << 20
"""How many bytes of encoded ``reasons`` and ``also`` :meth:`CheckResult.iter_json` keeps for the
next links that share them, the most recently written; past that, one is encoded again when met
(a large chain has hundreds of megabytes of them, and one whose large suppliers hold many
pieces gigabytes)."""


class _Quoted(dict[str, str]):
    """Strings as JSON string literals, each quoted once."""

    def __missing__(self, key: str) -> str:
        value = self[key] = _quote(key)
        return value


class Status(enum.Enum):
    """What a link's verdict means for the chain."""

    OK = "ok"
    CONDITIONAL = "conditional"
    GAP = "gap"
    OUT_OF_SCOPE = "out-of-scope"


class Verdict(enum.Enum):
    """The verdict of a piece of evidence, or of a link.

    Each member carries, as plain attributes (read millions of times in a large check), its
    ``order`` among the evidence verdicts, best first (the link-only verdicts come after
    them all), and the ``status`` it gives a link.
    """

    order: int
    status: Status

    EQUIVALENT = "EQUIVALENT", 0, Status.OK
    CONDITIONAL = "CONDITIONAL", 1, Status.CONDITIONAL
    SUPPORTING_ONLY = "SUPPORTING_ONLY", 2, Status.GAP
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA", 3, Status.GAP
    EXPIRED = "EXPIRED", 4, Status.GAP
    NOT_EQUIVALENT = "NOT_EQUIVALENT", 5, Status.GAP
    INCLUDED = "INCLUDED", 6, Status.OK
    NO_EVIDENCE = "NO_EVIDENCE", 6, Status.GAP
    OUT_OF_SCOPE = "OUT_OF_SCOPE", 6, Status.OUT_OF_SCOPE

    def __new__(cls, value: str, order: int, status: Status) -> Verdict:
        member = object.__new__(cls)
        member._value_ = value
        member.order = order
        member.status = status
        return member

    def better_than(self, other: Verdict) -> bool:
        """Whether this evidence verdict is better than ``other``."""
        return self.order < other.order


class ReasonCode(enum.Enum):
    """Why a piece of evidence or a link got its verdict, in the order of the checks table."""

    SCOPE_SERVICE = "scope-service"
    SCOPE_LOCATION = "scope-location"
    SELF_DECLARED = "self-declared"
    BRIDGE_ONLY = "bridge-only"
    DOMAIN_LIMITED = "domain-limited"
    NO_TEST_DETAIL = "no-test-detail"
    CERTIFICATE_EXPIRED = "certificate-expired"
    OBSOLETE_VERSION = "obsolete-version"
    NOT_ACCREDITED = "not-accredited"
    MANAGEMENT_SYSTEM_ONLY = "management-system-only"
    MANUAL_REVIEW = "manual-review"
    TYPE1 = "type1"
    PERIOD_TOO_SHORT = "period-too-short"
    INSUFFICIENT_ASSURANCE = "insufficient-assurance"
    MODIFIED_OPINION = "modified-opinion"
    BRIDGE_LETTER = "bridge-letter"
    REPORT_STALE = "report-stale"
    CRITERIA_NOT_COVERED = "criteria-not-covered"
    EXCEPTIONS = "exceptions"
    CUECS_OPEN = "cuecs-open"
    NOT_SIGHTED = "not-sighted"
    OTHER_ENTITY = "other-entity"
    INCLUDED = "included"
    NO_EVIDENCE = "no-evidence"
    OUT_OF_SCOPE = "out-of-scope"
    PERIOD_UNCOVERED = "period-uncovered"


# The records of a result are named tuples: immutable like the model's dataclasses, and several
# times cheaper to make, which counts for the hundreds of thousands a large chain produces.


class Reason(NamedTuple):
    """A reason code with the sentence an auditor can paste into a working paper."""

    code: ReasonCode
    message: str


def reasons_json(reasons: Iterable[Reason]) -> list[dict[str, str]]:
    """Reasons as the JSON documents write them: ``{"code", "message"}`` each."""
    return [{"code": r.code.value, "message": r.message} for r in reasons]


class Assessment(NamedTuple):
    """The verdict of one piece of evidence for one link."""

    evidence: str
    verdict: Verdict
    reasons: tuple[Reason, ...]


class Ranked(Sequence[Assessment]):
    """Assessed pieces best first, where a supplier's pieces that do not list the provider are
    made only when read.

    Check 1 gives each piece of the provider's supplier that does not list the provider
    NOT_EQUIVALENT with one ``scope-service`` reason, and all of them are listed in ``also``. A
    large supplier's pieces are most of a large chain's ``also``: one record per piece and
    provider, which a chain of 100,000 services with many pieces per supplier counts in
    millions. So this sequence keeps the pieces that list the provider (``listing``, assessed,
    best first) and only the ids of the supplier's pieces in rank order (``held``, shared by
    every provider of the supplier), with the positions there of those that list the provider
    (``listed``); it merges them when read, in the order
    :meth:`graph.coverage._Judge.best_first` gives, and drops its first ``skip`` entries (the
    deciding piece, for ``also``) and the unlisted piece ``exclude`` (an INCLUDED link's
    report). :meth:`runs` gives the unlisted pieces as runs of positions in ``held``, for
    :meth:`CheckResult.iter_json` to write each run at once from halves made once per piece.

    It compares equal to a tuple of the same assessments.
    """

    __slots__ = (
        "_cache",
        "_exclude",
        "_halves",
        "_held",
        "_listed",
        "_listing",
        "_name",
        "_order",
        "_size",
        "_skip",
    )

    def __init__(
        self,
        listing: Sequence[Assessment],
        held: Sequence[str],
        *,
        name: str,
        listed: Sequence[int],
        halves: Mapping[str, tuple[str, str]],
        order: Mapping[str, int],
        skip: int = 0,
        exclude: str | None = None,
        cache: list[list[Assessment | range]] | None = None,
    ) -> None:
        self._listing, self._held, self._name, self._listed = listing, held, name, listed
        self._halves, self._order, self._skip, self._exclude = halves, order, skip, exclude
        # The runs before any skip, made once for this sequence and those that only skip more
        # of it (the deciding piece, then ``also``).
        self._cache: list[list[Assessment | range]] = [] if cache is None else cache
        unlisted = len(held) - len(listed) - (exclude is not None)
        self._size = len(listing) + unlisted - skip

    def _but(
        self,
        listing: Sequence[Assessment],
        *,
        skip: int,
        exclude: str | None,
        cache: list[list[Assessment | range]] | None = None,
    ) -> Ranked:
        return Ranked(
            listing,
            self._held,
            name=self._name,
            listed=self._listed,
            halves=self._halves,
            order=self._order,
            skip=skip,
            exclude=exclude,
            cache=cache,
        )

    def without_first(self) -> Ranked:
        """The same pieces but the first (``also``, beside the deciding piece)."""
        return self._but(
            self._listing, skip=self._skip + 1, exclude=self._exclude, cache=self._cache
        )

    def without(self, evidence: str, *, unlisted: bool) -> Ranked:
        """The same pieces but ``evidence`` (an INCLUDED link's ``also``: all but the report),
        which is one of the unlisted pieces when ``unlisted``. Only on an undropped sequence."""
        if self._skip or self._exclude is not None:
            raise ValueError("without() takes a sequence that has dropped nothing yet")
        listing = [a for a in self._listing if a.evidence != evidence]
        return self._but(listing, skip=0, exclude=evidence if unlisted else None)

    def _position(self, evidence: str) -> int:
        """Where ``evidence`` is or would be in ``held``, which is in rank order."""
        order = self._order
        return bisect.bisect_left(
            self._held, (order[evidence], evidence), key=lambda e: (order[e], e)
        )

    def runs(self) -> list[Assessment | range]:
        """Best first, as :meth:`entries` gives them, with each run of unlisted pieces that
        follow one another in ``held`` as one range of their positions there. The cost follows
        the pieces that list the provider, not the supplier's pieces."""
        if not self._cache:
            self._cache.append(self._unskipped())
        found = list(self._cache[0])
        skip = self._skip
        while skip and found:
            first = found[0]
            dropped = min(skip, len(first)) if isinstance(first, range) else 1
            if isinstance(first, range) and dropped < len(first):
                found[0] = first[dropped:]
            else:
                del found[0]
            skip -= dropped
        return found

    def _unskipped(self) -> list[Assessment | range]:
        listing, held = self._listing, self._held
        # The unlisted are all NOT_EQUIVALENT: the assessed pieces better than that come first,
        # and the rest are merged with them by the same rank, each before the first held piece
        # that ranks after it.
        worse = Verdict.NOT_EQUIVALENT.order
        index = next((i for i, a in enumerate(listing) if a.verdict.order >= worse), len(listing))
        found: list[Assessment | range] = [*listing[:index]]
        inserts = [(self._position(a.evidence), a) for a in listing[index:]]
        gaps = list(self._listed)
        if self._exclude is not None:
            gaps.append(self._position(self._exclude))
        gaps.sort()
        gaps.append(len(held))
        start, k = 0, 0
        for gap in gaps:
            while k < len(inserts) and inserts[k][0] <= gap:
                at, a = inserts[k]
                if at > start:
                    found.append(range(start, at))
                    start = at
                found.append(a)
                k += 1
            if gap > start:
                found.append(range(start, gap))
            start = gap + 1
        return found

    def entries(self) -> list[Assessment | str]:
        """Best first: the assessed pieces that list the provider, and the id of every piece
        that does not (its assessment is :meth:`unlisted` of that id)."""
        held = self._held
        found: list[Assessment | str] = []
        for run in self.runs():
            if isinstance(run, range):
                found += held[run.start : run.stop]
            else:
                found.append(run)
        return found

    @property
    def held(self) -> Sequence[str]:
        """The supplier's pieces in rank order, which :meth:`runs` gives positions in."""
        return self._held

    def unlisted(self, evidence: str) -> Assessment:
        """The assessment of the supplier's piece ``evidence``, which does not list the
        provider."""
        before, after = self._halves[evidence]
        reason = Reason(ReasonCode.SCOPE_SERVICE, before + self._name + after)
        return Assessment(evidence, Verdict.NOT_EQUIVALENT, (reason,))

    def halves(self, evidence: str) -> tuple[str, str]:
        """The scope-service sentence of an unlisted piece before and after the provider's
        name."""
        return self._halves[evidence]

    @property
    def name(self) -> str:
        """The provider as the sentences name it."""
        return self._name

    def __iter__(self) -> Iterator[Assessment]:
        unlisted = self.unlisted
        for entry in self.entries():
            yield unlisted(entry) if isinstance(entry, str) else entry

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Assessment: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Assessment, ...]: ...
    def __getitem__(self, index: int | slice) -> Assessment | tuple[Assessment, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("Ranked index out of range")
        for run in self.runs():  # without making the pieces before it
            if isinstance(run, range):
                if index < len(run):
                    return self.unlisted(self._held[run[index]])
                index -= len(run)
            elif index:
                index -= 1
            else:
                return run
        raise IndexError("Ranked index out of range")  # pragma: no cover - sized above

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Ranked, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Ranked({tuple(self)!r})"


class LinkResult(NamedTuple):
    """The verdict of one link (``consumer`` relies on ``provider``) of the walk."""

    consumer: str
    provider: str
    rank: int
    path: tuple[str, ...]
    verdict: Verdict
    evidence: str | None
    reasons: tuple[Reason, ...]
    also: Sequence[Assessment] = ()
    uncovered: tuple[DateRange, ...] = ()
    bridged: tuple[DateRange, ...] = ()

    @property
    def status(self) -> Status:
        """The link's status: ok, conditional, gap or out-of-scope."""
        return self.verdict.status


class FindingCode(enum.Enum):
    """Findings beside the verdicts, in the order the report lists them."""

    CARVED_OUT_MISSING = "carved-out-missing"
    UNDISCLOSED_SUBSERVICE = "undisclosed-subservice"
    EXPIRING = "expiring"
    CYCLE = "cycle"
    CONCENTRATION = "concentration"
    THIRD_COUNTRY = "third-country"


class Severity(enum.Enum):
    """How much a finding weighs."""

    WARNING = "warning"
    INFO = "info"


class Finding(NamedTuple):
    """Something an auditor should look at beside the link verdicts."""

    code: FindingCode
    severity: Severity
    subjects: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything ``ketenkaart check`` answers, in contract order."""

    offerings: tuple[str, ...]
    profile: str
    at: date | None
    period: DateRange | None
    links: tuple[LinkResult, ...]
    findings: tuple[Finding, ...]

    @property
    def verdict(self) -> Status:
        """The chain's verdict: its worst link status: gap, else conditional, else ok."""
        statuses = {id(link.verdict.status) for link in self.links}  # no enum hashing
        for status in (Status.GAP, Status.CONDITIONAL):
            if id(status) in statuses:
                return status
        return Status.OK

    @property
    def summary(self) -> Mapping[str, int]:
        """Counts of links by status."""
        by_verdict = Counter(id(link.verdict) for link in self.links)  # no enum hashing
        counts = {status.value: 0 for status in Status}
        for verdict in Verdict:
            counts[verdict.status.value] += by_verdict[id(verdict)]
        return {"links": len(self.links), **counts}

    def iter_json(self) -> Iterator[bytes]:
        """The JSON document of verdicts.md, as UTF-8 bytes in pieces.

        The one serialiser of the document; :meth:`to_json` parses what it writes. The document
        is never built whole (a large chain's can pass 2 GiB), and links into a shared provider
        share their ``reasons`` and ``also`` tuples, each encoded once. The pieces are written
        with f-strings around the standard encoder's string escaping, in the layout of
        ``json.dumps(..., ensure_ascii=False)`` (a property test holds them to it).

        >>> from datetime import date
        >>> r = CheckResult(("app",), "zeker-online", date(2026, 11, 27), None, (), ())
        >>> print(b"".join(r.iter_json()).decode())  # doctest: +NORMALIZE_WHITESPACE
        {"offerings": ["app"], "profile": "zeker-online", "at": "2026-11-27", "period": null,
         "verdict": "ok", "links": [], "findings": [], "summary": {"links": 0, "ok": 0,
         "conditional": 0, "gap": 0, "out-of-scope": 0}}
        """
        encode = _ENCODER.encode
        text = _Quoted()  # each id quoted once
        shared: OrderedDict[int, bytes] = OrderedDict()
        kept = 0  # bytes in shared

        def ids(values: Iterable[str]) -> str:
            return f"[{', '.join([text[v] for v in values])}]"

        def reasons(values: tuple[Reason, ...]) -> str:
            return (
                "["
                + ", ".join(
                    [
                        f'{{"code": "{r.code._value_}", "message": {_quote(r.message)}}}'
                        for r in values
                    ]
                )
                + "]"
            )

        def once(value: Sequence[Any], to_bytes: Callable[[Any], bytes]) -> bytes:
            nonlocal kept
            key = id(value)  # the sequences live as long as self: ids stay unique
            found = shared.get(key)
            if found is not None:
                shared.move_to_end(key)
                return found
            found = shared[key] = to_bytes(value)
            kept += len(found)
            while kept > _SHARED_BYTES:  # the least recently written go first
                kept -= len(shared.popitem(last=False)[1])
            return found

        def assessment(a: Assessment) -> str:
            return (
                f'{{"evidence": {text[a.evidence]}, "verdict": "{a.verdict._value_}", '
                f'"reasons": {reasons(a.reasons)}}}'
            )

        runs: dict[int, _Runs] = {}  # by supplier (its ``held``): its unlisted pieces' JSON

        def also(values: Sequence[Assessment]) -> bytes:
            if not isinstance(values, Ranked):
                return f"[{', '.join([assessment(a) for a in values])}]".encode()
            # Escaping is per character: the name escaped once, between the escaped halves,
            # is the escaped sentence.
            held = values.held
            pieces = runs.get(id(held))
            if pieces is None:
                pieces = runs[id(held)] = _Runs(held, values.halves, text)
            name, parts = _quote(values.name)[1:-1], []
            for run in values.runs():
                if isinstance(run, range):
                    parts.append(pieces.joined(run, name))
                else:
                    parts.append(assessment(run))
            return f"[{', '.join(parts)}]".encode()

        def reasons_bytes(values: tuple[Reason, ...]) -> bytes:
            return reasons(values).encode()

        yield (encode(self._head())[:-1] + ', "links": [').encode()
        # Enum values are read as ``_value_``: ``.value`` goes through a descriptor, and this
        # loop reads four of them for each of hundreds of thousands of links and pieces.
        for index, link in enumerate(self.links):
            verdict = link.verdict
            evidence = "null" if link.evidence is None else text[link.evidence]
            yield (
                f'{", " if index else ""}{{"from": {text[link.consumer]}, '
                f'"to": {text[link.provider]}, "rank": {link.rank}, "path": {ids(link.path)}, '
                f'"verdict": "{verdict._value_}", "status": "{verdict.status._value_}", '
                f'"evidence": {evidence}, "reasons": '
            ).encode()
            yield once(link.reasons, reasons_bytes)
            yield b', "also": '
            yield once(link.also, also)
            if link.uncovered or link.bridged:
                yield (
                    f', "uncovered": {encode([_range_json(r) for r in link.uncovered])}, '
                    f'"bridged": {encode([_range_json(r) for r in link.bridged])}}}'
                ).encode()
            else:
                yield b', "uncovered": [], "bridged": []}'
        findings = ", ".join(
            [
                f'{{"code": "{f.code.value}", "severity": "{f.severity.value}", '
                f'"subjects": {ids(f.subjects)}, "message": {_quote(f.message)}}}'
                for f in self.findings
            ]
        )
        yield f'], "findings": [{findings}], "summary": {encode(dict(self.summary))}}}'.encode()

    def _head(self) -> dict[str, Any]:
        """The document's keys before ``links``."""
        return {
            "offerings": list(self.offerings),
            "profile": self.profile,
            "at": self.at.isoformat() if self.at else None,
            "period": _range_json(self.period) if self.period else None,
            "verdict": self.verdict.value,
        }

    def to_json(self) -> dict[str, Any]:
        """The JSON document of verdicts.md, as plain data in contract key order: what
        :meth:`iter_json` writes, parsed (one serialiser; for tests and small results).

        >>> from datetime import date
        >>> CheckResult(("app",), "zeker-online", date(2026, 11, 27), None, (), ()).to_json()["at"]
        '2026-11-27'
        """
        document: dict[str, Any] = json.loads(b"".join(self.iter_json()))
        return document


class _Runs:
    """A supplier's pieces as the JSON of their ``scope-service`` assessment around a
    provider's name, so that a run of them that follow one another is written with one join:
    ``name.join([before[a], glue[a], ..., glue[b - 2], after[b - 1]])``, where ``glue[i]`` is
    piece i's JSON after the name, the comma, and piece i + 1's before it."""

    __slots__ = ("_after", "_before", "_glue")

    def __init__(
        self,
        held: Sequence[str],
        halves: Callable[[str], tuple[str, str]],
        text: Mapping[str, str],
    ) -> None:
        self._before, self._after = [], []
        for evidence in held:
            before, after = halves(evidence)
            self._before.append(
                f'{{"evidence": {text[evidence]}, "verdict": "NOT_EQUIVALENT", "reasons": '
                f'[{{"code": "scope-service", "message": "{_quote(before)[1:-1]}'
            )
            self._after.append(f'{_quote(after)[1:-1]}"}}]}}')
        self._glue = [f"{a}, {b}" for a, b in zip(self._after[:-1], self._before[1:], strict=True)]

    def joined(self, run: range, name: str) -> str:
        """The pieces at the positions ``run`` (not empty), for the provider ``name``."""
        first, last = run.start, run.stop - 1
        if first == last:
            return self._before[first] + name + self._after[first]
        return name.join([self._before[first], *self._glue[first:last], self._after[last]])


def _range_json(r: DateRange) -> dict[str, str]:
    return {"from": r.start.isoformat(), "to": r.end.isoformat()}
