"""Issues: the list, one issue's items (drag to reorder) with their diagnostics, the item editor,
the live preview (server-sent events from a watch on the issue folder).

Every write goes through composer.commands.edit — the same functions a CLI verb uses — and
becomes one git commit (views.commit) whose message is the edit's summary.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from pathlib import Path

from starlette.responses import HTMLResponse, RedirectResponse, StreamingResponse

from composer.diagnostics import JianbaoError
from composer.web import views

WATCH_STEP_MS = 30  # the watcher reports a change once the folder was quiet this long …
WATCH_DEBOUNCE_MS = 150  # … or after this long at most (the preview must follow a save within 300 ms)


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
            "total_number": issue.total_number if issue else None,
            "date": issue.date if issue else None,
            "count": len(issue.items) if issue else 0,
            "articles": sum(it.kind == "信息" for it in issue.items) if issue else 0,
            "published": d.name in published,
            "errors": sum(x.is_error for x in diags),
            "warnings": sum(not x.is_error for x in diags),
        })
    rows.sort(key=lambda r: r["id"], reverse=True)
    return views.page(request, "issues.html", issues=rows)


def _chars(item) -> int:
    from composer.model import Heading, ListBlock, Paragraph, Table

    n = 0  # the body's characters (a brief's as check's J210 counts them; titles not included)
    for b in item.blocks:
        if isinstance(b, (Paragraph, Heading)):
            n += len(b.text)
        elif isinstance(b, ListBlock):
            n += sum(len(s.text) for spans in b.items for s in spans)
        elif isinstance(b, Table):
            n += sum(len(c) for row in b.rows for c in row)
    return n


def _issue_context(request) -> dict:
    """The issue, its items in print order grouped by section, each with its key and diagnostics."""
    from composer.commands.check import load_checked
    from composer.commands.edit import keyed_items

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    issue, diags = load_checked(ws, d)
    keyed = keyed_items(issue) if issue else []
    by_item: dict = defaultdict(list)
    general = []
    for diag in diags:
        # the item of that file that starts last at or before the diagnostic's line
        candidates = [it for _, it in keyed
                      if it.source.path == diag.source.path and it.source.line <= max(diag.source.line, 1)]
        owner = max(candidates, key=lambda it: it.source.line) if candidates else None
        (by_item[id(owner)] if owner else general).append(diag)
    sections = list(issue.sections) if issue else []
    for _, it in keyed:
        if it.section not in sections:
            sections.append(it.section)
    groups = []
    number = 0
    for s in sections:
        rows = []
        for key, it in keyed:
            if it.section == s:
                number += 1
                rows.append({"n": number, "key": str(key), "url": _item_url(d.name, key), "item": it,
                             "file": key.file, "chars": _chars(it), "diagnostics": by_item.get(id(it), [])})
        groups.append({"section": s, "rows": rows})
    from composer.commands.edit import ItemKey, files_without_items

    broken = [{"file": f, "url": _item_url(d.name, ItemKey(f))} for f in (files_without_items(issue) if issue else [])]
    return {"ws": ws, "dir": d, "issue": issue, "issue_id": d.name, "groups": groups, "general": general,
            "count": len(keyed), "broken": broken,
            "errors": sum(x.is_error for x in diags), "warnings": sum(not x.is_error for x in diags)}


def _item_url(issue_id: str, key) -> str:
    from urllib.parse import quote

    base = f"/issues/{quote(issue_id)}/items/{quote(key.file)}"
    return base if key.brief is None else f"{base}/{key.brief}"


def issue_view(request):
    from composer.web.pages.build import warm_up

    ctx = _issue_context(request)
    warm_up(ctx["ws"])  # an editor at work on an issue will build it: get the PDF engine ready
    ctx.pop("ws")
    return views.page(request, "issue.html", published=ctx["issue_id"] in _published_ids(views.workspace(request)),
                      flash=request.session.pop("flash", None), **{k: v for k, v in ctx.items() if k != "dir"})


def items_fragment(request, status: int = 200, message: str = "", diagnostics=()):
    """The items table alone (the page swaps it in after a change or a drag)."""
    ctx = _issue_context(request)
    ctx.pop("ws")
    ctx.pop("dir")
    return views.page(request, "_issue_items.html", status=status, message=message, message_error=status != 200,
                      error_diagnostics=list(diagnostics), **ctx)


_WRITES = threading.Lock()  # one read-change-write (and its commit) at a time in this server


def _locked(handler, request):
    """Run a form handler with the guard's parsed form, one read-change-write at a time."""
    with _WRITES:
        return handler(request, views.posted(request))


