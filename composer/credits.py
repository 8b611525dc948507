"""Credit lines: ``（冠县林业局/刘军波 林培振）`` → units with their authors.

Units are separated by spaces or 、; a unit may be followed by ``/`` and author
names separated by spaces.  After a slash, a token is an author unless it names
a known unit, which starts the next credit.  Shared by the reader and importers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# a trailing parenthesised group, full- or half-width, possibly broken over lines
TRAILING_CREDIT = re.compile(r"[（(]([^（）()]{1,120})[）)]\s*$")
WHOLE_CREDIT = re.compile(r"^\s*[（(]([^（）()]{1,120})[）)]\s*$")
_SEP = re.compile(r"[\s、，,;；]+")
_SLASH = re.compile(r"\s*[/／]\s*")


@dataclass(frozen=True, slots=True)
class RawCredit:
    label: str  # the unit as written
    authors: tuple[str, ...]
    unit: str | None  # canonical name, None when the name is unknown


def parse_credit(inner: str, resolve: Callable[[str], str | None]) -> list[RawCredit]:
    """Split the text inside the parentheses into credits.

    ``resolve`` maps a written name to the canonical unit name or None.
    """
    text = _SLASH.sub("/", inner.strip())
    out: list[RawCredit] = []
    label: str | None = None
    authors: list[str] = []
    after_slash = False

    def flush() -> None:
        nonlocal label, authors
        if label:
            out.append(RawCredit(label, tuple(authors), resolve(label)))
        label, authors = None, []

    for token in _SEP.split(text):
        if not token:
            continue
        if "/" in token:
            name, _, rest = token.partition("/")
            if name:
                flush()
                label = name
            authors.extend(a for a in rest.split("/") if a)
            after_slash = True
        elif after_slash and label and resolve(token) is None:
            authors.append(token)
        else:
            flush()
            label = token
            after_slash = False
    flush()
    return out


def looks_like_credit(inner: str, resolve: Callable[[str], str | None]) -> bool:
    """True when the parenthesised text is a credit rather than an aside.

    An aside such as ``（以下简称《规划》）`` or ``（2021-2035年）`` names no unit; a
    credit's first token names a unit, has a slash, or is short and looks like a
    unit name (科、局、中心、队、院、馆、室、委、办…).
    """
    credits = parse_credit(inner, resolve)
    if not credits:
        return False
    if any(c.unit for c in credits):
        return True
    first = credits[0].label
    return ("/" in inner or len(first) <= 14) and bool(
        re.search(r"(科|局|中心|支队|大队|队|院|馆|室|委|办|站|所|处|部|会|分局|公司|集团)$", first)
    )


_BRACKETS = re.compile(r"[（()）\[\]【】]")


def credit_problems(text: str) -> list[str]:
    """What makes a credit string unreadable (empty when it reads cleanly).

    ``/张三`` names authors but no unit (they would be dropped), ``办公室//李四`` has an
    empty name between slashes, a bracket inside means two groups ran together.
    """
    out = []
    text = _SLASH.sub("/", str(text).strip())
    if not text:
        return ["the credit is empty"]
    for token in _SEP.split(text):
        if token.startswith("/"):
            out.append(f"{token!r} names authors but no unit before the slash")
        elif "//" in token:
            out.append(f"{token!r} has an empty name between two slashes")
    if _BRACKETS.search(text):
        out.append("a bracket inside a credit (two groups run together, or mismatched parentheses)")
    return out
