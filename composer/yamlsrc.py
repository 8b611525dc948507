"""The only importer of ruamel.yaml: load with line marks, front matter, dump.

YAML 1.2 round-trip loading keeps each key's line (for diagnostics) and the
editor's comments and key order (for commands that edit a file in place).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

from composer.diagnostics import Diagnostic, Source, error

# An alias repeats a subtree; a few of them nested ("billion laughs") expand a
# 1 KB file into billions of nodes for every later walk.  At most this many
# nodes may come from aliases beyond those written in the file.
MAX_ALIAS_NODES = 10_000


class AliasBomb(MarkedYAMLError):
    def __init__(self, message: str, mark):
        super().__init__(problem=message, problem_mark=mark)


def guard_aliases(node, limit: int = MAX_ALIAS_NODES) -> None:
    """Raise AliasBomb when aliases in the composed ``node`` expand beyond ``limit`` extra nodes
    or refer to themselves.  Memoised: linear in the nodes written."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    written = [0]

    def size(n) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise AliasBomb("an alias refers to the node that contains it (a recursive structure)", n.start_mark)
        active.add(key)
        written[0] += 1
        total = 1
        if n.id == "mapping":
            for k, v in n.value:
                total += size(k) + size(v)
        elif n.id == "sequence":
            for v in n.value:
                total += size(v)
        active.discard(key)
        sizes[key] = total
        if total - written[0] > limit:
            raise AliasBomb(f"aliases (*name) expand to more than {limit:,} repeated values", n.start_mark)
        return total

    size(node)


class _Constructor(RoundTripConstructor):
    """Round-trip constructor: an impossible date (2024-02-30) is a marked error, not a ValueError."""

    def construct_yaml_timestamp(self, node, values=None):
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError) as e:
            raise ConstructorError(None, None, f"{node.value!r} is not a calendar date ({e})", node.start_mark) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


_DEEP = re.compile(r"[\[{](?:\s*[\[{]|\s*[^\s\[\]{},:]+\s*:\s*[\[{]){100,}")


def parse(text: str, path: str, line_offset: int = 0, code: str = "J102") -> tuple[Any, list[Diagnostic]]:
    """Parse YAML text; a syntax error becomes a Diagnostic at its line."""
    deep = _DEEP.search(text)
    if deep:
        line = text.count("\n", 0, deep.start()) + 1 + line_offset
        return None, [error(Source(path, line), code, "YAML is nested too deeply (more than 100 levels)")]
    try:
        y = _yaml()
        if "&" in text:  # anchors: look at the expansion before building anything
            node = y.compose(text)
            if node is not None:
                guard_aliases(node)
        return y.load(text), []
    except RecursionError:
        return None, [error(Source(path, 1 + line_offset), code, "YAML is nested too deeply")]
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
        if node is not None and "&" in text:
            guard_aliases(node)
    except ImportError:  # no C parser: the round-trip loader gives the same values and lines
        return parse(text, path, code=code)
    except RecursionError:
        return None, [error(Source(path, 1), code, "YAML is nested too deeply")]
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
        try:
            return construct(n, deep=True)
        except (ValueError, OverflowError, YAMLError):  # 2024-02-30: kept as text, the schema check reports it
            return n.value if isinstance(n.value, str) else None

    try:
        data = build(node)
    except RecursionError:
        return None, [error(Source(path, 1), code, "YAML is nested too deeply")]
    return (None, diags) if diags else (data, [])


def load(root: Path, path: Path, code: str = "J102", expect: str = "keys",
         allowed: tuple[Path, ...] = ()) -> tuple[Any, list[Diagnostic]]:
    """A workspace YAML file (read through composer.safeio: inside the workspace, bounded, clean text).

    An empty file is an error that says what the file should hold (``expect``).
    """
    from composer import safeio

    try:
        text = safeio.read_text(root, path, kind="yaml", allowed=allowed, missing_ok=True)
    except safeio.FileProblem as e:
        return None, [e.diagnostic()]
    if text is None:
        return None, [error(Source(rel(root, path)), code, "file not found")]
    data, diags = parse(text, rel(root, path), code=code)
    if data is None and not diags:
        diags = [error(Source(rel(root, path), 1), code, f"the file is empty; it should hold {expect}",
                       "see docs/formats.md for an example")]
    return data, diags


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


def edit_roundtrip(text: str, edit) -> str:
    """``text`` loaded round-trip (comments, order and quoting kept), changed by ``edit(data)``, dumped."""
    y = _yaml()
    y.preserve_quotes = True
    data = y.load(text)
    edit(data)
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


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
