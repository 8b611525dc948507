"""``jianbao ledger add | check | close``: record events, validate, close a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from composer import ledger
from composer.diagnostics import Diagnostic, JianbaoError, Source, error

# key order of each event type as written to the file (docs/formats.md)
FIELDS: dict[str, tuple[str, ...]] = {
    "submission": ("unit", "date", "count", "title", "category", "ref"),
    "adoption": ("outlet", "kind", "star", "title", "date", "units", "issue", "category"),
    "commission": ("topic", "units", "deadline", "status", "title", "date", "outlet"),
    "report_up": ("unit", "date", "count", "channel", "title"),
    "bonus": ("unit", "date", "points", "reason"),
    "opening": ("unit", "date", "submitted", "adopted", "points"),
    "waiver": ("unit", "date", "reason"),
}


def option(key: str | None) -> str:
    """Where a value of ``ledger add`` came from: its option (``--unit``), or the command."""
    return f"--{key.replace('_', '-')}" if key and key != "type" else "ledger add"


@dataclass(frozen=True, slots=True, kw_only=True)
class AddResult:
    path: Path
    entry: dict
    closed_changes: tuple = ()


def _src(where) -> Source:
    return where if isinstance(where, Source) else Source(where)


def _date(value: str, key: str, where: Source, diags: list[Diagnostic]):
    """A day becomes a YAML date; a month (or a waiver's range) stays text."""
    v = str(value).strip()
    if ".." in v:
        try:
            ledger.period_months(v)
        except ValueError as e:
            diags.append(error(where, "J301", str(e)))
        return v
    day, month = ledger.parse_when(v)
    if month is None:
        diags.append(error(where, "J301", f"must be a day like 2024-01-15 or a month like 2024-01, found {v!r}"))
    return day or month


def make_entry(ws, type_: str, fields: dict, *, rules=None, at: Callable[[str | None], str] = option) -> dict:
    """A ledger entry from command-line (or imported) values: units resolved to full names,
    dates and points typed.  Problems raise JianbaoError with diagnostics located by ``at(key)``
    (the option, or the import row); nothing is written.
    """
    if type_ not in FIELDS:
        raise JianbaoError(f"{at('type')}: unknown event type {type_!r} (one of {', '.join(FIELDS)})",
                           (error(_src(at("type")), "J301", f"unknown event type {type_!r}",
                                  "one of " + ", ".join(FIELDS)),))
    diags: list[Diagnostic] = []

    def unit(name: str, key: str) -> str:
        u = ws.units.get(name)
        if u is None:
            diags.append(error(_src(at(key)), "J302", f"unit {name!r} is not in the unit registry", ws.units.hint(name)))
            return name
        return u.name

    entry: dict = {"type": type_}
    for key in FIELDS[type_]:
        v = fields.get(key)
        if v is None or v == () or v == [] or v is False or v == "":
            continue
        if key == "unit":
            v = unit(v, key)
        elif key == "units":
            v = list(dict.fromkeys(unit(n, key) for n in ([v] if isinstance(v, str) else v)))
        elif key in ("date", "deadline"):
            v = _date(v, key, _src(at(key)), diags)
        elif key == "points":
            d = ledger.to_decimal(v)
            why = ledger.points_error(d, v)
            if why:
                diags.append(error(_src(at(key)), "J301", f"points {why}"))
            v = d
        elif key in ("count", "submitted", "issue") and (why := ledger.count_error(v, 1 if key == "issue" else 0)):
            diags.append(error(_src(at(key)), "J301", f"{key} {why}"))
        elif key == "adopted":
            for measure, n in (v.items() if isinstance(v, dict) else ()):
                if why := ledger.count_error(n):
                    diags.append(error(_src(at(key)), "J301", f"adopted {measure} {why}"))
        entry[key] = v
    if type_ == "adoption" and entry.get("issue") is not None:
        if rules is None:
            from composer.rules import load_rules

            rules = load_rules(ws)[0]
        own = ledger.own_outlet_of(rules)
        if entry.get("outlet") != own:
            diags.append(error(_src(at("issue")), "J301", f"an issue number belongs to the own bulletin ({own}); "
                               f"{entry.get('outlet')} has none", "leave out --issue, or name the outlet " + own))
    if diags:
        raise JianbaoError("nothing was written", tuple(diags))
    return entry


def add(ws, type_: str, fields: dict, *, file: str | None = None, force: bool = False, reason: str = "",
        command: str = "jianbao ledger add", by: str = "") -> AddResult:
    """Validate one event and append it to its month's events file (or ``file``); ``by``: the web account."""
    entry = make_entry(ws, type_, fields)
    if by:
        entry["by"] = by
    if type_ == "waiver" and "date" in entry and isinstance(entry["date"], dt.date):
        entry["date"] = ledger.month_of(entry["date"])
    written = ledger.add_events(ws, [entry], file, command=command, force=force, reason=reason, labels=[option])
    path = written.paths[0]  # the events file comes first, closed-period logs after it
    return AddResult(path=path, entry=entry, closed_changes=written.closed_changes)


def check(ws) -> list[Diagnostic]:
    """Everything ``jianbao ledger check`` reports: parsing, rules, checks, closed periods."""
    from composer import closing
    from composer.rules import load_rules

    rules, rdiags = load_rules(ws)
    led, diags = ledger.load_ledger(ws, rules)
    out = list(ws.diagnostics) + diags + rdiags + ledger.check_ledger(ws, led, rules)
    closed, cdiags = ledger.load_closed(ws)
    out += cdiags
    if rules is not None and closed:
        out += closing.check_closed(rules, ws.units, led.events, closed)
    return out


def close(ws, period: str, *, force: bool = False, reason: str = "", command: str = "") -> tuple[Path, dict]:
    try:
        ledger.period_months(period)
    except ValueError as e:
        raise JianbaoError(str(e)) from None
    return ledger.close_period(ws, period, command=command or f"jianbao ledger close {period}", force=force,
                               reason=reason)


def describe(entry: dict) -> str:
    """One line about an entry, for the progress output."""
    parts = []
    for k, v in entry.items():
        if k == "type":
            continue
        if isinstance(v, list):
            v = "、".join(map(str, v))
        elif isinstance(v, dict):
            v = "、".join(f"{k}={n}" for k, n in v.items())
        elif isinstance(v, Decimal):
            v = format(v.normalize(), "f")
        parts.append(f"{k}={v}")
    return f"{entry['type']} " + " ".join(parts)
