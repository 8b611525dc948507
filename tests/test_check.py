"""`jianbao check`: every error and warning triggered by a small fixture, with file and line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from composer.cli import main
from tests.conftest import png


def run(ws, *args):
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def check_json(ws, issue="2024-03"):
    result = CliRunner().invoke(main, ["-C", str(ws), "check", issue, "--format", "json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


def item(front: str, body: str = "正文内容。") -> str:
    return f"---\n{front}\n---\n{body}\n"


def test_sample_fixture_is_clean(make_ws):
    code, diags = check_json(make_ws())
    assert code == 0
    assert diags == []


def test_text_output_names_file_line_and_excerpt(make_ws):
    ws = make_ws({"issues/2024-03/05-x.md": item("title: 测试\nkind: 信息\nunits: [开发科]\nsection: 工作动态")})
    code, out = run(ws, "check", "2024-03")
    assert code == 1
    assert "issues/2024-03/05-x.md:4: error[J203 unknown-unit]: unit '开发科' is not in the unit registry" in out
    assert "  4 | units: [开发科]" in out
    assert "开发利用科" in out  # the closest known name is suggested


def test_alias_resolves(make_ws):
    ws = make_ws({"issues/2024-03/05-x.md": item("title: 测试\nunits: [利用科]\nsection: 工作动态")})
    code, diags = check_json(ws)
    assert code == 0, diags


@pytest.mark.parametrize(
    "front, body, code, line",
    [
        ("title: 测试: 坏\nunits: [利用科]", "正文。", "J201", 2),  # malformed front matter
        ("kind: 信息\nunits: [利用科]\nsection: 工作动态", "正文。", "J202", 1),  # missing title
        ("title: 测试\nkind: 通知\nunits: [利用科]\nsection: 工作动态", "正文。", "J204", 3),  # unknown kind
        ("title: 测试\nsection: 工作动态", "正文。", "J205", 1),  # no credit
        ("title: 测试\nunits: [利用科]\nsection: 工作动态", "", "J207", 1),  # empty body
        ("title: 测试\nunits: [利用科]\nsection: 其他", "正文。", "J213", 1),  # section not in issue.yml
    ],
)
def test_item_errors(make_ws, front, body, code, line):
    ws = make_ws({"issues/2024-03/05-x.md": item(front, body)})
    exit_code, diags = check_json(ws)
    assert exit_code == 1
    hits = [d for d in diags if d["code"] == code]
    assert hits, diags
    assert hits[0]["path"] == "issues/2024-03/05-x.md"
    assert hits[0]["line"] == line


def test_duplicate_titles(make_ws):
    dup = item("title: 我市创新开展先登记后供地\nunits: [地矿科]\nsection: 工作动态")
    exit_code, diags = check_json(make_ws({"issues/2024-03/05-x.md": dup}))
    assert exit_code == 1
    d = next(d for d in diags if d["code"] == "J206")
    assert {d["path"].split("/")[-1], d["message"].split("/")[-1].split(":")[0]} == {"01-article.md", "05-x.md"}


def test_malformed_issue_yml(make_ws):
    ws = make_ws({"issues/2024-03/issue.yml": "number: 3\ndate: [\n"})
    exit_code, diags = check_json(ws)
    assert exit_code == 1
    assert diags[0]["code"] == "J212" and diags[0]["path"] == "issues/2024-03/issue.yml"


def test_bad_issue_values(make_ws):
    ws = make_ws({"issues/2024-03/issue.yml": "number: 三\ndate: 昨天\n"})
    _, diags = check_json(ws)
    assert {(d["code"], d["line"]) for d in diags} >= {("J212", 1), ("J212", 2)}


def test_unknown_unit_in_brief_credit(make_ws):
    briefs = "---\nkind: 简讯\nsection: 简讯\n---\n▲第一条简讯内容。（开发科/张三）\n\n▲第二条简讯内容。\n（调查科 市地矿中心）\n"
    _, diags = check_json(make_ws({"issues/2024-03/20-briefs.md": briefs}))
    unknown = [(d["line"], d["message"]) for d in diags if d["code"] == "J203"]
    assert unknown[0][0] == 5 and "开发科" in unknown[0][1]
    assert unknown[1][0] == 7 and "市地矿中心" in unknown[1][1]


def test_brief_without_credit(make_ws):
    briefs = "---\nkind: 简讯\nsection: 简讯\n---\n▲一条没有署名的简讯。\n"
    _, diags = check_json(make_ws({"issues/2024-03/20-briefs.md": briefs}))
    assert [(d["code"], d["line"]) for d in diags] == [("J205", 5)]


@pytest.mark.parametrize(
    "src, why",
    [
        ("missing.png", "does not exist"),
        ("../../../../etc/hostname", "outside"),
        ("https://example.com/a.png", "remote"),
        ("file:///etc/passwd", "remote"),
    ],
)
def test_images(make_ws, src, why):
    body = f"正文。\n\n![图]({src})\n"
    ws = make_ws({"issues/2024-03/05-x.md": item("title: 图片\nunits: [利用科]\nsection: 工作动态", body)})
    _, diags = check_json(ws)
    d = next(d for d in diags if d["code"] == "J209")
    assert why in d["message"] and d["line"] == 8


def test_local_image_is_fine(make_ws):
    body = "正文。\n\n![图](pic.png)\n"
    ws = make_ws({"issues/2024-03/05-x.md": item("title: 图片\nunits: [利用科]\nsection: 工作动态", body),
                  "issues/2024-03/pic.png": png()})
    code, diags = check_json(ws)
    assert not [d for d in diags if d["code"] == "J209"]


def test_warnings_long_brief_and_date_form(make_ws):
    long = "▲" + "全市自然资源系统认真开展工作，" * 30 + "（调查科）"
    briefs = f"---\nkind: 简讯\nsection: 简讯\n---\n{long}\n\n▲2024-04-09，市局召开会议。（地矿科）\n"
    ws = make_ws({"issues/2024-03/20-briefs.md": briefs})
    code, diags = check_json(ws)
    assert code == 0  # warnings only
    assert {(d["code"], d["severity"], d["line"]) for d in diags} == {("J210", "warning", 5), ("J211", "warning", 7)}
    result = CliRunner().invoke(main, ["-C", str(ws), "check", "2024-03", "--strict"])
    assert result.exit_code == 1


def test_brief_length_is_configurable(make_ws):
    from tests.conftest import PUBLICATION

    ws = make_ws({"jianbao.yml": PUBLICATION.replace("brief_max_chars: 300", "brief_max_chars: 20")})
    _, diags = check_json(ws)
    assert {d["code"] for d in diags} == {"J210"}


def test_not_a_workspace(tmp_path):
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "check", "x"])
    assert result.exit_code == 1
    assert "not a jianbao workspace" in result.output


def test_unknown_issue(make_ws):
    result = CliRunner().invoke(main, ["-C", str(make_ws()), "check", "2099-01"])
    assert result.exit_code == 1 and "not an issue folder" in result.output


def test_registry_errors(make_ws):
    from tests.conftest import UNITS

    ws = make_ws({"contributors/units.yml": UNITS + "      - {name: 调查科, short: 调查科二}\n"})
    _, diags = check_json(ws)
    d = next(d for d in diags if d["code"] == "J104")
    assert d["path"] == "contributors/units.yml" and "调查科" in d["message"]


def test_raw_html_is_text(make_ws):
    from composer.reader import load_issue
    from composer.workspace import open_workspace

    body = "<script>alert(1)</script>\n\n段落<b>粗</b>。\n"
    ws_dir = make_ws({"issues/2024-03/05-x.md": item("title: 脚本\nunits: [利用科]\nsection: 工作动态", body)})
    ws = open_workspace(ws_dir)
    issue, _ = load_issue(ws.root, ws_dir / "issues/2024-03", ws.units)
    it = next(i for i in issue.items if i.title == "脚本")
    texts = [b.text for b in it.blocks]
    assert "<script>alert(1)</script>" in texts[0]
    assert texts[1] == "段落<b>粗</b>。"


def test_image_with_chinese_name(make_ws):
    body = "正文。\n\n![图](现场照片.png)\n"
    ws = make_ws({"issues/2024-03/05-x.md": item("title: 图片\nunits: [利用科]\nsection: 工作动态", body),
                  "issues/2024-03/现场照片.png": png()})
    _, diags = check_json(ws)
    assert not [d for d in diags if d["code"] == "J209"]



# ---------------------------------------------------------------- half-width punctuation (J220, check --fix)

PUNCT_ITEM = """\
---
# the editor's note on this item stays
title: "试点,推进"   # quoted, with a comment
kind: 信息
units: [开发利用科, 调查监测科]
section: 工作动态
---
全市(试点)供应土地1,000宗,面积3.5亩;详见 https://example.org/a?x=1,2 和[附件](files/a(1).pdf)。

