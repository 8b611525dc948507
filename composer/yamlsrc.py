"""The only importer of ruamel.yaml: load with line marks, front matter, dump.

YAML 1.2 round-trip loading keeps each key's line (for diagnostics) and the
editor's comments and key order (for commands that edit a file in place).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from composer.diagnostics import Diagnostic, Source, error


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def parse(text: str, path: str, line_offset: int = 0, code: str = "J102") -> tuple[Any, list[Diagnostic]]:
    """Parse YAML text; a syntax error becomes a Diagnostic at its line."""
    try:
        return _yaml().load(text), []
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        return None, [error(Source(path, line), code, f"YAML does not parse: {problem}")]
    except YAMLError as e:  # duplicate keys and the like
        return None, [error(Source(path, 1 + line_offset), code, f"YAML does not parse: {e}")]


def load(root: Path, path: Path, code: str = "J102") -> tuple[Any, list[Diagnostic]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [error(Source(rel(root, path)), code, "file not found")]
    except UnicodeDecodeError:
        return None, [error(Source(rel(root, path)), code, "file is not UTF-8 text")]
    return parse(text, rel(root, path), code=code)


def line_of(node: Any, key: Any = None, base: int = 0) -> int:
    """1-based line of ``node`` (or of ``node[key]``), plus ``base``."""
    try:
        if key is None:
            return node.lc.line + 1 + base
        if isinstance(node, CommentedMap):
            return node.lc.key(key)[0] + 1 + base
        if isinstance(node, CommentedSeq):
            return node.lc.item(key)[0] + 1 + base
    except (AttributeError, KeyError, TypeError, IndexError):
        pass
    return base + 1


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """``(front matter text or None, body, line of the first body line)``.

    Front matter sits between a first line ``---`` and the next ``---`` line.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    return "".join(lines[1:]), "", len(lines) + 1


def dump(data: Any) -> str:
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def new_map(pairs=()) -> CommentedMap:
    m = CommentedMap()
    for k, v in pairs:
        m[k] = v
    return m


def flow(x: Any) -> Any:
    """A list or dict that dumps in flow style (``[a, b]``, ``{k: v}``)."""
    out = CommentedMap(x) if isinstance(x, dict) else CommentedSeq(x)
    out.fa.set_flow_style()
    return out


def is_map(x: Any) -> bool:
    return isinstance(x, dict)


def is_seq(x: Any) -> bool:
    return isinstance(x, list)
