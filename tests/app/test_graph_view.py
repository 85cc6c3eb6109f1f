"""The graph view's data and pages: layout by rank, links, reasons, evidence, safe embedding."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import date
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient

from app.views.graph import (
    STATIC,
    TEMPLATES,
    Y_GAP,
    graph_payload,
    offline_html,
    render_graph_page,
    script_json,
    vis_assets,
    vis_directory,
)
from graph import i18n
from graph.coverage import check
from graph.model import Chain, DateRange, Kind
from tests.factories import dep, make_chain, report, service, supplier

AT = date(2026, 11, 27)
HOSTILE = "<img src=x onerror=alert(1)></script><!--\u2028&amp;"


def tree_chain(*, reverse: bool = False) -> Chain:
    """app -> (web, db); web -> cache; db -> disk, dc; disk -> dc (dc shared); one hostile name."""
    services = [
        service("app"),
        service("web", supplier="webco"),
        service("db", supplier="dbco", kind=Kind.PAAS),
        service("cache", supplier="webco", kind=Kind.MANAGED),
        service("disk", supplier="dcco", kind=Kind.IAAS),
        service("dc", name=HOSTILE, supplier="dcco", kind=Kind.OTHER),
    ]
    dependencies = [
        dep("app", "web"),
        dep("app", "db"),
        dep("web", "cache"),
        dep("db", "disk"),
        dep("db", "dc"),
        dep("disk", "dc"),
    ]
    evidence = [report("db soc2/2026", holder="dbco", covers=["db"])]
    if reverse:
        services = [services[0], *reversed(services[1:])]
        dependencies.reverse()
    return make_chain(
        services=services,
        dependencies=dependencies,
        evidence=evidence,
        suppliers=[supplier("dcco", name=HOSTILE)],
    )


def payload_of(chain: Chain, **kwargs: Any) -> dict[str, Any]:
    """The payload of the chain's check at AT, of offering app."""
    return graph_payload(
        chain,
        check(chain, at=AT),
        offering="app",
        document_url=kwargs.pop("document_url", None),
        **kwargs,
    )


def places(payload: dict[str, Any]) -> dict[str, tuple[int, int, str | None]]:
    """Each node's (level, place down its rank's column, parent)."""
    return {n["id"]: (n["level"], n["y"], n.get("parent")) for n in payload["nodes"]}


def test_layout_puts_the_offering_on_top_and_each_rank_below() -> None:
    """Level 0 is the offering, then rank by rank; a shared provider sits at its nearest rank."""
    p = places(payload_of(tree_chain()))
    assert {s: level for s, (level, _, _) in p.items()} == {
        "app": 0,
        "web": 1,
        "db": 1,
        "cache": 2,
        "disk": 2,
        "dc": 2,
    }
    assert p["dc"][2] == "db" and p["cache"][2] == "web"
    assert p["app"][2] is None


def test_layout_orders_each_rank_by_parent_then_id_and_centres_parents() -> None:
    """Within a rank: the parent's order first, then the ids; a parent stands over its children."""
    p = places(payload_of(tree_chain()))
    rank2 = sorted((x, s) for s, (level, x, _) in p.items() if level == 2)
    assert [s for _, s in rank2] == ["dc", "disk", "cache"]  # children of db (left), then web
    assert p["db"][1] < p["web"][1]
    assert p["db"][1] == (p["dc"][1] + p["disk"][1]) // 2
    assert p["disk"][1] - p["dc"][1] >= Y_GAP


def test_payload_does_not_depend_on_the_order_of_the_file() -> None:
    """The same chain written in another order gives the same picture, node for node."""
    assert places(payload_of(tree_chain())) == places(payload_of(tree_chain(reverse=True)))


