"""Issue 11, the ledger part: multi-file changes commit all or nothing (journal), impossible dates
and cut files are file:line errors, hand edits of published records are flagged, an interrupted
publish rebuilds its outputs.  Issue 9: the closed-period guard does only the work a change needs.

Every failure asserts the exit code, no traceback, the file named, and a byte-identical ledger.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer import closing, ledger, scoring
from composer.cli import main
from composer.workspace import open_workspace

from tests.conftest import RULES, base_files, write_files
from tests.test_ledger import EVENTS
from tests.test_ledger_batch import run, snapshot
from tests.test_publish import OFFICE_ARTICLE

ISSUE_ID = "2024-03"


class Killed(BaseException):
    """Stands for SIGKILL in-process: nothing catches it."""


@pytest.fixture
def ws(make_ws):
    return make_ws({"contributors/rules.yml": RULES, "ledger/events/2024-01.yml": EVENTS,
                    "issues/2024-03/02-office.md": OFFICE_ARTICLE})


def _forced_revision_setup(ws: Path) -> dict[str, bytes]:
    """Published 2024-03, closed 2024-04, then an edit whose revision changes the closed figures."""
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    assert run(ws, "ledger", "close", "2024-04")[0] == 0
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("units: [利用科]", "units: [地矿科]"), encoding="utf-8")
    return snapshot(ws)


FORCED = ("publish", ISSUE_ID, "--no-build", "--revise", "--force", "--reason", "改署名")


def test_forced_change_of_a_closed_period_commits_both_files_or_none(ws, monkeypatch):
    before = _forced_revision_setup(ws)
    real = os.replace

    def fail_on_closed(src, dst, *a, **k):
        if "ledger/closed/" in str(dst):
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", fail_on_closed)
    code, out = run(ws, *FORCED)
    assert code == 1
    assert "ledger/closed/2024-04.yml: cannot write the ledger: No space left on device; nothing was written" in out
    assert "Traceback" not in out
    assert snapshot(ws) == before  # the published file was rolled back too
    assert not [p for p in (ws / "ledger").rglob("*.tmp")]
    monkeypatch.setattr(os, "replace", real)
    code, out = run(ws, *FORCED)
    assert code == 0, out
    assert run(ws, "ledger", "check")[0] == 0


def test_a_kill_between_the_renames_is_rolled_back_by_the_next_command(ws, monkeypatch):
    before = _forced_revision_setup(ws)
    real = os.replace

    def killed(src, dst, *a, **k):
        if "ledger/closed/" in str(dst):
            raise Killed  # the process dies here: nothing after this line of commit() runs
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(ledger, "recover_journal", lambda root: None)  # a killed process cleans nothing up
    with pytest.raises(Killed):
        CliRunner().invoke(main, ["-C", str(ws), *FORCED], catch_exceptions=False)
    monkeypatch.undo()
    half = snapshot(ws)
    assert ledger.JOURNAL in half and half["ledger/published/2024-03.yml"] != before["ledger/published/2024-03.yml"]
    # the next command (even a read-only one) rolls the half-done change back before reading
    code, out = run(ws, "ledger", "check")
    assert code == 0, out
    assert snapshot(ws) == before
    assert not [p for p in (ws / "ledger").rglob("*.tmp")]


def test_a_failure_before_any_rename_leaves_everything(ws, monkeypatch):
    before = _forced_revision_setup(ws)
    import tempfile

    real = tempfile.mkstemp

    def readonly(*a, dir=None, **k):
        if dir is not None and str(dir).endswith("ledger/closed"):
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(tempfile, "mkstemp", readonly)
    code, out = run(ws, *FORCED)
    assert code == 1 and "Permission denied" in out and "ledger/closed" in out and "Traceback" not in out
    assert snapshot(ws) == before


@pytest.mark.parametrize("bad", ["2024-13-45", "2024-02-30"])
def test_impossible_dates_are_file_line_errors_and_do_not_break_other_commands(ws, bad):
    p = ws / "ledger/events/2024-01.yml"
    p.write_text(EVENTS + f"- type: bonus\n  unit: 利用科\n  date: {bad}\n  points: 1\n  reason: x\n", encoding="utf-8")
    n = len(EVENTS.splitlines()) + 3
    code, out = run(ws, "ledger", "check")
    assert code == 1 and "Traceback" not in out
    assert (f"ledger/events/2024-01.yml:{n}: error[J301 bad-ledger]: `date:` must be a day like 2024-01-15 or a "
            f"month like 2024-01, found '{bad}'") in out
    before = snapshot(ws)
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-03", "--points", "1", "--reason", "y")
    assert code == 0, out  # an error elsewhere does not block unrelated writes
    assert snapshot(ws) != before
    code, out = run(ws, "report", "2024-01", "--json")
    assert code == 1 and f"2024-01.yml:{n}" in out and "Traceback" not in out


def test_a_file_cut_inside_a_utf8_character_is_a_clear_error(ws):
    p = ws / "ledger/events/2024-01.yml"
    data = EVENTS.encode("utf-8")
    cut = data[: data.index("机构调整".encode("utf-8")) + 2]  # inside 机
    p.write_bytes(cut)
    before = snapshot(ws)
    code, out = run(ws, "ledger", "check")
    assert code == 1 and "Traceback" not in out
    line = cut.count(b"\n") + 1
    assert f"ledger/events/2024-01.yml:{line}: error[J301 bad-ledger]: the file ends inside a UTF-8 character" in out
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-01", "--points", "1", "--reason", "y")
    assert code == 1 and "ledger/events/2024-01.yml" in out and "Traceback" not in out
    assert snapshot(ws) == before
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-02", "--points", "1", "--reason", "y")
    assert code == 0, out


def test_huge_numbers_in_a_ledger_file_are_errors(ws):
    p = ws / "ledger/events/2024-01.yml"
    p.write_text(EVENTS + "- {type: bonus, unit: 利用科, date: 2024-01, points: 1e999999, reason: x}\n"
                 "- {type: submission, unit: 利用科, date: 2024-01, count: 99999999999999999999}\n", encoding="utf-8")
    n = len(EVENTS.splitlines()) + 1
    code, out = run(ws, "ledger", "check")
    assert code == 1 and "Traceback" not in out
    assert f"2024-01.yml:{n}: error[J301 bad-ledger]: `points:` must be between" in out
    assert f"2024-01.yml:{n + 1}: error[J301 bad-ledger]: `count:` must be a whole number from 1 to 100000" in out


def test_a_hand_edit_of_published_records_is_flagged(ws):
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    assert run(ws, "ledger", "check")[0] == 0
    p = ws / "ledger/published/2024-03.yml"
    p.write_text(p.read_text(encoding="utf-8").replace("units: [开发利用科]", "units: [开发利用科, 耕地保护监督科]"),
                 encoding="utf-8")
    code, out = run(ws, "ledger", "check")
    assert code == 1
    assert ("ledger/published/2024-03.yml:1: error[J301 bad-ledger]: ledger/published/2024-03.yml was edited by hand: "
            "its records no longer match records_fingerprint") in out


def test_publish_builds_missing_outputs_of_a_published_issue(make_ws):
    pytest.importorskip("composer.render.pdf")
    root = write_files(make_ws(), {**base_files(), "contributors/rules.yml": RULES})
    # a publish interrupted after the ledger write: the ledger has the records, build/ has nothing
    assert run(root, "publish", ISSUE_ID, "--no-build")[0] == 0
    before = snapshot(root)
    code, out = run(root, "publish", ISSUE_ID)
    assert code == 0, out
    assert "outputs were missing" in out
    for suffix in (".pdf", ".docx", ".html"):
        assert (root / "build" / ISSUE_ID / f"{ISSUE_ID}{suffix}").is_file()
    assert snapshot(root) == before
    code, out = run(root, "publish", ISSUE_ID)
    assert code == 0 and "nothing written" in out


# ---------------------------------------------------------------- the guard does only what a change needs

def test_a_change_after_every_closed_period_scores_nothing(ws, monkeypatch):
    assert run(ws, "ledger", "close", "2024-01")[0] == 0

    def boom(*a, **k):
        raise AssertionError("no closed-period scoring needed")

    monkeypatch.setattr(closing, "period_figures", boom)
    monkeypatch.setattr(scoring, "period_figures", boom)
    w = open_workspace(ws)
    ledger.append_events(w, [{"type": "bonus", "unit": "耕保科", "date": "2024-02", "points": 1, "reason": "x"}])
    ledger.append_events(w, [{"type": "bonus", "unit": "耕保科", "date": "2023-12", "points": 1, "reason": "x"}])


def test_the_guard_scores_only_the_units_and_periods_a_change_touches(ws, monkeypatch):
    for m in ("2024-01", "2024-02", "2024-03"):
        assert run(ws, "ledger", "close", m)[0] == 0
    calls = []
    real = closing.period_figures

    def spy(rules, units, events, periods, *, only=None):
        calls.append((tuple(periods), tuple(u.name for u in only or ())))
        return real(rules, units, events, periods, only=only)

    monkeypatch.setattr(closing, "period_figures", spy)
    w = open_workspace(ws)
    with pytest.raises(Exception, match="period 2024-02 is closed"):
        ledger.append_events(w, [{"type": "bonus", "unit": "耕保科", "date": "2024-02", "points": 1, "reason": "x"}])
    assert calls == [(("2024-02", "2024-03"), ("耕地保护监督科",))] * 2  # before and after, two periods, one unit


def test_a_ledger_file_linked_from_outside_or_not_a_regular_file_is_an_error(ws, tmp_path):
    outside = tmp_path / "outside.yml"
    outside.write_text("- {type: bonus, unit: 利用科, date: 2024-02, points: 1, reason: secret}\n", encoding="utf-8")
    (ws / "ledger/events/2024-02.yml").symlink_to(outside)
    os.mkfifo(ws / "ledger/events/2024-03.yml")
    code, out = run(ws, "ledger", "check")
    assert code == 1 and "Traceback" not in out
    assert "ledger/events/2024-02.yml: error[J301 bad-ledger]: ledger/events/2024-02.yml is a link to" in out
    assert "outside the workspace" in out and "secret" not in out
    assert "ledger/events/2024-03.yml: error[J301 bad-ledger]: ledger/events/2024-03.yml is not a regular file" in out


def test_appending_to_a_file_that_does_not_parse_is_refused(ws):
    p = ws / "ledger/events/2024-01.yml"
    p.write_text(EVENTS + "- type: bonus\n  unit: [利用科\n", encoding="utf-8")
    before = snapshot(ws)
    code, out = run(ws, "ledger", "add", "bonus", "--unit", "耕保科", "--date", "2024-01", "--points", "1", "--reason", "y")
    assert code == 1 and "ledger/events/2024-01.yml" in out and "does not parse" in out and "Traceback" not in out
    assert snapshot(ws) == before


def test_closed_file_fast_rewrite_equals_the_round_trip_one():
    from decimal import Decimal as D

    class U:
        def __init__(self, name):
            self.name = name

    units = [U("甲科"), U("乙: 科"), U("1号单位")]
    figs = {"甲科": (D(5), D("7.5")), "乙: 科": (D(1), D(2)), "1号单位": (D(0), D("0.5"))}
    text = closing._closed_text_rt(units, "2024-01", figs, "jianbao ledger close 2024-01", "2024-02-01T00:00:00+08:00")
    for i, reason in enumerate(("原因: 补记", "it's # fine")):
        entry = closing.log_entry(f"2024-0{i + 3}-01", "jianbao ledger add x", reason,
                                  [("甲科", figs["甲科"], (D(6 + i), D("8.5")))])
        figs = {**figs, "甲科": (D(6 + i), D("8.5"))}
        fast = closing.closed_text(units, "2024-01", figs, "c", "at", text, entry)
        slow = closing._closed_text_rt(units, "2024-01", figs, "c", "at", text, entry)
        from composer import yamlsrc

        assert yamlsrc.parse(fast, "f") == yamlsrc.parse(slow, "s")
        assert fast.replace("'1号单位'", "1号单位") == slow  # the same text (a name starting with a digit is quoted)
        text = fast


def test_closed_file_rewrite_is_fast_on_a_real_size_file():
    import time
    from decimal import Decimal as D

    class U:
        def __init__(self, name):
            self.name = name

    units = [U(f"第{i}单位") for i in range(60)]
    figs = {u.name: (D(i), D(i * 2)) for i, u in enumerate(units)}
    text = closing._closed_text_rt(units, "2024-06", figs, "close", "2024-07-01")
    t = time.perf_counter()
    for i in range(20):
        entry = closing.log_entry("2024-08-01", "cmd", f"第{i}次", [(units[0].name, figs[units[0].name], (D(i), D(i)))])
        text = closing.closed_text(units, "2024-06", figs, "c", "at", text, entry)
    assert time.perf_counter() - t < 2
    from composer import yamlsrc

    data, _ = yamlsrc.parse(text, "x")
    assert len(data["log"]) == 20 and len(data["figures"]) == 60
