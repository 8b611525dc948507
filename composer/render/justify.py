"""Break Chinese paragraphs into lines justified to the full measure (LAYOUT §5.3).

WeasyPrint does not justify CJK text, so the print HTML carries its own lines:
each line is a nowrap block with a letter-spacing that makes it exactly the
measure wide.  Advances come from HarfBuzz shaping (``fonts.Measurer``).

Line breaking is greedy with kinsoku: no closing punctuation at a line start,
no opening punctuation at a line end, digit/Latin runs, ``——`` and ``……``
never split.  A closing mark that overflows by at most half a character is
pushed in (the line is squeezed) rather than pulling a character down.

A credit (``Run(credit=True)``) is one unbreakable unit that closes the
paragraph: it follows the text on the last line when it fits there, otherwise
(or always, with ``own_line``) it takes a line of its own, flush right
(``Line.right``), and the line above keeps its natural width.  ``balance`` breaks titles and subtitles into even lines.
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
    keep: bool = False  # break only at its spaces
    credit: bool = False  # one unbreakable unit closing the paragraph (see the module docstring)
    own_line: bool = False  # with credit: always on a line of its own (an article's credit)


@dataclass(frozen=True, slots=True)
class Line:
    pieces: tuple[Run, ...]
    natural: float  # pt, at the tracking given to break_lines
    chars: int  # letter-spacing slots (characters)
    last: bool  # the paragraph's last line (or a line not to stretch)
    tracking: float = 0.0
    right: bool = False  # flush right (a credit on its own line)

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
    credit: bool = False
    own_line: bool = False

    @property
    def space(self) -> bool:
        return self.text.isspace()


def _clusters(runs: list[Run], measure, size: float, tracking: float) -> list[_Cluster]:
    out: list[_Cluster] = []
    for run in runs:
        if run.credit:
            out.append(_Cluster(run.text, run.role, run.cls, measure(run.role, run.text) * size
                                + len(run.text) * tracking, True, run.own_line))
            continue
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
        if not units or c.text == "\n" or units[-1][-1].text == "\n" or c.credit:
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

    hard: set[int] = set()  # lines ended by a hard break or before an own-line credit: not stretched
    right: set[int] = set()  # credit lines, flush right

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
        if unit[0].credit:  # inline after the text when it fits, else flush right on its own line
            c = unit[0]
            if cur and (c.own_line or cur_w + c.width > avail + 0.01):
                flush(True)  # the line above keeps its natural width
            if not cur:
                right.add(len(lines))
            cur.append(c)
            cur_w += c.width
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
        out.append(Line(pieces=tuple(pieces), natural=natural, chars=chars,
                        last=i == len(lines) - 1 or i in hard, tracking=tracking, right=i in right))
    return out


def balance(text: str, measure, *, width: float, size: float, role: str = "title",
            spaces_only: bool = False) -> list[str]:
    """Break a title into as few lines as fit ``width``, as even as possible (梯形/菱形).

    Breaks fall between kinsoku units; a break at a space (dropped) or after
    closing punctuation is preferred to one inside a phrase, and with ``spaces_only`` (subtitles) only spaces are
    tried while they give lines that fit.  Lines are even: the cost is the sum
    of squared shortfalls, and a line shorter than a quarter of the one above
    it is refused whenever any other choice exists.
    """
    text = " ".join(text.split())
    units = _units(_clusters([Run(text, role)], measure, size, 0.0))
    widths = [sum(c.width for c in u) for u in units]
    is_space = [all(c.space for c in u) for u in units]
    def line_width(i: int, j: int) -> float:
        """Width of units[i:j] without spaces at either end."""
        while i < j and is_space[i]:
            i += 1
        while j > i and is_space[j - 1]:
            j -= 1
        return sum(widths[i:j])

    if len(units) < 2 or line_width(0, len(units)) <= width + 0.01:
        return [text]

    def solve(allowed: set[int]) -> list[int] | None:
        # best[(j, k)]: (penalty, cost, breaks) for units[:j] in k lines, the k-th ending at j
        n = len(units)
        for lines_wanted in range(2, n + 1):
            best: dict[int, tuple] = {0: (0, 0.0, [], None)}
            for _ in range(lines_wanted):
                nxt: dict[int, tuple] = {}
                for i, (pen, cost, breaks, prev_w) in best.items():
                    for j in sorted(allowed | {n}):
                        if j <= i:
                            continue
                        w = line_width(i, j)
                        if w > width + 0.01:
                            break
                        if w == 0:
                            continue
                        p = pen + (1 if prev_w is not None and w < prev_w / 4 else 0)
                        c = cost + (width - w) ** 2 + (0.0 if j == n or j in good else (5 * size) ** 2)
                        cand = (p, c, breaks + [j], w)
                        if j not in nxt or cand[:2] < nxt[j][:2]:
                            nxt[j] = cand
                best = nxt
            if n in best:
                return best[n][2]
        return None

    spaces = {k for k in range(1, len(units)) if is_space[k]}
    # breaks after closing punctuation read better than breaks inside a phrase
    good = spaces | {k for k in range(1, len(units)) if units[k - 1][-1].text[-1] in NO_START}
    everywhere = set(range(1, len(units)))
    breaks = (solve(spaces) if spaces_only or spaces else None)
    if breaks is None or (not spaces_only and _uneven(breaks, line_width)):
        breaks = solve(everywhere) or [len(units)]
    out, i = [], 0
    for j in breaks:
        out.append("".join(c.text for u in units[i:j] for c in u).strip())
        i = j
    return [line for line in out if line]


def _uneven(breaks: list[int], line_width) -> bool:
    """True when breaking at these points leaves a line under a quarter of the line above."""
    widths, i = [], 0
    for j in breaks:
        widths.append(line_width(i, j))
        i = j
    return any(b < a / 4 for a, b in zip(widths, widths[1:]))
