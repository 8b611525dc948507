"""Why a unit has its points: every entry that gives it points in a period (``jianbao explain``).

Pure, like scoring, and built on the same one-pass accumulation
(:func:`composer.scoring.accumulate`), so the entries always sum to the report's
``period_points``.  Points that come from a rule rather than from one event — the
monthly base score (e.g. for 报市) and the points per counted submission — are
entries of their own, located at the rules file's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from composer.diagnostics import JianbaoError
from composer.model import Adoption, Bonus, Commission
from composer.scoring import ZERO, _base, accumulate, opening_for, parse_period, unit_months


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    date: str  # 2024-01-15, or the month 2024-01 for month-dated events and rule entries
    type: str  # adoption | commission | bonus | base | submission_points
    outlet: str | None
    kind: str | None
    title: str
    points: Decimal
    source: str  # file:line


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    unit: str
    period: str
    period_points: Decimal
    cumulative_points: Decimal
    entries: tuple[Entry, ...]
    opening: str = ""  # the opening balance carried in (file:line), if any


def _when(ev) -> str:
    return ev.date.isoformat() if getattr(ev, "date", None) else ev.month


def _event_entry(rules, ev, points: Decimal) -> Entry:
    if isinstance(ev, Adoption):
        return Entry(date=_when(ev), type="adoption", outlet=ev.outlet, kind=ev.kind,
                     title=ev.title + ("★" if ev.star else ""), points=points, source=str(ev.source))
    if isinstance(ev, Commission):
        return Entry(date=_when(ev), type="commission", outlet=rules.commission_outlet, kind="信息",
                     title=ev.title or ev.topic, points=points, source=str(ev.source))
    if isinstance(ev, Bonus):
        return Entry(date=_when(ev), type="bonus", outlet=None, kind=None, title=ev.reason, points=points,
                     source=str(ev.source))
    raise TypeError(type(ev).__name__)


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def explain(rules, units, events, unit: str, period: str) -> Explanation:
    """Every entry giving ``unit`` points in ``period``; JianbaoError for an unknown or unscored unit."""
    months = parse_period(rules, period)
    u = units.get(unit)
    if u is None:
        raise JianbaoError(f"unit {unit!r} is not in the unit registry" + (f"; {units.hint(unit)}" if units.hint(unit) else ""))
    if not u.scored:
        raise JianbaoError(f"{u.name} is not scored (scored: false in the unit registry)")
    y = accumulate(rules, units, events, int(months[0][:4]), months[-1])
    opening = opening_for(y, u.name, months[0], months[-1])
    entries: list[Entry] = []
    cumulative = opening.points if opening else ZERO
    for m, a, pts, counted in unit_months(rules, y, u.name, months, opening):
        if not counted:
            continue
        cumulative += pts
        if m not in months:
            continue
        entries += [_event_entry(rules, ev, p) for ev, p in a.entries]
        base = _base(rules, a)
        if base:
            why = "、".join(f"{r.measure} {a.value(r.measure)} ≥ {r.minimum}" for r in rules.base_requires)
            entries.append(Entry(date=m, type="base", outlet=None, kind=None, title=f"本月基础分（{why}）",
                                 points=base, source=str(rules.base_source)))
        if rules.submission_points is not None and a.submitted:
            entries.append(Entry(date=m, type="submission_points", outlet=None, kind=None,
                                 title=f"上报 {a.submitted} 篇 × {_num(rules.submission_points)} 分",
                                 points=rules.submission_points * a.submitted, source=str(rules.submission_source)))
    return Explanation(unit=u.name, period=str(period).strip(), entries=tuple(entries),
                       period_points=sum((e.points for e in entries), ZERO), cumulative_points=cumulative,
                       opening=str(opening.source) if opening else "")


def as_dict(x: Explanation) -> dict:
    """The JSON shape of ``jianbao explain --json`` (numbers as JSON numbers)."""
    from composer.reports.json_report import number

    return {
        "unit": x.unit,
        "period": x.period,
        "period_points": number(x.period_points),
        "cumulative_points": number(x.cumulative_points),
        "events": [{"date": e.date, "type": e.type, "outlet": e.outlet, "kind": e.kind, "title": e.title,
                    "points": number(e.points), "source": e.source} for e in x.entries],
    }


def as_text(x: Explanation) -> str:
    lines = [f"{x.unit}  {x.period}"]
    for e in x.entries:
        what = " ".join(p for p in (e.outlet, e.kind) if p) or e.type
        lines.append(f"  {e.date:<10}  {_num(e.points):>6}  {what}  {e.title}  ({e.source})")
    lines.append(f"  本期得分 period_points: {_num(x.period_points)}")
    lines.append(f"  累计得分 cumulative_points: {_num(x.cumulative_points)}"
                 + (f" (opening balance {x.opening})" if x.opening else ""))
    return "\n".join(lines) + "\n"
