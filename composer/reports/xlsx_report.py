"""The 通报 as an Excel workbook: one sheet per group table, plus the itemized lists.

Headers are merged and formatted as in the reference (two rows for the Liaocheng
form, three for Golmud), numbers stay numbers (0.5 is the number 0.5), the header
rows are frozen and the form's 合计 row is kept.  Only this module imports openpyxl.
"""

from __future__ import annotations

import io
from decimal import Decimal

from composer.reports import content
from composer.reports.content import Para, TableSpec

_INVALID_SHEET = set("[]:*?/\\")


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in _INVALID_SHEET else ch for ch in name)[:31] or "Sheet"
    out, n = base, 2
    while out in used:
        suffix = f"_{n}"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(out)
    return out


def _cell_value(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _column_width(spec: TableSpec, c: int) -> float:
    """Excel column width (units of one digit) from the table's widths in characters."""
    w = spec.widths[c]
    return max(4.0, w * 1.9 if c == 0 else w * 2.8)


def _write_table(ws, spec: TableSpec, title: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    head_font = Font(name="黑体", bold=True, size=10)
    body_font = Font(name="仿宋_GB2312", size=11)
    fill = PatternFill("solid", fgColor="F2F2F2")

    top = 1
    if title:
        ws.cell(row=1, column=1, value=title).font = Font(name="方正小标宋简体", size=14, bold=True)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=spec.columns)
        ws.row_dimensions[1].height = 28
        top = 2
    # header: fill every cell of the header block with borders, then merge
    for r in range(spec.header_rows):
        for c in range(spec.columns):
            cell = ws.cell(row=top + r, column=c + 1)
            cell.border, cell.alignment, cell.font, cell.fill = border, centre, head_font, fill
    for h in spec.header:
        ws.cell(row=top + h.row, column=h.col + 1, value=h.text)
        if h.rowspan > 1 or h.colspan > 1:
            ws.merge_cells(
                start_row=top + h.row, start_column=h.col + 1,
                end_row=top + h.row + h.rowspan - 1, end_column=h.col + h.colspan,
            )
    # header rows tall enough for the stacked words (上报/篇数, 市级/以上/采用/篇数) in these widths
    caps = tuple(_column_width(spec, c) / 2 - 0.5 for c in range(spec.columns))  # ~2 width units a 10 pt 汉字
    for r in range(spec.header_rows):
        lines = max((len(content.header_lines(h, caps, 0.5)) for h in spec.header if h.row == r and h.rowspan == 1),
                    default=1)
        ws.row_dimensions[top + r].height = max(22 if spec.header_rows > 2 else 30, 14 * lines + 4)
    first = top + spec.header_rows
    rows = list(spec.rows) + ([spec.total] if spec.total else [])
    for i, values in enumerate(rows):
        is_total = spec.total is not None and i == len(rows) - 1
        for c, v in enumerate(values):
            cell = ws.cell(row=first + i, column=c + 1, value=_cell_value(v))
            cell.border = border
            cell.alignment = left if c == 0 and not is_total else centre
            cell.font = Font(name="仿宋_GB2312", size=11, bold=is_total) if is_total else body_font
            if isinstance(cell.value, float):
                cell.number_format = "0.0#"
    for c in range(spec.columns):
        ws.column_dimensions[get_column_letter(c + 1)].width = _column_width(spec, c)
    ws.freeze_panes = ws.cell(row=first, column=2)
    ws.print_title_rows = f"{top}:{first - 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if spec.landscape or spec.columns > 12 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_items(ws, doc: content.ReportDoc) -> None:
    from openpyxl.styles import Alignment, Font

    ws.column_dimensions["A"].width = 100
    ws.column_dimensions["B"].width = 22
    row = 1
    for p in doc.attachment:
        if not isinstance(p, Para) or p.style not in (content.GROUP_HEADING, content.UNIT, content.ITEM, content.NOTE):
            continue
        a = ws.cell(row=row, column=1, value=p.text)
        a.alignment = Alignment(wrap_text=True, vertical="top")
        if p.style == content.GROUP_HEADING:
            a.font = Font(name="黑体", bold=True, size=12)
        elif p.style == content.UNIT:
            a.font = Font(name="仿宋_GB2312", bold=True, size=11)
        else:
            a.font = Font(name="仿宋_GB2312", size=11)
        if p.label:
            ws.cell(row=row, column=2, value=p.label).font = Font(name="仿宋_GB2312", size=11)
        row += 1


def render(ws, report) -> bytes:
    """``report`` (composer.scores.Report) → .xlsx bytes."""
    return _workbook(content.build(ws, report))


def render_annual(ws, data: dict) -> bytes:
    """The yearly totals (``jianbao report annual``) → .xlsx bytes, one sheet a group."""
    return _workbook(content.annual(ws, data))


def _workbook(doc: content.ReportDoc) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for spec in content.all_tables(doc):
        sheet = wb.create_sheet(_sheet_name(spec.key, used))
        _write_table(sheet, spec, spec.title or doc.attach_title)
    if any(isinstance(p, Para) and p.style == content.UNIT for p in doc.attachment):
        _write_items(wb.create_sheet(_sheet_name("采用明细", used)), doc)
    wb.properties.title = doc.title
    wb.properties.creator = "jianbao"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
