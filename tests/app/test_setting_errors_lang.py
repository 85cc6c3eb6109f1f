"""Two refusals of a setting in the request's language: an unknown language for the account or
workspace (app/languages.py) and a report's period that is not FROM..TO (the report pages);
their detail and their ``errors[].message`` Dutch under Dutch, English as before."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import Invalid
from app.languages import _checked
from app.routes.pages.reports import _parse_when
from graph import i18n
from tests.test_pseudo_cli import unmarked


def _language_refused(language: str) -> Invalid:
    with i18n.using(language), pytest.raises(Invalid) as err:
        _checked("fr")
    return err.value


def _period_refused(language: str) -> Invalid:
    with i18n.using(language), pytest.raises(Invalid) as err:
        _parse_when(None, "2026", date(2026, 11, 27))
    return err.value


def test_an_unknown_language_is_refused_in_dutch() -> None:
    """The message under ``language`` says which languages there are, in Dutch."""
    refused = _language_refused("nl")
    assert refused.errors == [{"location": "language", "message": "verwacht een van en, nl"}]


def test_a_bad_period_is_refused_in_dutch() -> None:
    """The report's period error and its message in Dutch."""
    refused = _period_refused("nl")
    assert str(refused) == "periode '2026' is niet VAN..TOT met VAN op of voor TOT"
    assert refused.errors == [{"location": "period", "message": "verwacht JJJJ-MM-DD..JJJJ-MM-DD"}]


@pytest.mark.parametrize("refuse", [_language_refused, _period_refused])
def test_nothing_english_outside_the_markers(refuse: object) -> None:
    """In the pseudo language every word of detail and messages is catalog text."""
    assert callable(refuse)
    refused = refuse("pseudo")
    texts = [str(refused), *(error["message"] for error in refused.errors or [])]
    known = {"en", "nl", "2026", "YYYY-MM-DD..YYYY-MM-DD"}
    assert [unmarked(text, known) for text in texts] == [[] for _ in texts]


def test_english_as_before() -> None:
    """English word for word as before."""
    assert _language_refused("en").errors == [
        {"location": "language", "message": "expected one of en, nl"}
    ]
    refused = _period_refused("en")
    assert str(refused) == "period '2026' is not FROM..TO with FROM on or before TO"
    assert refused.errors == [{"location": "period", "message": "expected YYYY-MM-DD..YYYY-MM-DD"}]
