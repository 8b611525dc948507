"""The 通报 renderers: DOCX (公文 layout), PDF and XLSX, from hand-built Report values.

Reports are built here with a few units per group shaped like the reference
January report (Liaocheng form) and the May–June notice (Golmud form); every
output is rendered once per module and read back.
"""

from __future__ import annotations

import datetime as dt
import io
import re
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


# ---------------------------------------------------------------- rendered once per module

GOLMUD_UNITS = """\
groups:
  - name: 各部门各单位
    table_name: name
    units:
      - {name: 市文体旅游广电局, short: 市文体旅游广电局, quota: A}
      - {name: 市交通运输局, short: 市交通运输局, quota: A}
      - {name: 市人民检察院, short: 市人民检察院}
      - {name: 市教育局, short: 市教育局, quota: A}
      - {name: 投资控股公司, short: 投资控股公司, quota: C}
"""


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory):
    from composer.workspace import open_workspace
    from tests.conftest import base_files, write_files

    lc = write_files(tmp_path_factory.mktemp("lc"), base_files())
    gm_files = base_files()
    gm_files["jianbao.yml"] = gm_files["jianbao.yml"].replace("organization: 市自然资源和规划局",
                                                              "organization: 格尔木市人民政府办公室")
    gm_files["contributors/units.yml"] = GOLMUD_UNITS
    gm = write_files(tmp_path_factory.mktemp("gm"), gm_files)
    return open_workspace(lc), open_workspace(gm)


LC_TEXTS = dict(
    title="关于1月份政务信息采用情况的通报",
    addressees="各县（市、区）局，机关各科室、局属各分局、各事业单位",
    issuer="聊城市自然资源和规划局",
    date=dt.date(2024, 3, 20),
    attachment="1月份政务信息采用情况",
    commentary="总体来看，1月份各单位报送稿件数量较少、质量一般。",
    notes=("计分方式：按照《聊城市自然资源和规划局信息宣传工作考核办法》（新修订版）规定的标准计分。",
           "本次通报范围为2024年1月份市政府办公室信息采用情况。"),
)


def _report(factory, **texts):
    """A Report with the text fields when this Report type has them (scoring adds them)."""
    have = {k: v for k, v in texts.items() if k in Report.__dataclass_fields__}
    return factory(**have)


@pytest.fixture(scope="module")
def lc_report():
    return _report(liaocheng_report, **LC_TEXTS)


@pytest.fixture(scope="module")
def gm_report():
    return _report(golmud_report, date=dt.date(2024, 7, 10),
                   notes=("党建信息、领导活动、会议信息、培训活动、全市开展性活动等不计入政务信息范围内。",))


@pytest.fixture(scope="module")
def lc_docx(workspaces, lc_report):
    from docx import Document

    from composer.reports import docx_report

    data = docx_report.render(workspaces[0], lc_report)
    return data, Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def gm_docx(workspaces, gm_report):
    from docx import Document

    from composer.reports import docx_report

    data = docx_report.render(workspaces[1], gm_report)
    return data, Document(io.BytesIO(data))


def _texts(document) -> list[str]:
    """Paragraph texts as printed (without the word joiners that glue 累计7分） together)."""
    return [p.text.replace("\u2060", "") for p in document.paragraphs]


def _table_text(table) -> list[list[str]]:
    """Cell texts with the planned line breaks removed (see test_docx_table_breaks for them)."""
    return [[c.text.replace("\n", "") for c in row.cells] for row in table.rows]


# ---------------------------------------------------------------- DOCX, Liaocheng form

