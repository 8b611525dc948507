"""Scores: the period's tables per group as in the 通报, drill-down, rank change, quotas, chart.

Everything shown comes from the report scoring builds (``Report``/``ScoreRow``):
the drill-down lists the row's own items, bonuses, base and submission points,
so it always adds up to the row's period points.  The bar chart is plain SVG
made here (no JavaScript).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from starlette.responses import FileResponse, RedirectResponse

from composer.diagnostics import JianbaoError
from composer.web import views
from composer.web.pages import _ledger_api as api
from composer.web.pages.ledger import flash, take_flash

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(\.\.\d{4}-(0[1-9]|1[0-2]))?$")
MEASURES = {"submitted": "报送", "adopted": "采用", "own_adopted": "本刊采用", "higher_adopted": "上级采用",
            "reported_up": "报市"}
FORMAT_LABELS = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel"}


@dataclass(frozen=True, slots=True)
class Part:
    """One line of a unit's drill-down: what, and the points it brings."""

    what: str
    detail: str
    points: Decimal


@dataclass(frozen=True, slots=True)
class QuotaLine:
    label: str
    have: int
    need: int

    @property
    def short(self) -> int:
        return max(0, self.need - self.have)


def period_arg(request, ws, rules) -> str:
    period = (request.query_params.get("period") or "").strip()
    if period:
        if not _PERIOD.match(period):
            raise JianbaoError(f"期间须写作 2024-04 或 2024-05..2024-06，收到「{period}」")
        return period
    return api.default_period(ws, rules)


def parts_of(row, rules) -> list[Part]:
    """The items and events that make up ``row.period_points``."""
    parts = [Part(it.label, it.title, it.points) for it in row.items]
    parts += [Part("加减分", reason, pts) for reason, pts in row.bonuses]
    if row.base_points:
        parts.append(Part("基础分", "报市达到要求的月份", row.base_points))
    if row.submission_points:
        parts.append(Part("报送", f"{row.submitted} 篇 × {rules.submission_points} 分", row.submission_points))
    return parts


def quota_lines(ws, rules, row, months: int) -> list[QuotaLine]:
    """Per requirement of the unit's quota class: the period's count against the monthly minimum × months."""
    unit = ws.units.get(row.unit_name)
    quota = rules.quota(unit.quota if unit else None)
    if quota is None:
        return []
    return [QuotaLine(MEASURES.get(r.measure, r.measure), row.count(r.measure), r.minimum * months)
            for r in quota.minimums]


def columns(report) -> list[tuple[str, str]]:
    """(key, heading) of the count columns these rules use, in the 通报's order."""
    cols = [("submitted", "报送")]
    if "own_adopted" not in report.unused:
        cols.append(("own_adopted", "本刊采用"))
    measures = report.groups[0].rows[0].measures if report.groups and report.groups[0].rows else ()
    if measures:
        cols += [(f"measure:{m.key}", m.key.replace("/", "") + " 本期/累计") for m in measures]
    else:
        cols.append(("higher_adopted", "上级采用"))
    if "commissioned" not in report.unused:
        cols.append(("commissioned", "约稿"))
    if "reported_up" not in report.unused:
        cols.append(("reported_up", "报市"))
    return cols


def cell(row, key: str) -> str:
    if key.startswith("measure:"):
        m = next((m for m in row.measures if m.key == key[8:]), None)
        return f"{m.period}/{m.cumulative}" if m else ""
    return str(getattr(row, key))


def places(report) -> dict[str, int]:
    """unit → its rank; where the rules rank nobody (Golmud), its place in the group's printed order."""
    out = {}
    for g in report.groups:
        for i, r in enumerate(g.rows, 1):
            out[r.unit_name] = r.rank if r.rank is not None else i
    return out


def chart(group, bar_area: int = 300) -> dict:
    """Geometry of a horizontal bar chart of the group's cumulative points (one bar per unit)."""
    rows = list(group.rows)
    longest = max((len(r.short) for r in rows), default=2)
    label_w, value_w, bar_h, gap, top = min(240, 12 * longest + 10), 50, 18, 6, 4
    width = label_w + bar_area + value_w
    biggest = max((r.cumulative_points for r in rows), default=Decimal(0))
    scale = (width - label_w - value_w) / float(biggest) if biggest > 0 else 0.0
    bars = []
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(0.0, float(r.cumulative_points) * scale)
        bars.append({"label": r.short, "value": r.cumulative_points, "x": label_w, "y": y, "w": round(w, 1),
                     "h": bar_h, "ty": y + bar_h - 4, "vx": label_w + round(w, 1) + 4})
    return {"width": width, "height": top * 2 + len(rows) * (bar_h + gap), "bars": bars, "label_w": label_w}


def scores_page(request):
    ws = views.workspace(request)
    rules = api.rules_of(ws)
    period = period_arg(request, ws, rules)
    report, diags = api.build_report(ws, period)
    if report is None:
        raise JianbaoError("无法计分：规则或台账有错误", tuple(diags))
    prev_period = api.previous_period(rules, report.period)
    now = places(report)
    cols = columns(report)
    groups = []
    n = 0
    for g in report.groups:
        rows = []
        for r in g.rows:
            n += 1
            change = r.rank_change if rules.rank_by else None  # scored with the report: previous period of the year
            rows.append({"row": r, "place": now[r.unit_name], "cells": [cell(r, k) for k, _ in cols], "anchor": f"u{n}",
                         "change": change,
                         "parts": parts_of(r, rules), "quota": quota_lines(ws, rules, r, len(report.months))})
        groups.append({"group": g, "rows": rows, "chart": chart(g)})
    return views.page(request, "scores.html", report=report, period=report.period, prev_period=prev_period,
                      groups=groups, diagnostics=[d for d in diags if d.is_error], flash=take_flash(request),
                      has_quotas=bool(rules.quotas), columns=cols, ranked=rules.rank_by is not None,
                      formats=[(f, FORMAT_LABELS[f]) for f in api.report_formats()],
                      files=api.report_files(ws, report.period))


def write_report(request):
    form = views.posted(request)
    ws = views.workspace(request)
    period = (form.get("period") or "").strip()
    if not _PERIOD.match(period):
        raise JianbaoError(f"期间须写作 2024-04 或 2024-05..2024-06，收到「{period or '（空）'}」")
    fmt = form.get("format") or "all"
    available = api.report_formats()
    formats = available if fmt == "all" else (fmt,)
    if not formats or any(f not in available for f in formats):
        raise JianbaoError(f"无法生成「{fmt}」格式的通报（可用：{'、'.join(available) or '无'}）")
    paths, diags = api.write_reports(ws, period, formats)
    if not paths:
        raise JianbaoError("通报未生成", tuple(d for d in diags if d.is_error) or tuple(diags))
    # build/ holds outputs made from the files (not tracked by git): nothing to commit
    flash(request, "已生成通报：" + "、".join(p.name for p in paths))
    return RedirectResponse(f"/scores?period={period}#reports", status_code=303)


def download(request):
    ws = views.workspace(request)
    period = request.query_params.get("period") or ""
    name = request.query_params.get("name") or ""
    if not _PERIOD.match(period):
        raise views.NotFound(period)
    for p in api.report_files(ws, period):  # only files that exist there, looked up by name
        if p.name == name:
            return FileResponse(p, filename=p.name)
    raise views.NotFound(name)


def routes(route) -> list:
    return [
        route("/scores", scores_page, "scores.view", nav="scores"),
        route("/scores/report", write_report, "reports.write", methods=("POST",), nav="scores"),
        route("/scores/file", download, "scores.view", nav="scores"),
    ]
