"""Issues: the list of issues and one issue's items with their diagnostics."""

from __future__ import annotations

from collections import defaultdict

from starlette.responses import HTMLResponse

from composer.web import views


def _published_ids(ws) -> set[str]:
    folder = ws.root / "ledger" / "published"
    return {p.stem for p in folder.glob("*.yml")} if folder.is_dir() else set()


def issue_list(request):
    from composer.commands.check import load_checked

    ws = views.workspace(request)
    published = _published_ids(ws)
    rows = []
    for d in ws.issue_dirs():
        issue, diags = load_checked(ws, d)
        rows.append({
            "id": d.name,
            "number": issue.number if issue else None,
            "date": issue.date if issue else None,
            "count": len(issue.items) if issue else 0,
            "published": d.name in published,
            "errors": sum(x.is_error for x in diags),
            "warnings": sum(not x.is_error for x in diags),
        })
    rows.sort(key=lambda r: r["id"], reverse=True)
    return views.page(request, "issues.html", issues=rows)


def _chars(item) -> int:
    from composer.model import Paragraph

    return sum(len(b.text) for b in item.blocks if isinstance(b, Paragraph))


def issue_view(request):
    from composer.commands.check import load_checked

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    issue, diags = load_checked(ws, d)
    by_item: dict = defaultdict(list)
    general = []
    items = list(issue.items) if issue else []
    for diag in diags:
        # the item of that file that starts last at or before the diagnostic's line
        candidates = [it for it in items if it.source.path == diag.source.path and it.source.line <= max(diag.source.line, 1)]
        owner = max(candidates, key=lambda it: it.source.line) if candidates else None
        (by_item[id(owner)] if owner else general).append(diag)
    rows = [{"item": it, "chars": _chars(it), "diagnostics": by_item.get(id(it), [])} for it in items]
    return views.page(request, "issue.html", issue=issue, issue_id=d.name, rows=rows, general=general,
                      published=d.name in _published_ids(ws))


def preview(request):
    """The issue's HTML preview (the same renderer as ``jianbao build --format html``)."""
    from composer.commands.check import load_checked
    from composer.render import html

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    issue, diags = load_checked(ws, d)
    if issue is None:
        return views.error_page(request, 422, "这一期无法读取", diags)
    return HTMLResponse(html.render(ws, issue))


def routes(route) -> list:
    return [
        route("/issues", issue_list, "issues.view", nav="issues"),
        route("/issues/{issue_id}", issue_view, "issues.view", nav="issues"),
        route("/issues/{issue_id}/preview", preview, "issues.view"),
    ]