def test_docx_cover(lc_docx):
    _, d = lc_docx
    texts = _texts(d)
    assert "关于1月份政务信息采用情况的通报" in texts
    assert "各县（市、区）局，机关各科室、局属各分局、各事业单位：" in texts
    counts = next(t for t in texts if t.startswith("1月份，"))
    assert counts == ("1月份，市局办公室共收到信息224条，其中各县（市、区）局信息70条，机关各科室信息99条、"
                      "事业单位信息55条；市局采用县（市、区）局信息17条、机关各科室信息9条、事业单位信息1条。")
    assert ("累计得分前三的县（市、区）局为高新区分局、阳谷局、临清局、莘县局；得分前三的科室为耕保科、用途科、调查科；"
            "得分前三的事业单位为市国土空间开发保护中心、市土地储备整治中心、市规划展览馆。") in texts
    assert "附件：1月份政务信息采用情况" in texts
    if "date" in Report.__dataclass_fields__:
        assert "聊城市自然资源和规划局" in texts and "2024年3月20日" in texts
        assert "总体来看，1月份各单位报送稿件数量较少、质量一般。" in texts
    # signature 右空二字: right indent of two grid characters
    sig = next(p for p in d.paragraphs if p.style.style_id == "GwSignature")
    assert abs(sig.paragraph_format.right_indent.pt - 2 * 15.793) < 0.1
    # 附件 starts a new page, label then title
    label = next(p for p in d.paragraphs if p.text == "附件")
    assert label.paragraph_format.page_break_before and label.style.style_id == "GwAttachLabel"


def test_docx_tables(lc_docx):
    _, d = lc_docx
    assert len(d.tables) == 3
    t = _table_text(d.tables[0])
    assert t[0][:5] == ["单位", "上报篇数", "采用信息", "采用信息", "采用信息"]  # merged across 3 columns
    assert t[1][0] == "单位" and t[1][2:7] == ["市级以上采用篇数", "市局简报采用篇数", "记分", "篇数", "记分"]
    assert t[0][7:] == ["报省市", "本月基础分", "本月分数", "累计分数", "总排名"]
    assert t[2] == ["高新区分局", "4", "", "4", "3", "", "", "1", "5", "8", "8", "1"]
    assert t[3] == ["阳谷局", "6", "", "4", "2.5", "", "", "1", "5", "7.5", "7.5", "2"]
    assert t[-1] == ["东阿局", "3", "", "", "", "", "", "", "", "0", "0", "5"]
    offices = _table_text(d.tables[1])
    assert offices[2] == ["耕地保护监督科", "8", "4", "4", "32", "", "", "2", "5", "37", "37", "1"]
    assert offices[5] == ["建设工程管理科", "4", "", "2", "6.5", "", "", "1", "5", "11.5", "11.5", "4"]
    assert offices[6] == ["防灾减灾科", "5", "", "1", "1", "1", "5", "1", "5", "11", "11", "5"]
    # merged header cells are one cell spanning two rows (vMerge) / three columns (gridSpan)
    head = d.tables[0].rows[0].cells
    assert head[0]._tc is d.tables[0].rows[1].cells[0]._tc
    assert head[2]._tc is head[4]._tc


def test_docx_table_breaks(lc_docx):
    """Headers stack at word boundaries as in the reference (总/排/名, 本月/分数); names stay whole."""
    _, d = lc_docx
    head = [c.text for c in d.tables[0].rows[0].cells]
    assert head[1] == "上报\n篇数" and head[-1] == "总\n排\n名"
    assert head[-3:-1] == ["本月\n分数", "累计\n分数"] and head[8] == "本月\n基础分"
    sub = [c.text for c in d.tables[0].rows[1].cells]
    assert sub[2] == "市级\n以上\n采用\n篇数"
    # the 单位 column is wide enough for every name of the sample: no name is broken
    for t in d.tables:
        assert all("\n" not in row.cells[0].text for row in t.rows[2:])


