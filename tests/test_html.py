"""The HTML preview: one self-contained page that carries the same content as the PDF,
and the print variant handed to WeasyPrint."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from composer.cli import main
from composer.render import html
from composer.workspace import open_workspace
from tests.conftest import base_files, write_files


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


ARTICLE_WITH_EXTRAS = """\
---
title: 图表与列表
kind: 信息
units: [调查科]
section: 工作动态
order: 2
---
## 一、总体情况

**工作成效**。全市完成调查图斑1200个。

1. 第一项任务
2. 第二项任务

| 县区 | 图斑 |
| --- | ---: |
| 高唐 | 300 |

![现场照片](photo.png)
"""


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory):
    files = base_files()
    files["issues/2024-03/02-extras.md"] = ARTICLE_WITH_EXTRAS
    files["issues/2024-03/photo.png"] = _png()
    return write_files(tmp_path_factory.mktemp("htmlws") / "ws", files)


@pytest.fixture(scope="module")
def loaded(ws_root):
    ws = open_workspace(ws_root)
    issue, diags = ws.load_issue("2024-03")
    assert not [d for d in diags if d.is_error], diags
    return ws, issue


@pytest.fixture(scope="module")
def preview(loaded):
    return html.render(*loaded)


@pytest.fixture(scope="module")
def printed(loaded):
    return html.render(*loaded, variant="print")


def test_build_writes_the_html_file(ws_root):
    res = CliRunner().invoke(main, ["-C", str(ws_root), "build", "2024-03", "--format", "html"])
    assert res.exit_code == 0, res.output
    out = ws_root / "build" / "2024-03" / "2024-03.html"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "自然资源和规划简报" in text


def test_preview_is_self_contained(preview):
    assert "<style>" in preview
    assert "<link" not in preview
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|file:|//)""", preview)
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="现场照片">', preview)
    assert "@page" not in preview
    assert 'lang="zh-CN"' in preview


def test_masthead_and_tail(preview):
    assert '<div class="name" style="font-size: 42.0pt">自然资源和规划简报</div>' in preview
    assert "第3期（总第99期）" in preview
    assert "市自然资源和规划局办公室" in preview and "2024年4月15日" in preview
    assert "#FF0000" in preview  # masthead red in the browser
    assert "报：</span>市委办公室，市政府办公室。" in preview
    assert "发：</span>各县（市、区）局，机关各科室，局属各事业单位。" in preview
    assert "（共印50份）" in preview
    assert preview.index("2024年4月15日") < preview.index("我市创新开展先登记后供地") < preview.index("报：")


def test_items_in_order_with_credits(preview):
    order = ["我市创新开展先登记后供地", "（利用科/贺孟萌）", "图表与列表", "（调查科）",
             "【简讯】", "▲4月9日", "（调查监测科 高唐局）", "▲3月29日", "（市不动产登记中心）",
             "▲4月11日", "（东昌府区分局/段腾 朱明珠）"]
    text = re.sub(r"<[^>]+>", "", preview)
    pos = 0
    for needle in order:
        found = text.find(needle, pos)
        assert found >= 0, needle
        pos = found
    # the brief's credit is inline, in the 楷体 class, inside the brief's paragraph
    assert re.search(r"作出具体安排。<span class=\"credit-inline\">（调查监测科 高唐局）</span></p>", preview)
    assert '<p class="credit"><span class="credit-text">（利用科/贺孟萌）</span></p>' in preview


def test_blocks_render_sensibly(preview):
    assert '<p class="para h h2">一、总体情况</p>' in preview
    assert '<span class="b">工作成效</span>' in preview
    assert "1.第一项任务" in preview and "2.第二项任务" in preview
    assert "<th>县区</th>" in preview and "<td>高唐</td>" in preview


def test_editor_note(ws_root, tmp_path):
    files = base_files()
    files["issues/2024-03/issue.yml"] += "editor_note: 本期刊发一季度工作动态。\n"
    ws = open_workspace(write_files(tmp_path / "ws", files))
    issue, _ = ws.load_issue("2024-03")
    page = html.render(ws, issue)
    assert '<span class="label">编者按：</span>本期刊发一季度工作动态。' in page


def test_print_variant_has_page_rules_and_justified_lines(printed):
    assert "@page" in printed and "size: 210mm 297mm" in printed and "margin: 37mm 26mm 35mm 28mm" in printed
    assert "device-cmyk(0 1 1 0)" in printed
    assert 'counter(page)' in printed
    # pre-broken lines: one source line per printed line; off-grid lines carry their own spacing
    assert ".print .para { white-space: pre;" in printed
    para = re.search(r'<p class="para">(为进一步优化.*?)</p>', printed, re.S).group(1)
    assert para.count("\n") >= 2
    assert re.search(r'<span class="ls" style="letter-spacing:-?\d+\.\d{3}pt">', printed)
    # the prepared font copies are loaded by @font-face from the cache
    assert "@font-face" in printed and "file://" in printed
    # the image is referenced relative to the issue folder, fetched by the confined fetcher
    assert '<img src="photo.png" alt="现场照片">' in printed


def test_layout_folder_of_the_workspace_wins(tmp_path):
    files = base_files()
    files["layouts/bulletin/bulletin.css"] = "/* house style */ .para { color: #123456; }"
    ws = open_workspace(write_files(tmp_path / "ws", files))
    issue, _ = ws.load_issue("2024-03")
    page = html.render(ws, issue)
    assert "/* house style */" in page
    assert "<header class=\"masthead\">" in page  # template from the default layout


def test_user_text_is_escaped(tmp_path):
    files = base_files()
    files["issues/2024-03/01-article.md"] = files["issues/2024-03/01-article.md"].replace(
        "title: 我市创新开展先登记后供地", 'title: "标题<b>加粗</b>&"')
    ws = open_workspace(write_files(tmp_path / "ws", files))
    issue, _ = ws.load_issue("2024-03")
    for variant in ("preview", "print"):
        page = html.render(ws, issue, variant=variant)
        assert "标题&lt;b&gt;加粗&lt;/b&gt;&amp;" in page
        assert "<b>加粗" not in page


def test_column_alignment_and_centred_header_cells(preview, printed):
    for page in (preview, printed):
        assert '<td class="al-right">300</td>' in page
        assert "<td>高唐</td>" in page
        assert ".tbl th { text-align: center; }" in page


def test_print_titles_are_pre_broken_and_preview_titles_balanced_by_the_browser(preview, printed):
    assert "text-wrap: balance" in preview
    # the print page: an article's credit is the last line of its last paragraph, flush right
    assert '<span class="push" style="margin-left:' in printed
    assert 'class="para with-credit"' in printed
