"""Rules × ledger events → the adoption report values (:mod:`composer.scores`).

:func:`score` is pure: no I/O, no rendering, no branch on the city — every
difference between offices is a value of :class:`composer.rules.Rules`.
:func:`period_figures` gives the per-unit figures the closed-period guard compares,
from the same one-pass accumulation.  Commands load (composer.commands.report.load_report).

Per unit and month: counted submissions, own-bulletin adoptions (信息/简讯),
higher adoptions (per outlet, ★), 约稿 adopted, 报市, bonuses, the base score
when its monthly condition holds, submission points.  The period sums its
months; the cumulative adds every month since January (or since the unit's
latest opening balance, which carries the points before it).  Co-credited
items give every credited unit the full points.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from composer.diagnostics import Diagnostic, JianbaoError, Severity, error
from composer.model import (
    Adoption,
    Bonus,
    Commission,
    Opening,
    ReportUp,
    Submission,
    Waiver,
)
from composer.scores import GroupReport, Measure, Report, ScoredItem, ScoreRow

ZERO = Decimal(0)
ADOPTION_MEASURES = ("adopted", "own_adopted", "higher_adopted")


# ---------------------------------------------------------------- periods

def _month(s: str) -> tuple[int, int] | None:
    from composer.model import valid_year

    if len(s) == 7 and s[4] == "-" and s[:4].isdigit() and s[5:].isdigit() and 1 <= int(s[5:]) <= 12 \
            and valid_year(int(s[:4])):
        return int(s[:4]), int(s[5:])
    return None


def parse_period(rules, period: str) -> tuple[str, ...]:
    """``2024-01`` or ``2024-05..2024-06`` → its months, checked against the rules' period length."""
    text = str(period).strip()
    first, _, last = text.partition("..")
    last = last or first
    a, b = _month(first), _month(last)
    if a is None or b is None or b < a or a[0] != b[0]:
        raise JianbaoError(f"period must be a month like 2024-01 or a range like 2024-05..2024-06 within one year "
                           f"(1900 to 2999), found {text!r}")
    months = tuple(f"{a[0]:04d}-{m:02d}" for m in range(a[1], b[1] + 1))
    n = rules.months_per_period
    if len(months) != n or (a[1] - 1) % n:
        want = "one month like 2024-01" if n == 1 else f"{n} months starting at month 1, {1 + n}, … like 2024-05..2024-06"
        raise JianbaoError(f"the rules ({rules.name}) report periods of {rules.period}: expected {want}, found {text!r}")
    return months


def period_label(months: tuple[str, ...]) -> str:
    """``1`` for 2024-01, ``5—6`` for 2024-05..2024-06 (as in 5—6月份)."""
    ms = [int(m[5:]) for m in months]
    return str(ms[0]) if len(ms) == 1 else f"{ms[0]}—{ms[-1]}"


def _next_months(months: tuple[str, ...]) -> tuple[str, ...]:
    y, m = int(months[-1][:4]), int(months[-1][5:])
    out = []
    for _ in months:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(f"{y:04d}-{m:02d}")
    return tuple(out)


# ---------------------------------------------------------------- accumulation

