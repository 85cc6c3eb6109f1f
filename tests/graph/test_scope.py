"""The walk from the offerings: which links appear, their ranks, paths and order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from graph.build import build_graph
from graph.coverage import check
from graph.model import Chain, Dependency
from graph.scope import walk
from graph.verdicts import Verdict
from tests.factories import AT, dep, make_chain, service


def chain_of(
    edges: Iterable[tuple[str, str]],
    offerings: Sequence[str] = ("o",),
    out: Iterable[tuple[str, str]] = (),
) -> Chain:
    """A chain with a service per id in ``edges``; the links in ``out`` are out of scope."""
    edges = list(edges)
    out = set(out)
    ids = list(dict.fromkeys([*offerings, *(s for e in edges for s in e)]))
    deps: list[Dependency] = [
        dep(a, b, relevant=(a, b) not in out, reason="n/a" if (a, b) in out else None)
        for a, b in edges
    ]
    return make_chain(
        services=[service(s) for s in ids], dependencies=deps, offerings=list(offerings)
    )


def walked(chain: Chain, offerings: Sequence[str] | None = None) -> dict:
    """(from, to) -> (rank, path) of the check's links, in their order."""
    result = check(chain, at=AT, offerings=offerings)
    return {(x.consumer, x.provider): (x.rank, x.path) for x in result.links}


def test_direct_providers_of_the_offering_are_rank_1() -> None:
    """Rank 1 = direct provider of an offering, as in DORA's register."""
    assert walked(chain_of([("o", "a"), ("a", "b"), ("b", "c")])) == {
        ("o", "a"): (1, ("o", "a")),
        ("a", "b"): (2, ("o", "a", "b")),
        ("b", "c"): (3, ("o", "a", "b", "c")),
    }


def test_rank_counts_hops_to_the_nearest_offering() -> None:
    """A consumer reached by a short and a long route takes the short one."""
    links = walked(chain_of([("o", "a"), ("a", "b"), ("o", "b"), ("b", "c")]))
    assert links[("b", "c")] == (2, ("o", "b", "c"))
    assert links[("a", "b")] == (2, ("o", "a", "b"))


def test_path_ties_go_to_the_smallest_ids() -> None:
    """Two shortest paths: the smallest sequence of ids."""
    links = walked(chain_of([("o", "c"), ("o", "b"), ("c", "x"), ("b", "x"), ("x", "y")]))
    assert links[("x", "y")] == (3, ("o", "b", "x", "y"))


def test_path_ties_compare_from_the_offering_forward() -> None:
    """(o, b, z, t) beats (o, c, a, t): the first differing id decides, from the offering."""
    edges = [("o", "b"), ("o", "c"), ("b", "z"), ("c", "a"), ("z", "t"), ("a", "t"), ("t", "u")]
    assert walked(chain_of(edges))[("t", "u")] == (4, ("o", "b", "z", "t", "u"))


def test_path_ties_with_deeper_divergence() -> None:
    """(o, b, d, f, t) beats (o, b, e, a, t): ties compare whole sequences."""
    edges = [
        ("o", "b"),
        ("b", "d"),
        ("b", "e"),
        ("d", "f"),
        ("e", "a"),
        ("f", "t"),
        ("a", "t"),
        ("t", "u"),
    ]
    assert walked(chain_of(edges))[("t", "u")][1] == ("o", "b", "d", "f", "t", "u")


def test_path_ties_between_offerings_take_the_smallest_offering() -> None:
    """Offerings z and a both reach x in one hop: the path starts from a."""
    chain = chain_of([("z", "x"), ("a", "x"), ("x", "y")], offerings=("z", "a"))
    assert walked(chain)[("x", "y")] == (2, ("a", "x", "y"))


def test_nearest_offering_wins_over_smaller_ids() -> None:
    """Rank comes first: a one-hop path from z beats a two-hop path from a."""
    chain = chain_of([("z", "x"), ("a", "b"), ("b", "x"), ("x", "y")], offerings=("z", "a"))
    assert walked(chain)[("x", "y")] == (2, ("z", "x", "y"))


def test_an_offering_that_is_a_provider_of_another_offering_starts_at_rank_1() -> None:
    """An offering's own providers are rank 1 even when another offering relies on it."""
    chain = chain_of([("a", "b"), ("b", "c")], offerings=("a", "b"))
    assert walked(chain) == {("a", "b"): (1, ("a", "b")), ("b", "c"): (1, ("b", "c"))}


