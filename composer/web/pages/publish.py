"""Publish an issue: the dry run (who gets which item and points), confirmation, publication.

The same ``publish.publish`` as ``jianbao publish``: the page shows its dry run,
the confirming POST publishes (a revision needs its reason), and the ledger
record it writes becomes one git commit.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from starlette.responses import RedirectResponse

from composer.diagnostics import JianbaoError
from composer.web import views
from composer.web.pages import _ledger_api as api
from composer.web.pages.ledger import closed_hint, flash, override, take_flash


def _per_unit(ws, credits) -> list[dict]:
    """The dry run's credits grouped by unit: items and points (None: the unit is not scored)."""
    by: OrderedDict[str, dict] = OrderedDict()
    for c in credits:
        u = ws.units.get(c.unit)
        row = by.setdefault(c.unit, {"unit": u.short if u else c.unit, "credits": [], "points": Decimal(0),
                                     "scored": c.points is not None})
        row["credits"].append(c)
        if c.points is not None:
            row["points"] += c.points
    return list(by.values())


def _show(request, issue_id: str, status: int = 200, error: str = "", reason: str = ""):
    ws = views.workspace(request)
    d = views.issue_dir(ws, issue_id)
    result = api.publish_dry_run(ws, d.name)
    return views.page(request, "publish.html", status=status, issue_id=d.name, result=result,
                      units=_per_unit(ws, result.credits), error=error, reason=reason,
                      flash=take_flash(request), ledger_rel=ws.rel(result.ledger_file) if result.ledger_file else "",
                      closed=api.closed_periods(ws))


def publish_page(request):
    return _show(request, request.path_params["issue_id"])


def publish(request):
    form = views.posted(request)
    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    reason = (form.get("reason") or "").strip()
    if form.get("confirm") != "1":
        return _show(request, d.name, 422, "请勾选确认后再发布。", reason)
    dry = api.publish_dry_run(ws, d.name)
    if dry.status != "dry-run":
        return _show(request, d.name, 422, dry.message)
    if dry.revision and not reason:
        return _show(request, d.name, 422, "这一期已经发布过，修订发布必须填写修订理由。")
    closed_dir = ws.root / "ledger" / "closed"
    before = api.snapshot(closed_dir)
    try:
        force, force_reason = override(form)
        result = api.publish_issue(ws, d.name, revise=dry.revision, reason=reason or force_reason, force=force)
    except JianbaoError as e:
        return _show(request, d.name, 422, closed_hint(ws, e), reason)
    if result.status not in ("published", "revised"):
        return _show(request, d.name, 422, result.message, reason)
    n_units = len({u for c in dry.credits for u in [c.unit]})
    what = "修订发布" if result.revision else "发布"
    message = f"{what}：{d.name} 记入台账 {len({(c.title, c.kind) for c in dry.credits})} 条，涉及 {n_units} 个单位"
    if result.revision:
        message += f"（理由：{reason}）"
    # the published record, and the closed-period logs a forced change wrote (outputs in build/ are not tracked)
    views.commit(request, [result.ledger_file, *api.changed(before, api.snapshot(closed_dir))], message)
    flash(request, f"已{message}；台账文件 {ws.rel(result.ledger_file)}")
    return RedirectResponse(f"/issues/{d.name}/publish", status_code=303)


def routes(route) -> list:
    return [
        route("/issues/{issue_id}/publish", publish_page, "issues.publish", nav="issues"),
        route("/issues/{issue_id}/publish", publish, "issues.publish", methods=("POST",), name="publish_post",
              nav="issues"),
    ]
