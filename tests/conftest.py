"""Shared fixtures: small workspaces written inside the test (no ../shared)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PUBLICATION = """\
name: 自然资源和规划简报
office: 市自然资源和规划局办公室
office_unit: 办公室
organization: 市自然资源和规划局
distribution:
  报: [市委办公室, 市政府办公室]
  送: [市发展和改革委员会]
  发: [各县（市、区）局, 机关各科室, 局属各事业单位]
print_run: 50
rules: contributors/rules.yml
units: contributors/units.yml
layout: layouts/bulletin
check:
  brief_max_chars: 300
"""

UNITS = """\
groups:
  - name: 县（市、区）局
    table_name: short
    units:
      - {name: 阳谷县自然资源和规划局, short: 阳谷局}
      - {name: 高唐县自然资源和规划局, short: 高唐局}
      - {name: 东阿县自然资源和规划局, short: 东阿局}
      - {name: 东昌府区分局, short: 东昌府区分局}
      - {name: 冠县林业局, short: 冠县林业局}
  - name: 机关各科室
    table_name: name
    units:
      - {name: 开发利用科, short: 利用科}
      - {name: 地质矿产管理科, short: 地矿科}
      - {name: 调查监测科, short: 调查科}
      - {name: 耕地保护监督科, short: 耕保科}
      - {name: 用途管制科, short: 用途科, aliases: [自然用途管制科]}
  - name: 局属事业单位
    table_name: name
    units:
      - {name: 市不动产登记中心, short: 市不动产登记中心}
      - {name: 市土地储备整治中心, short: 市土地储备整治中心, aliases: [土地储备整治中心]}
      - {name: 市自然资源综合执法支队, short: 执法支队}
  - name: 编辑部门
    table_name: name
    units:
      - {name: 办公室, short: 办公室, scored: false}
"""

RULES = """\
name: 测试规则
form: liaocheng
period: month
cumulative: year
own_outlet: 简报
outlets:
  - {name: 简报, level: 局, points: {信息: 1, 简讯: 0.5}}
  - {name: 昨日市情, level: 市, points: {信息: 5}, star: 15}
  - {name: 每日动态, level: 市, points: {信息: 5}}
commission: {outlet: 市政府约稿, points: 5}
base: {points: 5, requires: {reported_up: 1}}
ranking: {by: cumulative_points, method: dense, within: group}
order: [cumulative_points]
top: 3
"""

ISSUE = """\
number: 3
total_number: 99
date: 2024-04-15
sections: [工作动态, 简讯]
"""

ARTICLE = """\
---
title: 我市创新开展先登记后供地
kind: 信息
units: [利用科]
authors: [贺孟萌]
section: 工作动态
order: 1
---
为进一步优化营商环境，提升土地要素保障效率，近日，市局在市城区范围内全面推行“先登记后供地”，拟供应土地均须先行办理储备土地不动产登记手续，土地供应后即可直接办理不动产登记证书，真正实现“交地即办证”。这一举措把地籍调查和土地测绘等工作前置，企业办理登记时只需提交申请，拿地当天就能领证。

按照以往流程，企业在签订土地出让合同并缴纳税费后，需要委托测绘机构开展地籍调查，才能申请办理不动产登记。
"""

BRIEFS = """\
---
kind: 简讯
section: 简讯
---
▲4月9日，全市农村不动产确权登记发证工作现场会在高唐召开，会议对下一步工作作出具体安排。（调查监测科 高唐局）

▲3月29日，市不动产登记中心加班加点为企业办理不动产抵押业务，助力企业及时拿到银行贷款。
（市不动产登记中心）

▲4月11日，东昌府区分局对全区光伏发电产业用地情况开展现场调查核实。

（东昌府区分局/段腾 朱明珠）
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content) if content.startswith("\n") else content, encoding="utf-8")
    return root


def base_files() -> dict[str, str]:
    return {
        "jianbao.yml": PUBLICATION,
        "contributors/units.yml": UNITS,
        "contributors/rules.yml": RULES,
        "issues/2024-03/issue.yml": ISSUE,
        "issues/2024-03/01-article.md": ARTICLE,
        "issues/2024-03/20-briefs.md": BRIEFS,
    }


@pytest.fixture
def make_ws(tmp_path):
    """make_ws(files) → a workspace folder with the base files, overridden/extended by ``files``.

    A value of None removes a base file.
    """

    def make(files: dict[str, str | bytes | None] | None = None) -> Path:
        merged: dict = base_files()
        merged.update(files or {})
        return write_files(tmp_path / "ws", {k: v for k, v in merged.items() if v is not None})

    return make


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG of the given size (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
