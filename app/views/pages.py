"""The HTML side: one Jinja2 environment (autoescaping every value), and how a page is answered.

Templates live in ``app/templates`` and extend ``base.html``; static files are served from
``app/static`` by the app itself. Pages never carry inline scripts or styles (the
Content-Security-Policy of :mod:`app.security` forbids them).

One environment serves every language (issue 15, ADR 36): Jinja's i18n extension is installed
with :mod:`graph.i18n`'s callables, which read the request's language (``graph.i18n.current()``,
set by :class:`app.languages.Language`) at each call. ``_()`` and ``{% trans %}`` blocks take the
words of a template; ``| t`` translates a word the code hands over (a form's label); ``| date``
and ``| number`` write a date or a count as the language writes them (``| grouped``: a count
with the thousands grouped in English too, as the pagers write them).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import markupsafe
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from graph import i18n
from graph.i18n import N_

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands"}
"""The language switch's words: each language named in itself."""

WORDS = {
    # the register's sections, as headings and in the workspace's navigation
    "suppliers": N_("suppliers"),
    "services": N_("services"),
    "dependencies": N_("dependencies"),
    "evidence": N_("evidence"),
    "profiles": N_("profiles"),
    "supplier": N_("supplier"),
    "service": N_("service"),
    "dependency": N_("dependency"),
    "profile": N_("profile"),
    # roles (the codes stay in forms and the API; a page names them in words)
    "owner": N_("owner"),
    "editor": N_("editor"),
    "viewer": N_("viewer"),
    "auditor": N_("auditor"),
    # a finding's weight (graph.verdicts.Severity)
    "warning": N_("warning"),
    "info": N_("info"),
    # where an auditor's engagement stands (app.routes.people_pages.grant_state)
    "running": N_("running"),
    "starts later": N_("starts later"),
    "ended": N_("ended"),
    "revoked": N_("revoked"),
}
"""Words the code hands a page by their English name, for ``| word`` (a code stays a code where
a form or the API reads it; the page shows it in words). Lower case: a heading capitalises."""


DOWNLOADS = (
    N_("Markdown"),
    N_("CSV (links)"),
    N_("XLSX worksheet"),
    N_("Graph, offline HTML"),
)
"""The report page's download links (app.routes.pages.reports), written through ``| t``."""


def _translated(message: str) -> str:
    """A word the code hands the template (a label, a hint), in the request's language."""
    return i18n.gettext(message) if message else message


_CODED = re.compile(r"([a-z0-9][a-z0-9-]*): (.+)")


def choice_text(text: str) -> str:
    """The text of a choice in the request's language: a word, or ``code: words`` (a scheme:
    ``iso27001: ISO/IEC 27001 certificate``), whose code stays as it is.

    >>> with i18n.using("pseudo"):
    ...     choice_text("soc2: SOC 2 report"), choice_text("yes")
    ('soc2: ⟦SOC 2 report⟧', '⟦yes⟧')
    """
    coded = _CODED.fullmatch(text)
    if coded is not None:
        return f"{coded.group(1)}: {i18n.gettext(coded.group(2))}"
    return _translated(text)


HYPHENATED = re.compile(r"(?<![\w-])\w+(?:-\w+)+(?![\w-])")
"""A date (``2026-12-06``) or an id (``stratus-isae3402-pg``): words joined by hyphens."""

LONGEST_WHOLE = 40
"""The longest such word kept on one line; a longer one may break, rather than overflow."""


def unbroken(text: object) -> markupsafe.Markup:
    """``text``, escaped, with each date and id in it kept on one line: a browser breaks a line
    after a hyphen, which split ``2026-12-`` from ``06`` and ``stratus-`` from ``isae3402-pg``
    in a narrow column.

    >>> str(unbroken("dijk-ams1 until 2026-05-31 <b>"))
    '<span class="whole">dijk-ams1</span> until <span class="whole">2026-05-31</span> &lt;b&gt;'
    """
    out, last, value = [], 0, str(text)
    for found in HYPHENATED.finditer(value):
        if len(found[0]) > LONGEST_WHOLE:
            continue
        out.append(markupsafe.escape(value[last : found.start()]))
        out.append(markupsafe.Markup('<span class="whole">{}</span>').format(found[0]))
        last = found.end()
    out.append(markupsafe.escape(value[last:]))
    return markupsafe.Markup("").join(out)


