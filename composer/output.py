"""Atomic writes: a reader sees the old file or the new one, never half of one.

:func:`write_all` writes every file to a temporary file beside its target first
and renames them into place only when all were written, so a full disk or a
read-only folder leaves every output as it was (folders it had to create are
removed again; should a rename fail after others succeeded, the old files,
kept as hard links, are put back).  A failure is an ``OSError`` naming the target path (not the
temporary file), which the command line turns into a one-line message.

``within``: the folders the outputs must stay in once symlinks are resolved
(the workspace, or the ``--out`` folder the user gave); a ``build/<id>`` that is
a symlink to ``/etc`` is refused before anything is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from composer import safeio


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _renamed(e: OSError, path: Path) -> OSError:
    """The same error, naming the target instead of a temporary file."""
    return type(e)(e.errno, e.strerror or str(e), str(path)) if e.errno else e


def _make_parents(folder: Path, created: list[Path]) -> None:
    """mkdir -p that records what it created (to remove it again on failure)."""
    missing = []
    p = folder
    while not p.exists():
        if p.is_symlink():  # a dangling link: never create its target
            raise NotADirectoryError(20, "a symbolic link to a missing folder is in the way", str(p))
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    if p.exists() and not p.is_dir():
        raise NotADirectoryError(20, "a file is in the way where a folder is needed", str(p))
    for m in reversed(missing):
        try:
            m.mkdir()
        except FileExistsError:
            if not m.is_dir():
                raise NotADirectoryError(20, "a file is in the way where a folder is needed", str(m)) from None
            continue
        created.append(m)


def _remove_created(created: list[Path]) -> None:
    for d in reversed(created):
        try:
            d.rmdir()
        except OSError:
            pass


def _temp_beside(path: Path, raw: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp makes 0600; keep the file's mode or follow the umask
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return tmp


def check_targets(paths, within=()) -> None:
    """Refuse outputs that would land outside ``within`` (symlinks resolved) or on a folder."""
    if not within:
        return
    for path in paths:
        safeio.confined(None, Path(path), tuple(Path(w) for w in within))
        if Path(path).is_dir():
            raise IsADirectoryError(21, "a folder is in the way where the file should be written", str(path))


def write_atomic(path: Path, data: bytes | str, within=()) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    write_all({Path(path): data}, within=within)


def write_all(files: dict[Path, bytes | str], within=()) -> None:
    """Write several outputs: all of them, or (on any failure) none.

    Callers render everything to bytes first, then call this.
    """
    files = {Path(p): d for p, d in files.items()}
    check_targets(files, within)
    created: list[Path] = []
    temps: list[tuple[str, Path]] = []
    replaced: list[Path] = []
    backups: dict[Path, str] = {}
    current = None
    try:
        for path, data in files.items():
            current = path
            _make_parents(path.parent, created)
            raw = data.encode("utf-8") if isinstance(data, str) else data
            temps.append((_temp_beside(path, raw), path))
        if os.environ.get("JIANBAO_TEST_PAUSE_BEFORE_REPLACE"):
            _test_pause(files)
        if len(temps) > 1:  # a later rename may fail: keep the old files to put back
            backups = _backups([p for _, p in temps])
        while temps:
            tmp, current = temps[0]
            os.replace(tmp, current)
            temps.pop(0)
            replaced.append(current)
    except OSError as e:
        _discard(temps)
        _restore(replaced, backups)
        _remove_created(created)
        raise _renamed(e, current) from None
    except BaseException:
        _discard(temps)
        _restore(replaced, backups)
        _remove_created(created)
        raise
    finally:
        for b in backups.values():
            _unlink(b)


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _discard(temps) -> None:
    for tmp, _ in temps:
        _unlink(tmp)


def _backups(paths: list[Path]) -> dict[Path, str]:
    """A hard link to each existing target, so that a failed commit can put the old file back."""
    out: dict[Path, str] = {}
    for p in paths:
        if p.is_file():
            b = str(p.parent / f".{p.name}.{os.getpid()}.old")
            _unlink(b)
            os.link(p, b)
            out[p] = b
    return out


def _restore(replaced: list[Path], backups: dict[Path, str]) -> None:
    """Undo the renames done before a failure: old files back, new files gone."""
    for p in reversed(replaced):
        try:
            if p in backups:
                os.replace(backups.pop(p), p)
            else:
                os.unlink(p)
        except OSError:
            pass


def _test_pause(files) -> None:
    """Crash tests kill the process here (optionally only for paths containing JIANBAO_TEST_PAUSE_PATH)."""
    want = os.environ.get("JIANBAO_TEST_PAUSE_PATH", "")
    if any(want in p.as_posix() for p in files):
        import time

        time.sleep(float(os.environ["JIANBAO_TEST_PAUSE_BEFORE_REPLACE"]))
