"""Hardening: huge, negative, infinite and not-a-number values in every numeric option and
field (``ledger add``, ``ledger import`` CSV/XLSX, events YAML, rules.yml, ``publish``) are a
clear error naming the file or option, never a traceback, never accepted silently; the
workspace is byte-identical afterwards.  The ledger's limits: points ±100000, counts 0…100000."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import RULES
from tests.hardening import fails, jianbao, workspace
from tests.hardening import snapshot as _snapshot

HUGE = "99999999999999999999"
ADD = ("ledger", "add")
DAY = ("--unit", "阳谷局", "--date", "2024-01")


def snapshot(root):
    """The workspace's bytes; ``ledger/.lock`` (the writers' lock, not tracked) may appear."""
    out = _snapshot(root)
    out.pop("ledger/.lock", None)
    return out


@pytest.mark.parametrize("args, shown", [
    (("submission", *DAY, "--count", HUGE), HUGE),
    (("submission", *DAY, "--count", "-5"), "-5"),
    (("submission", *DAY, "--count", "100001"), "100001"),
    (("report_up", *DAY, "--count", HUGE), HUGE),
    (("report_up", *DAY, "--count", "-1"), "-1"),
    (("bonus", *DAY, "--points", "1e999999", "--reason", "补记"), "1e999999"),
    (("bonus", *DAY, "--points", "nan", "--reason", "补记"), "nan"),
    (("bonus", *DAY, "--points", "inf", "--reason", "补记"), "inf"),
    (("bonus", *DAY, "--points", "-inf", "--reason", "补记"), "-inf"),
    (("bonus", *DAY, "--points", "-100001", "--reason", "补记"), "-100001"),
    (("bonus", *DAY, "--points", "1" * 5000, "--reason", "补记"), "1111111111"),
    (("opening", *DAY, "--submitted", HUGE), HUGE),
    (("opening", *DAY, "--submitted", "-3"), "-3"),
    (("opening", *DAY, "--adopted", f"市/信息={HUGE}"), HUGE),
    (("opening", *DAY, "--points", "nan"), "nan"),
    (("opening", *DAY, "--points", "1e999999"), "1e999999"),
    (("adoption", "--outlet", "简报", "--kind", "信息", "--title", "标题", "--date", "2024-01", "--unit", "阳谷局",
      "--issue", HUGE), HUGE),
    (("adoption", "--outlet", "简报", "--kind", "信息", "--title", "标题", "--date", "2024-01", "--unit", "阳谷局",
      "--issue", "-4"), "-4"),
])
def test_ledger_add_refuses_numbers_out_of_range(tmp_path, args, shown):
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao(root, *ADD, *args)
    option = next(a for a in args if a in ("--count", "--points", "--submitted", "--adopted", "--issue"))
    fails(r, option, shown[:10], "nothing was written")
    assert "100000" in r.out  # the limit is named
    assert len(max(r.out.splitlines(), key=len)) < 300  # a 5000-digit number is cut in the message
    assert snapshot(root) == before


@pytest.mark.parametrize("entry, shown", [
    ("{type: submission, unit: 阳谷局, date: 2024-01, count: %s}" % HUGE, "count"),
    ("{type: submission, unit: 阳谷局, date: 2024-01, count: -5}", "count"),
    ("{type: report_up, unit: 阳谷局, date: 2024-01, count: 1e5}", "count"),
    ("{type: bonus, unit: 阳谷局, date: 2024-01, points: 1e999999, reason: x}", "points"),
    ("{type: bonus, unit: 阳谷局, date: 2024-01, points: '1e999999', reason: x}", "points"),
    ("{type: bonus, unit: 阳谷局, date: 2024-01, points: .nan, reason: x}", "points"),
    ("{type: bonus, unit: 阳谷局, date: 2024-01, points: -.inf, reason: x}", "points"),
    ("{type: opening, unit: 阳谷局, date: 2023-12, adopted: {市/信息: %s}}" % HUGE, "adopted"),
    ("{type: opening, unit: 阳谷局, date: 2023-12, submitted: %s}" % HUGE, "submitted"),
    ("{type: adoption, outlet: 简报, kind: 信息, title: 标题, date: 2024-01, units: [阳谷局], issue: %s}" % HUGE,
     "issue"),
])
def test_events_file_numbers_out_of_range_are_errors_at_their_line(tmp_path, entry, shown):
    root = workspace(tmp_path, {"ledger/events/2024-01.yml": f"- {entry}\n"})
    before = snapshot(root)
    for args in (("ledger", "check"), ("report", "2024-01", "--json"), ("ledger", "close", "2024-01")):
        r = jianbao(root, *args)
        fails(r, "ledger/events/2024-01.yml:1:", f"`{shown}", "100000")
    assert snapshot(root) == before


def _rules(old: str, new: str) -> str:
    assert old in RULES
    return RULES.replace(old, new)


@pytest.mark.parametrize("rules, shown", [
    (_rules("信息: 1,", f"信息: {HUGE},"), HUGE),
    (_rules("信息: 1,", "信息: '1e999999',"), "1e999999"),
    (_rules("信息: 1,", "信息: 1e999999,"), "100000"),
    (_rules("信息: 1,", "信息: .nan,"), "nan"),
    (_rules("star: 15", "star: 1e300"), "100000"),
    (_rules("reported_up: 1", f"reported_up: {HUGE}"), HUGE),
    (_rules("top: 3", f"top: {HUGE}"), HUGE),
    (_rules("top: 3", "top: -1"), "-1"),
    (RULES + "submission_points: '-1e999999'\n", "-1e999999"),
    (RULES + "bonuses: {发布会: 1e400}\n", "100000"),
    (RULES + f"quotas: {{A: {{submitted: {HUGE}}}}}\n", HUGE),
])
def test_rules_numbers_out_of_range_stop_every_command(tmp_path, rules, shown):
    events = ("- {type: submission, unit: 阳谷局, date: 2024-01, count: 3}\n"
              "- {type: bonus, unit: 阳谷局, date: 2024-01, points: 3, reason: x}\n")
    root = workspace(tmp_path, {"contributors/rules.yml": rules, "ledger/events/2024-01.yml": events})
    before = snapshot(root)
    for args in (("ledger", "check"), ("report", "2024-01", "--json"), ("publish", "2024-03", "--dry-run"),
                 ("publish", "2024-03", "--no-build"), (*ADD, "submission", *DAY),
                 ("ledger", "close", "2024-01")):
        r = jianbao(root, *args)
        fails(r, "contributors/rules.yml:", shown)
        assert snapshot(root) == before, args


def test_publish_with_a_broken_rules_file_writes_nothing(tmp_path):
    """The own bulletin's name and the credits come from the rules: publishing past their errors
    would credit under a guessed outlet (it used to say "published", and --dry-run listed nothing)."""
    root = workspace(tmp_path, {"contributors/rules.yml": _rules("信息: 1,", "信息: .nan,")})
    before = snapshot(root)
    for extra in ((), ("--dry-run",), ("--no-build",)):
        r = jianbao(root, "publish", "2024-03", *extra)
        fails(r, "contributors/rules.yml:7:", "fix them before publishing 2024-03")
    assert snapshot(root) == before


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


HEADER = ("type", "date", "units", "count", "points", "reason")


def test_ledger_import_csv_numbers_out_of_range(tmp_path):
    root = workspace(tmp_path)
    sheet = _csv(tmp_path / "events.csv", [
        HEADER,
        ("submission", "2024-01", "阳谷局", HUGE, "", ""),
        ("submission", "2024-01", "阳谷局", "-5", "", ""),
        ("submission", "2024-01", "阳谷局", "100001", "", ""),
        ("bonus", "2024-01", "阳谷局", "", "1e999999", "x"),
        ("bonus", "2024-01", "阳谷局", "", "nan", "x"),
        ("bonus", "2024-01", "阳谷局", "", "inf", "x"),
        ("bonus", "2024-01", "阳谷局", "", "-100001", "x"),
        ("submission", "2024-01", "高唐局", "2", "", ""),  # a good row: not imported either
    ])
    before = snapshot(root)
    r = jianbao(root, "ledger", "import", sheet)
    fails(r, "nothing was imported")
    for row in range(2, 9):
        assert f"events.csv:{row}:" in r.out, r.out
    assert "events.csv:9:" not in r.out
    assert r.out.count("100000") >= 7
    assert snapshot(root) == before


def test_ledger_import_xlsx_numbers_out_of_range(tmp_path):
    import openpyxl

    root = workspace(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(HEADER))
    ws.append(["submission", "2024-01", "阳谷局", 1e300, None, None])
    ws.append(["submission", "2024-01", "阳谷局", -3, None, None])
    ws.append(["submission", "2024-01", "阳谷局", 2.5, None, None])
    ws.append(["bonus", "2024-01", "阳谷局", None, 1e300, "x"])
    ws.append(["bonus", "2024-01", "阳谷局", None, True, "x"])
    wb.save(tmp_path / "events.xlsx")
    counts = openpyxl.Workbook()
    counts.active.append(["单位", "上报", "报市"])
    counts.active.append(["阳谷局", 1e300, -1])
    counts.active.append(["高唐局", 999999, 2])
    counts.save(tmp_path / "counts.xlsx")
    before = snapshot(root)
    r = jianbao(root, "ledger", "import", tmp_path / "events.xlsx")
    fails(r, "events.xlsx:2:", "events.xlsx:3:", "events.xlsx:4:", "events.xlsx:5:", "events.xlsx:6:",
          "nothing was imported")
    assert "between -100000 and 100000" in r.out  # 1e300 points: too big, not "not a number"
    assert max(len(ln) for ln in r.out.splitlines()) < 300
    r = jianbao(root, "ledger", "import", tmp_path / "counts.xlsx", "--month", "2024-01")
    fails(r, "counts.xlsx:2:", "counts.xlsx:3:", "from 0 to 100000", "nothing was imported")
    assert snapshot(root) == before


# ---------------------------------------------------------------- years and issue numbers

@pytest.mark.parametrize("args, words", [
    (("report", "0000-01", "--json"), ["0000-01", "1900 to 2999"]),  # was a crash (year 0 is out of range)
    (("report", "annual", "0", "--json"), ["'0'", "1900 to 2999"]),  # the same
    (("report", "annual", HUGE, "--json"), [HUGE, "1900 to 2999"]),  # was a crash (int('999…-12'))
    (("ledger", "close", "9999-12"), ["9999-12", "1900 to 2999"]),  # closed a period 8000 years ahead
    (("ledger", "close", "0001-01"), ["0001-01"]),
    ((*ADD, "submission", "--unit", "阳谷局", "--date", "0000-01"), ["--date", "0000-01"]),  # wrote events/0000-01.yml
    ((*ADD, "waiver", "--unit", "阳谷局", "--date", "2024-01..9999-12", "--reason", "x"), ["--date", "9999-12"]),
    (("explain", "阳谷局", "0000-01"), ["0000-01"]),
])
def test_years_out_of_range(tmp_path, args, words):
    root = workspace(tmp_path)
    before = snapshot(root)
    fails(jianbao(root, *args), *words)
    assert snapshot(root) == before


def test_events_file_year_out_of_range(tmp_path):
    root = workspace(tmp_path, {"ledger/events/2024-01.yml": "- {type: submission, unit: 阳谷局, date: 0001-01-05}\n"})
    fails(jianbao(root, "ledger", "check"), "ledger/events/2024-01.yml:1:", "`date:`")


@pytest.mark.parametrize("number", [HUGE, "-1"])
def test_import_issue_number_out_of_range(tmp_path, number):
    """The folder written must load: issue.yml takes numbers from 1 to 100000."""
    root = workspace(tmp_path)
    txt = tmp_path / "第5期.txt"
    txt.write_text("自然资源和规划简报\n第5期\n市自然资源和规划局办公室 2024年4月15日\n\n我市召开耕地保护工作会议\n\n"
                   "4月10日，我市召开耕地保护工作会议。\n\n（耕保科/张三）\n", encoding="utf-8")
    before = snapshot(root)
    fails(jianbao(root, "import", "issue", txt, "--number", number, "--date", "2024-04-15", "--id", "x1"),
          "第5期.txt", "from 1 to 100000")
    assert snapshot(root) == before
