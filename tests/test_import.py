"""Import of past bulletins (.txt/.docx), unit manuscripts, the inbox and backfill.

Fixtures are invented text with the difficulties of a real bulletin copied out
of Word: masthead and 报尾 lines, a subtitle over two lines, paragraphs broken
by page breaks mid-sentence, ASCII parentheses, a credit over two lines, a
credit inline at the end of the last paragraph, co-credits, authors, 办公室 and
aliases.  .docx fixtures are made here with python-docx.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer.cli import main
from composer.importer import extract, splitter
from composer.workspace import open_workspace

from tests.conftest import RULES  # noqa: E402

# A past issue as copied out of Word: blank lines between paragraphs, a page
# break in the middle of a sentence leaves a blank line too.
BULLETIN_TXT = """\
自然资源和规划简报

第3期

市自然资源和规划局办公室 2024年3月20日

全市耕地保护工作会议召开

部署全年耕地保护目标任务 压实
各级保护责任

3月18日，全市耕地保护工作会议召开。会议总结了去年耕地保护工作，分析了当前面临的形势，对今年的工作作出安排，要求各县区把耕地保护责任落实到

地块，确保耕地保有量不减少。

会议强调，要严格落实耕地占补平衡制度，坚决遏制耕地“非农化”。

各县（市、区）分管负责同志参加会议。（办公室）

我市推行不动产登记“一窗受理”

为方便企业和群众办事，市不动产登记中心在政务服务大厅设立综合受理窗口，

实现登记、税务、交易业务一窗受理，平均办理时间缩短一半。

(利用科/贺某某)

— 2 —

冠县林业局开展春季植树活动

3月12日，冠县林业局组织干部职工到沙河沿岸开展义务植树活动，共栽植白蜡、国槐等苗木1200余株。

活动现场，技术人员讲解了栽植要点，确保苗木成活。

（冠县林业局/张一 李二 王三）

▲3月15日，市局组织开展地质灾害隐患排查，共排查隐患点12处。

(地矿科)

▲3月16日，东昌府区分局开展卫片执法图斑现场核查，共核查图
斑45个。

(东昌府区分局/赵甲
钱乙 孙丙)

▲3月17日，全市不动产登记业务培训班在市局举办，各县区登记

人员参加培训。

（调查科 市不动产登记中心 东阿局）

▲3月19日，市土地储备整治中心完成两宗地块收储。（土地储备整治中心/周丁）

报：市委办公室，市政府办公室
送：市发展和改革委员会
发：各县（市、区）局，机关各科室
共印50份
"""

EXPECTED = [
    ("信息", "全市耕地保护工作会议召开", ("办公室",), ()),
    ("信息", "我市推行不动产登记“一窗受理”", ("开发利用科",), ("贺某某",)),
    ("信息", "冠县林业局开展春季植树活动", ("冠县林业局",), ("张一", "李二", "王三")),
    ("简讯", "3月15日，市局组织开展地质灾害隐患排查", ("地质矿产管理科",), ()),
    ("简讯", "3月16日，东昌府区分局开展卫片执法图斑现场核查", ("东昌府区分局",), ("赵甲", "钱乙", "孙丙")),
    ("简讯", "3月17日，全市不动产登记业务培训班在市局举办", ("调查监测科", "市不动产登记中心", "东阿县自然资源和规划局"), ()),
    ("简讯", "3月19日，市土地储备整治中心完成两宗地块收储", ("市土地储备整治中心",), ("周丁",)),
]


def shape(items):
    return [(i.kind, i.title, tuple(i.units), tuple(i.authors)) for i in items]


def png_bytes() -> bytes:
    """A valid 2×2 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def docx_bytes(paragraphs, table=None, image=False, bold_lead=None, lists=()) -> bytes:
    import docx

    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph(text)
    if bold_lead:
        p = d.add_paragraph()
        p.add_run(bold_lead[0]).bold = True
        p.add_run(bold_lead[1])
        r = p.add_run(bold_lead[2])
        r.italic = True
    for style, text in lists:
        d.add_paragraph(text, style=style)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
    if image:
        d.add_picture(io.BytesIO(png_bytes()))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def run(root: Path, *args):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def ws_root(make_ws):
    return make_ws({"contributors/rules.yml": RULES})


# ---------------------------------------------------------------- the splitter

