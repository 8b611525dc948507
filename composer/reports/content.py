"""The 通报's content as plain values, shared by the DOCX, PDF and XLSX writers.

Scoring hands over a :class:`composer.scores.Report`; this module turns it into
the words and tables of the notice — title, 主送, cover text, 附件 tables and the
itemized lists — in the wording of the reference reports.  The writers only lay
these values out, so the three formats say exactly the same thing.

Two forms exist (``Report.form``): ``liaocheng`` (monthly 通报: group tables with
采用信息/约稿 columns, ranks, itemized lists per unit) and ``golmud`` (bi-monthly
通知: per-level 本月/累计 columns, 合格 column, quota lists, 约稿 topics).
Optional Report fields (``title``, ``addressees``, ``signature``, ``date``,
``commentary``, ``notes`` …) are read with fallbacks, so a Report without them
still renders.  Pure: no I/O, no heavy imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from composer.model import chinese_date

Value = str | int | Decimal | None

# paragraph styles the writers know
TITLE = "title"  # 二号小标宋, centred
ADDRESSEE = "addressee"  # 主送, flush left
BODY = "body"  # 三号仿宋, 左空二字
H1 = "h1"  # 一、 黑体
H2 = "h2"  # （一） 楷体
ATTACH_NOTE = "attach_note"  # 附件：…
SIGNATURE = "signature"  # 署名, 右空二字
DATE = "date"  # 成文日期
ATTACH_LABEL = "attach_label"  # 附件 (三号黑体, flush left)
ATTACH_TITLE = "attach_title"  # the attachment's title, centred
TABLE_TITLE = "table_title"  # （一）1月份县（市、区）局政务信息统计
GROUP_HEADING = "group_heading"  # 各县（市、区）局信息采用情况
UNIT = "unit"  # 阳谷局（1月份报送稿件6篇，…）
ITEM = "item"  # 1、标题 … （第2期  简讯）
NOTE = "note"  # 注：…


@dataclass(frozen=True, slots=True, kw_only=True)
class Para:
    style: str
    text: str
    label: str = ""  # ITEM: the outlet label, printed flush right: （第2期  简讯）


@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    words: tuple[str, ...] = ()  # where the text may break (上报|篇数); () = between any characters


def _hc(row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> HeaderCell:
    """A header cell from ``上报|篇数`` (``|`` marks where the printed header may break)."""
    words = tuple(w for w in text.split("|") if w)
    return HeaderCell(row=row, col=col, text="".join(words), rowspan=rowspan, colspan=colspan,
                      words=words if len(words) > 1 else ())


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSpec:
    key: str  # sheet name
    title: str  # printed above the table
    columns: int
    header_rows: int
    header: tuple[HeaderCell, ...]
    rows: tuple[tuple[Value, ...], ...]
    widths: tuple[float, ...]  # relative column widths (characters)
    total: tuple[Value, ...] | None = None  # the 合计 row
    landscape: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportDoc:
    form: str
    title: str  # one line; writers may break it
    cover: tuple[Para, ...]  # 主送 … 附件说明
    signature: str
    date: str
    attach_label: str
    attach_title: str
    attachment: tuple[Para | TableSpec, ...]
    landscape_attachment: bool = False
    file_stem: str = ""


# ---------------------------------------------------------------- numbers and words

def num(v: Value) -> str:
    """``2.5`` → "2.5", ``Decimal('8.0')`` → "8", None → ""."""
    if v is None:
        return ""
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return str(int(v))
        return format(v.normalize(), "f")
    return str(v)


def blank0(v: Value) -> Value:
    """Counts and points of the Liaocheng table: a zero is left blank, as in the reference."""
    if v is None or v == 0:
        return None
    return v


def month_no(month: str) -> int:
    return int(month.split("-")[1])


def months_text(months: tuple[str, ...]) -> str:
    """("2024-01",) → "1月份"; ("2024-05", "2024-06") → "5—6月份"."""
    if not months:
        return ""
    a, b = month_no(months[0]), month_no(months[-1])
    return f"{a}月份" if a == b else f"{a}—{b}月份"


def _next_months(months: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    y, m = (int(x) for x in months[-1].split("-"))
    for _ in months:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        out.append(f"{y:04d}-{m:02d}")
    return tuple(out)


TEXT_KEYS = ("title", "addressees", "issuer", "signature", "date", "intro", "contact", "closing",  # Report fields
             "attachment", "notes", "commentary", "quota_text", "office_short")


class _Keep(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def report_texts(ws, report) -> dict:
    """The texts of the notice from the Report's text fields (scoring fills them from the rules file).

    Placeholders ``{month}`` (1 or 5—6), ``{year}``, ``{period}`` and ``{next}``
    (the following period, e.g. 2024年7—8月份) are filled in.
    """
    out: dict = {}
    for name in ("texts", "report_texts"):
        mapping = getattr(report, name, None)
        if mapping:
            out.update(dict(mapping))
    for key in TEXT_KEYS:
        value = getattr(report, key, None)
        if value not in (None, "", ()):
            out[key] = value
    months = tuple(report.months)
    values = _Keep(month=months_text(months).removesuffix("月份"), year=str(report.year),
                   period=_period_text(report), next=_period_text(report, _next_months(months)))

    def fill(v):
        if isinstance(v, str):
            return v.format_map(values) if "{" in v else v
        if isinstance(v, (tuple, list)):
            return tuple(fill(x) for x in v)
        return v

    return {k: fill(v) for k, v in out.items()}


def _field(texts: dict, name: str, default=None):
    value = texts.get(name)
    return default if value in (None, "", ()) else value


def _date_text(texts) -> str:
    d = _field(texts, "date")
    if isinstance(d, dt.date):
        return chinese_date(d)
    if isinstance(d, str) and d:
        try:
            return chinese_date(dt.date.fromisoformat(d))
        except ValueError:
            return d
    return chinese_date(dt.date.today())


def _paragraphs(text) -> tuple[str, ...]:
    if not text:
        return ()
    if isinstance(text, (tuple, list)):
        return tuple(str(t).strip() for t in text if str(t).strip())
    return tuple(p.strip().replace("\n", "") for p in str(text).split("\n\n") if p.strip())


def group_label(name: str) -> str:
    """Group name as the cover text's subject: 县（市、区）局 → 各县（市、区）局; 局属事业单位 → 事业单位."""
    if name.startswith("局属"):
        return name[2:].lstrip("各")
    return name if "各" in name else "各" + name


