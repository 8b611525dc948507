"""issues/<id>/ → Issue: issue.yml, Markdown items and ▲ briefs files.

The only importer of the Markdown parser.  Raw HTML is never interpreted: the
parser runs with ``html=False``, so tags come through as text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt

from composer import safeio, yamlsrc
from composer.credits import TRAILING_CREDIT, WHOLE_CREDIT, credit_problems, looks_like_credit, parse_credit
from composer.diagnostics import Diagnostic, Source, error
from composer.model import (
    ITEM_KINDS,
    KIND_ARTICLE,
    KIND_BRIEF,
    Block,
    Credit,
    Heading,
    Image,
    Issue,
    Item,
    ListBlock,
    Paragraph,
    Span,
    Table,
)
from composer.registry import Units
from composer.schema import Fields

BRIEF_MARK = "▲"
_CN_DATE = re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")
ISSUE_FILE = "issue.yml"


def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    # accept every link so that file:, data: and remote images reach _image and
    # are reported and refused there, instead of silently becoming text
    md.validateLink = lambda url: True
    return md


# ---------------------------------------------------------------- dates

def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _CN_DATE.match(value)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- markdown → blocks

def _spans(inline_token) -> tuple[Span, ...]:
    spans: list[Span] = []
    bold = italic = 0
    for t in inline_token.children or ():
        if t.type == "strong_open":
            bold += 1
        elif t.type == "strong_close":
            bold -= 1
        elif t.type == "em_open":
            italic += 1
        elif t.type == "em_close":
            italic -= 1
        elif t.type in ("text", "code_inline", "html_inline"):
            spans.append(Span(text=t.content, bold=bold > 0, italic=italic > 0))
        elif t.type == "softbreak":
            # a line break inside a Chinese paragraph joins without a space
            prev = spans[-1].text[-1:] if spans else ""
            if prev.isascii() and prev.isalnum():
                spans.append(Span(text=" ", bold=bold > 0, italic=italic > 0))
        elif t.type == "hardbreak":
            spans.append(Span(text="\n", bold=bold > 0, italic=italic > 0))
        elif t.type == "image":
            continue  # images are blocks of their own (see _blocks)
    merged: list[Span] = []
    for s in _cjk_emphasis(spans):
        if merged and (merged[-1].bold, merged[-1].italic) == (s.bold, s.italic):
            merged[-1] = Span(text=merged[-1].text + s.text, bold=s.bold, italic=s.italic)
        elif s.text:
            merged.append(s)
    return tuple(merged)


_LEFTOVER_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def _cjk_emphasis(spans: list[Span]) -> list[Span]:
    """Bold that CommonMark left as literal ``**``.

    CommonMark cannot close ``**一、强化保障。**围绕…``: a delimiter after
    punctuation and before a letter is not right-flanking, and Chinese has no
    spaces to fix that.  Pairs left over in plain text are bold lead-ins.
    """
    out: list[Span] = []
    for s in spans:
        if s.bold or "**" not in s.text and "__" not in s.text:
            out.append(s)
            continue
        pos = 0
        for m in _LEFTOVER_STRONG.finditer(s.text):
            out.append(Span(text=s.text[pos : m.start()], italic=s.italic))
            out.append(Span(text=m.group(2), bold=True, italic=s.italic))
            pos = m.end()
        out.append(Span(text=s.text[pos:], italic=s.italic))
    return out


def _image(src: str, alt: str, source: Source, base: Path, root: Path) -> Image:
    """Resolve an image path; remote or escaping paths resolve to None."""
    parsed = urlparse(src)
    if parsed.scheme or src.startswith("//") or not src:
        return Image(src=src, path=None, alt=alt, source=source)
    # markdown-it percent-encodes non-ASCII link targets (图片.png → %E5%9B%BE…)
    try:
        path = (base / unquote(src)).resolve()
        path.relative_to(root.resolve())
    except (OSError, ValueError):  # outside the issue folder, or no possible file name (NUL, too long)
        return Image(src=src, path=None, alt=alt, source=source)
    return Image(src=src, path=path, alt=alt, source=source)


def markdown_blocks(text: str, rel_path: str, first_line: int, base: Path, root: Path) -> tuple[Block, ...]:
    """Markdown → blocks, each with the file line where it starts."""
    tokens = _md().parse(text)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        src = Source(rel_path, (t.map[0] if t.map else 0) + first_line)
        if t.type == "paragraph_open":
            inline = tokens[i + 1]
            images = [c for c in inline.children or () if c.type == "image"]
            for im in images:
                blocks.append(_image(im.attrs.get("src", ""), im.content, src, base, root))
            spans = _spans(inline)
            if "".join(s.text for s in spans).strip():
                blocks.append(Paragraph(spans=spans, source=src))
            i += 3
        elif t.type == "heading_open":
            blocks.append(Heading(level=int(t.tag[1]), spans=_spans(tokens[i + 1]), source=src))
            i += 3
        elif t.type in ("bullet_list_open", "ordered_list_open"):
            ordered = t.type == "ordered_list_open"
            items: list[tuple[Span, ...]] = []
            depth = 0
            j = i
            while True:
                tj = tokens[j]
                if tj.type in ("bullet_list_open", "ordered_list_open"):
                    depth += 1
                elif tj.type in ("bullet_list_close", "ordered_list_close"):
                    depth -= 1
                    if depth == 0:
                        break
                elif tj.type == "inline":
                    items.append(_spans(tj))
                j += 1
            blocks.append(ListBlock(ordered=ordered, items=tuple(items), source=src))
            i = j + 1
        elif t.type == "table_open":
            rows: list[tuple[str, ...]] = []
            row: list[str] = []
            align: list[str] = []
            j = i
            while tokens[j].type != "table_close":
                tj = tokens[j]
                if tj.type in ("th_open", "td_open") and not rows:  # column alignment: the first row's cells
                    style = str(tj.attrGet("style") or "")
                    align.append(style.removeprefix("text-align:").strip() if style.startswith("text-align:") else "")
                elif tj.type == "tr_open":
                    row = []
                elif tj.type == "inline":
                    row.append("".join(s.text for s in _spans(tj)))
                elif tj.type == "tr_close":
                    rows.append(tuple(row))
                j += 1
            blocks.append(Table(rows=tuple(rows), header=True, align=tuple(align), source=src))
            i = j + 1
        elif t.type in ("fence", "code_block", "html_block"):
            blocks.append(Paragraph(spans=(Span(text=t.content.rstrip("\n")),), source=src))
            i += 1
        else:
            i += 1
    return tuple(blocks)


# ---------------------------------------------------------------- credits

def resolve_credits(labels: list[str], units: Units) -> tuple[Credit, ...]:
    """Credits from ``单位/作者 作者`` strings."""
    out: list[Credit] = []
    for text in labels:
        for rc in parse_credit(str(text), units.resolve):
            out.append(
                Credit(unit=rc.unit or rc.label, authors=rc.authors, label=rc.label, resolved=rc.unit is not None)
            )
    return tuple(out)


def split_trailing_credit(text: str, units: Units) -> tuple[str, str | None]:
    """``(text without credit, credit inner text)`` for a paragraph ending in a credit."""
    m = TRAILING_CREDIT.search(text)
    if m and looks_like_credit(m[1], units.resolve):
        return text[: m.start()].rstrip(), m[1]
    return text, None


def _strip_trailing(spans: tuple[Span, ...], n_chars: int) -> tuple[Span, ...]:
    """Drop the last ``n_chars`` characters (the credit) from spans."""
    out = list(spans)
    while n_chars > 0 and out:
        last = out[-1]
        if len(last.text) <= n_chars:
            n_chars -= len(last.text)
            out.pop()
        else:
            out[-1] = Span(text=last.text[:-n_chars], bold=last.bold, italic=last.italic)
            n_chars = 0
    if out:
        last = out[-1]
        out[-1] = Span(text=last.text.rstrip(), bold=last.bold, italic=last.italic)
    return tuple(s for s in out if s.text)


def brief_title(spans: tuple[Span, ...]) -> str:
    """A brief's title: its bold lead-in, else its first clause(s) up to 40 characters."""
    if spans and spans[0].text.strip() == BRIEF_MARK:  # ▲**标题**正文: the mark is a span of its own
        spans = spans[1:]
    if spans and spans[0].bold and spans[0].text.strip(BRIEF_MARK).strip():
        return spans[0].text.strip(BRIEF_MARK).strip().rstrip("：:。，")
    text = "".join(s.text for s in spans).lstrip(BRIEF_MARK).strip()
    title = ""
    for m in re.finditer(r"[^，。；！？]+[，。；！？]?", text):
        title += m.group(0)
        if m.group(0)[-1:] in "。；！？" or len(title.rstrip("，")) >= 12:
            break
    title = title.rstrip("，。；！？")
    return title[:40] if len(title) > 40 else title


