"""The audit trail: in a git workspace every write through the web is one commit.

The commit holds only the files that write changed (never whatever else happens
to be modified or staged), its author is the account that made the change, and
its message says what changed.  A workspace that is not a git repository is
simply written; the files are still the truth.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from composer.web.access import Principal

_ENV = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C.UTF-8"}
_COMMITTING = threading.Lock()  # one git index per repository: concurrent requests commit one after another


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=_ENV, check=check)


def is_repository(root: Path) -> bool:
    try:
        r = _git(root, "rev-parse", "--show-toplevel", check=False)
    except FileNotFoundError:  # no git installed: nothing to audit with
        return False
    return r.returncode == 0


def author_of(principal: Principal) -> tuple[str, str]:
    """``(name, email)`` for the commit author: the account, or the local git identity."""
    if principal.local:
        return "", ""
    label = principal.name + (f"（{principal.unit}）" if principal.unit else "")
    return label, f"{principal.name}@jianbao.invalid"


def commit(root: Path, paths: list[Path], message: str, principal: Principal) -> str | None:
    """Commit exactly ``paths`` (added, changed or deleted) as one commit; the new commit id or None.

    None when the workspace is not a repository or nothing in ``paths`` changed.
    """
    if not paths or not is_repository(root):
        return None
    with _COMMITTING:
        return _commit(root, paths, message, principal)


def _commit(root: Path, paths: list[Path], message: str, principal: Principal) -> str | None:
    rels = [os.path.relpath(Path(p).resolve(), root.resolve()) for p in paths]
    _git(root, "add", "-A", "--", *rels)
    if _git(root, "diff", "--cached", "--quiet", "--", *rels, check=False).returncode == 0:
        return None
    name, email = author_of(principal)
    ident = []
    if not _git(root, "config", "user.email", check=False).stdout.strip():
        ident = ["-c", "user.name=jianbao", "-c", "user.email=jianbao@localhost"]
    author = [f"--author={name} <{email}>"] if name else []
    r = subprocess.run(["git", "-C", str(root), *ident, "commit", "-q", "-m", message, *author, "--", *rels],
                       capture_output=True, text=True, env=_ENV)
    if r.returncode != 0:
        raise OSError(f"git commit failed: {r.stderr.strip() or r.stdout.strip()}")
    return _git(root, "rev-parse", "HEAD").stdout.strip()


@dataclass(frozen=True, slots=True)
class Change:
    commit: str
    author: str
    date: str
    message: str


def history(root: Path, path: Path, limit: int = 50) -> list[Change]:
    """The commits that touched ``path``, newest first (empty outside a repository)."""
    if not is_repository(root):
        return []
    rel = os.path.relpath(Path(path).resolve(), root.resolve())
    r = _git(root, "log", f"-n{limit}", "--format=%H%x1f%an%x1f%aI%x1f%s", "--follow", "--", rel, check=False)
    out = []
    for line in r.stdout.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 4:
            out.append(Change(*parts))
    return out


def tracked(root: Path) -> set[str]:
    """Workspace-relative paths of every file git tracks (empty outside a repository)."""
    if not is_repository(root):
        return set()
    top = Path(_git(root, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    out = set()
    for name in _git(root, "ls-files", "-z", "--full-name", check=False).stdout.split("\0"):
        if name:
            out.add(os.path.relpath(top / name, root.resolve()))
    return out


def change_diff(root: Path, commit: str, path: Path, limit: int = 200_000) -> str:
    """What ``commit`` changed in ``path`` (a unified diff, cut at ``limit`` characters)."""
    rel = os.path.relpath(Path(path).resolve(), root.resolve())
    r = _git(root, "show", "--format=", "--no-color", "--no-ext-diff", commit, "--", rel, check=False)
    return r.stdout[:limit]
