"""The print PDF: GB/T 9704 geometry, masthead, justified lines, kinsoku, page numbers,
报尾, fonts and metadata, measured on a real rendered PDF (one render per module).
Also the font roles (J208 glyph check) and the line breaker on their own."""

from __future__ import annotations

import collections
import io
import re
import subprocess

import pytest
from click.testing import CliRunner

from composer.cli import main
from tests.conftest import base_files, write_files

MM = 72 / 25.4

LONG_PARAGRAPH = (
    "为进一步优化营商环境，提升土地要素保障效率，近日，市局在市城区范围内全面推行“先登记后供地”，"
    "拟供应土地均须先行办理储备土地不动产登记手续，土地供应后即可直接办理不动产登记证书，真正实现"
    "“交地即办证”。这一举措把地籍调查和土地测绘等工作前置，企业办理登记时只需提交申请，拿地当天就能"
    "领证，平均为每个项目节约时间30个工作日以上，节省测绘费用约2.5万元。截至4月10日，全市已有17宗"
    "土地按照新模式完成供应，涉及面积1472.85亩，总投资约46亿元——其中，工业项目12宗、商服项目5宗。"
    "下一步，市局将总结推广这一做法，在各县（市、区）全面推行，进一步压缩办理时限、减少申请材料，"
    "让企业和群众办事更省时、更省心、更省力……同时加强部门协同，推动“交地即办证”常态化、制度化。"
)

ARTICLE_LONG = f"""\
---
title: 我市创新开展先登记后供地
kind: 信息
units: [利用科]
authors: [贺孟萌]
section: 工作动态
order: 1
---
{LONG_PARAGRAPH}

{LONG_PARAGRAPH}

**一、强化保障**。{LONG_PARAGRAPH}

{LONG_PARAGRAPH}

{LONG_PARAGRAPH}
"""

ARTICLE_TWO = """\
---
title: 全市耕地保护工作推进会召开
subtitle: 坚决守住耕地保护红线
kind: 信息
credits: ["耕保科/王明", "东阿局"]
section: 工作动态
order: 2
---
4月12日，全市耕地保护工作推进会召开，会议通报了一季度耕地保护工作情况，部署了下一阶段重点任务。
"""

BRIEF_TITLES = ("全市农村不动产确权登记发证工作现场会在高唐召开", "市不动产登记中心加班加点为企业办理不动产抵押业务",
                "东昌府区分局对全区光伏发电产业用地情况开展现场调查核实")
CREDITS = ("（利用科/贺孟萌）", "（耕保科/王明 东阿局）", "（调查监测科 高唐局）", "（市不动产登记中心）",
           "（东昌府区分局/段腾 朱明珠）")
TITLES = ("我市创新开展先登记后供地", "全市耕地保护工作推进会召开")
NO_START = set("，。、；：？！）》”’")
NO_END = set("（《“‘")


def _ws_files():
    files = base_files()
    files["issues/2024-03/01-article.md"] = ARTICLE_LONG
    files["issues/2024-03/02-article.md"] = ARTICLE_TWO
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("pdfws") / "ws", _ws_files())
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf"])
    assert res.exit_code == 0, res.output
    pdf = root / "build" / "2024-03" / "2024-03.pdf"
    assert pdf.is_file()
    return root, pdf


def char_rows(page) -> dict:
    """The characters of a pdfminer page, grouped by (baseline y, font size)."""
    from pdfminer.layout import LTChar

    rows = collections.defaultdict(list)
    for c in _iter(page):
        if isinstance(c, LTChar):
            rows[(round(c.matrix[5]), round(c.size))].append(c)
    return rows


@pytest.fixture(scope="module")
def pages(built):
    """Per page: list of text lines, each (y_top_mm, x0_mm, x1_mm, size, text, chars)."""
    from pdfminer.high_level import extract_pages

    out = []
    for page in extract_pages(str(built[1])):
        lines = []
        for (_, size), chars in char_rows(page).items():
            chars.sort(key=lambda c: c.x0)
            text = "".join(c.get_text() for c in chars)
            if not text.strip():
                continue
            top = (page.height - max(c.y1 for c in chars)) / MM
            lines.append((top, chars[0].x0 / MM, chars[-1].x1 / MM, size, text, chars))
        lines.sort(key=lambda ln: (ln[0], ln[1]))
        out.append(lines)
    return out


def body_lines(page_lines):
    return [ln for ln in page_lines if ln[3] == 16 and not ln[4].startswith("—")]


# ---------------------------------------------------------------- geometry


