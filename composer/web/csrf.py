"""CSRF protection: one random token per session, required on every POST.

Forms carry it as the hidden field ``csrf_token``; htmx and fetch requests send
it as the ``X-CSRF-Token`` header (base.html sets it for every htmx request).
"""

from __future__ import annotations

import hmac
import secrets

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token(session: dict) -> str:
    """The session's token, created on first use."""
    tok = session.get(FIELD)
    if not tok:
        tok = session[FIELD] = secrets.token_urlsafe(32)
    return tok


def valid(session: dict, sent: str | None) -> bool:
    expected = session.get(FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))
