"""Closed periods: the figures ``jianbao ledger close`` asserts, and the guard that keeps them.

A closed file (``ledger/closed/<period>.yml``) records each scored unit's
period and cumulative points when the 通报 was issued.  Two questions use it:

- ``ledger check``: do the events still give those figures?  (:func:`check_closed`,
  one pass over the events per year for every closed period at once.)
- every write: does *this change* alter a closed period?  (:func:`guard`.)  Only
  what the change can affect is scored: the units its events credit, in the closed
  periods of their year that end at or after the earliest changed month.  A change
  dated after every closed period needs no scoring at all.

Pure: texts and parsed events in, values and diagnostics out.  The ledger module
reads the files and writes the results; scoring is :func:`composer.scoring.period_figures`.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from composer import yamlsrc
from composer.diagnostics import Diagnostic, Source, error
from composer.model import Waiver
from composer.scoring import parse_period, period_figures

CLOSED = "ledger/closed"
FIGURES = ("period_points", "cumulative_points")
ZERO = Decimal(0)

Figures = dict[str, tuple[Decimal, Decimal]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Closed:
    source: Source = field(compare=False, repr=False)
    period: str
    figures: tuple[tuple[str, Decimal, Decimal], ...]  # (unit, period_points, cumulative_points)

    def as_dict(self) -> Figures:
        return {u: (p, c) for u, p, c in self.figures}

    @property
    def months(self) -> tuple[str, ...]:
        first, _, last = self.period.partition("..")
        return months_between(first.strip(), (last or first).strip())


@dataclass(frozen=True, slots=True, kw_only=True)
class Altered:
    """A closed period whose figures a change would alter."""

    closed: Closed
    after: Figures  # every unit's figures after the change
    diff: tuple[tuple[str, tuple | None, tuple | None], ...]


def months_between(first: str, last: str) -> tuple[str, ...]:
    try:
        y, m, ly, lm = int(first[:4]), int(first[5:]), int(last[:4]), int(last[5:])
    except ValueError:
        return ()
    out = []
    while (y, m) <= (ly, lm) and len(out) < 1200:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def closed_rel(period: str) -> str:
    return f"{CLOSED}/{period}.yml"


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        return None
    try:
        d = Decimal(str(v))
    except ArithmeticError:
        return None
    return d if d.is_finite() else None


def parse_closed(text: str, rel: str) -> tuple[Closed | None, list[Diagnostic]]:
    data, diags = yamlsrc.parse_fast(text, rel, code="J301")
    if data is None:
        return None, diags
    if not yamlsrc.is_map(data) or not yamlsrc.is_map(data.get("figures")):
        return None, diags + [error(Source(rel, 1), "J301", "a closed file needs `period:` and `figures:` (unit → points)")]
    period = str(data.get("period") or Path(rel).stem)
    figures = []
    for unit, vals in data["figures"].items():
        line = yamlsrc.line_of(data["figures"], unit)
        nums = [_number(vals.get(k)) if yamlsrc.is_map(vals) else None for k in FIGURES]
        if None in nums:
            diags.append(error(Source(rel, line), "J301", f"figures of {unit} need numbers {' and '.join(FIGURES)}"))
            continue
        figures.append((str(unit), nums[0], nums[1]))
    return Closed(source=Source(rel, 1), period=period, figures=tuple(figures)), diags


def figure_changes(before: Figures, after: Figures) -> list[tuple[str, tuple | None, tuple | None]]:
    zero = (ZERO, ZERO)
    out = []
    for unit in sorted(set(before) | set(after)):
        b, a = before.get(unit), after.get(unit)
        if (b or zero) != (a or zero):
            out.append((unit, b, a))
    return out


def num(d: Decimal) -> str:
    """``37`` not ``37.0``, ``7.5`` as is."""
    return format(d.normalize(), "f") if d.is_finite() else str(d)


def describe(unit: str, before, after) -> str:
    b = "–" if before is None else f"{num(before[0])}/{num(before[1])}"
    a = "–" if after is None else f"{num(after[0])}/{num(after[1])}"
    return f"{unit} ({b} → {a})"


def yaml_number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(str(d))


def fig_map(fig: tuple | None) -> Any:
    if fig is None:
        return None
    return yamlsrc.flow({k: yaml_number(v) for k, v in zip(FIGURES, fig)})


def log_entry(at: str, command: str, reason: str, diff) -> dict:
    return {"at": at, "command": command, "reason": reason,
            "changes": [yamlsrc.new_map([("unit", u), ("before", fig_map(b)), ("after", fig_map(a))])
                        for u, b, a in diff]}


# a closed file as jianbao writes it: header lines, `figures:` and its indented lines, then `log:` to the end
_LAYOUT = re.compile(r"((?:[^\n]*\n)*?)figures:\n(?:  [^\n]*\n)*(log:[\s\S]*)\Z")
_PLAIN = re.compile(r"^[\w\u3000-\u303f\u4e00-\u9fff\uff00-\uffef（）()·.\-]+$")


def _key(name: str) -> str:
    return name if _PLAIN.match(name) and not name[0].isdigit() and name[0] not in "-." else "'" + name.replace("'", "''") + "'"


def _figures_block(units, figures: Figures) -> str:
    order = {u.name: i for i, u in enumerate(units)}
    lines = ["figures:"]
    for u in sorted(figures, key=lambda u: (order.get(u, len(order)), u)):
        p, c = (yaml_number(x) for x in figures[u])
        lines.append(f"  {_key(u)}: {{period_points: {p}, cumulative_points: {c}}}")
    return "\n".join(lines) + "\n"


def closed_text(units, period: str, figures: Figures, command: str, at: str,
                old_text: str | None = None, entry: dict | None = None) -> str:
    """The closed file: period, when, the figures, and the log of forced changes.

    A file as jianbao writes it (header, ``figures:``, ``log:`` last) keeps its header and
    log byte for byte: the figures are replaced and the new log entry appended, without a
    round-trip parse (a forced change rewrites several closed files).
    """
    if old_text and entry is not None:
        m = _LAYOUT.match(old_text)
        if m and "\nfigures:" not in "\n" + m[2] and not re.search(r"^\S", m[2][4:], re.M):
            log = m[2]
            if log.startswith("log: []"):
                log = "log:\n" + log[len("log: []"):].lstrip("\n")
            if not log.endswith("\n"):
                log += "\n"
            item = yamlsrc.dump([yamlsrc.new_map(entry.items())])
            return m[1] + _figures_block(units, figures) + log + textwrap.indent(textwrap.dedent(item), "  ")
    return _closed_text_rt(units, period, figures, command, at, old_text, entry)


def _closed_text_rt(units, period: str, figures: Figures, command: str, at: str,
                    old_text: str | None = None, entry: dict | None = None) -> str:
    data = None
    if old_text:
        data, _ = yamlsrc.parse(old_text, closed_rel(period))
    if not yamlsrc.is_map(data):
        data = yamlsrc.new_map([("period", period), ("closed_at", at), ("command", command)])
    order = {u.name: i for i, u in enumerate(units)}
    data["figures"] = yamlsrc.new_map(
        (u, fig_map(figures[u])) for u in sorted(figures, key=lambda u: (order.get(u, len(order)), u))
    )
    log = data.get("log")
    if not yamlsrc.is_seq(log):
        log = []
    if entry is not None:
        log.append(yamlsrc.new_map(entry.items()))
    data.pop("log", None)
    data["log"] = log
    return yamlsrc.dump(data)


# ---------------------------------------------------------------- checking and guarding

def _valid(rules, closed: list[Closed]) -> list[Closed]:
    out = []
    for c in closed:
        try:
            parse_period(rules, c.period)
        except Exception:  # a period the rules cannot score is reported by check_closed
            continue
        out.append(c)
    return out


def check_closed(rules, units, events, closed: list[Closed]) -> list[Diagnostic]:
    """J306 for every closed period whose figures now differ from its assertions."""
    out: list[Diagnostic] = []
    good = _valid(rules, closed)
    for c in closed:
        if c not in good:
            out.append(error(c.source, "J301", f"closed period {c.period!r} is not a period of the rules ({rules.period})"))
    now = period_figures(rules, units, events, [c.period for c in good])
    for c in good:
        changes = figure_changes(c.as_dict(), now[c.period])
        if changes:
            out.append(error(c.source, "J306", f"period {c.period} is closed but the ledger now gives other figures for "
                             + "、".join(describe(u, b, a) for u, b, a in changes),
                             "undo the edit, or record it with --force --reason so it is logged"))
    return out


def _event_months(ev) -> tuple[str, ...]:
    if isinstance(ev, Waiver):
        return ()  # a waiver changes quotas, never points
    m = getattr(ev, "month", "")
    return (m,) if m else ()


def _event_units(ev) -> tuple[str, ...]:
    u = getattr(ev, "unit", None)
    return (u,) if u else tuple(getattr(ev, "units", ()))


def changed_events(before, after) -> list:
    """Events present on one side only (a multiset difference; sources do not count)."""
    b, a = Counter(before), Counter(after)
    return list((b - a).elements()) + list((a - b).elements())


def affected(closed: list[Closed], changed) -> tuple[list[Closed], set[str]]:
    """The closed periods and units a set of changed events can alter.

    Points are cumulative within a year: a change in month M of year Y can alter the
    periods of Y that end at or after M, and only the units the events credit.
    """
    earliest: dict[str, str] = {}  # year -> earliest changed month
    units: set[str] = set()
    for ev in changed:
        months = _event_months(ev)
        if not months:
            continue
        units.update(_event_units(ev))
        for m in months:
            y = m[:4]
            if y not in earliest or m < earliest[y]:
                earliest[y] = m
    hit = [c for c in closed if c.months and c.months[-1][:4] in earliest and c.months[-1] >= earliest[c.months[-1][:4]]]
    return hit, units


def guard(rules, units, before_events, after_events, closed: list[Closed], changed) -> list[Altered]:
    """The closed periods whose figures ``changed`` events alter (scoring only those units and periods)."""
    hit, names = affected(_valid(rules, closed), changed)
    if not hit or not names:
        return []

    def involves(ev) -> bool:
        return any(u in names for u in _event_units(ev))

    periods = [c.period for c in hit]
    only = [u for u in units if u.name in names]
    fig0 = period_figures(rules, units, [e for e in before_events if involves(e)], periods, only=only)
    fig1 = period_figures(rules, units, [e for e in after_events if involves(e)], periods, only=only)
    out = []
    for c in hit:
        diff = figure_changes(fig0[c.period], fig1[c.period])
        if diff:
            after = {**c.as_dict(), **fig1[c.period]}
            out.append(Altered(closed=c, after=after, diff=tuple(diff)))
    return out
