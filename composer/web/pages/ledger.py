"""Ledger forms: record an adoption, 约稿, 报市, bonus or submission count; the month table.

Every picker offers only registered units and outlets the rules know, and the
server checks again (a form can be forged): an unknown unit or outlet is a clear
message and nothing is written.  Entries are made by the CLI's
``ledger_cmd.make_entry`` and written in one ledger transaction, then committed.
"""

from __future__ import annotations

import re

from starlette.responses import RedirectResponse

from composer.diagnostics import JianbaoError
from composer.web import views
from composer.web.pages import _ledger_api as api

TYPES = {"adoption": "上级采用", "commission": "约稿", "report_up": "报市", "bonus": "加减分", "submission": "报送篇数"}
COMMISSION_STATUS = {"adopted": "已采用", "submitted": "已报送", "open": "未报送", "overdue": "逾期"}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def flash(request, message: str) -> None:
    request.session["flash"] = message


def take_flash(request) -> str:
    return request.session.pop("flash", "")


def _context(request, ws, **extra) -> dict:
    rules = api.rules_of(ws)
    return dict(
        types=TYPES, statuses=COMMISSION_STATUS,
        units=api.unit_choices(ws),
        outlets=api.higher_outlets(rules),
        commission_outlet=rules.commission_outlet,
        bonuses=list(rules.bonuses),
        events=api.recent_events(ws),
        closed=api.closed_periods(ws),
        flash=take_flash(request),
        error="", diagnostics=[], values={}, active=extra.pop("active", "adoption"),
        **extra,
    )


def ledger_page(request):
    ws = views.workspace(request)
    return views.page(request, "ledger.html", **_context(request, ws))


def _count(value: str, label: str) -> int:
    """A count typed into a form: ASCII digits only (``"²".isdigit()`` is true but int() fails, and
    int() of 5000 digits raises), from 1 to the ledger's limit."""
    from composer.ledger import MAX_COUNT

    v = (value or "").strip()
    if not (v.isascii() and v.isdigit()) or len(v) > 9 or not 1 <= int(v) <= MAX_COUNT:
        raise JianbaoError(f"{label}须为正整数（1 至 {MAX_COUNT}），收到「{(v[:20] + '…') if len(v) > 20 else v or '（空）'}」。"
                           "nothing was written")
    return int(v)


def _required(value: str, label: str) -> str:
    v = (value or "").strip()
    if not v:
        raise JianbaoError(f"请填写{label}。nothing was written")
    return v


def override(form) -> tuple[bool, str]:
    """(force, reason): whether the editor chose to change a closed period's figures, and why."""
    force = form.get("force") == "1"
    reason = (form.get("force_reason") or "").strip()
    if force and not reason:
        raise JianbaoError("改动已结账期间的得分须填写理由（记入结账文件）。nothing was written")
    return force, reason


def closed_hint(ws, e: JianbaoError) -> str:
    """The error, plus how to proceed when periods are closed (the core's message names CLI options)."""
    if api.closed_periods(ws) and "closed" in str(e):
        return str(e) + "　如确需改动已结账期间，请勾选「改动已结账期间」并填写理由后重试。"
    return str(e)


def _short(ws, names) -> str:
    return "、".join(u.short if (u := ws.units.get(n)) else n for n in names)


def fields_from_form(ws, type_: str, form) -> tuple[dict, str]:
    """The ``make_entry`` fields of one form and the commit message's description."""
    rules = api.rules_of(ws)
    date = _required(form.get("date"), "日期（如 2024-04-15 或 2024-04）")
    if type_ == "adoption":
        outlet, _, kind = (form.get("outlet") or "").partition("|")
        api.require_outlet(rules, outlet, kind)
        units = [api.require_unit(ws, n) for n in form.getlist("units")]
        if not units:
            raise JianbaoError("请至少选择一个署名单位。nothing was written")
        star = form.get("star") == "1"
        title = _required(form.get("title"), "标题")
        return ({"outlet": outlet, "kind": kind, "star": star, "title": title, "date": date, "units": units},
                f"{_short(ws, units)} {outlet}{'★' if star else ''} {kind}《{title}》")
    if type_ == "commission":
        if not rules.commission_outlet:
            raise JianbaoError("计分规则没有约稿（commission）项。nothing was written")
        units = [api.require_unit(ws, n) for n in form.getlist("units")]
        if not units:
            raise JianbaoError("请至少选择一个承办单位。nothing was written")
        status = form.get("status") or "adopted"
        if status not in COMMISSION_STATUS:
            raise JianbaoError(f"约稿状态「{status}」无效。nothing was written")
        topic = _required(form.get("topic"), "约稿题目")
        title = (form.get("title") or "").strip()
        return ({"topic": topic, "units": units, "status": status, "title": title, "date": date,
                 "deadline": (form.get("deadline") or "").strip(), "outlet": rules.commission_outlet},
                f"{_short(ws, units)} 约稿（{COMMISSION_STATUS[status]}）《{title or topic}》")
    unit = api.require_unit(ws, form.get("unit") or "")
    if type_ == "report_up":
        count = _count(form.get("count"), "报市篇数")
        channel = (form.get("channel") or "报市").strip()
        return ({"unit": unit, "date": date, "count": count, "channel": channel},
                f"{_short(ws, [unit])} {channel} {count} 篇（{date}）")
    if type_ == "submission":
        count = _count(form.get("count"), "报送篇数")
        return ({"unit": unit, "date": date, "count": count}, f"{_short(ws, [unit])} 报送 {count} 篇（{date}）")
    if type_ == "bonus":
        reason = _required(form.get("reason"), "加减分事由")
        points = (form.get("points") or "").strip()
        if not points:
            known = rules.bonus_points(reason)
            if known is None:
                raise JianbaoError(f"事由「{reason}」不在计分规则的加分项中，请填写分值。nothing was written")
            points = str(known)
        return ({"unit": unit, "date": date, "points": points, "reason": reason},
                f"{_short(ws, [unit])} {reason} {points} 分（{date}）")
    raise JianbaoError(f"未知的台账类型「{type_}」。nothing was written")


