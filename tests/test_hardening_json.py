"""Hardening: machine-readable output stays machine-readable.  ``check --format json`` and
``ledger check --format json`` print JSON with the diagnostics on stdout also when they stop
early (no workspace, a broken jianbao.yml, an unknown issue, a FIFO, a bug); ``report --json``
and ``explain --json`` print nothing on stdout when they fail (the error goes to stderr)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer.cli import main
from tests.hardening import crash_reports_in, workspace


@dataclass
class Split:
    code: int
    stdout: str
    stderr: str


def run(root: Path, *args) -> Split:
    result = CliRunner().invoke(main, ["-C", str(root), *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return Split(result.exit_code, result.stdout, result.stderr)


def diagnostics(r: Split) -> list[dict]:
    data = json.loads(r.stdout)  # the whole of stdout is one JSON document
    assert set(data) == {"diagnostics"}
    return data["diagnostics"]


def _empty(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _fifo_item(tmp_path):
    root = workspace(tmp_path)
    os.mkfifo(root / "issues/2024-03/30-pipe.md")
    return root


def _fifo_config(tmp_path):
    root = workspace(tmp_path)
    (root / "jianbao.yml").unlink()
    os.mkfifo(root / "jianbao.yml")
    return root


@pytest.mark.parametrize("make, issue, path, code, words", [
    (_empty, "2024-03", "empty", "J101", "no jianbao.yml"),
    (lambda t: workspace(t, {"jianbao.yml": "name: [\n"}), "2024-03", "jianbao.yml", "J103", "does not parse"),
    (lambda t: workspace(t, {"jianbao.yml": ""}), "2024-03", "jianbao.yml", "J103", "empty"),
    (lambda t: workspace(t, {"jianbao.yml": "- a list\n"}), "2024-03", "jianbao.yml", "J103", "name:"),
    (workspace, "2099-01", "2099-01", "J212", "not an issue folder"),
    (workspace, "../../etc", "../../etc", "J212", "not an issue folder"),
    (_fifo_item, "2024-03", "issues/2024-03/30-pipe.md", "J105", "FIFO"),
    (_fifo_config, "2024-03", "jianbao.yml", "J105", "FIFO"),  # was "no jianbao.yml" (is_file() skipped it)
])
def test_check_json_is_json_whatever_stops_it(tmp_path, make, issue, path, code, words):
    root = make(tmp_path)
    r = run(root, "check", issue, "--format", "json")
    assert r.code == 1
    found = diagnostics(r)
    assert any(d["code"] == code and d["path"].endswith(path) and d["severity"] == "error"
               and (words in d["message"] or words in (d["hint"] or "")) for d in found), found


def test_check_json_reports_a_bug_with_its_crash_file(tmp_path, monkeypatch):
    from composer.commands import check as check_cmd

    monkeypatch.setattr(check_cmd, "check", lambda ws, issue: {}["unexpected"])
    crash_reports_in(monkeypatch, tmp_path)
    r = run(workspace(tmp_path), "check", "2024-03", "--format", "json")
    assert r.code == 1
    [d] = diagnostics(r)
    assert d["code"] == "J100" and "internal error" in d["message"] and "jianbao-crash-" in d["message"]
    assert "jianbao-crash-" in r.stderr
    assert next(tmp_path.glob("jianbao-crash-*.txt")).is_file()


def test_ledger_check_json_without_a_workspace(tmp_path):
    r = run(_empty(tmp_path), "ledger", "check", "--format", "json")
    assert r.code == 1
    [d] = diagnostics(r)
    assert d["code"] == "J101" and d["name"] == "no-workspace"


def test_check_json_success_and_failure_have_the_same_shape(tmp_path):
    root = workspace(tmp_path)
    ok = run(root, "check", "2024-03", "--format", "json")
    assert ok.code == 0 and diagnostics(ok) == []


@pytest.mark.parametrize("make, args", [
    (_empty, ("report", "2024-01", "--json")),
    (workspace, ("report", "2024-13", "--json")),
    (lambda t: workspace(t, {"contributors/rules.yml": "name: [\n"}), ("report", "2024-01", "--json")),
    (lambda t: workspace(t, {"contributors/rules.yml": "name: [\n"}), ("report", "2024-01", "--out", "-")),
    (workspace, ("report", "annual", "20x4", "--json")),
    (lambda t: workspace(t, {"ledger/events/2024-01.yml": "- {type: bonus, unit: 阳谷局, date: 2024-01, "
                                                         "points: .nan, reason: x}\n"}),
     ("report", "2024-01", "--json")),
    (workspace, ("explain", "nobody", "2024-01", "--json")),
    (_empty, ("explain", "阳谷局", "2024-01", "--json")),
])
def test_json_reports_print_nothing_on_stdout_when_they_fail(tmp_path, make, args):
    r = run(make(tmp_path), *args)
    assert r.code == 1
    assert r.stdout == "", r.stdout  # never half a JSON document
    assert r.stderr.strip()
