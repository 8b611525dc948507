"""composer.commands.edit: round-trip edits, refusals that write nothing, order and sections."""

from __future__ import annotations

import pytest

from composer.commands import edit
from composer.commands.edit import ItemKey
from composer.diagnostics import JianbaoError
from composer.workspace import open_workspace

COMMENTED = """\
---
title: 我市创新开展先登记后供地   # 标题经分管领导审定
kind: 信息
credits:
  - 利用科/贺孟萌   # 主笔
section: 工作动态
order: 1
---
正文。
"""


def setup(make_ws, files=None):
    root = make_ws(files)
    return root, open_workspace(root), root / "issues/2024-03"


def test_field_edit_keeps_comments_and_block_style(make_ws):
    root, ws, d = setup(make_ws, {"issues/2024-03/01-article.md": COMMENTED})
    e = edit.update_item(ws, d, ItemKey("01-article.md"), fields={"subtitle": "交地即办证"},
                         credits="利用科/贺孟萌\n东阿局")
    assert (d / "01-article.md").read_text(encoding="utf-8") == (
        "---\ntitle: 我市创新开展先登记后供地   # 标题经分管领导审定\nsubtitle: 交地即办证\nkind: 信息\ncredits:\n"
        "  - 利用科/贺孟萌   # 主笔\n  - 东阿局\nsection: 工作动态\norder: 1\n---\n正文。\n")
    assert e.summary == "issues/2024-03/01-article.md 「我市创新开展先登记后供地」：修改副标题、署名"
    assert edit.update_item(ws, d, ItemKey("01-article.md"), fields={"subtitle": "交地即办证"}).paths == ()


def test_refused_edit_names_file_and_line_and_writes_nothing(make_ws):
    root, ws, d = setup(make_ws)
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    with pytest.raises(JianbaoError) as e:
        edit.replace_source(ws, d, ItemKey("01-article.md"), "---\ntitle: x\nkind: 信息\norder: [1\n---\n正文\n")
    assert str(e.value).startswith("issues/2024-03/01-article.md:5: YAML does not parse")
    assert e.value.diagnostics[0].code == "J201"
    with pytest.raises(JianbaoError, match="kind must be 信息 or 简讯"):
        edit.update_item(ws, d, ItemKey("01-article.md"), fields={"kind": "通知"})
    with pytest.raises(JianbaoError, match=r"01-article.md:2: kind '通知'"):
        edit.replace_source(ws, d, ItemKey("01-article.md"), "---\nkind: 通知\n---\n正文\n")
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before


def test_unknown_unit_is_written_and_reported_by_check(make_ws):
    root, ws, d = setup(make_ws)
    edit.update_brief(ws, d, ItemKey("20-briefs.md", 0), "4月9日，现场会召开。", "规划科")
    issue, diags = ws.load_issue(d)
    assert [x.code for x in diags] == ["J203"] and diags[0].source.path == "issues/2024-03/20-briefs.md"
    assert edit.brief_parts(edit._brief_chunks(issue, d / "20-briefs.md")[1][0]) == ("4月9日，现场会召开。", "规划科", False)


def test_arrange_orders_files_and_brief_paragraphs(make_ws):
    second = "---\ntitle: 第二篇\nunits: [高唐局]\nsection: 工作动态\norder: 7\n---\n正文。\n"
    root, ws, d = setup(make_ws, {"issues/2024-03/05-second.md": second})
    layout = [("工作动态", "05-second.md"), ("工作动态", "01-article.md"),
              ("简讯", "20-briefs.md#2"), ("简讯", "20-briefs.md#0"), ("简讯", "20-briefs.md#1")]
    e = edit.arrange(ws, d, layout)
    assert e.summary == "issues/2024-03：调整顺序"
    issue, _ = ws.load_issue(d)
    assert [it.title for it in issue.items] == [
        "第二篇", "我市创新开展先登记后供地", "4月11日，东昌府区分局对全区光伏发电产业用地情况开展现场调查核实",
        "4月9日，全市农村不动产确权登记发证工作现场会在高唐召开", "3月29日，市不动产登记中心加班加点为企业办理不动产抵押业务"]
    assert "order: 1\n" in (d / "05-second.md").read_text(encoding="utf-8")
    with pytest.raises(JianbaoError, match="changed since the page was loaded"):
        edit.arrange(ws, d, layout[:-1])


def test_move_brief_to_another_section_and_back(make_ws):
    root, ws, d = setup(make_ws)
    e = edit.move(ws, d, ItemKey("20-briefs.md", 1), "工作动态")
    assert "移动" in e.summary
    issue, diags = ws.load_issue(d)
    assert not diags
    assert [(it.section, it.title[:5]) for it in issue.items] == [
        ("工作动态", "我市创新开"), ("工作动态", "3月29日"), ("简讯", "4月9日，"), ("简讯", "4月11日")]
    moved = [p for p in d.glob("*briefs*.md") if p.name != "20-briefs.md"]
    assert len(moved) == 1
    key = next(k for k, it in edit.keyed_items(issue) if it.title.startswith("3月29日"))
    edit.move(ws, d, key, "简讯")
    assert not moved[0].exists()  # a briefs file left without briefs is removed
    issue, _ = ws.load_issue(d)
    assert [it.section for it in issue.items] == ["工作动态", "简讯", "简讯", "简讯"]


def test_brief_becomes_an_article(make_ws):
    root, ws, d = setup(make_ws)
    e = edit.set_kind(ws, d, ItemKey("20-briefs.md", 2), "信息")
    new = [p for p in e.paths if p.name != "20-briefs.md"][0]
    text = new.read_text(encoding="utf-8")
    assert "kind: 信息" in text and "credits: [东昌府区分局/段腾 朱明珠]" in text and "section: 工作动态" in text
    issue, diags = ws.load_issue(d)
    assert not diags and len(issue.items) == 4
    assert sum(it.kind == "简讯" for it in issue.items) == 2


def test_cli_edit_uses_the_same_writer(make_ws):
    from click.testing import CliRunner

    from composer.cli import main

    root, ws, d = setup(make_ws, {"issues/2024-03/01-article.md": COMMENTED})
    r = CliRunner().invoke(main, ["-C", str(root), "edit", "2024-03", "01-article.md", "--order", "4",
                                  "--credits", "利用科/贺孟萌；东阿局"])
    assert r.exit_code == 0, r.output
    assert r.output == "issues/2024-03/01-article.md 「我市创新开展先登记后供地」：修改顺序、署名\n"
    text = (d / "01-article.md").read_text(encoding="utf-8")
    assert "  - 利用科/贺孟萌   # 主笔\n  - 东阿局\n" in text and "order: 4\n" in text
    r = CliRunner().invoke(main, ["-C", str(root), "edit", "2024-03", "20-briefs.md#2", "--credits", "信息科"])
    assert r.exit_code == 0, r.output
    assert "▲4月11日，东昌府区分局对全区光伏发电产业用地情况开展现场调查核实。\n（信息科）\n" in \
        (d / "20-briefs.md").read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["-C", str(root), "edit", "2024-03", "01-article.md", "--order", "前面"])
    assert r.exit_code == 1 and "order must be a number" in r.output