def arrange(request):
    return _locked(_arrange, request)


def _arrange(request, form):
    """POST layout=<section>\\t<item key> … in the wanted print order (the drag-and-drop list)."""
    from composer.commands import edit

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    layout = []
    for entry in form.getlist("layout"):
        section, _, key = str(entry).partition("\t")
        layout.append((section, key))
    try:
        result = edit.arrange(ws, d, layout)
    except JianbaoError as e:
        return items_fragment(request, 422, str(e), e.diagnostics)
    if result.paths:
        views.commit(request, result.paths, result.summary)
    return items_fragment(request, message=result.summary and "已保存：" + result.summary)


# ---------------------------------------------------------------- the item editor

def _version(path: Path) -> str:
    """A short fingerprint of a file's bytes: the editor's form carries the one it was made from,
    so a save over a change made elsewhere meanwhile is caught instead of silently undoing it."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _key(request, issue):
    from composer.commands.edit import ItemKey, UnknownItem, find

    from composer.commands.edit import files_without_items

    n = request.path_params.get("n")
    key = ItemKey(request.path_params["file"], n)
    try:
        find(issue, key)
    except UnknownItem:
        if n is None and key.file in files_without_items(issue):
            return key  # a file that does not load: its source can still be repaired here
        raise views.NotFound(str(key)) from None
    return key


def _editor(request, status: int = 200, error: str = "", diagnostics=(), submitted: dict | None = None):
    from composer.commands import edit

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    issue = edit.load(ws, d)
    key = _key(request, issue)
    try:
        item = edit.find(issue, key)
        src = edit.source_of(issue, key)
    except JianbaoError:  # the file gives no item: only its source can be edited
        item = None
        src = {"brief": False, "broken": True, "raw": (d / key.file).read_text(encoding="utf-8", errors="replace"),
               "fields": {}}
        submitted = submitted or {"action": "source"}
    if submitted:  # a refused edit: show what the editor typed, not the file
        if src["brief"]:
            src.update({k: submitted[k] for k in ("text", "credit") if k in submitted})
        else:
            src["fields"].update({k: submitted[k] for k in edit.FIELDS if k in submitted})
            src.update({k: submitted[k] for k in ("credits", "body", "raw") if k in submitted})
    return views.page(request, "issue_item.html", status=status, issue=issue, issue_id=d.name, key=str(key),
                      base=_version(d / key.file),
                      item=item, src=src, sections=list(issue.sections) or sorted({i.section for i in issue.items}),
                      file_rel=ws.rel(d / key.file), url=_item_url(d.name, key), error=error,
                      diagnostics=list(diagnostics), flash=request.session.pop("flash", None),
                      raw_open=bool(submitted and submitted.get("action") == "source"))


def item_view(request):
    return _editor(request)


def item_save(request):
    return _locked(_item_save, request)


def _item_save(request, form):
    """One form, several actions: fields (front matter + credits + body), source, brief, move, kind."""
    from composer.commands import edit

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    issue = edit.load(ws, d)
    key = _key(request, issue)
    form = {k: str(v) for k, v in form.items()}
    action = form.get("action", "")
    back = _item_url(d.name, key)
    if form.get("base") and form["base"] != _version(d / key.file):
        return _editor(request, 409, "这个文件在你打开编辑之后被改过了（别处的保存）。下面是你填写的内容，右侧预览是文件现在的样子；"
                                     "核对后再次保存，会以你填写的内容为准。", submitted=form)
    try:
        if action == "fields" and key.brief is None:
            result = edit.update_item(ws, d, key, fields={k: form.get(k, "") for k in edit.FIELDS if k in form},
                                      credits=form.get("credits"), body=form.get("body"))
        elif action == "source" and key.brief is None:
            result = edit.replace_source(ws, d, key, form.get("raw", ""))
        elif action == "brief" and key.brief is not None:
            result = edit.update_brief(ws, d, key, form.get("text", ""), form.get("credit", ""))
        elif action == "move":
            result = edit.move(ws, d, key, form.get("section", ""))
            back = f"/issues/{d.name}"
        elif action == "kind":
            result = edit.set_kind(ws, d, key, form.get("kind", ""))
            back = f"/issues/{d.name}" if key.brief is not None else back
        else:
            return views.error_page(request, 400, f"unknown action {action!r}")
    except JianbaoError as e:
        return _editor(request, 422, str(e), e.diagnostics, submitted=form)
    if result.paths:
        views.commit(request, result.paths, result.summary)
        request.session["flash"] = "已保存：" + result.summary
    else:
        request.session["flash"] = "没有改动。"
    return RedirectResponse(back, status_code=303)


# ---------------------------------------------------------------- preview and live refresh

def preview(request):
    """The issue's HTML preview (the same renderer as ``jianbao build --format html``)."""
    from composer.commands.check import load_checked
    from composer.render import html

    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    issue, diags = load_checked(ws, d)
    if issue is None:
        return views.error_page(request, 422, "这一期无法读取", diags)
    return HTMLResponse(html.render(ws, issue), headers={"Cache-Control": "no-store"})