def test_txt_bulletin_items_credits_and_joins(ws_root, tmp_path):
    src = tmp_path / "past.txt"
    src.write_text(BULLETIN_TXT, encoding="utf-8")
    ws = open_workspace(ws_root)
    parsed = splitter.split(extract.read_any(src), ws.units, ws.publication)
    assert shape(parsed.items) == EXPECTED
    assert (parsed.number, str(parsed.date)) == (3, "2024-03-20")
    assert parsed.unplaced == () and parsed.diagnostics == ()
    first = parsed.items[0]
    assert first.subtitle == "部署全年耕地保护目标任务 压实各级保护责任"
    body = [b.text for b in first.blocks]
    assert body[0].endswith("把耕地保护责任落实到地块，确保耕地保有量不减少。")  # page break joined
    assert body[-1] == "各县（市、区）分管负责同志参加会议。"  # inline credit cut off
    assert len(parsed.items[1].blocks) == 1  # "…综合受理窗口，" + "实现登记…" joined
    assert parsed.items[4].blocks[0].text.endswith("共核查图斑45个。")
    assert parsed.items[5].blocks[0].text.endswith("各县区登记人员参加培训。")
    assert [s.text for s in parsed.skipped][-1] == "共印50份"
    assert "— 2 —" in [s.text for s in parsed.skipped]


def test_gb18030_text_and_one_line_per_paragraph(ws_root, tmp_path):
    # a legacy file: GB18030, no blank lines between paragraphs
    lines = [ln for ln in BULLETIN_TXT.splitlines() if ln.strip()]
    src = tmp_path / "legacy.txt"
    src.write_bytes("\r\n".join(lines).encode("gb18030"))
    ws = open_workspace(ws_root)
    parsed = splitter.split(extract.read_any(src), ws.units, ws.publication)
    assert shape(parsed.items) == EXPECTED


# ---------------------------------------------------------------- import issue (CLI)

def test_import_issue_writes_folder_that_reloads(ws_root, tmp_path):
    src = tmp_path / "past.txt"
    src.write_text(BULLETIN_TXT, encoding="utf-8")
    r = run(ws_root, "import", "issue", str(src), "--number", "3", "--date", "2024-03-20", "--id", "past-03")
    assert r.exit_code == 0, r.output
    assert "found 3 article(s) (信息) and 4 brief(s) (简讯)" in r.stdout
    assert "credits resolved: 9; not resolved: 0" in r.stdout
    ws = open_workspace(ws_root)
    issue, diags = ws.load_issue("past-03")
    assert not diags
    assert (issue.number, str(issue.date)) == (3, "2024-03-20")
    assert shape(issue.items) == EXPECTED
    assert issue.items[0].subtitle == "部署全年耕地保护目标任务 压实各级保护责任"
    assert run(ws_root, "check", "past-03").exit_code == 0
    # the target exists: refused, unless --force
    again = run(ws_root, "import", "issue", str(src), "--number", "3", "--date", "2024-03-20")
    assert again.exit_code == 1 and "already exists" in again.output
    forced = run(ws_root, "import", "issue", str(src), "--number", "3", "--date", "2024-03-20", "--force")
    assert forced.exit_code == 0
    assert sorted(p.name for p in (ws_root / "issues" / "2024-03").glob("*.md"))[-1] == "04-briefs.md"


