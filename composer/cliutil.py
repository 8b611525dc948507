"""Shared command-line plumbing: workspace option, diagnostics output, exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from composer.diagnostics import Diagnostic, JianbaoError, format_json, format_text, has_errors


def workspace(ctx: click.Context):
    """Open the workspace named by ``-C`` (or the current directory), once per run."""
    from composer.workspace import open_workspace

    obj = ctx.ensure_object(dict)
    if "ws" not in obj:
        obj["ws"] = open_workspace(obj.get("dir"))
    return obj["ws"]


def emit(diags: list[Diagnostic], root: Path | None, fmt: str = "text") -> None:
    """Print diagnostics to stderr (text) or stdout (json)."""
    if fmt == "json":
        click.echo(format_json(diags))
    elif diags:
        click.echo(format_text(diags, root), err=True)


def finish(diags: list[Diagnostic], root: Path | None, fmt: str = "text", strict: bool = False) -> None:
    """Print diagnostics and exit 1 on an error (or any warning with --strict)."""
    emit(diags, root, fmt)
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if fmt != "json" and diags:
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if has_errors(diags, strict):
        sys.exit(1)


def fail(e: JianbaoError, root: Path | None = None) -> None:
    if e.diagnostics:
        click.echo(format_text(list(e.diagnostics), root), err=True)
    raise click.ClickException(str(e))


def progress(message: str) -> None:
    """Progress for long work goes to stderr, so stdout stays machine-readable."""
    click.echo(message, err=True)