UNIT_LINES = (
    "阳谷局（1月份报送稿件6篇，其中市局采用信息1篇、简讯3则，合计2.5分；报市1篇，本月基础分5分；累计7.5分）",
    "耕地保护监督科（1月份报送稿件8篇，其中市局采用简讯4则，合计2分；上级采用信息4篇，合计30分；报市2篇，本月基础分5分；累计37分）",
    "建设工程管理科（1月份报送稿件4篇，其中市局采用信息1篇、简讯1则，合计1.5分；报市1篇，本月基础分5分；参加新闻发布会加5分；累计11.5分）",
    "防灾减灾科（1月份报送稿件5篇，其中市局采用信息1篇，合计1分；上级约稿信息1篇，合计5分；报市1篇，本月基础分5分；累计11分）",
    "冠县局（1月份报送稿件4篇，其中市局采用信息2篇、简讯1则，合计2.5分；累计2.5分）",
    "东阿局（1月份报送稿件3篇，累计0分）",
    "市土地储备整治中心（1月份报送稿件5篇，上级采用信息1篇，合计5分；报市1篇，本月基础分5分；累计10分）",
    "科技和信息化科（1月份报送稿件4篇，报市1篇，本月基础分5分；累计5分）",
)


def test_docx_itemized_wording(lc_docx):
    _, d = lc_docx
    texts = _texts(d)
    for line in UNIT_LINES:
        assert line in texts
    i = texts.index(UNIT_LINES[1])
    items = [t.replace("\n", "") for t in texts[i + 1:i + 9]]
    assert items[0] == "1、我市狠抓耕地流出问题整改成效显著\t（第1期  简讯）"
    assert items[4] == "5、我市狠抓耕地流出问题整改\t（昨日市情★）"
    assert items[5] == "6、我市耕地面积实现“三连增”\t（每日动态）"
    assert "2、全市森林防火工作情况\t（市政府约稿）" in texts
    assert texts.index("各县（市、区）局信息采用情况") < texts.index(UNIT_LINES[0])
    assert "机关各科室信息采用情况" in texts and "各事业单位信息采用情况" in texts
    if "notes" in Report.__dataclass_fields__:
        assert "注：1、计分方式：按照《聊城市自然资源和规划局信息宣传工作考核办法》（新修订版）规定的标准计分。" in texts


def test_docx_styles_and_page(lc_docx):
    data, d = lc_docx
    import zipfile

    from docx.oxml.ns import qn

    by_id = {s.style_id: s for s in d.styles}

    def east_asia(style_id):
        rf = by_id[style_id].element.rPr.find(qn("w:rFonts"))
        assert rf.get(qn("w:eastAsiaTheme")) is None
        return rf.get(qn("w:eastAsia"))

    assert east_asia("GwTitle") == "方正小标宋简体"
    assert east_asia("GwBody") == "仿宋_GB2312"
    assert east_asia("GwAttachLabel") == "黑体"
    assert east_asia("GwTableTitle") == "楷体_GB2312"
    assert by_id["GwTitle"].font.size.pt == 22 and by_id["GwBody"].font.size.pt == 16
    title = next(p for p in d.paragraphs if p.text == "关于1月份政务信息采用情况的通报")
    assert title.style.style_id == "GwTitle"
    # an editor sees Chinese style names, as in the bulletin's DOCX
    assert (title.style.name, by_id["GwBody"].name, by_id["GwSignature"].name) == ("公文标题", "公文正文", "发文机关署名")
    assert all(not s.name.startswith("Gw") for s in d.styles if s.style_id.startswith("Gw"))
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [37, 35, 28, 26]
    z = zipfile.ZipFile(io.BytesIO(data))
    assert b"evenAndOddHeaders" in z.read("word/settings.xml")
    footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert len(footers) == 2 and all("PAGE" in f and "— " in f for f in footers)
    assert any('w:val="right"' in f for f in footers) and any('w:val="left"' in f for f in footers)


