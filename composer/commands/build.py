"""``jianbao build ISSUE``: check, render every asked format, then write them all.

Rendering happens entirely in memory; files are written only when every format
rendered, each atomically, so a failed build leaves the old outputs in place.
"""

from __future__ import annotations

from pathlib import Path

from composer.cliutil import progress
from composer.commands.check import load_checked
from composer.diagnostics import Diagnostic, has_errors
from composer.output import write_all

SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}


def render(ws, issue, fmt: str) -> bytes:
    if fmt == "html":
        from composer.render import html

        return html.render(ws, issue).encode("utf-8")
    if fmt == "pdf":
        from composer.render import pdf

        return pdf.render(ws, issue)
    if fmt == "docx":
        from composer.render import docx

        return docx.render(ws, issue)
    raise ValueError(fmt)


def build(ws, issue_arg, out: Path | None, formats, strict: bool = False) -> tuple[list[Path], list[Diagnostic]]:
    issue, diags = load_checked(ws, issue_arg)
    if issue is None or has_errors(diags, strict):
        return [], diags
    out_dir = Path(out) if out else ws.root / "build" / issue.id
    files: dict[Path, bytes] = {}
    for fmt in formats:
        progress(f"rendering {fmt} …")
        files[out_dir / f"{issue.id}{SUFFIX[fmt]}"] = render(ws, issue, fmt)
    write_all(files)
    return list(files), diags
