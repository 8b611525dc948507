"""Hardening: no user ever sees a traceback.  I/O failures are one line naming the path and the
reason (exit 1, nothing half-written); a bug prints a short message and where the report was saved."""

from __future__ import annotations

import os
import resource
import signal
from pathlib import Path

import pytest

from tests.hardening import crash_reports_in, fails, jianbao, jianbao_process, snapshot, workspace


def _small_files(limit: int):
    """preexec_fn: files larger than ``limit`` bytes cannot be written (EFBIG, as on a full disk)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_write_failure_is_one_line_and_leaves_the_old_outputs(tmp_path):
    root = workspace(tmp_path)
    assert jianbao(root, "build", "2024-03", "--format", "html,docx").code == 0
    (root / "issues/2024-03/01-article.md").write_text(
        (root / "issues/2024-03/01-article.md").read_text(encoding="utf-8").replace("为进一步", "为了进一步"),
        encoding="utf-8")
    before = snapshot(root)
    r = jianbao_process(root, "build", "2024-03", "--format", "html,docx", preexec_fn=_small_files(4096))
    assert r.code == 1, r.out
    error = [ln for ln in r.out.splitlines() if ln.startswith("Error:")]
    assert len(error) == 1 and "build/2024-03/2024-03." in error[0] and "too large" in error[0].lower(), r.out
    assert snapshot(root) == before  # neither output replaced, no temporary file left


def test_write_failure_in_a_new_folder_removes_it(tmp_path):
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao_process(root, "build", "2024-03", "--format", "docx", preexec_fn=_small_files(4096))
    fails(r, "build/2024-03/2024-03.docx")
    assert snapshot(root) == before  # build/ and build/2024-03/ created for the write are gone again


def test_a_bug_is_reported_with_a_crash_file(tmp_path, monkeypatch):
    from composer.commands import check as check_cmd

    def broken(ws, issue):
        raise KeyError("something jianbao did not expect")

    monkeypatch.setattr(check_cmd, "check", broken)
    crash_reports_in(monkeypatch, tmp_path)
    r = jianbao(workspace(tmp_path), "check", "2024-03")
    fails(r, "internal error", "KeyError", "jianbao-crash-")
    report = next(tmp_path.glob("jianbao-crash-*.txt"))
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "something jianbao did not expect" in text and "check 2024-03" in text
    assert str(report) in r.out


def test_a_bug_in_the_pdf_worker_is_reported_with_a_crash_file(tmp_path, monkeypatch):
    from composer.render import pdf

    def broken(ws, issue):
        raise ZeroDivisionError("worker bug")

    monkeypatch.setattr(pdf, "render", broken)
    crash_reports_in(monkeypatch, tmp_path)
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao(root, "build", "2024-03", "--format", "pdf,html")
    fails(r, "internal error", "jianbao-crash-")
    assert "worker bug" in next(tmp_path.glob("jianbao-crash-*.txt")).read_text(encoding="utf-8")
    assert snapshot(root) == before


def test_no_workspace(tmp_path):
    (tmp_path / "empty").mkdir()
    fails(jianbao(tmp_path / "empty", "check", "x"), "no jianbao.yml")


@pytest.mark.parametrize("args, names", [
    (("check", "no-such-issue"), ["no-such-issue", "not an issue folder"]),
    (("report", "2024-13"), ["2024-13"]),
    (("ledger", "add", "bonus", "--unit", "利用科", "--date", "2024-04", "--points", "abc", "--reason", "x"), ["abc"]),
])
def test_misuse_is_a_message(tmp_path, args, names):
    r = jianbao(workspace(tmp_path), *args)
    assert r.code in (1, 2), r.out
    for n in names:
        assert n in r.out, r.out


def test_interrupt_is_a_message(tmp_path, monkeypatch):
    from composer.commands import check as check_cmd

    def interrupted(ws, issue):
        raise KeyboardInterrupt

    monkeypatch.setattr(check_cmd, "check", interrupted)
    r = jianbao(workspace(tmp_path), "check", "2024-03")
    fails(r, "interrupted")


def test_security_md_exists_and_names_the_limits():
    text = (Path(__file__).resolve().parents[1] / "SECURITY.md").read_text(encoding="utf-8")
    for word in ("network", "sandbox", "symbolic link", "1 MB", "Reporting"):
        assert word in text, word


@pytest.mark.parametrize("args", [("build", "2024-03", "--format", "html", "--out", ""),
                                  ("import", "issue", "x.txt", "--into", " ")])
def test_empty_folder_options_are_refused(tmp_path, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = workspace(tmp_path)
    r = jianbao(root, *args)
    assert r.code == 2 and "give a folder" in r.out, r.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


@pytest.mark.parametrize("err, reason", [(28, "the disk is full"), (30, "read-only"), (13, "permission denied")])
@pytest.mark.parametrize("where", ["mkstemp", "replace", "second replace"])
def test_io_errors_are_one_line_and_change_nothing(tmp_path, monkeypatch, err, reason, where):
    import os as os_module

    from composer import output

    root = workspace(tmp_path)
    assert jianbao(root, "build", "2024-03", "--format", "html,docx").code == 0
    before = snapshot(root)
    if where == "mkstemp":
        calls = []

        def failing_mkstemp(*a, **kw):
            calls.append(1)
            if len(calls) == 2:  # the second output: the first one's temporary file must be discarded
                raise OSError(err, os_module.strerror(err), kw.get("dir"))
            return real_mkstemp(*a, **kw)

        real_mkstemp = output.tempfile.mkstemp
        monkeypatch.setattr(output.tempfile, "mkstemp", failing_mkstemp)
    else:
        real_replace = os_module.replace
        calls = []

        fail_at = 1 if where == "replace" else 2

        def failing_replace(src, dst):
            calls.append(1)
            if len(calls) == fail_at:
                raise OSError(err, os_module.strerror(err), src)
            return real_replace(src, dst)

        monkeypatch.setattr(output.os, "replace", failing_replace)
    r = jianbao(root, "build", "2024-03", "--format", "html,docx")
    fails(r, "build/2024-03/2024-03.", reason)
    assert ".tmp" not in r.out  # the target is named, not the temporary file
    assert len([ln for ln in r.out.splitlines() if ln.startswith("Error:")]) == 1
    assert snapshot(root) == before


def test_report_out_empty_and_commentary_fifo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = workspace(tmp_path)
    r = jianbao(root, "report", "2024-04", "--out", "")
    assert r.code == 2 and "give a folder" in r.out, r.out
    os.mkfifo(tmp_path / "note.txt")
    fails(jianbao(root, "report", "2024-04", "--commentary", tmp_path / "note.txt"), "note.txt", "FIFO")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt", "ws"]
