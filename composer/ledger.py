"""The scoring ledger: the one reader and the one writer of ``ledger/``.

Layout (docs/formats.md, section Ledger)::

    ledger/published/<issue id>.yml   records written by ``jianbao publish``
    ledger/events/*.yml               events recorded by editors (by command or by hand)
    ledger/closed/<period>.yml        assertions written by ``jianbao ledger close``

Reading turns every record into a model event carrying its file:line.  Writing
goes through :func:`transact`: one lock (``ledger/.lock``), the whole resulting
ledger validated in memory first, closed periods compared before/after, then each
changed file replaced atomically.  A failed or refused run leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from composer import yamlsrc
from composer.diagnostics import Diagnostic, JianbaoError, Severity, Source, error
from composer.model import (
    Adoption,
    Bonus,
    Commission,
    Event,
    Ledger,
    Opening,
    ReportUp,
    Submission,
    Waiver,
)

LEDGER = "ledger"
PUBLISHED = "ledger/published"
EVENTS = "ledger/events"
CLOSED = "ledger/closed"
LOCK = "ledger/.lock"
OWN_OUTLET = "简报"
LOCK_TIMEOUT = 30.0

EVENT_TYPES = ("submission", "adoption", "commission", "report_up", "bonus", "opening", "waiver")
COMMISSION_STATUS = ("open", "submitted", "adopted", "overdue")
FIGURES = ("period_points", "cumulative_points")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2})\s*\.\.\s*(\d{4}-\d{2})$")

# rel path -> pending text (None: file removed) while a transaction validates
_PENDING: contextvars.ContextVar[dict[str, str | None]] = contextvars.ContextVar("jianbao_ledger_pending", default={})


# ---------------------------------------------------------------- files

def _read(root: Path, rel: str) -> str | None:
    pending = _PENDING.get()
    if rel in pending:
        return pending[rel]
    try:
        return (root / rel).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _files(root: Path, folder: str) -> list[str]:
    """Workspace-relative paths of the YAML files in ``folder``, pending ones included."""
    base = root / folder
    found = {f"{folder}/{p.name}" for p in base.glob("*.yml")} if base.is_dir() else set()
    for rel, text in _PENDING.get().items():
        if rel.startswith(folder + "/") and "/" not in rel[len(folder) + 1 :]:
            if text is None:
                found.discard(rel)
            else:
                found.add(rel)
    return sorted(p for p in found if not Path(p).name.startswith("."))


@contextlib.contextmanager
def pending(changes: dict[str, str | None]) -> Iterator[None]:
    """Within this block every ledger read sees ``changes`` instead of the files on disk."""
    token = _PENDING.set({**_PENDING.get(), **changes})
    try:
        yield
    finally:
        _PENDING.reset(token)


# ---------------------------------------------------------------- values

def month_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def months_between(first: str, last: str) -> tuple[str, ...]:
    y, m = int(first[:4]), int(first[5:])
    ly, lm = int(last[:4]), int(last[5:])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def period_months(period: str) -> tuple[str, ...]:
    """``2024-01`` or ``2024-05..2024-06`` → its months; ValueError otherwise."""
    period = str(period).strip()
    m = _RANGE.match(period)
    if m and _valid_month(m[1]) and _valid_month(m[2]) and m[1] <= m[2]:
        return months_between(m[1], m[2])
    if _MONTH.match(period) and _valid_month(period):
        return (period,)
    raise ValueError(f"period must be like 2024-01 or 2024-05..2024-06, found {period!r}")


def _valid_month(s: str) -> bool:
    m = _MONTH.match(s)
    return bool(m) and 1 <= int(m[2]) <= 12


def parse_when(value: Any) -> tuple[dt.date | None, str | None]:
    """A ledger ``date``: a day (YAML date or ``2024-01-15``) or a month ``2024-01``.

    Returns ``(day or None, month)``; month None when the value is neither.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value, month_of(value)
    if isinstance(value, str):
        v = value.strip()
        if _valid_month(v):
            return None, v
        try:
            d = dt.date.fromisoformat(v)
        except ValueError:
            return None, None
        return d, month_of(d)
    return None, None


