"""One module per area of the web product; each exports ``routes(route) -> list[Route]``.

``route(path, endpoint, action, methods=…, nav=…)`` comes from composer.web.app and
wraps the endpoint in the access and CSRF checks.
"""

from __future__ import annotations


def all_routes(route) -> list:
    from composer.web.pages import auth, home, issues, portal
    from composer.web.pages import build, history  # issue page: build/preview, audit trail
    from composer.web.pages import inbox, ledger, publish, scores  # the editors' ledger side

    out: list = []
    for module in (home, issues, build, history, inbox, publish, ledger, scores, auth, portal):
        out += module.routes(route)
    return out
