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