def test_a4_page_size(built):
    from pypdf import PdfReader

    reader = PdfReader(built[1])
    assert len(reader.pages) >= 3
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.28) < 0.5
        assert abs(float(page.mediabox.height) - 841.89) < 0.5


def test_margins_text_block(pages):
    page2 = body_lines(pages[1])
    assert len(page2) >= 20
    lefts = [ln[1] for ln in page2]
    assert abs(min(lefts) - 28.0) < 0.5  # 订口 28 mm
    assert all(ln[2] <= 184.3 for ln in page2)  # right margin 26 mm
    assert 37.0 <= page2[0][0] <= 41.0  # 天头 37 mm (first glyph box below it)
    assert page2[-1][0] + 16 / MM <= 262.0  # 版心 bottom: 297 − 35 mm


def test_full_page_has_22_lines_at_the_grid_pitch(pages):
    page2 = body_lines(pages[1])
    assert len(page2) == 22
    tops = [ln[0] for ln in page2]
    pitches = [(b - a) * MM for a, b in zip(tops, tops[1:])]
    assert all(abs(p - 28.95) < 0.15 for p in pitches), pitches


def test_first_line_indent_two_characters(pages):
    firsts = [ln for ln in body_lines(pages[1]) if ln[1] > 30]
    assert firsts, "expected a paragraph start on page 2"
    assert all(abs((ln[1] - 28.0) * MM - 31.586) < 0.5 for ln in firsts)


def test_page_numbers_odd_right_even_left(pages):
    for i, lines in enumerate(pages, 1):
        nums = [ln for ln in lines if ln[4].replace(" ", "") == f"—{i}—"]
        assert len(nums) == 1, (i, [ln[4] for ln in lines if "—" in ln[4]])
        _, x0, x1, size, _, _ = nums[0]
        assert size == 14
        if i % 2:
            assert abs(x1 - (184 - 4.94)) < 1.0, x1  # odd: right, 空一字
        else:
            assert abs(x0 - (28 + 4.94)) < 1.0, x0  # even: left, 空一字
        assert nums[0][0] > 262  # below the 版心


# ---------------------------------------------------------------- masthead


def _is_red(color) -> bool:
    if color is None:
        return False
    c = tuple(color) if isinstance(color, (list, tuple)) else (color,)
    if len(c) == 4:  # CMYK
        return c[0] < 0.1 and c[1] > 0.8 and c[2] > 0.8 and c[3] < 0.1
    if len(c) == 3:
        return c[0] > 0.78 and c[1] < 0.32 and c[2] < 0.32
    return False


def test_masthead_text_and_red_name(pages):
    first = pages[0]
    name = [ln for ln in first if ln[4] == "自然资源和规划简报"]
    assert name, [ln[4] for ln in first[:5]]
    _, x0, x1, size, _, chars = name[0]
    assert size >= 36
    assert all(_is_red(c.graphicstate.ncolor) for c in chars)
    assert abs((x0 - 28) - (184 - x1)) < 1.0  # centred
    text = "".join(ln[4] for ln in first)
    assert "第3期（总第99期）" in text
    office = [ln for ln in first if "市自然资源和规划局办公室" in ln[4]]
    assert office and "2024年4月15日" in office[0][4]


def test_masthead_red_rule_spans_the_measure(built, tmp_path):
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(built[1]), str(tmp_path / "p")],
                   check=True)
    img = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    w, h = img.size
    px = img.load()
    per_mm = w / 210
    best = None
    for y in range(int(40 * per_mm), int(110 * per_mm)):
        xs = [x for x in range(w) if (lambda p: p[0] > 200 and p[1] < 80 and p[2] < 80)(px[x, y])]
        if len(xs) > 140 * per_mm:
            best = (y, xs[0] / per_mm, xs[-1] / per_mm)
            break
    assert best, "no red rule found"
    _, left, right = best
    assert abs(left - 28) < 0.6 and abs(right - 184) < 0.6


# ---------------------------------------------------------------- content


