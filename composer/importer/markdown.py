"""Imported pieces → Markdown text and workspace item files (docs/formats.md).

Bold/italic runs become ``**…**`` / ``*…*``; punctuation at the edge of an
emphasised run is moved outside it, because CommonMark does not open or close
emphasis between a CJK letter and punctuation (``字**“引”**字`` stays literal).
"""

from __future__ import annotations

import re

from composer import yamlsrc
from composer.importer.extract import ImagePiece, Para, TablePiece
from composer.importer.splitter import ImportedItem
from composer.model import KIND_BRIEF, Span, credit_line

_ESCAPE = re.compile(r"([\\`*_\[\]<>&|])")
_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+=](?=\s|$)|(\d{1,9})([.)])(?=\s|$))")
_EDGE = re.compile(r"^([\s\W_]*)(.*?)([\s\W_]*)$", re.S)


def escape(text: str) -> str:
    text = _ESCAPE.sub(r"\\\1", text)
    m = _LINE_START.match(text)
    if m:
        if m.group(2):
            text = m.group(2) + "\\" + text[len(m.group(2)):]
        else:
            text = "\\" + text
    return text


def spans_md(spans: tuple[Span, ...]) -> str:
    out = []
    for s in spans:
        if not (s.bold or s.italic) or not s.text.strip():
            out.append(escape(s.text))
            continue
        lead, core, tail = _EDGE.match(s.text).groups()
        if not core:
            out.append(escape(s.text))
            continue
        mark = "***" if s.bold and s.italic else "**" if s.bold else "*"
        out.append(escape(lead) + mark + escape(core) + mark + escape(tail))
    text = "".join(out)
    # a paragraph must not start with spaces (indented code)
    return text.lstrip()


def table_md(rows: tuple[tuple[str, ...], ...]) -> str:
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    cell = lambda t: escape(t.replace("\n", " ")).strip() or " "  # noqa: E731
    lines = []
    for i, r in enumerate(rows):
        cells = list(r) + [""] * (width - len(r))
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
        if i == 0:
            lines.append("|" + "|".join([" --- "] * width) + "|")
    return "\n".join(lines)


def blocks_md(blocks, image_name) -> tuple[str, dict[str, bytes]]:
    """Markdown body and the pictures to write beside it (relative path → bytes).

    ``image_name(n, ext)`` names the n-th picture (1-based), relative to the file.
    """
    parts: list[str] = []
    images: dict[str, bytes] = {}
    list_lines: list[str] = []
    list_kind = ""
    counter = 0

    def flush_list() -> None:
        nonlocal list_lines, list_kind
        if list_lines:
            parts.append("\n".join(list_lines))
        list_lines, list_kind = [], ""

    for b in blocks:
        if isinstance(b, Para) and b.list_kind:
            if list_kind and list_kind != b.list_kind:
                flush_list()
            list_kind = b.list_kind
            n = len(list_lines) + 1
            list_lines.append((f"{n}. " if b.list_kind == "ordered" else "- ") + spans_md(b.spans))
            continue
        flush_list()
        if isinstance(b, Para):
            level = {"一级标题": 2, "二级标题": 3, "Heading 1": 2, "Heading 2": 3, "Heading 3": 3}.get(b.style)
            text = spans_md(b.spans)
            parts.append(("#" * level + " " + text) if level else text)
        elif isinstance(b, TablePiece):
            parts.append(table_md(b.rows))
        elif isinstance(b, ImagePiece):
            counter += 1
            name = image_name(counter, b.ext)
            images[name] = b.data
            parts.append(f"![]({name})")
    flush_list()
    return "\n\n".join(p for p in parts if p) + "\n", images


def front_matter(pairs) -> str:
    """``---`` YAML ``---`` from (key, value[, comment]) tuples; None values are left out."""
    m = yamlsrc.new_map()
    comments = {}
    for pair in pairs:
        key, value = pair[0], pair[1]
        if value is None or value == "" or value == []:
            continue
        m[key] = value
        if len(pair) > 2 and pair[2]:
            comments[key] = pair[2]
    for key, c in comments.items():
        m.yaml_add_eol_comment(c, key)
    return "---\n" + yamlsrc.dump(m) + "---\n"


def credit_strings(item: ImportedItem) -> list[str]:
    """``单位/作者 作者`` strings, as written on the credit line."""
    return [c.display for c in item.credits]


def unresolved(item: ImportedItem) -> list[str]:
    return [c.label for c in item.credits if not c.resolved]


TODO = "TODO: unknown unit, fix the name or add it to contributors/units.yml"


def article_file(item: ImportedItem, order: int, image_name) -> tuple[str, dict[str, bytes]]:
    body, images = blocks_md(item.blocks, image_name)
    bad = unresolved(item)
    fm = front_matter([
        ("title", item.title),
        ("subtitle", item.subtitle),
        ("kind", item.kind),
        ("credits", yamlsrc.flow(credit_strings(item)), TODO if bad else None),
        ("unresolved", yamlsrc.flow(bad) if bad else None),
        ("section", item.section),
        ("order", order),
    ])
    return fm + body, images


def briefs_file(items: list[ImportedItem], section: str, order: int, image_name) -> tuple[str, dict[str, bytes]]:
    """One briefs file: each brief a ▲ paragraph ending with its credit line."""
    bad = [u for it in items for u in unresolved(it)]
    fm = front_matter([("kind", KIND_BRIEF), ("section", section), ("order", order),
                       ("unresolved", bad, TODO if bad else None)])
    chunks: list[str] = []
    images: dict[str, bytes] = {}
    for it in items:
        body, imgs = blocks_md(it.blocks, lambda n, ext, k=len(images): image_name(k + n, ext))
        images.update(imgs)
        body = body.rstrip("\n")
        if not body.startswith("▲"):
            body = "▲" + body
        credit = credit_line(it.credits) if it.credits else ""
        if "\n\n" in body:
            chunks.append(body + ("\n\n" + credit if credit else ""))
        else:
            chunks.append(body + ("\n" + credit if credit else ""))
    return fm + "\n\n".join(chunks) + "\n", images
