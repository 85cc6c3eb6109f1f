"""The Markdown scoping report names what an auditor writes down: the basis of every link, the
carve-outs where they bite, every piece of evidence considered, links by offering then status."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.views import markdown as markdown_view
from app.views.markdown import by_offering, md, render_markdown
from graph.coverage import check
from graph.model import (
    Chain,
    DateRange,
    Document,
    IssuerQualification,
    Opinion,
    SchemeClass,
    SubserviceMethod,
    Subservices,
    Verification,
)
from graph.profiles import ZEKER_ONLINE, find_profile
from graph.verdicts import CheckResult, LinkResult, Status
from importers.chainfile import load_chain
from tests.factories import AT, certificate, dep, make_chain, period, report, service

EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "examples" / "kinderopvang.yaml"


def row(report_text: str, link: LinkResult) -> str:
    """The table row of ``link`` (exactly one)."""
    start = f"| {link.rank} | `{link.consumer}` → `{link.provider}` |"
    rows = [line for line in report_text.splitlines() if line.startswith(start)]
    assert len(rows) == 1, f"{start} is in the report {len(rows)} times"
    return rows[0]


@pytest.fixture(scope="module")
def example() -> Chain:
    if not EXAMPLE.is_file():
        pytest.skip(f"../shared/examples is not here: {EXAMPLE} does not exist")
    return load_chain(EXAMPLE.read_bytes(), filename=EXAMPLE.name)


def _report(chain: Chain, result: CheckResult) -> str:
    return render_markdown(result, chain, find_profile("zeker-online", chain))


def test_every_ok_link_of_the_example_names_its_basis(example: Chain) -> None:
    """Each ok link's row names the deciding evidence, its scheme, period or validity, the
    opinion of a report, the issuer with qualification (or that none is on record), and what
    was seen of it."""
    result = check(example, at=AT)
    text = _report(example, result)
    ok = [link for link in result.links if link.status is Status.OK]
    assert [(x.provider, x.evidence) for x in ok] == [
        ("polder-iaas-ams", "polder-isae3402-2026"),
        ("kluis-backup", "kluis-zol"),
    ]
    for link in ok:
        assert link.evidence is not None
        e = example.evidence[link.evidence]
        line = row(text, link)
        assert f"`{e.id}`: {e.scheme.label}" in line
        if e.period is not None:
            assert f"period {e.period.start} to {e.period.end}" in line
        if e.valid_until is not None:
            assert f"to {e.valid_until}" in line
        if e.scheme.scheme_class is SchemeClass.ASSURANCE_REPORT:
            assert f"{e.opinion.value} opinion" in line
        assert (f"by {md(e.issuer)}" if e.issuer else "issuer not on record") in line
        assert "; sighted; no document on record" in line
    polder = row(text, ok[0])
    assert "type 2" in polder and "(RE)" in polder and "Voorbeeld IT-Audit B.V." in polder
    assert "unqualified opinion, reasonable assurance" in polder
    assert "counts until 2027-06-30" in polder


def test_the_example_names_the_carve_out_on_the_carved_out_link_only(example: Chain) -> None:
    """noord-ams2, carved out of polder's report, says so beside its own verdict and reasons;
    no other row does."""
    result = check(example, at=AT)
    text = _report(example, result)
    sentence = (
        "Carved out of Polder Compute Amsterdam's report polder-isae3402-2026; "
        "needs its own evidence."
    )
    for link in result.links:
        line = row(text, link)
        if link.provider == "noord-ams2":
            assert sentence in line
            assert "`SUPPORTING_ONLY`" in line and "management-system-only:" in line
        else:
            assert "Carved out" not in line


def test_the_example_in_period_mode_keeps_every_piece_considered(example: Chain) -> None:
    """Over an audit period, every link's row names each piece of evidence considered, and each
    piece that does not decide appears with its verdict, basis and every reason."""
    result = check(example, period=period("2026-01-01", "2026-12-31"))
    text = _report(example, result)
    assert any(link.also for link in result.links), "the example must have pieces in also"
    for link in result.links:
        line = row(text, link)
        if link.evidence:
            assert f"`{link.evidence}`: " in line
        for a in link.also:
            basis = example.evidence[a.evidence].scheme.label
            assert f"`{a.evidence}` `{a.verdict.value}`: {basis}" in line
            for reason in a.reasons:
                assert f"→ {reason.code.value}: {md(reason.message)}" in line
    mail = next(x for x in result.links if x.provider == "nimbus-mail")
    assert mail.evidence is None
    assert "scope-location: SOC 2 report nimbus-soc2-2026 covers" in row(text, mail)


def _two_offerings() -> Chain:
    return make_chain(
        offerings=("web", "api"),
        services=[
            service("web"),
            service("api"),
            service("host", supplier="hostco"),
            service("dc", supplier="dcco"),
            service("mail", supplier="mailco"),
        ],
        dependencies=[
            dep("web", "host"),
            dep("host", "dc"),
            dep("api", "mail"),
            dep("api", "host"),
        ],
        evidence=[
            report(
                "host-soc2",
                holder="hostco",
                covers=["host"],
                issuer="Audit & Co",
                issuer_qualification=IssuerQualification.RA,
                subservices=Subservices(SubserviceMethod.CARVE_OUT, carved_out=("dc",)),
            ),
            certificate("dc-iso", holder="dcco", covers=["dc"]),
        ],
    )


def test_links_are_grouped_by_offering_then_status() -> None:
    """Each offering has its heading, in the result's order, with its links' status groups
    under it in report order (gaps first); a link sits under the offering it is reached from."""
    chain = _two_offerings()
    text = render_markdown(check(chain, at=AT), chain, ZEKER_ONLINE)
    headings = [line for line in text.splitlines() if line.startswith(("### ", "#### "))]
    assert headings == [
        "### Web (`web`): 2 links",
        "#### Gaps: links without equivalent certification (1)",
        "#### Covered: links with equivalent certification (1)",
        "### Api (`api`): 3 links",
        "#### Gaps: links without equivalent certification (2)",
        "#### Covered: links with equivalent certification (1)",
    ]
    web = text[text.index("### Web") : text.index("### Api")]
    assert "`host` → `dc`" in web and "`api` → `mail`" not in web


@pytest.mark.parametrize("offering", ["web", "api"])
def test_one_offerings_links_are_those_its_walk_finds(offering: str) -> None:
    """A check of one offering lists, under it, the links the walk over its in-scope links
    reaches (what a check of several offerings finds for it), without a second walk."""
    chain = _two_offerings()
    both = by_offering(check(chain, at=AT))
    alone = check(chain, offerings=[offering], at=AT)
    assert by_offering(alone) == {offering: list(alone.links)}
    key = [(link.consumer, link.provider) for link in by_offering(alone)[offering]]
    assert sorted(key) == sorted((link.consumer, link.provider) for link in both[offering])


def test_what_was_seen_is_said_and_can_fail() -> None:
    """A claimed report says nobody saw it; a document named in the chain is named; taking the
    carve-out away takes its sentence away."""
    chain = _two_offerings()
    text = render_markdown(check(chain, at=AT), chain, ZEKER_ONLINE)
    assert "Carved out of Host's report host-soc2; needs its own evidence." in text
    assert "by Audit &amp; Co (RA)" in text
    host = replace(
        chain.evidence["host-soc2"],
        verification=Verification.CLAIMED,
        opinion=Opinion.QUALIFIED,
        document=Document(name="host-soc2.pdf"),
        subservices=Subservices(),
    )
    changed = replace(chain, evidence={**chain.evidence, "host-soc2": host})
    text = render_markdown(check(changed, at=AT), changed, ZEKER_ONLINE)
    assert "Carved out" not in text
    assert "qualified opinion" in text
    assert "claimed only: nobody has seen the document; document host-soc2.pdf" in text


def test_a_report_carried_by_its_bridge_letter_counts_until_the_bridge_ends() -> None:
    """The demo's stale PostgreSQL report names its bridge letter and counts, at 2026-11-27,
    until the profile's bridge limit, not until its own age runs out (2026-09-30)."""
    path = Path(__file__).resolve().parents[1] / "examples" / "demo-chain.yaml"
    chain = load_chain(path.read_bytes(), filename=path.name)
    result = check(chain, at=AT)
    text = _report(chain, result)
    link = next(x for x in result.links if x.provider == "stratus-postgres")
    line = row(text, link)
    assert "bridge letter 2025-10-01 to 2026-12-31 signed by Stratus CFO" in line
    assert "counts until 2026-12-30 with its bridge letter" in line
    assert "counts until 2026-09-30" not in line


