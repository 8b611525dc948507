"""Scoring rules as data: load and validate the publication's rules file.

One schema expresses both practices seen in the reference reports (Liaocheng's
monthly points-per-outlet with a base score and dense ranks; Golmud's bi-monthly
levels 省/州/市 × 信息/动态 with submission points and quotas).  Scoring never
branches on the city: every difference is a value here.

```yaml
name: …                         # shown in reports
form: liaocheng                 # report layout: liaocheng | golmud
period: month                   # month | bimonth
cumulative: year                # cumulative from January
own_outlet: 简报                # the own bulletin (optional)
outlets:                        # points per kind; star = points of a ★ adoption
  - {name: 简报, level: 局, points: {信息: 1, 简讯: 0.5}}
  - {name: 昨日市情, level: 市, points: {信息: 5}, star: 15}
commission: {outlet: 市政府约稿, points: 5}      # 约稿 adopted (optional)
base: {points: 5, requires: {reported_up: 1}}   # per month (optional)
submission_points: 1            # per counted submission (optional)
bonuses: {参加新闻发布会: 5}     # known bonus reasons (documentation/defaults)
exclude_categories: [党建信息]   # neither submissions nor adoptions count
quotas: {A: {submitted: 5, adopted: 1}}         # monthly minimums per class
measures: [省/信息, 州/信息]     # level/kind count columns shown in the table
ranking: {by: cumulative_points, method: dense, within: group}   # or null
order: [cumulative_points]      # table order keys (qualified, period_points …)
report: {title: …, addressees: …, notes: [...], issuer: …}   # keys per form: FORM_REPORT_KEYS
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from composer import yamlsrc
from composer.schema import count_error, points_error, to_decimal
from composer.diagnostics import NO_SOURCE, Diagnostic, Source, error

PERIODS = {"month": 1, "bimonth": 2}
FORMS = ("liaocheng", "golmud")
# measures a quota or the base condition may name (counted per unit and month)
MONTHLY_MEASURES = ("submitted", "adopted", "own_adopted", "higher_adopted", "reported_up")
ORDER_KEYS = ("qualified", "period_points", "cumulative_points", "submitted", "rank")
RANK_KEYS = ("cumulative_points", "period_points")
RANK_METHODS = ("dense", "standard")
TOP_KEYS = (
    "name", "form", "period", "cumulative", "own_outlet", "outlets", "commission", "base",
    "submission_points", "bonuses", "exclude_categories", "quotas", "measures", "ranking",
    "order", "top", "report",
)
# the ``report:`` texts each form prints; any other key is an error (J401), never silently dropped
COMMON_REPORT_KEYS = ("title", "addressees", "issuer", "signature", "notes", "attachment", "office_short", "file_name")
FORM_REPORT_KEYS = {
    "liaocheng": COMMON_REPORT_KEYS,
    "golmud": COMMON_REPORT_KEYS + ("intro", "contact", "closing", "quota_text"),
}
REPORT_KEYS = tuple(dict.fromkeys(k for keys in FORM_REPORT_KEYS.values() for k in keys))
# the document each form issues: its output files are <period>-<document>.<ext> unless report.file_name says otherwise
FORM_DOCUMENT = {"liaocheng": "通报", "golmud": "通知"}


def _src() -> Source:
    return field(default=NO_SOURCE, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outlet:
    source: Source = _src()
    name: str
    level: str
    points: tuple[tuple[str, Decimal], ...]  # kind -> points
    star: Decimal | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.points)


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """A monthly minimum: ``measure >= minimum``."""

    measure: str
    minimum: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Quota:
    source: Source = _src()
    name: str  # class name, e.g. "A"
    minimums: tuple[Requirement, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    source: Source = _src()
    name: str
    form: str = "liaocheng"
    period: str = "month"
    cumulative: str = "year"
    own_outlet: str | None = None
    outlets: tuple[Outlet, ...] = ()
    commission_outlet: str | None = None
    commission_points: Decimal | None = None
    base_points: Decimal | None = None
    base_requires: tuple[Requirement, ...] = ()
    submission_points: Decimal | None = None
    bonuses: tuple[tuple[str, Decimal], ...] = ()
    exclude_categories: tuple[str, ...] = ()
    quotas: tuple[Quota, ...] = ()
    measures: tuple[str, ...] = ()  # "level/kind" count columns
    rank_by: str | None = "cumulative_points"
    rank_method: str = "dense"
    rank_within: str = "group"
    order: tuple[str, ...] = ("cumulative_points",)
    top: int = 3  # ranks named on the cover
    report: tuple[tuple[str, object], ...] = ()  # texts for the report form
    base_source: Source = _src()  # where base: / submission_points: are (explain cites them)
    submission_source: Source = _src()

    # ------------------------------------------------------------ API
    @property
    def months_per_period(self) -> int:
        return PERIODS[self.period]

    def outlet(self, name: str) -> Outlet | None:
        for o in self.outlets:
            if o.name == name:
                return o
        return None

    def knows(self, outlet: str, kind: str) -> bool:
        """Whether an adoption by ``outlet`` of ``kind`` scores under these rules."""
        if self.commission_outlet and outlet == self.commission_outlet:
            return True
        o = self.outlet(outlet)
        return o is not None and kind in o.kinds

    def item_points(self, outlet: str, kind: str, star: bool = False) -> Decimal:
        """Points of one adopted item for each credited unit (co-credit is not split)."""
        if self.commission_outlet and outlet == self.commission_outlet:
            return self.commission_points or Decimal(0)
        o = self.outlet(outlet)
        if o is None:
            raise KeyError(f"unknown outlet {outlet}")
        if star and o.star is not None:
            return o.star
        for k, p in o.points:
            if k == kind:
                return p
        raise KeyError(f"outlet {outlet} does not score kind {kind}")

    def is_own(self, outlet: str) -> bool:
        return self.own_outlet is not None and outlet == self.own_outlet

    def level_of(self, outlet: str) -> str:
        o = self.outlet(outlet)
        return o.level if o else outlet

    def quota(self, name: str | None) -> Quota | None:
        for q in self.quotas:
            if q.name == name:
                return q
        return None

    def excluded(self, category: str) -> bool:
        return bool(category) and category in self.exclude_categories

    def outlet_names(self) -> str:
        """The outlets an adoption may name, for messages (J303)."""
        names = [o.name for o in self.outlets] + ([self.commission_outlet] if self.commission_outlet else [])
        return "、".join(names)

    @property
    def document(self) -> str:
        """通报 or 通知: what the form issues (output file names)."""
        return FORM_DOCUMENT.get(self.form, "通报")

    def bonus_points(self, reason: str) -> Decimal | None:
        for r, p in self.bonuses:
            if r == reason:
                return p
        return None

    def text(self, key: str, default: object = None) -> object:
        for k, v in self.report:
            if k == key:
                return v
        return default


# ---------------------------------------------------------------- loading

class _Checker:
    def __init__(self, path: str):
        self.path = path
        self.diags: list[Diagnostic] = []

    def src(self, node, key=None) -> Source:
        return Source(self.path, yamlsrc.line_of(node, key))

    def err(self, node, key, message: str, hint: str | None = None) -> None:
        self.diags.append(error(self.src(node, key), "J401", message, hint))

    def keys(self, node, allowed, where: str) -> None:
        for k in node:
            if k not in allowed:
                self.err(node, k, f"unknown key `{k}` in {where}", "known keys: " + ", ".join(allowed))

    def number(self, node, key, where: str) -> Decimal | None:
        """Points: a finite number within the ledger's ±100000 (beyond is a typo, and 1e999999 would overflow)."""
        value = node.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.err(node, key, f"{where} must be a number, found {value!r}")
            return None
        d = to_decimal(value)
        why = points_error(d, value)
        if why:
            self.err(node, key, f"{where} {why}")
            return None
        return d

    def count(self, node, key, where: str) -> int | None:
        value = node.get(key)
        why = count_error(value)
        if why:
            self.err(node, key, f"{where} {why}")
            return None
        return value

    def text(self, node, key, where: str, default: str | None = None) -> str | None:
        if key not in node or node.get(key) is None:
            return default
        value = node.get(key)
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.err(node, key, f"{where} must be text, found {value!r}")
            return default
        return str(value)

    def choice(self, node, key, choices, default: str) -> str:
        value = node.get(key, default)
        if value not in choices:
            self.err(node, key, f"`{key}` must be one of {', '.join(choices)}, found {value!r}")
            return default
        return value

    def names(self, node, key, where: str) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not yamlsrc.is_seq(value) or not all(isinstance(x, str) for x in value):
            self.err(node, key, f"{where} must be a list of names")
            return ()
        return tuple(value)

    def requirements(self, node, key, where: str) -> tuple[Requirement, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if not yamlsrc.is_map(value):
            self.err(node, key, f"{where} must map measures to minimums, e.g. {{submitted: 5, adopted: 1}}")
            return ()
        out = []
        for m in value:
            if m not in MONTHLY_MEASURES:
                self.err(value, m, f"unknown measure `{m}` in {where}", "measures: " + ", ".join(MONTHLY_MEASURES))
                continue
            n = self.count(value, m, f"{where}.{m}")
            if n is not None:
                out.append(Requirement(measure=str(m), minimum=n))
        return tuple(out)


def parse_rules(data, path: str) -> tuple[Rules | None, list[Diagnostic]]:
    """Rules from parsed YAML (``path`` names the file in diagnostics)."""
    c = _Checker(path)
    if not yamlsrc.is_map(data):
        return None, [error(Source(path, 1), "J401", "the rules file must be a mapping (name:, outlets: …)")]
    c.keys(data, TOP_KEYS, "the rules file")
    name = c.text(data, "name", "name") or ""
    if not name:
        c.err(data, "name" if "name" in data else None, "the rules need a `name:`")
    form = c.choice(data, "form", FORMS, "liaocheng")
    period = c.choice(data, "period", tuple(PERIODS), "month")
    cumulative = c.choice(data, "cumulative", ("year",), "year")

    outlets: list[Outlet] = []
    raw = data.get("outlets")
    if not yamlsrc.is_seq(raw) or not raw:
        c.err(data, "outlets" if "outlets" in data else None, "`outlets:` must be a non-empty list of {name, level, points: {kind: points}}")
        raw = []
    seen: set[str] = set()
    for i, o in enumerate(raw):
        if not yamlsrc.is_map(o):
            c.diags.append(error(Source(path, yamlsrc.line_of(raw, i)), "J401", "an outlet must be a mapping {name, level, points}"))
            continue
        c.keys(o, ("name", "level", "points", "star"), "an outlet")
        oname = c.text(o, "name", "outlet name")
        if not oname:
            c.err(o, None, "an outlet needs `name:`")
            continue
        if oname in seen:
            c.err(o, "name", f"outlet {oname} is listed twice")
        seen.add(oname)
        pts = o.get("points")
        points: list[tuple[str, Decimal]] = []
        if not yamlsrc.is_map(pts) or not pts:
            c.err(o, "points" if "points" in o else None, f"outlet {oname}: `points:` must map kinds to points, e.g. {{信息: 5}}")
        else:
            for kind in pts:
                p = c.number(pts, kind, f"points of {oname}/{kind}")
                if p is not None:
                    points.append((str(kind), p))
        star = c.number(o, "star", f"star points of {oname}") if "star" in o else None
        outlets.append(Outlet(source=c.src(o), name=oname, level=c.text(o, "level", "level", oname) or oname,
                              points=tuple(points), star=star))

    own = c.text(data, "own_outlet", "own_outlet")
    if own is not None and own not in seen:
        c.err(data, "own_outlet", f"own_outlet {own} is not one of the outlets", "list it under outlets: with points per kind")

    commission_outlet = commission_points = None
    com = data.get("commission")
    if com is not None:
        if not yamlsrc.is_map(com):
            c.err(data, "commission", "commission must be {outlet: 市政府约稿, points: 5}")
        else:
            c.keys(com, ("outlet", "points"), "commission")
            commission_outlet = c.text(com, "outlet", "commission.outlet", "约稿")
            commission_points = c.number(com, "points", "commission.points") if "points" in com else Decimal(0)
            if commission_outlet in seen:
                c.err(com, "outlet", f"commission outlet {commission_outlet} is also an adoption outlet")

    base_points = None
    base_requires: tuple[Requirement, ...] = ()
    base = data.get("base")
    if base is not None:
        if not yamlsrc.is_map(base):
            c.err(data, "base", "base must be {points: 5, requires: {reported_up: 1}}")
        else:
            c.keys(base, ("points", "requires"), "base")
            base_points = c.number(base, "points", "base.points")
            base_requires = c.requirements(base, "requires", "base.requires")

    submission_points = c.number(data, "submission_points", "submission_points") if data.get("submission_points") is not None else None

    bonuses: list[tuple[str, Decimal]] = []
    b = data.get("bonuses")
    if b is not None:
        if not yamlsrc.is_map(b):
            c.err(data, "bonuses", "bonuses must map reasons to points, e.g. {参加新闻发布会: 5}")
        else:
            for reason in b:
                p = c.number(b, reason, f"bonus {reason}")
                if p is not None:
                    bonuses.append((str(reason), p))

    exclude = c.names(data, "exclude_categories", "exclude_categories")

    quotas: list[Quota] = []
    q = data.get("quotas")
    if q is not None:
        if not yamlsrc.is_map(q):
            c.err(data, "quotas", "quotas must map classes to monthly minimums, e.g. {A: {submitted: 5, adopted: 1}}")
        else:
            for cls in q:
                quotas.append(Quota(source=c.src(q, cls), name=str(cls),
                                    minimums=c.requirements(q, cls, f"quota {cls}")))

    measures = c.names(data, "measures", "measures")
    levels_kinds = {f"{o.level}/{k}" for o in outlets for k in o.kinds}
    for m in measures:
        if m not in levels_kinds:
            c.err(data, "measures", f"measure {m} is no level/kind of the outlets", "known: " + ", ".join(sorted(levels_kinds)))

    rank_by: str | None = "cumulative_points"
    rank_method, rank_within = "dense", "group"
    if "ranking" in data:
        r = data.get("ranking")
        if r is None:
            rank_by = None
        elif not yamlsrc.is_map(r):
            c.err(data, "ranking", "ranking must be {by: cumulative_points, method: dense, within: group} or null")
        else:
            c.keys(r, ("by", "method", "within"), "ranking")
            rank_by = c.choice(r, "by", RANK_KEYS, "cumulative_points")
            rank_method = c.choice(r, "method", RANK_METHODS, "dense")
            rank_within = c.choice(r, "within", ("group", "all"), "group")

    order = c.names(data, "order", "order") or ("cumulative_points",)
    for k in order:
        if k not in ORDER_KEYS:
            c.err(data, "order", f"unknown order key {k}", "keys: " + ", ".join(ORDER_KEYS))
    top = data.get("top", 3)
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= 1000:
        c.err(data, "top", f"top must be a whole number from 0 to 1000, found {str(top)[:40]!r}")
        top = 3

    report: list[tuple[str, object]] = []
    rep = data.get("report")
    if rep is not None:
        if not yamlsrc.is_map(rep):
            c.err(data, "report", "report must be a mapping of texts (title, addressees, notes …)")
        else:
            allowed = FORM_REPORT_KEYS.get(form, REPORT_KEYS)
            for k in rep:
                if k in REPORT_KEYS and k not in allowed:
                    c.err(rep, k, f"report.{k} is not printed by the {form} form",
                          f"the {form} form prints: " + ", ".join(allowed))
            c.keys(rep, REPORT_KEYS, "report")
            for k in rep:
                v = rep[k]
                if k == "notes":
                    notes = c.names(rep, k, "report.notes")
                    report.append((str(k), notes))
                elif k == "file_name" and (not isinstance(v, str) or not v.strip() or any(c in v for c in '/\\:*?"<>|')
                                           or v.strip().startswith(".")):
                    c.err(rep, k, f"report.file_name must be a file name without folders, found {v!r}",
                          "e.g. {period}-通报")
                elif isinstance(v, (str, int)) and not isinstance(v, bool):
                    report.append((str(k), str(v)))
                else:
                    c.err(rep, k, f"report.{k} must be text")

    if c.diags:
        return None, c.diags
    return Rules(
        source=Source(path, 1), name=name, form=form, period=period, cumulative=cumulative,
        own_outlet=own, outlets=tuple(outlets), commission_outlet=commission_outlet,
        commission_points=commission_points, base_points=base_points, base_requires=base_requires,
        submission_points=submission_points, bonuses=tuple(bonuses), exclude_categories=exclude,
        quotas=tuple(quotas), measures=measures, rank_by=rank_by, rank_method=rank_method,
        rank_within=rank_within, order=order, top=top, report=tuple(report),
        base_source=c.src(data, "base") if "base" in data else Source(path, 1),
        submission_source=c.src(data, "submission_points") if "submission_points" in data else Source(path, 1),
    ), []


def check_units(rules: Rules, units) -> list[Diagnostic]:
    """Every quota class a registry unit names must be a class of the rules."""
    known = {q.name for q in rules.quotas}
    out = []
    for u in units:
        if u.quota is not None and u.quota not in known:
            out.append(error(u.source, "J401", f"unit {u.name}: quota class {u.quota} is not in the rules file",
                             "classes: " + (", ".join(sorted(known)) or "none defined (add quotas:)")))
    return out


def load_rules(ws) -> tuple[Rules | None, list[Diagnostic]]:
    """The publication's rules file, validated; None when it has errors."""
    rel_path = ws.publication.rules
    data, diags = yamlsrc.load(ws.root, ws.root / rel_path, code="J401")
    if data is None:
        return None, diags
    rules, more = parse_rules(data, rel_path)
    diags += more
    if rules is not None:
        diags += check_units(rules, ws.units)
    return rules, diags
