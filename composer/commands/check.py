"""``jianbao check ISSUE``: load and validate, render nothing."""

from __future__ import annotations

from composer.checks import run_checks
from composer.diagnostics import Diagnostic
from composer.model import Issue


def load_checked(ws, issue_arg) -> tuple[Issue | None, list[Diagnostic]]:
    """The issue and every problem found loading and checking it."""
    issue, diags = ws.load_issue(issue_arg)
    diags = list(ws.diagnostics) + diags
    if issue is not None:
        diags += run_checks(issue, ws.publication)
    return issue, diags


def check(ws, issue_arg) -> list[Diagnostic]:
    return load_checked(ws, issue_arg)[1]


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
        n = punctuation.fix_file(path)
        if n:
            done.append((rel, n))
    return done