def test_docx_unit_summary_keeps_its_figures_whole(lc_docx, tmp_path):
    """Issue 10 point 8 in Word/LibreOffice: 累计7 ⏎ 分） never; each figure stays with its measure
    word, as in the PDF (the same groups, glued by word joiners in the 不断行 character style)."""
    import os
    import shutil

    from docx.oxml.ns import qn

    data, d = lc_docx
    keep = d.styles["不断行"]
    assert keep.type == 2 and keep.element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "en-US"  # character style
    units = [p for p in d.paragraphs if p.style.name == "单位情况"]
    assert len(units) >= len(UNIT_LINES)
    for p in units:
        groups = [r.text for r in p.runs if r.style.name == "不断行"]
        assert groups and all(g == "\u2060".join(g.replace("\u2060", "")) for g in groups)
        assert re.fullmatch(r"累计[\d.]+分）", groups[-1].replace("\u2060", "")), p.text
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return  # the XML is checked; LibreOffice's lines are checked where it is installed
    src = tmp_path / "report.docx"
    src.write_bytes(data)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True).stdout
    lines = [re.sub(r"\s+", "", ln) for ln in text.splitlines()]
    assert sum("累计" in ln and "分）" in ln for ln in lines) >= len(UNIT_LINES)
    # (a line of only 累计 is a stacked table header)
    split = [ln for ln in lines if ln.startswith("分）") or re.search(r"累计[\d.]*$", ln) and ln != "累计"
             or re.search(r"\d$", ln) and "报送稿件" in ln]
    assert not split


# ---------------------------------------------------------------- DOCX, Golmud form

def test_docx_golmud(gm_docx):
    _, d = gm_docx
    texts = _texts(d)
    assert "格尔木市人民政府办公室" in texts  # the issuing organ's own title line
    assert "关于2024年5—6月份政务信息报送采用情况" in texts
    assert "（一）约稿信息。市政府办公室共向各部门、各单位约稿42篇，采用39篇。" in texts
    assert "信息报送数量不合格的部门有：市教育局、格尔木投资控股有限公司。" in texts
    assert "信息采用量不合格的部门有：市住房和城乡建设局、市自然资源局。" in texts
    assert "二、2024年7—8月份信息报送要点" in texts
    assert "1.全市坚持和发展新时代枫桥经验的主要做法及取得成效（责任单位：市司法局，7月16日前报送）；" in texts
    assert "3.全市耕地保护工作采取措施及取得成效（责任单位：市自然资源局，8月1日前报送）。" in texts
    quota = next(t for t in texts if t.startswith("（二）政务信息。"))
    assert quota.startswith("（二）政务信息。市政府办公室共收到各类政务信息482条，采用")
    assert "附件：各部门各单位2024年5—6月份信息报送采用情况统计表" in texts
    assert d.sections[-1].orientation == 1  # landscape section for the wide table
    t = _table_text(d.tables[0])
    assert len(t[0]) == 18
    assert t[0][1] == "信息报送情况" and t[0][3] == "信息采用情况" and t[0][9] == "动态采用情况"
    assert t[1][3:9] == ["省", "省", "州", "州", "市", "市"]
    assert t[2][1:5] == ["本月报送", "累计报送", "本月采用", "累计采用"] and t[2][15:17] == ["本月积分", "累计积分"]
    assert t[3] == ["市文体旅游广电局", "22", "55", "0", "0", "4", "4", "3", "6", "2", "2", "0", "2", "0", "4",
                    "127", "197", "合格"]
    assert t[6][0] == "市教育局" and t[6][-1] == "不合格"
    assert t[-1] == ["合计", "55", "162", "0", "0", "9", "12", "9", "20", "7", "9", "2", "4", "1", "6", "353", "615", ""]


# ---------------------------------------------------------------- XLSX

@pytest.fixture(scope="module")
def lc_xlsx(workspaces, lc_report):
    from openpyxl import load_workbook

    from composer.reports import xlsx_report

    return load_workbook(io.BytesIO(xlsx_report.render(workspaces[0], lc_report)))


