"""The 通报 as PDF: content → HTML (layouts/report/report.html.j2 + report.css) → pdf_engine.

The same words and tables as the DOCX (both come from ``reports.content``), laid
out in the 公文 form: A4, 二号 title, 三号 body, 附件 on a new page, a landscape
page for the Golmud form's wide table, page numbers ``— n —`` outside.
WeasyPrint is reached only through ``composer.formats.pdf_engine``.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from composer import fonts, templating
from composer.diagnostics import JianbaoError, Source, error
from composer.render.justify import Run, break_lines
from composer.reports import content

DEFAULT_LAYOUT = Path(__file__).resolve().parents[2] / "layouts" / "report"
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
CHAR = 156 * 72 / 25.4 / 28  # 15.793 pt: one 三号 character on the 28-character grid
TEXT_WIDTH = 28 * CHAR  # 442.2 pt: the 版心 (156 mm)
BODY_SIZE = 16.0
GRID_SPACING = CHAR - BODY_SIZE  # -0.207 pt: 28 characters of 16 pt on a line
NOTE_SIZE = 14.0
NOTE_HANG = 2 * NOTE_SIZE  # 注： hangs; every note's text starts at the same place
CELL_PAD = 1.5  # pt, left and right in table cells (report.css)
TABLE_SIZE = {True: 9.0, False: 10.5}  # 18-column Golmud table / others
WIDE_WIDTH = (297 - 37 - 35) * 72 / 25.4  # the landscape page's 版心

# paragraph style → (font role, first-line indent in pt); these are set as justified lines
JUSTIFIED = {
    content.ADDRESSEE: ("body", 0.0), content.BODY: ("body", 2 * CHAR), content.H1: ("heading", 2 * CHAR),
    content.H2: ("kai", 2 * CHAR), content.ATTACH_NOTE: ("body", 2 * CHAR), content.UNIT: ("body", 2 * CHAR),
}


def layout_dir(ws) -> Path:
    """The workspace's own report layout when it has one (layouts/report), else the shipped one."""
    return (ws.root / "layouts" / "report").resolve() if ws is not None else DEFAULT_LAYOUT


def _environment(ws) -> jinja2.Environment:
    return templating.Environment(
        loader=jinja2.FileSystemLoader([str(layout_dir(ws)), str(DEFAULT_LAYOUT)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "j2", "xml"), default=False),
        undefined=jinja2.StrictUndefined,
    )


def _safe_family(stack: str) -> str:
    """A font-family value with nothing that could leave the <style> element."""
    return "".join(ch for ch in stack if ch not in "<>{};\\")


class _Typesetter:
    """Paragraphs as justified lines (the bulletin's line breaker), tables with planned breaks."""

    def __init__(self, pub):
        self.measurer = fonts.Measurer(pub)

    def lines(self, runs: list[Run], *, width: float, indent: float, size: float, tracking: float,
              justify: bool = True) -> tuple[list, list[float]]:
        lines = break_lines(runs, self.measurer.em, width=width, indent=indent, size=size, tracking=tracking)
        spacings = []
        for i, line in enumerate(lines):
            avail = width - (indent if i == 0 else 0.0)
            spacings.append(line.spacing(avail) if justify else min(tracking, line.spacing(avail)))
        return lines, spacings

    @staticmethod
    def join(lines, spacings, base: float) -> Markup:
        """One source line per printed line (the paragraph is ``white-space: pre``)."""
        out = []
        for line, sp in zip(lines, spacings):
            inner = "".join(_piece(p) for p in line.pieces)
            out.append(inner if abs(sp - base) < 0.0005 else f'<span class="ls" style="letter-spacing:{sp:.3f}pt">{inner}</span>')
        return Markup("\n".join(out))

    def para(self, p: content.Para, width: float = TEXT_WIDTH) -> dict:
        """One paragraph's view; ``width`` is the 版心 of its page (wider on the landscape 附件)."""
        if p.style in JUSTIFIED:
            role, indent = JUSTIFIED[p.style]
            runs = [Run(p.text, role)]
            if p.style == content.UNIT:
                runs = unit_runs(p.text)
            lines, sp = self.lines(runs, width=width, indent=indent, size=BODY_SIZE, tracking=GRID_SPACING)
            return {"cls": p.style, "html": self.join(lines, sp, GRID_SPACING), "justified": True}
        if p.style == content.ITEM:
            return {"cls": p.style, "html": self.item(p, width), "justified": True}
        if p.style == content.NOTE:
            hang = NOTE_HANG if p.text.startswith("注") else 0.0
            lines, sp = self.lines([Run(p.text, "body")], width=width - NOTE_HANG, indent=-hang,
                                   size=NOTE_SIZE, tracking=0.0)
            return {"cls": p.style + (" first" if hang else ""), "html": self.join(lines, sp, 0.0), "justified": True}
        return {"cls": p.style, "html": Markup(escape(p.text)), "justified": False}

    def item(self, p: content.Para, width: float = TEXT_WIDTH) -> Markup:
        """``1、标题`` justified, the label （第2期  简讯） flush right on its last line or on a line of its own."""
        lines, sp = self.lines([Run(p.text, "body")], width=width, indent=0.0, size=BODY_SIZE,
                               tracking=GRID_SPACING)
        if not p.label:
            return self.join(lines, sp, GRID_SPACING)
        label_w = sum(self.measurer.em("body", ch) for ch in p.label) * BODY_SIZE
        label = f'<span class="label">{escape(p.label)}</span>'
        body = self.join(lines, sp, GRID_SPACING)
        if lines[-1].natural + label_w + CHAR <= width:
            head, _, last = str(body).rpartition("\n")
            return Markup((head + "\n" if head else "") + label + last)
        return Markup(str(body) + "\n" + label)

    def table(self, spec: content.TableSpec, landscape: bool) -> dict:
        size = TABLE_SIZE[spec.columns >= 18]
        width = WIDE_WIDTH if landscape else TEXT_WIDTH
        caps = content.column_capacities(spec, width, size, CELL_PAD)
        pad = 2 * CELL_PAD / size
        header = [[{"lines": content.header_lines(h, caps, pad), "rowspan": h.rowspan, "colspan": h.colspan}
                   for h in spec.header if h.row == r] for r in range(spec.header_rows)]
        total = sum(spec.widths)

        def row_view(values, name_col: bool):
            cells = []
            for i, v in enumerate(values):
                text = content.num(v)
                lines = content.name_lines(text, caps[0]) if i == 0 and name_col and text else (text,)
                cells.append(lines)
            return cells

        return {
            "table": True, "title": spec.title, "columns": spec.columns,
            "widths": [100 * w / total for w in spec.widths],
            "header": header,
            "rows": [row_view(r, True) for r in spec.rows],
            "total": row_view(spec.total, False) if spec.total else None,
        }


