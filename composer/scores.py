"""Computed report values: what scoring produces and report renderers consume.

Scoring (``composer.scoring``) turns rules × ledger into a :class:`Report`;
renderers (``composer.reports.*``) only read it.  Points are Decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from composer.model import Commission


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoredItem:
    """One adopted item of a unit, as the itemized list prints it."""

    title: str
    outlet: str  # 简报 (own bulletin), 昨日市情, 每日动态, 市政府约稿, 省, 州 …
    kind: str  # 信息 / 简讯 / 动态
    points: Decimal
    month: str
    label: str  # "第2期  简讯", "每日动态", "昨日市情★", "市政府约稿"
    issue: int | None = None
    star: bool = False
    own: bool = False  # adopted by the own bulletin
    commission: bool = False  # a 约稿 adoption


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One count column pair, e.g. Golmud's 州/信息 本月 and 累计."""

    key: str
    period: int
    cumulative: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreRow:
    unit: str  # the name the table prints (group's table_name)
    unit_name: str  # registry full name
    short: str
    group: str
    submitted: int
    submitted_cumulative: int
    higher_adopted: int
    own_adopted: int
    own_articles: int  # own-bulletin 信息
    own_briefs: int  # own-bulletin 简讯
    own_points: Decimal
    higher_points: Decimal
    bonus_points: Decimal
    bonuses: tuple[tuple[str, Decimal], ...]  # (reason, points)
    adoption_points: Decimal  # own + higher + bonus
    commissioned: int
    commission_points: Decimal
    reported_up: int
    base_points: Decimal | None
    submission_points: Decimal | None
    period_points: Decimal
    cumulative_points: Decimal
    rank: int | None
    qualified: bool | None
    previous_rank: int | None = None  # rank in the previous period of the year (None in its first)
    rank_change: int | None = None  # previous_rank - rank: positive = moved up
    failures: tuple[str, ...] = ()  # quota measures missed, e.g. ("submitted@2024-05",)
    waived: tuple[str, ...] = ()  # quota misses exempted by a waiver event
    measures: tuple[Measure, ...] = ()
    items: tuple[ScoredItem, ...] = ()

    def count(self, measure: str) -> int:
        """The period's count of a quota measure (rules.MONTHLY_MEASURES), as scoring counts it."""
        return {
            "submitted": self.submitted,
            "adopted": self.own_adopted + self.higher_adopted + self.commissioned,
            "own_adopted": self.own_adopted,
            "higher_adopted": self.higher_adopted,
            "reported_up": self.reported_up,
        }[measure]


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupReport:
    name: str
    rows: tuple[ScoreRow, ...]
    received: int  # submissions received from the group in the period
    own_adopted: int  # own-bulletin adoptions of the group's items (distinct items)
    top: tuple[str, ...]  # short names of the units ranked 1–3 (ties included)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    period: str  # "2024-01" or "2024-05..2024-06"
    months: tuple[str, ...]
    year: int
    rules: str  # rules name
    form: str  # report form from the rules file: "liaocheng" | "golmud" | …
    groups: tuple[GroupReport, ...]
    totals: ScoreRow | None = None  # the 合计 row where the form has one
    commissions_total: int = 0
    commissions_adopted: int = 0
    upcoming: tuple[Commission, ...] = ()  # open 约稿 topics with deadlines after the period
    below_submission_quota: tuple[str, ...] = ()
    below_adoption_quota: tuple[str, ...] = ()
    received: int = 0
    own_adopted: int = 0
    adopted_credits: int = 0  # adoptions counted per credited unit (Golmud's 采用 N 条次)
    # texts of the report form (rules file ``report:``, placeholders filled in)
    title: str = ""  # 关于1月份政务信息采用情况的通报
    addressees: str = ""  # 主送
    attachment: str = ""  # 附件 name
    intro: str = ""
    contact: str = ""
    issuer: str = ""  # signature (the publication's organization unless the rules say otherwise)
    date: dt.date | None = None  # date under the signature
    commentary: str = ""  # editor's commentary paragraph (--commentary FILE)
    notes: tuple[str, ...] = ()  # 注：1、… 2、…
    closing: str = ""  # closing paragraph(s) (rules report.closing)
    quota_text: str = ""  # the quota sentence, when the rules give it verbatim (report.quota_text)
    office_short: str = ""  # the editing office as the cover names it (report.office_short)
    file_stem: str = ""  # output file name without extension: 2024-01-通报 (report.file_name)
    period_label: str = ""  # "1" or "5—6" (as in 1月份 / 5—6月份)
    next_period_label: str = ""  # "2" or "7—8"
    unused: tuple[str, ...] = ()  # row fields the rules do not use (JSON null; tables may hide them)