def test_xlsx_liaocheng(lc_xlsx):
    wb = lc_xlsx
    assert wb.sheetnames == [COUNTY, OFFICES, INSTITUTIONS, "采用明细"]
    ws = wb[COUNTY]
    assert ws["A1"].value == "（一）1月份县（市、区）局政务信息统计"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:L1", "A2:A3", "B2:B3", "C2:E2", "F2:G2", "L2:L3"} <= merged
    assert [ws.cell(row=3, column=c).value for c in range(3, 8)] == ["市级以上采用篇数", "市局简报采用篇数", "记分", "篇数", "记分"]
    assert ws["C2"].font.b and ws["C2"].alignment.horizontal == "center" and ws["C2"].border.top.style == "thin"
    assert ws.freeze_panes == "B4"
    row = [c.value for c in ws[5]]  # 阳谷局
    assert row == ["阳谷局", 6, None, 4, 2.5, None, None, 1, 5, 7.5, 7.5, 2]
    assert isinstance(row[4], float) and isinstance(row[1], int)
    items = wb["采用明细"]
    col = [c.value for c in items["A"]]
    assert UNIT_LINES[0] in col
    i = col.index(UNIT_LINES[0])
    assert (items.cell(row=i + 2, column=1).value, items.cell(row=i + 2, column=2).value) == \
        ("1、2023年，全市供应土地595宗", "（第1期  简讯）")


def test_xlsx_golmud(workspaces, gm_report):
    from openpyxl import load_workbook

    from composer.reports import xlsx_report

    wb = load_workbook(io.BytesIO(xlsx_report.render(workspaces[1], gm_report)))
    assert wb.sheetnames == ["统计表"]
    ws = wb["统计表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:A4", "B2:C3", "D2:I2", "J2:O2", "D3:E3", "P2:Q3", "R2:R4"} <= merged
    assert [c.value for c in ws[5]] == ["市文体旅游广电局", 22, 55, 0, 0, 4, 4, 3, 6, 2, 2, 0, 2, 0, 4, 127, 197, "合格"]
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "合计" and total[1:3] == [55, 162] and total[15:17] == [353, 615]
    assert ws.freeze_panes == "B5" and ws.page_setup.orientation == "landscape"


# ---------------------------------------------------------------- PDF

def test_html_is_escaped(workspaces):
    from composer.reports import pdf_report

    rows = list(liaocheng_report().groups[0].rows)
    rows[0] = lc_row("高新区分局", COUNTY, 4, (own("<b>标题</b> & 说明", 1, "信息"),), rank=1)
    groups = (GroupReport(name=COUNTY, rows=tuple(rows), received=1, own_adopted=1, top=("高新区分局",)),)
    html = pdf_report.html(workspaces[0], liaocheng_report(groups=groups))
    assert "1、&lt;b&gt;标题&lt;/b&gt; &amp; 说明" in html and "<b>标题" not in html


@pytest.fixture(scope="module")
def pdf_texts(workspaces, lc_report, gm_report):
    from pypdf import PdfReader

    from composer.reports import pdf_report

    out = {}
    for key, ws, rep in (("lc", workspaces[0], lc_report), ("gm", workspaces[1], gm_report)):
        data = pdf_report.render(ws, rep)
        assert data.startswith(b"%PDF")
        try:
            text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                                  check=True).stdout.decode()
        except FileNotFoundError:
            text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        out[key] = (PdfReader(io.BytesIO(data)), text)
    return out


