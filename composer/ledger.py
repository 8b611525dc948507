"""The scoring ledger: the one reader and the one writer of ``ledger/``.

Layout (docs/formats.md, section Ledger)::

    ledger/published/<issue id>.yml   records written by ``jianbao publish``
    ledger/events/*.yml               events recorded by editors (by command, import or by hand)
    ledger/closed/<period>.yml        assertions written by ``jianbao ledger close``

Reading turns every record into a model event carrying its file:line.  Files are
read through a :class:`View`: the files on disk plus an explicit overlay of
pending texts, so a transaction can load "the ledger as it would be" without
touching the disk.  Writing goes through :func:`transact`: one lock
(``ledger/.lock``); only the changed files are parsed again; the result is
checked in memory; closed periods are guarded by :mod:`composer.closing`, which
scores only what the change can affect; then every changed file is committed
together (:func:`commit`: all temporary files first, a journal, then the
renames — a failure or a kill rolls every file back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from composer import closing, yamlsrc
from composer.schema import (MAX_COUNT, MAX_POINTS, count_error, points_error,  # noqa: F401 - ledger.* for callers
                             shown, to_decimal)
from composer.closing import CLOSED, Closed, closed_rel, describe
from composer.diagnostics import Diagnostic, JianbaoError, Severity, Source, error
from composer.model import FIRST_YEAR, LAST_YEAR, valid_year
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
LOCK = "ledger/.lock"
JOURNAL = "ledger/.journal.json"
DEFAULT_OWN_OUTLET = "简报"  # the own bulletin's name only when the rules file does not say (or cannot be read)
LOCK_TIMEOUT = 30.0

EVENT_TYPES = ("submission", "adoption", "commission", "report_up", "bonus", "opening", "waiver")
COMMISSION_STATUS = ("open", "submitted", "adopted", "overdue")
FIGURES = closing.FIGURES
MIN_TRUNCATED = 8  # a title this long or longer that starts another one is the same item, truncated

# the field an entry-level problem is about (reported at that option or column)
ENTRY_KEY_OF = {"J303": ("outlet",), "J304": ("title", "ref", "topic"), "J305": ("date",), "J302": ("unit", "units")}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2})\s*\.\.\s*(\d{4}-\d{2})$")


# ---------------------------------------------------------------- files

def _read_disk(root: Path, rel: str) -> str | None:
    """A ledger file's text; None when absent.  Raises JianbaoError (with a diagnostic naming
    the file and line) for a file outside the workspace, not a regular file, or not UTF-8."""
    path = root / rel
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise JianbaoError(f"{rel}: cannot read: {e.strerror or e}") from None
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):
        raise JianbaoError(f"{rel} points outside the workspace ({real}); ledger files must be inside it",
                           (error(Source(rel), "J301", f"{rel} is a link to {real}, outside the workspace"),))
    import stat

    if not stat.S_ISREG(path.stat().st_mode if stat.S_ISLNK(st.st_mode) else st.st_mode):
        raise JianbaoError(f"{rel} is not a regular file", (error(Source(rel), "J301", f"{rel} is not a regular file"),))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise JianbaoError(f"{rel}: cannot read: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        cut = e.end >= len(data)
        why = ("the file ends inside a UTF-8 character (it was cut short)" if cut
               else f"byte {e.start} is not UTF-8 text (saved in another encoding?)")
        raise JianbaoError(f"{rel}:{line}: {why}",
                           (error(Source(rel, line), "J301", why, "restore the file from git or a backup, "
                                  "or save it as UTF-8"),)) from None
    return text.removeprefix("\ufeff")


class View:
    """The ledger files as one command sees them: the disk, plus an explicit overlay of
    pending texts (``None``: the file is removed).  Disk reads are cached per view family."""

    def __init__(self, root: Path, overlay: dict[str, str | None] | None = None, _disk: dict | None = None):
        self.root = Path(root)
        self.overlay = dict(overlay or {})
        self._disk: dict[str, str | None] = {} if _disk is None else _disk

    def read(self, rel: str) -> str | None:
        if rel in self.overlay:
            return self.overlay[rel]
        if rel not in self._disk:
            self._disk[rel] = _read_disk(self.root, rel)
        return self._disk[rel]

    def files(self, folder: str) -> list[str]:
        """Workspace-relative paths of the YAML files in ``folder``, pending ones included."""
        base = self.root / folder
        found = {f"{folder}/{p.name}" for p in base.glob("*.yml")} if base.is_dir() else set()
        for rel, text in self.overlay.items():
            if rel.startswith(folder + "/") and "/" not in rel[len(folder) + 1 :]:
                if text is None:
                    found.discard(rel)
                else:
                    found.add(rel)
        return sorted(p for p in found if not Path(p).name.startswith("."))

    def with_changes(self, changes: dict[str, str | None]) -> View:
        return View(self.root, {**self.overlay, **changes}, self._disk)


# ---------------------------------------------------------------- committing several files

def _temp(path: Path, text: str) -> Path:
    from composer.output import _mode_for

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def commit(root: Path, changes: dict[str, str | None], olds: dict[str, str | None]) -> None:
    """Replace every changed file, or none.

    One file: an atomic replace.  Several: every new text goes to a temporary file
    first; then a journal (``ledger/.journal.json``) records the old texts; then the
    renames.  A failure during the renames rolls every file back at once; a kill leaves
    the journal, and the next jianbao command that reads the ledger rolls back
    (:func:`recover`).  Either way the ledger ends as it was before, or as after.
    """
    from composer.output import write_atomic

    if len(changes) == 1:
        ((rel, text),) = changes.items()
        if text is None:
            (root / rel).unlink(missing_ok=True)
        else:
            write_atomic(root / rel, text)
        return
    temps: dict[str, Path] = {}
    journal = root / JOURNAL
    try:
        for rel, text in changes.items():
            if text is not None:
                temps[rel] = _temp(root / rel, text)
        record = {"files": [{"path": rel, "temp": temps[rel].name if rel in temps else None, "old": olds.get(rel)}
                            for rel in changes]}
        write_atomic(journal, json.dumps(record, ensure_ascii=False))
    except BaseException:
        for t in temps.values():
            t.unlink(missing_ok=True)
        raise
    try:
        for rel in changes:
            if rel in temps:
                os.replace(temps[rel], root / rel)
            else:
                (root / rel).unlink(missing_ok=True)
    except BaseException:
        with contextlib.suppress(Exception):
            recover_journal(root)
        raise
    journal.unlink(missing_ok=True)


def recover_journal(root: Path) -> bool:
    """Roll back an unfinished multi-file commit (its journal exists); True if there was one."""
    from composer.output import write_atomic

    journal = root / JOURNAL
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        files = record["files"]
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)  # a journal cut short: written before any rename, nothing to undo
        return True
    for f in files:
        target = root / f["path"]
        if f.get("temp") and (target.parent / f["temp"]).exists():
            (target.parent / f["temp"]).unlink()  # never renamed: the file is still the old one
            continue
        if f.get("old") is None:
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, f["old"])
    journal.unlink(missing_ok=True)
    return True


def recover(ws) -> None:
    """Under the lock: finish what a killed writer left (see :func:`commit`)."""
    if (ws.root / JOURNAL).exists():
        try:
            recover_journal(ws.root)
        except OSError as e:
            raise JianbaoError(f"{JOURNAL}: an interrupted ledger change could not be rolled back: "
                               f"{e.strerror or e}; fix the cause and run the command again") from None


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
    raise ValueError(f"period must be like 2024-01 or 2024-05..2024-06 (years {FIRST_YEAR} to {LAST_YEAR}), found {period!r}")


def _valid_month(s: str) -> bool:
    m = _MONTH.match(s)
    return bool(m) and 1 <= int(m[2]) <= 12 and valid_year(int(m[1]))


def parse_when(value: Any) -> tuple[dt.date | None, str | None]:
    """A ledger ``date``: a day (YAML date or ``2024-01-15``) or a month ``2024-01``.

    Returns ``(day or None, month)``; month None when the value is neither.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value, month_of(value)) if valid_year(value.year) else (None, None)
    if isinstance(value, str):
        v = value.strip()
        if _valid_month(v):
            return None, v
        try:
            d = dt.date.fromisoformat(v)
        except ValueError:
            return None, None
        return (d, month_of(d)) if valid_year(d.year) else (None, None)
    return None, None


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
        why = count_error(v, minimum)
        if why:
            self.bad(key, f"`{key}:` {why}")
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
        why = points_error(d, v)
        if why:
            self.bad(key, f"`{key}:` {why}")
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
    if issue is not None and count_error(issue, 1):
        e.bad("issue", f"`issue:` must be an issue number like 2 (1 to {MAX_COUNT}), found {shown(issue)}")
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
            why = count_error(v)
            if why:
                e.bad("adopted", f"`adopted: {k}` {why}")
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
    """One ``ledger/published/<id>.yml`` as read (records become adoptions by the own bulletin)."""

    source: Source = field(compare=False, repr=False)
    issue: str
    number: int
    date: dt.date | None
    fingerprint: str
    published_at: str
    adoptions: tuple[Adoption, ...]
    records_fingerprint: str = ""  # as written by publish
    records_actual: str = ""  # of the records as they are now


