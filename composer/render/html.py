"""Issue → HTML through the publication's layout (jinja2, autoescape on).

Two variants of one template:

* ``preview`` (default, the build's .html): one self-contained page — the CSS is
  inlined, local images become ``data:`` URIs — for the browser and for mail;
* ``print`` (handed to WeasyPrint by render/pdf.py): ``@page`` rules, and every
  paragraph broken into lines justified to the full measure (render/justify.py).

The layout folder is the workspace's ``layout:`` (``layouts/bulletin``); files it
lacks come from the default layout shipped with jianbao.  No Markdown parsing,
no YAML, no file writing here.  All user text is escaped: raw HTML in Markdown
prints as text.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from composer import fonts, templating
from composer.model import (
    KIND_BRIEF,
    printed_section,
    printed_subtitle,
    Heading,
    Image,
    Issue,
    ListBlock,
    Paragraph,
    Span,
    Table,
    chinese_date,
    credit_line,
)
from composer.render.form import (
    BODY_SIZE,
    TEXT_WIDTH,
    TitleBreaker,
    masthead_size,
    note_paragraphs,
    number_text,
)
from composer.render.justify import Run, break_lines

TEMPLATE = "bulletin.html.j2"
STYLESHEET = "bulletin.css"
DEFAULT_LAYOUT = Path(__file__).resolve().parents[2] / "layouts" / "bulletin"

PITCH = TEXT_WIDTH / 28  # 15.793 pt: one grid character
INDENT = 2 * PITCH  # 31.586 pt: 左空二字
GRID_SPACING = PITCH - BODY_SIZE  # -0.207 pt


def layout_dir(ws) -> Path:
    return (ws.root / ws.publication.layout).resolve()


def environment(ws) -> jinja2.Environment:
    return templating.Environment(
        loader=jinja2.FileSystemLoader([str(layout_dir(ws)), str(DEFAULT_LAYOUT)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "j2", "xml"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


# ---------------------------------------------------------------- paragraphs

def _safe_family(stack: str) -> str:
    """A font-family value with nothing that could leave the <style> element."""
    return "".join(ch for ch in stack if ch not in "<>{};\\")


def _runs(spans: tuple[Span, ...], role: str = "body") -> list[Run]:
    out = []
    for s in spans:
        if s.bold:
            out.append(Run(s.text, "heading", "b"))
        elif s.italic:
            out.append(Run(s.text, "kai", "i"))
        else:
            out.append(Run(s.text, role, ""))
    return out


class _Paragraphs:
    """Paragraph contents as escaped HTML: spans (preview) or justified lines (print)."""

    def __init__(self, pub, variant: str):
        self.variant = variant
        self.measurer = fonts.Measurer(pub) if variant == "print" else None

    def html(self, runs: list[Run], indent: bool = True) -> Markup:
        if self.variant != "print":
            return Markup("".join(self._piece(r, preview=True) for r in runs))
        lines = break_lines(runs, self.measurer.em, width=TEXT_WIDTH, indent=INDENT if indent else 0.0,
                            size=BODY_SIZE, tracking=GRID_SPACING)
        # one text line per source line (the paragraph is white-space: pre); a line whose
        # spacing is not the grid's carries its own letter-spacing
        out = []
        for i, line in enumerate(lines):
            width = TEXT_WIDTH - (INDENT if i == 0 and indent else 0.0)
            spacing = line.spacing(width)
            inner = "".join(self._piece(p) for p in line.pieces)
            if line.right:  # a credit on its own line: pushed flush right
                inner = f'<span class="push" style="margin-left:{max(0.0, width - line.natural):.3f}pt">{inner}</span>'
            if abs(spacing - GRID_SPACING) < 0.0005:
                out.append(inner)
            else:
                out.append(f'<span class="ls" style="letter-spacing:{spacing:.3f}pt">{inner}</span>')
        return Markup("\n".join(out))

    @staticmethod
    def _piece(run: Run, preview: bool = False) -> str:
        text = str(escape(run.text))
        if preview:
            text = text.replace("\n", "<br>")
        return f'<span class="{run.cls}">{text}</span>' if run.cls else text


# ---------------------------------------------------------------- blocks

def _inside(path: Path | None, folder: Path) -> bool:
    if path is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return path.is_file()


def _image(b: Image, issue: Issue, variant: str) -> dict:
    view = {"type": "img", "alt": b.alt, "name": Path(b.src).name or b.src, "src": ""}
    if not _inside(b.path, issue.path):
        return view  # remote, outside the issue folder or missing: never fetched
    rel = b.path.resolve().relative_to(issue.path.resolve()).as_posix()
    if variant == "print":
        view["src"] = quote(rel)
    else:
        mime = mimetypes.guess_type(b.path.name)[0] or "application/octet-stream"
        if mime.startswith("image/"):
            view["src"] = f"data:{mime};base64,{base64.b64encode(b.path.read_bytes()).decode('ascii')}"
    return view


def _credit_paragraph(item, variant: str) -> int | None:
    """Index of the paragraph whose lines end with the item's credit, or None (a credit paragraph).

    A brief's credit closes its last paragraph, inline.  In print, an article's
    credit is the last line of its last block when that is a paragraph: never
    parted from the text above it (widows: 2).
    """
    blocks = list(item.blocks)
    if not item.credits:
        return None
    if item.kind == KIND_BRIEF:
        return _last_para(blocks)
    if variant == "print" and blocks and isinstance(blocks[-1], Paragraph):
        return len(blocks) - 1
    return None


def _blocks(item, issue: Issue, paras: _Paragraphs, variant: str) -> list[dict]:
    brief = item.kind == KIND_BRIEF
    out: list[dict] = []
    blocks = list(item.blocks)
    first_para = next((i for i, b in enumerate(blocks) if isinstance(b, Paragraph)), None)
    credit_at = _credit_paragraph(item, variant)
    for i, b in enumerate(blocks):
        if isinstance(b, Paragraph):
            runs = _runs(b.spans)
            if brief and i == first_para:
                runs = [Run("▲", "body", "")] + runs
            cls = "brief-text" if brief else ""
            if i == credit_at:
                runs = runs + [Run(credit_line(item.credits), "kai", "credit-inline", credit=True, own_line=not brief)]
                cls = (cls + " with-credit").strip()
            out.append({"type": "p", "cls": cls, "html": paras.html(runs)})
        elif isinstance(b, Heading):
            role = "heading" if b.level <= 2 else "kai" if b.level == 3 else "body"
            runs = [Run(s.text, role, "") for s in b.spans]
            out.append({"type": "p", "cls": f"h h{min(b.level, 4)}", "html": paras.html(runs)})
        elif isinstance(b, ListBlock):
            for n, spans in enumerate(b.items, 1):
                marker = f"{n}." if b.ordered else "•"
                runs = [Run(marker, "body", "")] + _runs(spans)
                out.append({"type": "p", "cls": "li", "html": paras.html(runs)})
        elif isinstance(b, Table):
            rows = [tuple(r) for r in b.rows]
            head = rows[0] if b.header and rows else ()
            align = [f"al-{a}" if a in ("center", "right") else "" for a in b.align]
            out.append({"type": "table", "head": head, "rows": rows[1:] if head else rows,
                        "align": align + [""] * max(0, max((len(r) for r in rows), default=0) - len(align))})
        elif isinstance(b, Image):
            out.append(_image(b, issue, variant))
    return out


def _last_para(blocks) -> int | None:
    idx = [i for i, b in enumerate(blocks) if isinstance(b, Paragraph)]
    return idx[-1] if idx else None


# ---------------------------------------------------------------- page

def doc_title(pub, issue: Issue) -> str:
    return f"{pub.name} {number_text(issue).split('（')[0]}"


TAIL_SIZE = 14.0  # 四号


def _tail_rows(pub) -> list[dict]:
    """报/送/发 rows; the print run shares the last row when both fit on one line, else has its own."""
    rows = [
        {"label": label, "names": "，".join(names) + "。", "run": ""}
        for label, names in pub.distribution
        if names
    ]
    if pub.print_run:
        run = f"（共印{pub.print_run}份）"
        room = TEXT_WIDTH - 2 * TAIL_SIZE  # 左右空一字
        if rows and (len(rows[-1]["label"]) + 1 + len(rows[-1]["names"]) + len(run) + 1) * TAIL_SIZE <= room:
            rows[-1]["run"] = run
        else:
            rows.append({"label": "", "names": "", "run": run})
    return rows


TAIL_WRAP = 'class="tail-wrap"'  # the 报尾 wrapper as the template writes it (no variant class)


def with_tail(page: str, cls: str) -> str:
    """The print page with a class on the 报尾 wrapper ("tail-break"): a second layout
    pass needs only this, not a second rendering (render/pdf.py)."""
    if page.count(TAIL_WRAP) != 1:
        raise ValueError("the layout's template has no single 报尾 wrapper")
    return page.replace(TAIL_WRAP, f'class="tail-wrap {cls}"')


def render(ws, issue: Issue, *, variant: str = "preview", tail_break: bool = False) -> str:
    """The issue as one HTML page (``variant`` "preview" or "print")."""
    if variant not in ("preview", "print"):
        raise ValueError(variant)
    pub = ws.publication
    env = environment(ws)
    prepared = variant == "print"
    families = {r: _safe_family(fonts.css_family(pub, r, prepared=prepared)) for r in fonts.ROLES}
    weights = {r: fonts.css_weight(pub, r) for r in fonts.ROLES}
    css = env.get_template(STYLESHEET).render(variant=variant, fonts=families, weights=weights)
    if prepared:
        css = fonts.font_face_rules(pub) + "\n" + css
    paras = _Paragraphs(pub, variant)
    breaker = TitleBreaker(pub, paras.measurer) if variant == "print" else None

    def lines(texts: list[str]) -> Markup:
        return Markup("<br>").join(escape(t) for t in texts)

    note = []
    for k, text in enumerate(note_paragraphs(issue.editor_note)):
        runs = ([Run("编者按：", "heading", "label")] if k == 0 else []) + [Run(text, "kai", "")]
        note.append({"html": paras.html(runs)})

    sections = []
    for sec in issue.grouped():
        items = []
        for it in sec.items:
            items.append({
                "kind": "brief" if it.kind == KIND_BRIEF else "article",
                # print: balanced lines (form.TitleBreaker); preview: the browser balances (CSS)
                "title": lines(breaker.title_lines(it.title)) if breaker else it.title,
                "subtitle": (lines(breaker.subtitle_lines(printed_subtitle(it.subtitle))) if breaker
                             else printed_subtitle(it.subtitle)) if it.subtitle else "",
                # a credit not printed at the end of the last paragraph gets its own
                "credit": credit_line(it.credits) if it.credits and _credit_paragraph(it, variant) is None else "",
                "blocks": _blocks(it, issue, paras, variant),
            })
        sections.append({"name": sec.name, "head": printed_section(sec.name), "entries": items})

    return env.get_template(TEMPLATE).render(
        variant=variant,
        css=Markup(css),
        pub=pub,
        issue=issue,
        doc_title=doc_title(pub, issue),
        number_text=number_text(issue),
        date_text=chinese_date(issue.date),
        masthead_size=masthead_size(pub.name),
        editor_note=note,
        sections=sections,
        show_section_heads=len(sections) > 1,
        tail_rows=_tail_rows(pub),
        tail_break=tail_break,
    )
