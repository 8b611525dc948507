"""Hardening: every user file is checked against its declared types once, at load, with file:line
errors — YAML's guesses (no = text, .nan, dates, mappings where text belongs) never reach print."""

from __future__ import annotations

import pytest

from tests.conftest import ISSUE, PUBLICATION, RULES, UNITS
from tests.hardening import ITEM_FRONT, fails, item, jianbao, snapshot, workspace


def _check(tmp_path, files, *names, command=("check", "2024-03")):
    root = workspace(tmp_path, files)
    before = snapshot(root)
    r = jianbao(root, *command)
    fails(r, *names)
    assert snapshot(root) == before
    return r


# ---------------------------------------------------------------- issue.yml

@pytest.mark.parametrize("line, names", [
    ("number: true", ["issue.yml:1", "number", "whole number"]),
    ("number: 0", ["issue.yml:1", "number", "from 1 to"]),
    ("number: 3.5", ["issue.yml:1", "whole number"]),
    ("number: {a: 1}", ["issue.yml:1", "mapping"]),
    ("number: 1e999999", ["issue.yml:1", "whole number"]),
    ("number: 99999999999999999999999", ["issue.yml:1", "whole number"]),
])
def test_issue_number_types(tmp_path, line, names):
    text = ISSUE.replace("number: 3\n", line + "\n")
    r = _check(tmp_path, {"issues/2024-03/issue.yml": text}, *names)
    assert "第True期" not in r.out


@pytest.mark.parametrize("date, why", [
    ("2024-13-45", "not a calendar date"),
    ("2024-02-30", "not a calendar date"),
    ("2024年2月30日", "calendar date"),
    ("[2024, 4, 15]", "calendar date"),
    ("", "date"),
])
def test_impossible_dates_in_issue_files(tmp_path, date, why):
    text = ISSUE.replace("date: 2024-04-15", f"date: {date}")
    _check(tmp_path, {"issues/2024-03/issue.yml": text}, "issues/2024-03/issue.yml:3", why)


def test_sections_as_a_string_is_not_split_into_characters(tmp_path):
    root = workspace(tmp_path, {"issues/2024-03/issue.yml": ISSUE.replace("sections: [工作动态, 简讯]",
                                                                        "sections: 工作动态 简讯")})
    from composer.workspace import open_workspace

    ws = open_workspace(root)
    issue, diags = ws.load_issue("2024-03")
    assert issue.sections == ("工作动态", "简讯") and not [d for d in diags if d.is_error]


@pytest.mark.parametrize("value", ["{a: 1}", "[x, y]", "true"])
def test_editor_note_must_be_text(tmp_path, value):
    _check(tmp_path, {"issues/2024-03/issue.yml": ISSUE + f"editor_note: {value}\n"}, "issue.yml:5", "editor_note")


@pytest.mark.parametrize("path, expect", [
    ("issues/2024-03/issue.yml", "number:"),
    ("jianbao.yml", "the publication"),
    ("contributors/units.yml", "groups:"),
])
@pytest.mark.parametrize("content", ["", "# only a comment\n", "\ufeff"])
def test_empty_files_say_why(tmp_path, path, expect, content):
    _check(tmp_path, {path: content}, path, "empty", expect)


def test_empty_rules_file_fails_the_report(tmp_path):
    _check(tmp_path, {"contributors/rules.yml": ""}, "contributors/rules.yml", "empty",
           command=("report", "2024-04", "--format", "json"))


# ---------------------------------------------------------------- items