def group_noun(name: str) -> str:
    """The plain noun: 机关各科室 → 科室, 局属事业单位 → 事业单位, 县（市、区）局 stays."""
    for prefix in ("机关各", "局属各", "局属", "各"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _itemized_heading(name: str) -> str:
    """各县（市、区）局信息采用情况 / 机关各科室信息采用情况 / 各事业单位信息采用情况."""
    if "各" in name:
        return f"{name}信息采用情况"
    return f"各{group_noun(name)}信息采用情况"


# ---------------------------------------------------------------- itemized wording

def unit_paragraph(row, months: tuple[str, ...]) -> str:
    """One unit's line, in the reference's words.

    ``阳谷局（1月份报送稿件6篇，其中市局采用信息1篇、简讯3则，合计2.5分；报市1篇，本月基础分5分；累计7.5分）``
    """
    head = f"{months_text(months)}报送稿件{row.submitted}篇"
    parts: list[str] = []
    if row.own_articles or row.own_briefs:
        what = []
        if row.own_articles:
            what.append(f"信息{row.own_articles}篇")
        if row.own_briefs:
            what.append(f"简讯{row.own_briefs}则")
        parts.append(f"其中市局采用{'、'.join(what)}，合计{num(row.own_points)}分")
    if row.higher_adopted:
        parts.append(f"上级采用信息{row.higher_adopted}篇，合计{num(row.higher_points)}分")
    if row.commissioned:
        parts.append(f"上级约稿信息{row.commissioned}篇，合计{num(row.commission_points)}分")
    if row.reported_up:
        up = f"报市{row.reported_up}篇"
        if row.base_points:
            up += f"，本月基础分{num(row.base_points)}分"
        parts.append(up)
    for reason, points in row.bonuses:
        if points >= 0:
            parts.append(f"{reason}加{num(points)}分")
        else:
            parts.append(f"{reason}扣{num(-points)}分")
    parts.append(f"累计{num(row.cumulative_points)}分")
    return f"{row.unit}（{head}，{'；'.join(parts)}）"


def item_paragraphs(row) -> tuple[Para, ...]:
    return tuple(
        Para(style=ITEM, text=f"{i}、{it.title}", label=f"（{it.label}）")
        for i, it in enumerate(row.items, 1)
    )


# ---------------------------------------------------------------- Liaocheng form

LIAOCHENG_COLUMNS = (
    "单位", "上报篇数", "市级以上采用篇数", "市局简报采用篇数", "记分", "篇数", "记分",
    "报省市", "本月基础分", "本月分数", "累计分数", "总排名",
)


def _liaocheng_header() -> tuple[HeaderCell, ...]:
    cells = [
        _hc(0, 0, "单位", rowspan=2),
        _hc(0, 1, "上报|篇数", rowspan=2),
        _hc(0, 2, "采用|信息", colspan=3),
        _hc(0, 5, "约稿", colspan=2),
    ]
    for col, text in zip(range(7, 12), ("报|省市", "本月|基础分", "本月|分数", "累计|分数", "总|排名")):
        cells.append(_hc(0, col, text, rowspan=2))
    for col, text in zip(range(2, 7), ("市级|以上|采用|篇数", "市局|简报|采用|篇数", "记分", "篇数", "记分")):
        cells.append(_hc(1, col, text))
    return tuple(sorted(cells, key=lambda c: (c.row, c.col)))


def liaocheng_row(row) -> tuple[Value, ...]:
    return (
        row.unit,
        row.submitted,
        blank0(row.higher_adopted),
        blank0(row.own_adopted),
        blank0(row.adoption_points),
        blank0(row.commissioned),
        blank0(row.commission_points),
        blank0(row.reported_up),
        blank0(row.base_points),
        row.period_points,
        row.cumulative_points,
        row.rank,
    )


# content widths (characters) of the columns after 单位: two characters for the counts
# (上报/篇数 stacks), room for 26.5 in the points, three for 本月/基础分, one and a half for
# the rank (总/排/名 stacks, as in the reference)
LIAOCHENG_WIDTHS = (2.1, 2.1, 2.1, 2.7, 2.1, 2.7, 2.1, 3.2, 2.7, 2.7, 1.6)


def name_column(names, most: float = 12.0, least: float = 5.0) -> float:
    """Width (characters) of the 单位 column: the longest name, at most ``most`` (longer names wrap)."""
    widest = max((text_width(n) for n in names), default=least)
    return min(max(widest, least), most) + 0.3


def liaocheng_tables(report) -> tuple[TableSpec, ...]:
    mt = months_text(report.months)
    numerals = "一二三四五六七八九十"
    out = []
    for i, g in enumerate(report.groups):
        out.append(TableSpec(
            key=g.name,
            title=f"（{numerals[i] if i < 10 else i + 1}）{mt}{g.name}政务信息统计",
            columns=12,
            header_rows=2,
            header=_liaocheng_header(),
            rows=tuple(liaocheng_row(r) for r in g.rows),
            widths=(name_column(r.unit for r in g.rows), *LIAOCHENG_WIDTHS),
        ))
    return tuple(out)


def _liaocheng_cover(ws, report, t: dict) -> tuple[Para, ...]:
    mt = months_text(report.months)
    groups = report.groups
    office = _field(t, "office_short", "市局")
    received = report.received or sum(g.received for g in groups)
    paras = []
    recv = "，".join(f"{group_label(g.name)}信息{g.received}条" for g in groups[:1])
    rest = "、".join(f"{group_label(g.name)}信息{g.received}条" for g in groups[1:])
    recv = "，".join(x for x in (recv, rest) if x)
    adopted = "、".join(f"{group_label(g.name).removeprefix('各')}信息{g.own_adopted}条" for g in groups)
    paras.append(Para(style=BODY, text=(
        f"{mt}，{office}办公室共收到信息{received}条，其中{recv}；{office}采用{adopted}。"
    )))
    tops = []
    for g in groups:
        if not g.top:
            continue
        lead = "累计得分前三的" if not tops else "得分前三的"
        tops.append(f"{lead}{group_noun(g.name)}为{'、'.join(g.top)}")
    if tops:
        paras.append(Para(style=BODY, text="；".join(tops) + "。"))
    for text in _paragraphs(_field(t, "commentary")):
        paras.append(Para(style=BODY, text=text))
    return tuple(paras)


def _notes(t: dict) -> list[Para]:
    notes = _paragraphs(_field(t, "notes"))
    if len(notes) > 1 and not any(n[:1].isdigit() for n in notes):
        notes = tuple(f"{i}、{n}" for i, n in enumerate(notes, 1))
    return [Para(style=NOTE, text=("注：" if i == 0 and not n.startswith("注") else "") + n)
            for i, n in enumerate(notes)]


def _liaocheng(ws, report) -> ReportDoc:
    t = report_texts(ws, report)
    mt = months_text(report.months)
    attach_title = _field(t, "attachment", f"{mt}政务信息采用情况")
    cover = [Para(style=ADDRESSEE, text=_addressees(ws, report, t))]
    cover.extend(_liaocheng_cover(ws, report, t))
    cover.append(Para(style=ATTACH_NOTE, text=f"附件：{attach_title}"))
    attachment: list[Para | TableSpec] = []
    attachment.extend(liaocheng_tables(report))
    for g in report.groups:
        attachment.append(Para(style=GROUP_HEADING, text=_itemized_heading(g.name)))
        for r in g.rows:
            attachment.append(Para(style=UNIT, text=unit_paragraph(r, report.months)))
            attachment.extend(item_paragraphs(r))
    attachment.extend(_notes(t))
    return ReportDoc(
        form="liaocheng",
        title=_field(t, "title", f"关于{mt}政务信息采用情况的通报"),
        cover=tuple(cover),
        signature=_signature(ws, t),
        date=_date_text(t),
        attach_label="附件",
        attach_title=attach_title,
        attachment=tuple(attachment),
        file_stem=f"{report.period}-通报",
    )


# ---------------------------------------------------------------- Golmud form

LEVEL_ORDER = ("省", "州", "市")
KIND_ORDER = ("信息", "动态")


def measure_keys(report) -> tuple[str, ...]:
    """The level/kind measures in print order: 省/信息, 州/信息, 市/信息, 省/动态 …"""
    seen: list[str] = []
    for g in report.groups:
        for r in g.rows:
            for m in r.measures:
                if m.key not in seen:
                    seen.append(m.key)
    kinds = [k for k in KIND_ORDER if any(s.endswith("/" + k) for s in seen)]
    kinds += [s.split("/")[-1] for s in seen if s.split("/")[-1] not in kinds]
    kinds = list(dict.fromkeys(kinds))

    def level_pos(key: str) -> int:
        lv = key.split("/")[0]
        return LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else len(LEVEL_ORDER) + seen.index(key)

    return tuple(k for kind in kinds for k in sorted((s for s in seen if s.split("/")[-1] == kind), key=level_pos))


def _golmud_header(keys: tuple[str, ...]) -> tuple[HeaderCell, ...]:
    cells = [
        _hc(0, 0, "单位", rowspan=3),
        _hc(0, 1, "信息|报送|情况", rowspan=2, colspan=2),
        _hc(2, 1, "本月|报送"),
        _hc(2, 2, "累计|报送"),
    ]
    col = 3
    kinds = list(dict.fromkeys(k.split("/")[-1] for k in keys))
    for kind in kinds:
        ks = [k for k in keys if k.split("/")[-1] == kind]
        cells.append(_hc(0, col, f"{kind}|采用|情况", colspan=2 * len(ks)))
        for k in ks:
            cells.append(_hc(1, col, k.split("/")[0], colspan=2))
            cells.append(_hc(2, col, "本月|采用"))
            cells.append(_hc(2, col + 1, "累计|采用"))
            col += 2
    cells.append(_hc(0, col, "积分", rowspan=2, colspan=2))
    cells.append(_hc(2, col, "本月|积分"))
    cells.append(_hc(2, col + 1, "累计|积分"))
    cells.append(_hc(0, col + 2, "是否|合格", rowspan=3))
    return tuple(sorted(cells, key=lambda c: (c.row, c.col)))


def _qualified(q: bool | None) -> str:
    return "" if q is None else ("合格" if q else "不合格")


def golmud_row(row, keys: tuple[str, ...]) -> tuple[Value, ...]:
    by_key = {m.key: m for m in row.measures}
    counts: list[Value] = []
    for k in keys:
        m = by_key.get(k)
        counts += [m.period if m else 0, m.cumulative if m else 0]
    return (row.unit, row.submitted, row.submitted_cumulative, *counts,
            row.period_points, row.cumulative_points, _qualified(row.qualified))


def golmud_table(report) -> TableSpec:
    keys = measure_keys(report)
    rows = tuple(golmud_row(r, keys) for g in report.groups for r in g.rows)
    total = None
    if report.totals is not None:
        t = golmud_row(report.totals, keys)
        total = ("合计", *t[1:-1], "")
    cols = 3 + 2 * len(keys) + 3
    return TableSpec(
        key="统计表",
        title="",
        columns=cols,
        header_rows=3,
        header=_golmud_header(keys),
        rows=rows,
        total=total,
        widths=(name_column((r[0] for r in rows), most=14), 2.6, 2.6, *([2.6] * (cols - 6)), 2.6, 2.6, 3.2),
        landscape=True,
    )


def _period_text(report, months: tuple[str, ...] | None = None) -> str:
    months = months or report.months
    return f"{months[0][:4]}年{months_text(months)}"


MEASURE_WORDS = {"submitted": "报送政务信息不少于{n}期", "adopted": "被采用不少于{n}期",
                 "higher_adopted": "被上级采用不少于{n}期", "own_adopted": "被采用不少于{n}期",
                 "reported_up": "报送上级不少于{n}期"}


def quota_text(ws, t: dict, office: str) -> str:
    """根据…要求，A类单位每月向市政府办公室报送政务信息不少于5期，每月被采用不少于1期；…"""
    given = _field(t, "quota_text")
    if given:
        return given
    quotas = t.get("_quotas") or ()
    if not quotas or ws is None:
        return ""
    sentences = []
    for q in quotas:
        names = [u.name for u in ws.units if u.quota == q.name and u.scored]
        if not names or not q.minimums:
            continue
        reqs = "，".join("每月" + (f"向{office}" if r.measure == "submitted" else "")
                        + MEASURE_WORDS.get(r.measure, r.measure + "不少于{n}").format(n=r.minimum)
                        for r in q.minimums)
        sentences.append(f"{'、'.join(names)}{reqs}")
    return "；".join(sentences) + "。" if sentences else ""


def _responsible(ws, units: tuple[str, ...]) -> str:
    """The responsible units of a 约稿 topic; every scored unit reads 各部门、各单位."""
    if ws is not None and len(units) > 3:
        everyone = {u.name for u in ws.units if u.scored}
        if everyone and everyone <= set(units):
            return "各部门、各单位"
    return "、".join(units)


def _rules_quotas(ws) -> tuple:
    """The quota classes of the workspace's rules file (for the quota sentence), () when unreadable."""
    from composer.diagnostics import JianbaoError
    from composer.rules import load_rules

    try:
        rules, _ = load_rules(ws)
    except (JianbaoError, OSError):
        return ()
    return rules.quotas if rules is not None else ()


def _golmud(ws, report) -> ReportDoc:
    t = report_texts(ws, report)
    if ws is not None and not _field(t, "quota_text"):
        t["_quotas"] = _rules_quotas(ws)
    office = _field(t, "office_short", "市政府办公室")
    period = _period_text(report)
    nxt = _period_text(report, _next_months(report.months))
    upcoming = tuple(report.upcoming)
    doc_title = f"{period}政务信息报送采用情况" + (f"及{nxt}信息报送重点" if upcoming else "")
    org = _signature(ws, t)
    title = _field(t, "title", f"{org}关于{doc_title}的通知")
    cover: list[Para] = [Para(style=ADDRESSEE, text=_addressees(ws, report, t))]
    cover.append(Para(style=BODY, text=_field(t, "intro", (
        f"现将{period}各部门、各单位政务信息报送采用情况"
        + (f"及{nxt}信息报送重点" if upcoming else "") + "通知如下。"
    ))))
    cover.append(Para(style=H1, text=f"一、{period}政务信息报送及采用情况"))
    cover.append(Para(style=BODY, text=(
        f"（一）约稿信息。{office}共向各部门、各单位约稿{report.commissions_total}篇，"
        f"采用{report.commissions_adopted}篇。"
    )))
    quota = quota_text(ws, t, office)
    cover.append(Para(style=BODY, text=(
        f"（二）政务信息。{office}共收到各类政务信息{report.received}条，采用{getattr(report, 'adopted_credits', 0) or report.own_adopted}条次。"
        + (f"根据政务信息报送相关要求，{quota}" if quota else "")
    )))
    if report.below_submission_quota:
        cover.append(Para(style=BODY, text=f"信息报送数量不合格的部门有：{'、'.join(report.below_submission_quota)}。"))
    if report.below_adoption_quota:
        cover.append(Para(style=BODY, text=f"信息采用量不合格的部门有：{'、'.join(report.below_adoption_quota)}。"))
    for text in _paragraphs(_field(t, "commentary")):
        cover.append(Para(style=BODY, text=text))
    if upcoming:
        cover.append(Para(style=H1, text=f"二、{nxt}信息报送要点"))
        for i, c in enumerate(upcoming, 1):
            when = f"，{c.deadline.month}月{c.deadline.day}日前报送" if c.deadline else ""
            end = "。" if i == len(upcoming) else "；"
            cover.append(Para(style=BODY, text=f"{i}.{c.topic}（责任单位：{_responsible(ws, c.units)}{when}）{end}"))
    for key in ("closing", "contact"):
        for text in _paragraphs(_field(t, key)):
            cover.append(Para(style=BODY, text=text))
    attach_title = _field(t, "attachment", f"各部门各单位{period}信息报送采用情况统计表")
    cover.append(Para(style=ATTACH_NOTE, text=f"附件：{attach_title}"))
    attachment: list[Para | TableSpec] = [golmud_table(report)]
    attachment.extend(_notes(t))
    return ReportDoc(
        form="golmud",
        title=title,
        cover=tuple(cover),
        signature=org,
        date=_date_text(t),
        attach_label="附件",
        attach_title=attach_title,
        attachment=tuple(attachment),
        landscape_attachment=True,
        file_stem=f"{report.period}-通知",
    )


# ---------------------------------------------------------------- entry point

def _addressees(ws, report, t: dict) -> str:
    text = _field(t, "addressees")
    if isinstance(text, (tuple, list)):
        text = "，".join(text)
    if not text and ws is not None:
        for key, names in getattr(ws.publication, "distribution", ()):
            if key == "发":
                text = "，".join(names)
    if not text:
        text = "，".join(group_label(g.name) for g in report.groups)
    return text.rstrip("：:") + "："


def _signature(ws, t: dict) -> str:
    org = getattr(ws.publication, "organization", "") if ws is not None else ""
    return _field(t, "signature", _field(t, "issuer", org))


def build(ws, report) -> ReportDoc:
    """The notice's content for ``report`` (``ws`` supplies the publication's names)."""
    if report.form == "golmud":
        return _golmud(ws, report)
    return _liaocheng(ws, report)


def all_tables(doc: ReportDoc) -> tuple[TableSpec, ...]:
    return tuple(p for p in doc.attachment if isinstance(p, TableSpec))


def text_width(text: str) -> float:
    """Width in full-width characters: ASCII counts half."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def title_lines(title: str, per_line: float = 19.5) -> tuple[str, ...]:
    """Break a long 二号 title (20 characters a line on the 版心) into lines.

    The issuing organ before ``关于`` gets its own line; the rest breaks greedily
    without splitting a run of digits, and a short last line borrows from the
    line before it so the title keeps a 梯形 shape.
    """
    if text_width(title) <= per_line:
        return (title,)
    lines: list[str] = []
    rest = title
    i = title.find("关于")
    if i > 0:
        lines.append(title[:i])
        rest = title[i:]
    current = ""
    for ch in rest:
        if current and text_width(current + ch) > per_line:
            k = len(current)
            while k > 1 and ch.isdigit() and current[k - 1].isdigit():
                k -= 1  # keep 2024 whole: carry the digits over
            lines.append(current[:k])
            current = current[k:]
        current += ch
    if current:
        lines.append(current)
    if len(lines) >= 2 and text_width(lines[-1]) < 4:
        move = 4 - int(text_width(lines[-1]))
        lines[-2], lines[-1] = lines[-2][:-move], lines[-2][-move:] + lines[-1]
    return tuple(lines)


def label_needs_new_line(text: str, label: str, per_line: float = 27.5) -> bool:
    """Whether an item's right-aligned label no longer fits after its title's last line."""
    w = text_width(text)
    last = w - per_line * int(w // per_line) if w > per_line else w
    return last + text_width(label) + 1 > per_line


def signature_indents(signature: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of the 署名 and the date, GB/T 9704 §7.3.5.2.

    The 署名 is 右空二字 and the date starts two characters right of the 署名's
    first character; when the date is the longer, the date is 右空二字 instead.
    """
    sw, dw = text_width(signature), text_width(date)
    if not signature:
        return 0, 2
    if dw + 2 <= sw:
        return 2, sw - dw
    return dw + 4 - sw, 2


# ---------------------------------------------------------------- table cells

# words a unit name may break before (longest first): 东昌府区|分局, 耕地保护|监督科
NAME_SUFFIXES = tuple(sorted((
    "分局", "中心", "支队", "大队", "研究院", "设计院", "展览馆", "办公室", "委员会", "服务站", "管理站", "事务所",
    "监督科", "管理科", "规划科", "信息化科", "保护中心", "开发保护中心", "登记中心", "整治中心", "监测中心",
    "执法支队", "综合执法支队", "规划设计研究院", "发展中心", "管理处", "管理局", "林业局",
), key=len, reverse=True))


def name_words(name: str) -> tuple[str, ...]:
    """A unit name cut where it may break: before a known suffix word and after 和/与/及.

    ``市国土空间开发保护中心`` → (市国土空间, 开发保护中心); names without a known
    boundary stay one word (and break between characters only when they must).
    """
    cuts: set[int] = set()
    i = 2
    while i < len(name) - 1:
        if name[i - 1] in "和与及" or (name[i - 1] in "局市县" and i >= 3):
            cuts.add(i)  # 科技和|信息化科, 聊城市|自然资源和规划局|东昌府区分局
        sfx = next((x for x in NAME_SUFFIXES if name.startswith(x, i)), None)
        if sfx:
            cuts.add(i)
            i += len(sfx)  # no cut inside the suffix word itself (开发保护中心 stays whole)
            continue
        i += 1
    edges = [0, *sorted(cuts), len(name)]
    return tuple(name[a:b] for a, b in zip(edges, edges[1:]) if b > a)


def wrap_words(words: tuple[str, ...], capacity: float) -> tuple[str, ...]:
    """Lines of at most ``capacity`` characters, breaking only between ``words``.

    A word wider than the capacity is broken between characters (总排名 in a
    one-character column stacks 总/排/名).  Of the ways to break, the one with the
    fewest lines and then the most even lines is taken.
    """
    if text_width("".join(words)) <= capacity + 1e-6:
        return ("".join(words),)
    pieces: list[str] = []
    for w in words:
        if text_width(w) <= capacity + 1e-6:
            pieces.append(w)
        else:
            line = ""
            for ch in w:
                if line and text_width(line + ch) > capacity + 1e-6:
                    pieces.append(line)
                    line = ""
                line += ch
            if line:
                pieces.append(line)
    best: tuple[str, ...] | None = None
    n = len(pieces)
    # every partition of the pieces into consecutive lines (few pieces, so small)
    for mask in range(1 << max(n - 1, 0)):
        lines, cur = [], pieces[0]
        for i in range(1, n):
            if mask >> (i - 1) & 1:
                lines.append(cur)
                cur = pieces[i]
            else:
                cur += pieces[i]
        lines.append(cur)
        if any(text_width(x) > capacity + 1e-6 for x in lines):
            continue
        key = (len(lines), max(text_width(x) for x in lines) - min(text_width(x) for x in lines))
        if best is None or key < (len(best), max(text_width(x) for x in best) - min(text_width(x) for x in best)):
            best = tuple(lines)
    return best or tuple(pieces)


def column_capacities(spec: TableSpec, width_pt: float, size_pt: float, pad_pt: float) -> tuple[float, ...]:
    """Characters (of ``size_pt``) that fit in each column of ``spec`` set ``width_pt`` wide.

    A fifth of a character is kept in hand: a line planned exactly full may still wrap
    in Word or the PDF engine (rounding, a wider fallback face).
    """
    total = sum(spec.widths)
    return tuple(width_pt * w / total / size_pt - 2 * pad_pt / size_pt - 0.2 for w in spec.widths)


def header_lines(h: HeaderCell, capacities: tuple[float, ...], pad_chars: float = 0.0) -> tuple[str, ...]:
    """The printed lines of a header cell in columns of ``capacities`` characters."""
    cap = sum(capacities[h.col:h.col + h.colspan]) + pad_chars * (h.colspan - 1)
    return wrap_words(h.words or tuple(h.text), cap)


def name_lines(name: str, capacity: float) -> tuple[str, ...]:
    """A unit name in the 单位 column: whole when it fits, else broken at word boundaries."""
    return wrap_words(name_words(name), capacity)


# ---------------------------------------------------------------- annual report

def _dec(v) -> Value:
    """A JSON number of the annual data (int or float) as a Value the writers print."""
    if isinstance(v, float):
        return Decimal(str(v))
    return v


def annual_table(group: dict, keys: tuple[str, ...], title: str) -> TableSpec:
    """One group's yearly totals: 单位 | 上报 | one column a level | 约稿 | 加分 | 基础分 | 全年积分 | 排名."""
    cols = 2 + len(keys) + 5
    header = [_hc(0, 0, "单位", rowspan=2), _hc(0, 1, "上报|篇数", rowspan=2)]
    if keys:
        header.append(_hc(0, 2, "采用|篇数", colspan=len(keys)))
        for i, k in enumerate(keys):
            header.append(_hc(1, 2 + i, "|".join(k.split("/"))))
    at = 2 + len(keys)
    for i, text in enumerate(("约稿|篇数", "加分", "基础分", "全年|积分", "排名")):
        header.append(_hc(0, at + i, text, rowspan=2))
    rows = tuple(
        (u["unit"], u["submitted"], *(u["by_level"].get(k, 0) or None for k in keys),
         blank0(u["commissioned"]), blank0(_dec(u["bonus_points"])), blank0(_dec(u["base_points"])),
         _dec(u["points"]), u["rank"])
        for u in group["units"])
    total = ("合计", group["submitted"], *(group["by_level"].get(k, 0) for k in keys), None, None, None,
             _dec(group["points"]), None)
    return TableSpec(
        key=group["name"], title=title, columns=cols, header_rows=2,
        header=tuple(sorted(header, key=lambda c: (c.row, c.col))), rows=rows, total=total,
        widths=(name_column(u["unit"] for u in group["units"]), 2.1, *([2.4] * len(keys)), 2.1, 2.4, 2.4, 2.7, 1.6),
        landscape=cols > 14,
    )


def annual(ws, data: dict) -> ReportDoc:
    """The yearly totals (``commands.report.annual_data``) as a document like the monthly 通报."""
    year = data["year"]
    keys = tuple(lv["level"] for lv in data["levels"])
    numerals = "一二三四五六七八九十"
    kinds = "、".join(f"{k}{n}篇" for k, n in data["items_by_kind"].items())
    own = data["own_outlet"] or "简报"
    addressees = "，".join(group_label(g["name"]) for g in data["groups"])
    if ws is not None:
        for key, names in getattr(ws.publication, "distribution", ()):
            if key == "发" and names:
                addressees = "，".join(names)
    cover = [
        Para(style=ADDRESSEE, text=addressees.rstrip("：:") + "："),
        Para(style=BODY, text=(
            f"{year}年，共收到各单位报送信息{data['submitted']}篇，各级采用{data['adopted']}篇次；"
            f"《{own}》编发{data['issues_published']}期，刊用信息{data['items_carried']}篇"
            + (f"（{kinds}）" if kinds else "") + "。")),
    ]
    levels = "，".join(f"{lv['level'].replace('/', '级')}采用{lv['items']}篇（{lv['credits']}篇次）"
                      for lv in data["levels"] if lv["items"])
    if levels:
        cover.append(Para(style=BODY, text=f"按采用层级：{levels}。"))
    for g in data["groups"]:
        top = [u["unit"] for u in g["units"] if u["rank"] is not None and u["rank"] <= 3]
        if top:
            cover.append(Para(style=BODY, text=f"{group_label(g['name'])}全年积分前三名为{'、'.join(top)}。"))
    attach_title = f"{year}年政务信息采用情况统计"
    cover.append(Para(style=ATTACH_NOTE, text=f"附件：{attach_title}"))
    tables = tuple(annual_table(g, keys, f"（{numerals[i] if i < 10 else i + 1}）{year}年{g['name']}政务信息统计")
                   for i, g in enumerate(data["groups"]))
    org = getattr(ws.publication, "organization", "") if ws is not None else ""
    return ReportDoc(
        form="annual",
        title=f"关于{year}年度政务信息采用情况的通报",
        cover=tuple(cover),
        signature=org,
        date=chinese_date(data["date"]) if isinstance(data.get("date"), dt.date) else chinese_date(dt.date(year, 12, 31)),
        attach_label="附件",
        attach_title=attach_title,
        attachment=tables,
        landscape_attachment=any(t.landscape for t in tables),
        file_stem=f"{year}-年度统计",
    )
