"""Verdicts, statuses, reason codes and the result of a check.

>>> Verdict.EQUIVALENT.status, Verdict.INCLUDED.status, Verdict.EXPIRED.status
(<Status.OK: 'ok'>, <Status.OK: 'ok'>, <Status.GAP: 'gap'>)
>>> Verdict.CONDITIONAL.better_than(Verdict.SUPPORTING_ONLY)
True
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from graph.model import DateRange

_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False), reused
_quote = json.encoder.encode_basestring  # what that encoder does to a str, minus the call


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


class Assessment(NamedTuple):
    """The verdict of one piece of evidence for one link."""

    evidence: str
    verdict: Verdict
    reasons: tuple[Reason, ...]


class LinkResult(NamedTuple):
    """The verdict of one link (``consumer`` relies on ``provider``) of the walk."""

    consumer: str
    provider: str
    rank: int
    path: tuple[str, ...]
    verdict: Verdict
    evidence: str | None
    reasons: tuple[Reason, ...]
    also: tuple[Assessment, ...] = ()
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
        shared: dict[int, bytes] = {}

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

        def once(value: tuple[Any, ...], to_text: Callable[[Any], str]) -> bytes:
            found = shared.get(id(value))  # the tuples live as long as self: ids stay unique
            if found is None:
                found = shared[id(value)] = to_text(value).encode()
            return found

        def also(values: tuple[Assessment, ...]) -> str:
            return (
                "["
                + ", ".join(
                    [
                        f'{{"evidence": {text[a.evidence]}, "verdict": "{a.verdict._value_}", '
                        f'"reasons": {reasons(a.reasons)}}}'
                        for a in values
                    ]
                )
                + "]"
            )

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
            yield once(link.reasons, reasons)
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


def _range_json(r: DateRange) -> dict[str, str]:
    return {"from": r.start.isoformat(), "to": r.end.isoformat()}
