"""Who may do what: the one place every request passes through.

A request's :class:`Principal` is either the local desktop user (loopback
without accounts: the editor of this workspace), a logged-in account, or
anonymous.  Every route declares an *action*; :func:`authorize` looks the action
up in :data:`PERMISSIONS` and says whether the principal may perform it.
Actions that concern one unit's data also pass the unit, so a unit account only
ever reaches its own.
"""

from __future__ import annotations

from dataclasses import dataclass

EDITOR = "editor"
UNIT = "unit"

# action -> roles allowed.  "public" actions need no log-in at all.
PUBLIC = "public"
PERMISSIONS: dict[str, frozenset[str]] = {
    "static": frozenset({PUBLIC}),
    "login": frozenset({PUBLIC}),
    "logout": frozenset({PUBLIC}),  # still a POST with the CSRF token
    "home": frozenset({EDITOR, UNIT}),  # `/`: a redirect by role
    # the editors' workbench
    "issues.view": frozenset({EDITOR}),
    "issues.edit": frozenset({EDITOR}),
    "issues.build": frozenset({EDITOR}),
    "issues.publish": frozenset({EDITOR}),
    "inbox.view": frozenset({EDITOR}),
    "inbox.edit": frozenset({EDITOR}),
    "ledger.view": frozenset({EDITOR}),
    "ledger.edit": frozenset({EDITOR}),
    "scores.view": frozenset({EDITOR}),
    "reports.write": frozenset({EDITOR}),
    "history.view": frozenset({EDITOR}),
    # what every logged-in account may see (published group tables and 通报 files)
    "tables.view": frozenset({EDITOR, UNIT}),
    "reports.view": frozenset({EDITOR, UNIT}),  # download the published 通报 files
    # a unit's own data (the unit is checked against the principal's unit)
    "unit.view": frozenset({EDITOR, UNIT}),
    "unit.submit": frozenset({EDITOR, UNIT}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: ``name`` is the account (or ``local``), ``unit`` binds a unit account."""

    name: str
    role: str | None  # EDITOR | UNIT | None (anonymous)
    unit: str | None = None
    local: bool = False  # the single-user desktop tool on loopback

    @property
    def anonymous(self) -> bool:
        return self.role is None

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR


ANONYMOUS = Principal(name="", role=None)
LOCAL_EDITOR = Principal(name="local", role=EDITOR, local=True)


class Denied(Exception):
    """Raised by :func:`authorize`; ``status`` is 401 (log in first), 403 or 404."""

    def __init__(self, status: int, reason: str = ""):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def authorize(principal: Principal, action: str, unit: str | None = None) -> None:
    """Raise :class:`Denied` unless ``principal`` may perform ``action`` (on ``unit``'s data).

    A unit account asking for another unit's data gets 404, not 403: it must not
    even learn that the thing exists.
    """
    allowed = PERMISSIONS.get(action)
    if allowed is None:
        raise Denied(403, f"unknown action {action!r}")  # a route without a declared action is closed
    if PUBLIC in allowed:
        return
    if principal.anonymous:
        raise Denied(401, "log in first")
    if principal.role not in allowed:
        raise Denied(403, "这个操作需要编辑权限")
    if unit is not None and principal.role == UNIT and principal.unit != unit:
        raise Denied(404, "not found")


def may(principal: Principal, action: str, unit: str | None = None) -> bool:
    try:
        authorize(principal, action, unit)
    except Denied:
        return False
    return True