GOLDEN = Path(__file__).resolve().parent / "data" / "markdown"
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-chain.yaml"
ODD_LABELS = """\
ketenkaart: 1
title: "a|b <img src=x onerror=alert(1)> *x* `y` _z_ [l](u)\\nnext"
offerings: [app]
suppliers:
  - {id: acme, name: Acme B.V.}
services:
  - {id: app, name: App, supplier: acme, kind: saas}
  - {id: db, name: "Data|base <b>", supplier: acme, kind: paas, locations: [NL]}
dependencies:
  - {from: app, to: db, critical: true}
"""


@pytest.mark.parametrize(
    ("case", "source", "when", "stored"),
    [
        ("demo-at", DEMO, {"at": AT}, None),
        ("demo-period", DEMO, {"period": DateRange(date(2026, 1, 1), date(2026, 12, 31))}, None),
        ("kinder-at-stored", EXAMPLE, {"at": AT}, "every other"),
        ("evil-at", None, {"at": AT}, None),
    ],
)
def test_the_report_is_its_golden_file(
    case: str, source: Path | None, when: dict[str, object], stored: str | None
) -> None:
    """The report is, byte for byte, tests/data/markdown/<case>.expected.md (but for the
    version line): at a date and over a period, with stored documents, with odd labels."""
    if source is not None and not source.is_file():
        pytest.skip(f"{source} does not exist")
    data = source.read_bytes() if source is not None else ODD_LABELS.encode()
    chain = load_chain(data, filename=f"{case}.yaml")
    profile = find_profile("zeker-online", chain)
    on_record = set(list(chain.evidence)[::2]) if stored else None
    text = render_markdown(
        check(chain, profile=profile, **when),  # type: ignore[arg-type]
        chain,
        profile,
        stored=on_record,
    )
    expected = (GOLDEN / f"{case}.expected.md").read_text(encoding="utf-8")
    generated = f"- Generated by ketenkaart {version('ketenkaart')}\n"
    assert generated in text
    assert text.replace(generated, "- Generated by ketenkaart VERSION\n") == expected


_SOME = "aZé09 .,:;/@()'\"+=#%!?{}-_*|<>&[]~`\\\t\n\x1b\x85\xa0\u2003\u3000\u202e"


@settings(max_examples=500)
@given(text=st.one_of(st.text(), st.text(alphabet=st.sampled_from(_SOME))))
def test_a_label_left_as_it_is_needed_no_escaping(text: str) -> None:
    """Most cells of a large report are left as they are, without the escaping's passes: only
    text that the escaping would give back unchanged (no HTML, markup, control character,
    line break or double space); anything else is escaped as before."""
    assert md(text) == markdown_view._escaped(text)
    if markdown_view._as_it_is(text):
        assert md(text) == text


def test_no_character_left_as_it_is_is_one_the_escaping_changes() -> None:
    """The characters that ``md`` leaves as they are, every code point between letters, are
    all ones the escaping leaves too: the scan's set of characters is written out by hand
    (markup, HTML, control characters, white space), and this holds it to the escaping."""
    kept = [chr(c) for c in range(sys.maxunicode + 1) if markdown_view._as_it_is(f"a{chr(c)}b")]
    assert len(kept) > 1_000_000
    text = "a" + "a".join(kept) + "a"
    assert markdown_view._escaped(text) == text
