"""The register importer's messages (importers/register/, the cell errors of importers/layouts.py)
in the context's language: its test files and a set of bad registers, read in the pseudo
language (nothing English outside the markers but the file's own values, quoted, and codes)
and in Dutch; English as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph import i18n
from graph.model import Kind
from importers.base import Source
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = sorted((DATA / "register").glob("*.csv")) + sorted(
    path for path in (DATA / "variants" / "worksheet").iterdir() if path.suffix != ".md"
)

HEAD = "Supplier,Service,Kind,Used by,Role,Critical,Certificate,Holder,Type,Period from,"
HEAD += "Period to,Valid until,Certificate id\n"
APP = "Acme,App,saas,,,,,,,,,,\n"

BAD = {
    "no-supplier": HEAD + APP + ",Db,paas,,,,,,,,,,\n",
    "kind": HEAD + "Acme,App,sass,,,,,,,,,,\n",
    "kind-empty": HEAD + "Acme,App,,,,,,,,,,,\n",
    "scheme": HEAD + APP + "Acme,Db,paas,App,,,ISO 99999,,,,,,\n",
    "report-type": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,x,2026-01-01,2026-06-30,,\n",
    "date": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,,,,31-02-2027,\n",
    "yes-no": HEAD + APP + "Acme,Db,paas,App,,maybe,,,,,,,\n",
    "needs-type": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,,2026-01-01,2026-06-30,,\n",
    "needs-period": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,2,,,,\n",
    "half-period": HEAD + APP + "Acme,Db,paas,App,,,SOC 2,,2,2026-01-01,,,\n",
    "needs-expiry": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,,,,,\n",
    "type-ignored": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,2,,,2027-01-01,\n",
    "type-contradicts": HEAD + APP + "Acme,Db,paas,App,,,SOC 2 type 1,,2,2026-01-01,2026-06-30,,\n",
    "unknown-consumer": HEAD + APP + "Acme,Db,paas,Ap,,,,,,,,,\n",
    "unknown-holder": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,Nobody,,,,2027-01-01,\n",
    "filled-without": HEAD + "Acme,,,,,,,,,,,2027-01-01,\n" + APP,
    "contradicts": HEAD + APP + "Acme,App,paas,,,,,,,,,,\n",
    "link-contradicts": HEAD + APP + "Acme,Db,paas,App,hosting,,,,,,,,\n"
    "Acme,Db,paas,App,storage,,,,,,,,\n",
    "certificate-contradicts": HEAD + APP + "Acme,Db,paas,App,,,ISO 27001,,,,,2027-01-01,c1\n"
    "Acme,Db,paas,App,,,ISO 27001,,,,,2028-01-01,c1\n",
    "heading-only": HEAD,
    "suppliers-only": HEAD + "Acme,,,,,,,,,,,,\nOther,,,,,,,,,,,,\n",
    "no-id": HEAD + "***,App,saas,,,,,,,,,,\n",
}
"""A bad register for each message the register importer writes."""

CODES = {kind.value for kind in Kind} | {"ja/nee", "yes/no", "NL", "DE", "IE", "id"}
CODES |= {"2026-03-31", "31-03-2026", "1", "2", "Kind", "Soort", "ketenkaart"}


def _messages(data: bytes, name: str, language: str) -> list[str]:
    fmt = "xlsx" if name.endswith(".xlsx") else "csv"
    with i18n.using(language):
        return [issue.message for issue in run(get(fmt), data, Source(name)).issues]


def _left(message: str) -> list[str]:
    """The English words outside the markers, the file's values (quoted) and codes aside."""
    without_values = re.sub(r"'[^']*'", " ", message.replace("…", "..."))
    return unmarked(without_values, CODES)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_test_files_messages_are_marked(path: Path) -> None:
    """The register's test files give messages made of catalog text and the file's values."""
    found = _messages(path.read_bytes(), path.name, "pseudo")
    assert {message: _left(message) for message in found if _left(message)} == {}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_word_of_a_message_is_marked_in_the_pseudo_language(case: str) -> None:
    """Each bad register's messages are catalog text and the file's own values."""
    found = _messages(BAD[case].encode(), "r.csv", "pseudo")
    assert found
    assert {message: _left(message) for message in found if _left(message)} == {}


@pytest.mark.parametrize(
    ("case", "dutch"),
    [
        ("kind", "'sass' is geen soort dienst (een van: saas, paas, iaas, managed, other); "),
        ("needs-expiry", "ISO/IEC 27001-certificaat: de vervaldatum ontbreekt; vul kolom "),
        ("unknown-consumer", "geen dienst 'Ap' in het register; bedoelt u 'App'?"),
        ("date", "'31-02-2027' is geen datum (schrijf 2026-03-31 of 31-03-2026)"),
    ],
)
def test_the_commonest_messages_read_dutch(case: str, dutch: str) -> None:
    """A cell's error and a row's missing piece in Dutch."""
    assert any(
        message.startswith(dutch) for message in _messages(BAD[case].encode(), "r.csv", "nl")
    )


def test_english_is_as_before() -> None:
    """English reads word for word as it did."""
    assert _messages(BAD["needs-expiry"].encode(), "r.csv", "en") == [
        "the ISO/IEC 27001 certificate needs its expiry date: fill column 'Valid until'"
    ]
    assert _messages(BAD["suppliers-only"].encode(), "r.csv", "en")[-1] == (
        "the register names no service: its 2 rows name only 2 suppliers ('Acme', 'Other'); "
        "fill the column 'Service'"
    )
    assert _messages(BAD["contradicts"].encode(), "r.csv", "en") == [
        "'paas' contradicts row 2 ('saas') for service 'App'"
    ]
