"""The HTML side: one Jinja2 environment (autoescaping every value), and how a page is answered.

Templates live in ``app/templates`` and extend ``base.html``; static files are served from
``app/static`` by the app itself. Pages never carry inline scripts or styles (the
Content-Security-Policy of :mod:`app.security` forbids them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render ``template`` with ``context`` (every value escaped by the template engine)."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)
