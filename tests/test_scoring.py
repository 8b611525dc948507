"""Scoring: the sample ledgers reproduce the reference reports; Decimal, ranks, JSON, CLI.

The January tables and the Golmud table are transcribed below from the reference
reports; the inputs are the repository's own data (contributors/, ledger/ and
examples/golmud/), copied into temporary workspaces.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from composer.diagnostics import JianbaoError
from composer.model import Adoption, Bonus, Opening, ReportUp, Submission, Waiver
from composer.registry import Units, load_registry
from composer.reports import json_report
from composer.rules import parse_rules
from composer.commands.report import load_report as build_report
from composer.scoring import score
from composer.workspace import open_workspace
from composer import yamlsrc

from tests.conftest import PUBLICATION, write_files

REPO = Path(__file__).resolve().parents[1]
JIANBAO = [sys.executable, "-m", "composer"]

# ---------------------------------------------------------------- the reference January tables
# 单位 | 上报篇数 | 市级以上采用篇数 | 市局简报采用篇数 | 记分 | 约稿篇数 | 约稿记分 | 报省市 | 本月基础分 | 本月分数 | 累计分数 | 总排名
# (empty cells are 0)
JANUARY = {
    "县（市、区）局": [
        ("高新区分局", 4, 0, 4, "3", 0, "0", 1, "5", "8", "8", 1),
        ("阳谷局", 6, 0, 4, "2.5", 0, "0", 1, "5", "7.5", "7.5", 2),
        ("临清局", 17, 0, 3, "2", 0, "0", 1, "5", "7", "7", 3),
        ("莘县局", 5, 0, 3, "2", 0, "0", 1, "5", "7", "7", 3),
        ("度假区分局", 5, 0, 3, "1.5", 0, "0", 1, "5", "6.5", "6.5", 4),
        ("高唐局", 4, 0, 3, "1.5", 0, "0", 1, "5", "6.5", "6.5", 4),
        ("开发区分局", 7, 0, 2, "1", 0, "0", 1, "5", "6", "6", 5),
        ("东昌府区分局", 6, 0, 1, "0.5", 0, "0", 1, "5", "5.5", "5.5", 6),
        ("冠县局", 4, 0, 3, "2.5", 0, "0", 0, "0", "2.5", "2.5", 7),
        ("冠县林业局", 5, 0, 3, "2", 0, "0", 0, "0", "2", "2", 8),
        ("茌平局", 4, 0, 3, "1.5", 0, "0", 0, "0", "1.5", "1.5", 9),
        ("东阿局", 3, 0, 0, "0", 0, "0", 0, "0", "0", "0", 10),
    ],
    "机关各科室": [
        ("耕地保护监督科", 8, 4, 4, "32", 0, "0", 2, "5", "37", "37", 1),
        ("用途管制科", 4, 3, 3, "26.5", 0, "0", 2, "5", "31.5", "31.5", 2),
        ("调查监测科", 4, 4, 1, "20.5", 0, "0", 2, "5", "25.5", "25.5", 3),
        ("防灾减灾科", 5, 1, 3, "7.5", 0, "0", 1, "5", "12.5", "12.5", 4),
        ("建设工程管理科", 4, 0, 2, "6.5", 0, "0", 1, "5", "11.5", "11.5", 5),
        ("开发利用科", 4, 1, 1, "5.5", 0, "0", 1, "5", "10.5", "10.5", 6),
        ("综合科", 7, 0, 4, "2", 0, "0", 1, "5", "7", "7", 7),
        ("地质矿产管理科", 4, 0, 3, "1.5", 0, "0", 1, "5", "6.5", "6.5", 8),
        ("政策法规科", 4, 0, 2, "1.5", 0, "0", 1, "5", "6.5", "6.5", 8),
        ("景观风貌科", 6, 0, 2, "1.5", 0, "0", 1, "5", "6.5", "6.5", 8),
        ("林草资源和湿地保护监督科", 4, 0, 1, "1", 0, "0", 2, "5", "6", "6", 9),
        ("生态修复科", 5, 0, 1, "1", 0, "0", 2, "5", "6", "6", 9),
        ("机关党委", 6, 0, 2, "1", 0, "0", 1, "5", "6", "6", 9),
        ("财审科", 4, 0, 2, "1", 0, "0", 1, "5", "6", "6", 9),
        ("村镇发展科", 4, 0, 1, "0.5", 0, "0", 2, "5", "5.5", "5.5", 10),
        ("自然资源督察办公室", 4, 0, 1, "0.5", 0, "0", 1, "5", "5.5", "5.5", 10),
        ("行政许可科", 4, 0, 1, "0.5", 0, "0", 1, "5", "5.5", "5.5", 10),
        ("自然保护地管理科", 4, 0, 1, "0.5", 0, "0", 1, "5", "5.5", "5.5", 10),
        ("人事科", 4, 0, 1, "0.5", 0, "0", 1, "5", "5.5", "5.5", 10),
        ("科技和信息化科", 4, 0, 0, "0", 0, "0", 1, "5", "5", "5", 11),
        ("离退休干部科", 2, 0, 1, "0.5", 0, "0", 0, "0", "0.5", "0.5", 12),
        ("测绘管理科", 2, 0, 0, "0", 0, "0", 0, "0", "0", "0", 13),
        ("国土空间规划科", 2, 0, 0, "0", 0, "0", 0, "0", "0", "0", 13),
    ],
    "局属事业单位": [
        ("市国土空间开发保护中心", 11, 2, 4, "17", 0, "0", 1, "5", "22", "22", 1),
        ("市林业发展中心", 9, 2, 5, "13.5", 0, "0", 2, "5", "18.5", "18.5", 2),
        ("市不动产登记中心", 4, 2, 1, "10.5", 0, "0", 2, "5", "15.5", "15.5", 3),
        ("市土地储备整治中心", 5, 1, 0, "5", 0, "0", 1, "5", "10", "10", 4),
        ("市自然资源综合执法支队", 10, 0, 4, "2.5", 0, "0", 1, "5", "7.5", "7.5", 5),
        ("市城乡规划设计研究院", 6, 0, 3, "1.5", 0, "0", 1, "5", "6.5", "6.5", 6),
        ("市地质矿产调查监测中心", 6, 0, 1, "0.5", 0, "0", 1, "5", "5.5", "5.5", 7),
        ("市规划展览馆", 4, 0, 0, "0", 0, "0", 1, "5", "5", "5", 8),
    ],
}
COVER_TOP = {
    "县（市、区）局": ("高新区分局", "阳谷局", "临清局", "莘县局"),
    "机关各科室": ("耕保科", "用途科", "调查科"),
    "局属事业单位": ("市国土空间开发保护中心", "市林业发展中心", "市不动产登记中心"),
}

# ---------------------------------------------------------------- the reference Golmud table
# 单位 | 本月积分 | 累计积分 | 是否合格, in the notice's order
GOLMUD = [
    ("市文体旅游广电局", 127, 197, True), ("市交通运输局", 127, 161, True),
    ("市发展和改革委员会", 126, 335, True), ("市工业信息化和科技局", 114, 326, True),
    ("市卫生健康委员会", 94, 241, True), ("市市场监督管理局", 79, 178, True),
    ("市人力资源和社会保障局", 70, 236, True), ("市水利局", 63, 96, True),
    ("市应急管理局", 61, 94, True), ("市农牧局", 58, 305, True),
    ("市数据局", 41, 112, True), ("市公安局", 38, 102, True),
    ("市财政局", 35, 98, True), ("市司法局", 35, 104, True),
    ("市人民法院", 27, 60, True), ("昆仑经济技术开发区管委会", 26, 72, True),
    ("市统计局", 26, 69, True), ("市城市管理局", 25, 118, True),
    ("市民政局", 15, 100, True), ("市人民检察院", 15, 56, True),
    ("东城区行委", 14, 69, True), ("察尔汗行委", 14, 29, True),
    ("西城区行委", 11, 51, True), ("市审计局", 9, 25, True),
    ("市民族宗教事务局", 8, 55, True), ("市退役军人事务局", 8, 29, True),
    ("格尔木农垦(集团)", 4, 50, True), ("市教育局", 83, 198, False),
    ("市自然资源局", 52, 145, False), ("市生态环境局", 18, 75, False),
    ("市林业和草原局", 13, 146, False), ("市住房和城乡建设局", 13, 95, False),
    ("国家税务总局格尔木市税务局", 8, 27, False), ("投资控股公司", 1, 3, False),
]
# 合计: 本月报送 累计报送 | 信息 省 州 市 (本月, 累计) | 动态 省 州 市 (本月, 累计) | 本月积分 累计积分
GOLMUD_TOTAL = (479, 1287, 0, 2, 24, 58, 43, 146, 19, 38, 13, 54, 18, 90, 1458, 4057)
GOLMUD_MEASURES = ("省/信息", "州/信息", "市/信息", "省/动态", "州/动态", "市/动态")


def _copy_liaocheng(dest: Path) -> Path:
    write_files(dest, {"jianbao.yml": PUBLICATION})
    shutil.copytree(REPO / "contributors", dest / "contributors")
    shutil.copytree(REPO / "ledger", dest / "ledger")
    return dest


@pytest.fixture(scope="module")
def liaocheng(tmp_path_factory) -> Path:
    return _copy_liaocheng(tmp_path_factory.mktemp("lc") / "ws")


@pytest.fixture(scope="module")
def january(liaocheng):
    report, diags = build_report(open_workspace(liaocheng), "2024-01")
    assert not [d for d in diags if d.is_error], diags
    return report


@pytest.fixture(scope="module")
def golmud_ws(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("gm") / "golmud"
    shutil.copytree(REPO / "examples" / "golmud", dest, ignore=shutil.ignore_patterns("build"))
    return dest


@pytest.fixture(scope="module")
def golmud(golmud_ws):
    report, diags = build_report(open_workspace(golmud_ws), "2024-05..2024-06")
    assert not [d for d in diags if d.is_error], diags
    return report


# ---------------------------------------------------------------- January (Liaocheng)

def test_january_tables_reproduce_the_reference(january):
    assert [g.name for g in january.groups] == list(JANUARY)
    for group in january.groups:
        got = [
            (r.unit, r.submitted, r.higher_adopted, r.own_adopted, r.adoption_points, r.commissioned,
             r.commission_points, r.reported_up, r.base_points, r.period_points, r.cumulative_points, r.rank)
            for r in group.rows
        ]
        want = [
            (u, s, h, o, Decimal(p), c, Decimal(cp), up, Decimal(b), Decimal(m), Decimal(cum), rank)
            for u, s, h, o, p, c, cp, up, b, m, cum, rank in JANUARY[group.name]
        ]
        assert got == want, group.name


def test_january_cover_counts_and_top_three(january):
    assert january.received == 224
    assert [g.received for g in january.groups] == [70, 99, 55]
    # the real own-bulletin adoptions (distinct items), not the cover's stale 40/29/27
    assert [g.own_adopted for g in january.groups] == [30, 34, 18]
    assert january.own_adopted == 69  # 第1期 24 items + 第2期 45 items
    assert {g.name: g.top for g in january.groups} == COVER_TOP
    assert january.title == "关于1月份政务信息采用情况的通报"


def test_january_itemized_lists(january):
    rows = {r.unit_name: r for g in january.groups for r in g.rows}
    gb = rows["耕地保护监督科"]
    assert [i.label for i in gb.items] == ["第1期  简讯", "第1期  简讯", "第2期  简讯", "第2期  简讯",
                                           "昨日市情★", "每日动态", "每日动态", "每日动态"]
    assert gb.items[4].points == Decimal(15)
    assert (gb.own_articles, gb.own_briefs, gb.own_points, gb.higher_points) == (0, 4, Decimal(2), Decimal(30))
    jg = rows["建设工程管理科"]
    assert jg.bonuses == (("参加新闻发布会", Decimal(5)),)
    assert (jg.own_points, jg.bonus_points, jg.adoption_points) == (Decimal("1.5"), Decimal(5), Decimal("6.5"))
    # one brief credited to three units gives each the full 0.5
    shared = "我市冠县国有毛白杨林场、茌平区国有广平林场被国家林草局认定为全国种苗基地试点类型林场"
    for unit in ("冠县自然资源和规划局", "茌平区自然资源和规划局", "市林业发展中心"):
        assert [i.points for i in rows[unit].items if i.title == shared] == [Decimal("0.5")]
    # 办公室 is scored: false and never in the tables
    assert "办公室" not in rows


# ---------------------------------------------------------------- Golmud

def test_golmud_rows_points_and_qualified(golmud):
    assert len(golmud.groups) == 1
    rows = {r.unit: r for r in golmud.groups[0].rows}
    assert len(rows) == 34
    got = {u: (rows[u].period_points, rows[u].cumulative_points, rows[u].qualified) for u in rows}
    assert got == {u: (Decimal(p), Decimal(c), q) for u, p, c, q in GOLMUD}


def test_golmud_totals_row(golmud):
    t = golmud.totals
    measures = {m.key: m for m in t.measures}
    got = (t.submitted, t.submitted_cumulative,
           *(x for k in GOLMUD_MEASURES for x in (measures[k].period, measures[k].cumulative)),
           t.period_points, t.cumulative_points)
    assert got == GOLMUD_TOTAL


def test_golmud_order_quota_lists_and_commissions(golmud):
    rows = golmud.groups[0].rows
    # qualified first, then 本月积分, then 累计积分
    assert [r.qualified for r in rows] == [True] * 27 + [False] * 7
    assert rows[0].unit == "市文体旅游广电局" and rows[1].unit == "市交通运输局"
    assert golmud.below_submission_quota == ("市教育局", "格尔木投资控股有限公司")
    assert set(golmud.below_adoption_quota) == {"市住房和城乡建设局", "市自然资源局", "市林业和草原局",
                                                "市生态环境局", "国家税务总局格尔木市税务局"}
    by = {r.unit: r for r in rows}
    assert by["市民政局"].waived == ("adopted@2024-05", "adopted@2024-06")
    assert by["市自然资源局"].failures == ("adopted@2024-06",)
    assert (golmud.commissions_total, golmud.commissions_adopted) == (42, 39)
    assert golmud.adopted_credits == 117
    assert [c.deadline.isoformat() for c in golmud.upcoming] == [
        "2024-07-16", "2024-07-19", "2024-07-23", "2024-07-26", "2024-08-01", "2024-08-08", "2024-08-15", "2024-08-29"]
    assert golmud.upcoming[2].units == ("东城区行政委员会", "西城区行政委员会")
    assert golmud.title == "关于2024年5—6月份政务信息报送采用情况及2024年7—8月份信息报送重点的通知"


# ---------------------------------------------------------------- engine properties (in-memory events)

RULES_YAML = """\
name: test rules
period: month
own_outlet: 简报
outlets:
  - {name: 简报, level: 局, points: {信息: 1, 简讯: 0.5}}
  - {name: 昨日市情, level: 市, points: {信息: 5}, star: 15}
