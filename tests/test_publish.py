"""`jianbao publish`: records, idempotence, revisions with a trail, dry run, crash safety, closed periods."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer import ledger, yamlsrc
from composer.cli import main
from composer.model import Adoption
from composer.workspace import open_workspace
from tests.conftest import base_files, write_files

from tests.conftest import RULES  # noqa: E402

OFFICE_ARTICLE = """\
---
title: 全市自然资源重点工作推进会议召开
kind: 信息
units: [办公室, 耕保科]
section: 工作动态
order: 2
---
4月12日，全市自然资源重点工作推进会议召开，会议总结一季度工作，部署下一阶段重点任务。
"""

ISSUE_ID = "2024-03"
PUBLISHED = f"ledger/published/{ISSUE_ID}.yml"


def run(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.output


def run_split(ws: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def snapshot(ws: Path) -> dict[str, bytes]:
    base = ws / "ledger"
    return {p.relative_to(ws).as_posix(): p.read_bytes() for p in sorted(base.rglob("*"))
            if p.is_file() and not p.name.startswith(".")} if base.is_dir() else {}


@pytest.fixture
def ws(make_ws):
    return make_ws({"contributors/rules.yml": RULES, "issues/2024-03/02-office.md": OFFICE_ARTICLE})


def published(ws: Path):
    data, diags = yamlsrc.parse((ws / PUBLISHED).read_text(encoding="utf-8"), PUBLISHED)
    assert diags == []
    return data


def test_publish_writes_one_record_per_item(ws):
    code, out = run(ws, "publish", ISSUE_ID, "--no-build")
    assert code == 0, out
    assert f"published 第3期 ({ISSUE_ID}): 5 record(s) crediting 7 unit(s) → {PUBLISHED}" in out
    data = published(ws)
    assert data["issue"] == ISSUE_ID and data["number"] == 3 and str(data["date"]) == "2024-04-15"
    assert data["fingerprint"].startswith("sha256:") and len(data["fingerprint"]) == 71
    assert data["published_at"]
    assert [dict(r) for r in data["records"]] == [
        {"kind": "信息", "title": "我市创新开展先登记后供地", "units": ["开发利用科"], "authors": ["贺孟萌"]},
        {"kind": "信息", "title": "全市自然资源重点工作推进会议召开", "units": ["办公室", "耕地保护监督科"]},
        {"kind": "简讯", "title": "4月9日，全市农村不动产确权登记发证工作现场会在高唐召开",
         "units": ["调查监测科", "高唐县自然资源和规划局"]},
        {"kind": "简讯", "title": "3月29日，市不动产登记中心加班加点为企业办理不动产抵押业务",
         "units": ["市不动产登记中心"]},
        {"kind": "简讯", "title": "4月11日，东昌府区分局对全区光伏发电产业用地情况开展现场调查核实",
         "units": ["东昌府区分局"], "authors": ["段腾", "朱明珠"]},
    ]
    assert "trail" not in data
    led, diags = ledger.load_ledger(open_workspace(ws))
    assert diags == []
    assert led.published == (ISSUE_ID,)
    assert led.events[0] == Adoption(outlet="简报", kind="信息", title="我市创新开展先登记后供地", month="2024-04",
                                     units=("开发利用科",), date=led.events[0].date, issue=3,
                                     origin=f"publish:{ISSUE_ID}")
    assert str(led.events[0].source) == f"{PUBLISHED}:8"
    assert data["records_fingerprint"].startswith("sha256:")
    assert run(ws, "ledger", "check")[0] == 0


def test_publishing_twice_writes_nothing_and_says_so(ws):
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    before = snapshot(ws)
    os.utime(ws / "issues/2024-03/01-article.md", (1, 1))  # a touched file is not a change
    code, out = run(ws, "publish", ISSUE_ID, "--no-build")
    assert code == 0
    assert f"第3期 ({ISSUE_ID}) is already published with this content ({PUBLISHED}" in out
    assert "nothing written" in out
    assert snapshot(ws) == before


def test_a_changed_issue_is_refused_without_revise(ws):
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    before = snapshot(ws)
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("全面推行", "全面实行"), encoding="utf-8")
    code, out = run(ws, "publish", ISSUE_ID, "--no-build")
    assert code == 1
    assert f"第3期 ({ISSUE_ID}) changed since it was published on" in out
    assert f"({PUBLISHED}, sha256:" in out and "credits unchanged" in out
    assert "--revise" in out
    assert snapshot(ws) == before


def test_a_revision_replaces_the_records_and_leaves_a_trail(ws):
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    first = published(ws)
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("units: [利用科]", "units: [利用科, 地矿科]"),
                   encoding="utf-8")
    briefs = ws / "issues/2024-03/20-briefs.md"
    briefs.write_text(briefs.read_text(encoding="utf-8").replace("（市不动产登记中心）", "（市土地储备整治中心）"),
                      encoding="utf-8")
    code, out = run(ws, "publish", ISSUE_ID, "--no-build", "--revise", "--reason", "补记合作单位")
    assert code == 0, out
    assert "revised 第3期" in out and "2 removed, 2 added (补记合作单位)" in out
    data = published(ws)
    assert data["records"][0]["units"] == ["开发利用科", "地质矿产管理科"]
    assert data["fingerprint"] != first["fingerprint"]
    (trail,) = data["trail"]
    assert trail["reason"] == "补记合作单位"
    assert trail["previous"] == first["fingerprint"] and trail["fingerprint"] == data["fingerprint"]
    assert trail["at"]
    assert [dict(r) for r in trail["removed"]] == [
        {"title": "我市创新开展先登记后供地", "kind": "信息", "units": ["开发利用科"]},
        {"title": "3月29日，市不动产登记中心加班加点为企业办理不动产抵押业务", "kind": "简讯", "units": ["市不动产登记中心"]},
    ]
    assert [dict(r) for r in trail["added"]] == [
        {"title": "我市创新开展先登记后供地", "kind": "信息", "units": ["开发利用科", "地质矿产管理科"]},
        {"title": "3月29日，市不动产登记中心加班加点为企业办理不动产抵押业务", "kind": "简讯", "units": ["市土地储备整治中心"]},
    ]
    # the revised issue is now the published one; a wording fix is a second revision, with its own reason
    before = snapshot(ws)
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    assert snapshot(ws) == before
    art.write_text(art.read_text(encoding="utf-8").replace("全面推行", "全面实行"), encoding="utf-8")
    before = snapshot(ws)
    code, out = run(ws, "publish", ISSUE_ID, "--no-build", "--revise")
    assert code == 1 and "--revise needs --reason" in out and "Traceback" not in out
    assert snapshot(ws) == before
    assert run(ws, "publish", ISSUE_ID, "--no-build", "--revise", "--reason", "改字")[0] == 0
    trail = published(ws)["trail"]
    assert [t["reason"] for t in trail] == ["补记合作单位", "改字"]
    assert trail[1]["removed"] == [] and trail[1]["added"] == []
    led, _ = ledger.load_ledger(open_workspace(ws))
    assert sorted(u for e in led.events for u in e.units if e.title == "我市创新开展先登记后供地") == ["地质矿产管理科", "开发利用科"]


def test_dry_run_prints_units_items_and_points_and_writes_nothing(ws):
    code, stdout, stderr = run_split(ws, "publish", ISSUE_ID, "--dry-run")
    assert code == 0, stderr
    rows = [line.replace("\u3000", " ").split() for line in stdout.splitlines()]
    assert ["开发利用科", "信息", "1", "我市创新开展先登记后供地"] in rows
    assert ["办公室", "信息", "不计分", "全市自然资源重点工作推进会议召开"] in rows
    assert ["耕地保护监督科", "信息", "1", "全市自然资源重点工作推进会议召开"] in rows
    assert ["高唐县自然资源和规划局", "简讯", "0.5", "4月9日，全市农村不动产确权登记发证工作现场会在高唐召开"] in rows
    assert ["东昌府区分局", "简讯", "0.5", "4月11日，东昌府区分局对全区光伏发电产业用地情况开展现场调查核实"] in rows
    assert len([r for r in rows if len(r) == 4]) == 7
    assert ["调查监测科", "0.5"] in rows and ["办公室", "不计分"] in rows  # totals per unit
    assert "dry run: first publication of 第3期" in stderr and "nothing written" in stderr
    assert not (ws / "ledger").exists() and not (ws / "build").exists()


def test_dry_run_of_a_revision_shows_what_changes(ws):
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    before = snapshot(ws)
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("units: [利用科]", "units: [地矿科]"), encoding="utf-8")
    code, stdout, stderr = run_split(ws, "publish", ISSUE_ID, "--dry-run")
    assert code == 0
    assert "- removed: 信息 我市创新开展先登记后供地 (开发利用科)" in stdout
    assert "+ added: 信息 我市创新开展先登记后供地 (地质矿产管理科)" in stdout
    assert "dry run: revision of 第3期" in stderr
    assert snapshot(ws) == before


def test_an_invalid_issue_is_not_published(ws):
    (ws / "issues/2024-03/03-bad.md").write_text("---\ntitle: 无名单位来稿\nkind: 信息\nunits: [无名科]\n"
                                                 "section: 工作动态\n---\n正文。\n", encoding="utf-8")
    code, out = run(ws, "publish", ISSUE_ID, "--no-build")
    assert code == 1
    assert "issues/2024-03/03-bad.md" in out and "J203" in out
    assert not (ws / "ledger").exists()


def _kill_during_write(ws: Path, *args: str) -> None:
    """Run publish in a subprocess paused between writing the temp file and replacing; SIGKILL it there."""
    env = {**os.environ, "JIANBAO_TEST_PAUSE_BEFORE_REPLACE": "60", "JIANBAO_TEST_PAUSE_PATH": "ledger/published"}
    proc = subprocess.Popen([sys.executable, "-m", "composer", "-C", str(ws), "publish", ISSUE_ID, *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    folder = ws / "ledger/published"
    deadline = time.monotonic() + 30
    def written() -> bool:
        """The temp file holds the new record (it exists a moment before its text is in it)."""
        tmps = [p for p in folder.iterdir() if p.name.endswith(".tmp")] if folder.is_dir() else []
        return any(p.read_text(encoding="utf-8").startswith(f"issue: {ISSUE_ID}") for p in tmps)

    try:
        while not written():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "publish never reached the ledger write"
            time.sleep(0.01)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_a_kill_during_publish_leaves_the_ledger_unchanged(ws):
    _kill_during_write(ws, "--no-build")
    assert snapshot(ws) == {}  # first publication: no record file at all
    assert ledger.load_ledger(open_workspace(ws))[0].events == ()

    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    before = snapshot(ws)
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("units: [利用科]", "units: [地矿科]"), encoding="utf-8")
    _kill_during_write(ws, "--no-build", "--revise", "--reason", "改署名")
    assert snapshot(ws) == before  # byte for byte the old ledger
    led, diags = ledger.load_ledger(open_workspace(ws))
    assert diags == [] and len(led.events) == 5
    assert run(ws, "publish", ISSUE_ID, "--no-build", "--revise", "--reason", "改署名")[0] == 0


def test_a_revision_that_changes_a_closed_period_needs_force(ws):
    assert run(ws, "publish", ISSUE_ID, "--no-build")[0] == 0
    code, out = run(ws, "ledger", "close", "2024-04")
    assert code == 0, out
    before = snapshot(ws)
    art = ws / "issues/2024-03/01-article.md"
    art.write_text(art.read_text(encoding="utf-8").replace("units: [利用科]", "units: [地矿科]"), encoding="utf-8")
    code, out = run(ws, "publish", ISSUE_ID, "--no-build", "--revise", "--reason", "改署名")
    assert code == 1
    assert "period 2024-04 is closed (ledger/closed/2024-04.yml)" in out
    assert "地质矿产管理科 (0/0 → 1/1)" in out and "开发利用科 (1/1 → 0/0)" in out
    assert snapshot(ws) == before
    code, out = run(ws, "publish", ISSUE_ID, "--no-build", "--revise", "--force", "--reason", "改署名")
    assert code == 0, out
    data, _ = yamlsrc.parse((ws / "ledger/closed/2024-04.yml").read_text(encoding="utf-8"), "x")
    assert data["log"][0]["reason"] == "改署名"
    assert data["log"][0]["command"] == f"jianbao publish {ISSUE_ID} --revise"
    assert data["figures"]["地质矿产管理科"] == {"period_points": 1, "cumulative_points": 1}
    assert run(ws, "ledger", "check")[0] == 0


# ---------------------------------------------------------------- with the real build (one render, shared)

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("composer.render.pdf", reason="the PDF renderer is not in this tree yet")
    root = write_files(tmp_path_factory.mktemp("pub") / "ws", {**base_files(), "contributors/rules.yml": RULES})
    code, out = run(root, "publish", ISSUE_ID)
    return root, code, out


def test_publish_builds_the_outputs_then_credits(built):
    root, code, out = built
    assert code == 0, out
    for suffix in (".pdf", ".docx", ".html"):
        assert (root / "build" / ISSUE_ID / f"{ISSUE_ID}{suffix}").is_file()
    assert (root / "build" / ISSUE_ID / f"{ISSUE_ID}.pdf").read_bytes().startswith(b"%PDF")
    assert (root / PUBLISHED).is_file()


def test_read_only_commands_leave_a_published_ledger_byte_identical(built):
    root, code, _ = built
    assert code == 0
    before = snapshot(root)
    assert run(root, "check", ISSUE_ID)[0] == 0
    assert run(root, "ledger", "check")[0] == 0
    assert run(root, "build", ISSUE_ID, "--format", "html")[0] == 0
    assert run(root, "publish", ISSUE_ID)[0] == 0  # unchanged: nothing written
    assert snapshot(root) == before