def _all_text(built) -> str:
    out = subprocess.run(["pdftotext", str(built[1]), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"—\d+—", "", "".join(out.split()))  # page numbers interrupt text at page breaks


def test_titles_and_credits_in_order(built):
    text = _all_text(built)
    pos = 0
    for needle in (TITLES[0], CREDITS[0], TITLES[1], "——坚决守住耕地保护红线", CREDITS[1],
                   "▲4月9日", CREDITS[2], "▲3月29日", CREDITS[3], "▲4月11日", CREDITS[4]):
        needle = "".join(needle.split())
        found = text.find(needle, pos)
        assert found >= 0, f"{needle} not found after position {pos}"
        pos = found + len(needle)


def test_brief_credit_is_inline(pages):
    """A credit that fits follows the brief's last sentence on its line (楷体)."""
    lines = [ln for p in pages for ln in body_lines(p)]
    hit = [ln for ln in lines if "展现场调查核实。（东昌府区分局" in ln[4]]
    assert hit, "the credit should follow the brief's last sentence on the same line"
    credit_chars = [c for c in hit[0][5] if c.get_text() in "东昌府区分局"][-1:]
    body_chars = [c for c in hit[0][5] if c.get_text() in "现场调查核实"]
    assert "WenKai" in credit_chars[0].fontname or "Kai" in credit_chars[0].fontname  # 楷体
    assert "WenKai" not in body_chars[0].fontname


def test_credit_that_does_not_fit_goes_flush_right_whole(pages):
    """（调查监测科 高唐局） does not fit after 作出具体安排。: its own line, flush right, unbroken;
    the line above at its natural width (not letter-spaced to the measure)."""
    lines = [ln for p in pages for ln in body_lines(p)]
    k = next(i for i, ln in enumerate(lines) if ln[4].endswith("作出具体安排。"))
    above, credit = lines[k], lines[k + 1]
    assert credit[4] == "（调查监测科 高唐局）"
    assert abs(credit[2] - 184.0) < 0.6  # flush right with the measure
    assert credit[1] > 100  # alone on its line
    pitch = [(b.x0 - a.x0) / MM for a, b in zip(above[5], above[5][1:]) if a.get_text() != "▲"]
    assert max(pitch) - min(pitch) < 0.05 and abs(sum(pitch) / len(pitch) - 442.205 / 28 / MM) < 0.05
    assert above[2] < 180  # natural width: ends short of the measure
def test_bold_lead_in_uses_heading_face(pages):
    line = [ln for p in pages for ln in body_lines(p) if ln[4].startswith("一、强化保障")]
    assert line, "bold lead-in paragraph not found"
    chars = line[0][5]
    assert "Sans" in chars[0].fontname or "Hei" in chars[0].fontname  # 黑体
    after = [c for c in chars if c.get_text() == "为"][0]
    assert "Sans" not in after.fontname


def test_fonts_embedded(built):
    out = subprocess.run(["pdffonts", str(built[1])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        cols = row.split()
        assert cols[-5] == "yes", row  # emb
        assert cols[-4] == "yes", row  # sub (subset, not the whole font)


def test_pdf_is_compact(built):
    assert built[1].stat().st_size < 1_500_000


def test_metadata(built):
    from pypdf import PdfReader

    meta = PdfReader(built[1]).metadata
    assert meta.title == "自然资源和规划简报 第3期"
    assert meta.author == "市自然资源和规划局办公室"
    assert meta.creation_date.date().isoformat() == "2024-04-15"


# ---------------------------------------------------------------- justification and kinsoku


def _paragraph_lines(pages, first: str, last: str):
    lines = [ln for p in pages for ln in body_lines(p)]
    for i, ln in enumerate(lines):
        if ln[4].startswith(first):
            for j in range(i, len(lines)):
                if lines[j][4].endswith(last):
                    return lines[i:j + 1]
    raise AssertionError(f"paragraph {first}… not found")


def test_long_paragraph_is_justified_to_the_right_edge(pages):
    para = _paragraph_lines(pages, LONG_PARAGRAPH[:8], LONG_PARAGRAPH[-6:])
    assert len(para) >= 10
    for ln in para[:-1]:
        assert abs(ln[2] - 184.0) <= 0.5, (ln[2], ln[4])
    assert para[-1][2] < 184.5


def test_full_lines_hold_28_grid_cells(pages):
    para = _paragraph_lines(pages, LONG_PARAGRAPH[:8], LONG_PARAGRAPH[-6:])
    cjk_only = [ln for ln in para[1:-1] if all(ord(ch) > 0x2E80 for ch in ln[4])]
    assert cjk_only
    assert all(len(ln[4]) == 28 for ln in cjk_only), [(len(ln[4]), ln[4]) for ln in cjk_only]


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(pages):
    lines = [ln[4] for p in pages for ln in body_lines(p)]
    assert lines
    assert not [t for t in lines if t[0] in NO_START]
    assert not [t for t in lines if t[-1] in NO_END]


def test_number_runs_dashes_and_ellipses_are_not_split(pages):
    lines = [ln[4] for p in pages for ln in body_lines(p)]
    for a, b in zip(lines, lines[1:]):
        assert not (a[-1].isdigit() and b[0].isdigit()), (a, b)
        assert not (a.endswith("—") and b.startswith("—"))
        assert not (a.endswith("…") and b.startswith("…"))


# ---------------------------------------------------------------- 报尾


def test_tail_on_last_page_below_the_body(pages):
    last = pages[-1]
    rows = [ln for ln in last if ln[4].startswith(("报：", "送：", "发："))]
    assert [r[4][0] for r in rows] == ["报", "送", "发"]
    assert all(r[3] == 14 for r in rows)
    run = [ln for ln in last if "（共印50份）" in ln[4]]
    assert run and run[0][2] > 170  # right side, 右空一字
    body = body_lines(last)
    if body:
        assert max(b[0] for b in body) + 16 / MM < rows[0][0]
    assert run[0][0] < 262 and run[0][0] > 240  # bottom of the 版心
    for p in pages[:-1]:
        assert not [ln for ln in p if "共印" in ln[4]]


def test_tail_moves_to_a_new_page_when_the_body_fills_the_last_one(tmp_path):
    """A body that ends near the page bottom pushes the 报尾 to the next page, never under the text."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    files = _ws_files()
    files["issues/2024-03/01-article.md"] = ARTICLE_LONG.replace(f"\n{LONG_PARAGRAPH}\n", f"\n{LONG_PARAGRAPH[:300]}\n", 1)
    root = write_files(tmp_path / "ws", files)
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf"])
    assert res.exit_code == 0, res.output
    pdf = root / "build" / "2024-03" / "2024-03.pdf"
    for page in extract_pages(str(pdf)):
        chars = [c for c in _iter(page) if isinstance(c, LTChar)]
        tail = [c for c in chars if round(c.size) == 14 and c.get_text() in "报送发"]
        body = [c for c in chars if round(c.size) == 16]
        if tail and body:
            assert min(c.y1 for c in body) > max(c.y1 for c in tail) + 10


def _iter(o):
    if hasattr(o, "__iter__"):
        for c in o:
            yield from _iter(c)
    else:
        yield o


def test_tail_shares_the_last_text_page_in_tight_rows(tmp_path):
    """Issue 10 point 9: 18 lines of text leave 4 (115.8 pt), too few for the 6-line 报尾 in
    normal rows (≈ 150 pt) but enough in tight ones: the 报尾 stays on the body's last page."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar
    from pypdf import PdfReader

    from tests import tail_fit

    root = tail_fit.workspace(tmp_path / "ws", 27)
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf"])
    assert res.exit_code == 0, res.output
    pdf = root / "build" / "2024-03" / "2024-03.pdf"
    texts = [re.sub(r"\s+", "", p.extract_text() or "") for p in PdfReader(str(pdf)).pages]
    end = tail_fit.page_of_body_end(texts)
    assert end == len(texts) - 1  # no page of its own
    assert "报：省自然资源厅办公室" in texts[end] and "（共印50份）" in texts[end]
    assert texts[end].count(tail_fit.LINE) + 1 == 18  # the body fills 18 of the page's 22 lines
    page = list(extract_pages(str(pdf), page_numbers=[end]))[0]
    chars = [c for c in _iter(page) if isinstance(c, LTChar) and c.get_text().strip()]
    body = [c for c in chars if round(c.size) == 16]
    rows = {c.get_text(): c for c in chars if round(c.size) == 14 and c.get_text() in "报送发"}
    assert min(c.y0 for c in body) > max(c.y1 for c in chars if round(c.size) == 14)  # below the text
    # tight rows: the 报 row's two lines 14 pt × 1.25 apart (normal rows: × 1.7)
    assert abs((rows["报"].y0 - rows["送"].y0) - 2 * 14 * 1.25) < 2.5

# ---------------------------------------------------------------- missing glyphs (J208)


def test_uncovered_character_is_an_error_in_check_and_build(tmp_path):
    files = base_files()
    files["issues/2024-03/01-article.md"] = files["issues/2024-03/01-article.md"].replace(
        "近日，市局", "近日\ue000，市局")
    root = write_files(tmp_path / "ws", files)
    res = CliRunner().invoke(main, ["-C", str(root), "check", "2024-03"])
    assert res.exit_code == 1
    assert "issues/2024-03/01-article.md:9: error[J208 missing-glyph]" in res.output
    assert "U+E000" in res.output
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf"])
    assert res.exit_code == 1 and "J208" in res.output
    assert not (root / "build").exists()


def test_missing_glyphs_one_error_per_location():
    from composer import fonts
    from composer.diagnostics import Source

    diags = fonts.missing_glyphs(None, [(Source("a.md", 3), "正常文字\ue000\ue001\ue000"),
                                        (Source("a.md", 5), "全部可以显示“引号”▲2024年"),
                                        (Source("b.md", 2), "\U00013000")])
    assert [(str(d.source), d.code) for d in diags] == [("a.md:3", "J208"), ("b.md:2", "J208")]
    assert "U+E000" in diags[0].message and "U+E001" in diags[0].message
    assert diags[0].message.count("U+E000") == 1


def test_font_roles_prefer_configured_families():
    from composer import fonts
    from composer.model import Publication
    from pathlib import Path

    default = fonts.role_faces(None)
    assert all(default[r] for r in fonts.ROLES), default
    # the body: an office's own 仿宋 first, then FandolFang (installed by setup.sh), then 宋体-like faces
    body = [f for f, _ in fonts.DEFAULTS["body"]]
    assert body.index("仿宋_GB2312") < body.index("仿宋") < body.index("FandolFang") < body.index("Noto Serif CJK SC")
    official = [f for f in ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong") if fonts.find_face(f)]
    if fonts.find_face("FandolFang") and not official:
        assert default["body"][0].family == "FandolFang"
    pub = Publication(root=Path("."), name="x", office="y", fonts=(("body", ("AR PL UKai CN",)),))
    assert fonts.role_faces(pub)["body"][0].family == "AR PL UKai CN"
    assert fonts.css_family(pub, "body").startswith('"AR PL UKai CN"')


def test_prepared_font_copy_has_no_gdef_and_keeps_gb2312():
    from fontTools.ttLib import TTFont

    from composer import fonts

    face = fonts.role_faces(None)["kai"][0]
    path = fonts.prepared_path(face)
    assert path is not None and path.stat().st_size < 8_000_000
    with TTFont(str(path), lazy=True) as tt:
        assert "GDEF" not in tt
        cmap = tt.getBestCmap()
    assert all(ord(c) in cmap for c in "自然资源简报，。“”（）▲0123")
    assert f'src: url("{path.as_uri()}")' in fonts.font_face_rules(None)


# ---------------------------------------------------------------- line breaker


def _em(role, cluster):
    return sum(1.0 if ord(ch) > 0x2E80 else 0.5 for ch in cluster)


def test_break_lines_kinsoku_and_justification():
    from composer.render.justify import Run, break_lines

    text = "一二三四五六七八九十，一二三四五六七八九。“引号”测试2024年数字——破折号……省略号（括号）结束。"
    lines = break_lines([Run(text)], _em, width=10 * 16, size=16)
    assert "".join(ln.text for ln in lines) == text
    for ln in lines:
        assert ln.text[0] not in NO_START and ln.text[-1] not in NO_END
        assert ln.natural <= 10 * 16 + 0.5 * 16 + 0.01
    for a, b in zip(lines, lines[1:]):
        assert not (a.text[-1].isdigit() and b.text[0].isdigit())
        assert not (a.text.endswith("—") and b.text.startswith("—"))
    for ln in lines[:-1]:
        assert abs(ln.natural + ln.chars * ln.spacing(160) - 160) < 0.01
    assert lines[-1].spacing(160) == 0.0


def test_break_lines_pulls_down_a_full_width_mark_and_squeezes_a_narrow_one():
    from composer.render.justify import Run, break_lines

    lines = break_lines([Run("一二三四五六七八九十。后面")], _em, width=10 * 16, size=16)
    assert [ln.text for ln in lines] == ["一二三四五六七八九", "十。后面"]
    assert lines[0].spacing(160) > 0  # stretched to the full measure
    lines = break_lines([Run("一二三四五六七八九十,后面")], _em, width=10 * 16, size=16)
    assert lines[0].text == "一二三四五六七八九十,"
    assert lines[0].spacing(160) < 0  # squeezed by half a character


def test_break_lines_keeps_a_credit_whole_except_at_its_spaces():
    from composer.render.justify import Run, break_lines

    runs = [Run("一二三四五六七八"), Run("（人事科）", "kai", "credit-inline", keep=True)]
    lines = break_lines(runs, _em, width=10 * 16, size=16)
    assert [ln.text for ln in lines] == ["一二三四五六七八", "（人事科）"]
    runs = [Run("一二三四五六"), Run("（调查监测科 高唐局）", "kai", "credit-inline", keep=True)]
    lines = break_lines(runs, _em, width=10 * 16, size=16)
    assert [ln.text for ln in lines] == ["一二三四五六", "（调查监测科 高唐局）"]
    assert lines[1].pieces[0].cls == "credit-inline"


def test_credit_unit_is_unbreakable_and_flush_right_when_it_does_not_fit():
    from composer.render.justify import Run, break_lines

    credit = Run("（调查监测科 高唐局）", "kai", "credit-inline", credit=True)
    lines = break_lines([Run("一二三四五六七八九十一二三四"), credit], _em, width=10 * 16, size=16)
    assert [ln.text for ln in lines] == ["一二三四五六七八九十", "一二三四", "（调查监测科 高唐局）"]
    assert lines[1].last and not lines[1].right  # the line above keeps its natural width
    assert lines[1].spacing(160) == 0.0
    assert lines[2].right and lines[2].last
    # fits: follows the text on the last line, not flush right
    lines = break_lines([Run("一二三"), Run("（人事科）", "kai", "credit-inline", credit=True)], _em,
                        width=10 * 16, size=16)
    assert [ln.text for ln in lines] == ["一二三（人事科）"] and not lines[0].right
    # an article's credit: always a line of its own
    lines = break_lines([Run("一二三"), Run("（人事科）", "kai", "credit-inline", credit=True, own_line=True)],
                        _em, width=10 * 16, size=16)
    assert [ln.text for ln in lines] == ["一二三", "（人事科）"] and lines[1].right


def test_balance_titles_and_subtitles():
    from composer.render.justify import balance

    em = lambda role, t: _em(role, t.replace(" ", "")) + t.count(" ") * 0.25  # noqa: E731
    w = 20 * 22
    # one character left over: balanced instead (no line under a quarter of the one above)
    lines = balance("我市创新开展先登记后供地模式实现交地即办证", em, width=w, size=22)
    assert len(lines) == 2 and all(9 <= len(x) <= 12 for x in lines)
    # a space is the preferred break, and it is dropped
    assert balance("我市在全市推行“先登记后供地” 实现“交地即办证”", em, width=w, size=22) == [
        "我市在全市推行“先登记后供地”", "实现“交地即办证”"]
    # after closing punctuation rather than inside a phrase
    assert balance("我市创新开展“先登记后供地”实现“交地即办证”", em, width=w, size=22) == [
        "我市创新开展“先登记后供地”", "实现“交地即办证”"]
    assert balance("全市耕地保护工作推进会召开", em, width=w, size=22) == ["全市耕地保护工作推进会召开"]
    # subtitles break at their spaces only (not 我 ⏎ 市)
    sub = "——坚持严格保护有序开发 让地热能更好服务绿色低碳发展的我市我县"
    assert balance(sub, em, width=28 * 16, size=16, role="kai", spaces_only=True) == [
        "——坚持严格保护有序开发", "让地热能更好服务绿色低碳发展的我市我县"]


TABLE_ARTICLE = """\
---
title: 一季度全市国土空间生态修复工作取得新进展并推动全市生态文明建设迈上新台阶
subtitle: 坚持严格保护有序开发 让地热能更好服务绿色低碳发展的我市
kind: 信息
credits: ["耕保科/王明"]
section: 工作动态
order: 1
---
各县（市、区）完成情况如下。

| 县（市、区） | 面积（亩） |
|---|---:|
| 东阿县 | 239.23 |
"""


def test_pdf_titles_balanced_and_table_alignment(tmp_path):
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTCurve, LTLine, LTRect

    files = base_files()
    files["issues/2024-03/01-t.md"] = TABLE_ARTICLE
    root = write_files(tmp_path / "ws", files)
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    page = next(p for p in extract_pages(str(tmp_path / "2024-03.pdf"))
                if any("东阿县" in getattr(o, "get_text", lambda: "")() for o in p))
    lines = {}
    for (y, size), chars in char_rows(page).items():
        chars.sort(key=lambda c: c.x0)
        lines[(-y, size)] = chars
    title = [cs for (_, size), cs in sorted(lines.items()) if size == 22 and cs[0].get_text() in "一进"]
    assert len(title) == 2
    widths = [cs[-1].x1 - cs[0].x0 for cs in title]
    assert min(widths) > max(widths) / 4 and abs(widths[0] - widths[1]) < 3 * 22
    sub = ["".join(c.get_text() for c in cs) for (_, size), cs in sorted(lines.items())
           if size == 16 and cs[0].fontname.find("WenKai") >= 0 and "——" in "".join(c.get_text() for c in cs)]
    assert sub == ["——坚持严格保护有序开发"]
    # table: header cells centred in their columns, the ---: column right-aligned
    verticals = sorted({round(o.x0, 1) for o in page if isinstance(o, (LTLine, LTRect, LTCurve))
                        and o.height > 5 and o.width < 2})
    x_left, x_mid, x_right = verticals[0], verticals[1], verticals[-1]
    text_of = {"".join(c.get_text() for c in cs): cs for cs in lines.values()}
    head = next(cs for t, cs in text_of.items() if t.startswith("县（市、区）"))
    first = [c for c in head if c.x1 <= x_mid + 1]
    second = [c for c in head if c.x0 >= x_mid - 1]
    assert abs((first[0].x0 + first[-1].x1) / 2 - (x_left + x_mid) / 2) < 2
    assert abs((second[0].x0 + second[-1].x1) / 2 - (x_mid + x_right) / 2) < 2
    cell = next(cs for t, cs in text_of.items() if t.startswith("东阿县"))
    number = [c for c in cell if c.x0 >= x_mid - 1]
    assert 0 < x_right - number[-1].x1 < 8  # flush right, inside the padding


def _rules(png, min_len_mm=140):
    """Horizontal dark rules in a page raster: (top mm, bottom mm) each."""
    from PIL import Image

    img = Image.open(png).convert("L")
    w, h = img.size
    px = img.load()
    per_mm = w / 210
    rows = [y for y in range(h) if sum(1 for x in range(0, w, 2) if px[x, y] < 100) > min_len_mm * per_mm / 2]
    groups: list[list[int]] = []
    for y in rows:
        if groups and y - groups[-1][-1] <= 1:
            groups[-1].append(y)
        else:
            groups.append([y])
    return [(g[0] / per_mm, (g[-1] + 1) / per_mm) for g in groups]


def test_tail_rules_end_at_the_text_block_bottom(built, pages, tmp_path):
    n = len(pages)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", str(n), "-l", str(n), str(built[1]), str(tmp_path / "t")],
                   check=True)
    rules = _rules(next(tmp_path.glob("t*.png")))
    assert len(rules) >= 4  # above 报, between the rows (报/送/发, the print run), below the last
    top, bottom = rules[-1]
    assert abs(bottom - 262.0) < 0.3  # the last rule coincides with the 版心 bottom
    assert 0.3 < bottom - top < 0.45  # 0.35 mm outer rules
    assert all(0.2 < b - t < 0.32 for t, b in rules[1:-1])  # 0.25 mm inner rules
    assert 0.3 < rules[0][1] - rules[0][0] < 0.45


def test_page_number_dash_sits_7mm_below_the_text_block(pages):
    dashes = [c for ln in pages[0] if ln[3] == 14 and ln[4].startswith("—") for c in ln[5] if c.get_text() == "—"]
    assert dashes
    centre = 297 - (dashes[0].y0 + dashes[0].y1) / 2 / MM
    assert abs(centre - 269.0) < 1.0, centre


class _FakeRendered:
    def __init__(self, pages, anchors):
        self.page_count = pages
        self._anchors = anchors

    def anchor(self, name):
        return self._anchors.get(name)


def test_second_pass_only_when_the_tail_would_overlap():
    from composer.render.pdf import _tail_overlaps

    ok = _FakeRendered(3, {"jb-end": (2, (0, 0, 442, 300)), "jb-tail": (2, (0, 600, 442, 742))})
    assert not _tail_overlaps(ok)
    under = _FakeRendered(3, {"jb-end": (2, (0, 0, 442, 620)), "jb-tail": (2, (0, 600, 442, 742))})
    assert _tail_overlaps(under)
    early = _FakeRendered(3, {"jb-end": (2, (0, 0, 442, 100)), "jb-tail": (1, (0, 600, 442, 742))})
    assert _tail_overlaps(early)
    assert not _tail_overlaps(_FakeRendered(1, {}))


class _Dropping(_FakeRendered):
    dropped = None

    def drop(self, name):
        self.dropped = name
        return True


def test_tail_in_tight_rows_only_when_normal_rows_would_overlap():
    from composer.render.pdf import _keep_one_tail, _tail_overlaps

    normal, tight = (0, 600, 442, 742), (0, 638, 442, 742)

    def keep(end):
        r = _Dropping(3, {"jb-end": end, "jb-tail": (2, normal), "jb-tail-tight": (2, tight)})
        assert not _tail_overlaps(r)
        _keep_one_tail(r)
        return {"jb-tail-tight": "normal", "jb-tail": "tight"}[r.dropped]

    assert keep((2, (0, 0, 442, 300))) == "normal"
    assert keep((2, (0, 0, 442, 620))) == "tight"  # only the tight rows clear the body
    assert keep((1, (0, 0, 442, 700))) == "normal"  # alone on its page: normal rows
    # even the tight rows overlap: a page of its own (second pass)
    assert _tail_overlaps(_Dropping(3, {"jb-end": (2, (0, 0, 442, 640)), "jb-tail": (2, normal),
                                        "jb-tail-tight": (2, tight)}))


def test_tight_tail_rows_keep_the_last_rule_on_the_text_bottom(tmp_path):
    from composer.formats import pdf_engine
    from composer.render import html
    from composer.workspace import open_workspace

    ws = open_workspace(write_files(tmp_path / "ws", base_files()))
    issue, _ = ws.load_issue("2024-03")
    roots = [issue.path, html.DEFAULT_LAYOUT, *_font_roots()]
    doc = pdf_engine.render_document(html.render(ws, issue, variant="print"), base_url=issue.path,
                                     allowed_roots=roots)
    (_, (_, top, _, bottom)), (_, (_, ttop, _, tbottom)) = doc.anchor("jb-tail"), doc.anchor("jb-tail-tight")
    assert abs(bottom - (297 - 35) * MM) < 0.5 and abs(tbottom - bottom) < 0.1  # both on the 版心 bottom
    assert abs((tbottom - ttop) - (bottom - top) * 1.25 / 1.7) < 3
    assert doc.drop("jb-tail-tight") and not doc.drop("jb-tail-tight")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.write_pdf())).pages)
    assert text.count("（共印50份）") == 1  # one 报尾 drawn


