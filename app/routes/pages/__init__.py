"""The browser pages of a workspace: overview, register tables with their forms, import, the
graph of an offering and its scoping report.

Every page is rendered on the server (Jinja2, autoescaping every value) and checks the
signed-in browser's access the way the API does: no session leads to the sign-in page, no way
into the workspace is a 404 page, a role that may not do this is a 403 page. Every form carries
the session's CSRF token, checked before anything is read or changed; every change names the
person, the address and the request in the audit trail. Routes stay thin: they read the form,
call one service and render its answer or its errors, each error next to the field it names.

One module per kind of page: :mod:`.access` (the visit, its CSRF check and the page context
every page shares, people's pages too), :mod:`.overview`, :mod:`.entities` (the register's
tables and forms, whose controls :mod:`.fields` derives from :mod:`graph.schema` and
:mod:`.forms` turns into bodies and back), :mod:`.importing`, :mod:`.reports` (the graph and
the scoping report) and :mod:`.changes` (what changed between two moments). :data:`router`
holds every route, in that order.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.routes.pages import changes, entities, importing, overview, reports
from app.routes.pages.fields import FIELDS, Field
from app.routes.pages.forms import OTHER, body_of, form_values, place_errors
from app.routes.pages.reports import scope_rows
from importers.formats import IMPORT_FORMATS

router = APIRouter(include_in_schema=False)
for _part in (overview, entities, importing, reports, changes):
    # the routes themselves, not a nested router: ``router.routes`` lists every page route
    router.routes.extend(_part.router.routes)

__all__ = [
    "FIELDS",
    "IMPORT_FORMATS",
    "OTHER",
    "Field",
    "body_of",
    "form_values",
    "place_errors",
    "router",
    "scope_rows",
]