def records_fingerprint(issue: str, number: Any, date: Any, records: list[dict]) -> str:
    """sha256 over what a published file credits (issue, number, date and every record), so a hand
    edit of ``ledger/published/*.yml`` shows in ``ledger check``."""
    canon = [str(issue), str(number), _stamp(date)]
    for r in records:
        canon.append([str(r.get("kind", "")), str(r.get("title", "")), [str(u) for u in r.get("units") or []],
                      [str(a) for a in r.get("authors") or []]])
    return "sha256:" + hashlib.sha256(json.dumps(canon, ensure_ascii=False).encode("utf-8")).hexdigest()


def _raw_records(records) -> list[dict]:
    out = []
    for r in records if yamlsrc.is_seq(records) else []:
        if yamlsrc.is_map(r):
            units = r.get("units") or []
            out.append({"kind": r.get("kind", ""), "title": r.get("title", ""),
                        "units": [units] if isinstance(units, str) else list(units) if yamlsrc.is_seq(units) else [],
                        "authors": list(r.get("authors") or []) if yamlsrc.is_seq(r.get("authors")) else []})
    return out


def parse_published(ws, text: str, rel: str, own_outlet: str = DEFAULT_OWN_OUTLET) -> tuple[Published | None, list[Diagnostic]]:
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
            adoptions.append(Adoption(source=e.src(), outlet=own_outlet, kind=kind, title=title, month=month_of(day),
                                      units=units, date=day, issue=number, origin=f"publish:{issue_id}"))
    stored = data.get("records_fingerprint")
    pub = Published(source=Source(rel, 1), issue=issue_id, number=number, date=day,
                    fingerprint=head.text("fingerprint"), published_at=_stamp(data.get("published_at")),
                    adoptions=tuple(adoptions), records_fingerprint=str(stored) if stored else "",
                    records_actual=records_fingerprint(data.get("issue"), data.get("number"), data.get("date"),
                                                       _raw_records(records)) if stored else "")
    return pub, diags


