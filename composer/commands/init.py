"""``jianbao init DIR``: a new workspace with the same shape as the sample one.

Layouts and the rules file are copied from the jianbao checkout this package runs
from (the sample publication at its root), so a new office starts from working
templates and edits them; units, issues and the ledger start small.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from composer.config import PUBLICATION_FILE
from composer.diagnostics import JianbaoError

SAMPLE_ROOT = Path(__file__).resolve().parents[2]

PUBLICATION = """\
# 简报的基本信息 — see docs/formats.md
name: 工作简报
office: 办公室
office_unit: 办公室
organization: 本单位
distribution:
  报: [上级机关]
  送: [有关部门]
  发: [各科室]
print_run: 30
rules: contributors/rules.yml
units: contributors/units.yml
layout: layouts/bulletin
check:
  brief_max_chars: 300
"""

UNITS = """\
# 供稿单位登记 — every credited unit must be listed here (name, short, aliases)
groups:
  - name: 机关各科室
    table_name: name
    units:
      - {name: 综合科, short: 综合科}
  - name: 编辑部门
    table_name: name
    units:
      - {name: 办公室, short: 办公室, scored: false}
"""

ISSUE = """\
number: 1
date: {date}
sections: [工作动态, 简讯]
"""

ARTICLE = """\
---
title: 示例文章标题
kind: 信息
units: [综合科]
section: 工作动态
order: 1
---
这里是正文第一段。每段首行缩进两字，两端对齐。

这里是正文第二段。
"""

BRIEFS = """\
---
kind: 简讯
section: 简讯
---
▲这里是第一条简讯的内容，末尾用括号注明供稿单位。（综合科）
"""


def init(directory: Path) -> list[str]:
    """Create the workspace; returns the progress lines to show."""
    directory = Path(directory)
    if (directory / PUBLICATION_FILE).exists():
        raise JianbaoError(f"{directory}: already a jianbao workspace ({PUBLICATION_FILE} exists)")
    layouts = SAMPLE_ROOT / "layouts"
    if not layouts.is_dir():
        raise JianbaoError(f"this jianbao installation has no layouts/ at {SAMPLE_ROOT}: install it from a clone")
    today = dt.date.today()
    issue_id = f"{today.year}-01"
    files = {
        PUBLICATION_FILE: PUBLICATION,
        "contributors/units.yml": UNITS,
        f"issues/{issue_id}/issue.yml": ISSUE.format(date=today.isoformat()),
        f"issues/{issue_id}/01-example.md": ARTICLE,
        f"issues/{issue_id}/20-briefs.md": BRIEFS,
        "ledger/events/.keep": "",
        ".gitignore": "build/\n",
    }
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copytree(layouts, directory / "layouts", dirs_exist_ok=True)
    rules = SAMPLE_ROOT / "contributors" / "rules.yml"
    if rules.is_file():
        shutil.copy2(rules, directory / "contributors" / "rules.yml")
    return [f"created {directory}/{rel}" for rel in files] + [
        f"created {directory}/layouts/",
        f"next: cd {directory} && jianbao build issues/{issue_id}",
    ]