@dataclass
class _Acc:
    """Mutable per-unit, per-month totals (internal to one score() call)."""

    submitted: int = 0
    own_articles: int = 0
    own_briefs: int = 0
    own_other: int = 0
    own_points: Decimal = ZERO
    higher: int = 0
    higher_points: Decimal = ZERO
    commissioned: int = 0
    commission_points: Decimal = ZERO
    reported_up: int = 0
    bonus_points: Decimal = ZERO
    bonuses: list = field(default_factory=list)
    measures: Counter = field(default_factory=Counter)
    items: list = field(default_factory=list)
    entries: list = field(default_factory=list)  # (event, points) of events that give points
    sources: list = field(default_factory=list)  # submissions and 报市 events (counted, no points of their own)

    @property
    def own(self) -> int:
        return self.own_articles + self.own_briefs + self.own_other

    def value(self, measure: str) -> int:
        return {
            "submitted": self.submitted,
            "adopted": self.own + self.higher + self.commissioned,
            "own_adopted": self.own,
            "higher_adopted": self.higher,
            "reported_up": self.reported_up,
        }[measure]

    def add(self, other: "_Acc") -> None:
        for f in ("submitted", "own_articles", "own_briefs", "own_other", "own_points", "higher", "higher_points",
                  "commissioned", "commission_points", "reported_up", "bonus_points"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.bonuses += other.bonuses
        self.measures.update(other.measures)
        self.items += other.items
        self.entries += other.entries
        self.sources += other.sources


def _base(rules, acc: _Acc) -> Decimal:
    if rules.base_points is None:
        return ZERO
    if all(acc.value(r.measure) >= r.minimum for r in rules.base_requires):
        return rules.base_points
    return ZERO


def _month_points(rules, acc: _Acc) -> Decimal:
    sub = (rules.submission_points or ZERO) * acc.submitted
    return acc.own_points + acc.higher_points + acc.bonus_points + acc.commission_points + _base(rules, acc) + sub


def _label(rules, ev: Adoption) -> str:
    if rules.is_own(ev.outlet):
        return f"第{ev.issue}期  {ev.kind}" if ev.issue else ev.kind
    return ev.outlet + ("★" if ev.star else "")


# ---------------------------------------------------------------- scoring

def score(rules, units, events, period: str, *, date: dt.date | None = None, commentary: str = "",
          organization: str = "") -> tuple[Report, list[Diagnostic]]:
    """Score ``events`` (model events) for ``period`` under ``rules``; pure."""
    months = parse_period(rules, period)
    return score_months(rules, units, events, months, str(period).strip(), date=date, commentary=commentary,
                        organization=organization)


@dataclass
class Year:
    """Per (unit, month) totals of one year up to a month, from one pass over the events.

    What :func:`score_months`, :func:`period_figures` and :mod:`composer.explain`
    share, so the three can never disagree.
    """

    year: int
    last: str
    acc: dict = field(default_factory=dict)  # (unit, month) -> _Acc
    openings: dict = field(default_factory=dict)  # unit -> [Opening] of the year, in ledger order
    waivers: dict = field(default_factory=dict)  # unit -> [Waiver]
    own_items: dict = field(default_factory=dict)  # unit -> {(month, id(event))} own adoptions
    commissions: list = field(default_factory=list)
    diags: list = field(default_factory=list)


def accumulate(rules, units, events, year: int, last: str) -> Year:
    """One pass over ``events``: everything of ``year`` up to month ``last`` that scores."""
    y = Year(year=year, last=last)
    diags, acc = y.diags, y.acc
    ystr = str(year)

    def unit_of(name: str, ev) -> str | None:
        u = units.get(name)
        if u is None:
            diags.append(error(ev.source, "J302", f"unit {name!r} is not in the unit registry", units.hint(name)))
            return None
        return u.name

    def at(unit: str, month: str) -> _Acc:
        key = (unit, month)
        a = acc.get(key)
        if a is None:
            a = acc[key] = _Acc()
        return a

    def in_year(month: str) -> bool:
        return bool(month) and month[:4] == ystr and month <= last

    for ev in events:
        if isinstance(ev, Submission):
            if not in_year(ev.month) or rules.excluded(ev.category):
                continue
            u = unit_of(ev.unit, ev)
            if u:
                a = at(u, ev.month)
                a.submitted += ev.count
                a.sources.append(ev)
        elif isinstance(ev, Adoption):
            if not in_year(ev.month) or rules.excluded(ev.category):
                continue
            if not rules.knows(ev.outlet, ev.kind):
                diags.append(error(ev.source, "J303", f"outlet {ev.outlet!r} with kind {ev.kind!r} is not in the rules file",
                                   "known outlets: " + rules.outlet_names()))
                continue
            points = rules.item_points(ev.outlet, ev.kind, ev.star)
            is_commission = rules.commission_outlet == ev.outlet
            own = rules.is_own(ev.outlet)
            item = ScoredItem(title=ev.title, outlet=ev.outlet, kind=ev.kind, points=points, month=ev.month,
                              label=_label(rules, ev), issue=ev.issue, star=ev.star, own=own, commission=is_commission)
            for name in ev.units:
                u = unit_of(name, ev)
                if not u:
                    continue
                a = at(u, ev.month)
                if is_commission:
                    a.commissioned += 1
                    a.commission_points += points
                elif own:
                    if ev.kind == "信息":
                        a.own_articles += 1
                    elif ev.kind == "简讯":
                        a.own_briefs += 1
                    else:
                        a.own_other += 1
                    a.own_points += points
                    y.own_items.setdefault(u, set()).add((ev.month, id(ev)))
                else:
                    a.higher += 1
                    a.higher_points += points
                a.measures[f"{rules.level_of(ev.outlet)}/{ev.kind}"] += 1
                a.items.append(item)
                a.entries.append((ev, points))
        elif isinstance(ev, Commission):
            y.commissions.append(ev)
            if ev.status != "adopted" or not in_year(ev.month) or not rules.commission_outlet:
                continue
            points = rules.commission_points or ZERO
            item = ScoredItem(title=ev.title or ev.topic, outlet=rules.commission_outlet, kind="信息", points=points,
                              month=ev.month, label=rules.commission_outlet, commission=True)
            for name in ev.units:
                u = unit_of(name, ev)
                if u:
                    a = at(u, ev.month)
                    a.commissioned += 1
                    a.commission_points += points
                    a.items.append(item)
                    a.entries.append((ev, points))
        elif isinstance(ev, ReportUp):
            if in_year(ev.month):
                u = unit_of(ev.unit, ev)
                if u:
                    a = at(u, ev.month)
                    a.reported_up += ev.count
                    a.sources.append(ev)
        elif isinstance(ev, Bonus):
            if in_year(ev.month):
                u = unit_of(ev.unit, ev)
                if u:
                    a = at(u, ev.month)
                    a.bonus_points += ev.points
                    a.bonuses.append((ev.reason, ev.points))
                    a.entries.append((ev, ev.points))
        elif isinstance(ev, Opening):
            if ev.month[:4] == ystr:
                u = unit_of(ev.unit, ev)
                if u:
                    y.openings.setdefault(u, []).append(ev)
        elif isinstance(ev, Waiver):
            u = unit_of(ev.unit, ev)
            if u:
                y.waivers.setdefault(u, []).append(ev)
    return y


def opening_for(y: Year, unit: str, first: str, last: str, annual: bool = False) -> Opening | None:
    """The opening balance that carries into a period: the latest one before its first month
    (for the annual report: the latest one up to its last month)."""
    best = None
    for ev in y.openings.get(unit, ()):
        if ev.month < first or (annual and ev.month <= last):
            if best is None or best.month < ev.month:
                best = ev
    return best


def unit_months(rules, y: Year, unit: str, months: tuple[str, ...], opening: Opening | None):
    """Per month of the year up to ``y.last``: (month, totals, points, counted) for one unit.

    ``counted`` is False for months covered by the opening balance.
    """
    since = opening.month if opening else ""
    for mi in range(1, int(y.last[5:]) + 1):
        m = f"{y.year:04d}-{mi:02d}"
        a = y.acc.get((unit, m))
        if a is None:
            continue
        if m <= since:
            yield m, a, ZERO, False
            continue
        yield m, a, _month_points(rules, a), True


def period_figures(rules, units, events, periods, *, only=None) -> dict[str, dict[str, tuple[Decimal, Decimal]]]:
    """``{period: {unit: (period_points, cumulative_points)}}`` for every scored unit, as
    :func:`score` computes them, with one pass over the events per year (closed-period guard)."""
    by_year: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    for p in periods:
        months = parse_period(rules, p)
        by_year.setdefault(int(months[0][:4]), []).append((p, months))
    out: dict[str, dict[str, tuple[Decimal, Decimal]]] = {}
    for year, wanted in by_year.items():
        last = max(months[-1] for _, months in wanted)
        y = accumulate(rules, units, events, year, last)
        for p, months in wanted:
            figs = {}
            for unit in (units if only is None else only):
                if not unit.scored:
                    continue
                opening = opening_for(y, unit.name, months[0], months[-1])
                period_pts = ZERO
                cumulative = opening.points if opening else ZERO
                for m, _a, pts, counted in unit_months(rules, y, unit.name, months, opening):
                    if not counted or m > months[-1]:
                        continue
                    cumulative += pts
                    if m in months:
                        period_pts += pts
                figs[unit.name] = (period_pts, cumulative)
            out[p] = figs
    return out


def score_months(rules, units, events, months: tuple[str, ...], period: str, *, date: dt.date | None = None,
                 commentary: str = "", organization: str = "", annual: bool = False) -> tuple[Report, list[Diagnostic]]:
    """Score any run of months of one year (``annual``: opening balances inside it carry in)."""
    year = int(months[0][:4])
    first, last = months[0], months[-1]
    y = accumulate(rules, units, events, year, last)
    diags = y.diags
    acc = y.acc
    waivers = y.waivers
    commissions = y.commissions
    openings: dict[str, Opening] = {}
    for unit, evs in y.openings.items():
        o = opening_for(y, unit, first, last, annual)
        if o is not None:
            openings[unit] = o
        for ev in evs:
            if ev.month >= first and not (annual and ev.month <= last):
                diags.append(error(ev.source, "J301", f"opening balance of {ev.unit} covers {ev.month}, inside or after "
                                   f"the period {period}; it is ignored", "an opening balance covers months before the ones scored"))
    own_items_period = {u: {i for m, i in ids if m >= first} for u, ids in y.own_items.items()}

    # ---------------------------------------------------------- rows
    year_months = tuple(f"{year:04d}-{m:02d}" for m in range(1, int(last[5:]) + 1))
    has_quotas = bool(rules.quotas)
    rows_by_group: dict[str, list[ScoreRow]] = {}
    for unit in units:
        if not unit.scored:
            continue
        opening = openings.get(unit.name)
        since = opening.month if opening else ""
        period_acc, cum_acc = _Acc(), _Acc()
        period_points = ZERO
        cumulative = opening.points if opening else ZERO
        base_total = ZERO
        for m in year_months:
            a = acc.get((unit.name, m))
            if a is None or m <= since:
                if a is not None:
                    diags.append(Diagnostic(_first_source(events, unit.name, m), "J301",
                                            f"events of {unit.name} in {m} are covered by its opening balance "
                                            f"({opening.source}) and are not counted", severity=Severity.WARNING))
                continue
            pts = _month_points(rules, a)
            cumulative += pts
            cum_acc.add(a)
            if m in months:
                period_points += pts
                base_total += _base(rules, a)
                period_acc.add(a)
        # quota per month of the period
        failures: list[str] = []
        waived: list[str] = []
        quota = rules.quota(unit.quota)
        if quota is not None:
            for m in months:
                a = acc.get((unit.name, m)) or _Acc()
                for req in quota.minimums:
                    if a.value(req.measure) < req.minimum:
                        tag = f"{req.measure}@{m}"
                        if any(m in w.months for w in waivers.get(unit.name, ())):
                            waived.append(tag)
                        else:
                            failures.append(tag)
        opening_counts = dict(opening.adopted) if opening else {}
        measures = tuple(
            Measure(key=k, period=period_acc.measures.get(k, 0),
                    cumulative=cum_acc.measures.get(k, 0) + opening_counts.get(k, 0))
            for k in rules.measures
        )
        group = next((g for g in units.groups() if g.name == unit.group), None)
        shown = unit.short if group is not None and group.table_name == "short" else unit.name
        items = sorted(period_acc.items, key=lambda it: (0 if it.own else 2 if it.commission else 1,
                                                          it.issue or 0 if it.own else 0))
        row = ScoreRow(
            unit=shown, unit_name=unit.name, short=unit.short, group=unit.group,
            submitted=period_acc.submitted,
            submitted_cumulative=cum_acc.submitted + (opening.submitted if opening else 0),
            higher_adopted=period_acc.higher, own_adopted=period_acc.own,
            own_articles=period_acc.own_articles, own_briefs=period_acc.own_briefs,
            own_points=period_acc.own_points, higher_points=period_acc.higher_points,
            bonus_points=period_acc.bonus_points, bonuses=tuple(period_acc.bonuses),
            adoption_points=period_acc.own_points + period_acc.higher_points + period_acc.bonus_points,
            commissioned=period_acc.commissioned, commission_points=period_acc.commission_points,
            reported_up=period_acc.reported_up,
            base_points=base_total if rules.base_points is not None else None,
            submission_points=(rules.submission_points * period_acc.submitted) if rules.submission_points is not None else None,
            period_points=period_points, cumulative_points=cumulative,
            rank=None,
            qualified=(not failures) if has_quotas else None,
            failures=tuple(failures), waived=tuple(waived),
            measures=measures, items=tuple(items),
        )
        rows_by_group.setdefault(unit.group, []).append(row)

    # ---------------------------------------------------------- ranks and order
    if rules.rank_by:
        pools = list(rows_by_group.values()) if rules.rank_within == "group" else [[r for rs in rows_by_group.values() for r in rs]]
        ranks: dict[str, int] = {}
        for pool in pools:
            ranks.update(_ranks(pool, rules.rank_by, rules.rank_method))
        previous = _previous_ranks(rules, units, y, months, rows_by_group) if not annual else {}
        rows_by_group = {g: [_with_rank(r, ranks[r.unit_name], previous.get(r.unit_name)) for r in rs]
                         for g, rs in rows_by_group.items()}

    groups: list[GroupReport] = []
    all_own: set = set()
    for g in units.groups():
        rows = rows_by_group.get(g.name)
        if not rows:
            continue
        rows = _ordered(rows, rules.order)
        own_ids = set().union(*(own_items_period.get(r.unit_name, set()) for r in rows))
        all_own |= own_ids
        top = tuple(r.short for r in rows if r.rank is not None and r.rank <= rules.top)
        groups.append(GroupReport(name=g.name, rows=tuple(rows), received=sum(r.submitted for r in rows),
                                  own_adopted=len(own_ids), top=top))

    all_rows = [r for g in groups for r in g.rows]
    # ---------------------------------------------------------- 约稿 statistics
    def commission_month(c: Commission) -> str:
        if c.month:
            return c.month
        return f"{c.deadline.year:04d}-{c.deadline.month:02d}" if c.deadline else ""

    in_period = [c for c in commissions if first <= commission_month(c) <= last]
    y, m = int(last[:4]), int(last[5:])
    end_day = dt.date(y, m, calendar.monthrange(y, m)[1])
    upcoming = tuple(sorted((c for c in commissions if c.status == "open" and (c.deadline is None or c.deadline > end_day)),
                            key=lambda c: c.deadline or dt.date.max))

    below_sub = tuple(r.unit_name for r in all_rows if any(f.startswith("submitted@") for f in r.failures))
    below_adopt = tuple(r.unit_name for r in all_rows
                        if any(f.split("@")[0] in ADOPTION_MEASURES for f in r.failures))
    label = period_label(months)
    nxt = _next_months(months)
    fmt = {"month": label, "year": year, "next_month": period_label(nxt), "next_year": int(nxt[0][:4])}

    def fill(v: str) -> str:
        return v.format_map(_Keep(fmt)) if "{" in v else v

    def text(key: str) -> str:
        v = rules.text(key, "")
        return fill(str(v)) if v else ""

    report = Report(
        period=period, months=months, year=year, rules=rules.name, form=rules.form,
        groups=tuple(groups), totals=_totals(all_rows, rules) if all_rows else None,
        commissions_total=len(in_period),
        commissions_adopted=sum(1 for c in in_period if c.status == "adopted"),
        upcoming=upcoming, below_submission_quota=below_sub, below_adoption_quota=below_adopt,
        received=sum(g.received for g in groups), own_adopted=len(all_own),
        adopted_credits=sum(r.own_adopted + r.higher_adopted for r in all_rows),
        title=text("title"), addressees=text("addressees"), attachment=text("attachment"),
        intro=text("intro"), contact=text("contact"),
        issuer=text("issuer") or text("signature") or organization, date=date, commentary=commentary,
        notes=tuple(fill(str(n)) for n in (rules.text("notes", ()) or ())),
        period_label=label, next_period_label=fmt["next_month"],
        unused=_unused(rules),
        closing=text("closing"), quota_text=text("quota_text"), office_short=text("office_short"),
        file_stem=_file_stem(rules, period, fill),
    )
    return report, diags


def _file_stem(rules, period: str, fill) -> str:
    """``2024-01-通报``: ``report.file_name`` of the rules ({period} filled in), else period-document."""
    given = rules.text("file_name", "")
    if given:
        name = str(given).replace("{period}", period)
        return fill(name)
    return f"{period}-{rules.document}"


class _Keep(dict):
    """Placeholders the scorer does not know stay as written (renderers may fill them)."""

    def __missing__(self, key):
        return "{" + key + "}"


def _first_source(events, unit: str, month: str):
    for ev in events:
        if getattr(ev, "month", "") == month and (getattr(ev, "unit", None) == unit or unit in getattr(ev, "units", ())):
            return ev.source
    return events[0].source if events else None


def _ranks(rows: list[ScoreRow], key: str, method: str) -> dict[str, int]:
    return _ranks_of({r.unit_name: getattr(r, key) for r in rows}, method)


def _ranks_of(values: dict[str, Decimal], method: str) -> dict[str, int]:
    """Dense (1,1,2) or standard competition (1,1,3) ranks, highest value first."""
    ordered = sorted(set(values.values()), reverse=True)
    if method == "dense":
        pos = {v: i + 1 for i, v in enumerate(ordered)}
        return {u: pos[v] for u, v in values.items()}
    above: dict[Decimal, int] = {}
    seen = 0
    for v in ordered:
        above[v] = seen
        seen += sum(1 for x in values.values() if x == v)
    return {u: 1 + above[v] for u, v in values.items()}


def _with_rank(row: ScoreRow, rank: int, previous: int | None = None) -> ScoreRow:
    from dataclasses import replace

    return replace(row, rank=rank, previous_rank=previous,
                   rank_change=None if previous is None else previous - rank)


def _previous_ranks(rules, units, y: Year, months: tuple[str, ...], rows_by_group) -> dict[str, int]:
    """Ranks of the period before ``months`` in the same year ({} for the year's first period):
    the report's ``previous_rank``; a positive ``rank_change`` is a move up."""
    n = len(months)
    first = int(months[0][5:])
    if first - n < 1:
        return {}
    prev = tuple(f"{y.year:04d}-{m:02d}" for m in range(first - n, first))
    values: dict[str, Decimal] = {}
    for rows in rows_by_group.values():
        for r in rows:
            opening = opening_for(y, r.unit_name, prev[0], prev[-1])
            period_pts, cumulative = ZERO, opening.points if opening else ZERO
            for m, _a, pts, counted in unit_months(rules, y, r.unit_name, prev, opening):
                if counted and m <= prev[-1]:
                    cumulative += pts
                    if m in prev:
                        period_pts += pts
            values[r.unit_name] = period_pts if rules.rank_by == "period_points" else cumulative
    pools = list(rows_by_group.values()) if rules.rank_within == "group" else [[r for rs in rows_by_group.values() for r in rs]]
    out: dict[str, int] = {}
    for pool in pools:
        out.update(_ranks_of({r.unit_name: values[r.unit_name] for r in pool}, rules.rank_method))
    return out


def _ordered(rows: list[ScoreRow], keys: tuple[str, ...]) -> list[ScoreRow]:
    """Stable sort (registry order breaks ties) by the rules' order keys."""
    def key(r: ScoreRow):
        out = []
        for k in keys:
            if k == "qualified":
                out.append(0 if r.qualified is not False else 1)
            elif k == "rank":
                out.append(r.rank if r.rank is not None else 10**9)
            else:
                out.append(-getattr(r, k))
        return tuple(out)

    return sorted(rows, key=key)


def _totals(rows: list[ScoreRow], rules) -> ScoreRow:
    """The 合计 row: column sums."""
    def s(attr):
        vals = [getattr(r, attr) for r in rows]
        return None if all(v is None for v in vals) else sum((v for v in vals if v is not None), type(next(v for v in vals if v is not None))(0))

    measures = tuple(
        Measure(key=k, period=sum(m.period for r in rows for m in r.measures if m.key == k),
                cumulative=sum(m.cumulative for r in rows for m in r.measures if m.key == k))
        for k in rules.measures
    )
    return ScoreRow(
        unit="合计", unit_name="合计", short="合计", group="",
        submitted=s("submitted"), submitted_cumulative=s("submitted_cumulative"),
        higher_adopted=s("higher_adopted"), own_adopted=s("own_adopted"),
        own_articles=s("own_articles"), own_briefs=s("own_briefs"), own_points=s("own_points"),
        higher_points=s("higher_points"), bonus_points=s("bonus_points"), bonuses=(),
        adoption_points=s("adoption_points"), commissioned=s("commissioned"),
        commission_points=s("commission_points"), reported_up=s("reported_up"),
        base_points=s("base_points"), submission_points=s("submission_points"),
        period_points=s("period_points"), cumulative_points=s("cumulative_points"),
        rank=None, qualified=None, measures=measures,
    )


def _unused(rules) -> tuple[str, ...]:
    """Row fields these rules do not use (the JSON writes them as null)."""
    out = []
    uses_reported = any(r.measure == "reported_up" for r in rules.base_requires) or any(
        r.measure == "reported_up" for q in rules.quotas for r in q.minimums)
    if not uses_reported:
        out.append("reported_up")
    if rules.base_points is None:
        out.append("base_points")
    if rules.commission_outlet is None:
        out += ["commissioned", "commission_points"]
    if rules.own_outlet is None:
        out.append("own_adopted")
    if rules.rank_by is None:
        out.append("rank")
    if not rules.quotas:
        out.append("qualified")
    if rules.submission_points is None:
        out.append("submission_points")
    return tuple(out)