def test_tail_break_variant_puts_the_tail_on_its_own_page(tmp_path):
    from pypdf import PdfReader

    from composer.formats import pdf_engine
    from composer.render import html
    from composer.workspace import open_workspace

    ws = open_workspace(write_files(tmp_path / "ws", base_files()))
    issue, _ = ws.load_issue("2024-03")
    page = html.render(ws, issue, variant="print", tail_break=True)
    assert 'class="tail-wrap tail-break"' in page
    doc = pdf_engine.render_document(page, base_url=issue.path, allowed_roots=[issue.path, html.DEFAULT_LAYOUT,
                                                                              *_font_roots()])
    end, tail = doc.anchor("jb-end"), doc.anchor("jb-tail")
    assert tail[0] == doc.page_count - 1 and end[0] < tail[0]
    assert PdfReader(__import__("io").BytesIO(doc.write_pdf())).pages


def _font_roots():
    from composer import fonts

    cache = fonts.cache_dir()
    return [cache / "fonts"] if cache else []


def test_engine_problem_stops_the_build_with_J501(make_ws, monkeypatch):
    from composer.formats import pdf_engine

    monkeypatch.setattr(pdf_engine, "engine_problems", lambda: ["HarfBuzz subsetting is not installed"])
    root = make_ws()
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf"])
    assert res.exit_code == 1
    assert "error[J501 render]: PDF: HarfBuzz subsetting is not installed" in res.output
    assert not (root / "build").exists()


