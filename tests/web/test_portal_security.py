"""HTTP-level security of the unit portal: each test checks the answer AND that nothing was written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from composer.web import access, accounts
from composer.web.pages.auth import LoginLimiter
from tests.web.portal_util import (PASSWORDS, changed, client, logged_in, login, manuscript_docx, page_token,
                                   portal_ws, snapshot, token_of)


@pytest.fixture
def root(make_ws):
    return portal_ws(make_ws)


def _send_text(c, title="阳谷局开展耕地保护专项检查", text="4月8日，阳谷局组织开展耕地保护专项检查。", token=None):
    return c.post("/portal/submit", data={"csrf_token": token or page_token(c), "title": title, "text": text})


def _only_id(root, unit_short: str) -> str:
    return next(p.stem for p in (root / "inbox").glob("*.md") if f"-{unit_short}-" in p.name)


def test_no_session_redirects_to_login(root):
    c = client(root)
    before = snapshot(root)
    for method, path in [("GET", "/"), ("GET", "/portal"), ("GET", "/portal/submit"), ("GET", "/issues"),
                         ("GET", "/portal/tables"), ("GET", "/portal/units/阳谷局/score"),
                         ("POST", "/portal/submit")]:
        r = c.request(method, path, data={"title": "x", "text": "y"} if method == "POST" else None)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next="), path
    assert c.get("/login").status_code == 200
    assert changed(before, snapshot(root)) == set()


def test_login_form_needs_csrf_and_rotates_the_session(root):
    c = client(root)
    r = c.get("/login")
    anonymous_token = token_of(r.text)
    before = snapshot(root)
    r = c.post("/login", data={"username": "yanggu", "password": PASSWORDS["yanggu"]})  # no token
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/login", data={"username": "yanggu", "password": PASSWORDS["yanggu"], "csrf_token": "forged"})
    assert r.status_code == 403
    assert c.get("/portal").status_code == 303  # still not logged in
    r = c.post("/login", data={"username": "yanggu", "password": PASSWORDS["yanggu"], "csrf_token": anonymous_token})
    assert r.status_code == 303 and r.headers["location"] == "/portal"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    # rotated: the token of the anonymous session no longer passes
    r = _send_text(c, token=anonymous_token)
    assert r.status_code == 403
    assert changed(before, snapshot(root)) == set()
    assert c.get("/portal").status_code == 200


def test_unit_never_sees_another_units_manuscript_or_drilldown(root):
    a, b = logged_in(root, "yanggu"), logged_in(root, "gaotang")
    assert _send_text(b, title="高唐局推进农村不动产登记", text="高唐局推进农村不动产确权登记。").status_code == 303
    b_id = _only_id(root, "高唐局")
    assert b.get(f"/portal/manuscripts/{b_id}").status_code == 200
    before = snapshot(root)
    for path in (f"/portal/manuscripts/{b_id}", "/portal/units/高唐局", "/portal/units/高唐县自然资源和规划局",
                 "/portal/units/高唐局/score", "/portal/units/高唐局/score?period=2024-04",
                 "/portal/manuscripts/nope", "/portal/units/nope"):
        r = a.get(path)
        assert r.status_code == 404, path
        assert "高唐局推进" not in r.text
    page = a.get("/portal").text
    assert "高唐局推进" not in page
    assert a.get("/portal/units/阳谷局").status_code == 200
    assert a.get("/portal/units/阳谷局/score").status_code == 200
    assert a.get("/portal/tables").status_code == 200  # everyone logged in sees the group tables
    # an editor sees both units
    e = logged_in(root, "editor1")
    assert e.get(f"/portal/manuscripts/{b_id}").status_code == 200
    assert e.get("/portal/units/高唐局/score").status_code == 200
    assert changed(before, snapshot(root)) == set()


def _path_for(route) -> str:
    """A concrete URL of ``route`` (an ``{n:int}`` parameter needs a number to match at all)."""
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: {"issue_id": "2024-03"}.get(m[1], "1" if m[2] == ":int" else "x"),
                  route.path)


def test_start_page_sends_a_unit_to_its_portal_and_an_editor_to_the_issues(root):
    assert logged_in(root, "yanggu").get("/", follow_redirects=False).headers["location"] == "/portal"
    assert logged_in(root, "editor1").get("/", follow_redirects=False).headers["location"] == "/issues"


def test_portal_shows_the_period_of_the_newest_ledger_month_not_today(root):
    (root / "ledger/events").mkdir(parents=True, exist_ok=True)
    (root / "ledger/events/2024-04.yml").write_text(
        "- {type: submission, unit: 阳谷局, date: 2024-04, count: 3}\n", encoding="utf-8")
    page = logged_in(root, "yanggu").get("/portal").text
    assert "得分 <small>2024-04</small>" in page  # as on the editors' /scores, not the current month


def test_unit_calling_an_editor_action_gets_403(root):
    from composer.web.app import route as make_route
    from composer.web.pages import all_routes

    c = logged_in(root, "yanggu")
    token = page_token(c)
    editor_only = [r for r in all_routes(make_route) if access.PERMISSIONS[r.action] == frozenset({access.EDITOR})]
    assert editor_only
    before = snapshot(root)
    for r in editor_only:
        for method in r.methods - {"HEAD"}:
            resp = c.request(method, _path_for(r), data={"csrf_token": token} if method != "GET" else None,
                             headers={"x-csrf-token": token})
            assert resp.status_code == 403, (method, r.path, resp.status_code)
    assert changed(before, snapshot(root)) == set()


def test_missing_or_wrong_csrf_token_is_403(root):
    c = logged_in(root, "yanggu")
    before = snapshot(root)
    r = c.post("/portal/submit", data={"title": "无令牌", "text": "正文。"})
    assert r.status_code == 403
    r = c.post("/portal/submit", data={"title": "错令牌", "text": "正文。", "csrf_token": "x" * 43})
    assert r.status_code == 403
    other = logged_in(root, "gaotang")  # a valid token of another session does not pass either
    r = c.post("/portal/submit", data={"title": "别人的令牌", "text": "正文。", "csrf_token": page_token(other)})
    assert r.status_code == 403
    assert c.post("/logout").status_code == 403
    assert changed(before, snapshot(root)) == set()
    assert _send_text(c).status_code == 303  # with its own token it works
    assert len(list((root / "inbox").glob("*.md"))) == 1


def test_twenty_wrong_passwords_are_slowed_then_refused(root):
    c = client(root)
    clock = [1000.0]
    c.app.state.login_limiter = LoginLimiter(clock=lambda: clock[0])
    before = snapshot(root)
    codes = [login(c, "yanggu", f"wrong-{i}").status_code for i in range(20)]
    assert codes[:5] == [401] * 5
    assert codes.count(429) >= 14, codes  # held back: the password is not even checked
    r = login(c, "yanggu")  # the right password is refused too while held back
    assert r.status_code == 429 and "Retry-After" in r.headers and "过多" in r.text
    # the same address trying other names is held back as well (per address)
    for i in range(25):
        last = login(c, f"guess{i}", "wrong-password")
    assert last.status_code == 429
    clock[0] += 3600  # an hour later the window has passed
    assert login(c, "yanggu").status_code == 303
    assert changed(before, snapshot(root)) == set()


def test_limiter_delay_grows_per_user():
    clock = [0.0]
    lim = LoginLimiter(clock=lambda: clock[0])
    keys = ("user:a", "addr:1.2.3.4")
    for _ in range(5):
        assert lim.wait(keys) == 0
        lim.failed(keys)
    assert lim.wait(keys) == pytest.approx(1)
    clock[0] += 1
    lim.failed(keys)
    assert lim.wait(keys) == pytest.approx(2)
    assert lim.wait(("user:b", "addr:1.2.3.4")) == 0  # another name from that address: not yet
    lim.succeeded("user:a")
    assert lim.wait(keys) == 0


def test_disabled_or_changed_account_old_session_stops_at_once(root):
    c = logged_in(root, "yanggu")
    assert c.get("/portal").status_code == 200
    token = page_token(c)
    accounts.disable(root, "yanggu")
    before = snapshot(root)
    r = c.get("/portal")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert _send_text(c, token=token).status_code == 303  # → log-in, nothing written
    assert not (root / "inbox").exists()
    assert login(client(root), "yanggu").status_code == 401
    assert changed(before, snapshot(root)) == set()
    # a new password ends the other sessions too
    g = logged_in(root, "gaotang")
    accounts.set_password(root, "gaotang", "another-Pass-1234")
    assert g.get("/portal").status_code == 303


def test_logout_ends_the_session_even_for_a_copied_cookie(root):
    c = logged_in(root, "yanggu")
    saved = dict(c.cookies)
    token = page_token(c)
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/portal").status_code == 303
    from starlette.testclient import TestClient

    replay = TestClient(c.app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000), follow_redirects=False)
    replay.cookies.update(saved)  # the same server, the cookie copied before log-out
    assert replay.get("/portal").status_code == 303


def test_upload_over_the_limit_or_not_a_docx_writes_nothing(root):
    from composer.web.pages.portal import MAX_UPLOAD

    c = logged_in(root, "yanggu")
    token = page_token(c)
    before = snapshot(root)
    cases = [
        ("big.txt", b"a" * (MAX_UPLOAD + 10), 413, "文件太大"),
        ("fake.docx", "这不是 Word 文件".encode(), 422, "无法读取"),
        ("zip.docx", _zip_without_document(), 422, "无法读取"),
        ("tool.exe", b"MZ\x90\x00", 422, "只收"),
        ("empty.txt", b"", 422, "空文件"),
    ]
    for name, data, status, words in cases:
        r = c.post("/portal/submit", data={"csrf_token": token}, files={"file": (name, data, "application/octet-stream")})
        assert r.status_code == status, (name, r.status_code)
        assert words in r.text and "没有收下" in r.text, name
    huge = c.post("/portal/submit", data={"csrf_token": token},
                  files={"file": ("huge.txt", b"a" * (21 * 2**20), "text/plain")})
    assert huge.status_code == 413
    assert changed(before, snapshot(root)) == set()
    assert not (root / "inbox").exists()


def _zip_without_document() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    return buf.getvalue()


def test_path_tricks_in_uploaded_file_names_stay_inside_inbox(root):
    c = logged_in(root, "yanggu")
    token = page_token(c)
    before = snapshot(root)
    names = ["../../jianbao.yml.txt", "..\\..\\contributors\\units.docx", "/etc/passwd.txt", "a/../../../b.txt",
             ".hidden.txt", "\x00evil\n.txt"]
    for i, name in enumerate(names):
        data = (manuscript_docx(f"第{i}篇稿件标题", f"正文{i}。") if name.endswith(".docx")
                else f"第{i}篇稿件标题\n\n正文{i}。".encode())
        r = c.post("/portal/submit", data={"csrf_token": token}, files={"file": (name, data, "application/octet-stream")})
        assert r.status_code == 303, (name, r.text[:500])
    diff = changed(before, snapshot(root))
    written = {p for p in diff if not p.startswith(".git/") and p != "ledger/.lock"}  # the lock file is git-ignored
    assert all(p.startswith("inbox/") or p.startswith("ledger/events/") for p in written), written
    assert len([p for p in written if p.startswith("inbox/")]) == len(names)
    assert (root / "jianbao.yml").read_bytes() == before["jianbao.yml"]
    sources = sorted(re.search(r"^source: (.*)$", p.read_text(encoding="utf-8"), re.M)[1]
                     for p in (root / "inbox").glob("*.md"))
    assert all("/" not in s and "\\" not in s and ".." not in s for s in sources), sources


def test_submission_is_counted_once_with_the_account(root):
    from composer.commands import inbox
    from composer.ledger import load_ledger
    from composer.workspace import open_workspace

    c = logged_in(root, "yanggu")
    assert _send_text(c).status_code == 303
    r = _send_text(c)  # the same text again: shown, not counted twice
    assert r.status_code == 303 and "new=dup" in r.headers["location"]
    ws = open_workspace(root)
    entries = inbox.entries(ws)
    assert [(e.status, e.unit) for e in entries] == [("待审", "阳谷县自然资源和规划局")]
    assert "by: yanggu" in entries[0].path.read_text(encoding="utf-8")
    led, diags = load_ledger(ws)
    subs = [e for e in led.events if type(e).__name__ == "Submission"]
    assert len(subs) == 1 and subs[0].ref == ws.rel(entries[0].path)
    assert not [d for d in diags if d.code == "J301"]  # by: is a known key
    log = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%an|%s", "--name-only"],
                         capture_output=True, text=True, check=True).stdout
    assert log.startswith("yanggu（阳谷县自然资源和规划局）|来稿：阳谷局")
    assert "inbox/" in log and "ledger/events/" in log


def test_password_appears_in_no_file_log_or_process_list(root, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    c = logged_in(root, "yanggu")
    _send_text(c)
    login(client(root), "gaotang", PASSWORDS["yanggu"])  # a wrong password that is another account's
    login(client(root), "yanggu", "typo-" + PASSWORDS["yanggu"])
    login(client(root), PASSWORDS["gaotang"], PASSWORDS["gaotang"])  # the password typed into the name field too
    # the CLI reads a password from a prompt or stdin: while it waits, the process list shows none
    new_password = "fresh-Pass-7788"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    p = subprocess.Popen([sys.executable, "-m", "composer", "-C", str(root), "user", "add", "newbie", "--role", "unit",
                          "--unit", "东阿局", "--password-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    time.sleep(0.3)
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    out, err = p.communicate(new_password.encode() + b"\n", timeout=30)
    assert p.returncode == 0, err.decode()
    assert new_password not in listing
    secrets = [*PASSWORDS.values(), new_password]
    blob = b"".join(snapshot(root).values())
    for s in secrets:
        assert s.encode() not in blob, s
        assert s not in caplog.text and s.encode() not in out + err
    assert "failed log-in: an unknown account name" in caplog.text and "failed log-in: account 'gaotang'" in caplog.text
    assert accounts.find(root, "newbie").hash.startswith("$argon2id$")


def test_cli_user_commands(make_ws):
    from click.testing import CliRunner

    from composer.cli import main

    root = make_ws()
    run = lambda *a, **kw: CliRunner().invoke(main, ["-C", str(root), "user", *a], **kw)  # noqa: E731
    r = run("add", "chief", "--role", "editor", input="long-enough-1\nlong-enough-1\n")
    assert r.exit_code == 0, r.output
    r = run("add", "yg", "--role", "unit", "--unit", "阳谷局", "--password-stdin", input="pw-for-yg-123\n")
    assert r.exit_code == 0, r.output  # the short name resolves to the registry unit
    assert run("add", "bad", "--role", "unit", "--unit", "无此单位", "--password-stdin", input="pw-12345678\n").exit_code == 1
    assert run("add", "short", "--role", "editor", "--password-stdin", input="short\n").exit_code == 1
    assert run("add", "yg", "--role", "editor", "--password-stdin", input="pw-12345678\n").exit_code == 1
    assert run("add", "x", "--role", "editor", "--password", "pw-12345678").exit_code == 2  # no such option
    r = run("list")
    assert "chief\teditor\t-\tenabled" in r.output and "yg\tunit\t阳谷县自然资源和规划局\tenabled" in r.output
    assert run("passwd", "yg", "--password-stdin", input="pw-new-for-yg-1\n").exit_code == 0
    assert accounts.verify(root, "yg", "pw-new-for-yg-1") is not None
    assert accounts.verify(root, "yg", "pw-for-yg-123") is None
    assert run("disable", "yg").exit_code == 0
    assert "yg\tunit\t阳谷县自然资源和规划局\tdisabled" in run("list").output
    assert accounts.verify(root, "yg", "pw-new-for-yg-1") is None
    assert run("passwd", "nobody", "--password-stdin", input="pw-12345678\n").exit_code == 1


def test_binding_beyond_loopback_needs_an_enabled_editor(make_ws):
    from composer.diagnostics import JianbaoError
    from composer.web.server import login_required
    from composer.workspace import open_workspace

    root = make_ws()
    ws = open_workspace(root)
    accounts.add(ws, "yg", "unit", "pw-12345678", "阳谷局")
    with pytest.raises(JianbaoError, match="refusing"):
        login_required(root, "0.0.0.0")  # a unit account is not enough
    accounts.add(ws, "chief", "editor", "pw-12345678")
    assert login_required(root, "0.0.0.0") is True
    assert login_required(root, "127.0.0.1") is True  # with accounts every page needs log-in
    accounts.disable(root, "chief")
    with pytest.raises(JianbaoError):
        login_required(root, "0.0.0.0")
    (root / accounts.ACCOUNTS_FILE).write_text("accounts: [oops\n", encoding="utf-8")
    with pytest.raises(JianbaoError):
        login_required(root, "0.0.0.0")  # a broken file fails closed


def test_session_cookie_secure_behind_a_tls_proxy(make_ws, live_server):
    """nginx ends TLS and sends X-Forwarded-Proto: https; uvicorn trusts loopback proxies by default."""
    import httpx2 as httpx

    root = portal_ws(make_ws, git=False)
    server = live_server(root, require_login=True)
    plain = httpx.get(server.url + "/login", timeout=10)
    assert "secure" not in plain.headers["set-cookie"].lower()
    proxied = httpx.get(server.url + "/login", headers={"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"},
                        timeout=10)
    assert proxied.status_code == 200, proxied.status_code
    assert "; secure" in proxied.headers["set-cookie"].lower()


def test_idle_session_expires(root, monkeypatch):
    from composer.web.app import SESSION_IDLE

    c = logged_in(root, "yanggu")
    assert c.get("/portal").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + SESSION_IDLE + 60)  # the signature's age is checked
    r = c.get("/portal")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_editor_sends_on_a_units_behalf(root):
    c = logged_in(root, "editor1")
    assert "阳谷局" in c.get("/portal").text  # the editor's portal lists the units
    token = page_token(c)
    r = c.post("/portal/submit", data={"csrf_token": token, "title": "无单位", "text": "正文。"})
    assert r.status_code == 422 and "请选择来稿单位" in r.text
    assert not (root / "inbox").exists()
    r = c.post("/portal/submit", data={"csrf_token": token, "unit": "高唐县自然资源和规划局",
                                       "title": "高唐局电话报送稿件", "text": "高唐局电话报送的稿件正文。"})
    assert r.status_code == 303
    text = next((root / "inbox").glob("*.md")).read_text(encoding="utf-8")
    assert "unit: 高唐县自然资源和规划局" in text and "by: editor1" in text
    g = logged_in(root, "gaotang")
    assert "高唐局电话报送稿件" in g.get("/portal").text


def test_group_tables_and_report_files_for_every_account(root):
    from click.testing import CliRunner

    from composer.cli import main
    from composer.commands import publish
    from composer.workspace import open_workspace

    assert publish.publish(open_workspace(root), "issues/2024-03", outputs=False).status == "published"
    r = CliRunner().invoke(main, ["-C", str(root), "report", "2024-04", "--format", "json,xlsx"])
    assert r.exit_code == 0, r.output
    c = logged_in(root, "yanggu")
    before = snapshot(root)
    page = c.get("/portal/tables").text
    assert "2024-04" in page and "高唐局" in page and "开发利用科" in page  # every group's table
    assert "按印发的通报" in page  # read from the issued JSON
    r = c.get("/portal/reports/2024-04/2024-04-通报.json")
    assert r.status_code == 200 and r.content == (root / "build/reports/2024-04/2024-04-通报.json").read_bytes()
    assert "attachment" in r.headers["content-disposition"]
    for path in ("/portal/reports/2024-04/..%2F..%2F..%2Fjianbao.yml", "/portal/reports/..%2F..%2Fcontributors/units.yml",
                 "/portal/reports/2024-04/nope.pdf", "/portal/tables?period=..%2F..", "/portal/reports/2024-04/.hidden"):
        assert c.get(path).status_code == 404, path
    assert changed(before, snapshot(root)) == set()


def test_ledger_add_records_the_account(make_ws):
    from composer.commands import ledger_cmd
    from composer.ledger import load_ledger
    from composer.workspace import open_workspace

    ws = open_workspace(make_ws())
    res = ledger_cmd.add(ws, "bonus", {"unit": "阳谷局", "date": "2024-04", "points": "2", "reason": "发布会"}, by="editor1")
    assert "by: editor1" in res.path.read_text(encoding="utf-8")
    _, diags = load_ledger(open_workspace(ws.root))
    assert diags == []


def test_broken_accounts_file_fails_closed(root, caplog):
    c = logged_in(root, "yanggu")
    (root / accounts.ACCOUNTS_FILE).write_text("accounts:\n  - name: yanggu\n    role: unit\n  - [\n", encoding="utf-8")
    before = snapshot(root)
    assert c.get("/portal").status_code == 303  # the session no longer resolves
    r = login(client(root), "yanggu")
    assert r.status_code == 503 and "账号文件有误" in r.text and "accounts.yml" not in r.text
    assert "contributors/accounts.yml" in caplog.text  # the server log names the file and line
    assert changed(before, snapshot(root)) == set()


def test_unit_sees_a_declined_manuscript_as_not_adopted(root):
    c = logged_in(root, "yanggu")
    assert _send_text(c).status_code == 303
    path = next((root / "inbox").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: 待审", "status: 未采用"), encoding="utf-8")
    row = re.search(r'<table class="grid" id="submissions">.*?</table>', c.get("/portal").text, re.S)[0]
    assert "未采用" in row and "待审" not in row  # a hand edit shows on the next request
