"""The start page."""

from __future__ import annotations

from starlette.responses import RedirectResponse


def index(request):
    return RedirectResponse("/issues", status_code=303)


def routes(route) -> list:
    return [route("/", index, "issues.view")]
