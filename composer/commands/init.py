"""``jianbao init DIR``: a new workspace with the same shape as the sample one.

Layouts and the rules file are copied from the jianbao checkout this package runs
from (the sample publication at its root), so a new office starts from working
templates and edits them; units, issues and the ledger start small.  The office's
own names (bulletin, editing office, organisation) go into jianbao.yml, and the
organisation replaces the sample office's in the copied rules' report wording.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from composer.config import PUBLICATION_FILE
from composer.diagnostics import JianbaoError

SAMPLE_ROOT = Path(__file__).resolve().parents[2]

PUBLICATION = """\
# 简报的基本信息 — see docs/formats.md
name: {name}
office: {office}
office_unit: 办公室
organization: {organization}
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


# what git should not track: outputs, the ledger's lock, temporary files of jianbao's
# atomic writes and of Word/WPS/LibreOffice
GITIGNORE = """\
build/
ledger/.lock
*.tmp
.*.tmp
~$*
.~lock.*#
"""

SAMPLE_ORGANIZATION = "聊城市自然资源和规划局"  # in the sample rules' report wording


@dataclass(frozen=True, slots=True)
class Names:
    """The new office's own names (``jianbao init --name … --organization …``)."""

    name: str = "工作简报"  # the bulletin's masthead
    organization: str = "本单位"  # the 通报's signature (发文机关)
    office: str = ""  # the editing office printed in the bulletin; default 〈organization〉办公室

    @property
    def office_text(self) -> str:
        if self.office:
            return self.office
        return "办公室" if self.organization == Names.organization else f"{self.organization}办公室"


def _yaml_text(value: str) -> str:
    """A YAML scalar for any text (JSON strings are YAML double-quoted scalars)."""
    return json.dumps(value, ensure_ascii=False)


def _report_wording(rules_text: str, organization: str) -> str:
    """The sample organisation's name replaced by ``organization`` inside the top-level ``report:`` block."""
    out, inside = [], False
    for line in rules_text.splitlines(keepends=True):
        if line[:1].strip() and not line.startswith("#"):
            inside = line.startswith("report:")
        out.append(line.replace(SAMPLE_ORGANIZATION, organization) if inside else line)
    return "".join(out)


def _command() -> str:
    """How to run jianbao from the user's shell: plain when on PATH, else this executable's path."""
    exe = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    on_path = shutil.which("jianbao")
    if on_path or exe is None or exe.name != "jianbao":
        return "jianbao"
    return str(exe)


KEPT = (".git",)  # entries an "empty" folder may hold: `git init office && jianbao init office`


def _refuse_existing(directory: Path) -> None:
    """A workspace is created in a new or empty folder only, so that no file of the user's is
    ever overwritten (a README.md, a jianbao.yml, a units.yml of another tool)."""
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise JianbaoError(f"{directory}: is not a folder; give the path of a new folder for the workspace")
    if not directory.exists():
        return
    if (directory / PUBLICATION_FILE).exists():
        raise JianbaoError(f"{directory}: already a jianbao workspace ({PUBLICATION_FILE} exists); "
                           "nothing was written")
    present = sorted(p.name + ("/" if p.is_dir() else "") for p in directory.iterdir() if p.name not in KEPT)
    if present:
        shown = ", ".join(present[:10]) + (f" and {len(present) - 10} more" if len(present) > 10 else "")
        raise JianbaoError(f"{directory}: the folder is not empty ({shown}); jianbao init writes only into a new "
                           "or empty folder so that none of your files is overwritten: give a new folder, "
                           "or move those files away; nothing was written")


def init(directory: Path, names: Names | None = None) -> list[str]:
    """Create the workspace; returns the progress lines to show.

    Everything is written into a temporary folder beside ``directory`` first and moved into
    place at the end: a failure (disk full, a kill) leaves no half workspace behind.
    """
    names = names or Names()
    directory = Path(directory)
    if directory.is_symlink() and directory.is_dir():
        directory = directory.resolve()  # a link to an (empty) folder: create the workspace there
    _refuse_existing(directory)
    layouts = SAMPLE_ROOT / "layouts"
    if not layouts.is_dir():
        raise JianbaoError(f"this jianbao installation has no layouts/ at {SAMPLE_ROOT}: install it from a clone")
    today = dt.date.today()
    issue_id = f"{today.year}-01"
    files = {
        PUBLICATION_FILE: PUBLICATION.format(name=_yaml_text(names.name), office=_yaml_text(names.office_text),
                                             organization=_yaml_text(names.organization)),
        "contributors/units.yml": UNITS,
        f"issues/{issue_id}/issue.yml": ISSUE.format(date=today.isoformat()),
        f"issues/{issue_id}/01-example.md": ARTICLE,
        f"issues/{issue_id}/20-briefs.md": BRIEFS,
        "ledger/events/.keep": "",
        ".gitignore": GITIGNORE,
    }
    lines = [f"created {directory}/{rel}" for rel in files] + [f"created {directory}/layouts/"]
    rules = SAMPLE_ROOT / "contributors" / "rules.yml"
    if rules.is_file():
        text = rules.read_text(encoding="utf-8")
        if names.organization != Names.organization:
            text = _report_wording(text, names.organization)
        files["contributors/rules.yml"] = text
        lines.append(f"created {directory}/contributors/rules.yml — the scoring rules of the sample office (聊城): "
                     "edit its points and its `report:` section (title, addressees, notes) for your office")
    _write_new(directory, files, layouts)
    cmd = _command()
    lines.append(f"next: cd {directory} && {cmd} build issues/{issue_id}")
    if cmd != "jianbao":
        lines.append("  (to type plain `jianbao`: `. .venv/bin/activate` in the jianbao checkout, see its README)")
    return lines


def _write_new(directory: Path, files: dict[str, str], layouts: Path) -> None:
    """Write ``files`` and a copy of ``layouts`` into a temporary folder beside ``directory``,
    then move it (or, into an existing empty folder, its entries) into place."""
    import tempfile

    where = Path(os.path.abspath(directory))  # `jianbao init .`: stage beside the folder, not inside it
    where.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{where.name}.", suffix=".tmp", dir=where.parent))
    mask = os.umask(0)
    os.umask(mask)
    staging.chmod(0o777 & ~mask)  # mkdtemp's folder is private (0700); the workspace is an ordinary folder
    moved: list[Path] = []
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            shutil.copytree(layouts, staging / "layouts")
        except shutil.Error as e:  # the failures of several files: name the first one's reason
            failures = e.args[0] if e.args and isinstance(e.args[0], list) else []
            why = failures[0][2] if failures else str(e)
            raise JianbaoError(f"{directory}: could not copy the layouts ({why}); nothing was written") from None
        if not directory.exists():
            staging.rename(directory)
            return
        for entry in sorted(staging.iterdir()):  # an existing folder holding only .git
            target = directory / entry.name
            if target.exists() or target.is_symlink():
                raise JianbaoError(f"{target}: appeared while the workspace was written; nothing was written")
            entry.rename(target)
            moved.append(target)
    except BaseException:
        for target in reversed(moved):
            target.rename(staging / target.name)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
