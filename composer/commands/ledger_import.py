"""``jianbao ledger import FILE`` and ``jianbao ledger template``: a month of events at once.

FILE is a CSV (UTF-8, with or without the BOM Excel writes) or an XLSX workbook
(its first sheet).  Two shapes are read (docs/formats.md, "Batch entry"):

- an **events table**: a header row naming event fields (``type, date, units,
  outlet, kind, title, star, issue, count, points, reason, status, topic,
  channel`` … in any order, English or the Chinese column names below), one
  event a row, ``type`` being the ``ledger add`` verb;
- a **count table** as offices keep it: ``单位 | 上报 | 报市`` per unit, for the
  month given with ``--month`` (becomes submission and report_up events).

Every row is validated first (problems as ``FILE:ROW:``); rows already in the
ledger are skipped, so importing the same file twice adds nothing; the rest go
to the ledger in one transaction (composer.ledger.add_events), or, with
``--dry-run``, are only shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from composer import ledger
from composer.commands.ledger_cmd import FIELDS, make_entry
from composer.diagnostics import Diagnostic, JianbaoError, Source, error

MAX_ROWS = 100000
# header names: the event fields, and the Chinese names an office's sheet may use
COLUMNS = {
    "type": ("type", "类型", "事项"), "date": ("date", "日期", "时间", "月份"), "units": ("units", "unit", "单位"),
    "outlet": ("outlet", "刊物", "采用刊物", "渠道刊物"), "kind": ("kind", "类别", "体裁"), "title": ("title", "标题", "题目"),
    "star": ("star", "星标", "★"), "issue": ("issue", "期号", "期"), "count": ("count", "数量", "篇数"),
    "points": ("points", "分值", "分数"), "reason": ("reason", "事由", "原因"), "status": ("status", "状态"),
    "topic": ("topic", "主题", "约稿主题"), "channel": ("channel", "报送渠道"), "deadline": ("deadline", "截止日期"),
    "category": ("category", "分类"), "ref": ("ref",), "submitted": ("submitted",),
}
TYPES = {"submission": "submission", "上报": "submission", "adoption": "adoption", "采用": "adoption",
         "commission": "commission", "约稿": "commission", "report_up": "report_up", "report-up": "report_up",
         "报市": "report_up", "bonus": "bonus", "加分": "bonus", "扣分": "bonus", "opening": "opening",
         "期初": "opening", "waiver": "waiver", "免考": "waiver"}
TRUE = ("true", "yes", "y", "1", "★", "是", "√")
FALSE = ("false", "no", "n", "0", "否", "")
COUNT_UNIT = ("单位", "unit", "units", "单位名称")
COUNT_SUBMITTED = ("上报", "上报篇数", "报送", "报送篇数")
COUNT_REPORTED = ("报市", "报省市", "报市篇数")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    file: str
    rows: int  # event rows read
    added: tuple[dict, ...]  # entries added (or that would be, with dry_run)
    skipped: int  # rows already in the ledger
    paths: tuple[Path, ...] = ()
    closed_changes: tuple = ()


# ---------------------------------------------------------------- reading the sheet

def read_rows(path: Path, shown: str) -> list[tuple[int, list]]:
    """(row number, cells) of every non-empty row of a CSV or the first XLSX sheet."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise JianbaoError(f"{shown}: cannot read: {e.strerror or e}") from None
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data, shown)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise JianbaoError(f"{shown}: not an XLSX workbook (save it from Excel/WPS as .xlsx, or as CSV UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        row = data[: e.start].count(b"\n") + 1
        raise JianbaoError(f"{shown}:{row}: not UTF-8 text; in Excel/WPS save it as \"CSV UTF-8\" (or as .xlsx)",
                           (error(Source(shown, row), "J601", "not UTF-8 text",
                                  "save the sheet as CSV UTF-8 or as .xlsx"),)) from None
    if "\x00" in text:
        raise JianbaoError(f"{shown}: contains NUL characters; is it really a CSV file?")
    out = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                out.append((reader.line_num, cells))
            if len(out) > MAX_ROWS:
                raise JianbaoError(f"{shown}: more than {MAX_ROWS} rows; split the file")
    except csv.Error as e:
        raise JianbaoError(f"{shown}:{reader.line_num}: not a CSV row: {e}") from None
    return out


def _xlsx_rows(data: bytes, shown: str) -> list[tuple[int, list]]:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > 2000 or sum(i.file_size for i in infos) > 200 * 1024 * 1024:
                raise JianbaoError(f"{shown}: the workbook expands to more than 200 MB; refusing to open it")
    except zipfile.BadZipFile:
        raise JianbaoError(f"{shown}: not a readable XLSX workbook (the file is damaged)") from None
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on damaged files
        raise JianbaoError(f"{shown}: not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        sheet = wb.worksheets[0]
        out = []
        for i, row in enumerate(sheet.iter_rows(values_only=True), 1):
            cells = ["" if v is None else v for v in row]
            if any(str(c).strip() for c in cells):
                out.append((i, cells))
            if len(out) > MAX_ROWS:
                raise JianbaoError(f"{shown}: more than {MAX_ROWS} rows; split the file")
        return out
    finally:
        wb.close()


def _name(cell) -> str:
    return re.sub(r"\s+", "", str(cell)).lower()


def _column_of(header: str) -> str | None:
    h = _name(header)
    for field, names in COLUMNS.items():
        if h in (n.lower() for n in names):
            return field
    return None


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.datetime):
        v = v.date()
    return v.isoformat() if isinstance(v, dt.date) else str(v).strip()


def _date(v) -> str:
    """Dates as Excel/WPS write them: 2024-01-15, 2024/1/15, 2024-01, 2024/1, or a date cell."""
    t = _text(v)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?", t)
    if m:
        return f"{m[1]}-{int(m[2]):02d}" + (f"-{int(m[3]):02d}" if m[3] else "")
    return t


def _int(v, key: str, where: Source, diags: list) -> int | None:
    t = _text(v)
    if re.fullmatch(r"\d{1,6}", t) and int(t) <= ledger.MAX_COUNT:
        return int(t)
    diags.append(error(where, "J601", f"{key} must be a whole number from 0 to {ledger.MAX_COUNT}, "
                                      f"found {ledger.shown(t)}"))
    return None


def _star(v, where: Source, diags: list) -> bool:
    t = _text(v).lower()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    diags.append(error(where, "J601", f"star must be true, false or ★, found {t!r}"))
    return False


def _units(v) -> list[str]:
    return [u for u in re.split(r"[、,，;；\n]+", _text(v)) if u.strip()]


# ---------------------------------------------------------------- rows → entries

def event_rows(ws, rows, shown: str, rules) -> tuple[list[dict], list[Source], list[Diagnostic]]:
    """An events table: one entry a row."""
    (hrow, header), body = rows[0], rows[1:]
    cols: dict[int, str] = {}
    diags: list[Diagnostic] = []
    for i, h in enumerate(header):
        if not _text(h):
            continue
        field = _column_of(h)
        if field is None:
            diags.append(error(Source(shown, hrow), "J601", f"unknown column {_text(h)!r}",
                               "columns: " + ", ".join(COLUMNS)))
        elif field in cols.values():
            diags.append(error(Source(shown, hrow), "J601", f"column {_text(h)!r} names {field} a second time"))
        else:
            cols[i] = field
    if "type" not in cols.values():
        diags.append(error(Source(shown, hrow), "J601", "the header row needs a `type` column "
                           "(submission, adoption, commission, report_up, bonus, opening, waiver)",
                           "or, for a count table 单位 | 上报 | 报市, give --month"))
    if diags:
        return [], [], diags
    entries, sources = [], []
    for rno, cells in body:
        where = Source(shown, rno)
        raw = {cols[i]: c for i, c in enumerate(cells) if i in cols and _text(c) != ""}
        t = _text(raw.pop("type", ""))
        type_ = TYPES.get(t.lower()) or TYPES.get(t)
        if type_ is None:
            diags.append(error(where, "J601", f"type {t!r} is not an event type",
                               "one of " + ", ".join(FIELDS) + " (or 上报, 采用, 约稿, 报市, 加分, 期初, 免考)"))
            continue
        n = len(diags)
        fields: dict = {}
        allowed = FIELDS[type_]
        for key, v in raw.items():
            if key == "units" and "units" not in allowed:
                us = _units(v)
                if len(us) != 1:
                    diags.append(error(where, "J601", f"a {type_} credits one unit, found {len(us)}: {'、'.join(us)}"))
                    continue
                fields["unit"] = us[0]
            elif key not in allowed:
                diags.append(error(where, "J601", f"a {type_} has no {key}", "its fields: " + ", ".join(allowed)))
            elif key == "units":
                fields["units"] = _units(v)
            elif key in ("date", "deadline"):
                fields[key] = _date(v)
            elif key == "star":
                fields[key] = _star(v, where, diags)
            elif key in ("count", "issue", "submitted"):
                fields[key] = _int(v, key, where, diags)
            elif key == "points":
                fields[key] = _text(v)
            else:
                fields[key] = _text(v)
        for need in ("date",) + (("units",) if "units" in allowed else ("unit",) if "unit" in allowed else ()):
            if need not in fields and need in allowed:
                diags.append(error(where, "J601", f"a {type_} needs {'units' if need == 'unit' else need}"))
        if type_ == "adoption":
            for need in ("outlet", "kind", "title"):
                if need not in fields:
                    diags.append(error(where, "J601", f"an adoption needs {need}"))
        if type_ == "bonus" and ("points" not in fields or "reason" not in fields):
            diags.append(error(where, "J601", "a bonus needs points and reason"))
        if type_ == "commission" and "topic" not in fields:
            diags.append(error(where, "J601", "a commission needs topic"))
        if len(diags) > n:
            continue
        try:
            entry = make_entry(ws, type_, fields, rules=rules, at=lambda key, w=where: w)
        except JianbaoError as e:
            diags += list(e.diagnostics) or [error(where, "J601", str(e))]
            continue
        if type_ == "waiver" and isinstance(entry.get("date"), dt.date):
            entry["date"] = ledger.month_of(entry["date"])
        entries.append(entry)
        sources.append(where)
    return entries, sources, diags


def count_rows(ws, rows, shown: str, month: str) -> tuple[list[dict], list[Source], list[Diagnostic]]:
    """A count table: 单位 | 上报 | 报市 per unit for ``month``."""
    (hrow, header), body = rows[0], rows[1:]
    names = [_name(h) for h in header]
    unit_col = next((i for i, h in enumerate(names) if h in COUNT_UNIT), None)
    sub_col = next((i for i, h in enumerate(names) if h in COUNT_SUBMITTED), None)
    rep_col = next((i for i, h in enumerate(names) if h in COUNT_REPORTED), None)
    if unit_col is None or (sub_col is None and rep_col is None):
        return [], [], [error(Source(shown, hrow), "J601", "a count table needs the columns 单位 and 上报 and/or 报市",
                              "an events table needs a `type` column instead")]
    entries, sources, diags = [], [], []
    for rno, cells in body:
        where = Source(shown, rno)
        cell = lambda i: _text(cells[i]) if i is not None and i < len(cells) else ""  # noqa: E731
        unit = cell(unit_col)
        if not unit or unit in ("合计", "总计", "小计"):
            continue
        for col, type_ in ((sub_col, "submission"), (rep_col, "report_up")):
            v = cell(col)
            if v in ("", "0", "-", "—"):
                continue
            n = _int(v, "上报" if type_ == "submission" else "报市", where, diags)
            if n is None:
                continue
            try:
                entries.append(make_entry(ws, type_, {"unit": unit, "date": month, "count": n}, at=lambda key, w=where: w))
                sources.append(where)
            except JianbaoError as e:
                diags += list(e.diagnostics)
    return entries, sources, diags


def import_events(ws, file: Path, *, shown: str | None = None, month: str | None = None, dry_run: bool = False,
                  force: bool = False, reason: str = "", command: str = "jianbao ledger import") -> ImportResult:
    """Validate every row, skip those already in the ledger, add the rest in one transaction."""
    shown = shown or str(file)
    rows = read_rows(Path(file), shown)
    if not rows:
        raise JianbaoError(f"{shown}: no rows (a header row and one event a row)")
    from composer.rules import load_rules

    rules, rdiags = load_rules(ws)
    if rules is None or any(d.is_error for d in rdiags):
        raise JianbaoError("the rules file has errors; fix them first", tuple(rdiags))
    if month:
        try:
            ledger.period_months(month)
        except ValueError as e:
            raise JianbaoError(f"--month: {e}") from None
        if ".." in month:
            raise JianbaoError("--month is one month like 2024-01")
    header_fields = {_column_of(h) for h in rows[0][1] if _text(h)}
    if "type" in header_fields:
        entries, sources, diags = event_rows(ws, rows, shown, rules)
    elif month:
        entries, sources, diags = count_rows(ws, rows, shown, month)
    else:
        entries, sources, diags = event_rows(ws, rows, shown, rules)  # reports the missing type column
    if diags:
        raise JianbaoError(f"{shown}: {len(diags)} problem(s); nothing was imported", tuple(diags))
    # rows already in the ledger (same event, wherever it is recorded) are skipped: importing twice adds nothing
    led, _ = ledger.load_ledger(ws, rules)
    have = Counter(led.events)
    new_entries, new_sources, skipped = [], [], 0
    for entry, src, ev in zip(entries, sources, _as_events(ws, entries)):
        if ev is not None and have[ev] > 0:
            have[ev] -= 1
            skipped += 1
            continue
        new_entries.append(entry)
        new_sources.append(src)
    if not new_entries:
        return ImportResult(file=shown, rows=len(entries), added=(), skipped=skipped)
    written = ledger.add_events(ws, new_entries, command=command, force=force, reason=reason, dry_run=dry_run,
                                labels=[(lambda key, s=s: s) for s in new_sources])
    return ImportResult(file=shown, rows=len(entries), added=tuple(new_entries), skipped=skipped,
                        paths=written.paths, closed_changes=written.closed_changes)


def _as_events(ws, entries: list[dict]) -> list:
    """The model event of each entry (as the ledger will read it), None when it does not parse alone."""
    out = []
    for entry in entries:
        evs, diags = ledger.parse_events(ws, ledger._dump_entries([entry], 0), "<import>")
        out.append(evs[0] if len(evs) == 1 else None)
    return out


# ---------------------------------------------------------------- template

TEMPLATE_COLUMNS = ("type", "date", "units", "outlet", "kind", "title", "star", "issue", "count", "points", "reason",
                    "status", "topic", "channel")


def template(ws, out: Path) -> Path:
    """An empty events sheet (header row) with a second sheet of examples from this workspace's registry and rules.

    Never over an existing file: the sheet an editor has filled in is not replaced by an empty one.
    """
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise JianbaoError(f"--out {out}: name an .xlsx or a .csv file (the two kinds `jianbao ledger import` reads)")
    if out.exists() or out.is_symlink():
        raise JianbaoError(f"--out {out}: exists already; give a new file name (a filled-in sheet is never "
                           "replaced by an empty one); nothing written")
    units = [u.name for u in ws.units if u.scored][:2] or ["某单位"]
    from composer.rules import load_rules

    rules = load_rules(ws)[0]
    outlet = rules.outlets[0].name if rules and rules.outlets else "简报"
    higher = next((o for o in (rules.outlets if rules else ()) if not rules.is_own(o.name)), None)
    u1, u2 = units[0], units[-1]
    examples = [
        ("submission", "2024-01", u1, "", "", "", "", "", 5, "", "", "", "", ""),
        ("adoption", "2024-01-15", f"{u1}、{u2}", higher.name if higher else outlet,
         higher.kinds[0] if higher else "信息", "我市某项工作取得新进展", "false", "", "", "", "", "", "", ""),
        ("report_up", "2024-01", u2, "", "", "", "", "", 1, "", "", "", "", "报市"),
        ("bonus", "2024-01", u1, "", "", "", "", "", "", 5, "参加新闻发布会", "", "", ""),
        ("commission", "2024-01-20", u2, "", "", "关于某项工作的约稿", "", "", "", "", "", "adopted", "某项工作", ""),
    ]
    if out.suffix.lower() == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(TEMPLATE_COLUMNS)
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        sheet = wb.active
        sheet.title = "events"
        sheet.append(list(TEMPLATE_COLUMNS))
        for c in sheet[1]:
            c.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        ex = wb.create_sheet("示例")
        ex.append(list(TEMPLATE_COLUMNS))
        for row in examples:
            ex.append(list(row))
        notes = wb.create_sheet("说明")
        for line in (
            "第一张表（events）每行一个事件，第一行是列名；列的顺序不限，空格表示没有该项。",
            "type：submission 上报、adoption 采用、commission 约稿、report_up 报市、bonus 加分、opening 期初、waiver 免考。",
            "units：单位全称、简称或别名，多个单位用“、”分隔。date：2024-01-15 或 2024-01。star：true/false/★。",
            "导入：jianbao ledger import events.xlsx --dry-run 先看结果，再去掉 --dry-run 写入；同一文件导入两次不会重复。",
        ):
            notes.append([line])
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    from composer.output import write_atomic

    write_atomic(out, data)
    return out
