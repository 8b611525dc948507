"""Helpers of the hardening tests: run the CLI as a user would, snapshot a tree's bytes."""

from __future__ import annotations

import builtins
import errno
import io
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from composer.cli import main
from tests.conftest import base_files, write_files


@dataclass
class Run:
    code: int
    out: str  # stdout and stderr together
    exception: BaseException | None


def jianbao(root: Path, *args, input: str | None = None) -> Run:
    """``jianbao -C root ARGS`` in process; asserts what every bad input must give: no traceback."""
    result = CliRunner().invoke(main, ["-C", str(root), *map(str, args)], input=input)
    out = result.output
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"an exception escaped the CLI: {exc!r}\n{out}"
    assert "Traceback" not in out, out
    return Run(result.exit_code, out, exc)


def jianbao_process(root: Path, *args, env: dict | None = None, preexec_fn=None, timeout: float = 60) -> Run:
    """The same in a child process (for limits that must not touch the test process)."""
    proc = subprocess.run([sys.executable, "-m", "composer", "-C", str(root), *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, preexec_fn=preexec_fn, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    return Run(proc.returncode, out, None)


def fails(run: Run, *names: str) -> None:
    """Exit code 1 and every one of ``names`` (a file, a reason) in the message."""
    assert run.code == 1, run.out
    for n in names:
        assert n in run.out, f"{n!r} not in:\n{run.out}"


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: file bytes, folders, symlink targets (symlinks not followed)."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = "dir"
            elif p.is_file():
                out[rel] = p.read_bytes()
            else:
                out[rel] = "special"
    return out


def workspace(tmp_path: Path, files: dict | None = None, name: str = "ws") -> Path:
    merged: dict = base_files()
    merged.update(files or {})
    return write_files(tmp_path / name, {k: v for k, v in merged.items() if v is not None})


def item(front: str, body: str = "正文内容。") -> str:
    return f"---\n{front}\n---\n{body}\n"


ITEM_FRONT = "title: 测试信息\nunits: [利用科]\nsection: 工作动态"


@contextmanager
def read_only(folder: Path, code: int = errno.EACCES):
    """Make ``folder`` read-only for this process, as the kernel would (tests run as root, which
    ignores permissions, and a read-only mount needs privileges): creating, writing, renaming or
    removing anything under it raises ``OSError(code)`` — EACCES as for a folder without write
    permission, EROFS as on a read-only file system.  Reading stays possible."""
    folder = Path(os.path.abspath(folder))
    reason = os.strerror(code)

    def inside(path) -> bool:
        if isinstance(path, int):  # a file descriptor (dir_fd forms): not used by jianbao's writes
            return False
        p = Path(os.path.abspath(os.fsdecode(path)))
        return p == folder or folder in p.parents

    def refuse(path):
        raise OSError(code, reason, os.fsdecode(path))

    real = {name: getattr(os, name) for name in ("open", "mkdir", "replace", "rename", "link", "unlink", "remove",
                                                 "rmdir", "symlink", "truncate", "chmod", "utime")}
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def _open(path, flags, *a, **k):
        if flags & writing and inside(path):
            refuse(path)
        return real["open"](path, flags, *a, **k)

    def one(name):
        def guarded(path, *a, **k):
            if inside(path) and (path != folder or name not in ("chmod", "utime")):
                refuse(path)
            return real[name](path, *a, **k)
        return guarded

    def two(name):
        def guarded(src, dst, *a, **k):
            for p in (src, dst):
                if inside(p):
                    refuse(p)
            return real[name](src, dst, *a, **k)
        return guarded

    patched = {"open": _open, **{n: one(n) for n in ("mkdir", "unlink", "remove", "rmdir", "truncate", "chmod",
                                                     "utime")},
               **{n: two(n) for n in ("replace", "rename", "link", "symlink")}}
    real_io_open = io.open

    def _io_open(file, mode="r", *a, **k):  # open(), Path.open/write_text: not through os.open
        if any(c in mode for c in "wax+") and not isinstance(file, int) and inside(file):
            refuse(file)
        return real_io_open(file, mode, *a, **k)

    for name, f in patched.items():
        setattr(os, name, f)
    io.open = builtins.open = _io_open
    try:
        yield folder
    finally:
        for name, f in real.items():
            setattr(os, name, f)
        io.open = builtins.open = real_io_open


def crash_reports_in(monkeypatch, folder: Path) -> None:
    """Make the CLI save its crash reports (``$TMPDIR/jianbao-crash-*.txt``) under ``folder``."""
    import tempfile

    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches the folder it found first
