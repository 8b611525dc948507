"""Hardening: what a hurried editor types into the workbench's write paths — ``jianbao edit``,
``jianbao inbox take``, ``jianbao user add`` — is a clear error naming the file or the field
(nothing written), or is written and said to be unfinished; never a traceback, never a silently
wrong file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from composer.cli import main
from tests.hardening import Run, fails, jianbao, snapshot, workspace

EDIT = ("edit", "2024-03", "01-article.md")


@pytest.mark.parametrize("args, words", [
    (("--order", "nan"), ["order must be a number", "'nan'"]),  # was a crash (ValueError)
    (("--order", "inf"), ["order must be a number", "'inf'"]),  # was a crash (OverflowError)
    (("--order", "1e999"), ["order must be a number", "'1e999'"]),
    (("--order", "99999999999999999999999"), ["from -1000000000 to 1000000000"]),
    (("--order", "abc"), ["order must be a number"]),
    (("--title", "标题\x00"), ["标题", "NUL (U+0000)"]),  # was written as "\0" and passed check
    (("--subtitle", "红字\x1b[31m"), ["副标题", "U+001B"]),
    (("--credits", "/张三"), ["'/张三' names no unit", "单位/作者"]),  # was units: ['']
    (("--credits", "利用科//张三"), ["more than one /"]),
    (("--credits", "利用科/张三\x07"), ["the credits", "U+0007"]),
    (("--section", "不存在"), ["no section '不存在'"]),
])
def test_edit_refuses_bad_values(tmp_path, args, words):
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao(root, *EDIT, *args)
    fails(r, *words)
    assert snapshot(root) == before


@pytest.mark.parametrize("item", ["../../jianbao.yml", "issue.yml", "", "20-briefs.md#99", "20-briefs.md#-1",
                                  "20-briefs.md#abc", "#5"])
def test_edit_refuses_what_is_not_an_item(tmp_path, item):
    root = workspace(tmp_path)
    before = snapshot(root)
    fails(jianbao(root, "edit", "2024-03", item, "--title", "新标题"), "no item", "in this issue")
    assert snapshot(root) == before


def test_edit_turns_a_soft_return_into_a_space(tmp_path):
    root = workspace(tmp_path)
    assert jianbao(root, *EDIT, "--title", "上半句\x0b下半句").code == 0
    text = (root / "issues/2024-03/01-article.md").read_text(encoding="utf-8")
    assert "title: 上半句 下半句\n" in text
    assert jianbao(root, "check", "2024-03").code == 0


@pytest.mark.parametrize("args, words", [
    (("--title", ""), ["J202", "no title"]),
    (("--credits", ""), ["J205", "credits no unit"]),
    (("--credits", "不存在科"), ["J203", "不存在科"]),
])
def test_edit_says_when_it_leaves_an_unpublishable_item(tmp_path, args, words):
    """A draft may be saved so, but the editor hears it at once, not at publishing."""
    root = workspace(tmp_path)
    r = jianbao(root, *EDIT, *args)
    assert r.code == 0, r.out
    assert "not ready to publish" in r.out and "issues/2024-03/01-article.md" in r.out
    for w in words:
        assert w in r.out, r.out


def test_a_control_character_escaped_in_yaml_is_an_error_at_load(tmp_path):
    """`title: "\\0"` hides the NUL from the file's character check: the field check finds it."""
    root = workspace(tmp_path, {"issues/2024-03/01-article.md":
                                '---\ntitle: "标题\\0"\nsubtitle: "\\e[31m"\nunits: [利用科]\nsection: 工作动态\n---\n正文。\n'})
    r = jianbao(root, "check", "2024-03")
    fails(r, "issues/2024-03/01-article.md:2:", "`title:` contains the NUL", "01-article.md:3:", "`subtitle:`")


# ---------------------------------------------------------------- inbox take

GOOD = "title: 来稿标题\nunit: 阳谷局\nreceived: 2024-03-01\nstatus: 待审\nhash: sha256:abc\n"


def _inbox(tmp_path, record: str):
    return workspace(tmp_path, {"inbox/2024-03-01-阳谷局-来稿.md": record})