def test_edges_carry_status_verdict_reasons_and_evidence() -> None:
    """Every link is an edge with its status and verdict; its reason sentences come along."""
    chain = tree_chain()
    result = check(chain, at=AT)
    payload = payload_of(chain, document_url="/w/ws1/evidence/{id}/document")
    edges = payload["edges"]
    assert len(edges) == len(result.links)
    for edge, link in zip(edges, result.links, strict=True):
        assert (edge["from"], edge["to"]) == (link.consumer, link.provider)
        assert edge["status"] == link.status.value and edge["verdict"] == link.verdict.value
        sentences = [payload["reasons"][i][1] for i in edge["reasons"]]
        assert sentences == [r.message for r in link.reasons]
    db = next(e for e in edges if e["to"] == "db")
    assert db["status"] == "ok"
    piece = payload["evidence"]["db soc2/2026"]
    assert piece["document"] == "/w/ws1/evidence/db%20soc2%2F2026/document"
    assert piece["scheme"] == "SOC 2 report type 2"
    assert piece["holderName"] == "Dbco B.V."


def test_each_fact_is_sent_once_and_nothing_empty() -> None:
    """A supplier's name once, however many services it has; no empty field, no place the page
    can work out (x from the rank); a hostile name stays data."""
    payload = payload_of(tree_chain())
    assert payload["suppliers"]["dcco"] == HOSTILE
    assert sorted(payload["suppliers"]) == ["acme", "dbco", "dcco", "webco"]
    for node in payload["nodes"]:
        assert "supplierName" not in node and "x" not in node
        assert node.get("locations", ["a place"]) and node.get("parent", "a parent")
    for edge in payload["edges"]:
        assert "id" not in edge
        assert all(edge.get(key, True) for key in ("role", "critical", "uncovered", "bridged"))
    assert payload["xGap"] > 0


def test_a_sentence_shared_by_links_is_sent_once() -> None:
    """The two links into the shared data centre point at the same reason entries."""
    payload = payload_of(tree_chain())
    into_dc = [e["reasons"] for e in payload["edges"] if e["to"] == "dc"]
    assert len(into_dc) == 2 and into_dc[0] == into_dc[1]
    texts = [tuple(r) for r in payload["reasons"]]
    assert len(texts) == len(set(texts))


def test_document_links_only_for_the_documents_given() -> None:
    """With a set of evidence that has a document, other pieces get no link."""
    payload = payload_of(tree_chain(), document_url="/d/{id}", documents=set())
    assert payload["evidence"]["db soc2/2026"]["document"] is None
    assert payload_of(tree_chain())["evidence"]["db soc2/2026"]["document"] is None


def test_wrong_offering_or_document_pattern_is_refused_with_its_name() -> None:
    """An offering that was not checked, or a pattern with another field, is a ValueError."""
    chain = tree_chain()
    with pytest.raises(ValueError, match="offering 'web'"):
        graph_payload(chain, check(chain, at=AT), offering="web", document_url=None)
    with pytest.raises(ValueError, match=r"document_url '/w/\{ws\}/e/\{id\}'"):
        payload_of(chain, document_url="/w/{ws}/e/{id}")


def test_audit_period_is_named_and_uncovered_days_listed() -> None:
    """In audit period mode the payload names the period and each link's uncovered days."""
    chain = tree_chain()
    result = check(chain, period=DateRange(date(2026, 1, 1), date(2026, 12, 31)))
    payload = graph_payload(chain, result, offering="app", document_url=None)
    assert payload["period"] == "2026-01-01 to 2026-12-31" and payload["at"] is None
    db = next(e for e in payload["edges"] if e["to"] == "db")
    assert db["uncovered"] == ["2026-07-01 to 2026-12-31"]