def test_pdf_liaocheng(pdf_texts):
    reader, text = pdf_texts["lc"]
    flat = "".join(text.split())
    assert "关于1月份政务信息采用情况的通报" in flat
    assert "（一）1月份县（市、区）局政务信息统计" in flat
    assert "阳谷局642.5157.57.52" in flat  # the table row, blanks dropped
    assert "耕地保护监督科844322537371" in flat
    assert "".join(UNIT_LINES[0].split()) in flat
    assert "—1—" in flat and "—2—" in flat
    assert len(reader.pages) >= 3
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_pdf_golmud(pdf_texts):
    reader, text = pdf_texts["gm"]
    flat = "".join(text.split())
    assert "信息采用量不合格的部门有：市住房和城乡建设局、市自然资源局。" in flat
    assert "市文体旅游广电局2255004436220204127197合格" in flat
    assert "合计551620091292079241635361" in flat
    last = reader.pages[-1].mediabox
    assert float(last.width) > float(last.height)  # the 附件 table page is landscape


# ---------------------------------------------------------------- PDF layout (issue 10 point 8)

@pytest.fixture(scope="module")
def lc_pdf_lines(workspaces, lc_report):
    """Every printed line of the Liaocheng PDF: (page, y, x0, x1, text, size), from pdfminer's glyphs."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    from composer.reports import pdf_report

    data = pdf_report.render(workspaces[0], lc_report)
    out = []

    def chars(obj):
        if isinstance(obj, LTChar):
            yield obj
        elif hasattr(obj, "__iter__"):
            for o in obj:
                yield from chars(o)

    for n, page in enumerate(extract_pages(io.BytesIO(data)), 1):
        rows: dict[tuple[float, float], list] = {}
        for c in chars(page):
            rows.setdefault((round(c.y0), round(c.size)), []).append(c)
        for (y, size), cs in sorted(rows.items(), key=lambda kv: -kv[0][0]):
            cs.sort(key=lambda c: c.x0)
            out.append((n, y, cs[0].x0, cs[-1].x1, "".join(c.get_text() for c in cs), size))
    return out


LEFT, RIGHT = 28 * 72 / 25.4, (28 + 156) * 72 / 25.4  # the 版心's edges (pt)


def test_pdf_body_is_justified(lc_pdf_lines):
    """A body line followed by a line of the same paragraph ends on the 版心's right edge."""
    body = [ln for ln in lc_pdf_lines if ln[5] == 16 and ln[0] == 1]
    full = [a for a, b in zip(body, body[1:]) if abs(b[2] - LEFT) < 1 and len(a[4]) > 15]
    assert len(full) >= 4
    for ln in full:
        assert abs(ln[3] - RIGHT) < 2.0, ln
    # unit summaries in the attachment too (a line that continues on the next one)
    units = [ln for ln in lc_pdf_lines if ln[5] == 16 and "（1月份报送稿件" in ln[4]]
    assert units and all(abs(ln[3] - RIGHT) < 2.0 for ln in units if not ln[4].endswith("）"))


def test_pdf_unit_summary_keeps_its_end(lc_pdf_lines):
    texts = [ln[4].strip() for ln in lc_pdf_lines if ln[5] == 16]
    assert not [t for t in texts if t.startswith("分）") or t.endswith("累计") or re.search(r"累计[\d.]+$", t)]


def test_pdf_notes_align_and_headers_stack(lc_pdf_lines):
    notes = [ln for ln in lc_pdf_lines if ln[5] == 14 and (ln[4].startswith("注：1、") or ln[4].startswith("2、"))]
    assert len(notes) == 2
    first, second = notes
    assert abs((first[2] + 2 * 14) - second[2]) < 1.0  # 注： hangs, 1、 and 2、 start at the same x
    # 总/排/名 stacked one character a line in the rank column, as in the reference
    # (the rank column is the rightmost: the last glyph of three successive header lines)
    stack = [ln for ln in lc_pdf_lines if ln[0] == 2 and ln[5] < 12 and ln[4].strip()[-1:] in ("总", "排", "名")]
    assert [ln[4].strip()[-1] for ln in stack[:3]] == ["总", "排", "名"]
    assert len({round(ln[3]) for ln in stack[:3]}) == 1