def to_decimal(value: Any) -> Decimal | None:
    """Numbers via str() so 0.1 stays 0.1; booleans and text are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def yaml_number(d: Decimal) -> int | float:
    """A Decimal as a YAML number (whole numbers without a point)."""
    return int(d) if d == d.to_integral_value() else float(str(d))


# ---------------------------------------------------------------- reading

class _Entry:
    """Field access on one YAML mapping, collecting diagnostics at its lines."""

    def __init__(self, ws, node, rel: str, line: int, diags: list[Diagnostic]):
        self.ws, self.node, self.rel, self.line, self.diags = ws, node, rel, line, diags
        self.ok = True

    def src(self, key: str | None = None) -> Source:
        if key is not None and key in self.node:
            return Source(self.rel, yamlsrc.line_of(self.node, key))
        return Source(self.rel, self.line)

    def bad(self, key: str | None, message: str, hint: str | None = None, code: str = "J301") -> None:
        self.diags.append(error(self.src(key), code, message, hint))
        self.ok = False

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        v = self.node.get(key)
        if v is None:
            if required:
                self.bad(None, f"`{key}:` is required")
            return default
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            return str(v).strip()
        self.bad(key, f"`{key}:` must be text, found {v!r}")
        return default

    def count(self, key: str, default: int = 1, minimum: int = 1) -> int:
        v = self.node.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            self.bad(key, f"`{key}:` must be a whole number ≥ {minimum}, found {v!r}")
            return default
        return v

    def flag(self, key: str) -> bool:
        v = self.node.get(key, False)
        if not isinstance(v, bool):
            self.bad(key, f"`{key}:` must be true or false, found {v!r}")
            return False
        return v

    def points(self, key: str, required: bool = False) -> Decimal:
        v = self.node.get(key)
        if v is None:
            if required:
                self.bad(None, f"`{key}:` is required")
            return Decimal(0)
        d = to_decimal(v)
        if d is None:
            self.bad(key, f"`{key}:` must be a number, found {v!r}")
            return Decimal(0)
        return d

    def unit(self, key: str = "unit") -> str:
        name = self.text(key, required=True)
        return self._resolve(key, name) if name else ""

    def units(self, key: str = "units") -> tuple[str, ...]:
        v = self.node.get(key)
        if v is None and key == "units" and "unit" in self.node:
            return (self.unit("unit"),)
        if isinstance(v, str):
            v = [x for x in re.split(r"[\s、,，]+", v) if x]
        if not yamlsrc.is_seq(v) or not v:
            self.bad(key if v is not None else None, f"`{key}:` must be a non-empty list of units")
            return ()
        out = []
        for name in v:
            if not isinstance(name, str):
                self.bad(key, f"`{key}:` must list unit names, found {name!r}")
                continue
            out.append(self._resolve(key, name.strip()))
        return tuple(dict.fromkeys(out))

    def _resolve(self, key: str, name: str) -> str:
        unit = self.ws.units.get(name)
        if unit is None:
            self.bad(key, f"unit {name!r} is not in the unit registry", self.ws.units.hint(name), code="J302")
            return name
        return unit.name

    def when(self, key: str = "date", required: bool = True, day_only: bool = False) -> tuple[dt.date | None, str]:
        v = self.node.get(key)
        if v is None:
            if required:
                self.bad(None, f"`{key}:` is required (a day 2024-01-15 or a month 2024-01)")
            return None, ""
        day, month = parse_when(v)
        if month is None or (day_only and day is None):
            want = "a day like 2024-01-15" if day_only else "a day like 2024-01-15 or a month like 2024-01"
            self.bad(key, f"`{key}:` must be {want}, found {v!r}")
            return None, ""
        return day, month

    def unknown_keys(self, allowed: tuple[str, ...]) -> None:
        for k in self.node:
            if k not in allowed and k not in ("type", "by"):  # by: the account that recorded it (web)
                self.diags.append(Diagnostic(self.src(k), "J301", f"unknown key `{k}` for type {self.node.get('type')}",
                                             "allowed: " + ", ".join(allowed), Severity.WARNING))


def _submission(e: _Entry) -> Submission:
    e.unknown_keys(("unit", "date", "count", "title", "category", "ref"))
    unit = e.unit()
    day, month = e.when()
    return Submission(source=e.src(), unit=unit, month=month, date=day, count=e.count("count"),
                      title=e.text("title"), category=e.text("category"), ref=e.text("ref"))


def _adoption(e: _Entry) -> Adoption:
    e.unknown_keys(("outlet", "kind", "star", "title", "date", "units", "unit", "issue", "category"))
    outlet, kind, title = e.text("outlet", True), e.text("kind", True), e.text("title", True)
    units = e.units()
    day, month = e.when()
    issue = e.node.get("issue")
    if issue is not None and (isinstance(issue, bool) or not isinstance(issue, int) or issue < 1):
        e.bad("issue", f"`issue:` must be an issue number like 2, found {issue!r}")
        issue = None
    return Adoption(source=e.src(), outlet=outlet, kind=kind, title=title, month=month, units=units, date=day,
                    star=e.flag("star"), issue=issue, category=e.text("category"))


def _commission(e: _Entry) -> Commission:
    e.unknown_keys(("topic", "units", "unit", "deadline", "status", "title", "date", "outlet"))
    topic = e.text("topic", True)
    units = e.units()
    deadline, _ = e.when("deadline", required=False, day_only=True)
    status = e.text("status", default="open")
    if status not in COMMISSION_STATUS:
        e.bad("status", f"`status:` must be one of {', '.join(COMMISSION_STATUS)}, found {status!r}")
    day, month = e.when("date", required=False)
    if status == "adopted" and not month:
        e.bad("status", "an adopted commission needs `date:` (the month it scores in)")
    return Commission(source=e.src(), topic=topic, units=units, status=status, deadline=deadline,
                      title=e.text("title"), month=month, date=day, outlet=e.text("outlet"))


def _report_up(e: _Entry) -> ReportUp:
    e.unknown_keys(("unit", "date", "count", "channel", "title"))
    unit = e.unit()
    day, month = e.when()
    return ReportUp(source=e.src(), unit=unit, month=month, count=e.count("count"), date=day,
                    channel=e.text("channel", default="报市"), title=e.text("title"))


def _bonus(e: _Entry) -> Bonus:
    e.unknown_keys(("unit", "date", "points", "reason"))
    unit = e.unit()
    day, month = e.when()
    return Bonus(source=e.src(), unit=unit, month=month, points=e.points("points", True),
                 reason=e.text("reason", True), date=day)


def _opening(e: _Entry) -> Opening:
    e.unknown_keys(("unit", "date", "submitted", "adopted", "points"))
    unit = e.unit()
    _, month = e.when()
    adopted_raw = e.node.get("adopted") or {}
    adopted: list[tuple[str, int]] = []
    if not yamlsrc.is_map(adopted_raw):
        e.bad("adopted", "`adopted:` must map a measure (市/信息 …) to a count")
    else:
        for k, v in adopted_raw.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                e.bad("adopted", f"`adopted: {k}` must be a whole number ≥ 0, found {v!r}")
                continue
            adopted.append((str(k), v))
    return Opening(source=e.src(), unit=unit, month=month, submitted=e.count("submitted", 0, 0),
                   adopted=tuple(adopted), points=e.points("points"))


def _waiver(e: _Entry) -> Waiver:
    e.unknown_keys(("unit", "date", "reason"))
    unit = e.unit()
    v = e.node.get("date")
    months: tuple[str, ...] = ()
    try:
        months = period_months(v.isoformat()[:7] if isinstance(v, dt.date) else str(v))
    except ValueError:
        e.bad("date" if v is not None else None, f"`date:` must be a month 2024-05 or a range 2024-05..2024-06, found {v!r}")
    return Waiver(source=e.src(), unit=unit, months=months, reason=e.text("reason", True))


_PARSERS: dict[str, Callable[[_Entry], Event]] = {
    "submission": _submission,
    "adoption": _adoption,
    "commission": _commission,
    "report_up": _report_up,
    "bonus": _bonus,
    "opening": _opening,
    "waiver": _waiver,
}


def parse_events(ws, text: str, rel: str) -> tuple[list[Event], list[Diagnostic]]:
    """One events file (a YAML list of entries with ``type:``)."""
    data, diags = yamlsrc.parse_fast(text, rel, code="J301")
    if data is None:
        return [], diags  # empty file, or a YAML error already reported
    if not yamlsrc.is_seq(data):
        return [], diags + [error(Source(rel, 1), "J301", "an events file must be a YAML list of entries (- type: …)")]
    events: list[Event] = []
    for i, node in enumerate(data):
        line = yamlsrc.line_of(data, i)
        if not yamlsrc.is_map(node):
            diags.append(error(Source(rel, line), "J301", f"an event must be a mapping with `type:`, found {node!r}"))
            continue
        kind = node.get("type")
        parser = _PARSERS.get(kind) if isinstance(kind, str) else None
        if parser is None:
            where = Source(rel, yamlsrc.line_of(node, "type")) if "type" in node else Source(rel, line)
            diags.append(error(where, "J301", f"unknown event type {kind!r}", "type is one of " + ", ".join(EVENT_TYPES)))
            continue
        entry = _Entry(ws, node, rel, line, diags)
        ev = parser(entry)
        if entry.ok:
            events.append(ev)
    return events, diags


@dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    """One ``ledger/published/<id>.yml`` as read (records become Adoption events)."""

    source: Source = field(compare=False, repr=False)
    issue: str
    number: int
    date: dt.date | None
    fingerprint: str
    published_at: str
    adoptions: tuple[Adoption, ...]


def parse_published(ws, text: str, rel: str) -> tuple[Published | None, list[Diagnostic]]:
    data, diags = yamlsrc.parse_fast(text, rel, code="J301")
    if data is None:
        return None, diags
    if not yamlsrc.is_map(data):
        return None, diags + [error(Source(rel, 1), "J301", "a published file must be a mapping (issue:, number:, records: …)")]
    head = _Entry(ws, data, rel, 1, diags)
    issue_id = head.text("issue", required=True)
    if issue_id and issue_id != Path(rel).stem:
        head.bad("issue", f"issue {issue_id!r} does not match the file name {Path(rel).name}")
    number = head.count("number", 0, 1)
    day, _ = head.when("date", day_only=True)
    records = data.get("records")
    if not yamlsrc.is_seq(records):
        head.bad("records" if "records" in data else None, "`records:` must be a list of {kind, title, units}")
        records = []
    adoptions = []
    for i, node in enumerate(records):
        line = yamlsrc.line_of(records, i)
        if not yamlsrc.is_map(node):
            diags.append(error(Source(rel, line), "J301", f"a record must be a mapping, found {node!r}"))
            continue
        e = _Entry(ws, node, rel, line, diags)
        kind, title, units = e.text("kind", True), e.text("title", True), e.units()
        if e.ok and head.ok:
            adoptions.append(Adoption(source=e.src(), outlet=OWN_OUTLET, kind=kind, title=title, month=month_of(day),
                                      units=units, date=day, issue=number, origin=f"publish:{issue_id}"))
    pub = Published(source=Source(rel, 1), issue=issue_id, number=number, date=day,
                    fingerprint=head.text("fingerprint"), published_at=_stamp(data.get("published_at")),
                    adoptions=tuple(adoptions))
    return pub, diags


def _stamp(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value or "")


def read_published(ws, issue_id: str) -> tuple[Published | None, Any, list[Diagnostic]]:
    """The published file of one issue: parsed, raw YAML data (for its trail), diagnostics."""
    rel = f"{PUBLISHED}/{issue_id}.yml"
    text = _read(ws.root, rel)
    if text is None:
        return None, None, []
    pub, diags = parse_published(ws, text, rel)
    data, _ = yamlsrc.parse_fast(text, rel)
    return pub, data, diags


def load_ledger(ws) -> tuple[Ledger, list[Diagnostic]]:
    """Every event of the ledger, published records first, each with its file:line."""
    events: list[Event] = []
    diags: list[Diagnostic] = []
    published: list[str] = []
    for rel in _files(ws.root, PUBLISHED):
        pub, d = parse_published(ws, _read(ws.root, rel) or "", rel)
        diags += d
        if pub is not None:
            events += pub.adoptions
            published.append(pub.issue or Path(rel).stem)
    for rel in _files(ws.root, EVENTS):
        evs, d = parse_events(ws, _read(ws.root, rel) or "", rel)
        events += evs
        diags += d
    return Ledger(events=tuple(events), published=tuple(published)), diags


def submission_refs(led: Ledger) -> frozenset[str]:
    """The ``ref:`` of every recorded submission (importers skip manuscripts already counted)."""
    return frozenset(e.ref for e in led.events if isinstance(e, Submission) and e.ref)


# ---------------------------------------------------------------- closed periods

@dataclass(frozen=True, slots=True, kw_only=True)
class Closed:
    source: Source = field(compare=False, repr=False)
    period: str
    figures: tuple[tuple[str, Decimal, Decimal], ...]  # (unit, period_points, cumulative_points)

    def as_dict(self) -> dict[str, tuple[Decimal, Decimal]]:
        return {u: (p, c) for u, p, c in self.figures}


def closed_rel(period: str) -> str:
    return f"{CLOSED}/{period}.yml"


def load_closed(ws) -> tuple[list[Closed], list[Diagnostic]]:
    out: list[Closed] = []
    diags: list[Diagnostic] = []
    for rel in _files(ws.root, CLOSED):
        data, d = yamlsrc.parse_fast(_read(ws.root, rel) or "", rel, code="J301")
        diags += d
        if data is None:
            continue
        if not yamlsrc.is_map(data) or not yamlsrc.is_map(data.get("figures")):
            diags.append(error(Source(rel, 1), "J301", "a closed file needs `period:` and `figures:` (unit → points)"))
            continue
        period = str(data.get("period") or Path(rel).stem)
        figures = []
        for unit, vals in data["figures"].items():
            line = yamlsrc.line_of(data["figures"], unit)
            nums = [to_decimal(vals.get(k)) if yamlsrc.is_map(vals) else None for k in FIGURES]
            if None in nums:
                diags.append(error(Source(rel, line), "J301", f"figures of {unit} need numbers {' and '.join(FIGURES)}"))
                continue
            figures.append((str(unit), nums[0], nums[1]))
        out.append(Closed(source=Source(rel, 1), period=period, figures=tuple(figures)))
    return out, diags


def period_figures(ws, period: str) -> tuple[dict[str, tuple[Decimal, Decimal]], list[Diagnostic]]:
    """Per scored unit: (period_points, cumulative_points) as the report computes them now."""
    from composer.scoring import build_report  # scoring reads the ledger through load_ledger

    report, diags = build_report(ws, period)
    if report is None:
        return {}, diags
    return {row.unit_name: (row.period_points, row.cumulative_points) for g in report.groups for row in g.rows}, diags


def figure_changes(before: dict[str, tuple[Decimal, Decimal]],
                   after: dict[str, tuple[Decimal, Decimal]]) -> list[tuple[str, tuple | None, tuple | None]]:
    zero = (Decimal(0), Decimal(0))
    out = []
    for unit in sorted(set(before) | set(after)):
        b, a = before.get(unit), after.get(unit)
        if (b or zero) != (a or zero):
            out.append((unit, b, a))
    return out


def _fig_map(fig: tuple | None) -> Any:
    if fig is None:
        return None
    return yamlsrc.flow({k: yaml_number(v) for k, v in zip(FIGURES, fig)})


def closed_text(ws, period: str, figures: dict[str, tuple[Decimal, Decimal]], command: str,
                old_text: str | None = None, log_entry: dict | None = None) -> str:
    """The closed file: period, when, the figures, and the log of forced changes."""
    data = None
    if old_text:
        data, _ = yamlsrc.parse(old_text, closed_rel(period))
    if not yamlsrc.is_map(data):
        data = yamlsrc.new_map([("period", period), ("closed_at", now_iso()), ("command", command)])
    order = {u.name: i for i, u in enumerate(ws.units)}
    data["figures"] = yamlsrc.new_map(
        (u, _fig_map(figures[u])) for u in sorted(figures, key=lambda u: (order.get(u, len(order)), u))
    )
    log = data.get("log")
    if not yamlsrc.is_seq(log):
        log = []
    if log_entry is not None:
        log.append(yamlsrc.new_map(log_entry.items()))
    data.pop("log", None)
    data["log"] = log
    return yamlsrc.dump(data)


# ---------------------------------------------------------------- checking

def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


def check_ledger(ws, ledger: Ledger, rules=None, *, closed: bool = True) -> list[Diagnostic]:
    """Checks beyond parsing: outlets known (J303), dates in their period (J305),
    duplicates (J304) and, with ``closed``, closed periods still as asserted (J306).

    Unknown units (J302) are reported by :func:`load_ledger` as it resolves them.
    """
    out: list[Diagnostic] = []
    seen_adoption: dict[tuple, Source] = {}
    seen_ref: dict[str, Source] = {}
    published_titles: dict[tuple[int, int], dict[str, Source]] = {}
    for ev in ledger.events:
        if isinstance(ev, Adoption) and ev.origin.startswith("publish:") and ev.month and ev.issue:
            published_titles.setdefault((int(ev.month[:4]), ev.issue), {})[_norm(ev.title)] = ev.source
    for ev in ledger.events:
        # dates inside the period of the file (ledger/events/2024-01.yml holds January)
        stem = Path(ev.source.path).stem
        if ev.source.path.startswith(EVENTS + "/") and _valid_month(stem):
            months = ev.months if isinstance(ev, Waiver) else ((ev.month,) if getattr(ev, "month", "") else ())
            if months and stem not in months:
                out.append(error(ev.source, "J305", f"this {type(ev).__name__.lower()} is dated {months[0]}, "
                                 f"but {Path(ev.source.path).name} holds the events of {stem}",
                                 f"move it to {EVENTS}/{months[0]}.yml or correct its date"))
        if isinstance(ev, Commission) and ev.deadline and ev.date and ev.status in ("submitted", "adopted") \
                and ev.date > ev.deadline:
            out.append(Diagnostic(ev.source, "J305", f"commission {ev.topic!r} is dated {ev.date}, after its deadline "
                                  f"{ev.deadline}", "set status: overdue, or correct the dates", Severity.WARNING))
        if isinstance(ev, Adoption):
            if rules is not None and ev.outlet and not rules.knows(ev.outlet, ev.kind):
                out.append(error(ev.source, "J303", f"outlet {ev.outlet!r} with kind {ev.kind!r} is not in the rules file",
                                 f"outlets and kinds come from {ws.publication.rules}"))
            key = (ev.outlet, _norm(ev.title), frozenset(ev.units))
            if key in seen_adoption:
                out.append(error(ev.source, "J304", f"adoption {ev.title!r} by {ev.outlet} is also recorded at "
                                 f"{seen_adoption[key]}"))
            else:
                seen_adoption[key] = ev.source
            if ev.origin == "event" and ev.outlet == OWN_OUTLET and ev.issue and ev.month:
                other = published_titles.get((int(ev.month[:4]), ev.issue), {}).get(_norm(ev.title))
                if other is not None and seen_adoption[key] == ev.source:  # else reported as a plain duplicate
                    out.append(error(ev.source, "J304", f"backfill adoption {ev.title!r} of issue {ev.issue} duplicates "
                                     f"the published record at {other}", "delete this entry: publish records it"))
        if isinstance(ev, Submission) and ev.ref:
            if ev.ref in seen_ref:
                out.append(error(ev.source, "J304", f"submission {ev.ref} is also recorded at {seen_ref[ev.ref]}"))
            else:
                seen_ref[ev.ref] = ev.source
    if closed:
        out += check_closed(ws)
    return out


def check_closed(ws) -> list[Diagnostic]:
    """J306 for every closed period whose figures now differ from its assertions."""
    out: list[Diagnostic] = []
    periods, diags = load_closed(ws)
    out += diags
    for c in periods:
        now, _ = period_figures(ws, c.period)
        changes = figure_changes(c.as_dict(), now)
        if changes:
            out.append(error(c.source, "J306", f"period {c.period} is closed but the ledger now gives other figures for "
                             + "、".join(_describe(u, b, a) for u, b, a in changes),
                             "undo the edit, or record it with --force --reason so it is logged"))
    return out


def _num(d: Decimal) -> str:
    """``37`` not ``37.0``, ``7.5`` as is."""
    return format(d.normalize(), "f") if d.is_finite() else str(d)


def _describe(unit: str, before, after) -> str:
    b = "–" if before is None else f"{_num(before[0])}/{_num(before[1])}"
    a = "–" if after is None else f"{_num(after[0])}/{_num(after[1])}"
    return f"{unit} ({b} → {a})"


# ---------------------------------------------------------------- writing

def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().replace(microsecond=0).isoformat()


@contextlib.contextmanager
def locked(ws, timeout: float | None = None) -> Iterator[None]:
    """The one ledger lock; every writer holds it from reading to replacing."""
    from filelock import FileLock, Timeout

    timeout = LOCK_TIMEOUT if timeout is None else timeout
    path = ws.root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise JianbaoError(f"the ledger is locked by another jianbao process ({LOCK}); "
                           f"waited {timeout:g} s — try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """What a transaction wrote (empty ``paths`` when nothing changed)."""

    paths: tuple[Path, ...] = ()
    closed_changes: tuple[tuple[str, tuple[tuple[str, tuple | None, tuple | None], ...]], ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def _load_rules(ws):
    try:
        from composer.rules import load_rules
    except ImportError:
        return None
    rules, diags = load_rules(ws)
    return None if any(d.is_error for d in diags) else rules


def _error_keys(diags) -> set[tuple]:
    return {(d.source.path, d.source.line, d.code, d.message) for d in diags if d.is_error}


def transact(ws, change: Callable[[Callable[[str], str | None]], dict[str, str]], *, command: str,
             force: bool = False, reason: str = "") -> Written:
    """Apply one change to the ledger, all or nothing.

    ``change(read)`` runs under the lock, reads current texts with ``read(rel)`` and
    returns ``{rel path: new text}``.  The resulting ledger is loaded and checked in
    memory; new errors, or changed figures of a closed period (without ``force`` and
    ``reason``), raise :class:`JianbaoError` and nothing is written.
    """
    root = ws.root
    with locked(ws):
        changes = {rel: text for rel, text in change(lambda rel: _read(root, rel)).items()
                   if text != _read(root, rel)}
        if not changes:
            return Written()
        rules = _load_rules(ws)
        ledger0, d0 = load_ledger(ws)
        before = _error_keys(d0 + check_ledger(ws, ledger0, rules, closed=False))
        with pending(changes):
            ledger1, d1 = load_ledger(ws)
            after = d1 + check_ledger(ws, ledger1, rules, closed=False)
        new = [d for d in after if d.is_error and (d.source.path, d.source.line, d.code, d.message) not in before]
        if new:
            raise JianbaoError("the ledger would be invalid after this change; nothing was written", tuple(new))
        closed, cdiags = load_closed(ws)
        if any(d.is_error for d in cdiags):
            raise JianbaoError("a closed-period file is invalid; nothing was written", tuple(cdiags))
        altered = []
        for c in closed:
            fig0, _ = period_figures(ws, c.period)
            with pending(changes):
                fig1, _ = period_figures(ws, c.period)
            diff = figure_changes(fig0, fig1)
            if diff:
                altered.append((c, fig1, diff))
        if altered and not (force and reason.strip()):
            lines = [f"period {c.period} is closed ({closed_rel(c.period)}); this change would alter the figures of "
                     + "、".join(_describe(u, b, a) for u, b, a in diff) for c, _, diff in altered]
            need = "--force needs --reason \"…\"" if force else "to change it anyway, add --force --reason \"…\" (logged)"
            raise JianbaoError("; ".join(lines) + f"; nothing was written; {need}")
        for c, fig1, diff in altered:
            rel = closed_rel(c.period)
            entry = {
                "at": now_iso(),
                "command": command,
                "reason": reason.strip(),
                "changes": [yamlsrc.new_map([("unit", u), ("before", _fig_map(b)), ("after", _fig_map(a))])
                            for u, b, a in diff],
            }
            changes[rel] = closed_text(ws, c.period, fig1, command, _read(root, rel), entry)
        from composer.output import write_atomic

        paths = []
        for rel, text in changes.items():  # the asked change first, closed-period logs after it
            write_atomic(root / rel, text)
            paths.append(root / rel)
        return Written(paths=tuple(paths),
                       closed_changes=tuple((c.period, tuple(diff)) for c, _, diff in altered))


def event_month(entry: dict) -> str:
    """The month file an entry belongs in: its date's month (a waiver's first month)."""
    for key in ("date", "deadline"):
        v = entry.get(key)
        if v is None:
            continue
        if isinstance(v, str) and _RANGE.match(v.strip()):
            return _RANGE.match(v.strip())[1]
        _, month = parse_when(v)
        if month:
            return month
    return month_of(dt.date.today())


def _dump_entries(entries: list[dict], indent: int) -> str:
    items = []
    for entry in entries:
        m = yamlsrc.new_map()
        for k, v in entry.items():
            if v is None:
                continue
            if isinstance(v, Decimal):
                v = yaml_number(v)
            elif isinstance(v, (list, tuple, dict)):
                v = yamlsrc.flow(dict(v) if isinstance(v, dict) else list(v))
            m[k] = v
        items.append(m)
    text = textwrap.dedent(yamlsrc.dump(items))
    return textwrap.indent(text, " " * indent) if indent else text


def appended_text(old: str | None, entries: list[dict]) -> str:
    """``old`` with ``entries`` added at the end, the editor's text left byte for byte as written."""
    old = old or ""
    if old and not old.endswith("\n"):
        old += "\n"
    data, diags = yamlsrc.parse_fast(old, "<events>")
    if diags or (data is not None and not yamlsrc.is_seq(data)):
        raise JianbaoError("the events file is not a YAML list; fix it first (jianbao ledger check)", tuple(diags))
    if data is None:  # empty, or only comments
        return old + _dump_entries(entries, 0)
    if data.fa.flow_style():
        if len(data):
            raise JianbaoError("the events file is a flow-style list [...]; write it as a block list (- type: …) to append")
        return re.sub(r"^\s*\[\s*\]\s*$", "", old, count=1, flags=re.M) + _dump_entries(entries, 0)
    m = re.search(r"^( *)- ", old, re.M)
    return old + _dump_entries(entries, len(m[1]) if m else 0)


