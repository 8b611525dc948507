"""Issue → print PDF: the print variant of render/html.py, laid out by formats/pdf_engine.

The 报尾 sits at the bottom of the page where the body ends (LAYOUT §5.2), in one
layout pass: an invisible copy in the flow reserves its room in tight rows, and
two visible copies, in normal and in tight rows, are pinned to the bottom of the
page where that room fell.  The normal one is kept when it clears the body, the
tight one when only it does; when even the tight room did not fit, it fell on a
page of its own and the normal one is kept there.  A second pass (the 报尾 on a
page of its own) only when the pinned copy would still overlap the body, or for
a layout whose template has no tight copy.
"""

from __future__ import annotations

from composer import fonts
from composer.diagnostics import JianbaoError, error
from composer.model import Image, Issue
from composer.render import html

END_ID = "jb-end"
TAIL_ID = "jb-tail"
TIGHT_ID = "jb-tail-tight"
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
    """True when the 报尾 would not sit below the body on the last page (even in tight rows)."""
    tail = rendered.anchor(TIGHT_ID) or rendered.anchor(TAIL_ID)
    end = rendered.anchor(END_ID)
    if tail is None or end is None:
        return False
    tail_page, (_, tail_top, _, _) = tail
    end_page, (_, _, _, end_bottom) = end
    if tail_page != rendered.page_count - 1:
        return True
    return end_page > tail_page or (end_page == tail_page and end_bottom > tail_top - TAIL_GAP_PT)


def _keep_one_tail(rendered) -> None:
    """Keep the pinned 报尾 in normal rows if it clears the body, else the tight one."""
    tight = rendered.anchor(TIGHT_ID)
    if tight is None:
        return
    tail, end = rendered.anchor(TAIL_ID), rendered.anchor(END_ID)
    normal_fits = (tail is None or end is None or end[0] < tail[0]
                   or end[1][3] <= tail[1][1] - TAIL_GAP_PT)
    rendered.drop(TIGHT_ID if normal_fits else TAIL_ID)


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
        page = html.render(ws, issue, variant="print")
        doc = pdf_engine.render_document(page, base_url=issue.path, allowed_roots=roots)
        if _tail_overlaps(doc):
            doc = pdf_engine.render_document(html.with_tail(page, "tail-break"), base_url=issue.path,
                                             allowed_roots=roots)
        _keep_one_tail(doc)
        return doc.write_pdf(metadata(pub, issue))
    except pdf_engine.RenderError as e:
        raise _fail(issue, e.problems) from None