def _visible_change(change) -> bool:
    name = Path(change[1]).name
    return not name.startswith((".", "_")) and not name.endswith("~")


async def events(request):
    """Server-sent events: ``change`` (data: the changed file names) whenever the issue folder changes —
    or the publication file, the unit registry's folder or the layout (they change the preview and
    the diagnostics too).

    The watch ends when the browser goes away (the response is cancelled; watchfiles
    then stops its thread within ``rust_timeout``).
    """
    from starlette.concurrency import run_in_threadpool
    from watchfiles import awatch

    from composer.web.pages.build import prebuild

    def lookup():
        """The issue folder, and what else its preview and diagnostics depend on (when present)."""
        ws = views.workspace(request)
        folder = views.issue_dir(ws, request.path_params["issue_id"])
        others = [ws.root / "jianbao.yml", (ws.root / ws.publication.units).parent,
                  (ws.root / ws.publication.layout)]
        return [folder] + [p.resolve() for p in others if p.exists() and ws.root.resolve() in p.resolve().parents]

    watched = await run_in_threadpool(lookup)

    async def stream():
        yield "retry: 1000\n: watching\n\n"
        async for changes in awatch(*watched, watch_filter=lambda c, p: _visible_change((c, p)),
                                    debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS, rust_timeout=1000,
                                    yield_on_timeout=True):
            if not changes:
                yield ": ping\n\n"  # keeps proxies from closing an idle stream
                continue
            names = sorted({Path(p).name for _, p in changes})
            prebuild(request.app.state.root, watched[0])  # an issue built here is kept prebuilt
            yield f"event: change\ndata: {json.dumps(names, ensure_ascii=False)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def routes(route) -> list:
    return [
        route("/issues", issue_list, "issues.view", nav="issues"),
        route("/issues/{issue_id}", issue_view, "issues.view", nav="issues"),
        route("/issues/{issue_id}/items", items_fragment, "issues.view"),
        route("/issues/{issue_id}/arrange", arrange, "issues.edit", methods=("POST",)),
        route("/issues/{issue_id}/items/{file}", item_view, "issues.view", nav="issues"),
        route("/issues/{issue_id}/items/{file}", item_save, "issues.edit", methods=("POST",), name="item_save"),
        route("/issues/{issue_id}/items/{file}/{n:int}", item_view, "issues.view", nav="issues", name="brief_view"),
        route("/issues/{issue_id}/items/{file}/{n:int}", item_save, "issues.edit", methods=("POST",),
              name="brief_save"),
        route("/issues/{issue_id}/preview", preview, "issues.view"),
        route("/issues/{issue_id}/events", events, "issues.view"),
    ]
