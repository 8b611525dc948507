"""The unit portal in headless Chromium: a unit sends a .docx, the editors take and publish it, the unit sees it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.web.portal_util import PASSWORDS, manuscript_docx, portal_ws

SHOTS = os.environ.get("JIANBAO_SCREENSHOTS")  # a folder: save the main pages there (docs/screenshots/)


def _login(page, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_unit_sends_docx_editor_publishes_unit_sees_adoption_notice_and_score(make_ws, live_server, page, browser,
                                                                               tmp_path):
    from composer.commands import inbox, publish
    from composer.workspace import open_workspace

    root = portal_ws(make_ws)
    server = live_server(root, require_login=True)
    url = server.url

    # a page without a session goes to the log-in form
    page.goto(url + "/portal")
    assert "/login" in page.url
    _shot(page, "portal-login.png")
    _login(page, url, "yanggu")
    page.wait_for_url(url + "/portal")
    assert "阳谷县自然资源和规划局" in page.inner_text("h1")
    before = page.goto(url + "/portal?period=2024-04") and page.inner_text("#period-points")

    # send a .docx
    doc = tmp_path / "阳谷局来稿.docx"
    doc.write_bytes(manuscript_docx("阳谷局多措并举盘活存量土地", "今年以来，阳谷局多措并举盘活存量土地。\n\n共盘活土地1200亩。",
                                    "（阳谷局/路立楷）"))
    page.click("text=报送稿件")
    page.set_input_files("input[name=file]", str(doc))
    _shot(page, "portal-submit.png")
    page.click("button[type=submit]")
    page.wait_for_url("**/portal/manuscripts/**")
    assert "稿件已收到" in page.inner_text(".flash")
    page.goto(url + "/portal")
    row = page.inner_text("#submissions tbody tr")
    assert "阳谷局多措并举盘活存量土地" in row and "待审" in row and "路立楷" in row

    # an editor logs in and finds it; taking and publishing go through the shared functions
    # (the editors' inbox and publish pages are another module's)
    editor = browser.new_context(locale="zh-CN").new_page()
    _login(editor, url, "editor1")
    editor.goto(url + "/portal/units/阳谷局")
    assert "阳谷局多措并举盘活存量土地" in editor.inner_text("#submissions")
    ws = open_workspace(root)
    entry = inbox.entries(ws, "待审")[0]
    inbox.take(ws, entry.id, "2024-03", "信息")
    result = publish.publish(open_workspace(root), "2024-03")
    assert result.status == "published", result.message
    notice_txt = root / "build" / "2024-03" / "2024-03-采用情况.txt"
    assert "阳谷县自然资源和规划局：采用 1 篇，计 1分" in notice_txt.read_text(encoding="utf-8")
    assert (root / "build" / "2024-03" / "2024-03-采用情况.docx").stat().st_size > 1000
    editor.context.close()

    # the unit sees 已采用 in 第3期 as 信息, the notice, and its score changed
    page.goto(url + "/portal?period=2024-04")
    row = page.inner_text("#submissions tbody tr")
    assert "已采用" in row and "第3期" in row and "信息" in row and "待发布" not in row
    notice = page.inner_text(".notice")
    assert "第3期" in notice and "阳谷局多措并举盘活存量土地" in notice and "工作动态" in notice and "1 分" in notice
    after = page.inner_text("#period-points")
    assert (before, after) == ("0", "1")
    _shot(page, "portal-unit.png")
    page.click("text=得分明细（逐条）")
    items = page.inner_text("#score-items")
    assert "阳谷局多措并举盘活存量土地" in items and "第3期" in items
    _shot(page, "portal-score.png")