# ---------------------------------------------------------------- items

_KNOWN_KEYS = {"title", "subtitle", "kind", "units", "authors", "credits", "credit", "section", "order", "category", "tags"}


def load_item_file(
    root: Path, path: Path, units: Units, default_section: str = "", allowed: tuple[Path, ...] = ()
) -> tuple[list[Item], list[Diagnostic]]:
    """The item(s) of one Markdown file; ``allowed``: folders outside ``root`` it may lie in."""
    rel = yamlsrc.rel(root, path)
    diags: list[Diagnostic] = []
    try:
        text = safeio.read_text(root, path, kind="markdown", allowed=allowed)
    except safeio.FileProblem as e:
        return [], [e.diagnostic()]
    fm_text, body, body_line = yamlsrc.split_front_matter(text)
    meta = {}
    if fm_text is not None:
        data, yd = yamlsrc.parse(fm_text, rel, line_offset=1, code="J201")
        diags += yd
        if yd:
            return [], diags
        if data is not None and not yamlsrc.is_map(data):
            return [], [error(Source(rel, 2), "J201", "front matter must be a mapping of keys")]
        meta = data or {}
    f = Fields(meta, rel, "J201", line_base=1, diags=diags)
    line = f.source

    kind = f.text("kind", KIND_ARTICLE)
    if kind not in ITEM_KINDS:
        diags.append(error(line("kind"), "J204", f"kind {kind!r} is neither 信息 nor 简讯", "write kind: 信息 or kind: 简讯"))
        kind = KIND_ARTICLE
    section = f.text("section") or default_section or kind
    order = f.number("order", 0.0, minimum=-1e9, maximum=1e9)
    title = f.text("title")
    subtitle = f.text("subtitle")
    credit_key = "credits" if meta.get("credits") is not None else "credit"
    credit_labels = list(f.names(credit_key, what="a list of credit lines such as 利用科/张三"))
    unit_names = list(f.names("units", split=True, what="a list of unit names"))
    authors = list(f.names("authors", split=True, what="a list of author names"))
    blocks = markdown_blocks(body, rel, body_line, path.parent, path.parent)
    base = dict(
        section=section,
        order=order,
        category=f.text("category"),
        tags=f.names("tags", split=True, what="a list of tags"),
    )

    if kind == KIND_BRIEF and not title:
        items, bd = _briefs(rel, blocks, units, base, meta)
        return items, diags + bd

    # credits: front matter, else a legacy credit line closing the body
    labels = credit_labels
    if not labels and unit_names:
        labels = [f"{unit_names[0]}/{' '.join(authors)}" if authors else unit_names[0]] + unit_names[1:]
    credit_source = line("credits" if "credits" in meta else "credit" if "credit" in meta else "units")
    for label in labels:
        diags += _credit_syntax(label, credit_source)
    if not labels and blocks and isinstance(blocks[-1], Paragraph):
        m = WHOLE_CREDIT.match(blocks[-1].text)
        if m:
            labels = [m[1]]
            credit_source = blocks[-1].source
            blocks = blocks[:-1]
        else:
            rest, inner = split_trailing_credit(blocks[-1].text, units)
            if inner:
                labels = [inner]
                credit_source = blocks[-1].source
                last = blocks[-1]
                blocks = blocks[:-1] + (
                    Paragraph(spans=_strip_trailing(last.spans, len(last.text) - len(rest)), source=last.source),
                )
                diags += _second_group(rest, inner, credit_source, units)
        if labels:
            diags += _credit_syntax(labels[0], credit_source)
    credits = resolve_credits(labels, units)
    diags += _credit_diags(credits, credit_source, units)

    if kind == KIND_BRIEF and blocks and isinstance(blocks[0], Paragraph):
        first = blocks[0]
        if first.spans and first.spans[0].text.startswith(BRIEF_MARK):
            s0 = first.spans[0]
            blocks = (Paragraph(spans=(Span(text=s0.text[1:], bold=s0.bold, italic=s0.italic),) + first.spans[1:],
                                source=first.source),) + blocks[1:]
    item = Item(
        source=Source(rel, 1),
        kind=kind,
        title=title,
        subtitle=subtitle,
        credits=credits,
        blocks=blocks,
        **base,
    )
    return [item], diags


