"""Commands of the report side: ``jianbao report PERIOD`` and ``jianbao report annual YEAR``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from composer import safeio
from composer.cliutil import finish, folder_option, progress, workspace


def _formats(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    from composer.commands.report import FORMATS

    if not value:
        return default
    out = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (comma-separated)", param_hint="--format")
    return out


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"a date like 2024-03-20, found {value!r}", param_hint="--date") from None


def register(main: click.Group) -> None:
    """Add ``report`` and ``explain`` to the ``jianbao`` group."""

    @main.command()
    @click.argument("unit")
    @click.argument("period")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON: unit, period, period_points, cumulative_points, events.")
    @click.pass_context
    def explain(ctx, unit: str, period: str, as_json: bool) -> None:
        """Every entry that gives UNIT points in PERIOD (2024-01 or 2024-05..2024-06), with its file:line;
        the entries sum to the report's period points."""
        import json

        from composer import explain as explain_mod
        from composer.commands import report as report_cmd

        ws = workspace(ctx)
        x, diags = report_cmd.explain(ws, unit, period)
        finish([d for d in diags if d.is_error] if x is None else [], ws.root)
        if as_json:
            click.echo(json.dumps(explain_mod.as_dict(x), ensure_ascii=False, indent=2))
        else:
            click.echo(explain_mod.as_text(x), nl=False)

    @main.command()
    @click.argument("period")
    @click.argument("year", required=False)
    @click.option("--format", "formats", default=None,
                  help="Comma-separated: docx,pdf,xlsx,json (default: every installed renderer).")
    @click.option("--out", default=None, help="Output folder (default build/reports/<period>/); `-` prints JSON to stdout.")
    @click.option("--json", "as_json", is_flag=True, help="Print the JSON report to stdout; write nothing.")
    @click.option("--commentary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="A text file with the editor's commentary paragraph(s).")
    @click.option("--date", "date_", default=None, help="Date under the signature, e.g. 2024-03-20 (default: today, or for a long-past period the last day of the month after it; the date used is printed).")
    @click.option("--strict", is_flag=True, help="Fail on warnings too.")
    @click.pass_context
    def report(ctx, period: str, year: str | None, formats: str | None, out: str | None, as_json: bool,
               commentary: Path | None, date_: str | None, strict: bool) -> None:
        """Write the adoption report (通报) of PERIOD (2024-01 or 2024-05..2024-06),
        or the yearly totals with `report annual 2024`."""
        from composer.commands import report as report_cmd

        ws = workspace(ctx)
        to_stdout = as_json or out == "-"
        if to_stdout and formats and _formats(formats, ()) != ("json",):
            raise click.BadParameter("stdout takes JSON only", param_hint="--out -")
        out_path = None if (out is None or out == "-") else Path(folder_option(ctx, None, out))
        if period == "annual":
            if not year:
                raise click.UsageError("usage: jianbao report annual YEAR (e.g. 2024)")
            fmts = _formats(formats, report_cmd.default_formats())
            written, text, diags = report_cmd.annual(ws, year, fmts, out_path, to_stdout=to_stdout, strict=strict,
                                                     date=_date(date_))
        else:
            if year:
                raise click.UsageError(f"unexpected argument {year!r}")
            text_c = safeio.read_text(None, commentary).strip() if commentary else ""  # a regular file, bounded
            fmts = _formats(formats, report_cmd.default_formats())
            written, text, diags = report_cmd.report(ws, period, fmts, out_path, commentary=text_c,
                                                     date=_date(date_), to_stdout=to_stdout, strict=strict)
        finish(diags, ws.root, "text", strict)
        if text is not None:
            click.echo(text, nl=False)
        for path in written:
            progress(f"wrote {ws.rel(path)}")
