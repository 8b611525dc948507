"""Named checks over a loaded issue: pure functions returning diagnostics.

The loader already reports what it cannot read (YAML, kinds, unknown units,
sections); these checks look at the loaded items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from composer.diagnostics import Diagnostic, Severity, Source, error
from composer.model import KIND_BRIEF, Heading, Image, Issue, Item, ListBlock, Paragraph, Publication, Table


def item_text(item: Item) -> Iterator[tuple[Source, str]]:
    """Every piece of printed text of an item, with where it comes from."""
    yield item.source, item.title
    if item.subtitle:
        yield item.source, item.subtitle
    for c in item.credits:
        yield item.source, c.display
    for b in item.blocks:
        if isinstance(b, (Paragraph, Heading)):
            yield b.source, b.text
        elif isinstance(b, ListBlock):
            for spans in b.items:
                yield b.source, "".join(s.text for s in spans)
        elif isinstance(b, Table):
            for row in b.rows:
                yield b.source, "".join(row)


def issue_text(issue: Issue, pub: Publication) -> Iterator[tuple[Source, str]]:
    """All text the bulletin prints, masthead and 报尾 included."""
    yield issue.source, pub.name + pub.office + issue.editor_note
    for label, names in pub.distribution:
        yield pub.source, label + "".join(names)
    for item in issue.items:
        yield from item_text(item)


def check_titles(issue: Issue, pub: Publication) -> list[Diagnostic]:
    out = []
    seen: dict[str, Item] = {}
    for it in issue.items:
        if not it.title.strip():
            out.append(error(it.source, "J202", "item has no title", "add `title:` to the front matter"))
            continue
        key = re.sub(r"\s+", "", it.title)
        if key in seen:
            out.append(error(it.source, "J206", f"title {it.title!r} is also used by {seen[key].source}"))
        else:
            seen[key] = it
    return out


def check_credits(issue: Issue, pub: Publication) -> list[Diagnostic]:
    return [
        error(it.source, "J205", f"{it.kind} {it.title!r} credits no unit",
              "add `units:` to the front matter, or end the brief with a credit line such as （调查监测科）")
        for it in issue.items
        if not it.credits
    ]


def check_bodies(issue: Issue, pub: Publication) -> list[Diagnostic]:
    out = []
    for it in issue.items:
        text = "".join(t for _, t in item_text(it) if t is not it.title)
        has_body = any(
            (isinstance(b, (Paragraph, Heading)) and b.text.strip()) or isinstance(b, (ListBlock, Table, Image))
            for b in it.blocks
        )
        if not has_body or not text.strip():
            out.append(error(it.source, "J207", f"{it.kind} {it.title!r} has no text"))
    return out


def check_images(issue: Issue, pub: Publication) -> list[Diagnostic]:
    """Pictures the renderers will print: inside the issue folder, readable by both PDF and DOCX."""
    from composer import images

    out = []
    for it in issue.items:
        for b in it.blocks:
            if not isinstance(b, Image):
                continue
            if b.path is None or not images.possible_name(b.src):
                why = ("remote" if "://" in b.src or b.src.startswith("//")
                       else "not a possible file name" if not images.possible_name(b.src)
                       else "outside the issue folder")
                out.append(error(b.source, "J209", f"image {b.src!r} is {why}; only files inside the issue folder are used",
                                 "copy the picture into the issue folder and link it by a relative path"))
            elif not b.path.exists():
                out.append(error(b.source, "J209", f"image {b.src!r} does not exist"))
            elif why := images.problem(b.path, issue.path):
                out.append(error(b.source, "J209", f"image {b.src!r}: {why}"))
    return out


def check_brief_length(issue: Issue, pub: Publication) -> list[Diagnostic]:
    out = []
    for it in issue.items:
        if it.kind != KIND_BRIEF:
            continue
        n = sum(len(b.text) for b in it.blocks if isinstance(b, Paragraph))
        if n > pub.brief_max_chars:
            out.append(Diagnostic(it.source, "J210", f"brief has {n} characters, more than {pub.brief_max_chars}",
                                  "shorten it or make it an article (kind: 信息)", Severity.WARNING))
    return out


# dates that are not written like 2024年4月9日: ISO, dotted, slashed or zero-padded
_BAD_DATE = re.compile(
    r"(?<!\d)(\d{4})(?:[-./](\d{1,2})[-./](\d{1,2})|年0(\d)月|年(\d{1,2})月0(\d)日)(?!\d)"
)


def check_dates(issue: Issue, pub: Publication) -> list[Diagnostic]:
    out = []
    for it in issue.items:
        for src, text in item_text(it):
            for m in _BAD_DATE.finditer(text):
                out.append(Diagnostic(src, "J211", f"date {m.group(0)!r} is not written like 2024年4月9日",
                                      None, Severity.WARNING))
    return out


def issue_files(issue: Issue) -> list[tuple[str, Path]]:
    """(workspace-relative path, absolute path) of every item file of the issue."""
    from composer.reader import item_files

    folder = PurePosixPath(issue.source.path).parent
    return [(str(folder / p.name), p) for p in item_files(issue.path)]


def check_punctuation(issue: Issue, pub: Publication) -> list[Diagnostic]:
    """Half-width ``, ; ( ) : ? !`` next to Chinese text, at file:line:column (``check --fix`` converts)."""
    from composer import punctuation, safeio

    out = []
    for rel, path in issue_files(issue):
        try:
            text = safeio.read_text(pub.root, path, kind="markdown")
        except safeio.FileProblem:
            continue  # the loader reports unreadable files (a FIFO, a folder, too large)
        for f in punctuation.scan(text):
            out.append(Diagnostic(
                Source(rel, f.line, f.column), "J220",
                f"half-width {f.mark!r} in Chinese text ({f.context.strip()}); print wants {punctuation.FULL[f.mark]!r}",
                "jianbao check --fix ISSUE converts them in place", Severity.WARNING))
    return out


def check_glyphs(issue: Issue, pub: Publication) -> list[Diagnostic]:
    from composer import fonts

    return fonts.missing_glyphs(pub, issue_text(issue, pub))


CHECKS = (
    ("titles", check_titles),
    ("credits", check_credits),
    ("bodies", check_bodies),
    ("images", check_images),
    ("briefs", check_brief_length),
    ("dates", check_dates),
    ("punctuation", check_punctuation),
    ("glyphs", check_glyphs),
)


def run_checks(issue: Issue, pub: Publication) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for _, fn in CHECKS:
        out += fn(issue, pub)
    return out
