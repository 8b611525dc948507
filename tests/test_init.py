"""`jianbao init`: a new workspace that checks clean and builds."""

from __future__ import annotations

from click.testing import CliRunner

from composer.cli import main


def test_init_creates_a_working_workspace(tmp_path):
    runner = CliRunner()
    target = tmp_path / "office"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "jianbao.yml").is_file()
    assert (target / "layouts" / "bulletin").is_dir()
    issue = next((target / "issues").iterdir())
    result = runner.invoke(main, ["-C", str(target), "check", issue.name])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["-C", str(target), "build", issue.name, "--format", "html,docx"])
    assert result.exit_code == 0, result.output
    assert (target / "build" / issue.name / f"{issue.name}.docx").stat().st_size > 0
    # a second init refuses to overwrite
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 1 and "already a jianbao workspace" in again.output


def test_init_takes_the_office_names_and_lists_the_rules(tmp_path):
    target = tmp_path / "golmud"
    result = CliRunner().invoke(main, ["init", str(target), "--name", "政务信息", "--organization", "格尔木市人民政府办公室"])
    assert result.exit_code == 0, result.output
    pub = (target / "jianbao.yml").read_text(encoding="utf-8")
    assert 'name: "政务信息"' in pub and 'organization: "格尔木市人民政府办公室"' in pub
    rules = (target / "contributors/rules.yml").read_text(encoding="utf-8")
    report_block = rules[rules.index("\nreport:"):]
    assert "聊城市自然资源和规划局" not in report_block and "格尔木市人民政府办公室" in report_block
    assert "contributors/rules.yml" in result.output and "`report:` section" in result.output
    ignore = (target / ".gitignore").read_text(encoding="utf-8").split()
    assert {"build/", "ledger/.lock", "*.tmp", ".*.tmp"} <= set(ignore)
    # the workspace's 通报 is signed by the new organisation
    from composer.workspace import open_workspace

    assert open_workspace(target).publication.organization == "格尔木市人民政府办公室"


def test_init_asks_in_a_terminal(tmp_path, monkeypatch):
    import composer.cli

    monkeypatch.setattr(composer.cli, "_interactive", lambda: True)
    target = tmp_path / "asked"
    result = CliRunner().invoke(main, ["init", str(target)], input="国土简报\n某县自然资源局\n")
    assert result.exit_code == 0, result.output
    assert "简报名称" in result.output and "发文单位" in result.output
    pub = (target / "jianbao.yml").read_text(encoding="utf-8")
    assert 'name: "国土简报"' in pub and 'office: "某县自然资源局办公室"' in pub


def test_init_without_terminal_uses_defaults(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "plain")])
    assert result.exit_code == 0 and "简报名称" not in result.output
    assert 'organization: "本单位"' in (tmp_path / "plain/jianbao.yml").read_text(encoding="utf-8")


