"""Large answers in pieces of a sensible size.

>>> [len(c) for c in chunked([b"ab", b"cd", b"e"], size=3)]
[4, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK = 1 << 20


def chunked(pieces: Iterable[bytes], *, size: int = CHUNK) -> Iterator[bytes]:
    """Join many small pieces into chunks of at least ``size`` bytes (the last may be less):
    one write or network send per megabyte, not per piece."""
    held: list[bytes] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(held)
            held, length = [], 0
    if held:
        yield b"".join(held)