def add(request):
    form = views.posted(request)
    ws = views.workspace(request)
    type_ = form.get("type") or ""
    try:
        if type_ not in TYPES:
            raise JianbaoError(f"未知的台账类型「{type_}」。nothing was written")
        fields, what = fields_from_form(ws, type_, form)
        force, reason = override(form)
        entry, paths = api.add_entry(ws, type_, fields, command=f"jianbao serve: ledger add {type_}",
                                     force=force, reason=reason)
    except JianbaoError as e:
        values = {k: form.getlist(k) if k == "units" else form.get(k) for k in form.keys()}
        return views.page(request, "ledger.html", status=422,
                          **{**_context(request, ws, active=type_ if type_ in TYPES else "adoption"),
                             "error": closed_hint(ws, e), "diagnostics": list(e.diagnostics), "values": values})
    views.commit(request, paths, f"记分台账：{what}")
    flash(request, f"已记入台账：{what}")
    return RedirectResponse(f"/ledger#{type_}", status_code=303)


# ---------------------------------------------------------------- the month table

def _month_arg(request, ws) -> str:
    import datetime as dt

    month = (request.query_params.get("month") or "").strip()
    if month and not _MONTH.match(month):
        raise JianbaoError(f"月份须写作 2024-04，收到「{month}」")
    return month or api.latest_month(ws) or dt.date.today().strftime("%Y-%m")


def _month_rows(ws, month: str) -> list[dict]:
    have = api.month_counts(ws, month)
    return [{"unit": u, "have": have.get(u.name, (0, 0))} for u in api.unit_choices(ws)]


def month_page(request):
    ws = views.workspace(request)
    month = _month_arg(request, ws)
    return views.page(request, "ledger_month.html", month=month, rows=_month_rows(ws, month),
                      flash=take_flash(request), error="", diagnostics=[], values={}, closed=api.closed_periods(ws))


def month_entries(ws, month: str, form) -> list[dict]:
    """One submission and one report_up entry per unit with a number typed (blank: nothing)."""
    entries = []
    for key in form.keys():
        prefix, _, name = key.partition(":")
        if prefix not in ("submitted", "reported") or not (form.get(key) or "").strip():
            continue
        unit = api.require_unit(ws, name)
        label = "报送篇数" if prefix == "submitted" else "报市篇数"
        count = _count(form.get(key), f"{ws.units.get(unit).short} 的{label}")
        if prefix == "submitted":
            entries.append(api.make_entry(ws, "submission", {"unit": unit, "date": month, "count": count}))
        else:
            entries.append(api.make_entry(ws, "report_up", {"unit": unit, "date": month, "count": count,
                                                           "channel": "报市"}))
    return entries


def save_month(request):
    form = views.posted(request)
    ws = views.workspace(request)
    month = (form.get("month") or "").strip()
    try:
        if not _MONTH.match(month):
            raise JianbaoError(f"月份须写作 2024-04，收到「{month or '（空）'}」。nothing was written")
        entries = month_entries(ws, month, form)
        if not entries:
            raise JianbaoError("表中没有填写任何数字。nothing was written")
        force, reason = override(form)
        paths = api.add_entries(ws, entries, command=f"jianbao serve: ledger month {month}", force=force,
                                reason=reason)
    except JianbaoError as e:
        rows = _month_rows(ws, month) if _MONTH.match(month) else []
        return views.page(request, "ledger_month.html", status=422, month=month, rows=rows, flash="",
                          error=closed_hint(ws, e), diagnostics=list(e.diagnostics), values=dict(form.items()),
                          closed=api.closed_periods(ws))
    n_sub = sum(e["type"] == "submission" for e in entries)
    n_up = len(entries) - n_sub
    what = f"{month} 月报表：报送 {n_sub} 个单位，报市 {n_up} 个单位"
    views.commit(request, paths, f"记分台账：{what}")
    flash(request, f"已记入台账（一次写入）：{what}")
    return RedirectResponse(f"/ledger/month?month={month}", status_code=303)


def routes(route) -> list:
    return [
        route("/ledger", ledger_page, "ledger.view", nav="ledger"),
        route("/ledger/add", add, "ledger.edit", methods=("POST",), nav="ledger"),
        route("/ledger/month", month_page, "ledger.view", nav="ledger"),
        route("/ledger/month", save_month, "ledger.edit", methods=("POST",), name="save_month", nav="ledger"),
    ]
