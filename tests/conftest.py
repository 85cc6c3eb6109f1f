"""What every test shares: a language chosen by the test, never by the machine's locale.

The command line writes in the language of ``KETENKAART_LANG`` or the POSIX locale variables
(issue 15); a developer whose shell says ``LANG=nl_NL.UTF-8`` would otherwise see the English
golden files fail. A test that wants a language sets it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KETENKAART_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
