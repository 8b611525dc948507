"""The crediting notice (采用情况) that `jianbao publish` writes, unit by unit."""

from __future__ import annotations

from click.testing import CliRunner

from composer.cli import main


def test_publish_writes_the_crediting_notice(make_ws):
    import docx

    root = make_ws()
    r = CliRunner().invoke(main, ["-C", str(root), "publish", "issues/2024-03"])
    assert r.exit_code == 0, r.output
    txt = (root / "build/2024-03/2024-03-采用情况.txt").read_text(encoding="utf-8")
    assert txt.startswith("《自然资源和规划简报》第3期（2024-04-15）稿件采用情况")
    blocks = {b.split("：", 1)[0]: b for b in txt.split("\n\n")[1:]}
    assert "开发利用科：采用 1 篇，计 1分" in blocks["开发利用科"]
    assert "《我市创新开展先登记后供地》 工作动态栏目·信息  1分" in blocks["开发利用科"]
    assert "简讯栏目·简讯  0.5分" in blocks["高唐县自然资源和规划局"]
    assert set(blocks) >= {"开发利用科", "调查监测科", "高唐县自然资源和规划局", "市不动产登记中心", "东昌府区分局"}
    # registry order: county bureaus first
    assert txt.index("高唐县自然资源和规划局") < txt.index("开发利用科")
    d = docx.Document(str(root / "build/2024-03/2024-03-采用情况.docx"))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "开发利用科：采用 1 篇，计 1分" in text
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "我市创新开展先登记后供地" in cells and "0.5分" in cells


def test_unit_notices_read_from_the_published_ledger(make_ws):
    from composer.commands import notice, publish
    from composer.workspace import open_workspace

    root = make_ws()
    ws = open_workspace(root)
    assert notice.unit_notices(ws, "开发利用科") == []
    assert publish.publish(ws, "issues/2024-03", outputs=False).status == "published"
    [n] = notice.unit_notices(open_workspace(root), "开发利用科")
    assert (n.number, n.issue_id, str(n.points)) == (3, "2024-03", "1")
    assert [(i.title, i.section, i.kind) for i in n.items] == [("我市创新开展先登记后供地", "工作动态", "信息")]
    assert notice.unit_notices(open_workspace(root), "阳谷县自然资源和规划局") == []