def _credit_syntax(label: str, source: Source) -> list[Diagnostic]:
    return [error(source, "J214", f"credit {label!r}: {p}", "write 单位 or 单位/作者 作者, e.g. 利用科/张三 李四")
            for p in credit_problems(label)]


def _second_group(rest: str, inner: str, source: Source, units: Units) -> list[Diagnostic]:
    """A credit right after another parenthesised group: ``（办公室)(人事科）`` would silently drop 办公室."""
    m = TRAILING_CREDIT.search(rest)
    if m and looks_like_credit(m[1], units.resolve):
        return [error(source, "J214", f"two parenthesised groups close the paragraph: {m[0].strip()} and ({inner}); "
                                      "only the last would be credited",
                      f"write one credit line such as （{m[1].strip()} {inner.strip()}）")]
    return []


def _credit_diags(credits: tuple[Credit, ...], source: Source, units: Units) -> list[Diagnostic]:
    out = [
        error(source, "J203", f"unit {c.label!r} is not in the unit registry", units.hint(c.label))
        for c in credits
        if not c.resolved
    ]
    seen: set[str] = set()
    for c in credits:
        if c.resolved and c.unit in seen:
            out.append(error(source, "J214", f"unit {c.unit} is credited twice",
                             "name each unit once; list all its authors after one slash: 单位/作者 作者"))
        seen.add(c.unit)
    return out


