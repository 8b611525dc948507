"""Issue → editable DOCX (python-docx), styled the 简报 way.

Every paragraph carries one of the named styles below; the styles carry the
fonts (``w:eastAsia`` = the official face names, no theme fonts), sizes,
spacing and alignment.  Direct formatting is limited to bold/italic runs and
the 编者按 label.  The style NAMES are a contract with the DOCX importer.
All XML work is in :mod:`composer.formats.docx_oxml`.
"""

from __future__ import annotations

import datetime as dt
import io
import math

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.image.exceptions import UnrecognizedImageError
from docx.shared import Emu, Pt, RGBColor, Twips

from composer.diagnostics import Diagnostic, JianbaoError
from composer.formats import docx_oxml as ox
from composer.render.form import (
    C_CREDIT,
    C_HEI,
    C_KAI,
    S_BODY,
    S_BRIEF,
    S_CAPTION,
    S_CREDIT,
    S_EDITION,
    S_FIGURE,
    S_H1,
    S_H2,
    S_LIST,
    S_MASTHEAD,
    S_NOTE,
    S_NUMBER,
    S_PAGE,
    S_SECTION,
    S_SUBTITLE,
    S_TABLE,
    S_TAIL,
    S_TITLE,
    TitleBreaker,
    masthead_size,
    with_break_spaces,
    note_paragraphs,
    number_text,
)
from composer.model import (
    KIND_BRIEF,
    printed_section,
    printed_subtitle,
    Heading,
    Image,
    Issue,
    Item,
    ListBlock,
    Paragraph,
    Span,
    Table,
    chinese_date,
    credit_line,
)

name = "docx"
suffix = ".docx"

# official face names written into w:eastAsia (LAYOUT.md §4)
XBS = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
LATIN = "Times New Roman"

# fontTable.xml: (name, w:altName, charset, family, pitch, panose); 86 = GB2312.  Word and WPS
# substitute the altName when the named face is missing (仿宋_GB2312 → 仿宋 on Windows 7 and later)
FONT_TABLE = (
    (FANGSONG, "仿宋", "86", "modern", "fixed", "02010609030101010101"),
    (XBS, "华文中宋", "86", "script", "variable", "02000000000000000000"),
    (HEITI, "SimHei", "86", "modern", "fixed", "02010609060101010101"),
    (KAITI, "楷体", "86", "modern", "fixed", "02010609030101010101"),
    (SONGTI, "SimSun", "86", "auto", "variable", "02010600030101010101"),
    (LATIN, "", "00", "roman", "variable", "02020603050405020304"),
)

BRIEF_MARK = "▲"
MASTHEAD_RED = "FF0000"
BODY_PT = 16.0
TAIL_PT = 14.0  # 四号
LINE = ox.LINE_PITCH  # twips
TEXT_W_PT = ox.TEXT_W / 20  # 442.25 pt
INDENT_TW = 632  # 2 × 15.79 pt: two grid characters
FOOTER_TW = 1446  # 25.5 mm: the dash centre line ≈ 7 mm below the 版心
# 报尾 rows in 17.5 pt lines, the PDF's tight rows (14 pt × 1.25): Word and LibreOffice place the
# pinned box without jianbao seeing the page, so it is as small as legible rows allow and shares
# the last text page whenever the PDF's tight rows would (an imported issue's 6-line 报尾 in
# 24 pt rows took a page of its own below 18 lines of text)
TAIL_LINE_TW = 350

