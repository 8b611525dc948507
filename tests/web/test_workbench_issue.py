"""The issue workbench in a real browser: edit a brief's credit, watch the preview and the
diagnostics follow, reorder items by dragging, and the git commit each write makes."""

from __future__ import annotations

import re
import subprocess
import time

from playwright.sync_api import expect

from tests.web.conftest import git_init

SECOND = """\
---
title: 高唐局开展耕地保护专项检查
kind: 信息
units: [高唐局]   # 报送单位
section: 工作动态
order: 2
---
4月10日，高唐局组织开展耕地保护专项检查。
"""


def log(root) -> list[str]:
    out = subprocess.run(["git", "-C", str(root), "log", "--format=%s"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def dirty(root) -> str:
    return subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True).stdout


def test_edit_brief_credit_preview_diagnostic_and_commit(make_ws, live_server, page):
    root = make_ws()
    git_init(root)
    srv = live_server(root)
    page.goto(srv.url + "/issues/2024-03")
    row = page.locator('tr.item[data-key="20-briefs.md#1"]')
    expect(row.locator(".diags")).to_have_count(0)
    row.get_by_role("link").first.click()
    page.wait_for_url("**/issues/2024-03/items/20-briefs.md/1")
    assert page.locator('input[name="credit"]').input_value() == "市不动产登记中心"

    # credit an unknown unit: saved, committed, J203 next to the item, the preview prints the new credit
    page.locator('input[name="credit"]').fill("规划科/王五")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_contain_text("修改署名")
    expect(page.frame_locator("#preview").locator("body")).to_contain_text("（规划科/王五）")
    assert log(root)[0] == "issues/2024-03/20-briefs.md 第2条简讯「3月29日，市不动产登记中心加班加点为企业办理不…」：修改署名"
    assert len(log(root)) == 2 and dirty(root) == ""
    assert "▲3月29日，市不动产登记中心加班加点为企业办理不动产抵押业务，助力企业及时拿到银行贷款。\n（规划科/王五）\n" in \
        (root / "issues/2024-03/20-briefs.md").read_text(encoding="utf-8")
    page.get_by_role("link", name="返回本期").click()
    diag = page.locator('tr.item[data-key="20-briefs.md#1"] .diags')
    expect(diag).to_contain_text("J203")
    expect(diag).to_contain_text("规划科")

    # fix it: the diagnostic is gone, the preview follows
    page.locator('tr.item[data-key="20-briefs.md#1"]').get_by_role("link").first.click()
    page.locator('input[name="credit"]').fill("市不动产登记中心/王五")
    page.get_by_role("button", name="保存").click()
    expect(page.frame_locator("#preview").locator("body")).to_contain_text("（市不动产登记中心/王五）")
    page.get_by_role("link", name="返回本期").click()
    expect(page.locator('tr.item[data-key="20-briefs.md#1"]')).to_be_visible()
    expect(page.locator('tr.item[data-key="20-briefs.md#1"] .diags')).to_have_count(0)
    assert len(log(root)) == 3

    # the file's history page lists both commits
    page.goto(srv.url + "/history?path=issues/2024-03/20-briefs.md")
    expect(page.locator("#changes tbody tr")).to_have_count(3)
    expect(page.locator("pre.diff")).to_contain_text("+（市不动产登记中心/王五）")


def test_drag_reorders_items_and_preview_follows(make_ws, live_server, page):
    root = make_ws({"issues/2024-03/02-second.md": SECOND})
    git_init(root)
    srv = live_server(root)
    page.goto(srv.url + "/issues/2024-03")
    keys = lambda: page.locator("#items tr.item").evaluate_all("rows => rows.map(r => r.dataset.key)")  # noqa: E731
    assert keys()[:2] == ["01-article.md", "02-second.md"]
    expect(page.locator("#live")).to_have_class(re.compile("ok"))  # the event stream is open

    source = page.locator('tr.item[data-key="02-second.md"] .handle')
    target = page.locator('tr.item[data-key="01-article.md"]')
    box_s, box_t = source.bounding_box(), target.bounding_box()
    page.mouse.move(box_s["x"] + box_s["width"] / 2, box_s["y"] + box_s["height"] / 2)
    page.mouse.down()
    page.mouse.move(box_t["x"] + 10, box_t["y"] + 5, steps=12)
    page.mouse.move(box_t["x"] + 10, box_t["y"] + 2, steps=4)
    page.mouse.up()

    expect(page.locator("#items tr.item").first).to_have_attribute("data-key", "02-second.md")
    expect(page.locator("#items-message")).to_contain_text("调整顺序")
    assert keys()[:2] == ["02-second.md", "01-article.md"]
    second = (root / "issues/2024-03/02-second.md").read_text(encoding="utf-8")
    first = (root / "issues/2024-03/01-article.md").read_text(encoding="utf-8")
    assert re.search(r"^order: 1$", second, re.M) and re.search(r"^order: 2$", first, re.M)
    assert "units: [高唐局]   # 报送单位" in second  # the editor's comment and spacing survive the round trip
    assert log(root)[0] == "issues/2024-03：调整顺序" and len(log(root)) == 2 and dirty(root) == ""
    # the preview (reloaded by the server-sent event) prints the dragged item first
    body = page.frame_locator("#preview").locator("body")
    expect(body).to_contain_text("高唐局开展耕地保护专项检查")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        text = body.inner_text()
        if text.index("高唐局开展耕地保护专项检查") < text.index("我市创新开展先登记后供地"):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the preview did not follow the new order")


def test_preview_and_diagnostics_follow_a_save_from_another_editor(make_ws, live_server, page):
    root = make_ws()
    srv = live_server(root)
    page.goto(srv.url + "/issues/2024-03")
    expect(page.locator("#live")).to_have_class(re.compile("ok"))
    path = root / "issues/2024-03/01-article.md"
    path.write_text(path.read_text(encoding="utf-8").replace("units: [利用科]", "units: [宣传科]")
                    .replace("我市创新开展先登记后供地", "我市全面推行先登记后供地"), encoding="utf-8")
    expect(page.frame_locator("#preview").locator("body")).to_contain_text("我市全面推行先登记后供地", timeout=3000)
    expect(page.locator('tr.item[data-key="01-article.md"] .diags')).to_contain_text("J203", timeout=3000)
