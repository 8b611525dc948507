"""Build an issue's PDF and DOCX from the workbench, with the PDF engine kept warm.

``jianbao build`` pays for Python, WeasyPrint's import and the fonts' first load on
every run.  The server pays once: :func:`warm_up` starts a persistent PDF process
(:class:`PdfEngine`: a clean interpreter, composer.web.pdf_process) that imports
WeasyPrint and renders the newest issue once, the first time an editor opens an
issue.  A build then goes through the very same ``composer.commands.build.build``
as the CLI — only the forked one-shot PDF worker is replaced by :class:`WarmPdf`,
which hands the checked issue to the warm process; this process renders the DOCX
meanwhile (two cores, like the CLI).  Builds run one at a time (:data:`_BUILD_LOCK`).

Once an issue was built here, every later save to it (the live preview's watch) renders
its PDF again in the background (:func:`prebuild`); the next build finds a PDF made from
exactly its content (:func:`content_key`) and only renders the DOCX.  Issues nobody
builds cost nothing.

The outputs land in ``build/<issue>/`` (never committed); the PDF's pages are
shown as PNG pictures drawn on demand, page by page as the browser scrolls to them
(pdftoppm, when poppler-utils is installed), or else in an ``<iframe>``; the DOCX
is offered for download.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
import sys
import time
from multiprocessing.connection import Connection

from starlette.responses import FileResponse, RedirectResponse

from composer.diagnostics import JianbaoError
from composer.web import views

log = logging.getLogger("jianbao.web")

_BUILD_LOCK = threading.RLock()  # one build (and one use of the engine) at a time
_engine: PdfEngine | None = None
_warm_done = threading.Event()
PAGE_DPI = 60  # page pictures: readable on screen, ~40 KB each
PAGE_PNG = re.compile(r"^page-([1-9][0-9]{0,4})\.png$")  # ASCII, bounded: int() of 5000 digits raises


class PdfEngine:
    """A persistent process (composer.web.pdf_process) rendering PDFs with WeasyPrint already imported."""

    def __init__(self):
        self._proc = subprocess.Popen([sys.executable, "-m", "composer.web.pdf_process"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, close_fds=True)
        self._send = Connection(os.dup(self._proc.stdin.fileno()), readable=False)
        self._recv = Connection(os.dup(self._proc.stdout.fileno()), writable=False)
        self._proc.stdin.close()
        self._proc.stdout.close()

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def send(self, ws, issue) -> None:
        try:
            self._send.send((ws, issue))
        except OSError:
            raise JianbaoError(f"the PDF renderer stopped unexpectedly (exit code {self._proc.poll()})") from None

    def receive(self) -> bytes:
        try:
            status, payload = self._recv.recv()
        except (EOFError, OSError):
            raise JianbaoError(f"the PDF renderer stopped unexpectedly (exit code {self._proc.poll()})") from None
        if status == "error":
            raise JianbaoError(payload[0], payload[1])
        if status == "bug":
            raise RuntimeError("PDF rendering failed in the PDF process:\n" + payload)
        return payload


def engine() -> PdfEngine:
    """The warm engine, started (again) when missing or dead."""
    global _engine
    with _BUILD_LOCK:
        if _engine is None or not _engine.alive:
            _engine = PdfEngine()
        return _engine


def warm_up(ws) -> None:
    """Start the PDF process and render the newest issue once, in the background (once per server)."""
    global _engine
    with _BUILD_LOCK:
        if _engine is not None:
            return
        _engine = PdfEngine()
    dirs = ws.issue_dirs()

    def run():
        t = time.perf_counter()
        try:
            from composer.commands.check import load_checked

            with _BUILD_LOCK:
                issue = load_checked(ws, dirs[-1])[0] if dirs else None
                if issue is not None:
                    _engine.send(ws, issue)
                    _engine.receive()
        except Exception as e:  # a broken issue or engine shows when the editor builds
            log.info("PDF warm-up: %s", e)
        finally:
            _warm_done.set()
            log.info("PDF engine warm after %.2f s", time.perf_counter() - t)

    threading.Thread(target=run, name="jianbao-pdf-warm-up", daemon=True).start()


def content_key(ws, issue) -> str:
    """Everything a PDF of ``issue`` is made from: the parsed publication, registry and issue, and the
    layout files and pictures (by size and time).  Installed fonts are not part of it."""
    import hashlib
    import pickle

    from composer.model import Image
    from composer.render.html import layout_dir

    h = hashlib.sha256(pickle.dumps((ws.publication, ws.units, issue), protocol=5))
    files = [p for p in sorted(layout_dir(ws).rglob("*")) if p.is_file()] if layout_dir(ws).is_dir() else []
    files += [b.path for it in issue.items for b in it.blocks if isinstance(b, Image) and b.path]
    for p in files:
        try:
            st = p.stat()
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(f"{p}\0missing\0".encode())
    return h.hexdigest()


_prebuilt: dict = {}  # issue folder -> (content key, PDF bytes): the engine's last PDF of that issue
_built: set = set()  # issue folders built through the workbench: kept prebuilt after every save
_prebuild_waiting: set = set()


class WarmPdf:
    """The PdfWorker interface of composer.commands.build, served by the warm :class:`PdfEngine`.

    A PDF already rendered from exactly this content (see :func:`prebuild`) is used as it is.
    """

    def __init__(self):
        self._engine = engine()
        self._pending = None
        self._ready = None

    def start(self, ws, issue) -> None:
        key = content_key(ws, issue)
        cached = _prebuilt.get(issue.path)
        if cached and cached[0] == key:
            self._ready = cached[1]
            return
        self._engine.send(ws, issue)
        self._pending = (issue.path, key)

    def result(self) -> bytes:
        if self._ready is not None:
            return self._ready
        path, key = self._pending
        self._pending = None
        pdf = self._engine.receive()
        _prebuilt[path] = (key, pdf)
        return pdf

    def cancel(self) -> None:
        if self._pending:  # read the answer, so the next build does not get this one
            self._pending = None
            try:
                self._engine.receive()
            except Exception:
                pass


def prebuild(root, issue_dir) -> None:
    """After a save: render the PDF of an issue built in this session again, in the background,
    so that the next build finds it ready (only the DOCX is then left to render)."""
    issue_dir = issue_dir.resolve()
    if issue_dir not in _built or issue_dir in _prebuild_waiting:
        return
    _prebuild_waiting.add(issue_dir)

    def run():
        from composer.commands.check import load_checked
        from composer.workspace import open_workspace

        try:
            with _BUILD_LOCK:
                _prebuild_waiting.discard(issue_dir)
                ws = open_workspace(root)
                issue, diags = load_checked(ws, issue_dir)
                if issue is None or any(d.is_error for d in diags):
                    return
                worker = WarmPdf()
                worker.start(ws, issue)
                worker.result()
        except Exception as e:  # the build itself will report it
            _prebuild_waiting.discard(issue_dir)
            log.info("prebuild of %s: %s", issue_dir.name, e)

    threading.Thread(target=run, name="jianbao-prebuild", daemon=True).start()


def build_issue(ws, issue_dir) -> dict:
    """Build PDF + DOCX of ``issue_dir`` into build/<id>/ — the CLI's build, with the warm engine."""
    from composer.commands.build import build

    t = time.perf_counter()
    with _BUILD_LOCK:
        paths, diags = build(ws, issue_dir, None, ["pdf", "docx"], worker=WarmPdf())
    seconds = time.perf_counter() - t
    if not paths:
        raise JianbaoError("这一期有错误，没有生成文件；请先改正下列问题。", tuple(d for d in diags if d.is_error))
    _built.add(issue_dir.resolve())
    shutil.rmtree(paths[0].parent / "pages", ignore_errors=True)  # pictures of the previous PDF
    return {"seconds": seconds, "pages": page_count(paths[0]), "warnings": [d for d in diags if not d.is_error]}


