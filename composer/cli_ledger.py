"""Commands of the ledger side: ``publish`` and ``ledger add | check | close``.

Thin click code: the flow is in composer.commands.publish and composer.commands.ledger_cmd.
"""

from __future__ import annotations

import copy

import click

from composer.cliutil import finish, json_on_failure, progress, workspace


FILL = "\u3000"  # full-width space pads Chinese names into columns


def _command_line(ctx: click.Context, **params) -> str:
    """The command as a log line: ``jianbao ledger add bonus unit=… date=…``."""
    words = ["jianbao", *ctx.command_path.split()[1:]]
    words += [f"{k}={v}" for k, v in params.items() if v not in (None, False, "", ())]
    return " ".join(words)


def _closed_note(changes) -> None:
    for period, diff in changes:
        progress(f"closed period {period} changed (forced, logged in ledger/closed/{period}.yml): "
                 + "、".join(u for u, _, _ in diff))


def _points(p) -> str:
    return "不计分" if p is None else f"{p}"


def register(main: click.Group) -> None:
    """Add ``publish`` and the ``ledger`` group to the ``jianbao`` group."""

    @main.command()
    @click.argument("issue")
    @click.option("--dry-run", is_flag=True, help="Show which unit gets which item and points; write nothing.")
    @click.option("--revise", is_flag=True, help="Replace the records of an issue that changed since publishing.")
    @click.option("--reason", default="", help="Why: required with --revise (kept in the trail) and with --force.")
    @click.option("--force", is_flag=True, help="Allow a change to a closed period (needs --reason; logged).")
    @click.option("--no-build", is_flag=True, help="Record the credits only (e.g. a past issue); build no outputs.")
    @click.pass_context
    def publish(ctx: click.Context, issue: str, dry_run: bool, revise: bool, reason: str, force: bool,
                no_build: bool) -> None:
        """Check and build ISSUE, then credit its units in the ledger."""
        from composer.commands import publish as publish_cmd

        ws = workspace(ctx)
        result = publish_cmd.publish(ws, issue, dry_run=dry_run, revise=revise, reason=reason, force=force,
                                     outputs=not no_build)
        if result.status == "invalid":
            progress(result.message)
            finish(list(result.diagnostics), ws.root)
            raise click.ClickException(result.message)
        if result.status == "dry-run":
            width = max((len(c.unit) for c in result.credits), default=4)
            for c in result.credits:
                click.echo(f"{c.unit.ljust(width, FILL)}  {c.kind}  {_points(c.points):>4}  {c.title}")
            totals: dict[str, object] = {}
            for c in result.credits:
                if c.points is None:
                    totals.setdefault(c.unit, None)
                else:
                    totals[c.unit] = (totals.get(c.unit) or 0) + c.points
            click.echo("—— 合计 ——")
            for unit, total in totals.items():
                click.echo(f"{unit.ljust(width, FILL)}  {_points(total)}")
            if result.revision:
                for r in result.removed:
                    click.echo(f"- removed: {r['kind']} {r['title']} ({'、'.join(r['units'])})")
                for r in result.added:
                    click.echo(f"+ added: {r['kind']} {r['title']} ({'、'.join(r['units'])})")
        finish([d for d in result.diagnostics if not d.is_error], ws.root)
        for path in result.outputs:
            click.echo(str(path))
        progress(result.message)

    @main.group()
    def ledger() -> None:
        """Record and import events, validate the ledger, close a period."""

    @ledger.command("check")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Diagnostics format.")
    @click.option("--strict", is_flag=True, help="Fail on warnings too.")
    @click.pass_context
    def check(ctx: click.Context, fmt: str, strict: bool) -> None:
        """Validate every ledger file: units, outlets, dates, duplicates, closed periods."""
        from composer.commands import ledger_cmd

        with json_on_failure(ctx, fmt):
            ws = workspace(ctx)
            diags = ledger_cmd.check(ws)
        if fmt == "text" and not diags:
            progress("ok: the ledger has no problems")
        finish(diags, ws.root, fmt, strict)

    @ledger.command("close")
    @click.argument("period")
    @click.option("--force", is_flag=True, help="Record new figures for an already closed period (needs --reason).")
    @click.option("--reason", default="", help="Why the closed figures change (logged).")
    @click.pass_context
    def close(ctx: click.Context, period: str, force: bool, reason: str) -> None:
        """Close PERIOD (2024-01 or 2024-05..2024-06): record each unit's figures as assertions."""
        from composer.commands import ledger_cmd

        ws = workspace(ctx)
        path, figures = ledger_cmd.close(ws, period, force=force, reason=reason, command=f"jianbao ledger close {period}")
        progress(f"closed {period}: figures of {len(figures)} unit(s) in {ws.rel(path)}")

    @ledger.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=__import__("pathlib").Path))
    @click.option("--dry-run", is_flag=True, help="Validate and show what would be added; write nothing.")
    @click.option("--month", default=None, help="The month of a count table (单位 | 上报 | 报市), e.g. 2024-01.")
    @click.option("--force", is_flag=True, help="Allow changes to a closed period (needs --reason; logged).")
    @click.option("--reason", default="", help="Why a closed period changes (logged).")
    @click.pass_context
    def import_(ctx: click.Context, file, dry_run: bool, month: str | None, force: bool, reason: str) -> None:
        """Add the events of a CSV or XLSX sheet (one event a row) in one transaction; rows already
        in the ledger are skipped."""
        from composer.commands import ledger_cmd, ledger_import

        ws = workspace(ctx)
        if not file.exists():
            raise click.BadParameter(f"{file}: no such file", param_hint="FILE")
        if not file.is_file():
            raise click.BadParameter(f"{file}: not a regular file (a FIFO or a device); give the .csv or .xlsx sheet",
                                     param_hint="FILE")
        cmd = f"jianbao ledger import {file.name}" + (f" --month {month}" if month else "")
        result = ledger_import.import_events(ws, file, shown=str(file), month=month, dry_run=dry_run, force=force,
                                             reason=reason, command=cmd)
        for entry in result.added:
            click.echo(("would add: " if dry_run else "added: ") + ledger_cmd.describe(entry))
        _closed_note(result.closed_changes)
        verb = "would add" if dry_run else "added"
        progress(f"{result.file}: {result.rows} row(s); {verb} {len(result.added)}, "
                 f"{result.skipped} already in the ledger" + ("; dry run, nothing written" if dry_run else ""))

    @ledger.command("template")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=__import__("pathlib").Path),
                  help="events.xlsx (or .csv): the sheet to fill in and import.")
    @click.pass_context
    def template(ctx: click.Context, out) -> None:
        """Write an empty events sheet (with examples and notes) for `jianbao ledger import`."""
        from composer.commands import ledger_cmd, ledger_import

        ws = workspace(ctx)
        if not str(out).strip() or str(out) == ".":
            raise click.BadParameter("give a file name such as events.xlsx", param_hint="--out")
        path = ledger_import.template(ws, out)
        progress(f"wrote {path}: fill in one event a row, then `jianbao ledger import {path.name} --dry-run`")

    @ledger.group("add")
    def add() -> None:
        """Record one event in ledger/events/<month>.yml."""

    def common(f):
        f = click.option("--file", "file", default=None, help="Events file (default ledger/events/<month>.yml).")(f)
        f = click.option("--force", is_flag=True, help="Allow a change to a closed period (logged).")(f)
        f = click.option("--force-reason", default="", help="Why a closed period changes (default: --reason).")(f)
        return click.pass_context(f)

    def run(ctx, type_: str, fields: dict, file, force: bool, force_reason: str) -> None:
        from composer.commands import ledger_cmd

        ws = workspace(ctx)
        reason = force_reason or fields.get("reason") or ""
        cmd = _command_line(ctx, **{k: ("、".join(v) if isinstance(v, (tuple, list)) else v) for k, v in fields.items()})
        result = ledger_cmd.add(ws, type_, fields, file=file, force=force, reason=reason, command=cmd)
        _closed_note(result.closed_changes)
        progress(f"added to {ws.rel(result.path)}: {ledger_cmd.describe(result.entry)}")

    unit_opt = click.option("--unit", required=True, help="Unit (full, short name or alias).")
    units_opt = click.option("--unit", "units", multiple=True, required=True, help="Unit; repeat for several.")
    date_opt = click.option("--date", required=True, help="A day 2024-01-15 or a month 2024-01.")

    @add.command("submission")
    @unit_opt
    @date_opt
    @click.option("--count", type=int, default=None, help="Number of manuscripts (default 1).")
    @click.option("--title", default=None)
    @click.option("--category", default=None)
    @click.option("--ref", default=None, help="The imported manuscript (counted once).")
    @common
    def add_submission(ctx, file, force, force_reason, **fields):
        """上报: manuscripts a unit sent (itemized or a count)."""
        run(ctx, "submission", fields, file, force, force_reason)

    @add.command("adoption")
    @click.option("--outlet", required=True, help="Outlet from the rules file (own bulletin: 简报).")
    @click.option("--kind", required=True, help="信息 / 简讯 / 动态.")
    @click.option("--star", is_flag=True, help="★")
    @click.option("--title", required=True)
    @date_opt
    @units_opt
    @click.option("--issue", type=int, default=None, help="Own-bulletin backfill: the issue number.")
    @click.option("--category", default=None)
    @common
    def add_adoption(ctx, file, force, force_reason, **fields):
        """采用: an item adopted by an outlet."""
        run(ctx, "adoption", fields, file, force, force_reason)

    @add.command("commission")
    @click.option("--topic", required=True)
    @units_opt
    @click.option("--deadline", default=None, help="2024-08-01")
    @click.option("--status", type=click.Choice(["open", "submitted", "adopted", "overdue"]), default=None)
    @click.option("--title", default=None)
    @click.option("--date", required=True, help="When commissioned, submitted or adopted (the month it scores in).")
    @click.option("--outlet", default=None)
    @common
    def add_commission(ctx, file, force, force_reason, **fields):
        """约稿: a commissioned topic, its units, deadline and status."""
        run(ctx, "commission", fields, file, force, force_reason)

    @add.command("report_up")
    @unit_opt
    @date_opt
    @click.option("--count", type=int, default=None)
    @click.option("--channel", default=None, help="报市 (default) / 报省.")
    @click.option("--title", default=None)
    @common
    def add_report_up(ctx, file, force, force_reason, **fields):
        """报市/报省: items reported up."""
        run(ctx, "report_up", fields, file, force, force_reason)

    @add.command("bonus")
    @unit_opt
    @date_opt
    @click.option("--points", required=True, help="Points (negative for a deduction).")
    @click.option("--reason", required=True)
    @common
    def add_bonus(ctx, file, force, force_reason, **fields):
        """加分/扣分 with a reason."""
        run(ctx, "bonus", fields, file, force, force_reason)

    @add.command("opening")
    @unit_opt
    @date_opt
    @click.option("--submitted", type=int, default=None)
    @click.option("--adopted", multiple=True, help="measure=count, e.g. 市/信息=3; repeat.")
    @click.option("--points", default=None)
    @common
    def add_opening(ctx, file, force, force_reason, **fields):
        """Opening balance carried in from before jianbao."""
        adopted = {}
        for a in fields.pop("adopted"):
            key, _, n = a.partition("=")
            if not n.strip().isdigit():
                raise click.BadParameter(f"{a!r}: write measure=count, e.g. 市/信息=3", param_hint="--adopted")
            adopted[key.strip()] = int(n)
        run(ctx, "opening", {**fields, "adopted": adopted or None}, file, force, force_reason)

    @add.command("waiver")
    @unit_opt
    @click.option("--date", required=True, help="A month 2024-05 or a range 2024-05..2024-06.")
    @click.option("--reason", required=True)
    @common
    def add_waiver(ctx, file, force, force_reason, **fields):
        """A unit exempted from a quota for a period."""
        run(ctx, "waiver", fields, file, force, force_reason)

    alias = copy.copy(add_report_up)  # `report-up` also works, unlisted
    alias.hidden = True
    add.add_command(alias, "report-up")
