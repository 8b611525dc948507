"""Issue → print PDF: the print variant of render/html.py, laid out by formats/pdf_engine.

Two passes only when needed (LAYOUT §5.2): the 报尾 is pinned to the bottom of
the page where the body ends.  When it does not fit below the body there
(it overlaps, or its reserved room fell on a page of its own) but would with
tighter rows, the page is laid out again with tighter rows; otherwise, when
it overlaps, with the 报尾 on a page of its own.
"""

from __future__ import annotations

from composer import fonts
from composer.diagnostics import JianbaoError, error
from composer.model import Issue
from composer.render import html

END_ID = "jb-end"
TAIL_ID = "jb-tail"
TAIL_GAP_PT = 4.0  # white space kept between the body's last line and the 报尾's first rule
TIGHT_RATIO = 1.25 / 1.7  # 报尾 row height, tight / normal (bulletin.css .tail, .tail-wrap.tight)
SPACE_MARGIN_PT = 4.0  # margin above the tight 报尾's room in the flow (bulletin.css .tail-wrap.tight)


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


def _placement(rendered) -> str:
    """How to lay the 报尾 out: "ok" as it is, "tight" (tighter rows fit below the body), or "break"."""
    tail = rendered.anchor(TAIL_ID)
    end = rendered.anchor(END_ID)
    if tail is None or end is None:
        return "ok"
    tail_page, (_, tail_top, _, tail_bottom) = tail
    end_page, (_, _, _, end_bottom) = end
    if tail_page != rendered.page_count - 1 or end_page > tail_page:
        return "break"
    fits = end_page < tail_page or end_bottom <= tail_top - TAIL_GAP_PT
    alone = end_page < tail_page  # the 报尾 fell on a page of its own
    if fits and not alone:
        return "ok"
    tight_top = tail_bottom - (tail_bottom - tail_top) * TIGHT_RATIO  # the page bottom is the same on every page
    if end_bottom <= tight_top - max(TAIL_GAP_PT, SPACE_MARGIN_PT) - 0.5:
        return "tight"
    return "ok" if fits else "break"


def _shares_page(rendered) -> bool:
    """True when the 报尾 sits on the page where the body ends."""
    tail, end = rendered.anchor(TAIL_ID), rendered.anchor(END_ID)
    return tail is not None and end is not None and tail[0] == end[0]


def _fail(issue: Issue, problems: list[str]) -> JianbaoError:
    diags = tuple(error(issue.source, "J501", f"PDF: {p}") for p in problems)
    return JianbaoError("the PDF could not be rendered", diags)


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
        page = html.render(ws, issue, variant="print")

        def lay_out(tail_class: str = ""):
            return pdf_engine.render_document(html.with_tail(page, tail_class) if tail_class else page,
                                              base_url=issue.path, allowed_roots=roots)

        doc = lay_out()
        placement = _placement(doc)
        if placement == "tight":
            tight = lay_out("tight")
            if not _tail_overlaps(tight) and _shares_page(tight):
                doc, placement = tight, "ok"
            elif not _tail_overlaps(doc):
                placement = "ok"  # keep the first layout: the 报尾 alone on its last page
            else:
                placement = "break"
        if placement == "break":
            doc = lay_out("tail-break")
        return doc.write_pdf(metadata(pub, issue))
    except pdf_engine.RenderError as e:
        raise _fail(issue, e.problems) from None
