"""The ``jianbao`` command line: parse options, call composer.commands, map exit codes.

Heavy libraries (WeasyPrint, python-docx, openpyxl) are imported only by the
commands that need them, so ``jianbao check`` starts fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from composer import __version__
from composer.cliutil import fail, finish, progress, workspace
from composer.diagnostics import JianbaoError

FORMATS = ("pdf", "docx", "html")


class Group(click.Group):
    """Turns JianbaoError into a clean message and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except JianbaoError as e:
            ws = (ctx.obj or {}).get("ws")
            fail(e, ws.root if ws else None)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", type=click.Path(file_okay=False, path_type=Path), help="Workspace folder (default: current).")
@click.version_option(__version__, prog_name="jianbao")
@click.pass_context
def main(ctx: click.Context, directory: Path | None) -> None:
    """jianbao — compose, publish and score work bulletins (简报)."""
    ctx.ensure_object(dict)["dir"] = directory


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a new workspace in DIRECTORY."""
    from composer.commands import init as init_cmd

    for line in init_cmd.init(directory):
        progress(line)


@main.command()
@click.argument("issue")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Diagnostics format.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def check(ctx: click.Context, issue: str, fmt: str, strict: bool) -> None:
    """Validate ISSUE (a folder or an id under issues/) without rendering."""
    from composer.commands import check as check_cmd

    ws = workspace(ctx)
    diags = check_cmd.check(ws, issue)
    if fmt == "text" and not diags:
        progress("ok: no problems found")
    finish(diags, ws.root, fmt, strict)


def _formats(value: str) -> tuple[str, ...]:
    out = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (comma-separated)")
    return out


@main.command()
@click.argument("issue")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default build/<issue id>/).")
@click.option("--format", "formats", default="pdf,docx,html", show_default=True, help="Comma-separated: pdf,docx,html.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def build(ctx: click.Context, issue: str, out: Path | None, formats: str, strict: bool) -> None:
    """Build ISSUE into PDF, DOCX and HTML."""
    from composer.commands import build as build_cmd

    fmts = _formats(formats)
    worker = build_cmd.PdfWorker.for_formats(fmts)  # forked first: its imports overlap the loading
    try:
        ws = workspace(ctx)
    except BaseException:
        if worker:
            worker.cancel()
        raise
    written, diags = build_cmd.build(ws, issue, out, fmts, strict=strict, worker=worker)
    finish(diags, ws.root, "text", strict)
    for path in written:
        click.echo(str(path))


def _register() -> None:
    from composer import cli_import, cli_ledger, cli_report, cli_serve

    cli_ledger.register(main)
    cli_report.register(main)
    cli_import.register(main)
    cli_serve.register(main)
    __import__("composer.cli_user").cli_user.register(main)


_register()
