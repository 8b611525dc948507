"""HTTP-level security rules of the workbench (no browser needed)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from composer.diagnostics import JianbaoError
from composer.web import access
from composer.web.app import create_app
from composer.web.server import login_required


def client(root, **kw) -> TestClient:
    return TestClient(create_app(root, **kw), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


def test_pages_answer_on_loopback(make_ws):
    c = client(make_ws())
    r = c.get("/issues")
    assert r.status_code == 200
    assert "第3期" in r.text and 'name="csrf-token"' in r.text


def test_foreign_host_header_refused_without_accounts(make_ws):
    """DNS rebinding: a page on another site resolving to 127.0.0.1 gets nothing."""
    c = client(make_ws())
    assert c.get("/issues", headers={"host": "evil.example"}).status_code == 403


def test_foreign_peer_refused_without_accounts(make_ws):
    c = TestClient(create_app(make_ws()), base_url="http://127.0.0.1:8000", client=("192.0.2.7", 50000))
    assert c.get("/issues").status_code == 403


def test_unknown_issue_and_path_tricks_are_404(make_ws):
    c = client(make_ws())
    for path in ("/issues/nope", "/issues/..%2F..%2Fetc", "/issues/%2e%2e/preview", "/static/../jianbao.yml",
                 "/static/..%2F..%2F..%2Fjianbao.yml"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert "office" not in r.text


def test_non_loopback_bind_refused_without_accounts(make_ws):
    root = make_ws()
    with pytest.raises(JianbaoError, match="refusing to listen on 0.0.0.0"):
        login_required(root, "0.0.0.0")
    assert login_required(root, "127.0.0.1") is False
    assert login_required(root, "::1") is False


def test_every_route_declares_a_known_action():
    from composer.web.app import route
    from composer.web.pages import all_routes

    routes = all_routes(route)
    assert routes
    with pytest.raises(ValueError):
        route("/x", lambda r: None, "no.such.action")


def test_permission_table():
    unit = access.Principal(name="yg", role=access.UNIT, unit="阳谷县自然资源和规划局")
    access.authorize(access.LOCAL_EDITOR, "issues.edit")
    with pytest.raises(access.Denied) as e:
        access.authorize(unit, "issues.edit")
    assert e.value.status == 403
    with pytest.raises(access.Denied) as e:
        access.authorize(unit, "unit.view", unit="高唐县自然资源和规划局")
    assert e.value.status == 404
    access.authorize(unit, "unit.view", unit="阳谷县自然资源和规划局")
    with pytest.raises(access.Denied) as e:
        access.authorize(access.ANONYMOUS, "issues.view")
    assert e.value.status == 401