def test_docx_credit_split_over_two_paragraphs(ws_root, tmp_path):
    src = tmp_path / "past.docx"
    src.write_bytes(docx_bytes([
        "自然资源和规划简报", "第7期", "市自然资源和规划局办公室 2024年5月6日",
        "东阿局完成年度节地评价",
        "近日，东阿局完成年度建设项目节地评价工作，共评价项目9个。",
        "（东阿局/刘某",
        "陈某）",
        "▲5月3日，市局召开耕地保护专题会议。",
        "(耕保科 用途科)",
    ]))
    r = run(ws_root, "import", "issue", str(src), "--into", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    ws = open_workspace(ws_root)
    from composer.reader import load_issue

    issue, diags = load_issue(ws_root, tmp_path / "out" / "2024-07", ws.units)
    assert not diags
    assert shape(issue.items) == [
        ("信息", "东阿局完成年度节地评价", ("东阿县自然资源和规划局",), ("刘某", "陈某")),
        ("简讯", "5月3日，市局召开耕地保护专题会议", ("耕地保护监督科", "用途管制科"), ()),
    ]


def test_unknown_unit_stops_then_allow_unresolved_marks(ws_root, tmp_path):
    src = tmp_path / "past.docx"
    src.write_bytes(docx_bytes([
        "开发科推进低效用地再开发",
        "今年以来，开发科梳理低效用地23宗，制定盘活方案。",
        "（开发科/吴某）",
        "▲4月2日，阳谷局开展土地卫片核查。（阳谷局）",
    ]))
    before = tree(ws_root)
    r = run(ws_root, "import", "issue", str(src), "--number", "4", "--date", "2024-04-03")
    assert r.exit_code == 1
    assert "'开发科' not in the registry; closest: 开发利用科" in r.stdout
    assert "J602" in r.stderr and "did you mean 开发利用科" in r.stderr
    assert tree(ws_root) == before  # nothing written

    r = run(ws_root, "import", "issue", str(src), "--number", "4", "--date", "2024-04-03", "--allow-unresolved")
    assert r.exit_code == 0, r.output
    files = sorted((ws_root / "issues" / "2024-04").glob("*.md"))
    article = files[0].read_text(encoding="utf-8")
    assert "unresolved: [开发科]" in article and "TODO" in article
    check = run(ws_root, "check", "2024-04")
    assert check.exit_code == 1 and "J203" in check.stderr and "开发科" in check.stderr


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "no text"),
    ("blank.docx", None, "no text"),
    ("fake.docx", "zip", "not a Word .docx"),
    ("broken.docx", b"this is not a zip at all", "not a .docx file"),
    ("nocredit.txt", "一篇文章\n\n没有署名的正文。\n\n另一段正文。\n".encode(), "no credit lines found"),
])
def test_malformed_input_clear_error_nothing_written(ws_root, tmp_path, name, content, message):
    src = tmp_path / name
    if content == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("readme.txt", "hello")
            z.writestr("data/table.csv", "a,b\n1,2\n")
        content = buf.getvalue()
    elif content is None:
        content = docx_bytes([])
    src.write_bytes(content)
    before = tree(ws_root)
    r = run(ws_root, "import", "issue", str(src), "--number", "5", "--date", "2024-05-01")
    assert r.exit_code == 1
    assert message in r.output
    assert tree(ws_root) == before
    r = run(ws_root, "import", "manuscript", str(src), "--unit", "阳谷局")
    assert r.exit_code == 1 or name == "nocredit.txt"  # a manuscript needs no credit line
    if name != "nocredit.txt":
        assert tree(ws_root) == before


# ---------------------------------------------------------------- manuscripts and the inbox

MANUSCRIPT = dict(
    paragraphs=["阳谷局多措并举盘活存量土地", "今年以来，阳谷局围绕存量土地盘活，采取三项措施。"],
    bold_lead=("一是摸清底数。", "全面排查批而未供土地，建立台账，", "逐宗分析原因。"),
    lists=[("List Bullet", "建立台账"), ("List Bullet", "逐宗销号"), ("List Number", "第一季度完成排查")],
    table=[["类型", "宗数", "面积（亩）"], ["批而未供", "12", "356"], ["闲置土地", "3", "41"]],
    image=True,
)


def _ledger_submissions(root: Path):
    ws = open_workspace(root)
    from composer.ledger import load_ledger
    from composer.model import Submission

    led, diags = load_ledger(ws)
    assert not [d for d in diags if d.is_error]
    return [e for e in led.events if isinstance(e, Submission)]