def append_events(ws, entries: list[dict], file: str | None = None, *, command: str = "jianbao ledger add",
                  force: bool = False, reason: str = "") -> Path:
    """Append entries to ``ledger/events/<YYYY-MM>.yml`` (by each entry's month) or to ``file``.

    One transaction for all entries; returns the (last) file appended to.
    """
    written = add_events(ws, entries, file, command=command, force=force, reason=reason)
    events = [p for p in written.paths if p.parent.name == "events"]
    return events[-1] if events else ws.root / (_events_rel(ws, file) if file else f"{EVENTS}/{event_month(entries[-1])}.yml")


def add_events(ws, entries: list[dict], file: str | None = None, *, command: str = "jianbao ledger add",
               force: bool = False, reason: str = "") -> Written:
    """:func:`append_events`, returning what was written (closed periods changed included)."""
    if not entries:
        return Written()
    by_file: dict[str, list[dict]] = {}
    for entry in entries:
        rel = _events_rel(ws, file) if file else f"{EVENTS}/{event_month(entry)}.yml"
        by_file.setdefault(rel, []).append(entry)

    def change(read):
        return {rel: appended_text(read(rel), es) for rel, es in by_file.items()}

    return transact(ws, change, command=command, force=force, reason=reason)


def _events_rel(ws, file: str) -> str:
    p = Path(file)
    if not p.is_absolute() and len(p.parts) == 1:
        p = Path(EVENTS) / p
    rel = yamlsrc.rel(ws.root, ws.root / p if not p.is_absolute() else p)
    if not rel.startswith(EVENTS + "/") or not rel.endswith(".yml"):
        raise JianbaoError(f"{file}: events are kept in {EVENTS}/*.yml")
    return rel