def _stamp(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value or "")


def read_published(ws, issue_id: str, own_outlet: str = DEFAULT_OWN_OUTLET) -> tuple[Published | None, Any, list[Diagnostic]]:
    """The published file of one issue: parsed, raw YAML data (for its trail), diagnostics."""
    rel = published_rel(issue_id)
    try:
        text = View(ws.root).read(rel)
    except JianbaoError as e:
        return None, {}, list(e.diagnostics) or [error(Source(rel), "J301", str(e))]
    if text is None:
        return None, None, []
    pub, diags = parse_published(ws, text, rel, own_outlet)
    data, _ = yamlsrc.parse_fast(text, rel)
    return pub, data, diags


def own_outlet_of(rules) -> str:
    return rules.own_outlet if rules is not None and rules.own_outlet else DEFAULT_OWN_OUTLET


def _parse_file(ws, view: View, rel: str, own: str, cache: dict | None):
    """(events, diagnostics, Published or None) of one file, reused from ``cache`` when its text is unchanged."""
    try:
        text = view.read(rel) or ""
    except JianbaoError as e:
        return [], list(e.diagnostics) or [error(Source(rel), "J301", str(e))], None
    key = (rel, own)
    if cache is not None and key in cache and cache[key][0] is text:
        return cache[key][1]
    if rel.startswith(PUBLISHED + "/"):
        pub, d = parse_published(ws, text, rel, own)
        result = (list(pub.adoptions) if pub else [], d, pub)
    else:
        evs, d = parse_events(ws, text, rel)
        result = (evs, d, None)
    if cache is not None:
        cache[key] = (text, result)
    return result


def load_ledger(ws, rules=None, *, view: View | None = None, cache: dict | None = None,
                recover_first: bool = True) -> tuple[Ledger, list[Diagnostic]]:
    """Every event of the ledger, published records first, each with its file:line.

    Published records are adoptions by the rules' own outlet (``rules``; loaded when
    not given).  ``view`` overlays pending texts; ``cache`` reuses parses across views.
    """
    if view is None:
        view = View(ws.root)
        if recover_first and (ws.root / JOURNAL).exists():
            with locked(ws):
                recover(ws)
    if rules is None:
        from composer.rules import load_rules

        rules, _ = load_rules(ws)
    own = own_outlet_of(rules)
    events: list[Event] = []
    diags: list[Diagnostic] = []
    published: list[str] = []
    for rel in view.files(PUBLISHED):
        evs, d, pub = _parse_file(ws, view, rel, own, cache)
        diags += d
        if pub is not None:
            events += evs
            published.append(pub.issue or Path(rel).stem)
            if pub.records_fingerprint and pub.records_fingerprint != pub.records_actual:
                diags.append(error(pub.source, "J301", f"{rel} was edited by hand: its records no longer match "
                                   f"records_fingerprint written by publish ({pub.published_at})",
                                   "undo the edit, or change the issue and publish it again with --revise --reason"))
    for rel in view.files(EVENTS):
        evs, d, _ = _parse_file(ws, view, rel, own, cache)
        events += evs
        diags += d
    return Ledger(events=tuple(events), published=tuple(published)), diags


