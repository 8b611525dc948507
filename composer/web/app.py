"""The Starlette application behind ``jianbao serve``.

Every route is declared with :func:`route` and an *action*; the wrapper it
builds is the one place that resolves who is asking, asks
:func:`composer.web.access.authorize`, and checks the CSRF token on POST, before
the page function runs.  Page functions are plain (sync) functions of the
request; they run in the thread pool, so file work never blocks the event loop.
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import secrets
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from composer.diagnostics import JianbaoError
from composer.web import access, csrf, views

log = logging.getLogger("jianbao.web")

STATIC = Path(__file__).parent / "static"
MAX_BODY = 20 * 1024 * 1024  # bytes: the largest request (a manuscript upload) accepted
SESSION_IDLE = 8 * 3600  # seconds of inactivity after which a session expires
SESSION_KEY_FILE = "build/.jianbao-session-key"  # build/ is never committed


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def current_principal(request: Request) -> access.Principal:
    """Who is asking: the desktop user on loopback without accounts, else the logged-in account."""
    state = request.app.state
    if not state.require_login:
        return access.LOCAL_EDITOR
    lookup = state.account_lookup
    name = request.session.get("user")
    if not name or lookup is None:
        return access.ANONYMOUS
    return lookup(request, name) or access.ANONYMOUS


def route(path: str, endpoint, action: str, methods=("GET",), name: str | None = None, nav: str = "") -> Route:
    """A Route whose endpoint first passes the access check (and the CSRF check on POST)."""
    if action not in access.PERMISSIONS:
        raise ValueError(f"route {path}: undeclared action {action!r}")

    async def guarded(request: Request) -> Response:
        principal = await run_in_threadpool(current_principal, request)  # reads accounts.yml: off the event loop
        request.state.principal = principal
        request.scope["nav"] = nav
        try:
            access.authorize(principal, action)
        except access.Denied as d:
            if d.status == 401:
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            return views.error_page(request, d.status, d.reason)
        if request.method not in ("GET", "HEAD"):
            form = await request.form(max_files=20, max_fields=2000, max_part_size=MAX_BODY)
            request.state.form = form  # parsed once here: sync endpoints read it through views.posted()
            sent = form.get(csrf.FIELD) or request.headers.get(csrf.HEADER)
            if not csrf.valid(request.session, sent):
                return views.error_page(request, 403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")
        try:
            if inspect.iscoroutinefunction(endpoint):
                return await endpoint(request)
            return await run_in_threadpool(endpoint, request)
        except access.Denied as d:
            return views.error_page(request, d.status, d.reason)
        except views.NotFound:
            return views.error_page(request, 404, "没有这个页面或文件。")
        except JianbaoError as e:
            return views.error_page(request, 422, str(e), e.diagnostics)

    r = Route(path, guarded, methods=list(methods), name=name or endpoint.__name__)
    r.action = action  # for tests that walk every route
    return r


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413) before anything parses them."""

    def __init__(self, app, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or {}).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await PlainTextResponse("请求太大（上限 %d MB）" % (self.limit // 2**20), 413)(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise ValueError("request body over the limit")
            return message

        return await self.app(scope, limited, send)


class LocalHostOnly:
    """Without accounts the server is a desktop tool: only loopback peers and Host names (no DNS rebinding)."""

    def __init__(self, app, enabled: bool):
        self.app, self.enabled = app, enabled

    async def __call__(self, scope, receive, send):
        if self.enabled and scope["type"] == "http":
            client = (scope.get("client") or ("", 0))[0]
            host = dict(scope.get("headers") or {}).get(b"host", b"").decode("latin-1")
            hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if not is_loopback(client) or not is_loopback(hostname):
                return await PlainTextResponse("jianbao serve without accounts answers only on this computer", 403)(
                    scope, receive, send)
        return await self.app(scope, receive, send)


class SecureCookieOverHttps:
    """Mark cookies ``Secure`` on every HTTPS request, also when a trusted reverse proxy ended TLS.

    uvicorn takes the scheme from ``X-Forwarded-Proto`` of the proxies it trusts
    (``FORWARDED_ALLOW_IPS``, loopback by default), so behind the office's nginx the
    session cookie is Secure without any option.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("scheme") != "https":
            return await self.app(scope, receive, send)

        async def secure(message):
            if message["type"] == "http.response.start":
                headers = []
                for k, v in message.get("headers", []):
                    if k.lower() == b"set-cookie" and b"secure" not in v.lower():
                        v += b"; secure"
                    headers.append((k, v))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, secure)


def session_key(root: Path) -> str:
    """A per-workspace random key kept under build/ (never committed), so sessions survive a restart."""
    path = root / SESSION_KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        from composer.output import write_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, key)
        path.chmod(0o600)
    except OSError:
        pass  # a read-only workspace: sessions last as long as this process
    return key


def create_app(root: Path, *, require_login: bool = False, tls: bool = False) -> Starlette:
    """The application for the workspace at ``root``.

    ``require_login``: every page needs an account (any bind beyond loopback);
    otherwise the server is the single-user desktop tool and answers only on loopback.
    """
    from composer.web.pages import all_routes

    root = Path(root).resolve()
    app = Starlette(
        routes=[*all_routes(route), Mount("/static", app=StaticFiles(directory=STATIC), name="static")],
        middleware=[
            Middleware(LocalHostOnly, enabled=not require_login),
            Middleware(BodyLimit),
            Middleware(SecureCookieOverHttps),
            Middleware(SessionMiddleware, secret_key=session_key(root), session_cookie="jianbao_session",
                       max_age=SESSION_IDLE, same_site="lax", https_only=tls),
        ],
    )
    app.state.root = root
    app.state.require_login = require_login
    from composer.web import accounts
    from composer.web.pages.auth import LoginLimiter

    app.state.account_lookup = accounts.lookup  # (request, name) -> Principal | None; re-reads accounts.yml
    app.state.revoked_sessions = set()  # session ids logged out (their cookies may still be around)
    app.state.login_limiter = LoginLimiter()
    return app