def published_rel(issue_id: str) -> str:
    return f"{PUBLISHED}/{issue_id}.yml"


def published_text(data: dict) -> str:
    """The published file for ``data`` (issue, number, date, fingerprint, published_at, records, trail)."""
    m = yamlsrc.new_map()
    for key in ("issue", "number", "date", "fingerprint", "published_at"):
        m[key] = data[key]
    recs = []
    for r in data["records"]:
        rec = yamlsrc.new_map([("kind", r["kind"]), ("title", r["title"]), ("units", yamlsrc.flow(list(r["units"])))])
        if r.get("authors"):
            rec["authors"] = yamlsrc.flow(list(r["authors"]))
        recs.append(rec)
    m["records"] = recs
    if data.get("trail"):
        m["trail"] = data["trail"]
    return yamlsrc.dump(m)


def write_published(ws, issue_id: str, data: dict, *, command: str = "jianbao publish", force: bool = False,
                    reason: str = "") -> Written:
    """Replace ``ledger/published/<issue_id>.yml`` with ``data`` through :func:`transact`."""
    rel = published_rel(issue_id)
    text = published_text(data)
    return transact(ws, lambda read: {rel: text}, command=command, force=force, reason=reason)


def close_period(ws, period: str, *, command: str, force: bool = False, reason: str = "") -> tuple[Path, dict]:
    """Record the period's per-unit figures in ``ledger/closed/<period>.yml``.

    Closing again with unchanged figures writes nothing; with changed figures it
    needs ``force`` and ``reason`` (logged).
    """
    period_months(period)  # validates
    rel = closed_rel(period)
    with locked(ws):
        ledger, diags = load_ledger(ws)
        diags += check_ledger(ws, ledger, _load_rules(ws), closed=False)
        figures, sdiags = period_figures(ws, period)
        errors = [d for d in diags + sdiags if d.is_error]
        if errors:
            raise JianbaoError(f"the ledger has errors; fix them before closing {period}", tuple(errors))
        old = _read(ws.root, rel)
        entry = None
        if old is not None:
            closed = {c.period: c for c in load_closed(ws)[0]}
            prev = closed.get(period)
            diff = figure_changes(prev.as_dict() if prev else {}, figures)
            if not diff:
                return ws.root / rel, figures
            if not (force and reason.strip()):
                raise JianbaoError(f"period {period} is already closed ({rel}) with other figures for "
                                   + "、".join(_describe(u, b, a) for u, b, a in diff)
                                   + "; use --force --reason \"…\" to record the new figures (logged)")
            entry = {"at": now_iso(), "command": command, "reason": reason.strip(),
                     "changes": [yamlsrc.new_map([("unit", u), ("before", _fig_map(b)), ("after", _fig_map(a))])
                                 for u, b, a in diff]}
        from composer.output import write_atomic

        write_atomic(ws.root / rel, closed_text(ws, period, figures, command, old, entry))
    return ws.root / rel, figures
