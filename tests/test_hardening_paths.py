"""Hardening: nothing is read or written outside the workspace (or the explicit --out / import
argument); only regular files are read; issue ids are names; a failed write leaves the tree as it was."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import png
from tests.hardening import ITEM_FRONT, fails, item, jianbao, read_only, snapshot, workspace

SECRET = "secret-outside-the-workspace-4711"


@pytest.fixture
def outside(tmp_path):
    """A folder beside the workspace with a file whose text must never appear."""
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.md").write_text(f"---\ntitle: {SECRET}\nunits: [利用科]\nsection: 工作动态\n---\n{SECRET}\n",
                                 encoding="utf-8")
    (d / "secret.css").write_text(f"/* {SECRET} */ body {{ color: red }}\n", encoding="utf-8")
    (d / "units.yml").write_text("groups:\n  - name: 外\n    units: [" + SECRET + "]\n", encoding="utf-8")
    return d


# ---------------------------------------------------------------- reading through symlinks

@pytest.mark.parametrize("command", [["check", "2024-03"], ["build", "2024-03", "--format", "html"]])
def test_symlinked_item_outside_is_refused(tmp_path, outside, command):
    root = workspace(tmp_path)
    os.symlink(outside / "secret.md", root / "issues/2024-03/05-link.md")
    before = snapshot(root)
    r = jianbao(root, *command)
    fails(r, "issues/2024-03/05-link.md", "outside the workspace", "J105")
    assert SECRET not in r.out
    assert snapshot(root) == before


def test_symlinked_item_inside_the_workspace_is_read(tmp_path):
    root = workspace(tmp_path, {"drafts/x.md": item("title: 链接稿件\nunits: [利用科]\nsection: 工作动态", "正文。")})
    os.symlink(root / "drafts/x.md", root / "issues/2024-03/05-link.md")
    r = jianbao(root, "check", "2024-03")
    assert r.code == 0, r.out


def test_symlinked_stylesheet_outside_is_refused(tmp_path, outside):
    root = workspace(tmp_path)
    shutil.copytree(Path(__file__).resolve().parents[1] / "layouts/bulletin", root / "layouts/bulletin")
    (root / "layouts/bulletin/bulletin.css").unlink()
    os.symlink(outside / "secret.css", root / "layouts/bulletin/bulletin.css")
    before = snapshot(root)
    for args in (["check", "2024-03"], ["build", "2024-03", "--format", "html"]):
        r = jianbao(root, *args)
        fails(r, "layouts/bulletin/bulletin.css", "outside the workspace")
        assert SECRET not in r.out
    assert snapshot(root) == before
    assert not (root / "build").exists()


def test_units_file_outside_is_refused(tmp_path, outside):
    root = workspace(tmp_path)
    text = (root / "jianbao.yml").read_text(encoding="utf-8").replace("units: contributors/units.yml",
                                                                       f"units: {outside / 'units.yml'}")
    (root / "jianbao.yml").write_text(text, encoding="utf-8")
    r = jianbao(root, "check", "2024-03")
    fails(r, "jianbao.yml:11", "units:", "path inside the workspace")
    assert SECRET not in r.out


def test_units_file_symlinked_outside_is_refused(tmp_path, outside):
    root = workspace(tmp_path)
    (root / "contributors/units.yml").unlink()
    os.symlink(outside / "units.yml", root / "contributors/units.yml")
    r = jianbao(root, "check", "2024-03")
    fails(r, "contributors/units.yml", "outside the workspace")
    assert SECRET not in r.out


def test_layout_folder_outside_is_refused(tmp_path):
    root = workspace(tmp_path)
    text = (root / "jianbao.yml").read_text(encoding="utf-8").replace("layout: layouts/bulletin", "layout: ../../etc")
    (root / "jianbao.yml").write_text(text, encoding="utf-8")
    fails(jianbao(root, "check", "2024-03"), "jianbao.yml:12", "layout:")


def test_symlinked_issue_folder_outside_is_refused(tmp_path):
    root = workspace(tmp_path)
    shutil.move(root / "issues/2024-03", tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", root / "issues/2024-03")
    fails(jianbao(root, "check", "2024-03"), "issues/2024-03", "outside the workspace")


def test_diagnostic_excerpt_never_echoes_a_file_outside(tmp_path):
    root = workspace(tmp_path)
    (tmp_path / "pw").write_text("root:x:0:0:root:/root:/bin/bash\n" * 5, encoding="utf-8")
    os.symlink(tmp_path / "pw", root / "issues/2024-03/05-pw.md")
    r = jianbao(root, "check", "2024-03")
    fails(r, "05-pw.md")
    assert "root:x:0" not in r.out


# ---------------------------------------------------------------- only regular files

def test_fifo_and_folder_named_md_are_errors_not_hangs(tmp_path):
    root = workspace(tmp_path)
    os.mkfifo(root / "issues/2024-03/06-pipe.md")
    (root / "issues/2024-03/07-folder.md").mkdir()
    for args in (["check", "2024-03"], ["build", "2024-03", "--format", "html"]):
        r = jianbao(root, *args)
        fails(r, "06-pipe.md", "FIFO", "07-folder.md", "is a folder")
    assert not (root / "build").exists()


def test_fifo_as_issue_file(tmp_path):
    root = workspace(tmp_path)
    (root / "issues/2024-03/issue.yml").unlink()
    os.mkfifo(root / "issues/2024-03/issue.yml")
    fails(jianbao(root, "check", "2024-03"), "issues/2024-03/issue.yml", "not a regular file")


def test_fifo_as_publication_file(tmp_path):
    root = workspace(tmp_path)
    (root / "contributors/rules.yml").unlink()
    os.mkfifo(root / "contributors/rules.yml")
    fails(jianbao(root, "report", "2024-04"), "contributors/rules.yml", "not a regular file")


# ---------------------------------------------------------------- images

def test_image_elsewhere_in_the_workspace_fails_check_like_build(tmp_path):
    body = "正文。\n\n![图](../../pictures/p.png)\n"
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, body), "pictures/p.png": png()})
    r = jianbao(root, "check", "2024-03")
    fails(r, "issues/2024-03/05-x.md:8", "J209", "outside the issue folder")
    fails(jianbao(root, "build", "2024-03"), "J209")


def test_symlinked_image_pointing_out_of_the_issue_is_refused(tmp_path):
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, "正文。\n\n![图](p.png)\n")})
    (tmp_path / "p.png").write_bytes(png())
    os.symlink(tmp_path / "p.png", root / "issues/2024-03/p.png")
    fails(jianbao(root, "check", "2024-03"), "05-x.md:8", "outside the issue folder")


# ---------------------------------------------------------------- writing

def test_build_folder_symlinked_outside_is_refused(tmp_path):
    root = workspace(tmp_path)
    target = tmp_path / "victim"
    target.mkdir()
    (root / "build").mkdir()
    os.symlink(target, root / "build/2024-03")
    before = snapshot(root)
    r = jianbao(root, "build", "2024-03", "--format", "html")
    fails(r, "build/2024-03", "outside the workspace")
    assert list(target.iterdir()) == []
    assert snapshot(root) == before


def test_explicit_out_folder_may_be_anywhere(tmp_path):
    root = workspace(tmp_path)
    r = jianbao(root, "build", "2024-03", "--format", "html", "--out", tmp_path / "elsewhere")
    assert r.code == 0, r.out
    assert (tmp_path / "elsewhere/2024-03.html").is_file()


def test_out_under_a_file(tmp_path):
    root = workspace(tmp_path, {"notes.txt": "a file\n"})
    before = snapshot(root)
    r = jianbao(root, "build", "2024-03", "--format", "html", "--out", root / "notes.txt/out")
    fails(r, "notes.txt", "is a file")
    assert snapshot(root) == before


def test_output_where_a_folder_is(tmp_path):
    root = workspace(tmp_path)
    (root / "build/2024-03/2024-03.html").mkdir(parents=True)
    before = snapshot(root)
    fails(jianbao(root, "build", "2024-03", "--format", "html"), "build/2024-03/2024-03.html", "folder")
    assert snapshot(root) == before


@pytest.mark.parametrize("code, reason", [(errno.EACCES, "permission denied"),
                                          (errno.EROFS, "the file system is read-only")])
def test_read_only_build_folder(tmp_path, code, reason):
    """A read-only build/<id> (simulated in-process: root ignores folder permissions): one line
    naming the folder's file and the reason, the old output kept, no temporary file left."""
    root = workspace(tmp_path)
    (root / "build/2024-03").mkdir(parents=True)
    (root / "build/2024-03/2024-03.html").write_text("old", encoding="utf-8")
    before = snapshot(root)
    with read_only(root / "build/2024-03", code):
        r = jianbao(root, "build", "2024-03", "--format", "html,docx")
    fails(r, "build/2024-03/2024-03.", reason)
    assert len([ln for ln in r.out.splitlines() if ln.startswith("Error:")]) == 1
    assert snapshot(root) == before


