"""The ledger: parsing every event type with sources, errors at file:line, checks,
`ledger add` (comments kept, validation, concurrency), closing a period."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer import ledger
from composer.cli import main
from composer.diagnostics import JianbaoError
from composer.model import Adoption, Bonus, Commission, Opening, ReportUp, Submission, Waiver
from composer.workspace import open_workspace

from tests.conftest import RULES  # noqa: E402

EVENTS = """\
# 2024年1月 (hand-written)
- type: submission
  unit: 阳谷局
  date: 2024-01
  count: 17

- type: adoption   # ★
  outlet: 昨日市情
  kind: 信息
  star: true
  title: 我市狠抓耕地流出问题整改
  date: 2024-01-15
  units: [耕保科, 调查科]
- type: commission
  topic: 全市耕地保护工作采取措施及取得成效
  units: [耕保科]
  deadline: 2024-01-31
  status: adopted
  title: 耕地保护成效
  date: 2024-01-20
  outlet: 市政府约稿
- type: report_up
  unit: 耕保科
  date: 2024-01
  count: 2
- type: bonus
  unit: 利用科
  date: 2024-01
  points: 0.5
  reason: 参加新闻发布会
- type: waiver
  unit: 东阿局
  date: 2024-01..2024-02
  reason: 机构调整
"""

OPENING = """\
- type: opening
  unit: 高唐局
  date: 2024-04   # the year up to the end of April
  submitted: 33
  adopted: {市/信息: 3, 州/动态: 2}
  points: 70.5
"""

PUBLISHED = """\
issue: 2024-02
number: 2
date: 2024-01-20
fingerprint: sha256:abc
published_at: 2024-01-20T10:00:00+08:00
records:
  - kind: 信息
    title: 我市创新开展先登记后供地
    units: [开发利用科]
    authors: [贺孟萌]
  - kind: 简讯
    title: 全市农村不动产确权登记发证工作现场会召开
    units: [调查监测科, 高唐县自然资源和规划局]
"""


def run(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.output  # click 8.2: stdout and stderr interleaved


def snapshot(ws: Path) -> dict[str, bytes]:
    base = ws / "ledger"
    return {p.relative_to(ws).as_posix(): p.read_bytes() for p in sorted(base.rglob("*"))
            if p.is_file() and not p.name.startswith(".")} if base.is_dir() else {}


@pytest.fixture
def ws(make_ws):
    return make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-01.yml": EVENTS,
                    "ledger/published/2024-02.yml": PUBLISHED})


def load(root: Path):
    w = open_workspace(root)
    led, diags = ledger.load_ledger(w)
    return w, led, diags


# ---------------------------------------------------------------- reading

def test_every_event_type_parses_with_its_source(ws):
    (ws / "ledger/events/openings.yml").write_text(OPENING, encoding="utf-8")
    _, led, diags = load(ws)
    assert diags == []
    events = [e for e in led.events if e.source.path.startswith("ledger/events/")]
    assert events == [
        Submission(unit="阳谷县自然资源和规划局", month="2024-01", count=17),
        Adoption(outlet="昨日市情", kind="信息", star=True, title="我市狠抓耕地流出问题整改", month="2024-01",
                 date=dt.date(2024, 1, 15), units=("耕地保护监督科", "调查监测科")),
        Commission(topic="全市耕地保护工作采取措施及取得成效", units=("耕地保护监督科",), status="adopted",
                   deadline=dt.date(2024, 1, 31), title="耕地保护成效", month="2024-01", date=dt.date(2024, 1, 20),
                   outlet="市政府约稿"),
        ReportUp(unit="耕地保护监督科", month="2024-01", count=2, channel="报市"),
        Bonus(unit="开发利用科", month="2024-01", points=Decimal("0.5"), reason="参加新闻发布会"),
        Waiver(unit="东阿县自然资源和规划局", months=("2024-01", "2024-02"), reason="机构调整"),
        Opening(unit="高唐县自然资源和规划局", month="2024-04", submitted=33,
                adopted=(("市/信息", 3), ("州/动态", 2)), points=Decimal("70.5")),
    ]
    assert [str(e.source) for e in events] == [f"ledger/events/2024-01.yml:{n}" for n in (2, 7, 14, 22, 26, 31)] + [
        "ledger/events/openings.yml:1"]
    for e in events:
        lines = (ws / e.source.path).read_text(encoding="utf-8").splitlines()
        assert lines[e.source.line - 1].startswith("- type:")
    assert isinstance(events[4].points, Decimal) and str(events[6].points) == "70.5"


def test_published_records_become_own_bulletin_adoptions(ws):
    _, led, _ = load(ws)
    assert led.published == ("2024-02",)
    pub = [e for e in led.events if isinstance(e, Adoption) and e.origin.startswith("publish:")]
    assert pub == [
        Adoption(outlet="简报", kind="信息", title="我市创新开展先登记后供地", month="2024-01", units=("开发利用科",),
                 date=dt.date(2024, 1, 20), issue=2, origin="publish:2024-02"),
        Adoption(outlet="简报", kind="简讯", title="全市农村不动产确权登记发证工作现场会召开", month="2024-01",
                 units=("调查监测科", "高唐县自然资源和规划局"), date=dt.date(2024, 1, 20), issue=2,
                 origin="publish:2024-02"),
    ]
    assert [str(e.source) for e in pub] == ["ledger/published/2024-02.yml:7", "ledger/published/2024-02.yml:11"]


BAD = """\
- type: submission
  unit: 阳谷局
  date: 2024-1
