"""The golden test: ../shared/examples/kinderopvang.yaml against its README's table."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.coverage import check
from graph.model import Chain
from graph.profiles import find_profile
from graph.verdicts import CheckResult, Status
from importers.chainfile import load_chain
from tests.factories import AT

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "examples"

# link: (rank, verdict, status, deciding evidence, reason codes), from the README's table.
TABLE = {
    ("kidsplan-online", "polder-iaas-ams"): (1, "EQUIVALENT", "ok", "polder-isae3402-2026", []),
    ("polder-iaas-ams", "noord-ams2"): (
        2,
        "SUPPORTING_ONLY",
        "gap",
        "noord-iso27001",
        ["management-system-only"],
    ),
    ("polder-iaas-ams", "kluis-backup"): (2, "EQUIVALENT", "ok", "kluis-zol", []),
    ("kidsplan-online", "nimbus-mail"): (
        1,
        "NOT_EQUIVALENT",
        "gap",
        "nimbus-soc2-2026",
        ["scope-location"],
    ),
    ("kidsplan-online", "nimbus-apps"): (
        1,
        "CONDITIONAL",
        "conditional",
        "nimbus-soc2-2026",
        ["other-entity"],
    ),
    ("kidsplan-online", "patchwerk-pm"): (
        1,
        "NOT_EQUIVALENT",
        "gap",
        "patchwerk-soc2-type1",
        ["type1"],
    ),
    ("kidsplan-online", "schoon-office"): (
        1,
        "OUT_OF_SCOPE",
        "out-of-scope",
        None,
        ["out-of-scope"],
    ),
}


@pytest.fixture(scope="module")
def chain() -> Chain:
    path = EXAMPLES / "kinderopvang.yaml"
    if not path.is_file():
        pytest.skip(f"../shared/examples is not here: {path} does not exist")
    return load_chain(path.read_bytes(), filename=path.name)


@pytest.fixture(scope="module")
def result(chain: Chain) -> CheckResult:
    return check(chain, profile=find_profile("zeker-online", chain), at=AT)


def test_example_is_checked_at_the_readmes_date() -> None:
    """The README checks at 2026-11-27 with profile zeker-online, the factories' AT."""
    assert AT.isoformat() == "2026-11-27"


def test_every_link_of_the_table_and_no_other(result: CheckResult) -> None:
    """The walk gives exactly the table's seven links."""
    assert {(x.consumer, x.provider) for x in result.links} == set(TABLE)


@pytest.mark.parametrize("key", list(TABLE), ids=[f"{a}->{b}" for a, b in TABLE])
def test_row_of_the_table(result: CheckResult, key: tuple[str, str]) -> None:
    """Rank, verdict, status, deciding evidence and reason codes of one row."""
    (x,) = [x for x in result.links if (x.consumer, x.provider) == key]
    got = (x.rank, x.verdict.value, x.status.value, x.evidence, [r.code.value for r in x.reasons])
    assert got == TABLE[key]


def test_out_of_scope_reason_is_the_files(result: CheckResult) -> None:
    """The out-of-scope reason's message is the file's reason."""
    (x,) = [x for x in result.links if x.provider == "schoon-office"]
    assert x.reasons[0].message == "No access to systems or data"


def test_links_come_in_rank_from_to_order(result: CheckResult) -> None:
    """The JSON lists the links by (rank, from, to)."""
    assert [(x.consumer, x.provider) for x in result.links] == [
        ("kidsplan-online", "nimbus-apps"),
        ("kidsplan-online", "nimbus-mail"),
        ("kidsplan-online", "patchwerk-pm"),
        ("kidsplan-online", "polder-iaas-ams"),
        ("kidsplan-online", "schoon-office"),
        ("polder-iaas-ams", "kluis-backup"),
        ("polder-iaas-ams", "noord-ams2"),
    ]


def test_chain_verdict_is_gap(result: CheckResult) -> None:
    """Chain verdict `gap`."""
    assert result.verdict is Status.GAP


def test_findings(result: CheckResult) -> None:
    """expiring kluis-zol, undisclosed kluis-backup, carved-out noord-ams3, third-country US;
    in the contract's order."""
    assert [(f.code.value, list(f.subjects)) for f in result.findings] == [
        ("carved-out-missing", ["polder-isae3402-2026", "polder-iaas-ams", "noord-ams3"]),
        ("undisclosed-subservice", ["polder-isae3402-2026", "polder-iaas-ams", "kluis-backup"]),
        ("expiring", ["kluis-zol"]),
        ("third-country", ["kidsplan-online", "nimbus-mail", "US"]),
    ]


def test_summary(result: CheckResult) -> None:
    """7 links, 2 ok, 1 conditional, 3 gap, 1 out-of-scope."""
    assert dict(result.summary) == {
        "links": 7,
        "ok": 2,
        "conditional": 1,
        "gap": 3,
        "out-of-scope": 1,
    }


def test_json_of_the_example(result: CheckResult) -> None:
    """The JSON header of the example."""
    doc = result.to_json()
    assert (doc["offerings"], doc["profile"], doc["at"], doc["period"], doc["verdict"]) == (
        ["kidsplan-online"],
        "zeker-online",
        "2026-11-27",
        None,
        "gap",
    )
