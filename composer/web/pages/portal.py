"""The unit portal: a unit sends manuscripts and follows their adoption, its score and its notices.

A unit account sees only its own unit: every page that names a unit or a
manuscript resolves it through the registry or the inbox, then asks
``access.authorize(principal, "unit.view", unit=…)``, which answers 404 for
another unit's things (a unit must not learn that they exist).  Editors see
every unit's view.  Sending goes through the same function as ``jianbao import
manuscript`` (composer.commands.importing), so it lands in inbox/ as 待审 and is
counted as a submission at once.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote

from starlette.responses import FileResponse, RedirectResponse

from composer import yamlsrc
from composer.diagnostics import JianbaoError
from composer.web import access, views
from composer.web.pages import _ledger_api as api

MAX_UPLOAD = 10 * 1024 * 1024  # bytes: one manuscript file
MAX_UNPACKED = 200 * 1024 * 1024  # bytes: a .docx unpacked (no zip bombs)
SUFFIXES = (".docx", ".txt")


# ---------------------------------------------------------------- lookups

def _unit_of(request, ws, short: str):
    """The registry unit named in the URL, if the principal may see it (else 404)."""
    u = ws.units.get(short)
    if u is None:
        raise views.NotFound(short)
    access.authorize(request.state.principal, "unit.view", unit=u.name)
    return u


def _own_unit(request, ws):
    principal = request.state.principal
    if principal.role != access.UNIT:
        return None
    u = ws.units.get(principal.unit or "")
    if u is None:
        raise views.NotFound(principal.unit)
    return u


def _issue_number(ws, issue_id: str) -> int | None:
    path = ws.root / "issues" / issue_id / "issue.yml"
    try:
        data, _ = yamlsrc.parse(path.read_text(encoding="utf-8"), f"issues/{issue_id}/issue.yml")
    except OSError:
        return None
    n = data.get("number") if yamlsrc.is_map(data) else None
    return n if isinstance(n, int) else None


def _front(path: Path) -> dict:
    try:
        fm, _, _ = yamlsrc.split_front_matter(path.read_text(encoding="utf-8"))
    except OSError:
        return {}
    data, _ = yamlsrc.parse(fm or "", path.name)
    return data if yamlsrc.is_map(data) else {}


def _published_titles(ws, issue_id: str, unit: str) -> set[str] | None:
    from composer import ledger

    pub, _, _ = ledger.read_published(ws, issue_id)
    if pub is None:
        return None
    return {a.title for a in pub.adoptions if unit in a.units}


def _status(ws, e) -> dict:
    """待审 / 已采用 第N期 信息|简讯 (published or still to be) / 未采用, for one inbox entry."""
    from composer.commands.importing import STATUS_NEW, STATUS_TAKEN

    out = {"label": e.status or STATUS_NEW, "number": None, "kind": "", "published": False, "issue": "",
           "reason": e.reason}
    if e.status == STATUS_TAKEN and e.taken:
        taken = (ws.root / e.taken).resolve()
        issues = (ws.root / "issues").resolve()
        if taken.is_relative_to(issues) and len(taken.relative_to(issues).parts) == 2:
            issue_id = taken.relative_to(issues).parts[0]
            meta = _front(taken)
            title = str(meta.get("title") or e.title)
            titles = _published_titles(ws, issue_id, e.unit)
            out.update(number=_issue_number(ws, issue_id), kind=str(meta.get("kind") or ""), issue=issue_id,
                       published=bool(titles and title in titles))
    return out


def _entries(ws, unit: str):
    from composer.commands import inbox

    return [e for e in inbox.entries(ws) if e.unit == unit]


def _score(ws, unit: str, period: str | None):
    """(period, ScoreRow or None, report or None, problem text)."""
    from composer.rules import load_rules

    rules, diags = load_rules(ws)
    if rules is None or any(d.is_error for d in diags):
        return period or "", None, None, "记分规则文件有错误，暂时无法计分。"
    period = period or api.default_period(ws, rules)
    try:
        report, rdiags = api.build_report(ws, period)
    except JianbaoError as e:
        return period, None, None, str(e)
    if report is None:
        return period, None, None, "台账有错误，暂时无法计分。"
    for g in report.groups:
        for row in g.rows:
            if row.unit_name == unit:
                return period, row, report, ""
    return period, None, report, "本单位不参加计分排名。"


def _reports(ws) -> list[dict]:
    """The published 通报 files under build/reports/<period>/, newest period first."""
    base = ws.root / "build" / "reports"
    out = []
    for d in sorted((p for p in base.iterdir() if p.is_dir()), reverse=True) if base.is_dir() else []:
        files = sorted(f.name for f in d.iterdir() if f.is_file() and not f.name.startswith("."))
        if files:
            out.append({"period": d.name, "files": files})
    return out


# ---------------------------------------------------------------- pages

def home(request):
    ws = views.workspace(request)
    u = _own_unit(request, ws)
    if u is not None:
        return _dashboard(request, ws, u)
    # an editor: every unit, to look at any unit's view
    groups = [{"name": g.name, "units": [u for u in ws.units if u.group == g.name]} for g in ws.units.groups()]
    return views.page(request, "portal_units.html", groups=groups)


def unit_view(request):
    ws = views.workspace(request)
    return _dashboard(request, ws, _unit_of(request, ws, request.path_params["unit"]))


def _dashboard(request, ws, u):
    from composer.commands.notice import unit_notices

    period, row, _, problem = _score(ws, u.name, request.query_params.get("period"))
    rows = [{"e": e, "s": _status(ws, e)} for e in reversed(_entries(ws, u.name))]
    return views.page(request, "portal.html", unit=u, rows=rows, period=period, row=row, problem=problem,
                      notices=unit_notices(ws, u.name)[:12], reports=_reports(ws),
                      sent=request.query_params.get("sent", ""))


def drilldown(request):
    ws = views.workspace(request)
    u = _unit_of(request, ws, request.path_params["unit"])
    period, row, _, problem = _score(ws, u.name, request.query_params.get("period"))
    return views.page(request, "portal_score.html", unit=u, period=period, row=row, problem=problem)


def manuscript(request):
    from composer.commands import inbox

    ws = views.workspace(request)
    ident = request.path_params["ident"]
    e = next((x for x in inbox.entries(ws) if x.id == ident), None)
    if e is None:
        raise views.NotFound(ident)
    access.authorize(request.state.principal, "unit.view", unit=e.unit)
    _, body, _ = yamlsrc.split_front_matter(e.path.read_text(encoding="utf-8"))
    body = re.sub(r"!\[[^\]]*\]\([^)]*\)", "［图片］", body)  # the text view names pictures, never links them
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    u = ws.units.get(e.unit)
    return views.page(request, "portal_manuscript.html", e=e, s=_status(ws, e), paragraphs=paragraphs, unit=u,
                      new=request.query_params.get("new") == "1")


def submit_form(request):
    ws = views.workspace(request)
    return views.page(request, "portal_submit.html", own=_own_unit(request, ws), units=list(ws.units), message="",
                      form=dict.fromkeys(("title", "authors", "text", "unit"), ""), max_mb=MAX_UPLOAD // 2**20)


def _upload_name(raw: str) -> str:
    """The sent file's own name, for the record only (never used as a path)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:120] or "upload"


