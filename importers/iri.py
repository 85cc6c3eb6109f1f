"""jsonschema's IRI format checks, with the library that judges IRIs loaded only when needed.

CycloneDX's JSON schemas mark 18 fields ``"format": "iri-reference"``. jsonschema checks that
format with ``rfc3987_syntax``, which builds its grammar when it is imported: 1.2-2 s here,
more than the rest of a CycloneDX import (issue 13). :func:`format_checks` loads jsonschema with
``rfc3987_syntax`` held back and registers the ``iri`` and ``iri-reference`` checks itself:

- a value that is a valid RFC 3986 URI (reference) passes at once, by ``rfc3986_validator``
  (the regular expression jsonschema itself uses for ``uri``): every URI is an IRI, as RFC 3987
  section 2.2 builds the IRI grammar from the URI grammar with more characters allowed;
- every other value, a non-ASCII one, an invalid one or one with an IP literal (``[::1]``,
  which ``rfc3987_syntax`` refuses where RFC 3986 allows it) goes to ``rfc3987_syntax``
  itself, imported the first time such a value comes along.

So a value passes exactly when ``rfc3987_syntax`` would pass it, and a BOM whose addresses are
plain URLs never pays for the grammar. ``tests/importers/test_iri.py`` holds the two to each
other.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = ["format_checks"]

_RULES = {"iri": ("URI", "iri"), "iri-reference": ("URI_reference", "iri_reference")}
_lock = threading.Lock()


@cache
def format_checks() -> Any:
    """jsonschema's draft 7 format checker (the one CycloneDX's validators use), with the IRI
    checks of this module; call it before the first CycloneDX JSON validator is made."""
    held_back = "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules
    if held_back:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment] # an ImportError for jsonschema
    try:
        from jsonschema import Draft7Validator  # type: ignore[import-untyped]  # noqa: PLC0415
    finally:
        if held_back:
            del sys.modules["rfc3987_syntax"]
    checker = Draft7Validator.FORMAT_CHECKER
    if held_back:
        for name, (uri_rule, iri_rule) in _RULES.items():
            checker.checks(name)(_iri_check(uri_rule, iri_rule))
    return checker


def _iri_check(uri_rule: str, iri_rule: str) -> Callable[[object], bool]:
    from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]  # noqa: PLC0415

    def check(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        if instance.isascii() and "[" not in instance and validate_rfc3986(instance, rule=uri_rule):
            return True
        return bool(_full_grammar()(iri_rule, instance))

    return check


def _full_grammar() -> Callable[[str, str], Any]:
    with _lock:
        module = importlib.import_module("rfc3987_syntax")
    checker: Callable[[str, str], Any] = module.is_valid_syntax
    return checker