base: {points: 5, requires: {reported_up: 1}}
"""


@pytest.fixture
def small(make_ws):
    root = make_ws({})
    registry, diags = load_registry(root, "contributors/units.yml")
    assert not diags
    rules, rd = parse_rules(yamlsrc.parse(RULES_YAML, "rules.yml")[0], "rules.yml")
    assert not rd
    return rules, Units(registry)


def _brief(n: int, units=("调查科",), month="2024-01") -> list[Adoption]:
    return [Adoption(outlet="简报", kind="简讯", title=f"简讯{n}-{i}", month=month, units=units, issue=1)
            for i in range(n)]


def test_half_points_add_up_exactly(small):
    rules, units = small
    report, diags = score(rules, units, _brief(7) + [Bonus(unit="调查科", month="2024-01", points=Decimal("0.1"), reason="x")] * 3,
                          "2024-01")
    assert not diags
    row = next(r for g in report.groups for r in g.rows if r.unit_name == "调查监测科")
    assert row.own_points == Decimal("3.5") and str(row.own_points) == "3.5"
    assert row.adoption_points == Decimal("3.8")  # 3.5 + 0.1 × 3, no float drift
    assert isinstance(row.period_points, Decimal)


def test_dense_ranks_with_ties_and_cumulative_months(small):
    rules, units = small
    events = (_brief(2, ("调查科",)) + _brief(2, ("耕保科",)) + _brief(1, ("利用科",))
              + _brief(4, ("地矿科",), month="2024-02")
              + [ReportUp(unit="利用科", month="2024-02", count=1)])
    report, _ = score(rules, units, events, "2024-02")
    rows = {r.unit_name: r for g in report.groups for r in g.rows}
    # cumulative: 调查/耕保 1, 利用 0.5 + 5 (base in Feb), 地矿 2
    assert rows["开发利用科"].cumulative_points == Decimal("5.5")
    assert rows["开发利用科"].period_points == Decimal(5)
    ranks = {u: rows[u].rank for u in ("开发利用科", "地质矿产管理科", "调查监测科", "耕地保护监督科", "用途管制科")}
    assert ranks == {"开发利用科": 1, "地质矿产管理科": 2, "调查监测科": 3, "耕地保护监督科": 3, "用途管制科": 4}
    group = next(g for g in report.groups if g.name == "机关各科室")
    assert group.top == ("利用科", "地矿科", "调查科", "耕保科")


def test_star_opening_waiver_and_bad_period(small):
    rules, units = small
    events = [Adoption(outlet="昨日市情", kind="信息", title="t", month="2024-03", units=("调查科",), star=True),
              Opening(unit="调查科", month="2024-02", points=Decimal("7.5"), submitted=3),
              Submission(unit="调查科", month="2024-03", count=2),
              Submission(unit="调查科", month="2024-01", count=9),  # covered by the opening
              Waiver(unit="调查科", months=("2024-03",), reason="r")]
    report, diags = score(rules, units, events, "2024-03")
    row = next(r for g in report.groups for r in g.rows if r.unit_name == "调查监测科")
    assert row.higher_points == Decimal(15)
    assert row.cumulative_points == Decimal("22.5")
    assert row.submitted_cumulative == 5
    assert any("covered by its opening balance" in d.message for d in diags)
    with pytest.raises(JianbaoError, match="2024-01"):
        score(rules, units, [], "2024-01..2024-02")  # monthly rules
    with pytest.raises(JianbaoError):
        score(rules, units, [], "2024-13")


def test_bimonth_periods_must_align(golmud_ws):
    with pytest.raises(JianbaoError, match="2 months"):
        build_report(open_workspace(golmud_ws), "2024-06..2024-07")
    with pytest.raises(JianbaoError):
        build_report(open_workspace(golmud_ws), "2024-05")


# ---------------------------------------------------------------- JSON

def test_json_shape_and_number_types(january, golmud):
    data = json.loads(json_report.render(january))
    assert list(data)[:3] == ["period", "rules", "groups"]
    assert data["period"] == "2024-01"
    row = data["groups"][1]["rows"][1]  # 用途管制科
    required = ["unit", "submitted", "higher_adopted", "own_adopted", "adoption_points", "commissioned",
                "commission_points", "reported_up", "base_points", "period_points", "cumulative_points", "rank",
                "qualified", "items"]
    assert list(row)[: len(required)] == required
    assert row["unit"] == "用途管制科"
    assert row["adoption_points"] == 26.5 and isinstance(row["adoption_points"], float)
    assert row["cumulative_points"] == 31.5
    assert row["base_points"] == 5 and isinstance(row["base_points"], int)
    assert row["qualified"] is None  # no quotas in the Liaocheng rules
    assert set(row["items"][0]) >= {"title", "outlet", "kind", "points"}
    assert row["items"][0]["points"] == 0.5
    text = json_report.render(january)
    assert '"0.5"' not in text and ".0," not in text and ".0\n" not in text

    g = json.loads(json_report.render(golmud))
    r0 = g["groups"][0]["rows"][0]
    assert r0["rank"] is None and r0["base_points"] is None and r0["reported_up"] is None
    assert r0["qualified"] is True and r0["period_points"] == 127
    assert g["totals"]["cumulative_points"] == 4057


# ---------------------------------------------------------------- command line

def _run(args, cwd: Path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(JIANBAO + args, cwd=cwd, capture_output=True, text=True, env=env, timeout=60)


def test_cli_report_json_to_stdout_and_files(liaocheng, golmud_ws):
    before = {p: p.read_bytes() for p in (liaocheng / "ledger").rglob("*") if p.is_file()}
    res = _run(["report", "2024-01", "--json"], liaocheng)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["groups"][0]["rows"][0]["unit"] == "高新区分局"
    assert "scoring 2024-01" in res.stderr

    res = _run(["report", "2024-05..2024-06", "--format", "json"], golmud_ws)
    assert res.returncode == 0, res.stderr
    out = golmud_ws / "build" / "reports" / "2024-05..2024-06" / "2024-05..2024-06-通知.json"
    assert json.loads(out.read_text(encoding="utf-8"))["totals"]["period_points"] == 1458

    (liaocheng / "评语.txt").write_text("总体来看，1月份各单位报送稿件数量较少。\n", encoding="utf-8")
    res = _run(["report", "2024-01", "--out", "-", "--commentary", "评语.txt", "--date", "2024-03-20"], liaocheng)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["commentary"] == "总体来看，1月份各单位报送稿件数量较少。" and data["date"] == "2024-03-20"
    assert data["issuer"] == "市自然资源和规划局"

    res = _run(["report", "2024-01..2024-02", "--json"], liaocheng)
    assert res.returncode == 1 and "month" in res.stderr

    res = _run(["report", "annual", "2024", "--format", "json"], liaocheng)
    assert res.returncode == 0, res.stderr
    annual = json.loads((liaocheng / "build/reports/2024-annual/2024-年度统计.json").read_text(encoding="utf-8"))
    assert annual["issues_published"] == 2 and annual["items_carried"] == 69
    assert annual["submitted"] == 224
    assert sum(u["points"] for g in annual["groups"] for u in g["units"]) == pytest.approx(
        sum(float(r[10]) for rows in JANUARY.values() for r in rows))
    md = (liaocheng / "build/reports/2024-annual/2024-年度统计.md").read_text(encoding="utf-8")
    assert "| 耕地保护监督科 | 8 |" in md
    # reports never change the ledger
    assert before == {p: p.read_bytes() for p in (liaocheng / "ledger").rglob("*") if p.is_file()}


def test_golmud_annual_carries_openings(golmud_ws):
    from composer.commands.report import annual_data

    data, diags = annual_data(open_workspace(golmud_ws), 2024)
    assert not [d for d in diags if d.is_error]
    units = {u["unit"]: u for g in data["groups"] for u in g["units"]}
    assert units["市农牧局"]["points"] == 305 and units["市农牧局"]["submitted"] == 30
    assert sum(u["points"] for u in units.values()) == 4057
    assert {lv["level"]: lv["credits"] for lv in data["levels"]}["州/信息"] == 24  # May–June events only