def _piece(run: Run) -> str:
    text = str(escape(run.text))
    return f'<span class="{run.cls}">{text}</span>' if run.cls else text


_POINTS = re.compile(r"\d+(?:\.\d+)?[分篇则条]）?")


def unit_runs(text: str) -> list[Run]:
    """A unit's summary line: its closing clause (累计5.5分）) is one unbreakable run, and every
    other figure stays with its measure word, so neither 累计5.5 ⏎ 分） nor a lone 分） occurs."""
    tail = ""
    if text.endswith("）"):
        cut = max(text.rfind("；"), text.rfind("，"), text.rfind("（")) + 1
        text, tail = text[:cut], text[cut:]
    runs, at = [], 0
    for m in _POINTS.finditer(text):
        if m.start() > at:
            runs.append(Run(text[at:m.start()], "body"))
        runs.append(Run(m.group(0), "body", keep=True))
        at = m.end()
    if at < len(text):
        runs.append(Run(text[at:], "body"))
    if tail:
        runs.append(Run(tail, "body", keep=True))
    return runs


def html(ws, report) -> str:
    """The report as one HTML page, as handed to the PDF engine."""
    return _html(ws, content.build(ws, report))


def _html(ws, doc: content.ReportDoc) -> str:
    pub = ws.publication if ws is not None else None
    env = _environment(ws)
    families = {r: _safe_family(fonts.css_family(pub, r)) for r in fonts.ROLES}
    weights = {r: fonts.css_weight(pub, r) for r in fonts.ROLES}
    css = env.get_template(STYLESHEET).render(fonts=families, weights=weights)
    sig, date = content.signature_indents(doc.signature, doc.date)
    ts = _Typesetter(pub)
    width = WIDE_WIDTH if doc.landscape_attachment else TEXT_WIDTH
    attachment = [ts.table(part, doc.landscape_attachment) if isinstance(part, content.TableSpec)
                  else ts.para(part, width) for part in doc.attachment]
    return env.get_template(TEMPLATE).render(
        doc=doc,
        css=Markup(css),
        title_lines=content.title_lines(doc.title),
        cover=[ts.para(p) for p in doc.cover],
        attachment=attachment,
        sig_indent=sig,
        date_indent=date,
        char=CHAR,
        num=content.num,  # for report templates copied into a workspace before the lines were planned here
    )


def render(ws, report) -> bytes:
    """``report`` (composer.scores.Report) → PDF bytes."""
    return _pdf(ws, content.build(ws, report))


def render_annual(ws, data: dict) -> bytes:
    """The yearly totals (``jianbao report annual``) → PDF bytes in the same 公文 layout."""
    return _pdf(ws, content.annual(ws, data))


def _pdf(ws, doc: content.ReportDoc) -> bytes:
    from composer.formats import pdf_engine

    src = ws.publication.source if ws is not None else Source("<report>", 0)
    problems = pdf_engine.engine_problems()
    if problems:
        raise JianbaoError("the PDF could not be rendered", tuple(error(src, "J501", f"PDF: {p}") for p in problems))
    roots = [layout_dir(ws), DEFAULT_LAYOUT]
    cache = fonts.cache_dir()
    if cache:
        roots.append(cache / "fonts")
    try:
        return pdf_engine.html_to_pdf(
            _html(ws, doc), base_url=layout_dir(ws), allowed_roots=roots,
            metadata={"title": doc.title, "authors": [doc.signature] if doc.signature else []},
        )
    except pdf_engine.RenderError as e:
        raise JianbaoError("the PDF could not be rendered",
                           tuple(error(src, "J501", f"PDF: {p}") for p in e.problems)) from None
