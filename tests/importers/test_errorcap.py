"""The errors of one file capped as the common run shows them (importers/errorcap.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph import i18n
from importers.base import MAX_ERRORS, ImportIssue
from importers.errorcap import capped


def error(n: int) -> ImportIssue:
    return ImportIssue(f"row {n}", "empty")


@pytest.mark.parametrize("number", [0, 1, MAX_ERRORS])
def test_up_to_the_cap_every_error_is_kept(number: int) -> None:
    issues = [error(n) for n in range(number)]
    assert capped(issues) == tuple(issues)


def test_one_over_the_cap_counts_two() -> None:
    shown = capped([error(n) for n in range(MAX_ERRORS + 1)])
    assert len(shown) == MAX_ERRORS
    assert str(shown[-1]) == "… and 2 more errors"
    assert str(shown[-2]) == f"row {MAX_ERRORS - 2}: empty"


def test_warnings_are_all_kept_in_their_place() -> None:
    warning = ImportIssue("", "note", "warning")
    shown = capped([warning, *(error(n) for n in range(30)), warning])
    assert shown[0] == warning and shown[-2] == warning
    assert str(shown[-1]) == "… and 11 more errors"
    assert sum(issue.severity == "error" for issue in shown) == MAX_ERRORS


def test_equal_errors_are_counted_not_confused() -> None:
    same = [ImportIssue("", "bad")] * 25
    shown = capped(same)
    assert [str(issue) for issue in shown] == ["bad"] * (MAX_ERRORS - 1) + ["… and 6 more errors"]


def test_a_lazy_stream_is_read_once_to_its_end() -> None:
    read: list[int] = []

    def stream() -> Iterator[ImportIssue]:
        for n in range(10_000):
            read.append(n)
            yield error(n)

    shown = capped(stream())
    assert len(read) == 10_000
    assert str(shown[-1]) == f"… and {10_000 - MAX_ERRORS + 1} more errors"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "… and 2 more errors"),
        ("nl", "… en nog 2 fouten"),
        ("pseudo", "⟦… and 2 more errors⟧"),
    ],
)
def test_the_count_is_in_the_context_language(language: str, expected: str) -> None:
    """The line counting the rest is catalog text (it counts two or more)."""
    with i18n.using(language):
        shown = capped([error(n) for n in range(MAX_ERRORS + 1)])
    assert str(shown[-1]) == expected
