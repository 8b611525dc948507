"""The document and ledger model: frozen records shared by every stage.

Records read from files carry ``source`` first, excluded from comparison, so a
record built in a test equals the one loaded from a file.  No I/O here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from composer.diagnostics import NO_SOURCE, Source

KIND_ARTICLE = "信息"
KIND_BRIEF = "简讯"
ITEM_KINDS = (KIND_ARTICLE, KIND_BRIEF)
FIRST_YEAR, LAST_YEAR = 1900, 2999  # a ledger or report year outside is a typo (0000-01, 9999-12), not a period


def valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def _src() -> Source:
    return field(default=NO_SOURCE, compare=False, repr=False)


# ---------------------------------------------------------------- registry

@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    source: Source = _src()
    name: str
    short: str
    group: str
    aliases: tuple[str, ...] = ()
    quota: str | None = None
    scored: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.short, *self.aliases)


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    source: Source = _src()
    name: str
    table_name: str = "name"  # which unit name the report tables print: name | short


@dataclass(frozen=True, slots=True, kw_only=True)
class Registry:
    source: Source = _src()
    groups: tuple[Group, ...] = ()
    units: tuple[Unit, ...] = ()


# ---------------------------------------------------------------- publication

@dataclass(frozen=True, slots=True, kw_only=True)
class Publication:
    source: Source = _src()
    root: Path
    name: str
    office: str
    office_unit: str | None = None
    organization: str = ""
    distribution: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (报, (…)), (送, …), (发, …)
    print_run: int | None = None
    rules: str = "contributors/rules.yml"
    units: str = "contributors/units.yml"
    layout: str = "layouts/bulletin"
    brief_max_chars: int = 300
    fonts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # role -> families, overrides the defaults


# ---------------------------------------------------------------- document

@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Paragraph:
    spans: tuple[Span, ...]
    source: Source = _src()

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True, kw_only=True)
class Heading:
    level: int
    spans: tuple[Span, ...]
    source: Source = _src()

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple[Span, ...], ...]
    source: Source = _src()


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    header: bool = True
    align: tuple[str, ...] = ()  # per column: "left" | "center" | "right" | "" (Markdown :---:)
    source: Source = _src()


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    src: str  # as written in the Markdown
    path: Path | None  # resolved local file, None when refused (remote, outside)
    alt: str = ""
    source: Source = _src()


Block = Paragraph | Heading | ListBlock | Table | Image


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    unit: str  # canonical unit name (registry ``name``) or the raw text when unresolved
    authors: tuple[str, ...] = ()
    label: str = ""  # the name as written on the credit line
    resolved: bool = True

    @property
    def display(self) -> str:
        label = self.label or self.unit
        return f"{label}/{' '.join(self.authors)}" if self.authors else label


def credited_units(credits: tuple[Credit, ...]) -> tuple[str, ...]:
    return tuple(c.unit for c in credits)


def credited_authors(credits: tuple[Credit, ...]) -> tuple[str, ...]:
    return tuple(a for c in credits for a in c.authors)


def credit_line(credits: tuple[Credit, ...]) -> str:
    """The printed credit, e.g. ``（东昌府区分局/段腾 朱明珠）``."""
    return "（" + " ".join(c.display for c in credits) + "）"


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    source: Source = _src()
    kind: str
    title: str
    subtitle: str = ""
    credits: tuple[Credit, ...] = ()
    section: str = ""
    order: float = 0
    category: str = ""
    tags: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()

    @property
    def units(self) -> tuple[str, ...]:
        return credited_units(self.credits)

    @property
    def authors(self) -> tuple[str, ...]:
        return credited_authors(self.credits)


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    source: Source = _src()
    id: str
    path: Path
    number: int
    date: dt.date
    total_number: int | None = None
    sections: tuple[str, ...] = ()
    editor_note: str = ""
    items: tuple[Item, ...] = ()  # in print order

    def grouped(self) -> tuple[Section, ...]:
        """Items by section in the issue's section order (unlisted sections last)."""
        names = list(self.sections)
        for it in self.items:
            if it.section not in names:
                names.append(it.section)
        return tuple(
            Section(name=n, items=tuple(i for i in self.items if i.section == n))
            for n in names
            if any(i.section == n for i in self.items)
        )


def printed_subtitle(subtitle: str) -> str:
    """A subtitle as printed under its title: led by a 破折号 (——)."""
    return subtitle if subtitle.startswith("——") else f"——{subtitle}"


def printed_section(name: str) -> str:
    """A section head as printed: 【工作动态】."""
    return f"【{name}】"


def chinese_date(d: dt.date) -> str:
    """``2024年4月9日``: full year, no zero padding (GB/T 9704 §7.3.5.4)."""
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- ledger events
# ``month`` is "YYYY-MM": the period an event counts in.  ``date`` is the day
# when known.  Points are Decimal, never float.

@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    source: Source = _src()
    unit: str
    month: str
    date: dt.date | None = None
    count: int = 1
    title: str = ""
    category: str = ""
    ref: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Adoption:
    source: Source = _src()
    outlet: str
    kind: str
    title: str
    month: str
    units: tuple[str, ...]
    date: dt.date | None = None
    star: bool = False
    issue: int | None = None  # own-bulletin issue number (第N期)
    category: str = ""
    origin: str = "event"  # "event" or "publish:<issue id>"


@dataclass(frozen=True, slots=True, kw_only=True)
class Commission:
    source: Source = _src()
    topic: str
    units: tuple[str, ...]
    status: str = "open"  # open | submitted | adopted | overdue
    deadline: dt.date | None = None
    title: str = ""
    month: str = ""  # the month it scores in (when adopted)
    date: dt.date | None = None
    outlet: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportUp:
    source: Source = _src()
    unit: str
    month: str
    count: int = 1
    date: dt.date | None = None
    channel: str = "报市"
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bonus:
    source: Source = _src()
    unit: str
    month: str
    points: Decimal
    reason: str
    date: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Opening:
    source: Source = _src()
    unit: str
    month: str  # the balance covers the year up to the end of this month
    submitted: int = 0
    adopted: tuple[tuple[str, int], ...] = ()  # ("市/信息", 3), …
    points: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    source: Source = _src()
    unit: str
    months: tuple[str, ...]
    reason: str


Event = Submission | Adoption | Commission | ReportUp | Bonus | Opening | Waiver


@dataclass(frozen=True, slots=True, kw_only=True)
class Ledger:
    events: tuple[Event, ...] = ()
    published: tuple[str, ...] = ()  # issue ids with a published file
