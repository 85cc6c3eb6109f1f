"""argparse's own words (``usage:``, ``options``, its error messages) through ketenkaart's catalog.

argparse translates what it writes itself with Python's gettext domain ``argparse``, for which
CPython ships no Dutch catalog; a Dutch ``--help`` would read ``usage:`` and ``options:`` around
Dutch help texts, and a Dutch usage error ``the following arguments are required``. ADR 37: the
command line points argparse's module-level ``_`` and ``ngettext`` at :mod:`graph.i18n`, which
reads the language of the context (English is the message itself, as argparse's own gettext
gives it without a catalog), and :data:`ARGPARSE_MESSAGES` marks the messages a ketenkaart user
meets for the catalog. A message argparse writes that is not in the catalog stays English.

>>> import argparse
>>> from graph.i18n import using
>>> install()
>>> with using("nl"):
...     argparse._("usage: ")
'gebruik: '
>>> argparse._("usage: ")
'usage: '
"""

from __future__ import annotations

import argparse
from typing import Final

from graph import i18n
from graph.i18n import N_

ARGPARSE_MESSAGES: Final = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
)
"""The messages of Python 3.11's argparse that a user of ketenkaart's commands can meet, marked
for the catalog (argparse looks them up itself, by these very texts)."""


def install() -> None:
    """Make argparse look its messages up in ketenkaart's catalog, in the context's language.

    Idempotent; in English every message is what argparse writes without it.
    """
    argparse._ = i18n.gettext  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]
