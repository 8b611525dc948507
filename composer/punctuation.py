"""Half-width punctuation between Chinese characters: find it (``check``) and fix it (``check --fix``).

Text imported from Word or typed on an English keyboard carries ``, ; ( ) : ? !``
where Chinese text wants ``，；（）：？！``.  A mark counts when a Chinese
character (or a full-width mark) stands next to it, ignoring spaces; a bracket
pair counts when either side of the opening bracket or anything inside the pair
is Chinese, and then both brackets change.  Left alone: numbers (1,000, 10:30),
URLs, inline code and fenced code, Markdown syntax (``](link)``, ``![image]``,
an ordered-list marker ``1)``, reference definitions) and front-matter keys other
than ``title`` and ``subtitle``.

The fix changes only those characters (and the spaces between a converted mark
and the Chinese text); the body is edited character by character, the front
matter through a ruamel round trip that keeps comments, quoting and key order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FULL = {",": "，", ";": "；", "(": "（", ")": "）", ":": "：", "?": "？", "!": "！"}
TEXT_KEYS = ("title", "subtitle")  # front-matter values that are printed text

_SKIP = re.compile(
    r"`+[^`]*`+"                       # inline code
    r"|<[a-z][a-z0-9+.-]*:[^>\s]*>"     # autolink <https://…>
    r"|(?:https?|ftp)://\S+|www\.\S+"   # bare URLs
    r"|\]\((?:[^()\s]|\([^()\s]*\))*\)"  # link / image destination ](…), one level of (…) inside
    r"|\]\[[^\]]*\]"                    # reference link ][ref]
    r"|!\[",                            # image start ![
    re.I,
)
_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s")
_LIST_MARK = re.compile(r"^\s*\d{1,9}\)")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x2018 <= o <= 0x201D or o == 0x2014 or o == 0x2026)


@dataclass(frozen=True, slots=True)
class Fix:
    start: int  # index in the text of the first character replaced (a mark, or a space before it)
    end: int  # index after the last one
    mark: str  # the half-width mark
    column: int  # 0-based column of the mark in the text

    @property
    def replacement(self) -> str:
        return FULL[self.mark]


def _neighbour(text: str, i: int, step: int) -> tuple[str, int]:
    """The nearest non-space character from ``i`` in direction ``step`` and its index (or "" and i)."""
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return (text[j], j) if 0 <= j < len(text) else ("", i)


def find(text: str, skip_list_marker: bool = False) -> list[Fix]:
    """The half-width marks of one line of text that should be full-width."""
    protected = [False] * len(text)
    for m in _SKIP.finditer(text):
        for k in range(m.start(), m.end()):
            protected[k] = True
    if skip_list_marker and (m := _LIST_MARK.match(text)):
        for k in range(m.start(), m.end()):
            protected[k] = True
    marks: dict[int, str] = {}
    # brackets: pair them up first
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for i, ch in enumerate(text):
        if protected[i]:
            continue
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            pairs[stack.pop()] = i
    for i, ch in enumerate(text):
        if protected[i] or ch not in FULL:
            continue
        prev, _ = _neighbour(text, i, -1)
        nxt, _ = _neighbour(text, i, +1)
        if ch == "(":
            close = pairs.get(i)
            inner = text[i + 1:close] if close is not None else ""
            if is_cjk(prev or " ") or is_cjk(nxt or " ") or any(is_cjk(c) for c in inner):
                marks[i] = ch
                if close is not None:
                    marks[close] = ")"
            continue
        if ch == ")":
            if i not in marks and i not in pairs.values() and (is_cjk(prev or " ") or is_cjk(nxt or " ")):
                marks[i] = ch
            continue
        if prev.isdigit() and nxt.isdigit():
            continue  # 1,000 and 10:30
        if ch == "!" and nxt == "[":
            continue
        if is_cjk(prev or " ") or is_cjk(nxt or " "):
            marks[i] = ch
    fixes = []
    for i in sorted(marks):
        start, end = i, i + 1
        prev, pj = _neighbour(text, i, -1)
        nxt, nj = _neighbour(text, i, +1)
        # a full-width mark carries its own space: the ASCII spaces around it go, except
        # outside a bracket pair next to Latin text ("see （附件） ok" keeps those two)
        if prev and (marks[i] != "(" or is_cjk(prev)):
            start = pj + 1
        if nxt and (marks[i] != ")" or is_cjk(nxt)):
            end = nj
        fixes.append(Fix(start=start, end=end, mark=marks[i], column=i))
    return fixes


def apply(text: str, fixes: list[Fix]) -> str:
    out, at = [], 0
    for f in fixes:
        out.append(text[at:f.start])
        out.append(f.replacement)
        at = f.end
    out.append(text[at:])
    return "".join(out)


def fix_text(text: str) -> str:
    return apply(text, find(text))


# ---------------------------------------------------------------- Markdown item files

@dataclass(frozen=True, slots=True)
class Finding:
    line: int  # 1-based line in the file
    column: int  # 1-based column (characters)
    mark: str
    context: str  # a few characters around the mark


def _front_matter_end(lines: list[str]) -> int:
    """Index of the closing ``---`` line of the front matter, or -1 when there is none."""
    if not lines or lines[0].strip() != "---":
        return -1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return i
    return -1


_KEY_VALUE = re.compile(r"^(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*?)\s*$")


def scan(text: str) -> list[Finding]:
    """Every half-width mark to convert in an item file (front-matter text values and Markdown body)."""
    lines = text.split("\n")
    fm_end = _front_matter_end(lines)
    out: list[Finding] = []
    fenced = False
    for n, line in enumerate(lines):
        if 0 < n < fm_end:
            m = _KEY_VALUE.match(line)
            if not m or m["key"] not in TEXT_KEYS or not m["value"]:
                continue
            candidates = find(line[m.start("value"):])
            offset = m.start("value")
        elif fm_end > 0 and n in (0, fm_end):
            continue
        else:
            if _FENCE.match(line):
                fenced = not fenced
                continue
            if fenced or _REFDEF.match(line):
                continue
            candidates = find(line, skip_list_marker=True)
            offset = 0
        for f in candidates:
            col = f.column + offset
            out.append(Finding(n + 1, col + 1, line[col], line[max(0, col - 6):col + 7]))
    return out


def fix_file_text(text: str) -> str:
    """The file with every finding converted: body by characters, front matter by a ruamel round trip."""
    from composer import yamlsrc

    lines = text.split("\n")
    fm_end = _front_matter_end(lines)
    body_from = fm_end + 1 if fm_end > 0 else 0
    body, fenced = [], False
    for line in lines[body_from:]:
        if _FENCE.match(line):
            fenced = not fenced
            body.append(line)
            continue
        body.append(line if fenced or _REFDEF.match(line) else apply(line, find(line, skip_list_marker=True)))
    head = lines[:body_from]
    if fm_end > 0:
        fm_text = "\n".join(lines[1:fm_end]) + "\n"
        changed = False

        def edit(data):
            nonlocal changed
            if not yamlsrc.is_map(data):
                return
            for key in TEXT_KEYS:
                value = data.get(key)
                if isinstance(value, str) and fix_text(value) != value:
                    data[key] = type(value)(fix_text(value))  # keeps ruamel's quoting style
                    changed = True

        new_fm = yamlsrc.edit_roundtrip(fm_text, edit)
        if changed:
            head = [lines[0], *new_fm.rstrip("\n").split("\n"), lines[fm_end]]
    return "\n".join(head + body)


def fix_file(path: Path, root: Path | None = None) -> int:
    """Convert the marks of one item file in place (atomically); returns how many were converted."""
    from composer import safeio
    from composer.output import write_atomic

    text = safeio.read_text(root, path, kind="markdown")
    n = len(scan(text))
    if n:
        new = fix_file_text(text)
        if new != text:
            write_atomic(path, new)
    return n
