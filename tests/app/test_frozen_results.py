"""What heavy work leaves alive is kept out of the collector's walks, and still collected in the
end (ADR 45): a light request after a graph page no longer waits for a full pass over the
judged register, and a cycle among what was frozen is not kept for ever."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from app import limits


class Node:
    """An object the collector tracks, to make cycles of."""

    other: Node | None = None


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """A collector with nothing frozen before and after each test."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def walked() -> set[int]:
    """The ids of the objects a full pass walks (the frozen ones are not among them)."""
    return {id(o) for o in gc.get_objects()}


def test_what_heavy_work_keeps_is_not_walked_by_the_passes_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A result kept after the last heavy request ends is frozen; while one still runs, it is
    not (its own objects are still being made)."""
    monkeypatch.setattr(limits, "FROZEN_FLOOR", 10**12)
    with limits.no_full_collections():
        with limits.no_full_collections():
            kept = [Node() for _ in range(100)]
        assert id(kept[0]) in walked()
    assert gc.is_tracked(kept[0])
    assert id(kept[0]) not in walked()
    assert gc.get_freeze_count() > 0


def test_a_cycle_that_was_frozen_is_collected_at_the_next_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under the bound a frozen cycle stays; once the frozen objects pass it, the end of the
    next heavy work gives them back and sweeps, and the cycle is collected."""
    collected: list[str] = []
    monkeypatch.setattr(limits, "FROZEN_FLOOR", 10**12)
    with limits.no_full_collections():
        a, b = Node(), Node()
        a.other, b.other = b, a
        weakref.finalize(a, collected.append, "cycle")
        del a, b
    gc.collect()
    assert collected == []  # frozen: no pass walks it

    monkeypatch.setattr(limits, "FROZEN_FLOOR", 0)
    monkeypatch.setattr(limits, "_frozen_after_sweep", 0)
    with limits.no_full_collections():
        pass
    assert collected == ["cycle"]
    assert limits._frozen_after_sweep > 0  # what survived the sweep, frozen again
    assert gc.get_freeze_count() > 0
