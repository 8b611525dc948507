"""The 通报 as a 公文-layout DOCX (GB/T 9704): python-docx proxies plus formats.docx_oxml.

Page 1: title (二号小标宋), 主送, body (三号仿宋, 左空二字), 附件说明, signature
and date; then the 附件 on a new page (``附件`` in 三号黑体, its title centred),
the group tables with merged header rows, and the itemized lists.  The Golmud
form's wide table gets a landscape section.  Every paragraph uses a named style
whose fonts name the official faces in the East Asian slot.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt, Twips

from composer.formats import docx_oxml as ox
from composer.reports import content
from composer.reports.content import Para, TableSpec

FANGSONG, XBS, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
LATIN = "Times New Roman"
CHAR = 15.793  # pt: one 三号 character on the 28-character grid
NOTE_PT = 14.0  # 四号 notes under the tables
SMALL_TABLE_PT = 9.0  # 小五: tables of 18 columns
TEXT_W_PT = ox.TEXT_W / 20
FOOTER_TW = 1446  # 25.5 mm: the page number's dash line 7 mm below the 版心
KEEP_STYLE = "不断行"  # character style of a unit line's figure groups (累计7分）)
WORD_JOINER = "\u2060"

# style id -> Chinese style name an editor sees in Word/WPS (as the bulletin's 正文, 署名 …)
STYLE_NAMES = {
    "GwTitle": "公文标题", "GwAddressee": "主送机关", "GwBody": "公文正文", "GwH1": "一级标题",
    "GwH2": "二级标题", "GwAttachNote": "附件说明", "GwSignature": "发文机关署名", "GwDate": "成文日期",
    "GwAttachLabel": "附件标识", "GwAttachTitle": "附件标题", "GwTableTitle": "表格标题",
    "GwGroupHeading": "分类标题", "GwUnit": "单位情况", "GwItem": "采用条目", "GwNote": "表注",
    "GwTableHead": "表头", "GwTableCell": "表格数字", "GwTableUnit": "表格单位", "GwFooter": "公文页码",
}

# style id -> (east asian font, size pt, alignment, first-line chars, snap to grid)
STYLES = {
    "GwTitle": (XBS, 22, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    "GwAddressee": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.JUSTIFY, 0, True),
    "GwBody": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, True),
    "GwH1": (HEITI, 16, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, True),
    "GwH2": (KAITI, 16, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, True),
    "GwAttachNote": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.LEFT, 2, True),
    "GwSignature": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.RIGHT, 0, True),
    "GwDate": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.RIGHT, 0, True),
    "GwAttachLabel": (HEITI, 16, WD_ALIGN_PARAGRAPH.LEFT, 0, True),
    "GwAttachTitle": (XBS, 22, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    "GwTableTitle": (KAITI, 16, WD_ALIGN_PARAGRAPH.LEFT, 0, True),
    "GwGroupHeading": (HEITI, 16, WD_ALIGN_PARAGRAPH.CENTER, 0, True),
    "GwUnit": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, True),
    "GwItem": (FANGSONG, 16, WD_ALIGN_PARAGRAPH.LEFT, 0, True),
    "GwNote": (FANGSONG, 14, WD_ALIGN_PARAGRAPH.LEFT, 0, False),
    "GwTableHead": (HEITI, 10.5, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    "GwTableCell": (FANGSONG, 10.5, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    "GwTableUnit": (FANGSONG, 10.5, WD_ALIGN_PARAGRAPH.LEFT, 0, False),
    "GwFooter": (SONGTI, 14, None, 0, False),
}
STYLE_OF = {
    content.TITLE: "GwTitle", content.ADDRESSEE: "GwAddressee", content.BODY: "GwBody",
    content.H1: "GwH1", content.H2: "GwH2", content.ATTACH_NOTE: "GwAttachNote",
    content.SIGNATURE: "GwSignature", content.DATE: "GwDate", content.ATTACH_LABEL: "GwAttachLabel",
    content.ATTACH_TITLE: "GwAttachTitle", content.TABLE_TITLE: "GwTableTitle",
    content.GROUP_HEADING: "GwGroupHeading", content.UNIT: "GwUnit", content.ITEM: "GwItem",
    content.NOTE: "GwNote",
}


def _styles(doc) -> None:
    ox.strip_theme_fonts(doc)
    ox.doc_defaults(doc, FANGSONG, LATIN, 16, ox.LINE_PITCH)
    ox.settings_zh(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    ox.set_fonts(normal, FANGSONG, LATIN)
    normal.paragraph_format.widow_control = False
    ox.set_auto_space(normal, False)
    for sid, (face, size, align, indent, snap) in STYLES.items():
        st = doc.styles.add_style(STYLE_NAMES[sid], WD_STYLE_TYPE.PARAGRAPH)
        st.style_id = sid
        st.base_style = normal
        st.quick_style = True
        st.font.size = Pt(size)
        st.font.bold = False
        ox.set_fonts(st, face, LATIN if face == FANGSONG else face)
        pf = st.paragraph_format
        if align is not None:
            pf.alignment = align
        if indent:
            ox.set_first_line_chars(st, indent * 100, round(indent * CHAR * 20))
        if not snap:
            ox.set_snap_to_grid(st, False)
        if size == 22:
            ox.set_exact_line(st, 700)  # 35 pt for 二号 titles
        elif size <= 10.5:
            ox.set_exact_line(st, 300)  # 15 pt in table cells
        elif size == 14:
            ox.set_exact_line(st, 500)
    st = _style
    _keep_style(doc)
    for sid in ("GwH1", "GwTableTitle", "GwGroupHeading", "GwUnit"):
        doc.styles[st(sid)].paragraph_format.keep_with_next = True
    for sid in ("GwUnit", "GwItem", "GwNote"):  # no last line alone at the top of a page
        doc.styles[st(sid)].paragraph_format.widow_control = True
    item = doc.styles[st("GwItem")].paragraph_format
    item.tab_stops.add_tab_stop(Pt(TEXT_W_PT), WD_TAB_ALIGNMENT.RIGHT)
    doc.styles[st("GwAttachTitle")].paragraph_format.space_after = Pt(28.95)
    # 注：1、… and 2、… start at the same place: every note is indented by the width of 注：,
    # and the first one's 注： hangs into that indent
    note = doc.styles[st("GwNote")].paragraph_format
    note.left_indent = Pt(2 * NOTE_PT)
    note.first_line_indent = Pt(0)


def _keep_style(doc) -> None:
    """不断行: a character style for groups no line may split.  LibreOffice breaks Chinese text
    anywhere outside its kinsoku lists and ignores word joiners there, so the style gives the
    group a Western east-Asian language (no proofing); the Unicode rules then honour U+2060."""
    cs = doc.styles.add_style(KEEP_STYLE, WD_STYLE_TYPE.CHARACTER)
    cs.style_id = "GwKeep"
    ox.set_lang(cs, "en-US")
    ox.set_no_proof(cs)


def _style(sid: str) -> str:
    """The style name (what python-docx looks up) of a style id."""
    return STYLE_NAMES[sid]


def _footers(section) -> None:
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = _style("GwFooter")
        p.alignment = align
        pf = p.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(14)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            pf.right_indent = Pt(14)
        else:
            pf.left_indent = Pt(14)
        p.add_run("— ")
        ox.add_page_field(p.add_run())
        p.add_run(" —")


def _para(doc, p: Para):
    par = doc.add_paragraph(style=_style(STYLE_OF[p.style]))
    if p.style == content.UNIT:
        _unit_runs(par, p.text)
    else:
        par.add_run(p.text)
    if p.label:
        if content.label_needs_new_line(p.text, p.label):
            par.add_run().add_break()
        par.add_run("\t" + p.label)
    if p.style == content.NOTE and p.text.startswith("注"):
        par.paragraph_format.first_line_indent = Pt(-2 * NOTE_PT)  # 注： hangs
    return par


def _unit_runs(par, text: str) -> None:
    """A unit's summary line with the PDF's unbreakable groups (累计7分）, 5分 …) glued by word
    joiners in the 不断行 character style, so LibreOffice and Word never print 累计7 ⏎ 分）."""
    from composer.reports.pdf_report import unit_runs

    for run in unit_runs(text):
        if run.keep:
            par.add_run(WORD_JOINER.join(run.text), style=KEEP_STYLE)
        else:
            par.add_run(run.text)


def _cover(doc, rd: content.ReportDoc) -> None:
    doc.add_paragraph(style=_style("GwTitle"))  # two blank lines above the title stand for the 版头
    for line in content.title_lines(rd.title):
        doc.add_paragraph(line, style=_style("GwTitle"))
    doc.add_paragraph(style=_style("GwAddressee"))  # one blank line between title and 主送
    for p in rd.cover:
        if p.style == content.ATTACH_NOTE:
            doc.add_paragraph(style=_style("GwBody"))
        _para(doc, p)
    doc.add_paragraph(style=_style("GwBody"))
    doc.add_paragraph(style=_style("GwBody"))
    sig_r, date_r = content.signature_indents(rd.signature, rd.date)
    if rd.signature:
        sp = doc.add_paragraph(rd.signature, style=_style("GwSignature"))
        sp.paragraph_format.right_indent = Pt(sig_r * CHAR)
    dp = doc.add_paragraph(rd.date, style=_style("GwDate"))
    dp.paragraph_format.right_indent = Pt(date_r * CHAR)


def _lines(paragraph, lines: tuple[str, ...], size: float | None = None) -> None:
    """Text with manual line breaks where the planned lines end (stacked headers, long names)."""
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        if size is not None:
            run.font.size = Pt(size)
        if i < len(lines) - 1:
            run.add_break()


def _table(doc, spec: TableSpec, width_tw: int) -> None:
    n_rows = spec.header_rows + len(spec.rows) + (1 if spec.total else 0)
    table = doc.add_table(rows=n_rows, cols=spec.columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    ox.table_grid(table, width_tw, sz=4)
    ox.table_cell_margins(table, 20, 20)
    total_w = sum(spec.widths)
    widths = [round(width_tw * w / total_w) for w in spec.widths]
    # the Golmud form's 18 columns are set in 小五 (9 pt), as in the PDF; the others in 五号
    size = SMALL_TABLE_PT if spec.columns >= 18 else STYLES["GwTableHead"][1]
    caps = content.column_capacities(spec, width_tw / 20, size, 1.0)  # 20 twips = 1 pt cell margins
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Twips(widths[i])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for i, col in enumerate(table.columns):
        col.width = Twips(widths[i])
    for h in spec.header:
        cell = table.cell(h.row, h.col)
        if h.rowspan > 1 or h.colspan > 1:
            cell = cell.merge(table.cell(h.row + h.rowspan - 1, h.col + h.colspan - 1))
        p = cell.paragraphs[0]
        p.style = _style("GwTableHead")
        _lines(p, content.header_lines(h, caps, 2.0 / size), size)
    for r in range(spec.header_rows):
        ox.repeat_header_row(table.rows[r])
        for cell in table.rows[r].cells:
            cell.paragraphs[0].style = _style("GwTableHead")
    rows = list(spec.rows) + ([spec.total] if spec.total else [])
    for i, values in enumerate(rows):
        row = table.rows[spec.header_rows + i]
        row.height = Pt(20)
        is_total = spec.total is not None and i == len(rows) - 1
        for c, v in enumerate(values):
            p = row.cells[c].paragraphs[0]
            name = c == 0 and not is_total
            p.style = _style("GwTableUnit" if name else "GwTableCell")
            text = content.num(v)
            if text:
                _lines(p, content.name_lines(text, caps[0]) if name else (text,), size)


def _landscape(doc):
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.top_margin, sec.bottom_margin = Mm(28), Mm(26)
    sec.left_margin, sec.right_margin = Mm(37), Mm(35)
    sec.footer_distance = Twips(FOOTER_TW - 567)
    return sec


def render(ws, report) -> bytes:
    """``report`` (composer.scores.Report) → .docx bytes."""
    return _document(content.build(ws, report))


def render_annual(ws, data: dict) -> bytes:
    """The yearly totals (``jianbao report annual``) → .docx bytes in the same 公文 layout."""
    return _document(content.annual(ws, data))


def _document(rd: content.ReportDoc) -> bytes:
    doc = Document()
    ox.prune_template(doc)
    _styles(doc)
    sec = doc.sections[0]
    ox.page_setup(sec, FOOTER_TW)
    ox.line_grid_only(sec)  # LibreOffice spreads text on a negative-charSpace grid
    doc.settings.odd_and_even_pages_header_footer = True
    _footers(sec)
    _cover(doc, rd)

    width_tw = ox.TEXT_W
    if rd.landscape_attachment:
        sec2 = _landscape(doc)
        width_tw = round((sec2.page_width - sec2.left_margin - sec2.right_margin) / 635)
        label = doc.add_paragraph(rd.attach_label, style=_style("GwAttachLabel"))
    else:
        label = doc.add_paragraph(rd.attach_label, style=_style("GwAttachLabel"))
        label.paragraph_format.page_break_before = True
    doc.add_paragraph(style=_style("GwAttachLabel"))
    doc.add_paragraph(rd.attach_title, style=_style("GwAttachTitle"))
    for part in rd.attachment:
        if isinstance(part, TableSpec):
            if part.title:
                doc.add_paragraph(part.title, style=_style("GwTableTitle"))
            _table(doc, part, width_tw)
            doc.add_paragraph(style=_style("GwNote"))
        else:
            _para(doc, part)
    props = doc.core_properties
    props.title = rd.title
    props.author = rd.signature or "jianbao"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