- type: bonus
  unit: 利用科
  date: 2024-01
  points: 五分
  reason: x
- type: adoption
  outlet: 每日动态
  kind: 信息
  title: 某标题
  date: 2024-01-05
  units: [开发科]
- type: gift
  unit: 利用科
- just text
- type: waiver
  unit: 东阿局
  date: 2024-03..2024-01
  reason: y
- type: commission
  units: [耕保科]
  status: done
"""


def test_malformed_entries_are_all_reported_at_their_lines(make_ws):
    root = make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-01.yml": BAD})
    code, out = run(root, "ledger", "check")
    assert code == 1
    f = "ledger/events/2024-01.yml"
    assert f"{f}:3: error[J301 bad-ledger]: `date:` must be a day like 2024-01-15 or a month like 2024-01, found '2024-1'" in out
    assert f"{f}:7: error[J301 bad-ledger]: `points:` must be a number like 5 or -2.5, found '五分'" in out
    assert f"{f}:14: error[J302 ledger-unit]: unit '开发科' is not in the unit registry" in out
    assert "hint: did you mean 开发利用科" in out
    assert f"{f}:15: error[J301 bad-ledger]: unknown event type 'gift'" in out
    assert f"{f}:17: error[J301 bad-ledger]: an event must be a mapping" in out
    assert f"{f}:20: error[J301 bad-ledger]: `date:` must be a month 2024-05 or a range" in out
    assert f"{f}:22: error[J301 bad-ledger]: `topic:` is required" in out
    assert f"{f}:24: error[J301 bad-ledger]: `status:` must be one of open, submitted, adopted, overdue" in out


def test_yaml_syntax_error_names_its_line(make_ws):
    root = make_ws({"ledger/events/2024-01.yml": "- type: bonus\n  unit: [利用科\n"})
    _, _, diags = load(root)
    assert [(d.code, d.source.path) for d in diags] == [("J301", "ledger/events/2024-01.yml")]
    assert diags[0].source.line >= 2


def test_check_outlets_periods_and_duplicates(make_ws):
    events = EVENTS + """\
- type: adoption
  outlet: 人民日报
  kind: 信息
  title: 不认识的刊物
  date: 2024-01-10
  units: [利用科]
- type: adoption
  outlet: 昨日市情
  kind: 信息
  star: true
  title: 我市狠抓耕地流出问题整改
  date: 2024-01-16
  units: [调查科, 耕保科]
- type: bonus
  unit: 利用科
  date: 2024-02-03
  points: 5
  reason: 二月的加分
- type: submission
  unit: 阳谷局
  date: 2024-01-04
  ref: inbox/2024-01-04-阳谷局-a.md