def submission_refs(led: Ledger) -> frozenset[str]:
    """The ``ref:`` of every recorded submission (importers skip manuscripts already counted)."""
    return frozenset(e.ref for e in led.events if isinstance(e, Submission) and e.ref)


def load_closed(ws, view: View | None = None, only: set[str] | None = None) -> tuple[list[Closed], list[Diagnostic]]:
    """The closed periods (``only``: of these file stems)."""
    view = view or View(ws.root)
    out: list[Closed] = []
    diags: list[Diagnostic] = []
    for rel in view.files(CLOSED):
        if only is not None and Path(rel).stem not in only:
            continue
        try:
            text = view.read(rel) or ""
        except JianbaoError as e:
            diags += list(e.diagnostics) or [error(Source(rel), "J301", str(e))]
            continue
        c, d = closing.parse_closed(text, rel)
        diags += d
        if c is not None:
            out.append(c)
    return out, diags


# ---------------------------------------------------------------- checking

def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


_TRUNCATION = re.compile(r"(…+|\.{3,}|——|等)$")


def title_key(title: str) -> str:
    """A title as compared for double credits: no spaces, no trailing … (a truncated title)."""
    return _TRUNCATION.sub("", _norm(title))


def check_ledger(ws, ledger: Ledger, rules=None) -> list[Diagnostic]:
    """Checks beyond parsing: outlets known (J303), dates in their period (J305), duplicates and
    double credits (J304: the same unit credited twice for one item, a 约稿 recorded both as a
    commission and as an adoption).  Closed periods: :func:`composer.closing.check_closed`.

    Unknown units (J302) are reported by :func:`load_ledger` as it resolves them.
    """
    out: list[Diagnostic] = []
    seen_ref: dict[str, Source] = {}
    buckets: dict[tuple, list] = {}  # (outlet, own issue, year) -> [(title key, order, adoption)]
    buckets_order: list = []
    published_titles: dict[tuple[int, int], dict[str, Source]] = {}
    commissions: list[Commission] = []
    commission_adoptions: list[Adoption] = []
    commission_outlet = rules.commission_outlet if rules is not None else None
    is_own = rules.is_own if rules is not None else (lambda o: o == DEFAULT_OWN_OUTLET)
    stems: dict[str, str | None] = {}
    for ev in ledger.events:
        if isinstance(ev, Adoption) and ev.origin.startswith("publish:") and ev.month and ev.issue:
            published_titles.setdefault((int(ev.month[:4]), ev.issue), {})[_norm(ev.title)] = ev.source
    for ev in ledger.events:
        path = ev.source.path
        if path not in stems:
            stem = path[len(EVENTS) + 1 : -4] if path.startswith(EVENTS + "/") and path.endswith(".yml") else ""
            stems[path] = stem if _valid_month(stem) else None
        stem = stems[path]
        if stem:  # ledger/events/2024-01.yml holds January
            months = ev.months if isinstance(ev, Waiver) else ((ev.month,) if getattr(ev, "month", "") else ())
            if months and stem not in months:
                out.append(error(ev.source, "J305", f"this {type(ev).__name__.lower()} is dated {months[0]}, "
                                 f"but {Path(path).name} holds the events of {stem}",
                                 f"move it to {EVENTS}/{months[0]}.yml or correct its date"))
        if isinstance(ev, Commission):
            if ev.deadline and ev.date and ev.status in ("submitted", "adopted") and ev.date > ev.deadline:
                out.append(Diagnostic(ev.source, "J305", f"commission {ev.topic!r} is dated {ev.date}, after its "
                                      f"deadline {ev.deadline}", "set status: overdue, or correct the dates",
                                      Severity.WARNING))
            if ev.status == "adopted":
                commissions.append(ev)
        elif isinstance(ev, Adoption):
            if rules is not None and ev.outlet and not rules.knows(ev.outlet, ev.kind):
                out.append(error(ev.source, "J303", f"outlet {ev.outlet!r} with kind {ev.kind!r} is not in the rules file",
                                 f"known outlets: {rules.outlet_names()} ({ws.publication.rules})"))
            commission_adoptions.append(ev)
            own = is_own(ev.outlet)
            backfill = None
            if ev.origin == "event" and own and ev.issue and ev.month:
                backfill = published_titles.get((int(ev.month[:4]), ev.issue), {}).get(_norm(ev.title))
            if backfill is not None:
                out.append(error(ev.source, "J304", f"backfill adoption {ev.title!r} of issue {ev.issue} duplicates "
                                 f"the published record at {backfill}", "delete this entry: publish records it"))
            else:
                buckets.setdefault((ev.outlet, ev.issue if own else None, ev.month[:4]), []).append(
                    (title_key(ev.title), len(buckets_order), ev))
            buckets_order.append(ev)
        elif isinstance(ev, Submission) and ev.ref:
            if ev.ref in seen_ref:
                out.append(error(ev.source, "J304", f"submission {ev.ref} is also recorded at {seen_ref[ev.ref]}"))
            else:
                seen_ref[ev.ref] = ev.source
    out += _credited_twice(buckets)
    if commissions:
        out += _commission_twice(commissions, [a for a in commission_adoptions
                                               if a.outlet == commission_outlet or a.outlet in {c.outlet for c in commissions}])
    return out