def test_no_title_stranded_at_a_page_foot_with_one_line(tmp_path):
    """27 one-line paragraphs put the second title on page 2's last lines with room for one
    line of its text (measured without the rule): the title moves to the next page instead."""
    files = {k: v for k, v in base_files().items() if not (k.startswith("issues/2024-03/") and k.endswith(".md"))}
    head = "---\ntitle: {t}\nkind: 信息\ncredits: [\"利用科\"]\nsection: 工作动态\norder: {o}\n---\n"
    files["issues/2024-03/01-a.md"] = head.format(t="第一篇文章", o=1) + "\n\n".join(["市自然资源和规划局围绕重点工作持续发力。"] * 27) + "\n"
    files["issues/2024-03/02-b.md"] = head.format(t="第二篇文章标题", o=2) + "一二三四五六七八九十" * 8 + "\n"
    root = write_files(tmp_path / "ws", files)
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    from pypdf import PdfReader

    for page in PdfReader(str(tmp_path / "2024-03.pdf")).pages:
        text = page.extract_text()
        if "第二篇文章标题" in text:
            after = [x for x in text.split("第二篇文章标题")[1].splitlines() if x.strip() and "—" not in x]
            assert len(after) >= 2, after
            break
    else:
        raise AssertionError("second title not found")