@pytest.mark.parametrize("front, names", [
    ("title: {a: 1}\nunits: [利用科]\nsection: 工作动态", ["05-x.md:2", "title", "mapping"]),
    ("title: [一, 二]\nunits: [利用科]\nsection: 工作动态", ["05-x.md:2", "title", "a list"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\nsubtitle: true", ["05-x.md:5", "subtitle"]),
    ("title: 标题\nunits: 12345\nsection: 工作动态", ["05-x.md:3", "units"]),
    ("title: 标题\nunits: [利用科]\nauthors: 12345\nsection: 工作动态", ["05-x.md:4", "authors"]),
    ("title: 标题\nunits: [利用科]\nauthors: [{a: 1}]\nsection: 工作动态", ["05-x.md:4", "authors"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\norder: .nan", ["05-x.md:5", "order"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\norder: .inf", ["05-x.md:5", "order"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\norder: 1e999", ["05-x.md:5", "order"]),
    ("title: 标题\nunits: [利用科]\nsection: {a: 1}", ["05-x.md:4", "section"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\nkind: [信息]", ["05-x.md:5", "kind"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\ntags: 5", ["05-x.md:5", "tags"]),
    ("title: 标题\ncredits: 5\nsection: 工作动态", ["05-x.md:3", "credits"]),
    ("title: 标题\nunits: [利用科]\nsection: 工作动态\ndate: 2024-02-30", ["05-x.md:5", "not a calendar date"]),
])
def test_front_matter_types(tmp_path, front, names):
    r = _check(tmp_path, {"issues/2024-03/05-x.md": item(front)}, *names)
    assert "{'a': 1}" not in r.out and "CommentedMap" not in r.out


@pytest.mark.parametrize("credits, why", [
    ('["/张三", "用途科/李四"]', "names authors but no unit"),
    ('["用途科//李四"]', "empty name between two slashes"),
    ('["用途科/李四", "用途科/王五"]', "credited twice"),
    ('["利用科/张三", "自然用途管制科"]', None),
    ('["（办公室)(用途科）"]', "bracket"),
])
def test_credit_strings(tmp_path, credits, why):
    front = f"title: 标题\ncredits: {credits}\nsection: 工作动态"
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(front)})
    r = jianbao(root, "check", "2024-03")
    if why is None:
        assert r.code == 0, r.out
    else:
        fails(r, "05-x.md:3", "J214", why)


@pytest.mark.parametrize("body", [
    "正文内容，到此结束。（办公室)(用途科）",
    "正文内容，到此结束。(用途科)（利用科）",
])
def test_two_credit_groups_run_together(tmp_path, body):
    _check(tmp_path, {"issues/2024-03/05-x.md": item("title: 标题\nsection: 工作动态", body)},
           "05-x.md:5", "two parenthesised groups")


def test_two_credit_groups_in_a_brief(tmp_path):
    briefs = "---\nkind: 简讯\nsection: 简讯\n---\n▲4月9日，全市召开会议。（办公室)(调查监测科）\n"
    _check(tmp_path, {"issues/2024-03/20-briefs.md": briefs}, "20-briefs.md:5", "two parenthesised groups")


def test_a_bom_in_an_item_file_is_accepted(tmp_path):
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": "\ufeff" + item(ITEM_FRONT, "正文。")})
    r = jianbao(root, "check", "2024-03")
    assert r.code == 0, r.out


# ---------------------------------------------------------------- units.yml

@pytest.mark.parametrize("unit, names", [
    ("{name: 审计科, scored: no}", ["units.yml", "scored", "true or false"]),
    ("{name: 审计科, scored: 'false'}", ["units.yml", "scored", "true or false"]),
    ("{name: 审计科, aliases: 5}", ["units.yml", "aliases"]),
    ("{name: 审计科, short: [a]}", ["units.yml", "short"]),
    ("{name: 审计科, quota: {a: 1}}", ["units.yml", "quota"]),
    ("{name: [审计科]}", ["units.yml", "a unit needs `name:`"]),
])
def test_registry_types(tmp_path, unit, names):
    units = UNITS + "  - name: 其他\n    units:\n      - " + unit + "\n"
    _check(tmp_path, {"contributors/units.yml": units}, *names)


def test_scored_no_never_scores(tmp_path):
    """`scored: no` is text in YAML 1.2: an error, never a unit silently scored."""
    units = UNITS.replace("{name: 办公室, short: 办公室, scored: false}", "{name: 办公室, short: 办公室, scored: no}")
    _check(tmp_path, {"contributors/units.yml": units}, "contributors/units.yml:27", "scored",
           command=("report", "2024-04", "--format", "json"))


def test_groups_as_text(tmp_path):
    _check(tmp_path, {"contributors/units.yml": "groups: 科室\n"}, "contributors/units.yml", "groups")


# ---------------------------------------------------------------- jianbao.yml

DISTRIBUTION = "distribution:\n  报: [市委办公室, 市政府办公室]\n  送: [市发展和改革委员会]\n  发: [各县（市、区）局, 机关各科室, 局属各事业单位]\n"

@pytest.mark.parametrize("old, new, names", [
    ("  报: [市委办公室, 市政府办公室]", "  报: 5", ["jianbao.yml:6", "报"]),
    ("  报: [市委办公室, 市政府办公室]", "  报: [市委办公室, {a: 1}]", ["jianbao.yml:6", "entry 2"]),
    (DISTRIBUTION, "distribution: 报送发\n", ["jianbao.yml:5", "distribution"]),
    ("print_run: 50", "print_run: true", ["jianbao.yml:9", "print_run"]),
    ("print_run: 50", "print_run: -5", ["jianbao.yml:9", "print_run"]),
    ("name: 自然资源和规划简报", "name: {a: 1}", ["jianbao.yml:1", "name"]),
    ("office: 市自然资源和规划局办公室", "office: [a, b]", ["jianbao.yml:2", "office"]),
    ("  brief_max_chars: 300", "  brief_max_chars: .nan", ["jianbao.yml:14", "brief_max_chars"]),
    ("units: contributors/units.yml", "units: /etc/passwd", ["jianbao.yml:11", "units:"]),
    ("rules: contributors/rules.yml", "rules: ../rules.yml", ["jianbao.yml:10", "rules:"]),
])
def test_publication_types(tmp_path, old, new, names):
    assert old in PUBLICATION
    _check(tmp_path, {"jianbao.yml": PUBLICATION.replace(old, new)}, *names)


# ---------------------------------------------------------------- rules.yml

@pytest.mark.parametrize("old, new, names", [
    ("top: 3", "top: true", ["rules.yml:14", "top"]),
    ("top: 3", "top: .nan", ["rules.yml:14", "top"]),
    ("points: {信息: 5}, star: 15}", "points: {信息: 5}, star: .inf}", ["rules.yml:8", "star"]),
    ("points: {信息: 1, 简讯: 0.5}", "points: {信息: yes, 简讯: 0.5}", ["rules.yml:7", "信息"]),
    ("base: {points: 5, requires: {reported_up: 1}}", "base: {points: 5, requires: {reported_up: no}}",
     ["rules.yml:11", "reported_up"]),
    ("order: [cumulative_points]", "order: {a: 1}", ["rules.yml:13", "order"]),
])
def test_rules_types(tmp_path, old, new, names):
    assert old in RULES
    _check(tmp_path, {"contributors/rules.yml": RULES.replace(old, new)}, *names,
           command=("report", "2024-04", "--format", "json"))


def test_an_issue_without_items_is_an_error(tmp_path):
    for command in (("check", "2024-03"), ("build", "2024-03")):
        _check(tmp_path, {"issues/2024-03/01-article.md": None, "issues/2024-03/20-briefs.md": None},
               "issues/2024-03/issue.yml:1", "no items", command=command)


@pytest.mark.parametrize("units", ["groups: []\n", "groups:\n  - {name: 科室, units: []}\n"])
def test_a_registry_without_units_is_an_error(tmp_path, units):
    _check(tmp_path, {"contributors/units.yml": units}, "contributors/units.yml:1", "no units")
