"""The 通报 renderers: DOCX (公文 layout), PDF and XLSX, from hand-built Report values.

Reports are built here with a few units per group shaped like the reference
January report (Liaocheng form) and the May–June notice (Golmud form); every
output is rendered once per module and read back.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal as D

import pytest

from composer.model import Commission
from composer.scores import GroupReport, Measure, Report, ScoredItem, ScoreRow

# ---------------------------------------------------------------- Liaocheng sample

OWN = {"信息": D(1), "简讯": D("0.5")}


def _item(title, label, points, *, own=False, kind="信息", issue=None, commission=False):
    return ScoredItem(title=title, outlet="简报" if own else label.rstrip("★"), kind=kind, points=D(points),
                      month="2024-01", label=label, issue=issue, own=own, star=label.endswith("★"),
                      commission=commission)


def own(title, issue, kind):
    return _item(title, f"第{issue}期  {kind}", OWN[kind], own=True, kind=kind, issue=issue)


def lc_row(unit, group, submitted, items=(), *, reported_up=0, bonuses=(), rank, short=None, cumulative=None):
    owns = [i for i in items if i.own]
    highers = [i for i in items if not i.own and not i.commission]
    comms = [i for i in items if i.commission]
    own_points = sum((i.points for i in owns), D(0))
    higher_points = sum((i.points for i in highers), D(0))
    bonus_points = sum((p for _, p in bonuses), D(0))
    commission_points = sum((i.points for i in comms), D(0))
    base = D(5) if reported_up else None
    adoption = own_points + higher_points + bonus_points
    period = adoption + commission_points + (base or 0)
    return ScoreRow(
        unit=unit, unit_name=unit, short=short or unit, group=group,
        submitted=submitted, submitted_cumulative=submitted,
        higher_adopted=len(highers), own_adopted=len(owns),
        own_articles=sum(1 for i in owns if i.kind == "信息"), own_briefs=sum(1 for i in owns if i.kind == "简讯"),
        own_points=own_points, higher_points=higher_points, bonus_points=bonus_points, bonuses=tuple(bonuses),
        adoption_points=adoption, commissioned=len(comms), commission_points=commission_points,
        reported_up=reported_up, base_points=base, submission_points=None,
        period_points=period, cumulative_points=cumulative if cumulative is not None else period,
        rank=rank, qualified=None, items=tuple(items),
    )


COUNTY = "县（市、区）局"
OFFICES = "机关各科室"
INSTITUTIONS = "局属事业单位"


def liaocheng_report(**extra) -> Report:
    county = (
        lc_row("高新区分局", COUNTY, 4, (
            own("高新区开展保护鸟类专项整治行动", 1, "信息"),
            own("高新区分局科学推进2024年土地供应", 2, "简讯"),
            own("我市举办“鲜花进万家·欢喜过大年”迎新春嘉年华活动", 2, "信息"),
            own("高新区分局认真落实“一地一策”和分类处置措施", 2, "简讯"),
        ), reported_up=1, rank=1),
        lc_row("阳谷局", COUNTY, 6, (
            own("2023年，全市供应土地595宗", 1, "简讯"),
            own("阳谷不动产登记中心：不断“上新”助力营商环境持续优化", 2, "信息"),
            own("《阳谷县安乐镇国土空间总体规划（2021-2035）》顺利通过专家评审", 2, "简讯"),
            own("阳谷县持续加大批而未供土地处置力度", 2, "简讯"),
        ), reported_up=1, rank=2),
        lc_row("临清局", COUNTY, 17, (
            own("临清市不动产登记中心再推新举措", 1, "简讯"),
            own("临清局：筑牢“绿色屏障”提升森林资源保护成效", 2, "信息"),
            own("临清局就全市2024年拟出让宗地情况进行了梳理", 2, "简讯"),
        ), reported_up=1, rank=3),
        lc_row("莘县局", COUNTY, 5, (
            own("聊城、濮阳协同推进湿地生态保护暨世界湿地日宣传活动在莘县举办", 2, "信息"),
            own("山东莘信能源科技有限公司与柏能新能源（深圳）有限公司举行碳减排项目开发咨询协议签约仪式", 2, "简讯"),
            own("莘县局坚持以“三调”成果为基础的最新年度变更调查现状地类为准", 2, "简讯"),
        ), reported_up=1, rank=3),
        lc_row("冠县局", COUNTY, 4, (
            own("我市冠县国有毛白杨林场、茌平区国有广平林场被国家林草局认定为全国种苗基地试点类型林场", 1, "简讯"),
            own("冠县：科技赋能筑牢耕地保护红线", 1, "信息"),
            own("冠县：三大举措强化要素保障助力重大项目落地达产", 2, "信息"),
        ), rank=4),
        lc_row("东阿局", COUNTY, 3, (), rank=5),
    )
    offices = (
        lc_row("耕地保护监督科", OFFICES, 8, (
            own("我市狠抓耕地流出问题整改成效显著", 1, "简讯"),
            own("2023年，我市共保障177个项目所需的4796.97亩占补平衡指标", 1, "简讯"),
            own("省自然资源厅副厅级干部赵培金一行4人到我市调研卫星遥感监测工作", 2, "简讯"),
            own("市局扎实开展耕地不合理流出问题整改工作", 2, "简讯"),
            _item("我市狠抓耕地流出问题整改", "昨日市情★", 15),
            _item("我市耕地面积实现“三连增”", "每日动态", 5),
            _item("各部门强化措施全力争取一季度“开门红”", "每日动态", 5),
            _item("我市推进耕地恢复守牢耕地保护红线", "每日动态", 5),
        ), reported_up=2, rank=1, short="耕保科"),
        lc_row("用途管制科", OFFICES, 4, (
            own("2023年，全市共批复增减挂钩项目14个", 1, "简讯"),
            _item("我市扎实推进增减挂钩促进城乡统筹发展", "昨日市情★", 15),
            _item("我市聚焦要素保障助力重点项目“加速跑”", "昨日市情约稿", 5),
        ), reported_up=2, rank=2, short="用途科"),
        lc_row("调查监测科", OFFICES, 4, (
            own("2023年，全市共办理不动产登记证书202531本", 1, "简讯"),
            _item("我市发放消费券助推不动产权证办理", "昨日市情", 5),
        ), reported_up=2, rank=3, short="调查科"),
        lc_row("建设工程管理科", OFFICES, 4, (
            own("2023年，全市共核发建设用地规划条件461件", 1, "简讯"),
            own("规划力量添双翼  凝心聚力促发展——我市印发《责任规划师制度实施办法》", 1, "信息"),
        ), reported_up=1, bonuses=(("参加新闻发布会", D(5)),), rank=4),
        lc_row("防灾减灾科", OFFICES, 5, (
            own("全市自然资源领域岁末年初安全生产工作会议召开", 2, "信息"),
            _item("全市森林防火工作情况", "市政府约稿", 5, commission=True),
        ), reported_up=1, rank=5),
        lc_row("科技和信息化科", OFFICES, 4, (), reported_up=1, rank=6),
    )
    institutions = (
        lc_row("市国土空间开发保护中心", INSTITUTIONS, 11, (
            own("2023年，全市共核发建设用地规划条件461件", 1, "简讯"),
            _item("我市坚持数字赋能推进自然资源高效利用", "每日动态", 5),
            _item("我市创新开展“百镇千图”活动助力乡村振兴", "普刊", 5),
        ), reported_up=1, bonuses=(("参加新闻发布会", D(5)),), rank=1),
        lc_row("市土地储备整治中心", INSTITUTIONS, 5, (
            _item("我市打出组合拳助推储备工作提质增效", "聊城信息", 5),
        ), reported_up=1, rank=2),
        lc_row("市规划展览馆", INSTITUTIONS, 4, (), reported_up=1, rank=3),
    )

    def group(name, rows, received, top):
        return GroupReport(name=name, rows=rows, received=received,
                           own_adopted=sum(r.own_adopted for r in rows), top=top)

    groups = (
        group(COUNTY, county, 70, ("高新区分局", "阳谷局", "临清局", "莘县局")),
        group(OFFICES, offices, 99, ("耕保科", "用途科", "调查科")),
        group(INSTITUTIONS, institutions, 55, ("市国土空间开发保护中心", "市土地储备整治中心", "市规划展览馆")),
    )
    fields = dict(period="2024-01", months=("2024-01",), year=2024, rules="聊城", form="liaocheng", groups=groups,
                  received=224, own_adopted=sum(g.own_adopted for g in groups))
    fields.update(extra)
    return Report(**fields)


# ---------------------------------------------------------------- Golmud sample

KEYS = ("省/信息", "州/信息", "市/信息", "省/动态", "州/动态", "市/动态")


def gm_row(unit, submitted, sub_cum, counts, period, cumulative, qualified):
    measures = tuple(Measure(key=k, period=counts[2 * i], cumulative=counts[2 * i + 1]) for i, k in enumerate(KEYS))
    return ScoreRow(
        unit=unit, unit_name=unit, short=unit, group="各部门各单位",
        submitted=submitted, submitted_cumulative=sub_cum, higher_adopted=sum(counts[0::2]), own_adopted=0,
        own_articles=0, own_briefs=0, own_points=D(0), higher_points=D(period - submitted), bonus_points=D(0),
        bonuses=(), adoption_points=D(period - submitted), commissioned=0, commission_points=D(0), reported_up=0,
        base_points=None, submission_points=D(submitted), period_points=D(period), cumulative_points=D(cumulative),
        rank=None, qualified=qualified, measures=measures,
    )


GOLMUD_ROWS = (
    gm_row("市文体旅游广电局", 22, 55, (0, 0, 4, 4, 3, 6, 2, 2, 0, 2, 0, 4), 127, 197, True),
    gm_row("市交通运输局", 12, 21, (0, 0, 3, 4, 4, 6, 3, 3, 1, 1, 0, 0), 127, 161, True),
    gm_row("市人民检察院", 15, 56, (0,) * 12, 15, 56, True),
    gm_row("市教育局", 5, 27, (0, 0, 2, 4, 2, 8, 2, 4, 1, 1, 1, 2), 83, 198, False),
    gm_row("投资控股公司", 1, 3, (0,) * 12, 1, 3, False),
)


def golmud_report(**extra) -> Report:
    rows = GOLMUD_ROWS
    sums = [sum(m.period for r in rows for m in r.measures if m.key == k) for k in KEYS]
    cums = [sum(m.cumulative for r in rows for m in r.measures if m.key == k) for k in KEYS]
    counts = tuple(x for pair in zip(sums, cums) for x in pair)
    totals = gm_row("合计", sum(r.submitted for r in rows), sum(r.submitted_cumulative for r in rows), counts,
                    int(sum(r.period_points for r in rows)), int(sum(r.cumulative_points for r in rows)), None)
    fields = dict(
        period="2024-05..2024-06", months=("2024-05", "2024-06"), year=2024, rules="格尔木", form="golmud",
        groups=(GroupReport(name="各部门各单位", rows=rows, received=482, own_adopted=117, top=()),),
        totals=totals, commissions_total=42, commissions_adopted=39,
        upcoming=(
            Commission(topic="全市坚持和发展新时代枫桥经验的主要做法及取得成效", units=("市司法局",),
                       deadline=dt.date(2024, 7, 16)),
            Commission(topic="社区精细化为民服务工作亮点及成效", units=("东城区行政委员会", "西城区行政委员会"),
                       deadline=dt.date(2024, 7, 23)),
            Commission(topic="全市耕地保护工作采取措施及取得成效", units=("市自然资源局",),
                       deadline=dt.date(2024, 8, 1)),
        ),
        below_submission_quota=("市教育局", "格尔木投资控股有限公司"),
        below_adoption_quota=("市住房和城乡建设局", "市自然资源局"),
        received=482, own_adopted=117,
    )
    fields.update(extra)
    return Report(**fields)