def _refuse(request, ws, status: int, message: str, form) -> object:
    return views.page(request, "portal_submit.html", status=status, own=_own_unit(request, ws), units=list(ws.units),
                      message=message, max_mb=MAX_UPLOAD // 2**20,
                      form={k: str(form.get(k) or "") for k in ("title", "authors", "text", "unit")})


async def submit(request):
    """POST /portal/submit: an uploaded .docx/.txt or pasted text → inbox/ (待审) + one submission event."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    upload = form.get("file")
    data = b""
    name = ""
    if upload is not None and not isinstance(upload, str) and upload.filename:
        name = _upload_name(upload.filename)
        data = await upload.read(MAX_UPLOAD + 1)
    return await run_in_threadpool(_submit, request, form, name, data)


def _submit(request, form, name: str, data: bytes):
    from composer.commands import importing

    ws = views.workspace(request)
    principal = request.state.principal
    own = _own_unit(request, ws)
    if own is None:  # an editor sends on a unit's behalf
        own = ws.units.get(str(form.get("unit") or ""))
        if own is None:
            return _refuse(request, ws, 422, "请选择来稿单位。", form)
    access.authorize(principal, "unit.submit", unit=own.name)
    title = str(form.get("title") or "").strip()[:200]
    authors = [a for a in re.split(r"[\s、,，;；]+", str(form.get("authors") or "")) if a][:20]
    text = str(form.get("text") or "")
    by = "" if principal.local else principal.name
    if name:
        if len(data) > MAX_UPLOAD:
            return _refuse(request, ws, 413, f"文件太大：稿件文件最大 {MAX_UPLOAD // 2**20} MB。没有收下任何内容。", form)
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            return _refuse(request, ws, 422, f"只收 Word（.docx）或文本（.txt）文件，{name} 不是。没有收下任何内容。", form)
        if not data:
            return _refuse(request, ws, 422, f"{name} 是空文件。没有收下任何内容。", form)
        tmp = Path(tempfile.mkdtemp(prefix="jianbao-upload-"))
        try:
            path = tmp / f"upload{suffix}"  # the sent name never becomes a path
            path.write_bytes(data)
            if suffix == ".docx" and zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as z:
                    if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                        return _refuse(request, ws, 413, f"{name} 解压后过大。没有收下任何内容。", form)
            m = importing.import_manuscript(ws, path, own.name, label=name, title=title, authors=authors, by=by)
        except JianbaoError as e:
            detail = "；".join(d.message for d in e.diagnostics) or str(e)
            return _refuse(request, ws, 422, f"{name}：无法读取（{detail}）。没有收下任何内容。", form)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    elif text.strip():
        if not title:
            return _refuse(request, ws, 422, "粘贴正文时请填写标题。", form)
        m = importing.import_manuscript_text(ws, text, own.name, title=title, authors=authors, by=by)
    else:
        return _refuse(request, ws, 422, "请上传 .docx/.txt 文件，或粘贴正文。", form)
    if m.duplicate_of is not None:
        return RedirectResponse(f"/portal/manuscripts/{quote(m.path.stem)}?new=dup", status_code=303)
    views.commit(request, [p for p in m.files if p is not None],
                 f"来稿：{own.short}《{m.title}》（{ws.rel(m.path)}）")
    return RedirectResponse(f"/portal/manuscripts/{quote(m.path.stem)}?new=1", status_code=303)


def tables(request):
    """Published group tables (every logged-in account): the 通报 periods under build/reports/."""
    ws = views.workspace(request)
    reps = _reports(ws)
    periods = [r["period"] for r in reps if re.fullmatch(r"\d{4}-\d{2}(\.\.\d{4}-\d{2})?", r["period"])]
    period = request.query_params.get("period") or (periods[0] if periods else "")
    if period and period not in periods:
        raise views.NotFound(period)
    report, issued, problem = None, False, ""
    if period:
        report = _issued_report(ws, period)
        issued = report is not None
        if report is None:  # no JSON among the files: the figures as the ledger gives them now
            try:
                report, _ = api.build_report(ws, period)
            except JianbaoError as e:
                problem = str(e)
    return views.page(request, "portal_tables.html", periods=periods, period=period, report=report, problem=problem,
                      reports=reps, issued=issued)


def _issued_report(ws, period: str) -> dict | None:
    """The group tables as the 通报 printed them (its JSON under build/reports/<period>/), if there is one."""
    import json

    folder = ws.root / "build" / "reports" / period
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("groups"), list) and data.get("period") == period:
            return data
    return None


def report_file(request):
    ws = views.workspace(request)
    period, name = request.path_params["period"], request.path_params["name"]
    for r in _reports(ws):
        if r["period"] == period and name in r["files"]:
            path = ws.root / "build" / "reports" / r["period"] / name
            return FileResponse(path, filename=name)
    raise views.NotFound(name)


def routes(route) -> list:
    return [
        route("/portal", home, "unit.view", nav="portal"),
        route("/portal/submit", submit_form, "unit.submit", nav="portal"),
        route("/portal/submit", submit, "unit.submit", methods=("POST",)),
        route("/portal/units/{unit}", unit_view, "unit.view", nav="portal"),
        route("/portal/units/{unit}/score", drilldown, "unit.view", nav="portal"),
        route("/portal/manuscripts/{ident}", manuscript, "unit.view", nav="portal"),
        route("/portal/tables", tables, "tables.view", nav="tables"),
        route("/portal/reports/{period}/{name}", report_file, "reports.view", nav="tables"),
    ]