def test_pdf_unit_column_breaks_at_words():
    from composer.reports.content import name_lines, wrap_words

    assert name_lines("自然资源督察办公室", 12) == ("自然资源督察办公室",)
    assert name_lines("东昌府区分局", 5) == ("东昌府区", "分局")
    assert name_lines("市国土空间开发保护中心", 6.5) == ("市国土空间", "开发保护中心")
    assert name_lines("科技和信息化科", 5) == ("科技和", "信息化科")
    assert wrap_words(("总", "排名"), 1.5) == ("总", "排", "名")
    assert wrap_words(("本月", "基础分"), 3.3) == ("本月", "基础分")


def test_signature_date_default():
    from composer.commands.report import signature_date

    today = dt.date(2026, 11, 30)
    assert signature_date(("2026-11",), today) == (today, "today")
    assert signature_date(("2026-10",), today)[0] == today  # issued in the weeks after the month
    d, why = signature_date(("2024-01",), today)
    assert d == dt.date(2024, 2, 29) and "long ago" in why
    assert signature_date(("2024-11", "2024-12"), today)[0] == dt.date(2025, 1, 31)


# ---------------------------------------------------------------- whole commands on the sample ledger

@pytest.fixture(scope="module")
def sample_ledger_ws(tmp_path_factory):
    """The repository's own sample rules, units and January ledger in a fresh workspace."""
    import shutil
    from pathlib import Path

    from tests.conftest import PUBLICATION, write_files

    repo = Path(__file__).resolve().parents[1]
    dest = write_files(tmp_path_factory.mktemp("annual") / "ws", {"jianbao.yml": PUBLICATION})
    shutil.copytree(repo / "contributors", dest / "contributors")
    shutil.copytree(repo / "ledger", dest / "ledger")
    return dest


def _cli(ws, *args):
    from click.testing import CliRunner

    from composer.cli import main

    r = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return r.exit_code, r.output + (r.stderr if r.stderr_bytes is not None else "")


def test_annual_report_documents(sample_ledger_ws):
    """`report annual 2024` writes DOCX, XLSX and PDF like the monthly 通报 (issue 9 point 7)."""
    from docx import Document
    from openpyxl import load_workbook

    code, out = _cli(sample_ledger_ws, "report", "annual", "2024")
    assert code == 0, out
    folder = sample_ledger_ws / "build/reports/2024-annual"
    assert {p.suffix for p in folder.iterdir()} == {".docx", ".xlsx", ".pdf", ".json", ".md"}
    assert "signature date 2025年1月31日" in out and "--date" in out
    d = Document(str(folder / "2024-年度统计.docx"))
    texts = [p.text for p in d.paragraphs]
    assert "关于2024年度政务信息采用情况的通报" in texts and "2025年1月31日" in texts
    assert any(t.startswith("2024年，共收到各单位报送信息224篇") for t in texts)
    assert len(d.tables) == 3 and d.tables[0].rows[-1].cells[0].text == "合计"
    wb = load_workbook(folder / "2024-年度统计.xlsx")
    assert len(wb.sheetnames) == 3
    values = [c.value for row in wb[wb.sheetnames[0]].iter_rows() for c in row]
    assert "高新区分局" in values and "合计" in values
    text = subprocess.run(["pdftotext", str(folder / "2024-年度统计.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "关于2024年度政务信息采用情况的通报" in flat and "2024年政务信息采用情况统计" in flat


def test_report_of_an_empty_period_warns(sample_ledger_ws):
    code, out = _cli(sample_ledger_ws, "report", "2024-03", "--format", "json", "--date", "2024-04-10")
    assert code == 0
    assert "warning[J320 empty-period]: no event is recorded for 2024-03" in out
    assert "signature date 2024年4月10日 (--date)" in out
    code, out = _cli(sample_ledger_ws, "report", "2024-03", "--format", "json", "--strict",
                     "--out", str(sample_ledger_ws / "strict"))
    assert code == 1 and not (sample_ledger_ws / "strict").exists()
