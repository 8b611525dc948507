"""Helpers of the portal tests: a workspace with accounts, log-in through the form, byte snapshots."""

from __future__ import annotations

import io
import re
from pathlib import Path

from starlette.testclient import TestClient

from composer.web.app import create_app

# test passwords: the "appears in no file or log" test greps for every one of them
PASSWORDS = {"editor1": "editor-Pass-9137", "yanggu": "yanggu-Pass-4821", "gaotang": "gaotang-Pass-5530"}
UNITS = {"yanggu": "阳谷局", "gaotang": "高唐局"}


def add_accounts(root: Path) -> None:
    from composer.web import accounts
    from composer.workspace import open_workspace

    ws = open_workspace(root)
    accounts.add(ws, "editor1", "editor", PASSWORDS["editor1"])
    for name, unit in UNITS.items():
        accounts.add(ws, name, "unit", PASSWORDS[name], unit)


def portal_ws(make_ws, git: bool = True) -> Path:
    from tests.web.conftest import git_init

    root = make_ws()
    add_accounts(root)
    if git:
        git_init(root)
    return root


def client(root: Path, **kw) -> TestClient:
    app = create_app(root, require_login=True, **kw)
    return TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000), follow_redirects=False)


def token_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m[1]


def login(c: TestClient, name: str, password: str | None = None):
    r = c.get("/login")
    assert r.status_code == 200
    return c.post("/login", data={"username": name, "password": password or PASSWORDS[name],
                                  "csrf_token": token_of(r.text)})


def logged_in(root: Path, name: str) -> TestClient:
    c = client(root)
    r = login(c, name)
    assert r.status_code == 303, r.text
    return c


def page_token(c: TestClient, path: str = "/portal/submit") -> str:
    r = c.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return token_of(r.text)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the workspace (git objects included) by relative path → bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def manuscript_docx(title: str, body: str, credit: str = "") -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(title)
    for para in body.split("\n\n"):
        d.add_paragraph(para)
    if credit:
        d.add_paragraph(credit)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
