"""Issue → print PDF: the print variant of render/html.py, laid out by formats/pdf_engine.

Two passes only when needed (LAYOUT §5.2): the 报尾 is pinned to the bottom of
the page where the body ends; if the body reaches below the 报尾's top, the
page is laid out again with the 报尾 on a page of its own.
"""

from __future__ import annotations

from composer import fonts
from composer.diagnostics import JianbaoError, error
from composer.model import Image, Issue
from composer.render import html

END_ID = "jb-end"
TAIL_ID = "jb-tail"
TAIL_GAP_PT = 4.0  # white space kept between the body's last line and the 报尾's first rule


def metadata(pub, issue: Issue) -> dict:
    return {
        "title": html.doc_title(pub, issue),
        "author": pub.office,
        "created": issue.date.isoformat(),
        "modified": issue.date.isoformat(),
        "generator": "jianbao",
    }


def _tail_overlaps(rendered) -> bool:
    """True when the 报尾 would not sit below the body on the last page."""
    tail = rendered.anchor(TAIL_ID)
    end = rendered.anchor(END_ID)
    if tail is None or end is None:
        return False
    tail_page, (_, tail_top, _, _) = tail
    end_page, (_, _, _, end_bottom) = end
    if tail_page != rendered.page_count - 1:
        return True
    return end_page > tail_page or (end_page == tail_page and end_bottom > tail_top - TAIL_GAP_PT)


def _fail(issue: Issue, problems: list[str]) -> JianbaoError:
    diags = tuple(error(_source_of(issue, p), "J501", f"PDF: {p}") for p in problems)
    return JianbaoError("the PDF could not be rendered", diags)


def _source_of(issue: Issue, problem: str):
    """The item line of the picture a problem names (else the issue file)."""
    for it in issue.items:
        for b in it.blocks:
            if isinstance(b, Image) and b.path is not None and f"<{b.path.as_uri()}>" in problem:
                return b.source
    return issue.source


def render(ws, issue: Issue) -> bytes:
    from composer.formats import pdf_engine

    problems = pdf_engine.engine_problems()
    if problems:
        raise _fail(issue, problems)
    pub = ws.publication
    roots = [issue.path, html.layout_dir(ws), html.DEFAULT_LAYOUT]
    cache = fonts.cache_dir()
    if cache:
        roots.append(cache / "fonts")
    try:
        doc = pdf_engine.render_document(html.render(ws, issue, variant="print"),
                                         base_url=issue.path, allowed_roots=roots)
        if _tail_overlaps(doc):
            doc = pdf_engine.render_document(html.render(ws, issue, variant="print", tail_break=True),
                                             base_url=issue.path, allowed_roots=roots)
        return doc.write_pdf(metadata(pub, issue))
    except pdf_engine.RenderError as e:
        raise _fail(issue, e.problems) from None
