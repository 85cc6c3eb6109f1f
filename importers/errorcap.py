"""At most :data:`importers.base.MAX_ERRORS` lines of errors from one file, the last counting
the rest, so that the common run (:func:`importers.registry.run`) shows them as they are.

>>> from importers.base import ImportIssue
>>> issues = [ImportIssue(f"services[{n}].name", "required") for n in range(25)]
>>> shown = capped(issues)
>>> len(shown), str(shown[-2]), str(shown[-1])
(20, 'services[18].name: required', '… and 6 more errors')
>>> capped(issues[:20]) == tuple(issues[:20])
True
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.i18n import ngettext
from importers.base import MAX_ERRORS, ImportIssue

__all__ = ["capped"]


def capped(issues: Iterable[ImportIssue]) -> tuple[ImportIssue, ...]:
    """``issues`` (warnings all kept, in order) with at most :data:`MAX_ERRORS` errors: when
    there are more, the first ``MAX_ERRORS - 1`` and one line counting the rest. ``issues`` may
    be a lazy iterable of any length: it is read once, and only what is shown is kept."""
    kept: list[ImportIssue] = []
    held: int | None = None  # where the MAX_ERRORS-th error is: shown only when it is the last
    errors = 0
    for issue in issues:
        if issue.severity != "error":
            kept.append(issue)
            continue
        errors += 1
        if errors < MAX_ERRORS:
            kept.append(issue)
        elif errors == MAX_ERRORS:
            held = len(kept)
            kept.append(issue)
    if errors > MAX_ERRORS and held is not None:
        del kept[held]
        rest = errors - (MAX_ERRORS - 1)
        message = ngettext("… and {count} more error", "… and {count} more errors", rest)
        kept.append(ImportIssue("", message.format(count=rest)))
    return tuple(kept)
