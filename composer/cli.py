"""The ``jianbao`` command line: parse options, call composer.commands, map exit codes.

Heavy libraries (WeasyPrint, python-docx, openpyxl) are imported only by the
commands that need them, so ``jianbao check`` starts fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from composer import __version__
from composer.cliutil import crash, fail, finish, folder_option, json_on_failure, os_message, progress, workspace
from composer.diagnostics import JianbaoError

FORMATS = ("pdf", "docx", "html")


class Group(click.Group):
    """No traceback reaches the user: JianbaoError and OSError become a one-line message and exit
    code 1; anything else (a bug) is saved to a crash report whose path is printed (cliutil.crash)."""

    def make_context(self, info_name, args, parent=None, **extra):
        ctx = super().make_context(info_name, list(args), parent=parent, **extra)
        ctx.meta["jianbao.argv"] = [info_name or "jianbao", *args]  # for a crash report
        return ctx

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except JianbaoError as e:
            ws = (ctx.obj or {}).get("ws")
            fail(e, ws.root if ws else None)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; files are written atomically, nothing was left half-written") from None
        except OSError as e:
            ws = (ctx.obj or {}).get("ws")
            raise click.ClickException(os_message(e, ws.root if ws else None)) from None
        except Exception as e:  # noqa: BLE001 - a bug: report it, never show a traceback
            raise click.ClickException(crash(e, ctx)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", type=click.Path(file_okay=False, path_type=Path), help="Workspace folder (default: current).")
@click.version_option(__version__, prog_name="jianbao")
@click.pass_context
def main(ctx: click.Context, directory: Path | None) -> None:
    """jianbao — compose, publish and score work bulletins (简报)."""
    ctx.ensure_object(dict)["dir"] = directory


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The bulletin's name (masthead), e.g. 自然资源工作简报.")
@click.option("--organization", help="The organisation that signs the 通报, e.g. 某某市自然资源局.")
@click.option("--office", help="The editing office printed in the bulletin (default: <organization>办公室).")
def init(directory: Path, name: str | None, organization: str | None, office: str | None) -> None:
    """Create a new workspace in DIRECTORY (asks for the office's names when run in a terminal)."""
    from composer.commands import init as init_cmd

    default = init_cmd.Names()
    if _interactive():
        name = name or click.prompt("简报名称 (bulletin name)", default=default.name)
        organization = organization or click.prompt("发文单位 (organisation signing the 通报)", default=default.organization)
    names = init_cmd.Names(name=name or default.name, organization=organization or default.organization,
                           office=office or "")
    for line in init_cmd.init(directory, names):
        progress(line)


@main.command()
@click.argument("issue")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Diagnostics format.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--fix", is_flag=True, help="Convert half-width punctuation in Chinese text (J220) in place, then check.")
@click.pass_context
def check(ctx: click.Context, issue: str, fmt: str, strict: bool, fix: bool) -> None:
    """Validate ISSUE (a folder or an id under issues/) without rendering."""
    from composer.commands import check as check_cmd

    with json_on_failure(ctx, fmt):
        ws = workspace(ctx)
        if fix:
            for rel, n in check_cmd.fix(ws, issue):
                progress(f"fixed {n} half-width mark(s) in {rel}")
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
@click.option("--out", type=click.Path(file_okay=False), callback=folder_option,
              help="Output folder (default build/<issue id>/).")
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
    from composer import cli_edit

    cli_ledger.register(main)
    cli_report.register(main)
    cli_import.register(main)
    cli_serve.register(main)
    cli_edit.register(main)
    __import__("composer.cli_user").cli_user.register(main)


_register()