# (name, style id, east-asian face, latin face, size pt, options)
_STYLES = (
    (S_MASTHEAD, "JbMasthead", XBS, XBS, 42, {"align": "center", "grid": False, "red": True, "line": None,
                                              "before": Pt(71)}),
    (S_NUMBER, "JbNumber", FANGSONG, LATIN, 16, {"align": "center", "before": Pt(12)}),
    (S_EDITION, "JbEdition", FANGSONG, LATIN, 16, {"after": Twips(LINE)}),
    (S_NOTE, "JbNote", KAITI, KAITI, 16, {"align": "both", "indent": True}),
    (S_SECTION, "JbSection", HEITI, HEITI, 16, {"align": "center", "before": Twips(LINE), "next": True}),
    (S_TITLE, "JbTitle", XBS, XBS, 22, {"align": "center", "grid": False, "before": Twips(LINE),
                                        "after": Twips(LINE), "next": True, "outline": 0}),
    (S_SUBTITLE, "JbSubtitle", KAITI, KAITI, 16, {"align": "center", "after": Twips(LINE), "next": True}),
    (S_BODY, "JbBody", FANGSONG, LATIN, 16, {"align": "both", "indent": True}),
    (S_H1, "JbHeading1", HEITI, HEITI, 16, {"indent": True, "next": True, "outline": 1}),
    (S_H2, "JbHeading2", KAITI, KAITI, 16, {"indent": True, "next": True, "outline": 2}),
    (S_LIST, "JbList", FANGSONG, LATIN, 16, {"align": "both", "indent": True}),
    (S_BRIEF, "JbBrief", FANGSONG, LATIN, 16, {"align": "both", "indent": True}),
    (S_CREDIT, "JbCredit", KAITI, KAITI, 16, {"align": "right"}),
    (S_TAIL, "JbTail", FANGSONG, LATIN, 14, {"grid": False, "line": TAIL_LINE_TW}),
    (S_TABLE, "JbTable", FANGSONG, LATIN, 14, {"grid": False, "line": 400}),
    (S_FIGURE, "JbFigure", FANGSONG, LATIN, 16, {"align": "center", "line": None, "next": True}),
    (S_CAPTION, "JbCaption", KAITI, KAITI, 14, {"align": "center", "grid": False, "line": 420}),
    (S_PAGE, "JbPageNumber", SONGTI, SONGTI, 14, {"grid": False, "line": 280}),
)

# character styles: (name, style id, east-asian face, latin face)
_CHAR_STYLES = (
    (C_HEI, "JbHei", HEITI, HEITI),  # lead-ins: 黑体, not bold (GB/T 9704 wants no faux bold)
    (C_KAI, "JbKai", KAITI, KAITI),
    (C_CREDIT, "JbCreditRun", KAITI, KAITI),  # a ▲ brief's inline credit, 楷体 as in the PDF
)

_ALIGN = {
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
}


# ---------------------------------------------------------------- document set-up

def _setup(doc, masthead_pt: float) -> dict:
    """Defaults, Normal and the named styles; returns name → style."""
    ox.prune_template(doc)
    ox.strip_theme_fonts(doc)
    ox.doc_defaults(doc, FANGSONG, LATIN, BODY_PT, LINE)
    ox.settings_zh(doc)
    ox.font_table(doc, FONT_TABLE)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)  # docGrid charSpace is relative to Normal's size
    ox.set_fonts(normal, FANGSONG, LATIN)
    ox.set_lang(normal, "zh-CN")
    ox.set_char_scale(normal, ox.SCALE)  # 28 characters a line (see docx_oxml.SCALE)
    normal.paragraph_format.widow_control = False  # 22 lines on every full page
    styles = {}
    for sname, sid, face, latin, size, opt in _STYLES:
        st = doc.styles.add_style(sname, WD_STYLE_TYPE.PARAGRAPH)
        st.style_id = sid
        st.base_style = normal
        st.quick_style = True
        st.font.size = Pt(masthead_pt if sname == S_MASTHEAD else size)
        ox.set_fonts(st, face, latin)
        if opt.get("red"):
            st.font.color.rgb = RGBColor.from_string(MASTHEAD_RED)
        pf = st.paragraph_format
        if "align" in opt:
            pf.alignment = _ALIGN[opt["align"]]
        line = opt.get("line", LINE)
        if line is None:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            ox.set_exact_line(st, line)
        if "before" in opt:
            pf.space_before = opt["before"]
        if "after" in opt:
            pf.space_after = opt["after"]
        if opt.get("next"):
            pf.keep_with_next = True
        if opt.get("indent"):
            ox.set_first_line_chars(st, 200, INDENT_TW)
        if opt.get("grid") is False:
            ox.set_snap_to_grid(st, False)
            ox.set_char_scale(st, 100)
        if "outline" in opt:
            ox.set_outline_level(st, opt["outline"])
        styles[sname] = st
    for cname, cid, face, latin in _CHAR_STYLES:
        cs = doc.styles.add_style(cname, WD_STYLE_TYPE.CHARACTER)
        cs.style_id = cid
        cs.quick_style = True
        ox.set_fonts(cs, face, latin)
        styles[cname] = cs
    # the credit's characters are joined by U+2060, which LibreOffice honours only outside its
    # Chinese line breaker: a Western east-Asian language (no proofing) for this one style
    ox.set_lang(styles[C_CREDIT], "en-US")
    ox.set_no_proof(styles[C_CREDIT])
    # style-specific layout
    ed = styles[S_EDITION].paragraph_format
    # 左空一字 and 右空一字 by tab stops, not indents: the red rule under it spans the full 156 mm
    ed.tab_stops.add_tab_stop(Pt(BODY_PT), WD_TAB_ALIGNMENT.LEFT)
    ed.tab_stops.add_tab_stop(Pt(TEXT_W_PT - BODY_PT), WD_TAB_ALIGNMENT.RIGHT)
    ox.para_border(styles[S_EDITION], "bottom", sz=12, color=MASTHEAD_RED, space=4)
    tail = styles[S_TAIL].paragraph_format
    tail.left_indent = Pt(TAIL_PT * 3)  # 左空一字, wrapped lines aligned after “报：”
    tail.first_line_indent = Pt(-TAIL_PT * 2)
    tail.right_indent = Pt(TAIL_PT)  # 右空一字
    tail.tab_stops.add_tab_stop(Pt(TEXT_W_PT - TAIL_PT), WD_TAB_ALIGNMENT.RIGHT)  # 共印N份
    tail.keep_together = True
    styles[S_TABLE].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles[S_BRIEF].paragraph_format.tab_stops.add_tab_stop(Pt(TEXT_W_PT), WD_TAB_ALIGNMENT.RIGHT)  # ▲ credits
    return styles


