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
