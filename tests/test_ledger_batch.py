"""Issue 9: batch entry (ledger import / template), double-credit checks, the rules bugs
(own_outlet, report keys, file names), error locations at the user's input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer import ledger
from composer.cli import main
from composer.workspace import open_workspace

from tests.conftest import RULES, write_files
from tests.test_ledger import EVENTS, PUBLISHED


def run(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.output


def snapshot(ws: Path) -> dict[str, bytes]:
    """Every ledger file, dot files (journal) included; only the lock file is left out."""
    return {p.relative_to(ws).as_posix(): p.read_bytes() for p in sorted((ws / "ledger").rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.fixture
def ws(make_ws):
    return make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-01.yml": EVENTS,
                    "ledger/published/2024-02.yml": PUBLISHED})


def events_of(root: Path):
    led, diags = ledger.load_ledger(open_workspace(root))
    assert not [d for d in diags if d.is_error], diags
    return led.events


# ---------------------------------------------------------------- import: CSV, XLSX, count tables

CSV = ("type,date,units,outlet,kind,title,star,issue,count,points,reason,status,topic,channel\n"
       "adoption,2024/2/15,耕保科、调查科,昨日市情,信息,二月的一条好信息,★,,,,,,,\n"
       "bonus,2024-02,利用科,,,,,,,5,参加新闻发布会,,,\n"
       "submission,2024-02,阳谷局,,,,,,17,,,,,\n"
       "report_up,2024-02,耕保科,,,,,,2,,,,,报市\n"
       "commission,2024-02-20,耕保科,,,耕地保护二月成效,,,,,,adopted,耕地保护,\n")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_import_csv_with_or_without_bom_in_one_transaction_and_idempotent(ws, bom):
    f = ws / "events.csv"
    f.write_bytes(bom + CSV.encode("utf-8"))
    before = snapshot(ws)
    code, out = run(ws, "ledger", "import", str(f), "--dry-run")
    assert code == 0, out
    assert out.count("would add: ") == 5 and "dry run, nothing written" in out
    assert snapshot(ws) == before
    code, out = run(ws, "ledger", "import", str(f))
    assert code == 0, out
    assert "5 row(s); added 5, 0 already in the ledger" in out
    text = (ws / "ledger/events/2024-02.yml").read_text(encoding="utf-8")
    assert "units: [耕地保护监督科, 调查监测科]" in text and "star: true" in text and "date: 2024-02-15" in text
    evs = events_of(ws)
    assert len([e for e in evs if e.source.path == "ledger/events/2024-02.yml"]) == 5
    after = snapshot(ws)
    code, out = run(ws, "ledger", "import", str(f))  # the same file again adds nothing
    assert code == 0 and "added 0, 5 already in the ledger" in out
    assert snapshot(ws) == after
    assert run(ws, "ledger", "check")[0] == 0


def test_import_xlsx_any_column_order_and_registry_names(ws):
    from openpyxl import Workbook

    wb = Workbook()
    s = wb.active
    s.append(["title", "units", "type", "date", "kind", "outlet", "star"])
    s.append(["三月的一条信息", "土地储备整治中心、执法支队", "采用", "2024-03-05", "信息", "每日动态", "false"])
    import datetime as dt

    s.append(["三月的第二条", "用途科", "adoption", dt.datetime(2024, 3, 6), "信息", "每日动态", None])
    wb.save(ws / "e.xlsx")
    code, out = run(ws, "ledger", "import", str(ws / "e.xlsx"))
    assert code == 0, out
    evs = [e for e in events_of(ws) if e.source.path == "ledger/events/2024-03.yml"]
    assert [e.units for e in evs] == [("市土地储备整治中心", "市自然资源综合执法支队"), ("用途管制科",)]
    assert str(evs[1].date) == "2024-03-06"


def test_import_validates_every_row_with_file_row_and_writes_nothing(ws):
    f = ws / "bad.csv"
    f.write_text("type,date,units,outlet,kind,title,points,reason\n"
                 "adoption,2024-02-15,耕保科,昨日市情,信息,好信息,,\n"
                 "adoption,2024-02-16,不存在的单位,昨日市情,信息,另一条,,\n"
                 "bonus,2024-02,利用科,,,,1e999999,太多\n"
                 "adoption,2024-13-45,耕保科,昨日市情,信息,日期不对,,\n"
                 "收到,2024-02,耕保科,,,,,\n"
                 "adoption,2024-02-17,耕保科,人民日报,信息,外刊,,\n", encoding="utf-8")
    before = snapshot(ws)
    code, out = run(ws, "ledger", "import", str(f))
    assert code == 1
    assert f"{f}:3: error[J302 ledger-unit]: unit '不存在的单位' is not in the unit registry" in out
    assert f"{f}:4: error[J301 bad-ledger]: points must be between -100000 and 100000, found '1e999999'" in out
    assert f"{f}:5: error[J301 bad-ledger]: must be a day like 2024-01-15 or a month like 2024-01, found '2024-13-45'" in out
    assert f"{f}:6: error[J601 import]: type '收到' is not an event type" in out
    assert "nothing was imported" in out and "Traceback" not in out
    assert snapshot(ws) == before
    # rows valid alone but not in the ledger: the outlet is unknown to the rules → reported at its row
    f.write_text("type,date,units,outlet,kind,title\nadoption,2024-02-17,耕保科,人民日报,信息,外刊\n", encoding="utf-8")
    code, out = run(ws, "ledger", "import", str(f))
    assert code == 1 and f"{f}:2: error[J303 ledger-outlet]" in out and "known outlets: 简报、昨日市情、每日动态" in out
    assert snapshot(ws) == before


def test_import_not_utf8_and_damaged_xlsx_are_clear_errors(ws):
    f = ws / "gbk.csv"
    f.write_bytes("type,date,units\nsubmission,2024-02,耕保科\n".encode("gb18030"))
    code, out = run(ws, "ledger", "import", str(f))
    assert code == 1 and f"{f}:2" in out and "CSV UTF-8" in out and "Traceback" not in out
    x = ws / "broken.xlsx"
    x.write_bytes(b"PK\x03\x04garbage")
    code, out = run(ws, "ledger", "import", str(x))
    assert code == 1 and "not a readable XLSX workbook" in out and "Traceback" not in out


def test_import_legacy_count_table_for_a_month(ws):
    f = ws / "counts.csv"
    f.write_text("\ufeff单位,上报,报市\n阳谷局,6,1\n高唐局,4,0\n耕保科,8,2\n合计,18,3\n", encoding="utf-8")
    code, out = run(ws, "ledger", "import", str(f))
    assert code == 1 and "--month" in out
    code, out = run(ws, "ledger", "import", str(f), "--month", "2024-02")
    assert code == 0, out
    from composer.model import ReportUp, Submission

    evs = [e for e in events_of(ws) if e.source.path == "ledger/events/2024-02.yml"]
    assert sorted((type(e).__name__, e.unit, e.count) for e in evs) == sorted([
        ("Submission", "阳谷县自然资源和规划局", 6), ("ReportUp", "阳谷县自然资源和规划局", 1),
        ("Submission", "高唐县自然资源和规划局", 4),
        ("Submission", "耕地保护监督科", 8), ("ReportUp", "耕地保护监督科", 2)])
    assert all(isinstance(e, (Submission, ReportUp)) for e in evs)
    code, out = run(ws, "ledger", "import", str(f), "--month", "2024-02")
    assert code == 0 and "added 0, 5 already in the ledger" in out


def test_template_imports_back(ws):
    code, out = run(ws, "ledger", "template", "--out", str(ws / "events.xlsx"))
    assert code == 0, out
    from openpyxl import load_workbook

    wb = load_workbook(ws / "events.xlsx")
    assert [c.value for c in wb["events"][1]] == ["type", "date", "units", "outlet", "kind", "title", "star", "issue",
                                                 "count", "points", "reason", "status", "topic", "channel"]
    # the examples sheet, moved to the front, is a valid import
    wb.move_sheet("示例", offset=-1)
    wb.save(ws / "examples.xlsx")
    code, out = run(ws, "ledger", "import", str(ws / "examples.xlsx"), "--dry-run")
    assert code == 0, out
    assert out.count("would add: ") == 5


# ---------------------------------------------------------------- double credits

def test_same_unit_credited_twice_for_one_item_even_with_a_truncated_title(ws):
    before = snapshot(ws)
    # the ★ adoption of EVENTS credits 耕保科 among others: crediting it again is refused, at the options
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "昨日市情", "--kind", "信息", "--star",
                    "--title", "我市狠抓耕地流出问题整改", "--date", "2024-01-16", "--unit", "冠县林业局", "--unit", "耕保科")
    assert code == 1
    assert ("--title: error[J304 ledger-duplicate]: 耕地保护监督科 credited twice for one item: '我市狠抓耕地流出问题整改' "
            "by 昨日市情 here and '我市狠抓耕地流出问题整改' at ledger/events/2024-01.yml:7") in out
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "昨日市情", "--kind", "信息",
                    "--title", "我市狠抓耕地流出问题整改取得明显成效", "--date", "2024-01-16", "--unit", "调查科")
    assert code == 1 and "调查监测科 credited twice for one item" in out
    assert snapshot(ws) == before
    # another unit for the same item is fine (a second record), and so is another item
    assert run(ws, "ledger", "add", "adoption", "--outlet", "昨日市情", "--kind", "信息", "--title",
               "我市狠抓耕地流出问题整改", "--date", "2024-01-16", "--unit", "冠县林业局")[0] == 0
    # a hand edit that credits twice is reported by ledger check with both locations
    p = ws / "ledger/events/2024-01.yml"
    p.write_text(p.read_text(encoding="utf-8") + "- {type: adoption, outlet: 昨日市情, kind: 信息, date: 2024-01-20, "
                 "title: 我市狠抓耕地流出问题整改…, units: [阳谷局, 冠县林业局]}\n", encoding="utf-8")
    code, out = run(ws, "ledger", "check")
    assert code == 1
    n = len(p.read_text(encoding="utf-8").splitlines())
    assert f"ledger/events/2024-01.yml:{n}: error[J304 ledger-duplicate]: 冠县林业局 credited twice for one item" in out
    assert "at ledger/events/2024-01.yml:" in out.split(f":{n}: error[J304")[1]


def test_commission_recorded_also_as_an_adoption_is_an_error(ws):
    # EVENTS has the adopted commission 耕地保护成效 of 耕保科; the same 约稿 as an adoption counts twice
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "市政府约稿", "--kind", "信息",
                    "--title", "耕地保护成效", "--date", "2024-01-21", "--unit", "耕保科")
    assert code == 1
    assert ("error[J304 ledger-duplicate]: 约稿 '耕地保护成效' of 耕地保护监督科 is recorded twice: as this adoption by "
            "市政府约稿 and as the adopted commission at ledger/events/2024-01.yml:14") in out


# ---------------------------------------------------------------- the rules bugs

OWN_RULES = RULES.replace("own_outlet: 简报", "own_outlet: 本局简报").replace("{name: 简报,", "{name: 本局简报,")


def test_own_outlet_from_the_rules_is_honoured_by_publish(make_ws):
    root = make_ws({"contributors/rules.yml": OWN_RULES})
    code, out = run(root, "publish", "2024-03", "--dry-run")
    assert code == 0, out
    code, out = run(root, "publish", "2024-03", "--no-build")
    assert code == 0, out
    assert "J303" not in out
    evs = events_of(root)
    assert {e.outlet for e in evs} == {"本局简报"}
    assert run(root, "ledger", "check")[0] == 0
    code, out = run(root, "report", "2024-04", "--json")
    assert code == 0, out
    rows = [r for g in json.loads(out[out.index("{"):])["groups"] for r in g["rows"]]
    assert next(r for r in rows if r["unit_name"] == "开发利用科")["own_adopted"] == 1


def test_issue_only_on_the_own_outlet(ws):
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "昨日市情", "--kind", "信息", "--title", "某条",
                    "--date", "2024-01-16", "--unit", "调查科", "--issue", "3")
    assert code == 1 and "--issue: error[J301 bad-ledger]: an issue number belongs to the own bulletin (简报)" in out


def test_missing_date_is_a_usage_error(ws):
    before = snapshot(ws)
    code, out = run(ws, "ledger", "add", "commission", "--topic", "某主题", "--unit", "耕保科")
    assert code == 2 and "Missing option '--date'" in out
    assert snapshot(ws) == before


def test_huge_points_rejected_cleanly(ws):
    before = snapshot(ws)
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-01", "--points", "1e999999",
                    "--reason", "x")
    assert code == 1 and "--points: error[J301 bad-ledger]: points must be between" in out and "Traceback" not in out
    assert snapshot(ws) == before


@pytest.mark.parametrize("form,key", [("liaocheng", "closing"), ("liaocheng", "quota_text"), ("golmud", "nonsense")])
def test_report_keys_not_printed_are_rejected_with_file_line(make_ws, form, key):
    rules = RULES.replace("form: liaocheng", f"form: {form}") + f"report:\n  title: 通报\n  {key}: 某段文字\n"
    root = make_ws({"contributors/rules.yml": rules})
    code, out = run(root, "report", "2024-01", "--json")
    assert code == 1
    n = rules.splitlines().index(f"  {key}: 某段文字") + 1
    assert f"contributors/rules.yml:{n}: error[J401 bad-rules]" in out


def test_report_keys_reach_the_report_and_file_names_follow_the_form(make_ws):
    rules = (RULES.replace("form: liaocheng", "form: golmud").replace("ranking: {by: cumulative_points, method: dense, "
             "within: group}", "ranking: null").replace("order: [cumulative_points]", "order: [period_points]")
             + "report:\n  closing: 请各单位认真对照。\n  quota_text: 每月报送不少于5期。\n  office_short: 市局办\n")
    root = make_ws({"contributors/rules.yml": rules, "ledger/events/2024-01.yml": EVENTS})
    from composer.commands.report import load_report

    rep, diags = load_report(open_workspace(root), "2024-01")
    assert not [d for d in diags if d.is_error], diags
    assert (rep.closing, rep.quota_text, rep.office_short) == ("请各单位认真对照。", "每月报送不少于5期。", "市局办")
    assert rep.file_stem == "2024-01-通知"
    from composer.reports import content

    doc = content.build(open_workspace(root), rep)
    text = "\n".join(p.text for p in doc.cover)
    assert "请各单位认真对照。" in text and "每月报送不少于5期。" in text and "市局办共" in text
    code, out = run(root, "report", "2024-01", "--format", "json")
    assert code == 0, out
    assert (root / "build/reports/2024-01/2024-01-通知.json").is_file()


def test_publish_refusal_points_at_the_item_not_at_the_unwritten_file(make_ws):
    events = ("- {type: adoption, outlet: 简报, issue: 3, kind: 信息, date: 2024-04, title: 我市创新开展先登记后供地的做法,"
              " units: [利用科]}\n")
    root = make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-04.yml": events})
    before = snapshot(root)
    code, out = run(root, "publish", "2024-03", "--no-build")
    assert code == 1
    # the published record of 01-article.md credits 开发利用科 a second time for one item
    assert "issues/2024-03/01-article.md" in out and "J304" in out
    assert "ledger/published/2024-03.yml" not in out
    assert snapshot(root) == before