def _page(doc, styles) -> None:
    sec = doc.sections[0]
    ox.page_setup(sec, footer_twips=FOOTER_TW)
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((sec.footer, "right"), (sec.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        _style(p, styles[S_PAGE])
        p.alignment = _ALIGN[align]
        if align == "right":
            p.paragraph_format.right_indent = Pt(14)  # 空一字 at 四号
        else:
            p.paragraph_format.left_indent = Pt(14)
        p.add_run("— ")
        ox.add_page_field(p.add_run())
        p.add_run(" —")


def _core(doc, issue: Issue, pub) -> None:
    cp = doc.core_properties
    cp.title = f"{pub.name}第{issue.number}期"
    cp.author = pub.office
    cp.last_modified_by = pub.office
    created = dt.datetime.combine(issue.date, dt.time(0, 0))
    cp.created = created
    cp.modified = created
    cp.language = "zh-CN"
    cp.comments = ""
    cp.subject = pub.name
    cp.revision = 1


# ---------------------------------------------------------------- content

# style ids by name: python-docx looks a style up among all ~160 of the template's for
# every paragraph or run given a style (3 ms each, half the DOCX's time); ids need no lookup
_IDS = {name: sid for name, sid, *_ in _STYLES} | {name: cid for name, cid, *_ in _CHAR_STYLES}


def _style(obj, style) -> None:
    """Give a paragraph or run one of the styles defined here (a style object or a name)."""
    ox.apply_style(obj, _IDS[style if isinstance(style, str) else style.name])


def _add(container, style):
    p = container.add_paragraph()
    _style(p, style)
    return p


def _run(p, text: str, style: str | None = None):
    r = p.add_run(text)
    if style:
        _style(r, style)
    return r


def _runs(p, spans: tuple[Span, ...]) -> None:
    """Spans as runs: **bold** in the 黑体 character style, *italic* in the 楷体 one (as the PDF)."""
    for s in spans:
        style = C_HEI if s.bold else C_KAI if s.italic else None
        _run(p, s.text, style)


def _para(doc, style, text: str = "", spans: tuple[Span, ...] = ()):
    p = _add(doc, style)
    if text:
        p.add_run(text)
    if spans:
        _runs(p, spans)
    return p


def _lines_para(doc, style, lines: list[str]):
    """A paragraph of pre-broken lines (balanced titles): manual line breaks between them."""
    p = _add(doc, style)
    for i, line in enumerate(lines):
        r = p.add_run(line)
        if i < len(lines) - 1:
            r.add_break()
    return p


def _image(doc, styles, block: Image) -> None:
    if block.path is None:
        return  # refused by check (remote/outside); never fetched
    _picture(doc, styles, block)
    if block.alt:
        _para(doc, styles[S_CAPTION], block.alt)  # the caption, as the PDF's figcaption


def _picture(doc, styles, block: Image) -> None:
    p = _add(doc, styles[S_FIGURE])
    try:
        pic = p.add_run().add_picture(str(block.path))
    except (OSError, UnrecognizedImageError) as e:
        raise JianbaoError(
            f"cannot put image {block.src} into the DOCX",
            (Diagnostic(block.source, "J501", f"image {block.src!r} cannot be read ({type(e).__name__})",
                        "use a PNG, JPEG, GIF or BMP file"),),
        ) from e
    max_w = Emu(Pt(TEXT_W_PT))
    max_h = Emu(Pt(600))
    scale = min(1.0, max_w / pic.width if pic.width else 1.0, max_h / pic.height if pic.height else 1.0)
    if scale < 1.0:
        pic.width, pic.height = Emu(int(pic.width * scale)), Emu(int(pic.height * scale))


def _table(doc, styles, block: Table) -> None:
    if not block.rows:
        return
    ncols = max(len(r) for r in block.rows)
    align = tuple(block.align) + ("",) * ncols
    t = doc.add_table(rows=len(block.rows), cols=ncols)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    ox.table_grid(t, ox.TEXT_W)
    col_w = Twips(ox.TEXT_W // ncols)
    for i, row in enumerate(block.rows):
        cells = t.rows[i].cells
        for j in range(ncols):
            cell = cells[j]
            cell.width = col_w
            p = cell.paragraphs[0]
            _style(p, styles[S_TABLE])
            head = block.header and i == 0
            _run(p, row[j] if j < len(row) else "", C_HEI if head else None)
            # header cells centred; body cells as the Markdown column says (the style centres)
            want = "center" if head else (align[j] or "left")
            if want != "center":
                p.alignment = _ALIGN[want]


def _blocks(doc, styles, item: Item) -> None:
    levels = sorted({b.level for b in item.blocks if isinstance(b, Heading)})
    for b in item.blocks:
        if isinstance(b, Paragraph):
            _para(doc, styles[S_BODY], spans=b.spans)
        elif isinstance(b, Heading):
            style = S_H1 if b.level == levels[0] else S_H2
            _para(doc, styles[style], spans=b.spans)
        elif isinstance(b, ListBlock):
            for n, spans in enumerate(b.items, 1):
                p = _add(doc, styles[S_LIST])
                p.add_run(f"{n}." if b.ordered else "• ")
                _runs(p, spans)
        elif isinstance(b, Table):
            _table(doc, styles, b)
        elif isinstance(b, Image):
            _image(doc, styles, b)


def _article(doc, styles, item: Item, breaker) -> None:
    title = _lines_para(doc, styles[S_TITLE], with_break_spaces(item.title, breaker.title_lines(item.title)))
    if item.subtitle:
        title.paragraph_format.space_after = Pt(0)  # the subtitle follows directly, as in the PDF
        sub = printed_subtitle(item.subtitle)
        _lines_para(doc, styles[S_SUBTITLE], with_break_spaces(sub, breaker.subtitle_lines(sub)))
    _blocks(doc, styles, item)
    if item.credits:
        last = doc.paragraphs[-1] if doc.paragraphs else None
        if last is not None and last.style.name in (S_BODY, S_LIST, S_H1, S_H2):
            last.paragraph_format.keep_with_next = True  # the credit never alone at the top of a page
        _para(doc, styles[S_CREDIT], credit_line(item.credits))


def _brief(doc, styles, item: Item, breaker=None) -> None:
    """▲ + text + credit, one paragraph for each of its paragraphs (as the PDF); other blocks follow.

    The credit is one unbreakable run.  When jianbao's model of the lines leaves it room
    on the last line, it follows the text after a tab to the right margin: flush right
    there, and flush right on the next line if Word or LibreOffice breaks the text a
    little differently.  Otherwise it is a flush-right 署名 paragraph of its own, kept
    with the text, so the line above keeps its natural width as in the PDF.
    """
    paras = [b for b in item.blocks if isinstance(b, Paragraph)]
    text = "".join(b.text for b in paras)
    first = [Span(text=BRIEF_MARK)]
    if item.title and not text.lstrip().startswith(item.title):
        first += [Span(text=item.title, bold=True), Span(text="　")]  # a titled brief file: a 黑体 lead-in
    groups = [tuple(first) + b.spans if i == 0 else b.spans for i, b in enumerate(paras)] or [tuple(first)]
    p = None
    for spans in groups:
        p = _add(doc, styles[S_BRIEF])
        _runs(p, spans)
    if item.credits:
        credit = credit_line(item.credits)
        if breaker is not None and _credit_fits(breaker.measure, groups[-1], credit):
            _run(p, "\t" + unbreakable(credit), C_CREDIT)  # to the right tab stop of 简讯
        else:
            p.paragraph_format.keep_with_next = True  # the credit never alone at the top of a page
            _run(_add(doc, styles[S_CREDIT]), unbreakable(credit), C_CREDIT)
    rest = [b for b in item.blocks if not isinstance(b, Paragraph)]
    if rest:
        from dataclasses import replace

        _blocks(doc, styles, replace(item, blocks=tuple(rest)))


WORD_JOINER = "\u2060"
NAME_SPACE = "\u2002"  # between credited names: LibreOffice breaks at a no-break space
CREDIT_SLACK_EM = 0.5  # room an inline credit must leave on the modelled last line
# Latin and digits set wide, as where Times New Roman is replaced by DejaVu Serif (0.64 em digits,
# 0.95 em %; Times New Roman's are 0.5 and 0.83): a Linux office's LibreOffice
LATIN_EM, PERCENT_EM = 0.64, 0.95


def unbreakable(credit: str) -> str:
    """A credit no line break can split: word joiners between its characters.

    LibreOffice breaks Chinese text anywhere outside its kinsoku lists and ignores
    joiners there, so the 署名字 style gives the credit a Western east-Asian
    language (its lines are then broken by the Unicode rules, which honour U+2060).
    """
    return WORD_JOINER.join(credit.replace(" ", NAME_SPACE))


def _credit_fits(measure, spans, credit: str) -> bool:
    """Whether ``credit`` fits after the paragraph's text on its last line, leaving CREDIT_SLACK_EM.

    jianbao's line breaker set up like LibreOffice: 98 % glyphs, wide digits, a closing mark
    pulled down rather than hung, a break allowed after a hyphen (2021- ⏎ 2035), lines a
    little short of the measure.
    """
    from composer.render.justify import Run, break_lines

    def em(role: str, cluster: str) -> float:
        if cluster == ZWSP:
            return 0.0
        if cluster[:1].isascii() and not cluster.isspace():  # digits and Latin words: set wide
            return sum(PERCENT_EM if c == "%" else LATIN_EM for c in cluster)
        return measure(role, cluster)

    size = BODY_PT * ox.SCALE / 100
    runs = [Run(s.text.replace("-", "-" + ZWSP), "heading" if s.bold else "kai" if s.italic else "body")
            for s in spans]
    width = TEXT_W_PT - MODEL_SHORT_PT
    lines = break_lines([*runs, Run(credit, "kai", credit=True)], em, width=width, indent=2 * size, size=size,
                        squeeze=0.0)
    last = lines[-1]
    return not last.right and last.natural + CREDIT_SLACK_EM * size <= width


ZWSP = "\u200b"  # a break opportunity in the model only
MODEL_SHORT_PT = 1.5  # LibreOffice wrapped a line that fitted the model to 0.05 pt


def _masthead(doc, styles, issue: Issue, pub) -> None:
    _para(doc, styles[S_MASTHEAD], pub.name)
    _para(doc, styles[S_NUMBER], number_text(issue))
    _para(doc, styles[S_EDITION], f"\t{pub.office}\t{chinese_date(issue.date)}")


def _editor_note(doc, styles, note: str) -> None:
    for n, text in enumerate(note_paragraphs(note)):
        p = _add(doc, styles[S_NOTE])
        if n == 0:
            _run(p, "编者按：", C_HEI)
        p.add_run(text)


def _tail(doc, styles, pub) -> None:
    """报尾: 报/送/发 rows between rules, 共印N份 right on the last row (or its own row).

    A one-column table (rules: top and bottom 0.35 mm, between rows 0.25 mm,
    each drawn once, 156 mm long) inside a text box pinned to the bottom of
    the text area of the page where the body ends (docx_oxml.bottom_text_box),
    anchored in an empty one-point paragraph after the last item: when the
    body leaves no room, the anchor and the 报尾 go to the next page.
    """
    rows = [f"{label}：{'，'.join(names)}。" for label, names in pub.distribution if names]
    run_text = f"（共印{pub.print_run}份）" if pub.print_run else ""
    if not rows and not run_text:
        return
    if run_text and (not rows or not _fits_beside(rows[-1], run_text)):
        rows.append("")  # the print run does not fit beside the last row
    table = doc.add_table(rows=len(rows), cols=1)
    ox.fixed_table(table, ox.TEXT_W)
    ox.table_rules(table, outer=8, inner=6)
    ox.table_cell_margins(table, 0, 0)
    lines = 0
    for i, text in enumerate(rows):
        cell = table.rows[i].cells[0]
        cell.width = Twips(ox.TEXT_W)
        ox.repeat_header_row(table.rows[i], header=False)
        p = cell.paragraphs[0]
        _style(p, styles[S_TAIL])
        if run_text and i == len(rows) - 1:
            p.add_run(f"{text}\t{run_text}" if text else run_text)
            if not text:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p.add_run(text)
        lines += _tail_lines(text)
    closing = _add(doc, styles[S_TAIL])  # a text box's content ends with a paragraph
    ox.tail_anchor(closing)
    anchor = _add(doc, styles[S_TAIL])
    ox.tail_anchor(anchor)
    # the box's height (LibreOffice does not grow it to its content): rows and rules (sz/8 pt)
    height = lines * TAIL_LINE_TW + 2 * 20 + (len(rows) - 1) * 15
    ox.bottom_text_box(anchor.add_run(), [table, closing], ox.TEXT_W, height, S_TAIL)


def _tail_lines(row: str) -> int:
    """Lines a 报尾 row takes (full-width characters 1 em, ASCII ½ em)."""
    em = sum(0.5 if c.isascii() else 1.0 for c in row) * TAIL_PT
    first = TEXT_W_PT - 2 * TAIL_PT
    later = first - 2 * TAIL_PT
    return 1 if em <= first else 1 + math.ceil((em - first) / later)


def _fits_beside(row: str, run_text: str) -> bool:
    """Whether 共印N份 fits on the last line of ``row`` (full-width characters 1 em, ASCII ½ em)."""
    em = lambda t: sum(0.5 if c.isascii() else 1.0 for c in t) * TAIL_PT  # noqa: E731
    first = TEXT_W_PT - 2 * TAIL_PT  # 左空一字, 右空一字
    later = first - 2 * TAIL_PT  # wrapped lines start after “报：”
    used = em(row)
    if used > first:
        used = (used - first) % later + 2 * TAIL_PT
    return used + TAIL_PT + em(run_text) <= first


def build_document(ws, issue: Issue):
    """The python-docx Document for an issue (before saving)."""
    pub = ws.publication
    doc = Document()
    styles = _setup(doc, math.floor(masthead_size(pub.name) * 2) / 2)  # Word sizes are half points
    _page(doc, styles)
    _core(doc, issue, pub)
    breaker = TitleBreaker(pub)
    # python-docx's template starts with no paragraphs; everything is appended in order
    _masthead(doc, styles, issue, pub)
    if issue.editor_note:
        _editor_note(doc, styles, issue.editor_note)
    sections = issue.grouped()
    for section in sections:
        if section.name and len(sections) > 1:  # as the PDF: a lone section needs no head
            _para(doc, styles[S_SECTION], printed_section(section.name))
        for item in section.items:
            (_brief if item.kind == KIND_BRIEF else _article)(doc, styles, item, breaker)
    _tail(doc, styles, pub)
    return doc


def render(ws, issue: Issue) -> bytes:
    doc = build_document(ws, issue)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
