"""A provider's own components set apart (importers/internal.py): out of scope, lifted links."""

from __future__ import annotations

from datetime import date

from graph.coverage import check
from graph.model import Chain, Dependency, Kind, Service, Supplier
from graph.verdicts import Status
from importers.chainfile import dump_plain, load_plain
from importers.internal import LISTED, VIA, Internal, set_apart


def chain_of(links: list[tuple[str, str]], offerings: tuple[str, ...] = ("app",)) -> Chain:
    ids = dict.fromkeys(sid for link in links for sid in link)
    services = {
        sid: Service(sid, sid.title(), "cloud" if sid.startswith("x") else "me", Kind.OTHER)
        for sid in ids
    }
    dependencies = {(c, p): Dependency(c, p, role=f"{c} to {p}") for c, p in links}
    suppliers = {sid: Supplier(sid, sid.title()) for sid in ("me", "cloud")}
    return Chain(offerings, suppliers, services, dependencies)


def statuses(chain: Chain) -> dict[tuple[str, str], Status]:
    result = check(chain, at=date(2026, 12, 4))
    return {(link.consumer, link.provider): link.verdict.status for link in result.links}


def test_internal_links_go_out_of_scope_with_the_reason() -> None:
    chain = chain_of([("app", "a"), ("app", "b"), ("app", "xdb")])
    apart, warning = set_apart(chain, [Internal("app", "a", "App"), Internal("app", "b", "App")])
    assert [(d.relevant, d.reason) for d in apart.dependencies.values()] == [
        (False, "part of App's own system"),
        (False, "part of App's own system"),
        (True, None),
    ]
    assert warning is not None
    assert warning.severity == "warning"
    assert warning.message.startswith(
        "2 links between services of one provider, nested or marked as internal, are written "
        "as out of scope: part of App's own system: app -> a, app -> b; --keep-internal"
    )


def test_what_internal_components_rely_on_is_linked_from_the_top_and_still_checked() -> None:
    """app -> a -> b (internal) and b -> xdb: the check reaches xdb over app -> xdb (via b)."""
    chain = chain_of([("app", "a"), ("a", "b"), ("b", "xdb"), ("a", "xq")])
    assert statuses(chain)[("b", "xdb")] is Status.GAP
    apart, warning = set_apart(chain, [Internal("app", "a", "App"), Internal("a", "b", "App")])
    lifted = apart.dependencies[("app", "xdb")]
    assert lifted.extra == {VIA: "b"}
    assert lifted.role == "b to xdb"  # the link's own attributes come along
    assert apart.dependencies[("app", "xq")].extra == {VIA: "a"}
    assert statuses(apart) == {
        ("app", "a"): Status.OUT_OF_SCOPE,
        ("app", "xq"): Status.GAP,
        ("app", "xdb"): Status.GAP,
    }
    assert warning is not None
    assert "linked directly: app -> xq (via a), app -> xdb (via b)" in warning.message
    assert load_plain(dump_plain(apart)) == apart


def test_a_link_that_exists_is_not_made_again() -> None:
    chain = chain_of([("app", "a"), ("a", "xdb"), ("app", "xdb")])
    apart, _ = set_apart(chain, [Internal("app", "a", "App")])
    assert apart.dependencies[("app", "xdb")] == chain.dependencies[("app", "xdb")]
    assert len(apart.dependencies) == 3


def test_a_link_out_of_scope_already_keeps_its_reason() -> None:
    chain = chain_of([("app", "a")])
    own = Dependency("app", "a", relevant=False, reason="decommissioned")
    chain = Chain(chain.offerings, chain.suppliers, chain.services, {own.key: own})
    apart, _ = set_apart(chain, [Internal("app", "a", "App")])
    assert apart.dependencies[("app", "a")].reason == "decommissioned"


def test_nothing_internal_changes_nothing() -> None:
    chain = chain_of([("app", "a")])
    assert set_apart(chain, []) == (chain, None)
    assert set_apart(chain, [Internal("app", "nowhere", "App")]) == (chain, None)


def test_a_cycle_of_internal_links_ends() -> None:
    chain = chain_of([("app", "a"), ("a", "b"), ("b", "a"), ("b", "xdb")])
    apart, _ = set_apart(
        chain,
        [Internal("app", "a", "App"), Internal("a", "b", "App"), Internal("b", "a", "App")],
    )
    assert apart.dependencies[("app", "xdb")].extra == {VIA: "b"}


def test_the_warning_names_ten_links_and_counts_the_rest() -> None:
    parts = [f"m{n:02}" for n in range(LISTED + 3)]
    chain = chain_of([("app", part) for part in parts])
    _, warning = set_apart(chain, [Internal("app", part, "App") for part in parts])
    assert warning is not None
    assert f"app -> m{LISTED - 1:02} and 3 more;" in warning.message
    assert f"m{LISTED:02}" not in warning.message
