"""The ledger side of the workbench in a real browser: publish, ledger forms, month table, inbox, scores.

Set JIANBAO_SCREENSHOTS=docs/screenshots to (re)write the README's screenshots.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import git_init

SHOTS = os.environ.get("JIANBAO_SCREENSHOTS")

# a little March and April history, so the scores have ranks to change and bars to draw
EVENTS_03 = """\
- {type: submission, unit: 阳谷局, date: 2024-03, count: 5}
- {type: submission, unit: 高唐局, date: 2024-03, count: 7}
- {type: submission, unit: 东阿局, date: 2024-03, count: 3}
- {type: submission, unit: 调查科, date: 2024-03, count: 4}
- {type: submission, unit: 耕保科, date: 2024-03, count: 2}
- {type: report_up, unit: 高唐局, date: 2024-03, count: 1}
- {type: report_up, unit: 调查科, date: 2024-03, count: 2}
- {type: adoption, outlet: 每日动态, kind: 信息, title: 高唐县多措并举保护耕地, date: 2024-03-12, units: [高唐局]}
- {type: adoption, outlet: 昨日市情, kind: 信息, title: 全市开展自然资源执法检查, date: 2024-03-20, units: [调查科, 东阿局]}
- {type: bonus, unit: 耕保科, date: 2024-03, points: 5, reason: 参加新闻发布会}
"""
EVENTS_04 = """\
- {type: submission, unit: 东阿局, date: 2024-04, count: 4}
- {type: report_up, unit: 东阿局, date: 2024-04, count: 1}
- {type: adoption, outlet: 每日动态, kind: 信息, title: 东阿县推进国土绿化, date: 2024-04-08, units: [东阿局]}
"""


@pytest.fixture
def ws(make_ws):
    root = make_ws({"ledger/events/2024-03.yml": EVENTS_03, "ledger/events/2024-04.yml": EVENTS_04})
    git_init(root)
    return root


def last_commit(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%s"], capture_output=True, text=True,
                          check=True).stdout.strip()


def n_commits(root: Path) -> int:
    return int(subprocess.run(["git", "-C", str(root), "rev-list", "--count", "HEAD"], capture_output=True, text=True,
                              check=True).stdout)


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=False)


def test_publish_with_confirmation_and_see_the_ledger_record(ws, live_server, page):
    srv = live_server(ws)
    page.goto(srv.url + "/issues/2024-03")
    page.get_by_role("link", name="发布并记入台账…").click()
    page.wait_for_url("**/issues/2024-03/publish")
    dry = page.locator("#dry-run")
    assert "利用科" in dry.inner_text() and "我市创新开展先登记后供地" in dry.inner_text()
    assert not (ws / "ledger/published/2024-03.yml").exists()  # the dry run wrote nothing
    shot(page, "publish.png")
    page.get_by_label("确认发布").check()
    page.get_by_role("button", name="发布", exact=True).click()
    assert "已发布：2024-03 记入台账 4 条" in page.locator(".flash").inner_text()
    record = (ws / "ledger/published/2024-03.yml").read_text(encoding="utf-8")
    assert "我市创新开展先登记后供地" in record and "开发利用科" in record
    assert last_commit(ws).startswith("发布：2024-03")
    # the publication's points reach the scores at once: 利用科 gets 1 for its 信息 in April
    page.goto(srv.url + "/scores?period=2024-04")
    assert page.locator('tr[data-unit="利用科"] td.points').inner_text() == "1"


def test_record_an_adoption_and_see_score_drill_down_and_chart(ws, live_server, page):
    srv = live_server(ws)
    page.goto(srv.url + "/scores?period=2024-04")
    before = page.locator('tr[data-unit="阳谷局"] td.points').inner_text()
    assert before == "0"

    page.get_by_role("link", name="记分台账").click()
    form = page.locator("#adoption form")
    form.locator('select[name="outlet"]').select_option("昨日市情|信息")
    form.get_by_role("checkbox", name="★（领导批示/加星）").check()
    form.get_by_label("标题", exact=True).fill("阳谷县“田长制”守护耕地红线")
    form.get_by_label("日期", exact=True).fill("2024-04-16")
    form.locator('select[name="units"]').select_option(["阳谷县自然资源和规划局"])
    shot(page, "ledger-form.png")
    form.get_by_role("button", name="记入台账").click()
    assert "已记入台账：阳谷局 昨日市情★ 信息" in page.locator(".flash").inner_text()
    assert "阳谷县“田长制”守护耕地红线" in page.locator("#recent").inner_text()
    assert last_commit(ws) == "记分台账：阳谷局 昨日市情★ 信息《阳谷县“田长制”守护耕地红线》"

    page.get_by_role("link", name="得分排名").click()
    page.goto(srv.url + "/scores?period=2024-04")
    row = page.locator('tr[data-unit="阳谷局"]')
    assert row.locator("td.points").inner_text() == "15"
    assert row.locator("td.cumulative").inner_text() == "15"
    assert row.locator("td.points").evaluate("td => getComputedStyle(td).textAlign") == "right"  # numbers align
    assert row.locator("td.change").inner_text().startswith("↑")  # from the bottom of March's table to the top
    drill = page.locator('tr[data-parts="阳谷局"]')
    assert not drill.is_visible()
    row.get_by_role("link", name="阳谷局").click()  # a plain link to the row's drill-down (CSS :target, no JS)
    assert drill.is_visible()
    assert "阳谷县“田长制”守护耕地红线" in drill.inner_text() and "15" in drill.inner_text()
    # the chart: one bar per unit of each group
    for section in page.locator("section.group").all():
        assert section.locator("svg rect.bar").count() == section.locator("tr[data-unit]").count() > 0
    bar = page.locator('section[data-group="县（市、区）局"] svg rect.bar').first
    assert float(bar.get_attribute("width")) > 0
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "scores.png")


def test_month_table_saves_all_rows_in_one_write_and_inbox_upload(ws, live_server, page, tmp_path):
    srv = live_server(ws)
    commits = n_commits(ws)
    page.goto(srv.url + "/ledger/month?month=2024-04")
    page.get_by_label("阳谷局 报送篇数").fill("6")
    page.get_by_label("阳谷局 报市篇数").fill("1")
    page.get_by_label("高唐局 报送篇数").fill("3")
    page.get_by_label("调查科 报送篇数").fill("2")
    page.get_by_role("button", name="全部保存（一次写入）").click()
    assert "已记入台账（一次写入）" in page.locator(".flash").inner_text()
    assert n_commits(ws) == commits + 1
    text = (ws / "ledger/events/2024-04.yml").read_text(encoding="utf-8")
    assert text.count("type: submission") == 1 + 3 and text.count("type: report_up") == 1 + 1
    assert re.search(r"阳谷局\s+6", page.locator("table.month").inner_text())
    shot(page, "ledger-month.png")

    manuscript = tmp_path / "阳谷局来稿.txt"
    manuscript.write_text("阳谷县完成年度卫片执法\n\n近日，阳谷县完成年度卫片执法检查。\n\n（阳谷局/王五）\n", encoding="utf-8")
    page.get_by_role("link", name="来稿").click()
    page.locator('#upload select[name="unit"]').select_option("阳谷县自然资源和规划局")
    page.locator('#upload input[type="file"]').set_input_files(str(manuscript))
    page.get_by_label("收稿日期").fill("2024-04-18")
    page.get_by_role("button", name="收稿").click()
    assert "已收稿：阳谷局《阳谷县完成年度卫片执法》" in page.locator(".flash").inner_text()
    pending = page.locator('table[data-status="待审"]')
    assert "阳谷县完成年度卫片执法" in pending.inner_text()
    shot(page, "inbox.png")
    pending.locator('select[name="kind"]').first.select_option("简讯")
    pending.get_by_role("button", name="采用").first.click()
    assert "作为▲简讯放入 2024-03" in page.locator(".flash").inner_text()
    assert "已采用" in page.locator("h2").all_inner_texts()[-1]
