"""``jianbao check ISSUE``: load and validate, render nothing."""

from __future__ import annotations

from composer.checks import run_checks
from composer.diagnostics import Diagnostic, JianbaoError, error, has_errors
from composer.model import Issue


def load_checked(ws, issue_arg) -> tuple[Issue | None, list[Diagnostic]]:
    """The issue and every problem found loading and checking it."""
    issue, diags = ws.load_issue(issue_arg)
    diags = list(ws.diagnostics) + diags
    if issue is not None:
        diags += run_checks(issue, ws.publication)
    return issue, diags


def check_layout(ws, issue: Issue) -> list[Diagnostic]:
    """The layout's templates compile and render this issue (what build would find out too late)."""
    from composer.render import html

    try:
        html.render(ws, issue, variant="preview")  # compiles every template the layout uses, runs them once
        if _custom_layout(html.layout_dir(ws), html.DEFAULT_LAYOUT):  # the print branches too (50 ms)
            html.render(ws, issue, variant="print")
        return []
    except JianbaoError as e:
        return list(e.diagnostics) or [error(issue.source, "J502", str(e))]


def _custom_layout(folder, default) -> bool:
    """Whether the workspace's layout differs from jianbao's own (which its tests cover)."""
    from pathlib import Path

    folder, default = Path(folder), Path(default)
    if not folder.is_dir() or folder.resolve() == default.resolve():
        return False
    for p in folder.rglob("*"):
        if p.is_symlink():
            return True  # never read through a link here; the render reads it through safeio
        if p.is_file():
            twin = default / p.relative_to(folder)
            try:
                if not twin.is_file() or twin.read_bytes() != p.read_bytes():
                    return True
            except OSError:
                return True
    return False


def check(ws, issue_arg) -> list[Diagnostic]:
    """Everything build would refuse: the issue's problems, then the layout's (build renders it anyway)."""
    issue, diags = load_checked(ws, issue_arg)
    if issue is not None and not has_errors(diags):
        diags += check_layout(ws, issue)
    return diags


def fix(ws, issue_arg) -> list[tuple[str, int]]:
    """``check --fix``: convert half-width punctuation in the issue's item files, each written atomically.

    Returns (file, marks converted) for every file changed.  An issue that does not
    load is left alone (the check that follows reports why).
    """
    from composer import punctuation
    from composer.checks import issue_files

    issue, _ = ws.load_issue(issue_arg)
    if issue is None:
        return []
    done = []
    for rel, path in issue_files(issue):
        n = punctuation.fix_file(path, ws.root)
        if n:
            done.append((rel, n))
    return done