def _credited_twice(buckets: dict[tuple, list]) -> list[Diagnostic]:
    """J304 where one unit is credited twice for one item: the same outlet (and own issue) and year,
    the same title or one title the start of the other (truncated, at least MIN_TRUNCATED characters).

    Titles that start with a title t follow t directly in sorted order, so one sort per bucket
    finds every pair.  The later record (in ledger order) is reported, naming the earlier one.
    """
    out = []
    for entries in buckets.values():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda e: (e[0], e[1]))
        partner: dict[int, tuple] = {}  # order of the later record -> (earlier record, units in both)
        for i, (t, oi, ev) in enumerate(entries):
            if not t:
                continue
            for t2, oj, ev2 in entries[i + 1 :]:
                if not t2.startswith(t):
                    break
                if t2 != t and len(t) < MIN_TRUNCATED:
                    continue
                if ev.origin.startswith("publish:") and ev.origin == ev2.origin:
                    continue  # one issue's own items: the issue check keeps them apart
                both = [u for u in ev2.units if u in ev.units]
                if not both:
                    continue
                (first, fo), (later, lo) = sorted(((ev, oi), (ev2, oj)), key=lambda x: x[1])
                if lo not in partner or fo < partner[lo][0][1]:
                    partner[lo] = ((first, fo), later, both)
        for (first, _), later, both in partner.values():
            if title_key(first.title) == title_key(later.title) and set(first.units) == set(later.units):
                out.append(error(later.source, "J304", f"adoption {later.title!r} by {later.outlet} is also recorded "
                                 f"at {first.source}"))
            else:
                out.append(error(later.source, "J304", f"{'、'.join(both)} credited twice for one item: "
                                 f"{later.title!r} by {later.outlet} here and {first.title!r} at {first.source}",
                                 "a unit is credited once per item: add the unit to one record, delete the other"))
    return out


def _same_item(a: str, b: str) -> bool:
    a, b = title_key(a), title_key(b)
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= MIN_TRUNCATED and long.startswith(short))


def _commission_twice(commissions: list[Commission], adoptions: list[Adoption]) -> list[Diagnostic]:
    """A 约稿 recorded as an adopted commission and as an adoption by the 约稿 outlet counts twice."""
    out = []
    for a in adoptions:
        for c in commissions:
            if c.month[:4] != a.month[:4] or not any(_same_item(a.title, t) for t in (c.title, c.topic) if t):
                continue
            both = [u for u in a.units if u in c.units]
            if both:
                out.append(error(a.source, "J304", f"约稿 {a.title!r} of {'、'.join(both)} is recorded twice: as this "
                                 f"adoption by {a.outlet} and as the adopted commission at {c.source}",
                                 "keep one: the commission (status: adopted) or the adoption"))
                break
    return out


# ---------------------------------------------------------------- writing

def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().replace(microsecond=0).isoformat()


@contextlib.contextmanager
def locked(ws, timeout: float | None = None) -> Iterator[None]:
    """The one ledger lock; every writer holds it from reading to replacing."""
    from filelock import FileLock, Timeout

    timeout = LOCK_TIMEOUT if timeout is None else timeout
    path = ws.root / LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=timeout)
        lock.acquire()
    except Timeout:
        raise JianbaoError(f"the ledger is locked by another jianbao process ({LOCK}); "
                           f"waited {timeout:g} s — try again when it has finished") from None
    except OSError as e:
        raise JianbaoError(f"{LOCK}: cannot take the ledger lock: {e.strerror or e}") from None
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
    added: tuple[Event, ...] = ()  # events the change adds (parsed)


def _load_rules(ws):
    """The rules every change is checked against; a rules file with errors stops the change
    (outlets, kinds and the own bulletin's name could not be checked: it would go in unchecked)."""
    from composer.rules import load_rules

    rules, diags = load_rules(ws)
    errors = tuple(d for d in diags if d.is_error)
    if rules is None or errors:
        raise JianbaoError(f"the rules file ({ws.publication.rules}) has errors; fix them first "
                           "(every ledger change is checked against it); nothing was written", errors)
    return rules


def _error_keys(diags) -> set[tuple]:
    return {(d.source.path, d.source.line, d.code, d.message) for d in diags if d.is_error}


