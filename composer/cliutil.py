"""Shared command-line plumbing: workspace option, diagnostics output, exit codes."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path

import click

from composer import safeio
from composer.diagnostics import Diagnostic, JianbaoError, Source, format_json, has_errors, sort_key


def excerpt(root: Path | None, source: Source) -> str | None:
    """The offending line of the file, for the human-readable format."""
    if root is None or not source.line:
        return None
    try:  # through safeio: never echo a file outside the workspace, a FIFO or a huge file
        text = safeio.read_text(root, root / source.path, kind="text")
    except (JianbaoError, OSError):
        return None
    lines = text.split("\n")
    if 0 < source.line <= len(lines):
        return lines[source.line - 1].rstrip("\r")
    return None


def format_text(diags, root: Path | None = None) -> str:
    out = []
    for d in sorted(diags, key=sort_key):
        out.append(f"{d.source}: {d.severity.value}[{d.code} {d.name}]: {d.message}")
        line = excerpt(root, d.source)
        if line is not None:
            out.append(f"  {d.source.line} | {line}")
        if d.hint:
            out.append(f"  hint: {d.hint}")
    return "\n".join(out)


def workspace(ctx: click.Context):
    """Open the workspace named by ``-C`` (or the current directory), once per run."""
    from composer.workspace import open_workspace

    obj = ctx.ensure_object(dict)
    if "ws" not in obj:
        obj["ws"] = open_workspace(obj.get("dir"))
    return obj["ws"]


def folder_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Callback of --out/--into: an empty value is a mistake (it would mean the current folder)."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("give a folder (an empty value would write into the current folder)")
    return Path(value)


def emit(diags: list[Diagnostic], root: Path | None, fmt: str = "text") -> None:
    """Print diagnostics to stderr (text) or stdout (json)."""
    if fmt == "json":
        click.echo(format_json(diags))
    elif diags:
        click.echo(format_text(diags, root), err=True)


@contextlib.contextmanager
def json_on_failure(ctx: click.Context, fmt: str):
    """With ``--format json``, stdout is JSON also when the command stops before its diagnostics
    (no workspace, a broken jianbao.yml, an unknown issue, a FIFO, a bug): tools parse it.
    The error itself still goes to stderr as text and the exit code is 1."""
    if fmt != "json":
        yield
        return
    try:
        yield
    except JianbaoError as e:
        click.echo(format_json(list(e.as_diagnostics())))
        raise
    except OSError as e:
        ws = (ctx.obj or {}).get("ws")
        name = e.filename if isinstance(e.filename, (str, os.PathLike)) else "<jianbao>"
        click.echo(format_json([Diagnostic(Source(os.fspath(name)), "J105", os_message(e, ws.root if ws else None))]))
        raise
    except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
        raise
    except Exception as e:  # noqa: BLE001 - a bug: the crash report, and the JSON says where it is
        message = crash(e, ctx)
        click.echo(format_json([Diagnostic(Source("<jianbao>"), "J100", message)]))
        raise click.ClickException(message) from None


def finish(diags: list[Diagnostic], root: Path | None, fmt: str = "text", strict: bool = False) -> None:
    """Print diagnostics and exit 1 on an error (or any warning with --strict)."""
    emit(diags, root, fmt)
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if fmt != "json" and diags:
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if has_errors(diags, strict):
        sys.exit(1)


def fail(e: JianbaoError, root: Path | None = None) -> None:
    message = str(e)
    if e.diagnostics:
        shown = format_text(list(e.diagnostics), root)
        click.echo(shown, err=True)
        if len(e.diagnostics) == 1 and e.diagnostics[0].message in message:
            message = "stopped (see the error above)"  # the diagnostic already says what and where
    raise click.ClickException(message)


def progress(message: str) -> None:
    """Progress for long work goes to stderr, so stdout stays machine-readable."""
    click.echo(message, err=True)


def os_message(e: OSError, root: Path | None = None) -> str:
    """``PATH: reason`` for a failed read or write (disk full, read-only folder, a file where a folder should be)."""
    from composer.safeio import display

    reason = e.strerror or str(e) or type(e).__name__
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EEXIST: "a file is in the way",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EFBIG: "the file is too large for this file system or limit",
    }
    reason = reasons.get(e.errno, reason[:1].lower() + reason[1:])
    name = e.filename if e.filename is not None else None
    where = display(root, Path(name)) if isinstance(name, (str, os.PathLike)) else "a file"
    if e.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG):
        return f"cannot write {where}: {reason}"
    return f"{where}: {reason}"


def crash(e: BaseException, ctx: click.Context | None = None) -> str:
    """Save the traceback of an unexpected error to a report file; the short message naming it."""
    import datetime as dt
    import platform
    import tempfile
    import traceback

    from composer import __version__

    text = "\n".join([
        f"jianbao {__version__} crash report, {dt.datetime.now().isoformat(timespec='seconds')}",
        f"command: {' '.join(map(str, (ctx.meta.get('jianbao.argv') if ctx else None) or sys.argv))}",
        f"python {platform.python_version()} on {platform.platform()}",
        "",
        "".join(traceback.format_exception(e)),
    ])
    try:
        fd, path = tempfile.mkstemp(prefix="jianbao-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        where = f"the details are saved in {path}"
    except OSError:
        where = "the details could not be saved"
    summary = f"{type(e).__name__}: {e}".splitlines()[0][:200] if str(e) else type(e).__name__
    return (f"internal error ({summary}); this is a bug in jianbao, not in your files. {where}; "
            "please send that file with the report (see SECURITY.md)")