def _date(value: date | str) -> str:
    """A date as the request's language writes it (27 november 2026); an ISO text is read."""
    return i18n.format_date(date.fromisoformat(value) if isinstance(value, str) else value)


def _grouped(value: int) -> str:
    """A count as the request's language writes it, thousands grouped: 1,234 in English (as
    the pagers always did), 1.234 in Dutch."""
    return i18n.format_number(int(value), grouped=True)


def language_links(request: Request) -> list[tuple[str, str, str, bool]]:
    """The language switch: for each language its code, name, address and whether it is the
    page's. The address is this page with ``lang`` set (a GET); after a form (a POST) it is the
    page the form was on, when the browser says so and it is this site's, else the start."""
    if request.method in ("GET", "HEAD"):
        base = request.url.path
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    else:
        referer = urlsplit(request.headers.get("referer", ""))
        own = referer.netloc == request.url.netloc and referer.path.startswith("/")
        base, query = (referer.path, []) if own else ("/", [])
    current = i18n.current()
    links = []
    for code in ("en", "nl"):
        params = [*query, ("lang", code)]
        href = base + "?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params)
        links.append((code, LANGUAGE_NAMES[code], href, code == current))
    return links


def _quote(text: str) -> str:
    return quote(text, safe="")


def _word(code: str) -> str:
    return i18n.gettext(WORDS[code]) if code in WORDS else code


ONE = {"evidence": N_("piece of evidence")}
"""A kind of entity in the singular where its English word is also its plural."""


def one(code: str) -> str:
    """One entity of a kind in words (``evidence``: one piece of it). English writes the kind's
    code, as the pages always did; another language the word for one.

    >>> one("evidence"), one("supplier")
    ('evidence', 'supplier')
    >>> with i18n.using("pseudo"):
    ...     one("evidence"), one("supplier")
    ('⟦piece of evidence⟧', '⟦supplier⟧')
    """
    if i18n.current() == i18n.DEFAULT:
        return code
    return i18n.gettext(ONE[code]) if code in ONE else _word(code)


def link_word() -> str:
    """An invitation's link in words: ``link`` in English (as the people page always wrote it),
    the word for an invitation link in another language, where a link is a link of the chain
    (docs/glossary.md)."""
    if i18n.current() == i18n.DEFAULT:
        return "link"
    return i18n.gettext(N_("invitation link"))


def _language() -> str:
    """The page's ``lang``: the request's language (the test-only pseudo language is English)."""
    language = i18n.current()
    return language if language in i18n.LANGUAGES else i18n.DEFAULT


def install_i18n(env: jinja2.Environment) -> None:
    """Give ``env`` the i18n extension, with :mod:`graph.i18n`'s callables (read at each call,
    so one environment serves every language), and the filters and globals of the pages; an
    environment that has them already is left as it is."""
    if "jinja2.ext.InternationalizationExtension" in env.extensions:
        return
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext=i18n.gettext,
        ngettext=i18n.ngettext,
        newstyle=True,
    )
    env.filters["t"] = _translated
    env.filters["choice"] = choice_text
    env.filters["word"] = _word
    env.filters["one"] = one
    env.filters["date"] = _date
    env.filters["unbroken"] = unbroken
    env.filters["number"] = lambda value: i18n.format_number(int(value))
    env.filters["grouped"] = _grouped
    env.globals["language"] = _language
    env.globals["language_links"] = language_links
    env.globals["link_word"] = link_word


templates = Jinja2Templates(directory=TEMPLATES_DIR)
install_i18n(templates.env)


def page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render ``template`` with ``context`` (every value escaped by the template engine)."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)
