"""The JSON document of a check: keys and shape as in verdicts.md, byte-identical output."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from graph.coverage import check
from graph.model import Chain, Evidence, ReportException
from tests.factories import AT, certificate, dep, make_chain, period, report, service, supplier

EXC = (ReportException(criterion="CC6.1"),)


def sample() -> Chain:
    """A small chain with every kind of link and a few findings."""
    return make_chain(
        services=[
            service("app", personal_data=True),
            service("db", supplier="dbco", locations=("NL", "DE")),
            service("mail", supplier="mailco", locations=("US", "IE"), personal_data=True),
            service("clean", supplier="schoon"),
            service("disk", supplier="dbco"),
        ],
        dependencies=[
            dep("app", "db"),
            dep("app", "mail"),
            dep("app", "clean", relevant=False, reason="No access"),
            dep("db", "disk"),
        ],
        evidence=[
            report("db-soc2", holder="dbco", covers=["db"], locations=("DE", "NL")),
            certificate("db-iso", holder="dbco", covers=["disk", "db"]),
            report("mail-soc2", holder="mailco", covers=["mail"], exceptions=EXC),
        ],
        suppliers=[supplier("dbco", parent="group"), supplier("mailco", parent="group")],
    )


LINK_KEYS = [
    "from",
    "to",
    "rank",
    "path",
    "verdict",
    "status",
    "evidence",
    "reasons",
    "also",
    "uncovered",
    "bridged",
]


def test_document_keys_in_contract_order() -> None:
    """Top-level keys: offerings, profile, at, period, verdict, links, findings, summary."""
    doc = check(sample(), at=AT).to_json()
    assert list(doc) == [
        "offerings",
        "profile",
        "at",
        "period",
        "verdict",
        "links",
        "findings",
        "summary",
    ]
    assert (doc["offerings"], doc["profile"], doc["at"], doc["period"]) == (
        ["app"],
        "zeker-online",
        "2026-11-27",
        None,
    )
    assert list(doc["summary"]) == ["links", "ok", "conditional", "gap", "out-of-scope"]


def test_link_keys_and_values() -> None:
    """Each link has from, to, rank, path, verdict, status, evidence, reasons, also, uncovered,
    bridged; in point-in-time mode uncovered and bridged are empty lists."""
    doc = check(sample(), at=AT).to_json()
    for link in doc["links"]:
        assert list(link) == LINK_KEYS
        assert (link["uncovered"], link["bridged"]) == ([], [])
        for reason in link["reasons"]:
            assert list(reason) == ["code", "message"]
        for other in link["also"]:
            assert list(other) == ["evidence", "verdict", "reasons"]
    first = doc["links"][0]
    assert first == {
        "from": "app",
        "to": "clean",
        "rank": 1,
        "path": ["app", "clean"],
        "verdict": "OUT_OF_SCOPE",
        "status": "out-of-scope",
        "evidence": None,
        "reasons": [{"code": "out-of-scope", "message": "No access"}],
        "also": [],
        "uncovered": [],
        "bridged": [],
    }
    db = doc["links"][1]
    assert (db["to"], db["verdict"], db["status"], db["evidence"]) == (
        "db",
        "EQUIVALENT",
        "ok",
        "db-soc2",
    )
    assert [a["evidence"] for a in db["also"]] == ["db-iso"]
    assert db["also"][0]["verdict"] == "SUPPORTING_ONLY"
    assert [r["code"] for r in db["also"][0]["reasons"]] == ["management-system-only"]


def test_findings_shape() -> None:
    """Each finding has code, severity, subjects and message."""
    doc = check(sample(), at=AT).to_json()
    assert doc["findings"]
    for finding in doc["findings"]:
        assert list(finding) == ["code", "severity", "subjects", "message"]
        assert isinstance(finding["subjects"], list)
        assert finding["message"]
    assert {"code": "third-country", "severity": "warning"}.items() <= doc["findings"][-1].items()
    assert doc["findings"][-1]["subjects"] == ["app", "mail", "US"]


def test_document_is_plain_json_data() -> None:
    """to_json returns plain data that json.dumps accepts and that round-trips."""
    doc = check(sample(), at=AT).to_json()
    assert json.loads(json.dumps(doc)) == doc


def test_same_input_gives_byte_identical_json() -> None:
    """Checking the same chain twice gives the same bytes."""
    first = json.dumps(check(sample(), at=AT).to_json())
    second = json.dumps(check(sample(), at=AT).to_json())
    assert first == second


def reordered(chain: Chain) -> Chain:
    """The chain with every list and mapping in reverse order."""

    def flip(e: Evidence) -> Evidence:
        return replace(e, covers=e.covers[::-1], locations=e.locations[::-1])

    return replace(
        chain,
        suppliers=dict(reversed(chain.suppliers.items())),
        services={
            k: replace(s, locations=s.locations[::-1]) for k, s in reversed(chain.services.items())
        },
        dependencies=dict(reversed(chain.dependencies.items())),
        evidence={k: flip(e) for k, e in reversed(chain.evidence.items())},
    )


def test_order_of_the_chains_lists_does_not_change_the_json() -> None:
    """The same chain with its lists in another order gives byte-identical JSON."""
    chain = sample()
    assert json.dumps(check(chain, at=AT).to_json()) == json.dumps(
        check(reordered(chain), at=AT).to_json()
    )


def test_order_does_not_change_the_json_in_period_mode() -> None:
    """Byte-identical JSON in audit period mode too."""
    chain = sample()
    audit = period("2026-01-01", "2026-12-31")
    assert json.dumps(check(chain, period=audit).to_json()) == json.dumps(
        check(reordered(chain), period=audit).to_json()
    )


def test_chain_verdict_and_summary_in_json() -> None:
    """verdict is the worst link status; summary counts the links."""
    doc = check(sample(), at=AT).to_json()
    assert doc["verdict"] == "gap"
    assert doc["summary"] == {"links": 4, "ok": 1, "conditional": 1, "gap": 1, "out-of-scope": 1}


def located(evidence_locations: tuple[str, ...], provider_locations: tuple[str, ...]) -> str:
    chain = make_chain(
        services=[service("app"), service("db", supplier="dbco", locations=provider_locations)],
        dependencies=[dep("app", "db")],
        evidence=[report("r", holder="dbco", covers=["db"], locations=evidence_locations)],
    )
    return json.dumps(check(chain, at=AT).to_json())


def test_order_of_evidence_locations_does_not_change_the_json() -> None:
    """Byte-identical JSON when the evidence's `locations` come in another order."""
    assert located(("DE", "US"), ("NL",)) == located(("US", "DE"), ("NL",))


def test_order_of_service_locations_does_not_change_the_json() -> None:
    """Byte-identical JSON when the provider's `locations` come in another order."""
    assert located(("NL",), ("DE", "US")) == located(("NL",), ("US", "DE"))


@pytest.mark.parametrize("mode", ["at", "period"])
def test_streamed_json_is_in_the_layout_of_json_dumps(mode: str) -> None:
    """iter_json() pieces join to valid JSON in json.dumps's layout (", " and ": ", non-ASCII
    as is): dumping the parsed document gives the same bytes, shared providers included."""
    chain = make_chain(
        services=[service("app"), service("web"), service("db", supplier="dbco")],
        dependencies=[dep("app", "db"), dep("web", "db"), dep("app", "web")],
        evidence=[
            report("r1", holder="dbco", covers=["db"], exceptions=(ReportException("CC6.1"),)),
            report("r2", holder="dbco", covers=["other"], type=1),
        ],
    )
    kwargs = {"at": AT} if mode == "at" else {"period": period("2026-01-01", "2026-12-31")}
    result = check(chain, **kwargs)  # type: ignore[arg-type]
    expected = json.dumps(result.to_json(), ensure_ascii=False).encode()
    assert b"".join(result.iter_json()) == expected
