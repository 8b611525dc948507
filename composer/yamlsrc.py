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
from ruamel.yaml.resolver import VersionedResolver

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


def parse_for_edit(text: str, path: str, line_offset: int = 0, code: str = "J102") -> tuple[Any, list[Diagnostic]]:
    """Like :func:`parse`, keeping each string's quoting too, for a command that dumps the data back
    (an edited front matter keeps ``"…"`` where the editor wrote them)."""
    y = _yaml()
    y.preserve_quotes = True
    try:
        return y.load(text), []
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        return None, [error(Source(path, (mark.line + 1 if mark else 1) + line_offset), code,
                            f"YAML does not parse: {problem}")]
    except YAMLError as e:
        return None, [error(Source(path, 1 + line_offset), code, f"YAML does not parse: {e}")]


_STR_TAG = "tag:yaml.org,2002:str"


class _FastResolver(VersionedResolver):
    """The YAML 1.2 resolver, its table looked up once instead of once per scalar."""

    _table = None

    @property
    def versioned_resolver(self):
        if self._table is None:
            self._table = VersionedResolver.versioned_resolver.fget(self)
        return self._table


def parse_fast(text: str, path: str, code: str = "J102") -> tuple[Any, list[Diagnostic]]:
    """Like :func:`parse` (same values, same line marks for :func:`line_of`), through the C parser
    when ruamel.yaml.clib is installed: ~10x faster for big files that are only read (the ledger).
    Comments are not kept: never dump what this returns.
    """
    try:
        y = YAML(typ="safe", pure=False)
        y.Resolver = _FastResolver
        node = y.compose(text)
    except ImportError:  # no C parser: the round-trip loader gives the same values and lines
        return parse(text, path, code=code)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        return None, [error(Source(path, mark.line + 1 if mark else 1), code, f"YAML does not parse: {problem}")]
    except YAMLError as e:
        return None, [error(Source(path, 1), code, f"YAML does not parse: {e}")]
    if node is None:
        return None, []
    diags: list[Diagnostic] = []
    construct = y.constructor.construct_object

    def build(n):
        if isinstance(n.value, list) and n.id == "mapping":
            m = CommentedMap()
            m.lc.line, m.lc.col = n.start_mark.line, n.start_mark.column
            for kn, vn in n.value:
                k = build(kn)
                if k in m:
                    diags.append(error(Source(path, kn.start_mark.line + 1), code,
                                       f"YAML does not parse: duplicate key {k!r}"))
                    continue
                m[k] = build(vn)
                m.lc.add_kv_line_col(k, [kn.start_mark.line, kn.start_mark.column,
                                         vn.start_mark.line, vn.start_mark.column])
            return m
        if n.id == "sequence":
            s = CommentedSeq()
            s.lc.line, s.lc.col = n.start_mark.line, n.start_mark.column
            for i, vn in enumerate(n.value):
                s.append(build(vn))
                s.lc.add_kv_line_col(i, [vn.start_mark.line, vn.start_mark.column])
            if n.flow_style:
                s.fa.set_flow_style()
            return s
        if str(getattr(n.tag, "value", n.tag)) == _STR_TAG:
            return n.value
        return construct(n, deep=True)

    data = build(node)
    return (None, diags) if diags else (data, [])


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