def test_manuscript_import_keeps_content_and_counts_once(ws_root, tmp_path):
    src = tmp_path / "阳谷局稿件.docx"
    src.write_bytes(docx_bytes(MANUSCRIPT["paragraphs"] + [], table=MANUSCRIPT["table"], image=True,
                               bold_lead=MANUSCRIPT["bold_lead"], lists=MANUSCRIPT["lists"])
                    )
    # the credit line closes the manuscript (added as its own paragraph at the end)
    import docx

    d = docx.Document(io.BytesIO(src.read_bytes()))
    d.add_paragraph("（阳谷局/路某某 王某）")
    d.save(str(src))

    r = run(ws_root, "import", "manuscript", str(src), "--unit", "阳谷局", "--received", "2024-04-08")
    assert r.exit_code == 0, r.output
    rel = r.stdout.strip()
    assert rel.startswith("inbox/2024-04-08-阳谷局-") and rel.endswith(".md")
    text = (ws_root / rel).read_text(encoding="utf-8")
    assert "title: 阳谷局多措并举盘活存量土地" in text
    assert "unit: 阳谷县自然资源和规划局" in text and "authors: [路某某, 王某]" in text
    assert "status: 待审" in text and "source: 阳谷局稿件.docx" in text and "hash: sha256:" in text
    assert "**一是摸清底数**。全面排查批而未供土地，建立台账，*逐宗分析原因*。" in text
    assert "- 建立台账\n- 逐宗销号" in text and "1. 第一季度完成排查" in text
    assert "| 类型 | 宗数 | 面积（亩） |" in text and "| 批而未供 | 12 | 356 |" in text
    import re

    links = re.findall(r"!\[\]\(([^)]+)\)", text)
    assert len(links) == 1 and links[0].endswith("/img-1.png")
    assert (ws_root / "inbox" / links[0]).read_bytes() == png_bytes()
    assert "阳谷局/路某某" not in text  # the credit line became front matter
    subs = _ledger_submissions(ws_root)
    assert [(s.unit, s.month, s.ref) for s in subs] == [("阳谷县自然资源和规划局", "2024-04", rel)]

    ledger_before = {p: p.read_bytes() for p in (ws_root / "ledger").rglob("*.yml")}
    again = run(ws_root, "import", "manuscript", str(src), "--unit", "阳谷局", "--received", "2024-04-09")
    assert again.exit_code == 0
    assert "already imported" in again.stderr and "not counted again" in again.stderr
    assert {p: p.read_bytes() for p in (ws_root / "ledger").rglob("*.yml")} == ledger_before
    assert len(list((ws_root / "inbox").glob("*.md"))) == 1


def test_manuscript_unknown_unit_refused(ws_root, tmp_path):
    src = tmp_path / "m.docx"
    src.write_bytes(docx_bytes(["标题", "正文。"]))
    r = run(ws_root, "import", "manuscript", str(src), "--unit", "开发科")
    assert r.exit_code == 1 and "开发利用科" in r.output
    assert not (ws_root / "inbox").exists()


def test_inbox_list_and_take(ws_root, tmp_path):
    for i, (unit, title) in enumerate([("冠县林业局", "冠县林业局开展林木病虫害防治"), ("东阿局", "东阿局完成耕地恢复任务")]):
        src = tmp_path / f"m{i}.docx"
        src.write_bytes(docx_bytes([title, f"近日，{unit}组织开展专项工作，成效明显。", f"（{unit}/作者{i}）"],
                                   image=i == 0))
        assert run(ws_root, "import", "manuscript", str(src), "--unit", unit, "--received", f"2024-04-0{i + 1}").exit_code == 0
    listing = run(ws_root, "inbox", "--status", "待审")
    assert listing.exit_code == 0
    rows = listing.stdout.strip().splitlines()
    assert len(rows) == 2 and "冠县林业局开展林木病虫害防治" in rows[0] and "\t待审\t" in rows[0]
    first_id, second_id = rows[0].split("\t")[0], rows[1].split("\t")[0]

    r = run(ws_root, "inbox", "take", first_id, "2024-03")
    assert r.exit_code == 0, r.output
    r2 = run(ws_root, "inbox", "take", second_id[:22], "2024-03", "--as", "简讯")
    assert r2.exit_code == 0, r2.output
    ws = open_workspace(ws_root)
    issue, diags = ws.load_issue("2024-03")
    assert not [d for d in diags if d.is_error], diags
    got = {i.title: (i.kind, i.section, i.units, i.authors) for i in issue.items}
    assert got["冠县林业局开展林木病虫害防治"] == ("信息", "工作动态", ("冠县林业局",), ("作者0",))
    assert got["东阿局完成耕地恢复任务"] == ("简讯", "简讯", ("东阿县自然资源和规划局",), ("作者1",))
    chk = run(ws_root, "check", "2024-03")
    assert chk.exit_code == 0, chk.stderr  # the picture came along
    assert run(ws_root, "inbox", "--status", "待审").stdout.strip() == ""
    taken = run(ws_root, "inbox", "--status", "已采用").stdout
    assert "→ issues/2024-03/" in taken
    again = run(ws_root, "inbox", "take", first_id, "2024-03")
    assert again.exit_code == 1 and "already taken" in again.output
    refused = run(ws_root, "inbox", "decline", first_id)
    assert refused.exit_code == 1 and "already taken" in refused.output