时间: 10:30召开,会议

```
code,中文(不改)
```

1) 保持列表标记,不改
"""


def test_halfwidth_punctuation_warns_with_column(make_ws):
    ws = make_ws({"issues/2024-03/05-p.md": PUNCT_ITEM})
    code, diags = check_json(ws)
    found = [(d["line"], d["column"]) for d in diags if d["code"] == "J220"]
    assert code == 0 and all(d["severity"] == "warning" for d in diags if d["code"] == "J220")
    # title ',' (line 3); body: ( ) , ; on line 8; ':' and ',' on line 10; ',' of the list item (line 16)
    assert found == [(3, 11), (8, 3), (8, 6), (8, 17), (8, 24), (10, 3), (10, 12), (16, 10)]
    code, out = run(ws, "check", "2024-03")
    assert "issues/2024-03/05-p.md:8:3: warning[J220 halfwidth-punct]: half-width '('" in out


def test_check_fix_converts_only_the_text(make_ws):
    ws = make_ws({"issues/2024-03/05-p.md": PUNCT_ITEM})
    code, out = run(ws, "check", "--fix", "2024-03")
    assert code == 0 and "fixed 8 half-width mark(s) in issues/2024-03/05-p.md" in out
    text = (ws / "issues/2024-03/05-p.md").read_text(encoding="utf-8")
    assert text == (PUNCT_ITEM
                    .replace('"试点,推进"', '"试点，推进"')
                    .replace("全市(试点)供应土地1,000宗,面积3.5亩;", "全市（试点）供应土地1,000宗，面积3.5亩；")
                    .replace("时间: 10:30召开,会议", "时间：10:30召开，会议")
                    .replace("1) 保持列表标记,不改", "1) 保持列表标记，不改"))
    # comments, the flow list, the URL, the link target and the code block are untouched
    assert "# the editor's note on this item stays" in text and "units: [开发利用科, 调查监测科]" in text
    assert "https://example.org/a?x=1,2" in text and "(files/a(1).pdf)" in text and "code,中文(不改)" in text
    code, diags = check_json(ws)
    assert not [d for d in diags if d["code"] == "J220"]
    assert not list((ws / "issues/2024-03").glob(".*.tmp"))  # written atomically, no temp file left


def test_fix_keeps_credit_lines_working(make_ws):
    """A brief's half-width credit (调查监测科 高唐局) becomes full-width and still credits both units."""
    briefs = ("---\nkind: 简讯\nsection: 简讯\n---\n"
              "▲4月9日,全市农村不动产确权登记发证工作现场会在高唐召开。(调查监测科 高唐局)\n")
    ws = make_ws({"issues/2024-03/20-briefs.md": briefs})
    code, diags = check_json(ws)
    assert {d["code"] for d in diags} == {"J220"}
    code, out = run(ws, "check", "--fix", "2024-03")
    assert code == 0 and "ok: no problems found" in out
    text = (ws / "issues/2024-03/20-briefs.md").read_text(encoding="utf-8")
    assert "▲4月9日，全市农村不动产确权登记发证工作现场会在高唐召开。（调查监测科 高唐局）" in text
    from composer.workspace import open_workspace

    issue, _ = open_workspace(ws).load_issue("2024-03")
    brief = next(i for i in issue.items if i.title.startswith("4月9日") or "高唐" in i.title)
    assert len(brief.credits) == 2
