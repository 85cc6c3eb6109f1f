"""DORA's export warnings (what the chain lacks for the register of information) in the
context's language: nothing English outside the markers in the pseudo language but the chain's
ids, the template's column codes and DORA's names; Dutch; English as before (the golden
warnings of tests/importers/test_dora.py)."""

from __future__ import annotations

import re

from graph import i18n
from importers.dora import export_register
from tests.importers.test_dora import small
from tests.test_pseudo_cli import unmarked

NAMES = {"B_05.02", "LEI", "EUID", "KvK", "VAT", "Annex", "III", "ICT", "iaas", "paas", "saas"}
NAMES |= {"managed", "S01", "S14", "S17", "S18", "S19", "x-dora-ict-service"}
_VALUES = re.compile(r"'[^']*'|\bb_\d+\.\d+\.\d+\b|\S+ -> \S+|\(\d+ and up\)|\b\d+\b")


def _warnings(language: str) -> list[str]:
    with i18n.using(language):
        return [warning.message for warning in export_register(small()).warnings]


def test_nothing_english_outside_the_markers() -> None:
    """Every warning of the small chain's export is catalog text, ids and codes."""
    found = _warnings("pseudo")
    assert found
    left = {message: unmarked(_VALUES.sub(" ", message), NAMES) for message in found}
    assert {message: words for message, words in left.items() if words} == {}


def test_dutch() -> None:
    """The missing costs and country in Dutch."""
    found = _warnings("nl")
    assert (
        "de keten bevat geen kosten: de valuta en de totale jaarlijkse uitgaven zijn leeg; de "
        "uitgaven zijn verplicht voor directe aanbieders" in found
    )
    assert "geen land: b_05.01.0050 (land van het hoofdkantoor) is leeg" in found
    assert len(found) == len(_warnings("en"))