def _briefs(rel: str, blocks, units: Units, base: dict, meta) -> tuple[list[Item], list[Diagnostic]]:
    """Split a briefs file: each ▲ paragraph is a brief; a lone credit paragraph joins the one before."""
    items: list[Item] = []
    diags: list[Diagnostic] = []
    pending: list[tuple[Paragraph, list[Block], str | None, Source]] = []
    for b in blocks:
        text = b.text if isinstance(b, Paragraph) else ""
        if isinstance(b, Paragraph) and text.lstrip().startswith(BRIEF_MARK):
            rest, inner = split_trailing_credit(text, units)
            para = b
            if inner:
                para = Paragraph(spans=_strip_trailing(b.spans, len(text) - len(rest)), source=b.source)
                diags += _second_group(rest, inner, b.source, units)
            pending.append((para, [], inner, b.source))
        elif isinstance(b, Paragraph) and (m := WHOLE_CREDIT.match(text)) and pending and pending[-1][2] is None:
            p, extra, _, _ = pending[-1]
            pending[-1] = (p, extra, m[1], b.source)
        elif pending:
            pending[-1][1].append(b)  # continuation (a second paragraph of the brief)
        else:
            diags.append(error(b.source, "J201", "text before the first ▲ brief in a briefs file",
                               "start every brief with ▲, or give the file a title to make it one item"))
    order = base["order"]
    for n, (para, extra, inner, csrc) in enumerate(pending):
        spans = list(para.spans)
        spans[0] = Span(text=spans[0].text.lstrip().lstrip(BRIEF_MARK), bold=spans[0].bold, italic=spans[0].italic)
        credits = resolve_credits([inner] if inner else [], units)
        if inner:
            diags += _credit_syntax(inner, csrc)
        diags += _credit_diags(credits, csrc, units)
        items.append(
            Item(
                source=para.source,
                kind=KIND_BRIEF,
                title=brief_title(para.spans),
                credits=credits,
                blocks=(Paragraph(spans=tuple(s for s in spans if s.text), source=para.source), *extra),
                **{**base, "order": order + n / 1000},
            )
        )
    return items, diags


