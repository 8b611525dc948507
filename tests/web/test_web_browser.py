"""The workbench in a real browser (Debian chromium driven by playwright)."""

from __future__ import annotations


def test_issue_list_and_page(make_ws, live_server, page):
    srv = live_server(make_ws())
    page.goto(srv.url + "/issues")
    page.get_by_role("link", name="第3期").click()
    page.wait_for_url("**/issues/2024-03")
    assert page.locator("#items tr.item").count() == 4
    frame = page.frame_locator("#preview")
    assert "我市创新开展先登记后供地" in frame.locator("body").inner_text()