def transact(ws, change: Callable[[Callable[[str], str | None]], dict[str, str]], *, command: str,
             force: bool = False, reason: str = "", where: Callable[[Diagnostic], Diagnostic] | None = None,
             dry_run: bool = False) -> Written:
    """Apply one change to the ledger, all or nothing.

    ``change(read)`` runs under the lock, reads current texts with ``read(rel)`` and
    returns ``{rel path: new text}``.  Only the changed files are parsed again; the
    resulting ledger is checked in memory; new errors, or changed figures of a closed
    period (without ``force`` and ``reason``), raise :class:`JianbaoError` and nothing
    is written.  ``where`` maps a diagnostic about the new text to the user's input
    (the command's option, the import row).
    """
    root = ws.root
    with locked(ws):
        recover(ws)
        view = View(root)
        changes = {rel: text for rel, text in change(view.read).items() if text != view.read(rel)}
        if not changes:
            return Written()
        rules = _load_rules(ws)
        own = own_outlet_of(rules)
        cache: dict = {}
        after_view = view.with_changes(changes)
        led1, d1 = load_ledger(ws, rules, view=after_view, cache=cache)
        after = d1 + check_ledger(ws, led1, rules)
        led0 = None
        if any(d.is_error for d in after):
            led0, d0 = load_ledger(ws, rules, view=view, cache=cache)
            before = _error_keys(d0 + check_ledger(ws, led0, rules))
            new = [d for d in after if d.is_error and ((d.source.path, d.source.line, d.code, d.message) not in before
                                                         or (d.source.path in changes and "does not parse" in d.message))]
            if new:
                if where is not None:
                    new = [where(d) for d in new]
                raise JianbaoError("the ledger would be invalid after this change; nothing was written", tuple(new))
        old_events, new_events = [], []
        for rel in changes:
            if rel.startswith((PUBLISHED + "/", EVENTS + "/")):
                old, new = view.read(rel) or "", changes[rel] or ""
                after_events = _parse_file(ws, after_view, rel, own, cache)[0]
                if new.startswith(old) and (not old or old.endswith("\n")):  # an append: the new events follow the old text
                    n = old.count("\n")
                    new_events += [e for e in after_events if e.source.line > n]
                else:
                    old_events += _parse_file(ws, view, rel, own, cache)[0]
                    new_events += after_events
        changed = closing.changed_events(old_events, new_events)
        altered: list[closing.Altered] = []
        # closed periods the change can reach, by file name first: only those files are parsed
        named = [Closed(source=Source(rel), period=Path(rel).stem, figures=())
                 for rel in view.files(CLOSED)] if changed and rules is not None else []
        reach = {c.period for c in closing.affected(named, changed)[0]} | {c.period for c in named if not c.months}
        closed, cdiags = load_closed(ws, view, only=reach) if reach else ([], [])
        if closed and rules is not None and changed:
            if any(d.is_error for d in cdiags):
                raise JianbaoError("a closed-period file is invalid; nothing was written", tuple(cdiags))
            hit, _ = closing.affected(closed, changed)
            if hit:
                if led0 is None:
                    led0, _ = load_ledger(ws, rules, view=view, cache=cache)
                altered = closing.guard(rules, ws.units, led0.events, led1.events, closed, changed)
        if altered and not (force and reason.strip()) and not dry_run:
            lines = [f"period {a.closed.period} is closed ({closed_rel(a.closed.period)}); this change would alter "
                     "the figures of " + "、".join(describe(u, b, x) for u, b, x in a.diff) for a in altered]
            need = "--force needs --reason \"…\"" if force else "to change it anyway, add --force --reason \"…\" (logged)"
            raise JianbaoError("; ".join(lines) + f"; nothing was written; {need}")
        at = now_iso()
        for a in altered:
            rel = closed_rel(a.closed.period)
            entry = closing.log_entry(at, command, reason.strip(), a.diff)
            changes[rel] = closing.closed_text(ws.units, a.closed.period, a.after, command, at, view.read(rel), entry)
        from collections import Counter

        if dry_run:
            return Written(closed_changes=tuple((a.closed.period, a.diff) for a in altered),
                           added=tuple((Counter(new_events) - Counter(old_events)).elements()))
        try:
            commit(root, changes, {rel: view.read(rel) for rel in changes})
        except OSError as e:
            raise JianbaoError(f"{e.filename and yamlsrc.rel(root, Path(e.filename)) or LEDGER}: cannot write the "
                               f"ledger: {e.strerror or e}; nothing was written") from None
        return Written(paths=tuple(root / rel for rel in changes),
                       closed_changes=tuple((a.closed.period, a.diff) for a in altered),
                       added=tuple((Counter(new_events) - Counter(old_events)).elements()))


def event_month(entry: dict) -> str | None:
    """The month file an entry belongs in: its date's month (a waiver's first month); None when undated."""
    for key in ("date", "deadline"):
        v = entry.get(key)
        if v is None:
            continue
        if isinstance(v, str) and _RANGE.match(v.strip()):
            return _RANGE.match(v.strip())[1]
        _, month = parse_when(v)
        if month:
            return month
    return None


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


