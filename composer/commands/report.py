"""``jianbao report PERIOD`` and ``jianbao report annual YEAR``.

Score first (rules + ledger → :class:`composer.scores.Report`), stop on any
error, render every asked format in memory, then write them all atomically
under ``build/reports/<period>/``.  Renderers are imported only for the formats
asked (python-docx, openpyxl and WeasyPrint load only when needed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import importlib.util
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from composer.cliutil import progress
from composer.diagnostics import Diagnostic, JianbaoError, Severity, Source, error, has_errors
from composer.output import write_all

FORMATS = ("docx", "pdf", "xlsx", "json")
MODULES = {"docx": "composer.reports.docx_report", "pdf": "composer.reports.pdf_report",
           "xlsx": "composer.reports.xlsx_report"}
STEM = "通报"


def available(fmt: str) -> bool:
    if fmt == "json":
        return True
    try:
        return importlib.util.find_spec(MODULES[fmt]) is not None
    except (ImportError, ValueError):
        return False


def default_formats() -> tuple[str, ...]:
    """Every format whose renderer is installed (JSON always)."""
    return tuple(f for f in FORMATS if available(f))


def out_dir(ws, period: str, out: Path | None) -> Path:
    return Path(out) if out else ws.root / "build" / "reports" / period


def _render(ws, report, fmt: str, annual: bool = False) -> tuple[bytes | None, list[Diagnostic]]:
    if fmt == "json":
        if annual:
            return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), []
        from composer.reports import json_report

        return json_report.render(report).encode("utf-8"), []
    if not available(fmt):
        return None, [error(Source(ws.publication.rules), "J501", f"no {fmt} renderer is installed ({MODULES[fmt]})")]
    try:
        module = importlib.import_module(MODULES[fmt])
    except Exception as e:  # a broken renderer module must not hide the other formats' problems
        return None, [error(Source(ws.publication.rules), "J501", f"the {fmt} renderer cannot be loaded: {type(e).__name__}: {e}")]
    fn = getattr(module, "render_annual" if annual else "render", None)
    if fn is None:
        return None, [error(Source(ws.publication.rules), "J501", f"{MODULES[fmt]} has no annual variant")]
    try:
        data = fn(ws, report)
    except JianbaoError as e:  # a template or engine problem names its own file and line
        return None, list(e.diagnostics) or [error(Source(ws.publication.rules), "J501", f"{fmt}: {e}")]
    except Exception as e:  # a renderer crash on this report is a diagnostic, not a traceback
        return None, [error(Source(ws.publication.rules), "J501", f"{fmt} rendering failed: {type(e).__name__}: {e}")]
    return (data.encode("utf-8") if isinstance(data, str) else data), []


def _month_end(month: str) -> dt.date:
    y, m = (int(x) for x in month.split("-"))
    return dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


# a 通报 is issued in the weeks after its period; past this many days the period is "long past"
TIMELY_DAYS = 62


def signature_date(months: tuple[str, ...], today: dt.date) -> tuple[dt.date, str]:
    """The date under the signature when ``--date`` is not given, and why it was chosen.

    Today, while the period ended at most about two months ago (the report is being
    issued now); for a long-past period the last day of the following month, when
    such a report would have gone out, never a date years later.
    """
    end = _month_end(months[-1])
    if today <= end + dt.timedelta(days=TIMELY_DAYS):
        return today, "today"
    nxt = _month_end(f"{end.year + end.month // 12:04d}-{end.month % 12 + 1:02d}")
    return nxt, "the period ended long ago: the last day of the month after it"


def load_report(ws, period: str, *, date: dt.date | None = None, commentary: str = ""):
    """Load the rules and the ledger of ``ws`` and score ``period`` (scoring itself is pure).

    Returns ``(None, diagnostics)`` when the rules file has errors.
    """
    from composer.ledger import load_ledger
    from composer.rules import load_rules
    from composer.scoring import parse_period, score

    rules, diags = load_rules(ws)
    diags = list(ws.diagnostics) + diags
    if rules is None or any(d.is_error for d in diags):
        return None, diags
    parse_period(rules, period)  # a bad period is an error before reading the ledger
    ledger, ldiags = load_ledger(ws, rules)
    diags += ldiags
    rep, sdiags = score(rules, ws.units, ledger.events, period, date=date, commentary=commentary,
                        organization=ws.publication.organization)
    return rep, diags + sdiags


def explain(ws, unit: str, period: str):
    """``jianbao explain UNIT PERIOD``: load, then :func:`composer.explain.explain`; (Explanation | None, diagnostics)."""
    from composer import explain as explain_mod
    from composer.ledger import load_ledger
    from composer.rules import load_rules
    from composer.scoring import parse_period

    rules, diags = load_rules(ws)
    diags = list(ws.diagnostics) + diags
    if rules is None or has_errors(diags):
        return None, diags
    parse_period(rules, period)
    ledger, ldiags = load_ledger(ws, rules)
    diags += ldiags
    if has_errors(diags):
        return None, diags
    return explain_mod.explain(rules, ws.units, ledger.events, unit, period), diags


def report(ws, period: str, formats: tuple[str, ...], out: Path | None = None, *, commentary: str = "",
           date: dt.date | None = None, to_stdout: bool = False, strict: bool = False, today: dt.date | None = None):
    """Score and render ``period``; returns (written paths, JSON text for stdout or None, diagnostics)."""
    from composer.model import chinese_date

    progress(f"scoring {period} …")
    rep, diags = load_report(ws, period, date=date or dt.date.today(), commentary=commentary)
    if rep is None or has_errors(diags, strict):
        return [], None, diags
    if date is None:
        chosen, why = signature_date(tuple(rep.months), today or dt.date.today())
        rep = dataclasses.replace(rep, date=chosen)
        progress(f"signature date {chinese_date(chosen)} ({why}); set it with --date YYYY-MM-DD")
    else:
        progress(f"signature date {chinese_date(date)} (--date)")
    diags += empty_period(ws, rep)
    if has_errors(diags, strict):
        return [], None, diags
    if to_stdout:
        from composer.reports import json_report

        return [], json_report.render(rep), diags
    target = out_dir(ws, period, out)
    files: dict[Path, bytes] = {}
    for fmt in formats:
        progress(f"rendering {fmt} …")
        data, rdiags = _render(ws, rep, fmt)
        diags += rdiags
        if data is not None:
            files[target / f"{rep.file_stem or period + '-' + STEM}.{fmt}"] = data
    if has_errors(diags, strict):
        return [], None, diags
    write_all(files, within=(ws.root, *([out] if out else ())))
    return list(files), None, diags


def empty_period(ws, rep) -> list[Diagnostic]:
    """A warning when nothing at all was recorded for the period: the 通报 would be all zeros."""
    rows = [r for g in rep.groups for r in g.rows]
    if rep.received or any(r.submitted or r.period_points or r.items for r in rows):
        return []
    months = "、".join(rep.months)
    return [Diagnostic(Source("ledger"), "J320", f"no event is recorded for {months}: the report would be all zeros",
                       "check the period, or enter the month's events first (jianbao ledger add …)",
                       Severity.WARNING)]


# ---------------------------------------------------------------- annual

def annual_data(ws, year: int) -> tuple[dict | None, list[Diagnostic]]:
    """Yearly totals per unit, group and outlet level; issues published and items carried."""
    from composer.ledger import load_ledger
    from composer.model import Adoption
    from composer.rules import load_rules
    from composer.scoring import score_months
    from composer.reports.json_report import number

    rules, diags = load_rules(ws)
    diags = list(ws.diagnostics) + diags
    if rules is None or any(d.is_error for d in diags):
        return None, diags
    ledger, ldiags = load_ledger(ws, rules)
    diags += ldiags
    keys = tuple(dict.fromkeys(f"{o.level}/{k}" for o in rules.outlets for k in o.kinds))
    all_measures = dataclasses.replace(rules, measures=keys)
    months = tuple(f"{year:04d}-{m:02d}" for m in range(1, 13))
    rep, sdiags = score_months(all_measures, ws.units, ledger.events, months, str(year), annual=True,
                               organization=ws.publication.organization)
    diags += sdiags

    def unit_row(r) -> dict:
        by_level = {m.key: m.cumulative for m in r.measures if m.cumulative}
        return {
            "unit": r.unit, "unit_name": r.unit_name, "group": r.group,
            "submitted": r.submitted_cumulative,
            "adopted": sum(by_level.values()),
            "by_level": by_level,
            "commissioned": r.commissioned,
            "commission_points": number(r.commission_points),
            "bonus_points": number(r.bonus_points),
            "base_points": number(r.base_points),
            "points": number(r.cumulative_points),
            "rank": r.rank,
        }

    groups = []
    for g in rep.groups:
        rows = [unit_row(r) for r in g.rows]
        by_level: Counter = Counter()
        for r in rows:
            by_level.update(r["by_level"])
        groups.append({
            "name": g.name,
            "units": rows,
            "submitted": sum(r["submitted"] for r in rows),
            "adopted": sum(r["adopted"] for r in rows),
            "by_level": dict(by_level),
            "points": number(sum((r.cumulative_points for r in g.rows), Decimal(0))),
        })
    # distinct items per outlet level, and the own bulletin's issues and items
    y = f"{year:04d}"
    items_by_level: Counter = Counter()
    credits_by_level: Counter = Counter()
    own_issues: set[int] = set()
    own_items: Counter = Counter()
    for ev in ledger.events:
        if not isinstance(ev, Adoption) or ev.month[:4] != y or rules.excluded(ev.category) or not rules.knows(ev.outlet, ev.kind):
            continue
        key = f"{rules.level_of(ev.outlet)}/{ev.kind}"
        items_by_level[key] += 1
        credits_by_level[key] += len(ev.units)
        if rules.is_own(ev.outlet):
            own_items[ev.kind] += 1
            if ev.issue:
                own_issues.add(ev.issue)
    data = {
        "year": year,
        "rules": rules.name,
        "groups": groups,
        "levels": [{"level": k, "items": items_by_level.get(k, 0), "credits": credits_by_level.get(k, 0)} for k in keys],
        "own_outlet": rules.own_outlet,
        "issues_published": len(own_issues),
        "issue_numbers": sorted(own_issues),
        "published_files": list(ledger.published),
        "items_carried": sum(own_items.values()),
        "items_by_kind": dict(own_items),
        "submitted": sum(g["submitted"] for g in groups),
        "adopted": sum(g["adopted"] for g in groups),
    }
    return data, diags


def annual_markdown(data: dict) -> str:
    """A plain Markdown summary of the annual figures (for the annual report's drafter)."""
    keys = [lv["level"] for lv in data["levels"]]
    out = [f"# {data['year']}年政务信息采用情况（全年）", ""]
    out.append(f"- 简报（{data['own_outlet'] or '—'}）编发 {data['issues_published']} 期，刊用 {data['items_carried']} 篇（"
               + "，".join(f"{k} {n}" for k, n in data["items_by_kind"].items()) + "）")
    out.append(f"- 收到报送 {data['submitted']} 篇，采用 {data['adopted']} 篇次")
    out.append("")
    out.append("| 采用层级 | 篇数 | 篇次 |")
    out.append("|---|---:|---:|")
    for lv in data["levels"]:
        out.append(f"| {lv['level']} | {lv['items']} | {lv['credits']} |")
    for g in data["groups"]:
        out += ["", f"## {g['name']}", ""]
        out.append("| 单位 | 上报 | " + " | ".join(keys) + " | 约稿 | 加分 | 基础分 | 全年积分 | 排名 |")
        out.append("|---|---:|" + "---:|" * len(keys) + "---:|---:|---:|---:|---:|")
        for r in g["units"]:
            cells = [str(r["submitted"])] + [str(r["by_level"].get(k, 0)) for k in keys] + [
                str(r["commissioned"]), str(r["bonus_points"]), "" if r["base_points"] is None else str(r["base_points"]),
                str(r["points"]), "" if r["rank"] is None else str(r["rank"])]
            out.append(f"| {r['unit']} | " + " | ".join(cells) + " |")
        out.append(f"| 合计 | {g['submitted']} | " + " | ".join(str(g["by_level"].get(k, 0)) for k in keys)
                   + f" |  |  |  | {g['points']} |  |")
    return "\n".join(out) + "\n"


def annual(ws, year_arg: str, formats: tuple[str, ...], out: Path | None = None, *, to_stdout: bool = False,
           strict: bool = False, date: dt.date | None = None, today: dt.date | None = None):
    """``jianbao report annual YEAR``: JSON + Markdown, and DOCX/XLSX/PDF laid out like the monthly 通报."""
    from composer.model import FIRST_YEAR, LAST_YEAR, valid_year

    text = str(year_arg).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4 and valid_year(int(text))):
        raise JianbaoError(f"annual report needs a year like 2024 ({FIRST_YEAR} to {LAST_YEAR}), "
                           f"found {text[:40]!r}")
    year = int(text)
    progress(f"totalling {year} …")
    data, diags = annual_data(ws, year)
    if data is None or has_errors(diags, strict):
        return [], None, diags
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if to_stdout:
        return [], text, diags
    target = out_dir(ws, f"{year}-annual", out)
    files: dict[Path, bytes] = {}
    from composer.model import chinese_date

    if date is None and any(f != "json" for f in formats):
        date, why = signature_date(tuple(f"{year:04d}-{m:02d}" for m in range(1, 13)), today or dt.date.today())
        progress(f"signature date {chinese_date(date)} ({why}); set it with --date YYYY-MM-DD")
    documents = dict(data, date=date)  # the renderers' copy: the JSON stays as it was
    for fmt in formats:
        if fmt == "json":
            files[target / f"{year}-年度统计.json"] = text.encode("utf-8")
            files[target / f"{year}-年度统计.md"] = annual_markdown(data).encode("utf-8")
            continue
        try:
            module = importlib.import_module(MODULES[fmt]) if available(fmt) else None
        except Exception:
            module = None
        if module is None or not hasattr(module, "render_annual"):
            progress(f"no annual {fmt} renderer: skipped (JSON and Markdown written)")
            continue
        progress(f"rendering {fmt} …")
        rendered, rdiags = _render(ws, documents, fmt, annual=True)
        diags += rdiags
        if rendered is not None:
            files[target / f"{year}-年度统计.{fmt}"] = rendered
    if has_errors(diags, strict):
        return [], None, diags
    write_all(files, within=(ws.root, *([out] if out else ())))
    return list(files), None, diags