def item_files(issue_dir: Path) -> list[Path]:
    """The item files of an issue folder (``_`` and ``.`` files are drafts and are skipped).

    Folders and other non-files named ``*.md`` are listed too, so that loading reports them.
    """
    return sorted(p for p in issue_dir.glob("*.md") if not p.name.startswith(("_", ".")))


def load_issue(root: Path, issue_dir: Path, units: Units) -> tuple[Issue | None, list[Diagnostic]]:
    """The issue in ``issue_dir`` (inside the workspace, or a folder the user named explicitly)."""
    issue_dir = issue_dir.resolve()
    rel = yamlsrc.rel(root, issue_dir / ISSUE_FILE)
    allowed = (issue_dir,)
    data, diags = yamlsrc.load(root, issue_dir / ISSUE_FILE, code="J212",
                               expect="the issue's number:, date: and sections:", allowed=allowed)
    if data is None:
        return None, diags
    if not yamlsrc.is_map(data):
        return None, [error(Source(rel, 1), "J212", "issue.yml must be a mapping (number:, date:, sections:)")]
    f = Fields(data, rel, "J212", diags=diags)
    number = f.whole("number", 0, minimum=1, maximum=100_000, required=True)
    date = f.date("date", required=True)
    if date is None:
        date = dt.date(1970, 1, 1)
    elif isinstance(data.get("date"), str) and not _CN_DATE.match(data["date"]) and not re.match(r"^\d{4}-\d{2}-\d{2}$", data["date"]):
        diags.append(error(f.source("date"), "J211", f"date {data['date']!r} is not written like 2024年4月9日"))
    total = f.whole("total_number", None, minimum=1, maximum=1_000_000)
    sections = tuple(dict.fromkeys(f.names("sections", split=True, what="a list of section names")))
    editor_note = f.text("editor_note", what="text (the 编者按)")
    items: list[Item] = []
    files = item_files(issue_dir)
    sizes = [p.stat().st_size for p in files if p.is_file()]
    text_bytes = sum(n for n in sizes if n <= safeio.LIMITS["markdown"])  # a file over its own limit is named by itself
    if len(files) > safeio.MAX_ITEM_FILES:
        diags.append(error(Source(rel, 1), "J105", f"the issue folder holds {len(files)} Markdown files, more than "
                                                   f"the limit of {safeio.MAX_ITEM_FILES}",
                           "an issue has one file per article and one per briefs section; split it"))
        files = []
    elif text_bytes > safeio.LIMITS["issue"]:
        diags.append(error(Source(rel, 1), "J105", f"the item files hold {text_bytes / safeio.MB:.1f} MB, more than the "
                                                   f"limit of {safeio.LIMITS['issue'] // safeio.MB} MB for one issue",
                           "split the issue, or move long material to an attachment"))
        files = []
    for path in files:
        found, d = load_item_file(root, path, units, allowed=allowed)
        items += found
        diags += d
    if not files and not any(d.source.path == rel for d in diags if d.code == "J105"):
        diags.append(error(Source(rel, 1), "J212", "the issue has no items: there is nothing to print",
                           f"add one Markdown file per article (and a ▲ briefs file) to {yamlsrc.rel(root, issue_dir)}/"))
    for it in items:
        if sections and it.section not in sections:
            diags.append(error(it.source, "J213", f"section {it.section!r} is not in issue.yml sections {list(sections)}"))
    rank = {s: i for i, s in enumerate(sections)}
    items.sort(key=lambda it: (rank.get(it.section, len(rank)), it.order, it.source.path, it.source.line))
    issue = Issue(
        source=Source(rel, 1),
        id=issue_dir.name,
        path=issue_dir,
        number=number,
        date=date,
        total_number=total,
        sections=sections,
        editor_note=editor_note,
        items=tuple(items),
    )
    return issue, diags