def test_read_only_build_parent_leaves_no_new_folder(tmp_path):
    """build/ is read-only and build/2024-03 does not exist yet: nothing is created."""
    root = workspace(tmp_path)
    (root / "build").mkdir()
    before = snapshot(root)
    with read_only(root / "build"):
        r = jianbao(root, "build", "2024-03", "--format", "html")
    fails(r, "build/2024-03", "permission denied")
    assert snapshot(root) == before


def test_read_only_workspace_for_publish_and_ledger_add(tmp_path):
    """A read-only ledger/ (or the whole workspace on a read-only mount): the ledger is untouched,
    no outputs, one line naming the path."""
    root = workspace(tmp_path, {"ledger/events/2024-01.yml": "- {type: submission, unit: 阳谷局, date: 2024-01}\n"})
    assert jianbao(root, "ledger", "check").code == 0
    before = snapshot(root)
    with read_only(root / "ledger", errno.EROFS):
        r = jianbao(root, "publish", "2024-03", "--no-build")
        fails(r, "ledger/")
        assert "read-only" in r.out.lower()
        r = jianbao(root, "ledger", "add", "bonus", "--unit", "阳谷局", "--date", "2024-01", "--points", "2",
                    "--reason", "补记")
        fails(r, "ledger/")
        assert "read-only" in r.out.lower()
    assert snapshot(root) == before
    with read_only(root, errno.EROFS):
        r = jianbao(root, "build", "2024-03", "--format", "html")
        fails(r, "build", "the file system is read-only")
    assert snapshot(root) == before


