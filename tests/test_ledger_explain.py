"""Issue 9: explained scores (jianbao explain), previous ranks, and the closed-period figures
computed once per year (period_figures) agreeing with the report."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer import explain, ledger
from composer.cli import main
from composer.commands.report import load_report
from composer.rules import load_rules
from composer.scoring import period_figures
from composer.workspace import open_workspace

from tests.conftest import PUBLICATION, write_files

REPO = Path(__file__).resolve().parents[1]


def run(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def liaocheng(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("lc") / "ws"
    write_files(dest, {"jianbao.yml": PUBLICATION})
    shutil.copytree(REPO / "contributors", dest / "contributors")
    shutil.copytree(REPO / "ledger", dest / "ledger")
    return dest


@pytest.fixture(scope="module")
def golmud(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("gm") / "golmud"
    shutil.copytree(REPO / "examples" / "golmud", dest, ignore=shutil.ignore_patterns("build"))
    return dest


def _loaded(root: Path):
    w = open_workspace(root)
    rules, _ = load_rules(w)
    led, diags = ledger.load_ledger(w, rules)
    assert not [d for d in diags if d.is_error]
    return w, rules, led


@pytest.mark.parametrize("which,period", [("liaocheng", "2024-01"), ("golmud", "2024-05..2024-06")])
def test_explain_sums_equal_the_report_for_every_unit(request, which, period):
    root = request.getfixturevalue(which)
    w, rules, led = _loaded(root)
    rep, diags = load_report(w, period)
    assert not [d for d in diags if d.is_error]
    rows = [r for g in rep.groups for r in g.rows]
    assert len(rows) > 20
    for row in rows:
        x = explain.explain(rules, w.units, led.events, row.unit_name, period)
        assert sum((e.points for e in x.entries), Decimal(0)) == x.period_points == row.period_points, row.unit_name
        assert x.cumulative_points == row.cumulative_points, row.unit_name
        for e in x.entries:
            path, _, line = e.source.rpartition(":")
            assert (root / path).is_file() and int(line) >= 1


def test_explain_rule_entries_of_their_own(liaocheng, golmud):
    w, rules, led = _loaded(liaocheng)
    x = explain.explain(rules, w.units, led.events, "耕保科", "2024-01")
    base = [e for e in x.entries if e.type == "base"]
    assert len(base) == 1 and base[0].points == 5 and base[0].source.startswith("contributors/rules.yml:")
    star = [e for e in x.entries if e.outlet == "昨日市情"]
    assert star and star[0].points == 15
    w, rules, led = _loaded(golmud)
    x = explain.explain(rules, w.units, led.events, "市教育局", "2024-05..2024-06")
    subs = [e for e in x.entries if e.type == "submission_points"]
    assert len(subs) == 2 and all(e.source.startswith("contributors/rules.yml:") for e in subs)
    assert (x.period_points, x.cumulative_points) == (83, 198)


def test_explain_cli_json_shape(liaocheng):
    code, out = run(liaocheng, "explain", "临清局", "2024-01", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert list(data) == ["unit", "period", "period_points", "cumulative_points", "events"]
    assert data["unit"] == "临清市自然资源和规划局" and data["period"] == "2024-01"
    assert data["period_points"] == 7 and isinstance(data["period_points"], int)
    assert all(list(e) == ["date", "type", "outlet", "kind", "title", "points", "source"] for e in data["events"])
    assert any(isinstance(e["points"], float) and e["points"] == 0.5 for e in data["events"])
    assert sum(e["points"] for e in data["events"]) == data["period_points"]
    code, out = run(liaocheng, "explain", "临清局", "2024-01")
    assert code == 0 and "本期得分 period_points: 7" in out
    code, out = run(liaocheng, "explain", "不存在", "2024-01")
    assert code == 1 and "not in the unit registry" in out and "Traceback" not in out
    code, out = run(liaocheng, "explain", "临清局", "2024-13")
    assert code == 1 and "Traceback" not in out


def test_previous_rank_and_rank_change(make_ws):
    from tests.conftest import RULES

    events = """\
- {type: bonus, unit: 耕保科, date: 2024-01, points: 5, reason: a}
- {type: bonus, unit: 利用科, date: 2024-01, points: 3, reason: a}
- {type: bonus, unit: 利用科, date: 2024-02, points: 9, reason: a}
"""
    root = make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-01.yml": events})
    code, out = run(root, "report", "2024-02", "--json")
    assert code == 0, out
    rows = {r["unit_name"]: r for g in json.loads(out[out.index("{"):])["groups"] for r in g["rows"]}
    assert (rows["开发利用科"]["rank"], rows["开发利用科"]["previous_rank"], rows["开发利用科"]["rank_change"]) == (1, 2, 1)
    assert (rows["耕地保护监督科"]["rank"], rows["耕地保护监督科"]["previous_rank"], rows["耕地保护监督科"]["rank_change"]) == (2, 1, -1)
    code, out = run(root, "report", "2024-01", "--json")
    rows = {r["unit_name"]: r for g in json.loads(out[out.index("{"):])["groups"] for r in g["rows"]}
    assert rows["开发利用科"]["previous_rank"] is None and rows["开发利用科"]["rank_change"] is None


@pytest.mark.parametrize("which,periods", [("liaocheng", ["2024-01", "2024-02"]),
                                           ("golmud", ["2024-05..2024-06", "2024-07..2024-08", "2024-03..2024-04"])])
def test_period_figures_in_one_pass_equal_the_report(request, which, periods):
    root = request.getfixturevalue(which)
    w, rules, led = _loaded(root)
    figs = period_figures(rules, w.units, led.events, periods)
    for p in periods:
        rep, _ = load_report(w, p)
        assert figs[p] == {r.unit_name: (r.period_points, r.cumulative_points) for g in rep.groups for r in g.rows}


def test_scoring_and_ledger_do_not_import_each_other():
    import ast

    def imports(mod: str) -> set[str]:
        tree = ast.parse((REPO / "composer" / f"{mod}.py").read_text(encoding="utf-8"))
        out = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module)
                out |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
        return out

    assert not {m for m in imports("scoring") if "ledger" in m or "closing" in m or "rules" in m}
    assert not {m for m in imports("closing") if "ledger" in m}
    assert "contextvars" not in imports("ledger")
