"""Pausing Python's cyclic garbage collector while a large chain's objects are made or judged.

Reading or checking a chain builds millions of small objects without reference cycles; the
cyclic collector would traverse all of them again and again (about half the time of a
20,000-service chain). Reference counting still frees everything. A one-shot process pauses
it for the whole command: the command line's chain commands, at their entry point
(``app.cli``), which as the console script leaves it off until the process ends (switched
back on, its next collection would walk every object the command made). The service keeps its
collector running, as a long-running process must collect what its requests leave; it pauses
it only while the graph page builds its payload, plain data without cycles
(``app.views.graph``, ADR 28), and holds off full passes while heavy work runs
(``app.limits.no_full_collections``, ADR 27).
The collector is process-wide, so pauses nest and may overlap between threads: it runs again
when the last pause ends, and only if it ran before the first began.

>>> import gc
>>> with paused():
...     with paused():
...         gc.isenabled()
...     gc.isenabled()
False
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (nesting and threads allowed)."""
    global _depth, _resume  # noqa: PLW0603 - one collector per process, one count of its pauses
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