# ---------------------------------------------------------------- import: ids are names

DATE = ("--number", "5", "--date", "2024-04-15")


@pytest.fixture
def bulletin_txt(tmp_path):
    p = tmp_path / "第5期.txt"
    p.write_text("自然资源和规划简报\n第5期\n市自然资源和规划局办公室 2024年4月15日\n\n"
                 "我市召开耕地保护工作会议\n\n4月10日，我市召开耕地保护工作会议，部署全年工作。\n\n（耕保科/张三）\n",
                 encoding="utf-8")
    return p


@pytest.mark.parametrize("issue_id", ["../../x", ".", "..", "a/b", "/tmp/x", ".hidden", "x" * 80, "a\\b", ""])
def test_import_id_must_be_a_name(tmp_path, bulletin_txt, issue_id):
    root = workspace(tmp_path)
    before = snapshot(root)
    outside_before = sorted(p.name for p in tmp_path.iterdir())
    r = jianbao(root, "import", "issue", bulletin_txt, *DATE, "--id", issue_id, "--force")
    fails(r, "--id", "folder name")
    assert snapshot(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == outside_before


def test_import_force_replaces_only_an_issue_folder(tmp_path, bulletin_txt):
    root = workspace(tmp_path, {"ledger/events/2024.yml": "- {type: submission, unit: 利用科, date: 2024-04}\n"})
    before = snapshot(root)
    r = jianbao(root, "import", "issue", bulletin_txt, *DATE, "--into", root, "--id", "ledger", "--force")
    fails(r, "ledger", "not an issue folder")
    r = jianbao(root, "import", "issue", bulletin_txt, *DATE, "--into", root, "--id", "contributors", "--force")
    fails(r, "contributors", "not an issue folder")
    assert snapshot(root) == before


def test_import_force_replaces_an_issue_folder(tmp_path, bulletin_txt):
    root = workspace(tmp_path)
    r = jianbao(root, "import", "issue", bulletin_txt, *DATE, "--id", "2024-03", "--force")
    assert r.code == 0, r.out
    assert "我市召开耕地保护工作会议" in "".join(p.read_text(encoding="utf-8")
                                          for p in (root / "issues/2024-03").glob("*.md"))


def test_import_default_target_stays_in_the_workspace(tmp_path, bulletin_txt):
    root = workspace(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    shutil.rmtree(root / "issues")
    os.symlink(tmp_path / "elsewhere", root / "issues")
    r = jianbao(root, "import", "issue", bulletin_txt, *DATE)
    fails(r, "issues", "outside the workspace")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_import_of_a_fifo_or_folder(tmp_path):
    root = workspace(tmp_path)
    os.mkfifo(tmp_path / "pipe.txt")
    fails(jianbao(root, "import", "issue", tmp_path / "pipe.txt"), "pipe.txt", "not a regular file")
    fails(jianbao(root, "import", "manuscript", tmp_path / "pipe.txt", "--unit", "利用科"), "pipe.txt", "FIFO")
    (tmp_path / "dir.docx").mkdir()
    r = jianbao(root, "import", "manuscript", tmp_path / "dir.docx", "--unit", "利用科")
    assert r.code == 2 and "dir.docx" in r.out and "is a directory" in r.out  # click's own check


@pytest.mark.parametrize("arg", ["2024-03", "issues/2024-03", "ISSUES_ABS"])
def test_symlinked_issue_folder_outside_is_refused_however_named(tmp_path, arg, monkeypatch):
    root = workspace(tmp_path)
    shutil.move(root / "issues/2024-03", tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", root / "issues/2024-03")
    monkeypatch.chdir(root)
    arg = str(root / "issues/2024-03") if arg == "ISSUES_ABS" else arg
    fails(jianbao(root, "build", arg, "--format", "html"), "outside the workspace")


def test_issue_folder_outside_named_explicitly_is_read(tmp_path):
    root = workspace(tmp_path)
    shutil.move(root / "issues/2024-03", tmp_path / "elsewhere")
    r = jianbao(root, "check", tmp_path / "elsewhere")
    assert r.code == 0, r.out


def test_inbox_take_never_copies_a_picture_from_outside(tmp_path):
    root = workspace(tmp_path)
    (tmp_path / "secret.png").write_bytes(png())
    (root / "inbox").mkdir()
    (root / "inbox/2024-04-01-利用科-稿件.md").write_text(
        "---\ntitle: 稿件标题\nunit: 开发利用科\nreceived: 2024-04-01\nstatus: 待审\nhash: sha256:1\n---\n正文。\n\n![](p.png)\n",
        encoding="utf-8")
    os.symlink(tmp_path / "secret.png", root / "inbox/p.png")
    r = jianbao(root, "inbox", "take", "2024-04-01-利用科-稿件", "2024-03")
    assert r.code == 0, r.out
    assert not (root / "issues/2024-03/p.png").exists()
    fails(jianbao(root, "check", "2024-03"), "J209", "p.png")


def test_publish_refuses_a_build_symlink_before_touching_the_ledger(tmp_path):
    root = workspace(tmp_path)
    (tmp_path / "victim").mkdir()
    (root / "build").mkdir()
    os.symlink(tmp_path / "victim", root / "build/2024-03")
    before = snapshot(root)
    fails(jianbao(root, "publish", "2024-03"), "build/2024-03", "outside the workspace")
    assert snapshot(root) == before  # no ledger/published/2024-03.yml
    assert list((tmp_path / "victim").iterdir()) == []


@pytest.mark.parametrize("folder, args", [
    ("ledger/events", ("ledger", "add", "bonus", "--unit", "阳谷局", "--date", "2024-01", "--points", "2",
                       "--reason", "补记")),
    ("ledger/events", ("ledger", "import", "EVENTS")),
    ("ledger/published", ("publish", "2024-03", "--no-build")),
    ("ledger/published", ("publish", "2024-03")),
])
def test_read_only_ledger_folder_with_the_lock_writable(tmp_path, folder, args):
    """The lock is taken, the write itself fails: rolled back, the message names the file."""
    root = workspace(tmp_path, {"ledger/events/2024-01.yml": "- {type: submission, unit: 阳谷局, date: 2024-01}\n",
                                "ledger/published/.keep": ""})
    sheet = tmp_path / "events.csv"
    sheet.write_text("type,date,units,count\nsubmission,2024-01,高唐局,2\n", encoding="utf-8")
    (root / "ledger/.lock").write_bytes(b"")
    before = snapshot(root)
    with read_only(root / folder, errno.EROFS):
        r = jianbao(root, *[str(sheet) if a == "EVENTS" else a for a in args])
    fails(r, folder + "/")
    assert "read-only" in r.out.lower() and r.out.count("Error:") == 1, r.out
    assert snapshot(root) == before
