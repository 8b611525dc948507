"""The 通报 as PDF: content → HTML (layouts/report/report.html.j2 + report.css) → pdf_engine.

The same words and tables as the DOCX (both come from ``reports.content``), laid
out in the 公文 form: A4, 二号 title, 三号 body, 附件 on a new page, a landscape
page for the Golmud form's wide table, page numbers ``— n —`` outside.
WeasyPrint is reached only through ``composer.formats.pdf_engine``.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from composer import fonts, templating
from composer.diagnostics import JianbaoError, Source, error
from composer.reports import content

DEFAULT_LAYOUT = Path(__file__).resolve().parents[2] / "layouts" / "report"
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
CHAR = 156 * 72 / 25.4 / 28  # 15.793 pt: one 三号 character on the 28-character grid


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


def html(ws, report) -> str:
    """The report as one HTML page, as handed to the PDF engine."""
    doc = content.build(ws, report)
    pub = ws.publication if ws is not None else None
    env = _environment(ws)
    families = {r: _safe_family(fonts.css_family(pub, r)) for r in fonts.ROLES}
    weights = {r: fonts.css_weight(pub, r) for r in fonts.ROLES}
    css = env.get_template(STYLESHEET).render(fonts=families, weights=weights)
    sig, date = content.signature_indents(doc.signature, doc.date)
    return env.get_template(TEMPLATE).render(
        doc=doc,
        css=Markup(css),
        title_lines=content.title_lines(doc.title),
        sig_indent=sig,
        date_indent=date,
        char=CHAR,
        num=content.num,
    )


def render(ws, report) -> bytes:
    """``report`` (composer.scores.Report) → PDF bytes."""
    from composer.formats import pdf_engine

    src = ws.publication.source if ws is not None else Source("<report>", 0)
    problems = pdf_engine.engine_problems()
    if problems:
        raise JianbaoError("the PDF could not be rendered", tuple(error(src, "J501", f"PDF: {p}") for p in problems))
    doc = content.build(ws, report)
    roots = [layout_dir(ws), DEFAULT_LAYOUT]
    cache = fonts.cache_dir()
    if cache:
        roots.append(cache / "fonts")
    try:
        return pdf_engine.html_to_pdf(
            html(ws, report), base_url=layout_dir(ws), allowed_roots=roots,
            metadata={"title": doc.title, "authors": [doc.signature] if doc.signature else []},
        )
    except pdf_engine.RenderError as e:
        raise JianbaoError("the PDF could not be rendered",
                           tuple(error(src, "J501", f"PDF: {p}") for p in e.problems)) from None
