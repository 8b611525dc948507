"""The adoption report as JSON (for integrations and tests).

``{"period", "rules", "groups": [{"name", "rows": [{"unit", "submitted", …, "items": [...]}]}]}``.
Numbers are JSON numbers (0.5, 37 — never "0.5" or 37.0); fields the rules do
not use are null.  Extra fields (cover counts, measures, quota results) follow
the required ones.  Pure: report in, text out.
"""

from __future__ import annotations

import json
from decimal import Decimal

ROW_FIELDS = (
    "unit", "submitted", "higher_adopted", "own_adopted", "adoption_points", "commissioned",
    "commission_points", "reported_up", "base_points", "period_points", "cumulative_points", "rank", "qualified",
)


def number(d):
    """A Decimal as a JSON number: whole numbers as int, others as the shortest float."""
    if isinstance(d, Decimal):
        return int(d) if d == d.to_integral_value() else float(d)
    return d


def _row(row, unused: tuple[str, ...]) -> dict:
    out = {f: (None if f in unused else number(getattr(row, f))) for f in ROW_FIELDS}
    out["items"] = [
        {"title": it.title, "outlet": it.outlet, "kind": it.kind, "points": number(it.points),
         "label": it.label, "issue": it.issue, "star": it.star, "month": it.month}
        for it in row.items
    ]
    out.update({
        "previous_rank": row.previous_rank,
        "rank_change": row.rank_change,
        "unit_name": row.unit_name,
        "short": row.short,
        "submitted_cumulative": row.submitted_cumulative,
        "own_articles": row.own_articles,
        "own_briefs": row.own_briefs,
        "own_points": number(row.own_points),
        "higher_points": number(row.higher_points),
        "bonus_points": number(row.bonus_points),
        "bonuses": [{"reason": r, "points": number(p)} for r, p in row.bonuses],
        "submission_points": number(row.submission_points),
        "failures": list(row.failures),
        "waived": list(row.waived),
        "measures": {m.key: {"period": m.period, "cumulative": m.cumulative} for m in row.measures},
    })
    return out


def as_dict(report) -> dict:
    return {
        "period": report.period,
        "rules": report.rules,
        "groups": [
            {"name": g.name, "rows": [_row(r, report.unused) for r in g.rows],
             "received": g.received, "own_adopted": g.own_adopted, "top": list(g.top)}
            for g in report.groups
        ],
        "months": list(report.months),
        "form": report.form,
        "title": report.title,
        "received": report.received,
        "own_adopted": report.own_adopted,
        "adopted_credits": report.adopted_credits,
        "totals": _row(report.totals, report.unused) if report.totals else None,
        "commissions": {"total": report.commissions_total, "adopted": report.commissions_adopted},
        "upcoming": [
            {"topic": c.topic, "units": list(c.units), "deadline": c.deadline.isoformat() if c.deadline else None}
            for c in report.upcoming
        ],
        "below_submission_quota": list(report.below_submission_quota),
        "below_adoption_quota": list(report.below_adoption_quota),
        "date": report.date.isoformat() if report.date else None,
        "addressees": report.addressees,
        "issuer": report.issuer,
        "commentary": report.commentary,
        "notes": list(report.notes),
        "unused": list(report.unused),
    }


def render(report) -> str:
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2) + "\n"
