"""Pages: the jinja2 environment (autoescaped), page and error responses, workspace lookups."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from composer.web import access, csrf

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # no user text reaches a page unescaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["may"] = access.may
    return env


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """Render ``template`` with the request, principal and CSRF token in the context."""
    principal = getattr(request.state, "principal", access.ANONYMOUS)
    html = environment().get_template(template).render(
        request=request,
        principal=principal,
        csrf_field=csrf.FIELD,
        csrf_token=csrf.token(request.session),
        nav=request.scope.get("nav", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str, diagnostics=()) -> HTMLResponse:
    titles = {400: "请求有误", 403: "没有权限", 404: "未找到", 413: "文件太大", 422: "无法完成", 500: "内部错误"}
    return page(request, "error.html", status=status, title=titles.get(status, "错误"), message=message,
                diagnostics=list(diagnostics))


def workspace(request: Request):
    """The workspace, opened afresh for every request: a file edited by hand shows up at once."""
    from composer.workspace import open_workspace

    return open_workspace(request.app.state.root)


class NotFound(Exception):
    """A path or id from the request that names nothing in the workspace (→ 404)."""


def issue_dir(ws, issue_id: str) -> Path:
    """The folder of issue ``issue_id``; only ids of existing issue folders are accepted."""
    for d in ws.issue_dirs():
        if d.name == issue_id:
            return d
    raise NotFound(issue_id)


def commit(request: Request, paths, message: str) -> str | None:
    """Record a write made through the web: one git commit of ``paths`` authored by the account."""
    from composer.web import audit

    return audit.commit(request.app.state.root, list(paths), message, request.state.principal)


def posted(request: Request):
    """The form of a POST, as the route guard parsed (and CSRF-checked) it."""
    return request.state.form
