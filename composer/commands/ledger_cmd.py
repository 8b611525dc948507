"""``jianbao ledger add | check | close``: record events, validate, close a period."""

from __future__ import annotations

import datetime as dt
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
ADD_SOURCE = Source("<ledger add>", 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddResult:
    path: Path
    entry: dict
    closed_changes: tuple = ()


def _date(value: str, key: str):
    """A day becomes a YAML date; a month (or a waiver's range) stays text."""
    v = str(value).strip()
    if ".." in v:
        try:
            ledger.period_months(v)
        except ValueError as e:
            raise JianbaoError(f"--{key}: {e}") from None
        return v
    day, month = ledger.parse_when(v)
    if month is None:
        raise JianbaoError(f"--{key} must be a day like 2024-01-15 or a month like 2024-01, found {v!r}")
    return day or month


def make_entry(ws, type_: str, fields: dict) -> dict:
    """A ledger entry from command-line values: units resolved to full names, dates and points typed.

    Unknown units raise JianbaoError with J302 diagnostics (nothing is written).
    """
    if type_ not in FIELDS:
        raise JianbaoError(f"unknown event type {type_!r} (one of {', '.join(FIELDS)})")
    diags: list[Diagnostic] = []

    def unit(name: str) -> str:
        u = ws.units.get(name)
        if u is None:
            diags.append(error(ADD_SOURCE, "J302", f"unit {name!r} is not in the unit registry", ws.units.hint(name)))
            return name
        return u.name

    entry: dict = {"type": type_}
    for key in FIELDS[type_]:
        v = fields.get(key)
        if v is None or v == () or v == [] or v is False or v == "":
            continue
        if key == "unit":
            v = unit(v)
        elif key == "units":
            v = list(dict.fromkeys(unit(n) for n in ([v] if isinstance(v, str) else v)))
        elif key in ("date", "deadline"):
            v = _date(v, key)
        elif key == "points":
            d = ledger.to_decimal(v)
            if d is None:
                raise JianbaoError(f"--points must be a number, found {v!r}")
            v = d
        entry[key] = v
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
    written = ledger.add_events(ws, [entry], file, command=command, force=force, reason=reason)
    path = written.paths[0]  # the events file comes first, closed-period logs after it
    return AddResult(path=path, entry=entry, closed_changes=written.closed_changes)


def check(ws) -> list[Diagnostic]:
    """Everything ``jianbao ledger check`` reports: parsing, rules, checks, closed periods."""
    from composer.rules import load_rules

    led, diags = ledger.load_ledger(ws)
    rules, rdiags = load_rules(ws)
    return list(ws.diagnostics) + diags + rdiags + ledger.check_ledger(ws, led, rules)


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
        elif isinstance(v, Decimal):
            v = str(v)
        parts.append(f"{k}={v}")
    return f"{entry['type']} " + " ".join(parts)
