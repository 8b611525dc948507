"""The crediting notice (采用情况) of a published issue: unit by unit, what was adopted and the points.

``jianbao publish`` writes it as ``build/<id>/<id>-采用情况.docx`` and ``.txt``
for the units that are not on the portal; the portal shows each unit its own
part (:func:`unit_notices`), read from the published ledger records, so what a
unit sees is exactly what it was credited with.  Points come from the rules
file (the own bulletin's points per kind); a unit that is not scored (the
editing office) is listed as 不计分.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from composer import ledger  # PUBLISHED, read_published

STEM = "采用情况"


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeItem:
    title: str
    kind: str  # 信息 / 简讯
    section: str  # the issue section it was printed in ("" when the issue folder is gone)
    points: Decimal | None  # None: the unit is not scored


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitNotice:
    unit: str  # registry full name
    short: str
    issue_id: str
    number: int
    date: str
    items: tuple[NoticeItem, ...]

    @property
    def points(self) -> Decimal | None:
        pts = [i.points for i in self.items if i.points is not None]
        return sum(pts, Decimal(0)) if pts else None


def _points(ws, rules, outlet: str, kind: str, unit: str) -> Decimal | None:
    """Points of one adopted item for ``unit`` (None: not scored, or the rules cannot say)."""
    u = ws.units.get(unit)
    if rules is None or (u is not None and not u.scored):
        return None
    try:
        return rules.item_points(rules.own_outlet or outlet, kind)
    except KeyError:
        return None


def _rules(ws):
    from composer.rules import load_rules

    rules, diags = load_rules(ws)
    return None if rules is None or any(d.is_error for d in diags) else rules


def _notices(ws, issue_id: str, number: int, date: str, credits) -> list[UnitNotice]:
    """``credits``: (unit, NoticeItem) in print order → one notice per credited unit, registry order."""
    by_unit: dict[str, list[NoticeItem]] = {}
    for unit, item in credits:
        by_unit.setdefault(unit, []).append(item)
    order = {u.name: i for i, u in enumerate(ws.units)}
    out = []
    for unit in sorted(by_unit, key=lambda n: (order.get(n, len(order)), n)):
        u = ws.units.get(unit)
        out.append(UnitNotice(unit=unit, short=u.short if u else unit, issue_id=issue_id, number=number, date=date,
                              items=tuple(by_unit[unit])))
    return out


def issue_notices(ws, issue, credits) -> list[UnitNotice]:
    """The notices of a loaded issue from its ``credits`` (publish's dry run: unit, item, points)."""
    sections = {(it.kind, it.title): it.section for it in issue.items}
    items = [(c.unit, NoticeItem(title=c.title, kind=c.kind, section=sections.get((c.kind, c.title), ""),
                                 points=c.points)) for c in credits]
    return _notices(ws, issue.id, issue.number, str(issue.date), items)


def _sections_of(ws, issue_id: str) -> dict[tuple[str, str], str]:
    folder = ws.root / "issues" / issue_id
    if not (folder / "issue.yml").is_file():
        return {}
    try:
        issue, _ = ws.load_issue(folder)
    except Exception:  # a broken issue folder must not hide the notice
        return {}
    return {(it.kind, it.title): it.section for it in issue.items} if issue else {}


def unit_notices(ws, unit: str) -> list[UnitNotice]:
    """Every published issue's notice for ``unit`` (registry full name), newest first."""
    folder = ws.root / ledger.PUBLISHED
    rules = _rules(ws)
    out = []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        pub, _, _ = ledger.read_published(ws, path.stem)
        if pub is None:
            continue
        mine = [a for a in pub.adoptions if unit in a.units]
        if not mine:
            continue
        sections = _sections_of(ws, pub.issue)
        items = [(unit, NoticeItem(title=a.title, kind=a.kind, section=sections.get((a.kind, a.title), ""),
                                   points=_points(ws, rules, a.outlet, a.kind, unit))) for a in mine]
        out += _notices(ws, pub.issue, pub.number, str(pub.date or ""), items)
    return sorted(out, key=lambda n: (n.date, n.number), reverse=True)


def _num(d: Decimal | None) -> str:
    if d is None:
        return "不计分"
    return format(d.normalize(), "f") + "分"


def text(ws, issue, notices: list[UnitNotice]) -> str:
    """The plain-text notice (one block per unit)."""
    pub = ws.publication
    lines = [f"《{pub.name}》第{issue.number}期（{issue.date}）稿件采用情况", ""]
    if not notices:
        lines.append("本期没有署名单位。")
    for n in notices:
        lines.append(f"{n.unit}：采用 {len(n.items)} 篇，计 {_num(n.points)}")
        for i, it in enumerate(n.items, 1):
            where = f"{it.section}栏目" if it.section else ""
            lines.append(f"  {i}. 《{it.title}》 {where}{'·' if where else ''}{it.kind}  {_num(it.points)}")
        lines.append("")
    lines.append(f"{pub.office}")
    return "\n".join(lines).rstrip() + "\n"


def docx(ws, issue, notices: list[UnitNotice]) -> bytes:
    """The same notice as a Word document (a table per unit)."""
    from docx import Document
    from docx.shared import Pt

    from composer.formats import docx_oxml

    pub = ws.publication
    doc = Document()
    docx_oxml.doc_defaults(doc, "仿宋_GB2312", "Times New Roman", 14, 560)
    head = doc.add_paragraph()
    run = head.add_run(f"《{pub.name}》第{issue.number}期稿件采用情况")
    run.bold = True
    run.font.size = Pt(18)
    docx_oxml.set_fonts(run, "方正小标宋简体")
    doc.add_paragraph(f"出刊日期：{issue.date}")
    if not notices:
        doc.add_paragraph("本期没有署名单位。")
    for n in notices:
        p = doc.add_paragraph()
        r = p.add_run(f"{n.unit}：采用 {len(n.items)} 篇，计 {_num(n.points)}")
        r.bold = True
        docx_oxml.set_fonts(r, "黑体")
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, label in zip(table.rows[0].cells, ("标题", "栏目", "类型", "得分")):
            cell.text = label
        for it in n.items:
            cells = table.add_row().cells
            for cell, value in zip(cells, (it.title, it.section, it.kind, _num(it.points))):
                cell.text = value
    doc.add_paragraph(pub.office)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def files(ws, issue, credits, out_dir: Path | None = None) -> dict[Path, bytes]:
    """``<id>-采用情况.docx`` and ``.txt`` for ``issue`` (rendered in memory; publish writes them with the outputs)."""
    out = Path(out_dir or ws.root / "build" / issue.id)
    notices = issue_notices(ws, issue, credits)
    return {out / f"{issue.id}-{STEM}.docx": docx(ws, issue, notices),
            out / f"{issue.id}-{STEM}.txt": text(ws, issue, notices).encode("utf-8")}

