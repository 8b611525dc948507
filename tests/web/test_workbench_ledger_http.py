"""HTTP-level tests of the ledger side of the workbench: inbox, publish, ledger forms, scores.

Each write is checked on the files (and, in a git workspace, on the commits it made);
each refusal on the message shown and on nothing being written.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from composer.web.app import create_app
from tests.web.conftest import git_init


def client(root) -> TestClient:
    return TestClient(create_app(root), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


def token(c: TestClient, url: str = "/ledger") -> str:
    r = c.get(url)
    assert r.status_code == 200, r.text
    return re.search(r'name="csrf-token" content="([^"]+)"', r.text)[1]


def commits(root: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(root), "log", "--format=%s"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def ledger_files(root: Path) -> dict[str, str]:
    base = root / "ledger"
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in base.rglob("*.yml")} if base.is_dir() else {}


@pytest.fixture
def ws(make_ws):
    root = make_ws()
    git_init(root)
    return root


# ---------------------------------------------------------------- ledger forms

def test_ledger_form_records_an_adoption_as_one_commit(ws):
    c = client(ws)
    tok = token(c)
    r = c.post("/ledger/add", data={"csrf_token": tok, "type": "adoption", "outlet": "昨日市情|信息", "star": "1",
                                    "title": "阳谷县推进耕地保护", "date": "2024-04-10",
                                    "units": ["阳谷县自然资源和规划局"]}, follow_redirects=False)
    assert r.status_code == 303
    text = (ws / "ledger/events/2024-04.yml").read_text(encoding="utf-8")
    assert "outlet: 昨日市情" in text and "star: true" in text and "阳谷县自然资源和规划局" in text
    assert commits(ws)[0] == "记分台账：阳谷局 昨日市情★ 信息《阳谷县推进耕地保护》"
    page = c.get("/ledger").text
    assert "已记入台账" in page and "阳谷县推进耕地保护" in page  # flash and the recent events table


@pytest.mark.parametrize("data, message", [
    ({"type": "submission", "unit": "不存在局", "date": "2024-04", "count": "3"}, "不是登记的计分单位"),
    ({"type": "adoption", "outlet": "人民日报|信息", "title": "x", "date": "2024-04-01",
      "units": ["阳谷县自然资源和规划局"]}, "不在计分规则中"),
    ({"type": "adoption", "outlet": "简报|信息", "title": "x", "date": "2024-04-01",
      "units": ["阳谷县自然资源和规划局"]}, "不在计分规则中"),  # the own bulletin is credited by publishing
    ({"type": "adoption", "outlet": "昨日市情|信息", "title": "x", "date": "2024-04-01",
      "units": ["阳谷县自然资源和规划局", "假单位"]}, "「假单位」不是登记的计分单位"),
    ({"type": "report_up", "unit": "办公室", "date": "2024-04", "count": "1"}, "不是登记的计分单位"),  # not scored
    ({"type": "bonus", "unit": "阳谷局", "date": "2024-04", "reason": "自创事由"}, "请填写分值"),
    ({"type": "report_up", "unit": "阳谷局", "date": "2024-04", "count": "两"}, "须为正整数"),
    ({"type": "nonsense", "unit": "阳谷局"}, "未知的台账类型"),
])
def test_ledger_form_refuses_unknown_units_and_outlets(ws, data, message):
    c = client(ws)
    before, log = ledger_files(ws), commits(ws)
    r = c.post("/ledger/add", data={"csrf_token": token(c), **data})
    assert r.status_code == 422
    assert message in r.text and "nothing was written" in r.text
    assert ledger_files(ws) == before and commits(ws) == log


def test_bonus_points_come_from_the_rules_when_the_reason_is_known(make_ws):
    root = make_ws({"contributors/rules.yml": (Path(__file__).parents[1] / "conftest.py").read_text(encoding="utf-8")
                    .split('RULES = """\\\n')[1].split('"""')[0] + "bonuses: {参加新闻发布会: 5}\n"})
    c = client(root)
    r = c.post("/ledger/add", data={"csrf_token": token(c), "type": "bonus", "unit": "高唐局", "date": "2024-04",
                                    "reason": "参加新闻发布会"}, follow_redirects=False)
    assert r.status_code == 303
    assert "points: 5" in (root / "ledger/events/2024-04.yml").read_text(encoding="utf-8")


def test_month_table_saves_every_row_in_one_write(ws):
    c = client(ws)
    page = c.get("/ledger/month?month=2024-04").text
    assert page.count('name="submitted:') == 13  # every scored unit (the editing office is not scored)
    log = commits(ws)
    r = c.post("/ledger/month", data={
        "csrf_token": token(c), "month": "2024-04",
        "submitted:阳谷县自然资源和规划局": "6", "reported:阳谷县自然资源和规划局": "2",
        "submitted:高唐县自然资源和规划局": "4", "submitted:调查监测科": "3", "reported:调查监测科": "",
    }, follow_redirects=False)
    assert r.status_code == 303
    text = (ws / "ledger/events/2024-04.yml").read_text(encoding="utf-8")
    assert text.count("type: submission") == 3 and text.count("type: report_up") == 1
    assert len(commits(ws)) == len(log) + 1  # one write, one commit
    assert commits(ws)[0].startswith("记分台账：2024-04 月报表")
    shown = c.get("/ledger/month?month=2024-04").text
    assert "一次写入" in shown
    assert re.search(r"阳谷局</td>\s*<td class=\"num\">6</td>", shown)  # already recorded column


def test_month_table_with_one_bad_row_writes_nothing(ws):
    c = client(ws)
    before, log = ledger_files(ws), commits(ws)
    r = c.post("/ledger/month", data={"csrf_token": token(c), "month": "2024-04",
                                      "submitted:阳谷县自然资源和规划局": "6", "submitted:外星局": "2"})
    assert r.status_code == 422 and "「外星局」不是登记的计分单位" in r.text
    r = c.post("/ledger/month", data={"csrf_token": token(c), "month": "2024-04",
                                      "submitted:阳谷县自然资源和规划局": "6", "reported:高唐县自然资源和规划局": "-1"})
    assert r.status_code == 422 and "须为正整数" in r.text
    assert 'value="6"' in r.text  # the typed table comes back for correction
    assert ledger_files(ws) == before and commits(ws) == log


@pytest.mark.parametrize("url, data", [
    ("/ledger/add", {"type": "submission", "unit": "阳谷局", "date": "2024-04", "count": "1"}),
    ("/ledger/month", {"month": "2024-04", "submitted:阳谷县自然资源和规划局": "1"}),
    ("/issues/2024-03/publish", {"confirm": "1"}),
    ("/inbox/take", {"manuscript": "x", "issue": "2024-03", "kind": "信息"}),
    ("/inbox/decline", {"manuscript": "x", "reason": "重复"}),
    ("/scores/report", {"period": "2024-04", "format": "xlsx"}),
])
def test_writes_without_csrf_token_are_403(ws, url, data):
    c = client(ws)
    c.get("/ledger")  # a session exists, but the form does not carry its token
    before, log = ledger_files(ws), commits(ws)
    assert c.post(url, data=data).status_code == 403
    assert c.post(url, data={**data, "csrf_token": "forged"}).status_code == 403
    assert ledger_files(ws) == before and commits(ws) == log
    assert not (ws / "build" / "reports").exists()


# ---------------------------------------------------------------- publish

def test_publish_shows_the_dry_run_then_publishes_on_confirmation(ws):
    c = client(ws)
    page = c.get("/issues/2024-03/publish").text
    assert "利用科" in page and "我市创新开展先登记后供地" in page and "ledger/published/2024-03.yml" in page
    assert "不计分" not in page
    tok = token(c, "/issues/2024-03/publish")
    r = c.post("/issues/2024-03/publish", data={"csrf_token": tok})  # no confirmation ticked
    assert r.status_code == 422 and not (ws / "ledger/published/2024-03.yml").exists()
    r = c.post("/issues/2024-03/publish", data={"csrf_token": tok, "confirm": "1"}, follow_redirects=False)
    assert r.status_code == 303
    published = (ws / "ledger/published/2024-03.yml").read_text(encoding="utf-8")
    assert "开发利用科" in published and "fingerprint: sha256:" in published
    assert commits(ws)[0].startswith("发布：2024-03 记入台账 4 条")
    assert "已按当前内容发布" in c.get("/issues/2024-03/publish").text
    assert "/issues/2024-03/publish" in c.get("/issues/2024-03").text  # the issue page links to it


def test_a_revision_needs_its_reason(ws):
    c = client(ws)
    tok = token(c, "/issues/2024-03/publish")
    c.post("/issues/2024-03/publish", data={"csrf_token": tok, "confirm": "1"})
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("units: [利用科]", "units: [利用科, 阳谷局]"), encoding="utf-8")
    page = c.get("/issues/2024-03/publish").text
    assert "已经发布过" in page and "修订理由" in page and "阳谷局" in page
    first = (ws / "ledger/published/2024-03.yml").read_text(encoding="utf-8")
    r = c.post("/issues/2024-03/publish", data={"csrf_token": tok, "confirm": "1", "reason": "  "})
    assert r.status_code == 422 and "必须填写修订理由" in r.text
    assert (ws / "ledger/published/2024-03.yml").read_text(encoding="utf-8") == first
    r = c.post("/issues/2024-03/publish", data={"csrf_token": tok, "confirm": "1", "reason": "补署阳谷局"},
               follow_redirects=False)
    assert r.status_code == 303
    revised = (ws / "ledger/published/2024-03.yml").read_text(encoding="utf-8")
    assert "reason: 补署阳谷局" in revised and "阳谷县自然资源和规划局" in revised
    assert commits(ws)[0].startswith("修订发布：2024-03") and "补署阳谷局" in commits(ws)[0]


def test_publish_of_an_unknown_issue_is_404(ws):
    c = client(ws)
    assert c.get("/issues/..%2Fledger/publish").status_code == 404
    assert c.post("/issues/nope/publish", data={"csrf_token": token(c), "confirm": "1"}).status_code == 404


# ---------------------------------------------------------------- inbox

MANUSCRIPT = "阳谷县开展卫片执法检查\n\n近日，阳谷县自然资源和规划局组织开展卫片执法检查。\n\n（阳谷局/王五）\n"


def test_upload_a_manuscript_and_take_it_into_an_issue(ws):
    c = client(ws)
    tok = token(c, "/inbox")
    r = c.post("/inbox/upload", data={"csrf_token": tok, "unit": "阳谷县自然资源和规划局", "received": "2024-04-12"},
               files={"file": ("../../../etc/稿件.txt", MANUSCRIPT.encode("utf-8"), "text/plain")},
               follow_redirects=False)
    assert r.status_code == 303
    [record] = (ws / "inbox").glob("*.md")
    text = record.read_text(encoding="utf-8")
    assert "source: 稿件.txt" in text and "status: 待审" in text and "authors: [王五]" in text
    assert "unit: 阳谷县自然资源和规划局" in (ws / "ledger/events/2024-04.yml").read_text(encoding="utf-8")
    assert commits(ws)[0] == "来稿：阳谷局《阳谷县开展卫片执法检查》（稿件.txt）"
    assert "inbox/" + record.name in subprocess.run(["git", "-C", str(ws), "-c", "core.quotepath=false", "show", "--name-only", "--format="],
                                                    capture_output=True, text=True).stdout
    page = c.get("/inbox").text
    assert "待审" in page and "阳谷县开展卫片执法检查" in page
    # the same text again: recorded once
    r = c.post("/inbox/upload", data={"csrf_token": tok, "unit": "阳谷局"},
               files={"file": ("again.txt", MANUSCRIPT.encode("utf-8"), "text/plain")})
    assert "内容相同" in r.text and len(list((ws / "inbox").glob("*.md"))) == 1
    # take it as a brief
    r = c.post("/inbox/take", data={"csrf_token": tok, "manuscript": record.stem, "issue": "2024-03",
                                    "kind": "简讯"}, follow_redirects=False)
    assert r.status_code == 303
    [item] = [p for p in (ws / "issues/2024-03").glob("*.md") if "卫片" in p.name]
    assert "kind: 简讯" in item.read_text(encoding="utf-8") and "▲近日" in item.read_text(encoding="utf-8")
    assert "status: 已采用" in record.read_text(encoding="utf-8")
    assert commits(ws)[0].startswith("采用来稿：阳谷局《阳谷县开展卫片执法检查》→ 2024-03")
    assert "已采用" in c.get("/inbox").text


@pytest.mark.parametrize("name, data, unit, status, message", [
    ("a.exe", b"MZ", "阳谷局", 422, "只接受 .docx 或 .txt"),
    ("a.txt", b"", "阳谷局", 422, "空文件"),
    ("a.txt", MANUSCRIPT.encode(), "不存在局", 422, "不是登记的计分单位"),
    ("a.docx", b"PK\x03\x04 not really a zip", "阳谷局", 422, "a.docx"),
    ("big.txt", b"x" * (10 * 1024 * 1024 + 1), "阳谷局", 413, "超过 10 MB"),
])
def test_bad_uploads_write_nothing(ws, name, data, unit, status, message):
    c = client(ws)
    r = c.post("/inbox/upload", data={"csrf_token": token(c, "/inbox"), "unit": unit},
               files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == status and message in r.text
    assert not (ws / "inbox").exists() and ledger_files(ws) == {}


def test_decline_a_manuscript_is_one_commit_and_the_unit_sees_why(ws):
    c = client(ws)
    tok = token(c, "/inbox")
    c.post("/inbox/upload", data={"csrf_token": tok, "unit": "阳谷县自然资源和规划局", "received": "2024-04-12"},
           files={"file": ("稿件.txt", MANUSCRIPT.encode("utf-8"), "text/plain")})
    [record] = (ws / "inbox").glob("*.md")
    assert 'action="/inbox/decline"' in c.get("/inbox").text
    r = c.post("/inbox/decline", data={"csrf_token": tok, "manuscript": record.stem, "reason": "内容已在第3期刊发"},
               follow_redirects=False)
    assert r.status_code == 303
    text = record.read_text(encoding="utf-8")
    assert "status: 未采用" in text and "reason: 内容已在第3期刊发" in text
    assert commits(ws)[0] == "来稿不采用：阳谷局《阳谷县开展卫片执法检查》（内容已在第3期刊发）"
    page = c.get("/inbox").text
    assert "未采用" in page and "内容已在第3期刊发" in page
    unit_page = c.get("/portal/units/阳谷局").text  # what the unit's portal shows
    assert "未采用" in unit_page and "内容已在第3期刊发" in unit_page
    assert c.post("/inbox/decline", data={"csrf_token": tok, "manuscript": "../jianbao"}).status_code == 404


def test_take_refuses_unknown_manuscripts_and_issues(ws):
    c = client(ws)
    tok = token(c, "/inbox")
    assert c.post("/inbox/take", data={"csrf_token": tok, "manuscript": "../jianbao", "issue": "2024-03",
                                       "kind": "信息"}).status_code == 404


# ---------------------------------------------------------------- scores

def test_scores_drill_down_and_chart_follow_the_ledger(ws):
    c = client(ws)
    tok = token(c)
    c.post("/ledger/add", data={"csrf_token": tok, "type": "adoption", "outlet": "昨日市情|信息", "star": "1",
                                "title": "阳谷县推进耕地保护", "date": "2024-04-10", "units": ["阳谷县自然资源和规划局"]})
    c.post("/ledger/add", data={"csrf_token": tok, "type": "report_up", "unit": "阳谷局", "date": "2024-04", "count": "1"})
    c.post("/ledger/add", data={"csrf_token": tok, "type": "adoption", "outlet": "每日动态|信息",
                                "title": "高唐三月动态", "date": "2024-03-10", "units": ["高唐县自然资源和规划局"]})
    page = c.get("/scores").text  # the latest month of the ledger: 2024-04
    assert "2024年4月份" in page
    row = re.search(r'<tr data-unit="阳谷局">(.*?)</tr>', page, re.S)[1]
    assert re.search(r'class="num points">20<', row) and re.search(r'class="num cumulative">20<', row)
    parts = re.search(r'data-parts="阳谷局">(.*?)</table>', page, re.S)[1]  # the drill-down: 15 + 5 = 20
    assert re.search(r"昨日市情★</td><td>阳谷县推进耕地保护</td><td class=\"num\">15<", parts)
    assert re.search(r"基础分</td><td>[^<]*</td><td class=\"num\">5<", parts) and ">20<" in parts
    # rank change against March: 高唐局 led then, 阳谷局 leads now
    assert re.search(r'<tr data-unit="阳谷局">\s*<td class="num">1</td>\s*<td class="change"><span class="up">↑1', page)
    # one bar per unit of each group
    groups = re.findall(r'<section class="group" data-group="([^"]+)">(.*?)</section>', page, re.S)
    assert [g for g, _ in groups] == ["县（市、区）局", "机关各科室", "局属事业单位"]
    for _, body in groups:
        assert body.count('<rect class="bar"') == body.count("<tr data-unit=")


def test_scores_show_quota_distance_where_rules_have_quotas(tmp_path):
    import shutil

    root = shutil.copytree(Path(__file__).parents[2] / "examples" / "golmud", tmp_path / "golmud")
    page = client(root).get("/scores?period=2024-05..2024-06").text
    assert "定额" in page and "报送" in page
    assert re.search(r"报送 \d+/10", page)  # class A: 5 a month × 2 months
    assert "差 " in page and "未达标：" in page


def test_scores_refuse_bad_periods_and_foreign_files(ws):
    c = client(ws)
    assert c.get("/scores?period=2024-13").status_code == 422
    assert c.get("/scores?period=../../etc").status_code == 422
    assert c.get("/scores/file?period=..&name=jianbao.yml").status_code == 404
    assert c.get("/scores/file?period=2024-04&name=../../jianbao.yml").status_code == 404


def test_write_and_download_the_report(ws):
    c = client(ws)
    tok = token(c)
    c.post("/ledger/add", data={"csrf_token": tok, "type": "submission", "unit": "阳谷局", "date": "2024-04", "count": "3"})
    for fmt in ("xlsx", "docx"):
        r = c.post("/scores/report", data={"csrf_token": tok, "period": "2024-04", "format": fmt}, follow_redirects=False)
        assert r.status_code == 303
    page = c.get("/scores?period=2024-04").text
    assert "2024-04-通报.xlsx" in page and "2024-04-通报.docx" in page
    for fmt in ("xlsx", "docx"):
        r = c.get("/scores/file", params={"period": "2024-04", "name": f"2024-04-通报.{fmt}"})
        assert r.status_code == 200 and r.content[:2] == b"PK"
        assert "attachment" in r.headers["content-disposition"]
    assert c.post("/scores/report", data={"csrf_token": tok, "period": "2024-04", "format": "exe"}).status_code == 422


def test_upload_a_word_manuscript(ws, tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("高唐县召开耕地保护推进会")
    d.add_paragraph("4月10日，高唐县召开耕地保护工作推进会，部署下一阶段重点任务。")
    d.add_paragraph("（高唐局/李四）")
    path = tmp_path / "来稿.docx"
    d.save(path)
    c = client(ws)
    r = c.post("/inbox/upload", data={"csrf_token": token(c, "/inbox"), "unit": "高唐县自然资源和规划局",
                                      "received": "2024-04-11"},
               files={"file": ("C:\\Users\\x\\来稿.docx", path.read_bytes(),
                               "application/vnd.openxmlformats-officedocument.wordprocessingml.document")},
               follow_redirects=False)
    assert r.status_code == 303
    [record] = (ws / "inbox").glob("*.md")
    text = record.read_text(encoding="utf-8")
    assert "title: 高唐县召开耕地保护推进会" in text and "source: 来稿.docx" in text and "authors: [李四]" in text
    assert "部署下一阶段重点任务" in text and "（高唐局/李四）" not in text


def test_closed_periods_change_only_on_purpose_with_a_reason(ws):
    from composer.commands import ledger_cmd
    from composer.workspace import open_workspace

    c = client(ws)
    tok = token(c)
    c.post("/ledger/add", data={"csrf_token": tok, "type": "submission", "unit": "阳谷局", "date": "2024-04", "count": "3"})
    ledger_cmd.close(open_workspace(ws), "2024-04")
    subprocess.run(["git", "-C", str(ws), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(ws), "commit", "-qm", "close 2024-04"], check=True)
    before, log = ledger_files(ws), commits(ws)
    bonus = {"csrf_token": tok, "type": "bonus", "unit": "阳谷局", "date": "2024-04", "points": "5", "reason": "通报漏记"}
    page = c.get("/ledger").text
    assert "已结账：2024-04" in page
    r = c.post("/ledger/add", data=bonus)
    assert r.status_code == 422 and "2024-04" in r.text and "勾选「改动已结账期间」并填写理由" in r.text
    r = c.post("/ledger/add", data={**bonus, "force": "1"})
    assert r.status_code == 422 and "须填写理由" in r.text
    assert ledger_files(ws) == before and commits(ws) == log
    r = c.post("/ledger/add", data={**bonus, "force": "1", "force_reason": "通报漏记，补记"}, follow_redirects=False)
    assert r.status_code == 303
    closed = (ws / "ledger/closed/2024-04.yml").read_text(encoding="utf-8")
    assert "reason: 通报漏记，补记" in closed
    changed = subprocess.run(["git", "-C", str(ws), "show", "--name-only", "--format="], capture_output=True,
                             text=True).stdout.split()
    assert sorted(changed) == ["ledger/closed/2024-04.yml", "ledger/events/2024-04.yml"]  # one commit, both files


def test_publishing_into_a_closed_period_needs_the_override(ws):
    from composer.commands import ledger_cmd
    from composer.workspace import open_workspace

    ledger_cmd.close(open_workspace(ws), "2024-04")  # the issue is dated 2024-04-15
    subprocess.run(["git", "-C", str(ws), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(ws), "commit", "-qm", "close 2024-04"], check=True)
    c = client(ws)
    tok = token(c, "/issues/2024-03/publish")
    r = c.post("/issues/2024-03/publish", data={"csrf_token": tok, "confirm": "1"})
    assert r.status_code == 422 and "勾选「改动已结账期间」" in r.text
    assert not (ws / "ledger/published/2024-03.yml").exists()
    r = c.post("/issues/2024-03/publish", data={"csrf_token": tok, "confirm": "1", "force": "1",
                                                "force_reason": "第3期晚发，补记"}, follow_redirects=False)
    assert r.status_code == 303 and (ws / "ledger/published/2024-03.yml").exists()
    assert "第3期晚发，补记" in (ws / "ledger/closed/2024-04.yml").read_text(encoding="utf-8")
    changed = subprocess.run(["git", "-C", str(ws), "show", "--name-only", "--format="], capture_output=True,
                             text=True).stdout.split()
    assert sorted(changed) == ["ledger/closed/2024-04.yml", "ledger/published/2024-03.yml"]


def test_pickers_offer_only_registered_units_and_known_outlets(ws):
    page = client(ws).get("/ledger").text
    outlets = re.findall(r'<option value="([^"|]+\|[^"]+)"', page)
    assert outlets == ["昨日市情|信息", "每日动态|信息"]  # higher outlets of the rules (not the own 简报)
    adoption = page.split('id="adoption"')[1].split("</section>")[0]
    units = re.findall(r'<option value="([^"]+)"', adoption.split('name="units"')[1])
    assert len(units) == 13 and "办公室" not in units and "阳谷县自然资源和规划局" in units
    assert re.findall(r'<optgroup label="([^"]+)"', adoption) == ["县（市、区）局", "机关各科室", "局属事业单位"]
    assert "约稿（市政府约稿）" in page
