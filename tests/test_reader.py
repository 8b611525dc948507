"""Credit lines, briefs files and Markdown blocks as the reader sees them."""

from __future__ import annotations

import pytest

from composer.credits import looks_like_credit, parse_credit
from composer.model import KIND_BRIEF, ListBlock, Paragraph, Table
from composer.reader import brief_title, load_issue
from composer.workspace import open_workspace

KNOWN = {"冠县林业局", "保护地科", "市林业发展中心", "执法支队", "调查监测科", "东阿局", "市不动产登记中心", "综合科", "用途科"}


def resolve(name):
    return name if name in KNOWN else None


@pytest.mark.parametrize(
    "inner, expected",
    [
        ("冠县林业局/刘军波 林培振 黄启林", [("冠县林业局", ("刘军波", "林培振", "黄启林"))]),
        ("保护地科 市林业发展中心 执法支队", [("保护地科", ()), ("市林业发展中心", ()), ("执法支队", ())]),
        ("综合科、用途科", [("综合科", ()), ("用途科", ())]),
        ("调查监测科 市不动产登记中心 东阿局", [("调查监测科", ()), ("市不动产登记中心", ()), ("东阿局", ())]),
        ("东阿局/张三 调查监测科/李四", [("东阿局", ("张三",)), ("调查监测科", ("李四",))]),
        ("东阿局 / 张三", [("东阿局", ("张三",))]),
        ("东阿局／张三", [("东阿局", ("张三",))]),
    ],
)
def test_parse_credit(inner, expected):
    assert [(c.label, c.authors) for c in parse_credit(inner, resolve)] == expected


def test_aside_is_not_a_credit():
    assert not looks_like_credit("以下简称《规划》", resolve)
    assert not looks_like_credit("2021-2035年", resolve)
    assert looks_like_credit("某某科/张三", resolve)  # unknown but credit-shaped: reported, not swallowed
    assert looks_like_credit("东阿局", resolve)


def test_brief_titles():
    from composer.model import Span

    assert brief_title((Span(text="4月9日，全市农村不动产确权登记发证工作现场会在高唐召开。会议强调……"),)) == \
        "4月9日，全市农村不动产确权登记发证工作现场会在高唐召开"
    assert brief_title((Span(text="标题在此", bold=True), Span(text="正文。"))) == "标题在此"


def test_briefs_file_and_article(make_ws):
    root = make_ws()
    ws = open_workspace(root)
    issue, diags = load_issue(ws.root, root / "issues/2024-03", ws.units)
    assert diags == []
    assert [i.kind for i in issue.items] == ["信息", KIND_BRIEF, KIND_BRIEF, KIND_BRIEF]
    article, b1, b2, b3 = issue.items
    assert article.units == ("开发利用科",) and article.authors == ("贺孟萌",)
    assert b1.units == ("调查监测科", "高唐县自然资源和规划局")
    assert [c.label for c in b1.credits] == ["调查监测科", "高唐局"]  # printed as written
    assert b2.units == ("市不动产登记中心",)
    assert b3.units == ("东昌府区分局",) and b3.authors == ("段腾", "朱明珠")
    # the credit is removed from the brief's text, the ▲ too (renderers add it)
    assert b1.blocks[0].text.endswith("作出具体安排。") and not b1.blocks[0].text.startswith("▲")
    assert issue.number == 3 and issue.total_number == 99 and str(issue.date) == "2024-04-15"


def test_article_with_legacy_credit_line_and_blocks(make_ws):
    md = (
        "---\ntitle: 测试文章\nsection: 工作动态\n---\n"
        "第一段，**加粗导语**其后正文。\n\n"
        "- 第一项\n- 第二项\n\n"
        "| 指标 | 数值 |\n|---|---|\n| 面积 | 5 |\n\n"
        "最后一段在此结束。（综合科 用途科/王五）\n"
    )
    root = make_ws({"issues/2024-03/05-x.md": md})
    ws = open_workspace(root)
    issue, diags = load_issue(ws.root, root / "issues/2024-03", ws.units)
    it = next(i for i in issue.items if i.title == "测试文章")
    assert [d.code for d in diags] == ["J203"]  # 综合科 is not in the fixture registry
    assert isinstance(it.blocks[0], Paragraph) and [s.bold for s in it.blocks[0].spans] == [False, True, False]
    assert isinstance(it.blocks[1], ListBlock) and len(it.blocks[1].items) == 2
    assert isinstance(it.blocks[2], Table) and it.blocks[2].rows == (("指标", "数值"), ("面积", "5"))
    assert it.blocks[3].text == "最后一段在此结束。"
    assert [c.label for c in it.credits] == ["综合科", "用途科"] and it.credits[1].authors == ("王五",)


def test_bold_lead_in_after_chinese_punctuation(make_ws):
    md = "---\ntitle: 加粗\nunits: [利用科]\nsection: 工作动态\n---\n**一、强化资源要素保障。**围绕重点项目，做好用地服务。\n"
    root = make_ws({"issues/2024-03/05-x.md": md})
    ws = open_workspace(root)
    issue, _ = load_issue(ws.root, root / "issues/2024-03", ws.units)
    spans = next(i for i in issue.items if i.title == "加粗").blocks[0].spans
    assert [(s.text, s.bold) for s in spans] == [("一、强化资源要素保障。", True), ("围绕重点项目，做好用地服务。", False)]
