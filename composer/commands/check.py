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