@pytest.mark.parametrize("record, words", [
    ("---\n" + GOOD.replace("title: 来稿标题\n", "") + "---\n正文。\n", [":2:", "`title:` is missing"]),
    ("---\n" + GOOD.replace("来稿标题", "[1, 2]") + "---\n正文。\n", [":2:", "found a list"]),
    ("---\n" + GOOD.replace("来稿标题", '"\\0\\e"') + "---\n正文。\n", [":2:", "NUL"]),
    ("---\n" + GOOD + "authors: 5\n---\n正文。\n", [":7:", "`authors:` must be a list"]),  # was a crash
    ("---\n" + GOOD + "authors: ['/x', 李四]\n---\n正文。\n", [":7:", "'/x' is not a name"]),
    ("---\n" + GOOD.replace("unit: 阳谷局", "unit: [阳谷局]") + "---\n正文。\n", [":3:", "`unit:`", "found a list"]),
    ("---\n" + GOOD + "---\n\n", ["has no text"]),
    ("no front matter\n", ["no front matter"]),  # was "unit '' is not in the registry"
    ("---\ntitle: [\n---\n正文。\n", ["does not parse"]),  # the same
])
def test_inbox_take_refuses_a_broken_record(tmp_path, record, words):
    root = _inbox(tmp_path, record)
    before = snapshot(root)
    r = jianbao(root, "inbox", "take", "2024-03-01-阳谷局-来稿", "2024-03")
    fails(r, "inbox/2024-03-01-阳谷局-来稿.md", "nothing done", *words)
    assert snapshot(root) == before


def test_inbox_take_with_an_empty_id_takes_nothing(tmp_path):
    """An empty ID is a prefix of every ID: it took the only manuscript."""
    root = _inbox(tmp_path, "---\n" + GOOD + "---\n正文。\n")
    before = snapshot(root)
    for ident in ("", "  "):
        fails(jianbao(root, "inbox", "take", ident, "2024-03"), "give the manuscript's ID")
    assert snapshot(root) == before


