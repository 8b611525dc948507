"""Commands of the import side: ``import issue|issues|manuscript`` and ``inbox [take]``.

Thin click code: the flow is in composer.commands.importing and composer.commands.inbox.
Reports asked for go to stdout; diagnostics and progress to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from composer.cliutil import emit, folder_option, progress, workspace


def _day(value):
    from composer.commands.importing import parse_day

    return parse_day(value)


def register(main: click.Group) -> None:
    """Add ``import`` and ``inbox`` to the ``jianbao`` group."""

    @main.group("import")
    def import_group() -> None:
        """Import past bulletins and unit manuscripts from Word (.docx) and text (.txt)."""

    @import_group.command("issue")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--number", type=int, help="期号 (default: 第N期 from the masthead).")
    @click.option("--date", "date_", help="Issue date, 2024-04-15 (default: the masthead date line).")
    @click.option("--into", type=click.Path(file_okay=False), callback=folder_option, help="Parent folder (default issues/).")
    @click.option("--id", "issue_id", help="Issue folder name (default YYYY-NN).")
    @click.option("--allow-unresolved", is_flag=True, help="Write unknown units marked for the editor instead of stopping.")
    @click.option("--force", is_flag=True, help="Replace an existing issue folder.")
    @click.pass_context
    def import_issue(ctx, file, number, date_, into, issue_id, allow_unresolved, force) -> None:
        """Split a past bulletin FILE into an issue folder and print the import report."""
        from composer.commands import importing

        ws = workspace(ctx)
        r = importing.import_issue(ws, file, number=number, date=_day(date_), into=into, issue_id=issue_id,
                                   allow_unresolved=allow_unresolved, force=force)
        click.echo(importing.report(ws, r))
        emit(_shown(r.diagnostics, r.written), None)
        if not r.written:
            sys.exit(1)

    @import_group.command("issues")
    @click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
    @click.option("--into", type=click.Path(file_okay=False), callback=folder_option, help="Parent folder (default issues/).")
    @click.option("--allow-unresolved", is_flag=True, help="Write unknown units marked instead of stopping.")
    @click.option("--force", is_flag=True, help="Replace issue folders that exist.")
    @click.option("--publish", "do_publish", is_flag=True, help="Also credit each issue in the ledger (dry run unless --yes).")
    @click.option("--yes", is_flag=True, help="With --publish: write the adoption records.")
    @click.pass_context
    def import_issues(ctx, folder, into, allow_unresolved, force, do_publish, yes) -> None:
        """Backfill: import every bulletin of FOLDER in number order (number/date from file names or mastheads)."""
        from composer.commands import importing

        ws = workspace(ctx)
        results, diags = importing.import_folder(ws, folder, into=into, allow_unresolved=allow_unresolved, force=force)
        for r in results:
            click.echo(importing.report(ws, r))
        emit(_shown(diags, any(r.written for r in results)), None)
        if any(d.is_error and (d.code not in importing.BLOCKING or not allow_unresolved) for d in diags):
            sys.exit(1)
        if do_publish:
            _publish(ws, results, yes)

    @import_group.command("manuscript")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--unit", required=True, help="The unit that sent it (any registry name).")
    @click.option("--received", help="Date received, 2024-04-15 (default today).")
    @click.pass_context
    def import_manuscript(ctx, file, unit, received) -> None:
        """A unit's manuscript (.docx or .txt) into inbox/ as 待审, counted as a submission."""
        from composer.commands import importing

        ws = workspace(ctx)
        m = importing.import_manuscript(ws, file, unit, _day(received))
        rel = ws.rel(m.path)
        if m.duplicate_of is not None:
            progress(f"already imported as {rel} (same content); the submission is not counted again")
            click.echo(rel)
            return
        authors = f" / {' '.join(m.authors)}" if m.authors else ""
        progress(f"{m.unit}{authors}: {m.title}"
                 + (f" ({m.images} picture(s))" if m.images else "")
                 + f"; submission recorded in {ws.rel(m.ledger_file) if m.ledger_file else 'the ledger'}")
        click.echo(rel)

    @main.group("inbox", invoke_without_command=True)
    @click.option("--status", help="Only manuscripts with this status (待审, 已采用 …).")
    @click.pass_context
    def inbox(ctx, status) -> None:
        """List inbox manuscripts: ID, status, received, unit, title."""
        if ctx.invoked_subcommand is not None:
            return
        from composer.commands import inbox as inbox_cmd

        ws = workspace(ctx)
        text = inbox_cmd.listing(ws, status)
        if text:
            click.echo(text)
        else:
            progress("no manuscripts" + (f" with status {status}" if status else ""))

    @inbox.command("take")
    @click.argument("ident", metavar="ID")
    @click.argument("issue")
    @click.option("--as", "as_kind", type=click.Choice(["信息", "简讯"]), default="信息", show_default=True)
    @click.pass_context
    def take(ctx, ident, issue, as_kind) -> None:
        """Move manuscript ID into ISSUE (a folder or an id under issues/) keeping its credit."""
        from composer.commands import inbox as inbox_cmd

        ws = workspace(ctx)
        path, e = inbox_cmd.take(ws, ident, issue, as_kind)
        progress(f"{e.id}: {as_kind} in {ws.rel(path)}; inbox status {inbox_cmd.STATUS_TAKEN}")
        click.echo(ws.rel(path))

    @inbox.command("decline")
    @click.argument("ident", metavar="ID")
    @click.option("--reason", default="", help="Why (shown to the unit in its portal).")
    @click.pass_context
    def decline(ctx, ident, reason) -> None:
        """Mark manuscript ID 未采用 (it still counts as a submission)."""
        from composer.commands import inbox as inbox_cmd

        ws = workspace(ctx)
        e = inbox_cmd.decline(ws, ident, reason)
        progress(f"{e.id}: inbox status {inbox_cmd.STATUS_DECLINED}" + (f" ({reason})" if reason else ""))


def _shown(diags, written: bool):
    """Once written, unresolved credits are the editor's TODO: show them as warnings."""
    if not written:
        return list(diags)
    from dataclasses import replace

    from composer.diagnostics import Severity

    return [replace(d, severity=Severity.WARNING) if d.code in ("J602", "J205") else d for d in diags]


def _publish(ws, results, yes: bool) -> None:
    from composer.commands import publish as publish_cmd

    targets = [r for r in results if r.target.is_dir()]
    if yes:  # check every issue before crediting any
        for r in targets:
            res = publish_cmd.publish(ws, str(r.target), dry_run=True, outputs=False)
            if res.status == "invalid":
                emit(list(res.diagnostics), ws.root)
                raise click.ClickException(f"{r.issue_id}: {res.message}; no issue was published")
    for r in targets:
        res = publish_cmd.publish(ws, str(r.target), dry_run=not yes, outputs=False)
        if res.status == "invalid":
            emit(list(res.diagnostics), ws.root)
            raise click.ClickException(f"{r.issue_id}: {res.message}")
        if res.status == "dry-run":
            for c in res.credits:
                pts = "不计分" if c.points is None else str(c.points)
                click.echo(f"  第{r.number}期 {c.unit}  {c.kind}  {pts}  {c.title}")
        progress(res.message)
    if not yes:
        progress("dry run: nothing written to the ledger; run again with --publish --yes to record these credits")