- type: submission
  unit: 阳谷局
  date: 2024-01-05
  ref: inbox/2024-01-04-阳谷局-a.md
- type: adoption
  outlet: 简报
  kind: 信息
  title: 我市创新开展先登记后供地
  date: 2024-01
  issue: 2
  units: [开发利用科, 耕保科]
"""
    root = make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-01.yml": events,
                    "ledger/published/2024-02.yml": PUBLISHED})
    code, out = run(root, "ledger", "check")
    assert code == 1
    f = "ledger/events/2024-01.yml"
    assert f"{f}:35: error[J303 ledger-outlet]: outlet '人民日报' with kind '信息' is not in the rules file" in out
    assert (f"{f}:41: error[J304 ledger-duplicate]: adoption '我市狠抓耕地流出问题整改' by 昨日市情 is also "
            f"recorded at {f}:7") in out
    assert f"{f}:48: error[J305 ledger-date]: this bonus is dated 2024-02, but 2024-01.yml holds the events of 2024-01" in out
    assert f"{f}:57: error[J304 ledger-duplicate]: submission inbox/2024-01-04-阳谷局-a.md is also recorded at {f}:53" in out
    assert (f"{f}:61: error[J304 ledger-duplicate]: backfill adoption '我市创新开展先登记后供地' of issue 2 duplicates "
            "the published record at ledger/published/2024-02.yml:7") in out
    assert out.count("error[") == 5


def test_clean_ledger_checks_clean(ws):
    code, out = run(ws, "ledger", "check")
    assert code == 0, out
    assert "ok: the ledger has no problems" in out


# ---------------------------------------------------------------- ledger add

def test_add_appends_and_keeps_the_editors_text(ws):
    path = ws / "ledger/events/2024-01.yml"
    before = path.read_bytes()
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-01",
                    "--points", "5", "--reason", "参加新闻发布会")
    assert code == 0, out
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "昨日市情", "--star", "--kind", "信息",
                    "--title", "新的一条", "--date", "2024-01-15", "--unit", "耕保科", "--unit", "利用科")
    assert code == 0, out
    assert "added to ledger/events/2024-01.yml" in out
    after = path.read_bytes()
    assert after.startswith(before)  # comments, blank lines and order untouched
    assert after[len(before):].decode() == (
        "- type: bonus\n  unit: 耕地保护监督科\n  date: 2024-01\n  points: 5\n  reason: 参加新闻发布会\n"
        "- type: adoption\n  outlet: 昨日市情\n  kind: 信息\n  star: true\n  title: 新的一条\n  date: 2024-01-15\n"
        "  units: [耕地保护监督科, 开发利用科]\n"
    )
    _, led, diags = load(ws)
    assert diags == []
    assert led.events[-1] == Adoption(outlet="昨日市情", kind="信息", star=True, title="新的一条", month="2024-01",
                                      date=dt.date(2024, 1, 15), units=("耕地保护监督科", "开发利用科"))


def test_add_goes_to_the_month_file_and_keeps_indentation(make_ws):
    indented = "# 二月\n  - type: submission\n    unit: 阳谷局\n    date: 2024-02\n"
    root = make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-02.yml": indented})
    assert run(root, "ledger", "add", "submission", "--unit", "高唐局",
               "--date", "2024-02-03", "--count", "3")[0] == 0
    assert run(root, "ledger", "add", "waiver", "--unit", "东阿局", "--date", "2024-05..2024-06",
               "--reason", "借调")[0] == 0
    assert run(root, "ledger", "add", "opening", "--unit", "东阿局", "--date", "2024-04", "--submitted", "33",
               "--adopted", "市/信息=3", "--points", "70.5")[0] == 0
    text = (root / "ledger/events/2024-02.yml").read_text(encoding="utf-8")
    assert text == indented + "  - type: submission\n    unit: 高唐县自然资源和规划局\n    date: 2024-02-03\n    count: 3\n"
    assert (root / "ledger/events/2024-05.yml").read_text(encoding="utf-8") == (
        "- type: waiver\n  unit: 东阿县自然资源和规划局\n  date: 2024-05..2024-06\n  reason: 借调\n")
    assert "  adopted: {市/信息: 3}\n  points: 70.5\n" in (root / "ledger/events/2024-04.yml").read_text(encoding="utf-8")
    _, led, diags = load(root)
    assert diags == []
    assert len(led.events) == 4


def test_add_refuses_unknown_unit_and_invalid_result(ws):
    before = snapshot(ws)
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保", "--date", "2024-01", "--points", "5",
                    "--reason", "x")
    assert code == 1
    assert "--unit: error[J302 ledger-unit]: unit '耕保' is not in the unit registry" in out
    assert "did you mean 耕地保护监督科" in out
    # a duplicate adoption is found in the resulting ledger, before anything is written
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "昨日市情", "--star", "--kind", "信息",
                    "--title", "我市狠抓耕地流出问题整改", "--date", "2024-01-15", "--unit", "调查科", "--unit", "耕保科")
    assert code == 1
    # reported at the command's option, naming the recorded one; never at a line of a file not written
    lines = len((ws / "ledger/events/2024-01.yml").read_text(encoding="utf-8").splitlines())
    assert ("--title: error[J304 ledger-duplicate]: adoption '我市狠抓耕地流出问题整改' by 昨日市情 is also recorded "
            "at ledger/events/2024-01.yml:7") in out
    assert f"2024-01.yml:{lines + 1}" not in out
    assert "nothing was written" in out
    code, out = run(ws, "ledger", "add", "adoption", "--outlet", "新华社", "--kind", "信息", "--title", "t",
                    "--date", "2024-01-15", "--unit", "调查科")
    assert code == 1 and "--outlet: error[J303 ledger-outlet]" in out
    assert "known outlets: 简报、昨日市情" in out
    assert "Traceback" not in out
    assert snapshot(ws) == before


def test_two_concurrent_adds_both_land(ws):
    env = {**os.environ, "JIANBAO_TEST_PAUSE_BEFORE_REPLACE": "0.4", "JIANBAO_TEST_PAUSE_PATH": "ledger/events"}
    barrier = ws / "go"
    starter = ("import sys, time, pathlib; p = pathlib.Path(sys.argv[1])\n"
               "while not p.exists(): time.sleep(0.005)\n"
               "from composer.cli import main; sys.argv = ['jianbao'] + sys.argv[2:]; main()")
    procs = [
        subprocess.Popen([sys.executable, "-c", starter, str(barrier), "-C", str(ws), "ledger", "add", "submission",
                          "--unit", unit, "--date", "2024-01", "--count", str(n)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for unit, n in (("东阿局", 4), ("冠县林业局", 6))
    ]
    barrier.write_text("go")
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    _, led, diags = load(ws)
    assert diags == []
    subs = {(e.unit, e.count) for e in led.events if isinstance(e, Submission)}
    assert {("东阿县自然资源和规划局", 4), ("冠县林业局", 6)} <= subs


def test_lock_timeout_is_a_clear_message(ws, monkeypatch):
    from filelock import FileLock

    monkeypatch.setattr(ledger, "LOCK_TIMEOUT", 0.1)
    w = open_workspace(ws)
    with FileLock(str(ws / "ledger/.lock")):
        with pytest.raises(JianbaoError, match="locked by another jianbao process"):
            ledger.append_events(w, [{"type": "bonus", "unit": "耕保科", "date": "2024-01", "points": 1, "reason": "x"}])


def test_nothing_half_written_when_replace_fails(ws, monkeypatch):
    before = snapshot(ws)
    w = open_workspace(ws)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(JianbaoError, match="cannot write the ledger: disk full; nothing was written"):
        ledger.append_events(w, [{"type": "bonus", "unit": "耕保科", "date": "2024-01", "points": 1, "reason": "x"}])
    assert snapshot(ws) == before
    assert not [p for p in (ws / "ledger/events").iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- closing

def test_close_then_change_is_refused_unless_forced_and_logged(ws):
    code, out = run(ws, "ledger", "close", "2024-01")
    assert code == 0, out
    closed = ws / "ledger/closed/2024-01.yml"
    text = closed.read_text(encoding="utf-8")
    assert "period: 2024-01" in text
    assert "  耕地保护监督科: {period_points: 25, cumulative_points: 25}" in text
    assert "  开发利用科: {period_points: 1.5, cumulative_points: 1.5}" in text
    assert run(ws, "ledger", "check")[0] == 0
    assert run(ws, "ledger", "close", "2024-01")[0] == 0  # unchanged figures: nothing to do
    assert closed.read_text(encoding="utf-8") == text

    before = snapshot(ws)
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-01", "--points", "5",
                    "--reason", "参加新闻发布会")
    assert code == 1
    assert "period 2024-01 is closed (ledger/closed/2024-01.yml)" in out
    assert "耕地保护监督科 (25/25 → 30/30)" in out
    assert snapshot(ws) == before
    # an event of another month leaves January's figures alone
    assert run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-02", "--points", "5",
               "--reason", "x")[0] == 0

    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-01", "--points", "5",
                    "--reason", "参加新闻发布会", "--force", "--force-reason", "通报漏记，补记")
    assert code == 0, out
    assert "closed period 2024-01 changed (forced, logged" in out
    from composer import yamlsrc

    data, _ = yamlsrc.parse(closed.read_text(encoding="utf-8"), "x")
    assert data["figures"]["耕地保护监督科"] == {"period_points": 30, "cumulative_points": 30}
    (entry,) = data["log"]
    assert entry["reason"] == "通报漏记，补记"
    assert "ledger add bonus" in entry["command"]
    assert entry["changes"] == [{"unit": "耕地保护监督科", "before": {"period_points": 25, "cumulative_points": 25},
                                 "after": {"period_points": 30, "cumulative_points": 30}}]
    assert run(ws, "ledger", "check")[0] == 0


def test_hand_edit_of_a_closed_period_is_reported(ws):
    assert run(ws, "ledger", "close", "2024-01")[0] == 0
    path = ws / "ledger/events/2024-01.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("points: 0.5", "points: 1.5"), encoding="utf-8")
    code, out = run(ws, "ledger", "check")
    assert code == 1
    assert ("ledger/closed/2024-01.yml:1: error[J306 closed-period]: period 2024-01 is closed but the ledger now "
            "gives other figures for 开发利用科 (1.5/1.5 → 2.5/2.5)") in out


def test_read_only_commands_leave_the_ledger_byte_identical(ws):
    assert run(ws, "ledger", "close", "2024-01")[0] == 0
    before = snapshot(ws)
    assert run(ws, "ledger", "check")[0] == 0
    assert run(ws, "check", "2024-03")[0] == 0
    assert run(ws, "publish", "2024-03", "--dry-run")[0] == 0
    assert run(ws, "report", "2024-01", "--format", "json")[0] == 0
    assert run(ws, "report", "2024-01", "--json")[0] == 0
    assert (ws / "build/reports/2024-01").is_dir()  # the report was written, outside the ledger
    assert snapshot(ws) == before


def test_fast_reader_matches_the_round_trip_reader():
    from composer import yamlsrc

    text = ("# c\n- type: a\n  d: 2024-01-15\n  m: 2024-01\n  x: {k: 1, j: [1, 2]}\n  p: 0.5\n  n: ~\n  b: true\n"
            "  no: no\n- [1, 2]\n- plain\n")
    slow, d1 = yamlsrc.parse(text, "t")
    fast, d2 = yamlsrc.parse_fast(text, "t")
    assert d1 == d2 == [] and fast == slow
    assert [yamlsrc.line_of(fast, i) for i in range(3)] == [yamlsrc.line_of(slow, i) for i in range(3)] == [2, 10, 11]
    assert [yamlsrc.line_of(fast[0], k) for k in fast[0]] == [yamlsrc.line_of(slow[0], k) for k in slow[0]]
    assert yamlsrc.parse_fast("a: 1\na: 2\n", "t")[1][0].source.line == 2
    assert yamlsrc.parse_fast("- [a\n", "t")[1][0].code == "J102"