@pytest.mark.parametrize("text", [HOSTILE, "</SCRIPT >", "<!--<script>", "a\u2029b", "&lt;"])
def test_script_json_cannot_end_its_script_block(text: str) -> None:
    """No <, >, & or line separator survives raw, and JSON reads the text back unchanged."""
    embedded = str(script_json({"name": text}))
    assert not set(embedded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(embedded) == {"name": text}


def page_app(chain: Chain) -> Starlette:
    """The page in a bare Starlette app with the two static mounts the template asks for."""
    templates = Jinja2Templates(directory=TEMPLATES)

    async def page(request: Request) -> Response:
        return render_graph_page(
            templates,
            request,
            chain,
            check(chain, period=DateRange(date(2026, 1, 1), date(2026, 6, 30))),
            offering="app",
            document_url="/w/ws1/evidence/{id}/document",
            profiles=["strict"],
            extra={"user": None},
        )

    return Starlette(
        routes=[
            Route("/graph", page),
            Mount("/static/vis", StaticFiles(directory=vis_directory()), name="vis"),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )


def test_page_embeds_the_data_safely_and_runs_no_inline_code() -> None:
    """Scripts come from the app only; the data block holds the payload; no inline style."""
    chain = tree_chain()
    with TestClient(page_app(chain)) as client:
        response = client.get("/graph")
        assert response.status_code == 200
        text = response.text
        for src in re.findall(r'<script[^>]* src="([^"]+)"', text):
            assert src.startswith("http://testserver/static/")  # the app's own origin
            assert client.get(src).status_code == 200
    assert "<img src=x" not in text
    assert " style=" not in text and "<style" not in text
    blocks = re.findall(r"<script([^>]*)>(.*?)</script>", text, flags=re.DOTALL)
    inline = [(attrs, body) for attrs, body in blocks if body.strip()]
    assert [attrs for attrs, _ in inline] == [' type="application/json" id="graph-data"']
    data = json.loads(inline[0][1])
    assert HOSTILE in [n["name"] for n in data["nodes"]]
    assert data["period"] == "2026-01-01 to 2026-06-30"


def test_page_form_keeps_the_current_date_period_and_profile() -> None:
    """The GET form shows the period checked and lists the profiles, the current one chosen."""
    with TestClient(page_app(tree_chain())) as client:
        text = client.get("/graph").text
    assert 'name="period" value="2026-01-01..2026-06-30"' in text
    assert 'name="at" value=""' in text
    assert '<option value="zeker-online" selected>' in text
    assert '<option value="strict">' in text


def test_offline_file_says_its_date_as_the_language_does() -> None:
    """The offline file's heading gives the evaluation date as the rest of its text does: in
    Dutch "27 november 2026", not the ISO date."""
    chain = tree_chain()
    with i18n.using("nl"):
        page = offline_html(chain, check(chain, at=date(2026, 11, 27)), offering="app").decode()
    assert "op 27 november 2026" in page
    assert "op 2026-11-27" not in page


def test_offline_file_inlines_everything_under_a_hash_policy() -> None:
    """One file: every inline script and style has its hash in the policy; nothing loads."""
    chain = tree_chain()
    page = offline_html(chain, check(chain, at=AT), offering="app").decode()
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert found is not None
    policy = html.unescape(found[1])
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"

    def digest(body: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"

    scripts = [
        body
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
        if "application/json" not in attrs
    ]
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    assert len(scripts) == 4 and len(styles) == 3  # vis-network, words.js, graph.js, wide.js
    assert directives["script-src"].split() == [digest(s) for s in scripts]
    assert directives["style-src"].split() == [digest(s) for s in styles]
    markup = re.sub(r"<(script|style)([^>]*)>.*?</\1>", "", page, flags=re.DOTALL)
    assert re.findall(r"""\s(?:src|href)=["']?([^"'\s>]*)""", markup) == ["#graph-table"]
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page)
    assert data is not None
    assert HOSTILE in [n["name"] for n in json.loads(data[1])["nodes"]]


def test_vis_assets_are_the_files_pyvis_ships() -> None:
    """The app serves pyvis's vis-network 9.1.2 script and style sheet."""
    assets = vis_assets()
    assert assets["vis-network.min.js"].read_text(encoding="utf-8")[:200].count("9.1.2") == 1
    assert assets["vis-network.css"].stat().st_size > 0
