"""Rules files: both shipped rule sets load; invalid files give J401 at file:line."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from composer.rules import load_rules
from composer.workspace import open_workspace

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
name: 测试规则
form: liaocheng
period: month
own_outlet: 简报
outlets:
  - {name: 简报, level: 局, points: {信息: 1, 简讯: 0.5}}
  - {name: 昨日市情, level: 市, points: {信息: 5}, star: 15}
commission: {outlet: 市政府约稿, points: 5}
base: {points: 5, requires: {reported_up: 1}}
quotas:
  A: {submitted: 5, adopted: 1}
"""


def _load(make_ws, rules_text: str, units: str | None = None):
    files = {"contributors/rules.yml": rules_text}
    if units is not None:
        files["contributors/units.yml"] = units
    ws = open_workspace(make_ws(files))
    return load_rules(ws)


def _errors(diags):
    return [(d.code, d.source.path, d.source.line) for d in diags if d.is_error]


def test_repo_liaocheng_rules(make_ws):
    ws = open_workspace(make_ws({"contributors/rules.yml": (REPO / "contributors/rules.yml").read_text(encoding="utf-8")}))
    rules, diags = load_rules(ws)
    assert diags == []
    assert rules.own_outlet == "简报" and rules.form == "liaocheng" and rules.period == "month"
    assert rules.item_points("简报", "信息") == Decimal(1)
    assert rules.item_points("简报", "简讯") == Decimal("0.5")
    assert rules.item_points("昨日市情", "信息", star=True) == Decimal(15)
    assert rules.item_points("每日动态", "信息", star=True) == Decimal(5)  # no star value: plain points
    assert rules.item_points("市政府约稿", "信息") == Decimal(5)
    for outlet in ("昨日市情", "每日动态", "普刊", "聊城信息", "昨日市情约稿"):
        assert rules.knows(outlet, "信息")
    assert not rules.knows("每日动态", "动态") and not rules.knows("省政府信息", "信息")
    assert rules.base_points == Decimal(5) and rules.rank_method == "dense"
    assert rules.bonus_points("参加新闻发布会") == Decimal(5)


def test_repo_golmud_rules(tmp_path):
    shutil.copytree(REPO / "examples" / "golmud", tmp_path / "g", ignore=shutil.ignore_patterns("build", "ledger"))
    rules, diags = load_rules(open_workspace(tmp_path / "g"))
    assert diags == []
    assert rules.own_outlet is None and rules.period == "bimonth" and rules.months_per_period == 2
    assert [rules.item_points(lv, k) for k in ("信息", "动态") for lv in ("省", "州", "市")] == [
        Decimal(x) for x in (30, 15, 5, 15, 5, 3)]
    assert rules.submission_points == Decimal(1)
    assert {q.name: {r.measure: r.minimum for r in q.minimums} for q in rules.quotas} == {
        "A": {"submitted": 5, "adopted": 1}, "B": {"submitted": 4, "adopted": 1}, "C": {"submitted": 2}}
    assert rules.excluded("会议信息") and not rules.excluded("工作动态")
    assert rules.rank_by is None and rules.order == ("qualified", "period_points", "cumulative_points")


def test_good_rules_have_no_diagnostics(make_ws):
    rules, diags = _load(make_ws, GOOD)
    assert diags == [] and rules is not None


@pytest.mark.parametrize(
    "text, line, words",
    [
        (GOOD + "colour: red\n", 12, "unknown key `colour`"),
        (GOOD.replace("信息: 5}, star: 15", "信息: five}, star: 15"), 7, "must be a number"),
        (GOOD.replace("star: 15", "star: [15]"), 7, "must be a number"),
        (GOOD.replace("period: month", "period: weekly"), 3, "`period` must be one of"),
        (GOOD.replace("submitted: 5,", "submited: 5,"), 11, "unknown measure `submited`"),
        (GOOD.replace("submitted: 5,", "submitted: -1,"), 11, "whole number"),
        (GOOD.replace("own_outlet: 简报", "own_outlet: 日报"), 4, "not one of the outlets"),
        (GOOD.replace("requires: {reported_up: 1}", "requires: 1"), 9, "must map measures"),
        (GOOD + "order: [loudness]\n", 12, "unknown order key"),
        (GOOD + "ranking: {by: cumulative_points, method: olympic}\n", 12, "`method` must be one of"),
        (GOOD + "measures: [省/信息]\n", 12, "no level/kind"),
    ],
)
def test_invalid_rules_are_J401_at_their_line(make_ws, text, line, words):
    rules, diags = _load(make_ws, text)
    assert rules is None
    assert ("J401", "contributors/rules.yml", line) in _errors(diags)
    assert any(words in d.message for d in diags), [d.message for d in diags]


def test_outlets_missing_and_yaml_errors(make_ws):
    rules, diags = _load(make_ws, "name: x\n")
    assert rules is None and ("J401", "contributors/rules.yml", 1) in _errors(diags)
    rules, diags = _load(make_ws, "name: x\noutlets: [\n")
    assert rules is None and _errors(diags) and _errors(diags)[0][:2] == ("J401", "contributors/rules.yml")
    rules, diags = _load(make_ws, "- just a list\n")
    assert rules is None and _errors(diags) == [("J401", "contributors/rules.yml", 1)]


def test_unknown_quota_class_in_the_registry(make_ws):
    units = """\
groups:
  - name: 机关各科室
    units:
      - {name: 调查监测科, short: 调查科, quota: A}
      - {name: 耕地保护监督科, short: 耕保科, quota: Z}
"""
    _, diags = _load(make_ws, GOOD, units)
    assert _errors(diags) == [("J401", "contributors/units.yml", 5)]
    assert "quota class Z" in diags[0].message and "A" in diags[0].hint


def test_missing_rules_file(make_ws):
    ws = open_workspace(make_ws({"contributors/rules.yml": None}))
    rules, diags = load_rules(ws)
    assert rules is None and _errors(diags) == [("J401", "contributors/rules.yml", 0)]