def page_count(pdf) -> int:
    """The PDF's page count from poppler's pdfinfo (0 when it is not installed)."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        return 0
    out = subprocess.run([exe, str(pdf)], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m[1]) if m else 0


_PICTURES = threading.BoundedSemaphore(2)  # pdftoppm processes at a time (the page loads them lazily)


def page_picture(pdf, n: int):
    """build/<id>/pages/page-N.png, drawn from the PDF on first request (None without pdftoppm)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return None
    png = pdf.parent / "pages" / f"page-{n}.png"
    if png.is_file() and png.stat().st_mtime >= pdf.stat().st_mtime:
        return png
    png.parent.mkdir(parents=True, exist_ok=True)
    with _PICTURES:
        tmp = png.with_name(f".page-{n}-{threading.get_ident()}")
        subprocess.run([exe, "-r", str(PAGE_DPI), "-png", "-singlefile", "-f", str(n), "-l", str(n), str(pdf), str(tmp)],
                       check=True, capture_output=True, timeout=60)
        tmp.with_suffix(".png").replace(png)
    return png


def _outputs(ws, issue_id: str) -> dict:
    out = ws.root / "build" / issue_id
    files = {ext: out / f"{issue_id}.{ext}" for ext in ("pdf", "docx")}
    found = {ext: p for ext, p in files.items() if p.is_file()}
    pages = list(range(1, page_count(found["pdf"]) + 1)) if "pdf" in found and shutil.which("pdftoppm") else []
    return {"pages": pages, **found}


def build_view(request):
    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    warm_up(ws)
    report = request.session.pop("build_report", None)
    return views.page(request, "issue_build.html", issue_id=d.name, outputs=_outputs(ws, d.name), report=report,
                      engine_warm=_warm_done.is_set())


def build_run(request):
    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    report = build_issue(ws, d)
    request.session["build_report"] = {"seconds": round(report["seconds"], 2), "pages": report["pages"],
                                       "warnings": len(report["warnings"])}
    return RedirectResponse(f"/issues/{d.name}/build", status_code=303)


def output_file(request):
    """A file of build/<issue>/: only the names the build writes, looked up among existing files."""
    ws = views.workspace(request)
    d = views.issue_dir(ws, request.path_params["issue_id"])
    name = request.path_params["name"]
    outputs = _outputs(ws, d.name)
    if (m := PAGE_PNG.match(name)) and int(m[1]) in outputs["pages"]:
        png = page_picture(outputs["pdf"], int(m[1]))
        if png is None:
            raise views.NotFound(name)
        return FileResponse(png, media_type="image/png", headers={"Cache-Control": "no-store"})
    for ext, media in (("pdf", "application/pdf"),
                       ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")):
        if name == f"{d.name}.{ext}" and ext in outputs:
            disposition = "attachment" if ext == "docx" else "inline"
            return FileResponse(outputs[ext], media_type=media, filename=name, content_disposition_type=disposition,
                                headers={"Cache-Control": "no-store"})
    raise views.NotFound(name)


def routes(route) -> list:
    return [
        route("/issues/{issue_id}/build", build_view, "issues.view", nav="issues"),
        route("/issues/{issue_id}/build", build_run, "issues.build", methods=("POST",), name="build_run"),
        route("/issues/{issue_id}/build/{name}", output_file, "issues.view"),
    ]
