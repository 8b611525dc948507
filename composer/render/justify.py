"""Break Chinese paragraphs into lines justified to the full measure (LAYOUT §5.3).

WeasyPrint does not justify CJK text, so the print HTML carries its own lines:
each line is a nowrap block with a letter-spacing that makes it exactly the
measure wide.  Advances come from HarfBuzz shaping (``fonts.Measurer``).

Line breaking is greedy with kinsoku: no closing punctuation at a line start,
no opening punctuation at a line end, digit/Latin runs, ``——`` and ``……``
never split.  A closing mark that overflows by at most half a character is
pushed in (the line is squeezed) rather than pulling a character down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# characters that must not start a line
NO_START = frozenset("，。、；：？！）》」』】〕〉〗〙〟”’｝］＞·・%％‰℃,.;:?!)]}>…—～々ゝゞ")
# characters that must not end a line
NO_END = frozenset("（《「『【〔〈〖〘〝“‘｛［＜([{<")

_CLUSTER = re.compile(
    r"[0-9A-Za-z\u00C0-\u024F]+(?:[.,:/'\-+][0-9A-Za-z\u00C0-\u024F]+)*[%％]?"  # words, numbers, 4417.2, 2.5%
    r"|—+|…+|─+"                                                               # dashes and ellipses stay whole
    r"|\s+"                                                                    # spaces (break opportunities)
    r"|.",
    re.S,
)


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of paragraph text in one font role; ``cls`` is the CSS class it prints with."""

    text: str
    role: str = "body"
    cls: str = ""
    keep: bool = False  # break only at its spaces (a credit such as （调查监测科 高唐局）)


@dataclass(frozen=True, slots=True)
class Line:
    pieces: tuple[Run, ...]
    natural: float  # pt, at the tracking given to break_lines
    chars: int  # letter-spacing slots (characters)
    last: bool  # the paragraph's last line
    tracking: float = 0.0

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)

    def spacing(self, width: float) -> float:
        """Letter-spacing (pt) that makes this line ``width`` wide; the tracking alone on a last line."""
        if self.last or self.chars == 0:
            return self.tracking + min(0.0, (width - self.natural) / max(self.chars, 1))
        return self.tracking + min(8.0, (width - self.natural) / self.chars)


@dataclass(slots=True)
class _Cluster:
    text: str
    role: str
    cls: str
    width: float

    @property
    def space(self) -> bool:
        return self.text.isspace()


def _clusters(runs: list[Run], measure, size: float, tracking: float) -> list[_Cluster]:
    out: list[_Cluster] = []
    for run in runs:
        if run.keep:
            for t in re.findall(r"\s+|\S+", run.text):
                t = " " if t.isspace() else t
                out.append(_Cluster(t, run.role, run.cls, measure(run.role, t) * size + len(t) * tracking))
            continue
        for m in _CLUSTER.finditer(run.text):
            t = m.group(0)
            if t.isspace():
                t = " " if "\n" not in t else "\n"
            w = 0.0 if t == "\n" else measure(run.role, t) * size + len(t) * tracking
            out.append(_Cluster(t, run.role, run.cls, w))
    return out


def _units(clusters: list[_Cluster]) -> list[list[_Cluster]]:
    """Group clusters into unbreakable units (kinsoku glue)."""
    units: list[list[_Cluster]] = []
    for c in clusters:
        if not units or c.text == "\n" or units[-1][-1].text == "\n":
            units.append([c])
            continue
        prev = units[-1][-1]
        glue = (
            (not c.space and c.text[0] in NO_START)
            or (not prev.space and prev.text[-1] in NO_END)
            or (not c.space and not prev.space and c.text[0].isascii() and c.text[0].isalnum()
                and prev.text[-1].isascii() and prev.text[-1].isalnum())
        )
        if glue:
            units[-1].append(c)
        else:
            units.append([c])
    return units


def break_lines(runs: list[Run], measure, *, width: float, indent: float = 0.0, size: float = 16.0,
                tracking: float = 0.0, squeeze: float = 0.5) -> list[Line]:
    """Greedy kinsoku line breaking of ``runs`` into lines of ``width`` pt (first line ``width - indent``).

    ``measure(role, cluster) -> ems``; ``tracking`` (pt) is added to every character's
    advance (the grid: 28 characters of 16 pt in 442.2 pt need -0.207 pt); ``squeeze`` is
    the overflow (in ems) a line may absorb when the unit that overflows ends in
    closing punctuation.
    """
    units = _units(_clusters(runs, measure, size, tracking))
    lines: list[list[_Cluster]] = []
    cur: list[_Cluster] = []
    cur_w = 0.0
    avail = width - indent

    hard: set[int] = set()

    def flush(is_hard: bool = False):
        nonlocal cur, cur_w, avail
        while cur and cur[-1].space:
            cur.pop()
        if is_hard:
            hard.add(len(lines))
        lines.append(cur)
        cur, cur_w, avail = [], 0.0, width

    for unit in units:
        if unit[0].text == "\n":  # hard break
            flush(True)
            continue
        if not cur and unit[0].space:
            continue  # no space at a line start
        w = sum(c.width for c in unit)
        if cur_w + w <= avail + 0.01:
            cur += unit
            cur_w += w
            continue
        overflow = cur_w + w - avail
        if cur and overflow <= squeeze * size and unit[-1].text[-1] in NO_START and not unit[-1].space:
            cur += unit
            cur_w += w
            flush()
            continue
        if cur:
            flush()
        if unit[0].space:
            continue
        if w <= avail + 0.01:
            cur, cur_w = list(unit), w
            continue
        for c in unit:  # a unit wider than the measure: break it anywhere
            if cur and cur_w + c.width > avail + 0.01:
                flush()
            cur.append(c)
            cur_w += c.width
    if cur or not lines:
        flush()
    out = []
    for i, line in enumerate(lines):
        pieces: list[Run] = []
        for c in line:
            if pieces and (pieces[-1].role, pieces[-1].cls) == (c.role, c.cls):
                pieces[-1] = Run(pieces[-1].text + c.text, c.role, c.cls)
            else:
                pieces.append(Run(c.text, c.role, c.cls))
        natural = sum(c.width for c in line)
        chars = sum(len(c.text) for c in line)
        # a line ended by a hard break is not stretched either
        out.append(Line(pieces=tuple(pieces), natural=natural, chars=chars, last=i == len(lines) - 1 or i in hard, tracking=tracking))
    return out
