"""``jianbao build ISSUE``: check, render every asked format, then write them all.

Rendering happens entirely in memory; files are written only when every format
rendered, each atomically, so a failed build leaves the old outputs in place.

The PDF is rendered by a forked worker that starts importing WeasyPrint (a
third of a second) while this process loads and checks the issue, then renders
the PDF while this process renders the DOCX and HTML: on two cores a full build
costs little more than the PDF alone.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from pathlib import Path

from composer.cliutil import progress
from composer.commands.check import load_checked
from composer.diagnostics import Diagnostic, JianbaoError, has_errors
from composer.output import check_targets, write_all

SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}


def render(ws, issue, fmt: str) -> bytes:
    progress(f"rendering {fmt} …")
    if fmt == "html":
        from composer.render import html

        return html.render(ws, issue).encode("utf-8")
    if fmt == "pdf":
        from composer.render import pdf

        return pdf.render(ws, issue)
    if fmt == "docx":
        from composer.render import docx

        return docx.render(ws, issue)
    raise ValueError(fmt)


def _pdf_worker(conn) -> None:
    try:
        # the slow imports, overlapped with the parent's loading and checking
        from composer.formats import pdf_engine
        from composer.render import justify, pdf  # noqa: F401

        pdf_engine.warm_up()

        job = conn.recv()
        if job is not None:
            ws, issue = job
            conn.send(("ok", render(ws, issue, "pdf")))
    except JianbaoError as e:
        conn.send(("error", (str(e), e.diagnostics)))
    except EOFError:
        pass  # the parent gave up
    except BaseException as e:  # a bug: hand its traceback to the parent
        conn.send(("bug", "".join(traceback.format_exception(e))))
    finally:
        conn.close()


class PdfWorker:
    """A forked process that renders one issue's PDF.

    Start it as early as possible (before the workspace is opened): its imports
    then overlap everything this process does before the PDF is needed.
    """

    def __init__(self):
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(target=_pdf_worker, args=(child_conn,), daemon=True)
        self._proc.start()
        child_conn.close()

    @classmethod
    def for_formats(cls, formats) -> PdfWorker | None:
        return cls() if "pdf" in formats and hasattr(os, "fork") else None

    def start(self, ws, issue) -> None:
        self._conn.send((ws, issue))

    def result(self) -> bytes:
        try:
            status, payload = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise JianbaoError(f"the PDF renderer stopped unexpectedly (exit code {self._proc.exitcode})") from None
        self._proc.join()
        if status == "error":
            raise JianbaoError(payload[0], payload[1])
        if status == "bug":
            raise RuntimeError("PDF rendering failed in the worker process:\n" + payload)
        return payload

    def cancel(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()


def render_outputs(ws, issue, out: Path | None, formats, worker: PdfWorker | None = None) -> dict[Path, bytes]:
    """``{output path: bytes}`` for a loaded, checked issue; nothing is written."""
    formats = list(dict.fromkeys(formats))
    if worker is None:
        worker = PdfWorker.for_formats(formats)
    try:
        if worker:
            worker.start(ws, issue)
        rendered = {fmt: render(ws, issue, fmt) for fmt in formats if not (worker and fmt == "pdf")}
        if worker:
            rendered["pdf"] = worker.result()
            worker = None
    finally:
        if worker:
            worker.cancel()
    out_dir = Path(out) if out else ws.root / "build" / issue.id
    files = {out_dir / f"{issue.id}{SUFFIX[fmt]}": rendered[fmt] for fmt in formats}
    check_targets(files, within=(ws.root, *([out] if out else ())))  # before publish touches the ledger
    return files


def build(
    ws, issue_arg, out: Path | None, formats, strict: bool = False, worker: PdfWorker | None = None
) -> tuple[list[Path], list[Diagnostic]]:
    """Check and render ``issue_arg``; ``worker`` is a PdfWorker started earlier, if any."""
    try:
        issue, diags = load_checked(ws, issue_arg)
    except BaseException:
        if worker:
            worker.cancel()
        raise
    if issue is None or has_errors(diags, strict):
        if worker:
            worker.cancel()
        return [], diags
    files = render_outputs(ws, issue, out, formats, worker)
    write_all(files)
    return list(files), diags