def _entries_text(entries: list[dict], dumped: list[str] | None, indent: int) -> str:
    block = "".join(dumped) if dumped is not None else _dump_entries(entries, 0)
    return textwrap.indent(block, " " * indent) if indent else block


def appended_text(old: str | None, entries: list[dict], rel: str = "<events>", dumped: list[str] | None = None) -> str:
    """``old`` with ``entries`` added at the end, the editor's text left byte for byte as written.

    ``dumped``: the entries already dumped one by one (unindented), to dump them only once.
    """
    old = old or ""
    if old and not old.endswith("\n"):
        old += "\n"
    first = next((ln for ln in old.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is not None and re.match(r"^( *)- ", first) and not first.lstrip()[2:].lstrip().startswith("["):
        # a block list (the usual case): append without parsing it again; the transaction parses the result
        return old + _entries_text(entries, dumped, len(re.match(r"^( *)", first)[1]))
    data, diags = yamlsrc.parse_fast(old, rel)
    if diags or (data is not None and not yamlsrc.is_seq(data)):
        raise JianbaoError(f"{rel} is not a YAML list; fix it first (jianbao ledger check)", tuple(diags))
    if data is None:  # empty, or only comments
        return old + _entries_text(entries, dumped, 0)
    if data.fa.flow_style():
        if len(data):
            raise JianbaoError(f"{rel} is a flow-style list [...]; write it as a block list (- type: …) to append")
        return re.sub(r"^\s*\[\s*\]\s*$", "", old, count=1, flags=re.M) + _entries_text(entries, dumped, 0)
    m = re.search(r"^( *)- ", old, re.M)
    return old + _entries_text(entries, dumped, len(m[1]) if m else 0)


def append_events(ws, entries: list[dict], file: str | None = None, *, command: str = "jianbao ledger add",
                  force: bool = False, reason: str = "") -> Path:
    """Append entries to ``ledger/events/<YYYY-MM>.yml`` (by each entry's month) or to ``file``.

    One transaction for all entries; returns the (last) file appended to.
    """
    written = add_events(ws, entries, file, command=command, force=force, reason=reason)
    events = [p for p in written.paths if p.parent.name == "events"]
    return events[-1] if events else ws.root / events_rel(ws, entries[-1], file)


def events_rel(ws, entry: dict, file: str | None = None) -> str:
    """Where ``entry`` goes: ``file``, else its month's file (undated commissions: ledger/events/commissions.yml)."""
    if file:
        return _events_rel(ws, file)
    month = event_month(entry)
    return f"{EVENTS}/{month}.yml" if month else f"{EVENTS}/commissions.yml"


def add_events(ws, entries: list[dict], file: str | None = None, *, command: str = "jianbao ledger add",
               force: bool = False, reason: str = "", labels: list[Callable[[str | None], Any]] | None = None,
               dry_run: bool = False) -> Written:
    """:func:`append_events`, returning what was written (closed periods changed included).

    ``labels[i](key)`` names where entry i's ``key`` came from (``--unit``, ``events.csv:5``):
    a problem found in the new text is reported there, never at a line of a file that
    was not written.
    """
    if not entries:
        return Written()
    by_file: dict[str, list[tuple[dict, Any]]] = {}
    for i, entry in enumerate(entries):
        by_file.setdefault(events_rel(ws, entry, file), []).append((entry, labels[i] if labels else None))
    spans: dict[str, list[tuple[int, int, Any, list[str]]]] = {}  # rel -> [(first line, last line, label, keys by line)]

    def change(read):
        out = {}
        for rel, items in by_file.items():
            old = read(rel)
            dumped = [_dump_entries([e], 0) for e, _ in items]
            text = appended_text(old, [e for e, _ in items], rel, dumped)
            out[rel] = text
            # the appended entries follow the old text: find each one's lines
            line = text.count("\n") + 1 - sum(d.count("\n") for d in dumped)
            spans[rel] = []
            for (e, label), d in zip(items, dumped):
                keys = [m[1] if (m := re.match(r"^\s*(?:-\s+)?([A-Za-z_]+):", ln)) else ""
                        for ln in d.splitlines()]
                spans[rel].append((line, line + len(keys) - 1, label, keys))
                line += len(keys)
        return out

    def where(d: Diagnostic) -> Diagnostic:
        src, message = d.source, d.message
        if src.path in spans and "does not parse" in message:  # the editor's text is broken: name the file
            return Diagnostic(Source(src.path), d.code, f"{message} (the file as it is, before this change)",
                              "fix it first: jianbao ledger check", d.severity)
        for rel, ss in spans.items():
            for first, last, label, keys in ss:
                if label is None:
                    continue
                if src.path == rel and first <= src.line <= last:
                    key = keys[src.line - first]
                    if key == "type":  # about the whole entry: the field the check is about, where there is one
                        key = next((k for k in ENTRY_KEY_OF.get(d.code, ()) if k in keys), None)
                    where_ = label(key or None)
                    src = where_ if isinstance(where_, Source) else Source(where_, 0)
                message = re.sub(re.escape(rel) + r":(\d+)",
                                 lambda m: (str(label(None)) if first <= int(m[1]) <= last else m[0]), message)
        return Diagnostic(src, d.code, message, d.hint, d.severity)

    return transact(ws, change, command=command, force=force, reason=reason, where=where if labels else None,
                    dry_run=dry_run)


def _events_rel(ws, file: str) -> str:
    p = Path(file)
    if not p.is_absolute() and len(p.parts) == 1:
        p = Path(EVENTS) / p
    rel = yamlsrc.rel(ws.root, ws.root / p if not p.is_absolute() else p)
    if not rel.startswith(EVENTS + "/") or not rel.endswith(".yml") or "/" in rel[len(EVENTS) + 1 :]:
        raise JianbaoError(f"--file {file}: events are kept in {EVENTS}/*.yml")
    return rel


def published_rel(issue_id: str) -> str:
    return f"{PUBLISHED}/{issue_id}.yml"


def published_text(data: dict) -> str:
    """The published file for ``data`` (issue, number, date, fingerprint, published_at, records, trail).

    ``records_fingerprint`` covers what it credits, so ``ledger check`` sees a hand edit.
    """
    m = yamlsrc.new_map()
    for key in ("issue", "number", "date", "fingerprint", "published_at"):
        m[key] = data[key]
    m["records_fingerprint"] = records_fingerprint(data["issue"], data["number"], data["date"], data["records"])
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
                    reason: str = "", sources: list[Source] | None = None) -> Written:
    """Replace ``ledger/published/<issue_id>.yml`` with ``data`` through :func:`transact`.

    ``sources[i]`` is where record i comes from (the item file): a problem found in a
    record is reported there, not at a line of the file that was not written.
    """
    rel = published_rel(issue_id)
    text = published_text(data)
    where = None
    if sources:
        parsed, _ = yamlsrc.parse_fast(text, rel)
        recs = parsed.get("records") or []
        starts = [yamlsrc.line_of(recs, i) for i in range(len(recs))]

        def at(line: int) -> Source | None:
            i = max((i for i, s in enumerate(starts) if s <= line), default=None)
            return sources[i] if i is not None and i < len(sources) else None

        def where(d: Diagnostic) -> Diagnostic:
            src = at(d.source.line) if d.source.path == rel else None
            message = re.sub(re.escape(rel) + r":(\d+)", lambda m: str(at(int(m[1])) or m[0]), d.message)
            return Diagnostic(src or d.source, d.code, message, d.hint, d.severity)

    return transact(ws, lambda read: {rel: text}, command=command, force=force, reason=reason, where=where)


def close_period(ws, period: str, *, command: str, force: bool = False, reason: str = "") -> tuple[Path, dict]:
    """Record the period's per-unit figures in ``ledger/closed/<period>.yml``.

    Closing again with unchanged figures writes nothing; with changed figures it
    needs ``force`` and ``reason`` (logged).
    """
    from composer.rules import load_rules
    from composer.scoring import parse_period, period_figures

    period_months(period)  # validates
    rel = closed_rel(period)
    with locked(ws):
        recover(ws)
        rules, rdiags = load_rules(ws)
        if rules is None or any(d.is_error for d in rdiags):
            raise JianbaoError(f"the rules file has errors; fix them before closing {period}", tuple(rdiags))
        parse_period(rules, period)
        view = View(ws.root)
        ledger, diags = load_ledger(ws, rules, view=view)
        diags += check_ledger(ws, ledger, rules)
        errors = [d for d in diags if d.is_error]
        if errors:
            raise JianbaoError(f"the ledger has errors; fix them before closing {period}", tuple(errors))
        figures = period_figures(rules, ws.units, ledger.events, [period])[period]
        old = view.read(rel)
        entry = None
        at = now_iso()
        if old is not None:
            prev = {c.period: c for c in load_closed(ws, view)[0]}.get(period)
            diff = closing.figure_changes(prev.as_dict() if prev else {}, figures)
            if not diff:
                return ws.root / rel, figures
            if not (force and reason.strip()):
                raise JianbaoError(f"period {period} is already closed ({rel}) with other figures for "
                                   + "、".join(describe(u, b, a) for u, b, a in diff)
                                   + "; use --force --reason \"…\" to record the new figures (logged)")
            entry = closing.log_entry(at, command, reason.strip(), diff)
        commit(ws.root, {rel: closing.closed_text(ws.units, period, figures, command, at, old, entry)}, {rel: old})
    return ws.root / rel, figures
