"""A supplier's pieces that do not list the provider, merged into ``also`` when read
(:class:`graph.verdicts.Ranked`), against the plain rule: every piece assessed, sorted by
verdict, then by how long it counts, then by id; the excluded piece left out, the first
``skip`` dropped. And its JSON, written a run of pieces at a time, against ``json.dumps``."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from graph.verdicts import (
    Assessment,
    CheckResult,
    LinkResult,
    Ranked,
    Reason,
    ReasonCode,
    Verdict,
)

NAME = 'Mail "EU" \u00e9\u00e9n'  # escaped in the JSON, and not ASCII
VERDICTS = [v for v in Verdict if v.order < Verdict.NO_EVIDENCE.order]


def _unlisted(evidence: str) -> Assessment:
    message = f"{evidence} does not list " + NAME + f" (p), says {evidence}."
    return Assessment(
        evidence, Verdict.NOT_EQUIVALENT, (Reason(ReasonCode.SCOPE_SERVICE, message),)
    )


@st.composite
def sequences(draw: st.DrawFn) -> tuple[Ranked, list[Assessment]]:
    """A Ranked sequence as the judge makes it, and the same assessments by the plain rule."""
    count = draw(st.integers(1, 14))
    ids = [f"e{i:02d}" for i in range(count)]
    order = {eid: draw(st.integers(-3, 0)) for eid in ids}  # ties are common: by id then
    held_by_supplier = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    held = sorted(
        (e for e, h in zip(ids, held_by_supplier, strict=True) if h), key=lambda e: (order[e], e)
    )
    if not held:
        held = [ids[0]]
    listing_ids = [e for e in ids if draw(st.booleans()) or (e not in held and draw(st.booleans()))]
    listed = [held.index(e) for e in listing_ids if e in held]
    verdicts = {e: draw(st.sampled_from(VERDICTS)) for e in listing_ids}

    def rank(a: Assessment) -> tuple[int, int, str]:
        return a.verdict.order, order[a.evidence], a.evidence

    listing = sorted(
        (
            Assessment(e, verdicts[e], (Reason(ReasonCode.TYPE1, f"{e} is type 1."),))
            for e in listing_ids
        ),
        key=rank,
    )
    halves = {e: (f"{e} does not list ", f" (p), says {e}.") for e in ids}
    ranked = Ranked(listing, held, name=NAME, listed=listed, halves=halves, order=order)
    unlisted = [e for e in held if e not in listing_ids]
    plain = sorted([*listing, *(_unlisted(e) for e in unlisted)], key=rank)
    how = draw(st.sampled_from(["all", "without first", "first, then without it", "without"]))
    if how == "without first" and plain:
        return ranked.without_first(), plain[1:]
    if how == "first, then without it" and plain:  # as a link's outcome reads it: the runs
        assert ranked[0] == plain[0]  # made for the first are shared with the rest
        return ranked.without_first(), plain[1:]
    if how == "without":
        gone = draw(st.sampled_from(ids))
        but = ranked.without(gone, unlisted=gone in unlisted)
        return but, [a for a in plain if a.evidence != gone]
    return ranked, plain


@given(sequences())
def test_read_in_any_way_it_is_the_plain_rule(case: tuple[Ranked, list[Assessment]]) -> None:
    """Iterated, counted, indexed from either end and sliced: always the plain rule's list."""
    ranked, plain = case
    assert list(ranked) == plain
    assert len(ranked) == len(plain)
    assert [ranked[i] for i in range(len(plain))] == plain
    assert [ranked[-i] for i in range(1, len(plain) + 1)] == plain[::-1]
    assert ranked[1:3] == tuple(plain[1:3])
    assert ranked == tuple(plain)


@given(sequences())
def test_written_a_run_at_a_time_it_is_json_dumps(case: tuple[Ranked, list[Assessment]]) -> None:
    """The check's JSON writes each run of unlisted pieces with one join; the document is what
    ``json.dumps`` writes of the assessments one by one."""
    ranked, plain = case
    link = LinkResult("c", "p", 1, ("c", "p"), Verdict.NOT_EQUIVALENT, None, (), ranked)
    result = CheckResult(("c",), "zeker-online", date(2026, 11, 27), None, (link,), ())
    written = json.loads(b"".join(result.iter_json()))["links"][0]["also"]
    assert written == [
        {
            "evidence": a.evidence,
            "verdict": a.verdict.value,
            "reasons": [{"code": r.code.value, "message": r.message} for r in a.reasons],
        }
        for a in plain
    ]
    assert b"".join(result.iter_json()) == json.dumps(result.to_json(), ensure_ascii=False).encode()
