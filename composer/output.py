"""Atomic writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp makes 0600; keep the file's mode or follow the umask
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        if os.environ.get("JIANBAO_TEST_PAUSE_BEFORE_REPLACE") and os.environ.get("JIANBAO_TEST_PAUSE_PATH", "") in path.as_posix():
            # crash tests kill the process here (optionally only for paths containing JIANBAO_TEST_PAUSE_PATH)
            import time

            time.sleep(float(os.environ["JIANBAO_TEST_PAUSE_BEFORE_REPLACE"]))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_all(files: dict[Path, bytes | str]) -> None:
    """Write several outputs; each lands atomically, none is written if one fails to render.

    Callers render everything to bytes first, then call this.
    """
    for path, data in files.items():
        write_atomic(path, data)
