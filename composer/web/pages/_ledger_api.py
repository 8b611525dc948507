"""The one place the workbench's ledger, inbox, publish and scores pages call into the core.

Only high-level functions are called here (ledger_cmd.make_entry, ledger.add_events,
ledger.load_ledger, report.load_report, publish.publish, report.report,
importing.import_manuscript, inbox.take, inbox.decline), so a change of those modules' insides
is adapted in this file alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from composer.diagnostics import JianbaoError, Source, error

WEB_SOURCE = Source("<workbench>", 0)


# ---------------------------------------------------------------- what a write changed

def snapshot(*folders: Path) -> dict[Path, int]:
    """Every file under ``folders`` with its modification time (to commit exactly what a write changed)."""
    return {p: p.stat().st_mtime_ns for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file()}


def changed(before: dict[Path, int], after: dict[Path, int]) -> list[Path]:
    return [p for p, t in after.items() if before.get(p) != t]


# ---------------------------------------------------------------- rules and pickers

def rules_of(ws):
    """The workspace's rules, or JianbaoError with the rules file's diagnostics."""
    from composer.rules import load_rules

    rules, diags = load_rules(ws)
    if rules is None or any(d.is_error for d in diags):
        raise JianbaoError(f"the rules file ({ws.publication.rules}) has errors", tuple(diags))
    return rules


@dataclass(frozen=True, slots=True)
class UnitChoice:
    name: str  # registry full name (the value a form sends)
    short: str
    group: str


def unit_choices(ws) -> list[UnitChoice]:
    """Every registered unit that is scored, in registry order."""
    return [UnitChoice(u.name, u.short, u.group) for u in ws.units if u.scored]


def higher_outlets(rules) -> list[tuple[str, str, Decimal, Decimal | None]]:
    """(outlet, kind, points, star points) of every outlet the rules know other than the own bulletin."""
    out = []
    for o in rules.outlets:
        if rules.is_own(o.name) or o.name == rules.commission_outlet:
            continue
        for kind, points in o.points:
            out.append((o.name, kind, points, o.star))
    return out


def require_unit(ws, name: str, field: str = "单位") -> str:
    """The full name of registered unit ``name`` (exact name or short name), else a clear error."""
    u = ws.units.get(name) if name else None
    if u is None or not u.scored:
        shown = name or "（空）"
        raise JianbaoError(f"{field}「{shown}」不是登记的计分单位；请从列表中选择。nothing was written",
                           (error(WEB_SOURCE, "J302", f"unit {name!r} is not in the unit registry", ws.units.hint(name)),))
    return u.name


def require_outlet(rules, outlet: str, kind: str) -> None:
    if not outlet or not rules.knows(outlet, kind) or rules.is_own(outlet):
        raise JianbaoError(f"采用渠道「{outlet or '（空）'}·{kind or '（空）'}」不在计分规则中；请从列表中选择。nothing was written",
                           (error(WEB_SOURCE, "J303", f"outlet {outlet!r} with kind {kind!r} is not in the rules file"),))


# ---------------------------------------------------------------- ledger writes

def make_entry(ws, type_: str, fields: dict) -> dict:
    from composer.commands import ledger_cmd

    return ledger_cmd.make_entry(ws, type_, fields)


def add_entries(ws, entries: list[dict], command: str, *, force: bool = False, reason: str = "") -> list[Path]:
    """All ``entries`` in ONE ledger transaction; the files written (for the audit commit).

    ``force`` with ``reason``: change a closed period's figures anyway (logged in its closed file).
    """
    from composer import ledger

    return list(ledger.add_events(ws, entries, command=command, force=force, reason=reason).paths)


def add_entry(ws, type_: str, fields: dict, command: str, *, force: bool = False,
              reason: str = "") -> tuple[dict, list[Path]]:
    entry = make_entry(ws, type_, fields)
    return entry, add_entries(ws, [entry], command, force=force, reason=reason)


def closed_periods(ws) -> list[str]:
    """The periods closed with ``jianbao ledger close`` (their figures are asserted)."""
    from composer.ledger import load_closed

    closed, _ = load_closed(ws)
    return sorted(c.period for c in closed)


# ---------------------------------------------------------------- ledger reads

@dataclass(frozen=True, slots=True)
class EventRow:
    type: str
    month: str
    date: str
    units: str
    what: str
    where: str  # file:line


def _units_text(ws, names) -> str:
    return "、".join((u.short if (u := ws.units.get(n)) else n) for n in names)


def recent_events(ws, limit: int = 20) -> list[EventRow]:
    """The newest events recorded in ledger/events (by month, then file order), newest first."""
    from composer.ledger import load_ledger
    from composer.model import Adoption, Bonus, Commission, ReportUp, Submission

    led, _ = load_ledger(ws)
    rows = []
    for i, ev in enumerate(led.events):
        if not str(ev.source.path).startswith("ledger/events"):
            continue
        date = str(getattr(ev, "date", None) or getattr(ev, "month", "") or "")
        if isinstance(ev, Adoption):
            row = ("采用", ev.units, f"{ev.outlet}{'★' if ev.star else ''} {ev.kind}：{ev.title}")
        elif isinstance(ev, Commission):
            row = ("约稿", ev.units, f"{ev.topic}（{ev.status}）{ev.title}")
        elif isinstance(ev, ReportUp):
            row = (ev.channel or "报市", (ev.unit,), f"{ev.count} 篇")
        elif isinstance(ev, Bonus):
            row = ("加减分", (ev.unit,), f"{ev.reason} {ev.points:+} 分")
        elif isinstance(ev, Submission):
            row = ("报送", (ev.unit,), ev.title or f"{ev.count} 篇")
        else:
            row = (type(ev).__name__, (getattr(ev, "unit", ""),), "")
        rows.append((str(getattr(ev, "month", "") or ""), i,
                     EventRow(row[0], str(getattr(ev, "month", "") or ""), date, _units_text(ws, row[1]), row[2],
                              f"{ev.source.path}:{ev.source.line}")))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in rows[:limit]]


def month_counts(ws, month: str) -> dict[str, tuple[int, int]]:
    """unit full name → (submissions, 报市) already recorded for ``month``."""
    from composer.ledger import load_ledger
    from composer.model import ReportUp, Submission

    led, _ = load_ledger(ws)
    out: dict[str, list[int]] = {}
    for ev in led.events:
        if getattr(ev, "month", None) != month or not isinstance(ev, (Submission, ReportUp)):
            continue
        u = ws.units.get(ev.unit)
        key = u.name if u else ev.unit
        out.setdefault(key, [0, 0])[0 if isinstance(ev, Submission) else 1] += ev.count
    return {k: (a, b) for k, (a, b) in out.items()}


def latest_month(ws) -> str | None:
    """The newest month any ledger event belongs to."""
    from composer.ledger import load_ledger

    led, _ = load_ledger(ws)
    months = [m for ev in led.events if (m := getattr(ev, "month", "") or "") and len(m) == 7]
    return max(months) if months else None


# ---------------------------------------------------------------- periods and scores

def period_of(rules, month: str) -> str:
    """The report period of the rules that contains ``month`` (``2024-05..2024-06`` for bimonthly rules)."""
    n = rules.months_per_period
    y, m = int(month[:4]), int(month[5:])
    first = (m - 1) // n * n + 1
    last = first + n - 1
    return f"{y:04d}-{first:02d}" if n == 1 else f"{y:04d}-{first:02d}..{y:04d}-{last:02d}"


def default_period(ws, rules) -> str:
    """The period shown when none is asked for: the one holding the newest ledger month (else this month)."""
    return period_of(rules, latest_month(ws) or dt.date.today().strftime("%Y-%m"))


def previous_period(rules, period: str) -> str | None:
    """The period before ``period`` in the same year (cumulative points restart each year), or None."""
    first = period.split("..")[0]
    y, m = int(first[:4]), int(first[5:])
    if m <= rules.months_per_period:
        return None
    return period_of(rules, f"{y:04d}-{m - 1:02d}")


def build_report(ws, period: str):
    """(Report | None, diagnostics) of ``period`` — commands.report.load_report."""
    from composer.commands.report import load_report

    return load_report(ws, period)


# ---------------------------------------------------------------- 通报 files

def write_reports(ws, period: str, formats: tuple[str, ...]):
    """Write the 通报 of ``period`` under build/reports/<period>/: (paths, diagnostics)."""
    from composer.commands import report

    paths, _, diags = report.report(ws, period, formats, date=dt.date.today())
    return paths, diags


def report_formats() -> tuple[str, ...]:
    from composer.commands import report

    return tuple(f for f in ("docx", "pdf", "xlsx") if report.available(f))


def report_files(ws, period: str) -> list[Path]:
    """The 通报 files already written for ``period`` (build/reports/<period>/)."""
    from composer.commands import report

    folder = report.out_dir(ws, period, None)
    return sorted(p for p in folder.glob(f"*{report.STEM}.*") if p.is_file()) if folder.is_dir() else []


# ---------------------------------------------------------------- publish

def publish_dry_run(ws, issue_id: str):
    from composer.commands import publish

    return publish.publish(ws, issue_id, dry_run=True)


def publish_issue(ws, issue_id: str, *, revise: bool, reason: str, force: bool = False):
    from composer.commands import publish

    return publish.publish(ws, issue_id, revise=revise, reason=reason, force=force)


# ---------------------------------------------------------------- inbox

def inbox_entries(ws):
    from composer.commands import inbox

    return inbox.entries(ws)


def import_manuscript(ws, file: Path, unit: str, received: dt.date | None, label: str):
    """``label``: the uploaded file's name, only shown and recorded, never used as a path."""
    from composer.commands import importing

    return importing.import_manuscript(ws, file, unit, received=received, label=label, source_name=label)


def take(ws, ident: str, issue_id: str, kind: str):
    from composer.commands import inbox

    return inbox.take(ws, ident, issue_id, kind)


def decline(ws, ident: str, reason: str):
    from composer.commands import inbox

    return inbox.decline(ws, ident, reason)