def test_inbox_take_writes_item_picture_and_record_together(tmp_path, monkeypatch):
    """A failure while writing (disk full) leaves neither the item, nor the picture, nor a changed record."""
    from tests.conftest import png

    root = _inbox(tmp_path, "---\n" + GOOD + "---\n正文。\n\n![](pic.png)\n")
    (root / "inbox/pic.png").write_bytes(png())
    before = snapshot(root)
    from composer import output

    real = output._temp_beside

    def full(path, raw):
        if path.name.endswith("来稿.md"):  # the inbox record, written last
            raise OSError(28, "No space left on device", str(path))
        return real(path, raw)

    monkeypatch.setattr(output, "_temp_beside", full)
    r = jianbao(root, "inbox", "take", "2024-03-01-阳谷局-来稿", "2024-03")
    fails(r, "the disk is full")
    assert snapshot(root) == before
    monkeypatch.setattr(output, "_temp_beside", real)
    r = jianbao(root, "inbox", "take", "2024-03-01-阳谷局-来稿", "2024-03")
    assert r.code == 0, r.out
    assert (root / "issues/2024-03/pic.png").read_bytes() == png()
    assert "status: 已采用" in (root / "inbox/2024-03-01-阳谷局-来稿.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- user add

def _user(root, name: str, password: str = "secret-pass-1") -> Run:
    """``jianbao user add --role editor --password-stdin -- NAME`` (``--``: a name may start with -)."""
    result = CliRunner().invoke(main, ["-C", str(root), "user", "add", "--role", "editor", "--password-stdin",
                                       "--", name], input=password + "\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return Run(result.exit_code, result.output, result.exception)


@pytest.mark.parametrize("name", ["张三\n", "", " ", "../x", ".", "..", "-x", "a" * 41, "root:x", "名字 空格", "ａｄｍｉｎ",
                                  "a\u200bb"])
def test_user_add_refuses_odd_names(tmp_path, name):
    root = workspace(tmp_path)
    before = snapshot(root)
    fails(_user(root, name), "account name", "use letters")
    assert snapshot(root) == before


@pytest.mark.parametrize("password, words", [
    ("short", ["too short"]),
    ("pass\x00word-long", ["NUL"]),
    ("x" * 1025, ["too long", "1024"]),
    (" padded-password", ["spaces"]),
])
def test_user_add_refuses_odd_passwords(tmp_path, password, words):
    root = workspace(tmp_path)
    before = snapshot(root)
    fails(_user(root, "editor1", password), *words)
    assert snapshot(root) == before


def test_user_add_an_ordinary_name_still_works(tmp_path):
    root = workspace(tmp_path)
    assert _user(root, "张三").code == 0
    assert _user(root, "x.y-1").code == 0
    fails(_user(root, "张三"), "exists already")


# ---------------------------------------------------------------- import manuscript (the portal's upload)

@pytest.mark.parametrize("raw, words", [
    (b"\x00\x01\x02PK\x03\x04", ["bin.txt", "not text at all"]),  # was imported as a manuscript titled "PK"
    (b"\x00" * 20 + b"PK\x03\x04" + b"\x00" * 20, ["bin.txt", "NUL bytes"]),
    ("只有标题\n".encode(), ["bin.txt", "only a title", "no text"]),  # was counted as a submission
])
def test_import_manuscript_refuses_what_is_not_one(tmp_path, raw, words):
    root = workspace(tmp_path)
    (tmp_path / "bin.txt").write_bytes(raw)
    before = snapshot(root)
    fails(jianbao(root, "import", "manuscript", tmp_path / "bin.txt", "--unit", "阳谷局"), *words)
    assert snapshot(root) == before  # no inbox record, no submission event


# ---------------------------------------------------------------- ledger template / import arguments

def test_ledger_template_never_replaces_a_sheet(tmp_path):
    root = workspace(tmp_path)
    filled = tmp_path / "events.xlsx"
    filled.write_bytes(b"the editor's filled-in sheet")
    fails(jianbao(root, "ledger", "template", "--out", filled), "events.xlsx", "exists already")
    assert filled.read_bytes() == b"the editor's filled-in sheet"
    fails(jianbao(root, "ledger", "template", "--out", tmp_path / "events.txt"), "events.txt", ".xlsx or a .csv")
    assert not (tmp_path / "events.txt").exists()
    r = jianbao(root, "ledger", "template", "--out", "")
    assert r.code == 2 and "give a file name" in r.out  # was ".: device or resource busy"
    assert jianbao(root, "ledger", "template", "--out", tmp_path / "new.csv").code == 0


def test_ledger_import_of_a_fifo_says_what_it_is(tmp_path):
    import os

    root = workspace(tmp_path)
    os.mkfifo(tmp_path / "events.csv")
    r = jianbao(root, "ledger", "import", tmp_path / "events.csv")
    assert r.code == 2 and "not a regular file" in r.out, r.out  # was "no such file"


def test_portal_manuscript_title_and_authors_are_cleaned_or_refused(tmp_path):
    """The unit portal's form: a control character in the title is removed (it was written as "\\0"
    into the inbox record); an author with a / would break the credit line and is refused."""
    from composer.commands import importing
    from composer.diagnostics import JianbaoError
    from composer.workspace import open_workspace

    root = workspace(tmp_path)
    w = open_workspace(root)
    r = importing.import_manuscript_text(w, "正文内容。\n", "阳谷局", title="标题\x00\x1b有误")
    assert r.title == "标题有误" and "\\0" not in r.path.read_text(encoding="utf-8")
    before = snapshot(root)
    with pytest.raises(JianbaoError, match="'利用科/张三' is not a name"):
        importing.import_manuscript_text(w, "另一篇正文。\n", "阳谷局", title="另一篇", authors=("利用科/张三",))
    assert snapshot(root) == before


# ---------------------------------------------------------------- the workbench's ledger forms

@pytest.mark.parametrize("count", ["9" * 5000, "²", "100001", "１２"])
def test_ledger_forms_refuse_counts_that_are_no_count(tmp_path, count):
    """int() of 5000 digits raises, "²".isdigit() is true but int("²") raises: both were a 500."""
    import re

    from starlette.testclient import TestClient

    from composer.web.app import create_app

    root = workspace(tmp_path)
    before = snapshot(root)
    c = TestClient(create_app(root), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    tok = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/ledger").text)[1]
    r = c.post("/ledger/add", data={"csrf_token": tok, "type": "submission", "unit": "阳谷局", "date": "2024-04",
                                    "count": count})
    assert r.status_code == 422 and "须为正整数（1 至 100000）" in r.text and "nothing was written" in r.text
    r = c.post("/ledger/month", data={"csrf_token": tok, "month": "2024-04", "submitted:阳谷县自然资源和规划局": count})
    assert r.status_code == 422 and "须为正整数" in r.text
    after = snapshot(root)
    assert {k: v for k, v in after.items() if not k.startswith("build")} == \
           {k: v for k, v in before.items() if not k.startswith("build")}


@pytest.mark.parametrize("name", ["page-" + "9" * 5000 + ".png", "page-٣.png", "page-0.png"])
def test_workbench_page_picture_names_that_are_no_page(tmp_path, name):
    """An URL typed by hand: int() of 5000 digits was a 500; it is a 404 like any unknown file."""
    from starlette.testclient import TestClient

    from composer.web.app import create_app

    c = TestClient(create_app(workspace(tmp_path)), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    assert c.get(f"/issues/2024-03/build/{name}").status_code == 404


def test_inbox_decline_reason_without_control_characters(tmp_path):
    root = _inbox(tmp_path, "---\n" + GOOD + "---\n正文。\n")
    r = jianbao(root, "inbox", "decline", "2024-03-01-阳谷局-来稿", "--reason", "重复\x00投稿\x1b")
    assert r.code == 0, r.out
    text = (root / "inbox/2024-03-01-阳谷局-来稿.md").read_text(encoding="utf-8")
    assert "reason: 重复投稿\n" in text and "\\0" not in text and "\\e" not in text
    fails(jianbao(root, "inbox", "decline", "", "--reason", "x"), "give the manuscript's ID")