def test_multiple_offerings_walk_together() -> None:
    """Links of every offering appear."""
    chain = chain_of([("o1", "a"), ("o2", "b")], offerings=("o1", "o2"))
    assert set(walked(chain)) == {("o1", "a"), ("o2", "b")}


def test_offerings_argument_replaces_the_files() -> None:
    """`offerings` given to check replaces the chain's; any service may be named."""
    chain = chain_of([("o", "a"), ("a", "b"), ("b", "c")])
    assert walked(chain, offerings=["a"]) == {
        ("a", "b"): (1, ("a", "b")),
        ("b", "c"): (2, ("a", "b", "c")),
    }


def test_only_links_whose_consumer_is_reached_appear() -> None:
    """Links elsewhere in the file, or into the offering from outside, are not walked."""
    chain = chain_of([("o", "a"), ("x", "y"), ("x", "o")])
    assert set(walked(chain)) == {("o", "a")}


def test_walk_does_not_continue_through_an_out_of_scope_link() -> None:
    """An OUT_OF_SCOPE link appears, but the links of its provider do not."""
    chain = chain_of([("o", "a"), ("a", "b")], out=[("o", "a")])
    result = check(chain, at=AT)
    assert [(x.consumer, x.provider, x.verdict) for x in result.links] == [
        ("o", "a", Verdict.OUT_OF_SCOPE)
    ]


def test_provider_of_an_out_of_scope_link_may_be_reached_another_way() -> None:
    """The provider's links appear when a relevant route reaches it; ranks follow that route."""
    chain = chain_of([("o", "a"), ("o", "m"), ("m", "a"), ("a", "b")], out=[("o", "a")])
    links = walked(chain)
    assert links[("o", "a")] == (1, ("o", "a"))
    assert links[("m", "a")] == (2, ("o", "m", "a"))
    assert links[("a", "b")] == (3, ("o", "m", "a", "b"))


def test_out_of_scope_links_get_rank_and_path_by_the_same_rule() -> None:
    """OUT_OF_SCOPE links deeper in the chain have a rank and a shortest path too."""
    chain = chain_of([("o", "a"), ("a", "b")], out=[("a", "b")])
    assert walked(chain)[("a", "b")] == (2, ("o", "a", "b"))


def test_links_are_ordered_by_rank_then_from_then_to() -> None:
    """`links` by (rank, from, to), whatever the file order."""
    edges = [("o", "z"), ("z", "b"), ("o", "a"), ("a", "y"), ("a", "c"), ("z", "a")]
    chain = chain_of(edges)
    assert list(walked(chain)) == [
        ("o", "a"),
        ("o", "z"),
        ("a", "c"),
        ("a", "y"),
        ("z", "a"),
        ("z", "b"),
    ]


def test_links_into_an_offering_are_walked_when_their_consumer_is_reached() -> None:
    """A cycle back into the offering is a link like any other."""
    links = walked(chain_of([("o", "a"), ("a", "o")]))
    assert links == {("o", "a"): (1, ("o", "a")), ("a", "o"): (2, ("o", "a", "o"))}


def test_a_self_loop_is_a_link() -> None:
    """A service depending on itself gives a link from and to it."""
    assert walked(chain_of([("o", "o")])) == {("o", "o"): (1, ("o", "o"))}


def test_ids_compare_as_strings() -> None:
    """Ties compare ids as strings: "b10" < "b9"."""
    chain = chain_of([("o", "b9"), ("o", "b10"), ("b9", "x"), ("b10", "x"), ("x", "y")])
    assert walked(chain)[("x", "y")][1] == ("o", "b10", "x", "y")


@pytest.mark.parametrize("offerings", [["o"], ["o", "o"]])
def test_walk_function_gives_ranks_and_paths(offerings: list[str]) -> None:
    """`walk` on the graph gives the same links, ranks and paths as the check."""
    chain = chain_of([("o", "c"), ("o", "b"), ("b", "d"), ("c", "d")])
    scoped = walk(build_graph(chain), offerings=offerings)
    assert [(s.dependency.key, s.rank, s.path) for s in scoped] == [
        (("o", "b"), 1, ("o", "b")),
        (("o", "c"), 1, ("o", "c")),
        (("b", "d"), 2, ("o", "b", "d")),
        (("c", "d"), 2, ("o", "c", "d")),
    ]