def test_setup_puts_jianbao_on_path(tmp_path):
    """setup.sh links .venv/bin/jianbao into ~/.local/bin when that folder is on PATH, else says how."""
    import os
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home), PATH=f"{home}/.local/bin:{os.environ['PATH']}")
    r = subprocess.run(["bash", str(repo / "scripts/setup.sh")], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    link = home / ".local/bin/jianbao"
    assert link.is_symlink() and link.resolve() == (repo / ".venv/bin/jianbao").resolve()
    assert "jianbao is on PATH" in r.stderr and "Editable installation" not in r.stderr
    # the README's bare `jianbao` now works from anywhere
    v = subprocess.run(["jianbao", "--version"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert v.returncode == 0 and "jianbao" in v.stdout
    # without ~/.local/bin on PATH nothing is linked, and the way to get it is printed
    plain = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                            if Path(p, "jianbao").resolve() != (repo / ".venv/bin/jianbao").resolve())
    env2 = dict(os.environ, HOME=str(tmp_path / "home2"), PATH=plain)
    r2 = subprocess.run(["bash", str(repo / "scripts/setup.sh")], env=env2, capture_output=True, text=True, timeout=600)
    assert r2.returncode == 0 and ". " in r2.stderr and ".venv/bin/activate" in r2.stderr
    assert not (tmp_path / "home2/.local/bin/jianbao").exists()


# ---------------------------------------------------------------- never over a user's files

import os  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.hardening import Run, fails, snapshot  # noqa: E402


def _init(target, *args) -> Run:
    """``jianbao init TARGET`` as a user runs it (no -C), asserting no traceback."""
    result = CliRunner().invoke(main, ["init", str(target), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return Run(result.exit_code, result.output, result.exception)


@pytest.mark.parametrize("files", [
    {"README.md": "我们的说明\n"},
    {"jianbao.yml": "name: 别人的简报\n"},
    {"contributors/units.yml": "groups: []\n"},  # a folder of another tool, no jianbao.yml
    {"layouts/bulletin/bulletin.css": "body {}\n"},
    {".gitignore": "*.bak\n", "notes/a.txt": "x"},
])
def test_init_refuses_a_folder_that_holds_files(tmp_path, files):
    target = tmp_path / "office"
    for rel, text in files.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text, encoding="utf-8")
    before = snapshot(tmp_path)
    r = _init(target, "--name", "政务信息")
    first = next(iter(files)).split("/")[0]
    fails(r, str(target), first, "nothing was written")
    assert "already a jianbao workspace" in r.out if first == "jianbao.yml" else "not empty" in r.out
    assert snapshot(tmp_path) == before  # not a byte changed, no temporary folder left beside it


def test_init_refuses_a_file_or_a_path_under_a_file(tmp_path):
    (tmp_path / "office").write_text("a file\n", encoding="utf-8")
    before = snapshot(tmp_path)
    r = _init(tmp_path / "office")
    assert r.code == 2 and "office' is a file" in r.out, r.out  # click's usage error names it
    r = _init(tmp_path / "office" / "sub")
    fails(r, "office")
    assert snapshot(tmp_path) == before


def test_init_into_an_empty_folder_or_a_fresh_git_repository(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _init(empty).code == 0
    assert (empty / "jianbao.yml").is_file() and (empty / "layouts/bulletin").is_dir()
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git/HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    assert _init(repo).code == 0
    assert (repo / ".git/HEAD").read_text(encoding="utf-8") == "ref: refs/heads/main\n"
    assert (repo / "contributors/units.yml").is_file()
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "new").exists() is False
    assert _init(tmp_path / "new").code == 0
    assert ((tmp_path / "new").stat().st_mode & 0o777) == 0o777 & ~mask  # not the temporary folder's 0700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "new", "repo"]  # no staging folder left


def test_init_failing_midway_leaves_nothing(tmp_path, monkeypatch):
    """A write failure (disk full) while the workspace is staged: no half workspace appears."""
    from composer.commands import init as init_cmd

    real = init_cmd.shutil.copytree

    def full(src, dst, *a, **k):
        out = real(src, dst, *a, **k)
        if os.path.basename(dst) == "layouts":  # the outer call, once everything is copied
            raise OSError(28, "No space left on device", str(dst))
        return out

    monkeypatch.setattr(init_cmd.shutil, "copytree", full)
    before = snapshot(tmp_path)
    r = _init(tmp_path / "office")
    fails(r, "the disk is full")
    assert snapshot(tmp_path) == before


def test_init_copy_failures_of_several_files_are_one_line(tmp_path, monkeypatch):
    from composer.commands import init as init_cmd

    real = init_cmd.shutil.copytree

    def full(src, dst, *a, **k):
        raise OSError(28, "No space left on device", str(dst))

    def tree(src, dst, symlinks=False, ignore=None, copy_function=None, *a, **k):
        return real(src, dst, symlinks, ignore, full, *a, **k)

    monkeypatch.setattr(init_cmd.shutil, "copytree", tree)
    before = snapshot(tmp_path)
    r = _init(tmp_path / "office")
    fails(r, "office", "could not copy the layouts", "No space left on device", "nothing was written")
    assert len(r.out.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_init_dot_in_an_empty_folder(tmp_path, monkeypatch):
    """`jianbao init .`: staged beside the folder (not inside it), nothing else left in the parent."""
    (tmp_path / "office").mkdir()
    monkeypatch.chdir(tmp_path / "office")
    assert _init(Path(".")).code == 0
    assert (tmp_path / "office/jianbao.yml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["office"]
    assert not [p for p in (tmp_path / "office").iterdir() if p.name.endswith(".tmp")]