def test_inbox_decline_keeps_the_record_and_the_submission(ws_root, tmp_path):
    src = tmp_path / "m.docx"
    src.write_bytes(docx_bytes(["冠县林业局开展林木病虫害防治", "近日，冠县林业局组织开展专项工作。", "（冠县林业局/张三）"]))
    assert run(ws_root, "import", "manuscript", str(src), "--unit", "冠县林业局", "--received", "2024-04-02").exit_code == 0
    [record] = (ws_root / "inbox").glob("*.md")
    record.write_text(record.read_text(encoding="utf-8").replace("status: 待审", "status: 待审  # 编辑的注释"),
                      encoding="utf-8")
    events = (ws_root / "ledger/events/2024-04.yml").read_bytes()
    r = run(ws_root, "inbox", "decline", record.stem, "--reason", "与第3期 重复")
    assert r.exit_code == 0, r.output
    text = record.read_text(encoding="utf-8")
    assert "status: 未采用 # 编辑的注释" in text and "reason: 与第3期 重复" in text  # the comment kept
    assert "近日，冠县林业局组织开展专项工作。" in text  # the body as it was
    assert (ws_root / "ledger/events/2024-04.yml").read_bytes() == events  # still counted as 上报
    assert record.stem in run(ws_root, "inbox", "--status", "未采用").stdout
    # the editor changes their mind: taking it drops the reason
    assert run(ws_root, "inbox", "take", record.stem, "2024-03").exit_code == 0
    text = record.read_text(encoding="utf-8")
    assert "status: 已采用" in text and "reason:" not in text
    assert run(ws_root, "inbox", "decline", "no-such-id").exit_code == 1


# ---------------------------------------------------------------- backfill

def test_backfill_folder_in_number_order_and_publish(ws_root, tmp_path):
    past = tmp_path / "past"
    past.mkdir()
    (past / "2024-第2期-2024-01-31.txt").write_text(
        "耕保科开展耕地流出排查\n\n1月以来，耕保科组织开展耕地流出问题排查。\n\n（耕保科/甲某）\n\n"
        "▲1月29日，高唐局召开全局工作会议。（高唐局）\n", encoding="utf-8")
    (past / "第1期.txt").write_text(
        "自然资源和规划简报\n\n第1期\n\n市自然资源和规划局办公室 2024年1月10日\n\n"
        "▲1月8日，阳谷局完成年度变更调查。（阳谷局/乙某）\n", encoding="utf-8")
    r = run(ws_root, "import", "issues", str(past), "--publish")
    assert r.exit_code == 0, r.output
    assert r.stdout.index("(第1期, 2024-01-10)") < r.stdout.index("(第2期, 2024-01-31)")
    assert "第2期 耕地保护监督科  信息  1  耕保科开展耕地流出排查" in r.stdout
    assert "第1期 阳谷县自然资源和规划局  简讯  0.5" in r.stdout
    assert not (ws_root / "ledger" / "published").exists()  # dry run
    assert (ws_root / "issues" / "2024-01" / "issue.yml").is_file()
    assert (ws_root / "issues" / "2024-02" / "issue.yml").is_file()

    r = run(ws_root, "import", "issues", str(past), "--publish", "--yes")
    assert r.exit_code == 0, r.output
    assert "already imported" in r.stdout
    assert sorted(p.name for p in (ws_root / "ledger" / "published").iterdir()) == ["2024-01.yml", "2024-02.yml"]
    pub = (ws_root / "ledger" / "published" / "2024-02.yml").read_text(encoding="utf-8")
    assert "耕地保护监督科" in pub and "甲某" in pub


def test_number_and_date_from_file_names():
    from composer.commands.importing import number_date_from_name

    assert number_date_from_name("2024-第3期-2024-01-31.docx") == (3, __import__("datetime").date(2024, 1, 31))
    assert number_date_from_name("简报03_20240131.docx")[0] == 3
    assert number_date_from_name("第12期 2024年4月5日.txt")[1].isoformat() == "2024-04-05"
    assert number_date_from_name("简报.docx") == (None, None)


