"""Inbox: manuscripts by status, upload one for a unit, take one into an issue.

An upload goes through the CLI's importer (``jianbao import manuscript``): it is
size-limited here, written to a fresh temporary folder under a fixed name (the
uploaded name is only recorded, never used as a path), parsed, never executed.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse

from composer.diagnostics import JianbaoError
from composer.model import KIND_ARTICLE, KIND_BRIEF
from composer.web import views
from composer.web.pages import _ledger_api as api
from composer.web.pages.ledger import flash, take_flash

MANUSCRIPT_MAX = 10 * 1024 * 1024  # bytes: the largest manuscript accepted
SUFFIXES = (".docx", ".txt")
KINDS = {KIND_ARTICLE: "信息", KIND_BRIEF: "▲简讯"}


def display_name(name: str) -> str:
    """The uploaded file's own name, reduced to a safe display label (no folders, no control characters)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base[-120:] or "manuscript"


def inbox_page(request, status: int = 200, error: str = "", diagnostics=()):
    ws = views.workspace(request)
    entries = api.inbox_entries(ws)
    by_status: dict[str, list] = {}
    for e in entries:
        by_status.setdefault(e.status, []).append(e)
    order = sorted(by_status, key=lambda s: (s != "待审", s))
    short = {u.name: u.short for u in ws.units}
    issues = [d.name for d in reversed(ws.issue_dirs())]
    return views.page(request, "inbox.html", status=status, groups=[(s, by_status[s]) for s in order], short=short,
                      units=api.unit_choices(ws), issues=issues, kinds=KINDS, error=error,
                      diagnostics=list(diagnostics), flash=take_flash(request), limit_mb=MANUSCRIPT_MAX // 2**20)


def _import(request, data: bytes, name: str, unit: str, received: str):
    from composer.commands.importing import INBOX, parse_day

    ws = views.workspace(request)
    try:
        unit = api.require_unit(ws, unit)
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            raise JianbaoError(f"「{name}」：只接受 .docx 或 .txt 文件。nothing was written")
        if not data:
            raise JianbaoError(f"「{name}」是空文件。nothing was written")
        day = parse_day(received.strip()) if received.strip() else None
        watched = [ws.root / INBOX, ws.root / "ledger" / "events"]
        before = api.snapshot(*watched)
        tmp = Path(tempfile.mkdtemp(prefix="jianbao-upload-"))
        try:
            path = tmp / f"manuscript{suffix}"  # a fixed name: the upload's name is never a path
            path.write_bytes(data)
            result = api.import_manuscript(ws, path, unit, day, name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except JianbaoError as e:
        return inbox_page(request, 422, str(e), e.diagnostics)
    if result.duplicate_of is not None:
        flash(request, f"「{name}」与已收稿件 {ws.rel(result.duplicate_of)} 内容相同，未重复记录。")
        return RedirectResponse("/inbox", status_code=303)
    after = api.snapshot(*watched)
    u = ws.units.get(result.unit)
    views.commit(request, api.changed(before, after), f"来稿：{u.short if u else result.unit}《{result.title}》（{name}）")
    flash(request, f"已收稿：{u.short if u else result.unit}《{result.title}》→ {ws.rel(result.path)}")
    return RedirectResponse("/inbox", status_code=303)


async def upload(request):
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await run_in_threadpool(inbox_page, request, 422, "请选择要上传的 .docx 或 .txt 文件。")
    data = await file.read(MANUSCRIPT_MAX + 1)
    name = display_name(file.filename)
    if len(data) > MANUSCRIPT_MAX:
        return await run_in_threadpool(inbox_page, request, 413,
                                       f"「{name}」超过 {MANUSCRIPT_MAX // 2**20} MB，未接收。")
    return await run_in_threadpool(_import, request, data, name, str(form.get("unit") or ""),
                                   str(form.get("received") or ""))


def _manuscript(ws, form):
    """The inbox entry the form names, only ever an existing one (anything else: 404)."""
    ident = form.get("manuscript") or ""
    entry = next((e for e in api.inbox_entries(ws) if e.id == ident), None)
    if entry is None:
        raise views.NotFound(ident)
    return entry


def take(request):
    form = views.posted(request)
    ws = views.workspace(request)
    entry = _manuscript(ws, form)
    d = views.issue_dir(ws, form.get("issue") or "")
    kind = form.get("kind") or ""
    try:
        if kind not in KINDS:
            raise JianbaoError(f"采用类型须为 信息 或 简讯，收到「{kind}」。nothing was written")
        before = api.snapshot(d)
        target, e = api.take(ws, entry.id, str(d), kind)
    except JianbaoError as err:
        return inbox_page(request, 422, str(err), err.diagnostics)
    paths = api.changed(before, api.snapshot(d)) + [e.path]
    u = ws.units.get(e.unit)
    views.commit(request, paths, f"采用来稿：{u.short if u else e.unit}《{e.title}》→ {d.name}（{KINDS[kind]}）")
    flash(request, f"已采用：《{e.title}》作为{KINDS[kind]}放入 {d.name}（{ws.rel(target)}）")
    return RedirectResponse("/inbox", status_code=303)


def decline(request):
    form = views.posted(request)
    ws = views.workspace(request)
    entry = _manuscript(ws, form)
    reason = str(form.get("reason") or "")
    try:
        e = api.decline(ws, entry.id, reason)
    except JianbaoError as err:
        return inbox_page(request, 422, str(err), err.diagnostics)
    u = ws.units.get(e.unit)
    views.commit(request, [e.path], f"来稿不采用：{u.short if u else e.unit}《{e.title}》" + (f"（{reason}）" if reason else ""))
    flash(request, f"已标为未采用：《{e.title}》")
    return RedirectResponse("/inbox", status_code=303)


def routes(route) -> list:
    return [
        route("/inbox", inbox_page, "inbox.view", nav="inbox"),
        route("/inbox/upload", upload, "inbox.edit", methods=("POST",), nav="inbox"),
        route("/inbox/take", take, "inbox.edit", methods=("POST",), nav="inbox"),
        route("/inbox/decline", decline, "inbox.edit", methods=("POST",), nav="inbox"),
    ]
