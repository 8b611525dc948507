"""The start page: editors go to the issues, a unit account to its portal."""

from __future__ import annotations

from starlette.responses import RedirectResponse

from composer.web import access


def index(request):
    principal = request.state.principal
    return RedirectResponse("/portal" if principal.role == access.UNIT else "/issues", status_code=303)


def routes(route) -> list:
    return [route("/", index, "home")]