# ---------------------------------------------------------------- round trip of jianbao's own DOCX

RICH_ARTICLE = """\
---
title: 全市土地例行督察整改推进会召开
subtitle: 压实整改责任 确保按期销号
kind: 信息
credits: ["东昌府区分局/段腾 朱明珠", 执法支队]
section: 工作动态
order: 2
---
4月12日，全市土地例行督察整改推进会召开，会议通报了整改进展。

## 主要措施

- 建立台账，逐宗销号
- 每周调度，定期通报

| 县区 | 问题数 | 已整改 |
| --- | --- | --- |
| 东昌府区 | 12 | 10 |

![现场照片](photo.png)

会议要求，各单位要**倒排工期**，确保整改按期完成。
"""


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """The fixture issue (plus a rich article) → DOCX by composer.render.docx → import → reload."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import base_files, write_files

    files = base_files()
    files["contributors/rules.yml"] = RULES
    files["issues/2024-03/02-rich.md"] = RICH_ARTICLE
    files["issues/2024-03/photo.png"] = png_bytes()
    files["issues/2024-03/30-titled-brief.md"] = (
        "---\ntitle: 市局召开耕保专题会\nkind: 简讯\ncredits: [耕保科/吴某]\nsection: 简讯\norder: 5\n---\n"
        "▲4月3日，市局召开耕地保护专题会议，部署春季耕地保护工作。\n")
    files["issues/2024-03/issue.yml"] += "editor_note: |\n  本期刊发督察整改和不动产登记工作情况。\n"
    root = write_files(tmp_path_factory.mktemp("rt") / "ws", files)
    ws = open_workspace(root)
    original, diags = ws.load_issue("2024-03")
    assert not diags
    from composer.render import docx as render_docx

    built = root / "build" / "2024-03.docx"
    built.parent.mkdir(parents=True)
    built.write_bytes(render_docx.render(ws, original))
    r = run(root, "import", "issue", str(built), "--into", str(root / "reimported"))
    assert r.exit_code == 0, r.output
    from composer.reader import load_issue

    again, diags = load_issue(root, root / "reimported" / "2024-03", ws.units)
    assert not diags
    return original, again, r


def test_round_trip_same_items_kinds_units_authors(round_trip):
    original, again, result = round_trip
    key = lambda i: (i.kind, i.title, i.subtitle, i.section, i.units, i.authors)  # noqa: E731
    assert [key(i) for i in again.items] == [key(i) for i in original.items]
    assert (again.number, again.total_number, again.date) == (3, 99, original.date)
    assert again.sections == ("工作动态", "简讯")
    assert again.editor_note == "本期刊发督察整改和不动产登记工作情况。"
    assert "lines not placed" not in result.stdout


def test_round_trip_keeps_blocks(round_trip):
    from composer.model import Heading, Image, ListBlock, Paragraph, Table

    original, again, _ = round_trip
    rich = next(i for i in again.items if i.title == "全市土地例行督察整改推进会召开")
    kinds = [type(b).__name__ for b in rich.blocks]
    assert kinds == ["Paragraph", "Heading", "ListBlock", "Table", "Image", "Paragraph"]
    assert rich.blocks[2].items[1][0].text == "每周调度，定期通报" and not rich.blocks[2].ordered
    assert rich.blocks[3].rows[1] == ("东昌府区", "12", "10")
    assert rich.blocks[4].path.read_bytes() == png_bytes()
    assert any(s.bold and s.text == "倒排工期" for s in rich.blocks[5].spans)
    assert isinstance(rich.blocks[0], Paragraph) and isinstance(rich.blocks[1], Heading)
    assert all(isinstance(b, (Paragraph, Heading, ListBlock, Table, Image)) for b in rich.blocks)


def test_missing_credit_between_articles_is_flagged(ws_root, tmp_path):
    src = tmp_path / "gap.txt"
    src.write_text("第一篇文章标题\n\n第一篇的正文，说明了一些情况。\n\n第二篇文章的标题在这里\n\n"
                   "第二篇的正文，也说明了一些情况。\n\n（阳谷局）\n", encoding="utf-8")
    r = run(ws_root, "import", "issue", str(src), "--number", "8", "--date", "2024-05-01")
    assert r.exit_code == 0
    assert "gap.txt:5: warning[J603 import-unplaced]" in r.stderr and "is a credit line missing" in r.stderr
