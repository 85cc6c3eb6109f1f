"""importers.basis in Dutch: every part of a link's basis and its carve-out notes through the
catalog, English as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph import i18n
from graph.coverage import check
from graph.model import (
    Accreditation,
    BridgeLetter,
    Chain,
    DateRange,
    Document,
    Evidence,
    IssuerQualification,
    Opinion,
    ReportException,
    Scheme,
    SubserviceMethod,
    Subservices,
    Supplier,
    Verification,
)
from graph.profiles import ZEKER_ONLINE, find_profile
from importers.basis import basis_of, link_bases
from importers.chainfile import load_chain
from tests.test_pseudo_cli import unmarked

ROOT = Path(__file__).resolve().parents[2]
CHAINS = [
    ROOT / "examples" / "demo-chain.yaml",
    ROOT.parent / "shared" / "examples" / "kinderopvang.yaml",
]
AT = date(2026, 11, 27)

CHAIN = Chain(offerings=(), suppliers={"s": Supplier(id="s", name="Stratus B.V.")})
REPORT = Evidence(
    id="r",
    scheme=Scheme.ISAE3402,
    holder="s",
    covers=("x",),
    type=2,
    period=DateRange(date(2024, 10, 1), date(2025, 9, 30)),
    issued=date(2026, 2, 1),
    opinion=Opinion.QUALIFIED,
    exceptions=(ReportException(), ReportException()),
    criteria=("security",),
    issuer="Audit B.V.",
    issuer_qualification=IssuerQualification.RE,
    subservices=Subservices(SubserviceMethod.INCLUSIVE, included=("dc",)),
    bridge_letter=BridgeLetter(date(2026, 1, 1), date(2026, 12, 31), signed_by="CFO"),
    verification=Verification.CLAIMED,
    document=Document(name="r.pdf"),
)
CERTIFICATE = Evidence(
    id="c",
    scheme=Scheme.ISO27001,
    holder="s",
    covers=("x",),
    issued=date(2025, 3, 1),
    valid_until=date(2028, 2, 28),
    issuer_qualification=IssuerQualification.CB,
    accreditation=Accreditation(iaf_mla=False),
    verification=Verification.VERIFIED,
)


def test_a_report_reads_the_same_in_english_as_before() -> None:
    """English: every part as the report always wrote it (ISO dates, "type 2", plurals)."""
    assert basis_of(REPORT, CHAIN, profile=ZEKER_ONLINE, at=AT, stored=set()) == (
        "ISAE 3402 report, type 2, held by Stratus B.V.; period 2024-10-01 to 2025-09-30, "
        "issued 2026-02-01, bridge letter 2026-01-01 to 2026-12-31 signed by CFO, counts until "
        "2026-12-30 with its bridge letter; qualified opinion, reasonable assurance, 2 exceptions; "
        "criteria security; by Audit B.V. (RE); includes dc; claimed only: nobody has seen the "
        "document; document r.pdf, not stored"
    )
    assert basis_of(CERTIFICATE, CHAIN) == (
        "ISO/IEC 27001 certificate, held by Stratus B.V.; valid 2025-03-01 to 2028-02-28; issuer "
        "not on record (certification body), accredited (not under the IAF MLA); verified with "
        "the issuer; no document on record"
    )


def test_a_report_reads_dutch_under_dutch() -> None:
    """Dutch: the glossary's words (type II, oordeel met beperking, overbruggingsverklaring,
    inclusive-methode) and Dutch dates; names, ids and criteria as the chain has them."""
    with i18n.using("nl"):
        report = basis_of(REPORT, CHAIN, profile=ZEKER_ONLINE, at=AT, stored=set())
        certificate = basis_of(CERTIFICATE, CHAIN, stored={"c"})
    assert report == (
        "ISAE 3402-assurancerapport, type II, ten name van Stratus B.V.; periode 1 oktober 2024 "
        "tot en met 30 september 2025, uitgegeven 1 februari 2026, overbruggingsverklaring "
        "1 januari 2026 tot en met 31 december 2026, ondertekend door CFO, telt met de "
        "overbruggingsverklaring mee tot en met 30 december 2026; oordeel met beperking, redelijke "
        "mate van zekerheid, 2 uitzonderingen; criteria security; door Audit B.V. (RE); past de "
        "inclusive-methode toe op dc; alleen gemeld: niemand heeft het document gezien; "
        "document r.pdf, niet opgeslagen"
    )
    assert certificate == (
        "ISO/IEC 27001-certificaat, ten name van Stratus B.V.; geldig van 1 maart 2025 tot en "
        "met 28 februari 2028; uitgever niet vastgelegd (certificatie-instelling), "
        "geaccrediteerd (niet onder de IAF MLA); geverifieerd bij de uitgever; document vastgelegd"
    )


@pytest.mark.parametrize("path", CHAINS, ids=lambda p: p.stem)
@pytest.mark.parametrize("period", [False, True], ids=["at", "period"])
def test_every_basis_and_note_is_marked_in_the_pseudo_language(path: Path, period: bool) -> None:
    """Under the pseudo language no word of a basis, a piece considered beside it or a
    carve-out note is left outside the markers, but the chain's own names, ids and criteria."""
    if not path.is_file():
        pytest.skip(f"{path} does not exist")
    chain = load_chain(path.read_bytes(), filename=path.name)
    profile = find_profile("zeker-online", chain)
    when = {"period": DateRange(date(2026, 1, 1), date(2026, 10, 31))} if period else {"at": AT}
    result = check(chain, profile=profile, **when)
    known = {"sha256", "RE", "RA", "CPA", "WP", "QSA", "3PAO", "…"}
    for supplier in chain.suppliers.values():
        known |= {supplier.name}
    for e in chain.evidence.values():
        known |= {e.id, e.issuer or "", e.version or "", *e.criteria, *(e.subservices.included)}
        known |= {*e.subservices.carved_out, (e.document.name or "") if e.document else ""}
        known |= {(e.document.sha256 or "") if e.document else ""}
        if e.bridge_letter:
            known.add(e.bridge_letter.signed_by or "")
        if e.accreditation:
            known.add(e.accreditation.body or "")
    known |= {s.name for s in chain.services.values()}
    with i18n.using("pseudo"):
        bases = link_bases(result, chain, profile=profile, stored={"nothing"})
    texts = [
        t for b in bases.values() for t in (b.basis or "", *b.notes, *(a.basis for a in b.also))
    ]
    assert any(b.notes for b in bases.values()) or path.stem == "demo-chain"
    left = {t: unmarked(t, known) for t in texts}
    assert {t: words for t, words in left.items() if words} == {}
