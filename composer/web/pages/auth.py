"""Log-in and log-out.

The log-in form carries the session's CSRF token like every other form (a
log-in CSRF would sign the victim into the attacker's account).  A successful
log-in *rotates* the session: everything in it is dropped and it gets a new id
and a new CSRF token, so nothing set before log-in survives into the logged-in
session.  Wrong passwords are slowed down per account name and per address
(:class:`LoginLimiter`); while an account or address is held back, even the
right password is refused with 429 and the password is not checked at all.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from urllib.parse import urlsplit

from starlette.responses import RedirectResponse

from composer.diagnostics import JianbaoError
from composer.web import access, csrf, views

log = logging.getLogger("jianbao.web")


class LoginLimiter:
    """Failed log-ins per key (``user:NAME``, ``addr:IP``) within a window, in memory.

    After ``free`` failures a key must wait ``2 ** (failures - free)`` seconds
    (at most ``max_delay``) after its last failure before the next attempt is
    even looked at.  Addresses get more free failures than names (offices share
    one address behind their gateway).
    """

    def __init__(self, *, free_user: int = 5, free_addr: int = 20, window: float = 900, max_delay: float = 300,
                 clock=time.monotonic):
        self.free = {"user": free_user, "addr": free_addr}
        self.window, self.max_delay, self.clock = window, max_delay, clock
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._fails.get(key, ()) if now - t < self.window]
        if times:
            self._fails[key] = times
        else:
            self._fails.pop(key, None)
        return times

    def wait(self, keys) -> float:
        """Seconds before the next attempt for ``keys`` is allowed (0: now)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                over = len(times) - self.free[key.split(":", 1)[0]]
                if over >= 0:
                    delay = min(2.0 ** over, self.max_delay)
                    longest = max(longest, times[-1] + delay - now)
        return max(longest, 0.0)

    MAX_KEYS = 50_000  # invented names must not grow memory without bound

    def failed(self, keys) -> None:
        now = self.clock()
        with self._lock:
            if len(self._fails) > self.MAX_KEYS:
                for key in list(self._fails):
                    self._recent(key, now)
            for key in keys:
                self._fails.setdefault(key, []).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


def _keys(request, username: str) -> tuple[str, str]:
    client = request.client.host if request.client else "-"
    return f"user:{username.strip().casefold()}", f"addr:{client}"


def _shown(request, username: str) -> str:
    """The name for the log: only a real account's (a password typed into the name field stays out)."""
    from composer.web import accounts

    try:
        known = accounts.find(request.app.state.root, username) if username else None
    except JianbaoError:
        known = None
    return f"account {known.name!r}" if known else "an unknown account name"


def _safe_next(value: str | None) -> str:
    """Only a local path (no scheme, no host, no //) is followed after log-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else ""


def _home(principal) -> str:
    return "/portal" if principal.role == access.UNIT else "/"


def login_form(request):
    principal = request.state.principal
    nxt = _safe_next(request.query_params.get("next"))
    if not principal.anonymous and not principal.local:
        return RedirectResponse(nxt or _home(principal), status_code=303)
    return views.page(request, "login.html", next=nxt, username="", message="")


async def login(request):
    """POST /login (the CSRF token was checked by the route wrapper)."""
    from starlette.concurrency import run_in_threadpool

    from composer.web import accounts

    form = await request.form()
    username = str(form.get("username") or "").strip()[:80]
    password = str(form.get("password") or "")
    nxt = _safe_next(str(form.get("next") or ""))
    limiter: LoginLimiter = request.app.state.login_limiter
    user_key, addr_key = _keys(request, username)
    wait = limiter.wait((user_key, addr_key))
    if wait > 0:
        log.warning("log-in refused while held back: %s from %s", _shown(request, username), addr_key[5:])
        resp = views.page(request, "login.html", status=429, next=nxt, username=username,
                          message=f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试。")
        resp.headers["Retry-After"] = str(math.ceil(wait))
        return resp
    try:
        acc = await run_in_threadpool(accounts.verify, request.app.state.root, username, password) if username else None
    except JianbaoError as e:  # a broken accounts.yml: the editors see it in the server log, not the visitor
        log.error("log-in impossible: %s %s", e, "; ".join(str(d) for d in e.diagnostics))
        return views.page(request, "login.html", status=503, next=nxt, username=username,
                          message="账号文件有误，暂时无法登录，请联系编辑部。")
    if acc is None:
        limiter.failed((user_key, addr_key))
        log.warning("failed log-in: %s from %s", _shown(request, username), addr_key[5:])
        return views.page(request, "login.html", status=401, next=nxt, username=username,
                          message="用户名或密码不对，或账号已停用。")
    limiter.succeeded(user_key)
    # rotate: nothing of the anonymous session survives; new id, new CSRF token
    request.session.clear()
    request.session.update({"user": acc.name, "stamp": acc.stamp, "sid": secrets.token_urlsafe(16),
                            "at": int(time.time())})
    csrf.token(request.session)
    log.info("log-in: account %r from %s", acc.name, addr_key[5:])
    home = "/portal" if acc.role == access.UNIT else "/"
    return RedirectResponse(nxt or home, status_code=303)


def logout(request):
    sid = request.session.get("sid")
    if sid:
        request.app.state.revoked_sessions.add(sid)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def routes(route) -> list:
    return [
        route("/login", login_form, "login", nav="login"),
        route("/login", login, "login", methods=("POST",)),
        route("/logout", logout, "logout", methods=("POST",)),
    ]
