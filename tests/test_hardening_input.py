"""Hardening: hostile or broken content — control characters, encodings, YAML bombs, huge files,
zip bombs, pictures that do not decode, templates that do not compile or try to escape.

Every case: exit code 1, no traceback, the file named, nothing written."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ISSUE, PUBLICATION, RULES, UNITS, png
from tests.hardening import ITEM_FRONT, fails, item, jianbao, snapshot, workspace

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- control characters

@pytest.mark.parametrize("char, name", [
    ("\x0b", "vertical tab (U+000B, Word's manual line break)"),
    ("\x0c", "form feed (U+000C"),
    ("\x1b", "escape (U+001B)"),
    ("\x00", "NUL (U+0000)"),
    ("\x08", "backspace"),
    ("\u2028", "line separator"),
])
@pytest.mark.parametrize("command", [("check", "2024-03"), ("build", "2024-03", "--format", "docx")])
def test_control_characters_in_a_body(tmp_path, char, name, command):
    body = f"第一段。\n\n第二段有一个{char}控制字符。\n"
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, body)})
    before = snapshot(root)
    r = jianbao(root, *command)
    fails(r, "issues/2024-03/05-x.md:8", name, "column 7")
    assert "U+FFFD" not in r.out and "\ufffd" not in r.out
    assert snapshot(root) == before


@pytest.mark.parametrize("path", ["jianbao.yml", "contributors/units.yml", "issues/2024-03/issue.yml"])
def test_control_characters_in_yaml_files(tmp_path, path):
    text = {"jianbao.yml": PUBLICATION, "contributors/units.yml": UNITS, "issues/2024-03/issue.yml": ISSUE}[path]
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n") + "\x00\n"
    fails(jianbao(workspace(tmp_path, {path: "".join(lines)}), "check", "2024-03"), f"{path}:2", "NUL (U+0000)")


def test_not_utf8_item_names_the_line_and_the_guess(tmp_path):
    text = item(ITEM_FRONT, "第一段。\n\n第二段。").encode("gb18030")
    r = jianbao(workspace(tmp_path, {"issues/2024-03/05-x.md": text}), "check", "2024-03")
    fails(r, "05-x.md:2", "not UTF-8", "GB18030", "save the file as UTF-8")


def test_bom_everywhere_is_accepted(tmp_path):
    files = {"jianbao.yml": "\ufeff" + PUBLICATION, "contributors/units.yml": "\ufeff" + UNITS,
             "issues/2024-03/issue.yml": "\ufeff" + ISSUE,
             "issues/2024-03/05-x.md": "\ufeff" + item(ITEM_FRONT, "正文。")}
    r = jianbao(workspace(tmp_path, files), "check", "2024-03")
    assert r.code == 0, r.out


# ---------------------------------------------------------------- import: encodings and control characters

BULLETIN = ("自然资源和规划简报\n第5期\n市自然资源和规划局办公室 2024年4月15日\n\n"
            "我市召开耕地保护工作会议\n\n4月10日，我市召开耕地保护工作会议，部署全年工作。\n\n（耕保科/张三）\n")


def test_big5_text_is_refused_not_imported_garbled(tmp_path):
    root = workspace(tmp_path)
    src = tmp_path / "稿件.txt"
    src.write_bytes("臺灣省政府新聞處工作簡報，會議討論土地資源管理與規劃。\n（耕保科/張三）\n".encode("big5"))
    before = snapshot(root)
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科")
    fails(r, "稿件.txt", "Big5", "UTF-8")
    assert snapshot(root) == before  # no inbox file, no submission in the ledger


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_text(tmp_path, encoding):
    root = workspace(tmp_path)
    src = tmp_path / "稿件.txt"
    text = "我市召开耕地保护工作会议\n\n4月10日，我市召开耕地保护工作会议。\n"
    src.write_bytes(text.encode(encoding))
    before = snapshot(root)
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科", "--received", "2024-04-11")
    if encoding == "utf-16":  # with a byte-order mark: read as such
        assert r.code == 0, r.out
        assert "我市召开耕地保护工作会议" in next((root / "inbox").glob("*.md")).read_text(encoding="utf-8")
    else:
        fails(r, "稿件.txt", "UTF-16")
        assert snapshot(root) == before


def test_gb18030_text_still_imports(tmp_path):
    root = workspace(tmp_path)
    src = tmp_path / "稿件.txt"
    src.write_bytes("我市召开耕地保护工作会议\n\n4月10日，我市召开耕地保护工作会议。\n".encode("gb18030"))
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科", "--received", "2024-04-11")
    assert r.code == 0, r.out


def test_control_characters_in_an_imported_text_are_dropped(tmp_path):
    root = workspace(tmp_path)
    src = tmp_path / "第5期.txt"
    src.write_text(BULLETIN.replace("部署全年", "部署\x0b全年\x1b").replace("工作会议\n", "工作\x00会议\n", 1),
                   encoding="utf-8")
    r = jianbao(root, "import", "issue", src, "--number", "5", "--date", "2024-04-15")
    assert r.code == 0, r.out
    text = "".join(p.read_text(encoding="utf-8") for p in (root / "issues/2024-05").glob("*.md"))
    assert not any(ch in text for ch in "\x00\x0b\x1b")
    r = jianbao(root, "check", "2024-05")
    assert "J105" not in r.out, r.out


def _docx(paragraphs=("我市召开耕地保护工作会议", "4月10日，我市召开耕地保护工作会议。", "（耕保科/张三）"), image=False) -> bytes:
    import docx

    d = docx.Document()
    for t in paragraphs:
        d.add_paragraph(t)
    if image:
        d.add_picture(io.BytesIO(png()))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    """A copy of a zip package with ``change(name, bytes) -> bytes | None`` applied (None drops the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = change(info.filename, src.read(info))
            if new is not None:
                dst.writestr(info.filename, new)
    return out.getvalue()


def test_docx_with_a_linked_picture(tmp_path):
    data = _docx(image=True)

    def link(name, body):
        if name == "word/document.xml":
            return body.replace(b"r:embed=", b"r:link=")
        if name == "word/_rels/document.xml.rels":
            return body.replace(b'Target="media/image1.png"', b'Target="file:///C:/pics/a.png" TargetMode="External"')
        return body

    src = tmp_path / "linked.docx"
    src.write_bytes(_rewrite(data, link))
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科")
    fails(r, "linked.docx", "linked to a file outside the document", "C:/pics/a.png")
    assert snapshot(root) == before


def test_docx_with_a_missing_picture(tmp_path):
    data = _docx(image=True)

    def drop(name, body):
        if name == "word/_rels/document.xml.rels":
            import re

            return re.sub(rb'<Relationship [^>]*media/image1.png"[^>]*/>', b"", body)
        return None if name.startswith("word/media/") else body

    src = tmp_path / "missing.docx"
    src.write_bytes(_rewrite(data, drop))
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科")
    fails(r, "missing.docx", "no picture data")
    assert snapshot(root) == before


def test_docx_with_a_corrupt_picture_imports_and_check_reports_it(tmp_path):
    data = _rewrite(_docx(image=True), lambda n, b: b[:40] if n.startswith("word/media/") else b)
    src = tmp_path / "corrupt.docx"
    src.write_bytes(data)
    root = workspace(tmp_path)
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科", "--received", "2024-04-11")
    assert r.code == 0, r.out
    ident = r.out.strip().splitlines()[-1]
    r = jianbao(root, "inbox", "take", Path(ident).stem, "2024-03")
    assert r.code == 0, r.out
    r = jianbao(root, "check", "2024-03")
    fails(r, "J209", "not a readable picture")


def test_docx_with_a_control_character_reference(tmp_path):
    data = _rewrite(_docx(), lambda n, b: b.replace("召开耕地".encode(), b"&#11;") if n == "word/document.xml" else b)
    src = tmp_path / "ctl.docx"
    src.write_bytes(data)
    root = workspace(tmp_path)
    before = snapshot(root)
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科")
    fails(r, "ctl.docx")
    assert snapshot(root) == before


def _zip_bomb(member_size: int, members: int = 1) -> bytes:
    base = _docx()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        chunk = b"\0" * (1 << 20)
        for n in range(members):
            with dst.open(f"word/media/pad{n}.bin", "w", force_zip64=True) as f:
                for _ in range(member_size >> 20):
                    f.write(chunk)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    src = tmp_path / "bomb.docx"
    src.write_bytes(_zip_bomb(110 << 20))  # 110 MB of zeros in a ~110 KB file
    assert src.stat().st_size < 2 << 20
    root = workspace(tmp_path)
    before = snapshot(root)
    t0 = time.monotonic()
    r = jianbao(root, "import", "manuscript", src, "--unit", "耕保科")
    fails(r, "bomb.docx", "would expand to")
    assert time.monotonic() - t0 < 5
    assert snapshot(root) == before


def test_docx_with_too_many_parts(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for n in range(2100):
            dst.writestr(f"pad/part{n}.xml", b"")
    src_path = tmp_path / "parts.docx"
    src_path.write_bytes(out.getvalue())
    fails(jianbao(workspace(tmp_path), "import", "manuscript", src_path, "--unit", "耕保科"), "parts.docx", "parts")


# ---------------------------------------------------------------- YAML bombs and depth

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))


@pytest.mark.parametrize("path, text, command", [
    ("jianbao.yml", PUBLICATION + BOMB, ("check", "2024-03")),
    ("contributors/units.yml", UNITS + BOMB, ("check", "2024-03")),
    ("issues/2024-03/issue.yml", ISSUE + BOMB, ("check", "2024-03")),
    ("issues/2024-03/05-x.md", item(ITEM_FRONT + "\n" + BOMB.strip()), ("check", "2024-03")),
    ("contributors/rules.yml", RULES + BOMB, ("report", "2024-04", "--format", "json")),
    ("ledger/events/bomb.yml", "- type: submission\n  unit: 利用科\n  date: 2024-04\n  x: " + "[" * 5 + "]" * 5 + "\n"
     + "- " + BOMB.replace("\n", "\n  ").rstrip() + "\n", ("ledger", "check")),
])
def test_yaml_alias_bombs_fail_fast(tmp_path, path, text, command):
    root = workspace(tmp_path, {path: text})
    t0 = time.monotonic()
    r = jianbao(root, *command)
    fails(r, path, "aliases")
    assert time.monotonic() - t0 < 5


def test_recursive_alias(tmp_path):
    r = jianbao(workspace(tmp_path, {"issues/2024-03/issue.yml": ISSUE + "x: &x [*x]\n"}), "check", "2024-03")
    fails(r, "issue.yml:5", "refers to the node that contains it")


def test_deep_nesting(tmp_path):
    t0 = time.monotonic()
    r = jianbao(workspace(tmp_path, {"issues/2024-03/issue.yml": ISSUE + "x: " + "[" * 20000 + "]" * 20000 + "\n"}),
                "check", "2024-03")
    fails(r, "issue.yml:5", "nested too deeply")
    assert time.monotonic() - t0 < 5


# ---------------------------------------------------------------- size limits

def test_huge_markdown_fails_fast(tmp_path):
    body = "全市自然资源系统认真开展工作，取得明显成效。\n\n" * 250_000  # ~ 17 MB
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, body)})
    before = snapshot(root)
    t0 = time.monotonic()
    r = jianbao(root, "build", "2024-03")
    fails(r, "issues/2024-03/05-x.md", "MB", "limit")
    assert time.monotonic() - t0 < 5
    assert snapshot(root) == before


def test_huge_yaml_fails_fast(tmp_path):
    root = workspace(tmp_path, {"contributors/units.yml": UNITS + "# " + "x" * (3 << 20) + "\n"})
    fails(jianbao(root, "check", "2024-03"), "contributors/units.yml", "limit")


# ---------------------------------------------------------------- pictures: check reports what build rejects

@pytest.mark.parametrize("name, data, why", [
    ("p.png", png()[:30], "not a readable picture"),
    ("p.png", b"\x89PNG\r\n\x1a\n", "not a readable picture"),
    ("p.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20, "not a readable picture"),
    ("p.png", b"", "empty"),
    ("p.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable picture"),
    ("p.png", b"GIF89a" + b"\0" * 4, "not a readable picture"),
])
def test_corrupt_pictures_fail_check_like_build(tmp_path, name, data, why):
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, f"正文。\n\n![图]({name})\n"),
                                f"issues/2024-03/{name}": data})
    before = snapshot(root)
    fails(jianbao(root, "check", "2024-03"), "05-x.md:8", "J209", why)
    fails(jianbao(root, "build", "2024-03"), "05-x.md:8", "J209", why)
    assert snapshot(root) == before


def test_picture_as_a_folder(tmp_path):
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, "正文。\n\n![图](p.png)\n")})
    (root / "issues/2024-03/p.png").mkdir()
    fails(jianbao(root, "check", "2024-03"), "05-x.md:8", "folder")


def test_a_valid_picture_builds(tmp_path):
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, "正文。\n\n![图](p.png)\n"),
                                "issues/2024-03/p.png": png(20, 10)})
    assert jianbao(root, "check", "2024-03").code == 0
    r = jianbao(root, "build", "2024-03")
    assert r.code == 0, r.out


def test_pdf_picture_failure_names_the_item_line(tmp_path):
    """Should a picture pass check and still fail in the PDF engine, the error names its item line and why."""
    from composer.diagnostics import JianbaoError
    from composer.render import pdf
    from composer.workspace import open_workspace

    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, "正文。\n\n![图](p.png)\n"),
                                "issues/2024-03/p.png": png()[:30]})
    ws = open_workspace(root)
    issue, _ = ws.load_issue("2024-03")
    with pytest.raises(JianbaoError) as e:
        pdf.render(ws, issue)
    d = e.value.diagnostics[0]
    assert str(d.source) == "issues/2024-03/05-x.md:8", d
    assert "p.png cannot be drawn" in d.message and d.message.split("drawn: ")[1][:3] != " (<"


# ---------------------------------------------------------------- templates

def _layout(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / "layouts/bulletin" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("template, names", [
    ("{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}", ["bulletin.html.j2:1", "not allowed"]),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ["bulletin.html.j2:1", "not allowed"]),
    ("{% for x in %}", ["bulletin.html.j2:1", "does not compile"]),
    ("<p>\n{{ no_such_value }}</p>", ["bulletin.html.j2:2", "unknown value"]),
    ("<p>\n\n{{ 1 / 0 }}</p>", ["bulletin.html.j2:3", "ZeroDivisionError"]),
    ("{% include '../../../jianbao.yml' %}", ["bulletin.html.j2", "not found"]),
    ("{% include '/etc/passwd' %}", ["bulletin.html.j2", "not found"]),
])
def test_bulletin_template_errors(tmp_path, template, names):
    root = workspace(tmp_path)
    _layout(root, {"bulletin.html.j2": template})
    before = snapshot(root)
    for command in (("check", "2024-03"), ("build", "2024-03", "--format", "html,docx"),
                    ("build", "2024-03", "--format", "pdf")):
        r = jianbao(root, *command)
        fails(r, "layouts/bulletin/", "J502", *names)
    assert snapshot(root) == before
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()


def test_braces_in_the_stylesheet(tmp_path):
    css = (ROOT / "layouts/bulletin/bulletin.css").read_text(encoding="utf-8") + "\n.x {{ color: red }}\n"
    root = workspace(tmp_path)
    _layout(root, {"bulletin.css": css})
    n = css.count("\n")
    for command in (("check", "2024-03"), ("build", "2024-03")):
        fails(jianbao(root, *command), f"layouts/bulletin/bulletin.css:{n}", "J502", "{{ '{{' }}")


def test_report_template_errors_name_the_template_not_the_rules(tmp_path):
    root = workspace(tmp_path, {"layouts/report/report.html.j2": "<p>\n{{ doc.no_such_thing.x }}</p>",
                                "ledger/events/2024.yml": "- {type: submission, unit: 利用科, date: 2024-04}\n"})
    before = snapshot(root)
    r = jianbao(root, "report", "2024-04", "--format", "pdf")
    fails(r, "layouts/report/report.html.j2:2", "J502")
    assert "rules.yml" not in r.out
    assert snapshot(root) == before


def test_huge_issue_fails_fast(tmp_path):
    body = "全市自然资源系统认真开展工作，取得明显成效。\n\n" * 12_000  # ~ 0.8 MB a file, under the file limit
    files = {f"issues/2024-03/{n:02d}-x.md": item(f"title: 长文{n}\nunits: [利用科]\nsection: 工作动态", body)
             for n in range(5, 9)}
    root = workspace(tmp_path, files)
    t0 = time.monotonic()
    fails(jianbao(root, "build", "2024-03"), "issues/2024-03/issue.yml", "MB", "for one issue")
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize("src", ["%00.png", "a" * 300 + ".png", "dir/" + "b" * 300 + "/c.png"])
def test_impossible_picture_names(tmp_path, src):
    root = workspace(tmp_path, {"issues/2024-03/05-x.md": item(ITEM_FRONT, f"正文。\n\n![图]({src})\n")})
    for command in (("check", "2024-03"), ("build", "2024-03")):
        fails(jianbao(root, *command), "05-x.md:8", "J209", "not a possible file name")


def test_docx_expanding_beyond_the_total_cap(tmp_path):
    src = tmp_path / "wide.docx"
    src.write_bytes(_zip_bomb(90 << 20, members=3))  # three parts under the part cap, 270 MB in all
    fails(jianbao(workspace(tmp_path), "import", "issue", src), "wide.docx", "would expand to", "250 MB")


def test_print_only_template_error_is_found_by_check(tmp_path):
    template = (ROOT / "layouts/bulletin/bulletin.html.j2").read_text(encoding="utf-8")
    template = template.replace("<body", "{% if variant == 'print' %}{{ only_in_print.x }}{% endif %}\n<body", 1)
    root = workspace(tmp_path)
    _layout(root, {"bulletin.html.j2": template})
    fails(jianbao(root, "check", "2024-03"), "layouts/bulletin/bulletin.html.j2", "J502", "only_in_print")
    fails(jianbao(root, "build", "2024-03", "--format", "pdf"), "layouts/bulletin/bulletin.html.j2", "J502")


def test_too_many_item_files_fail_fast(tmp_path):
    files = {f"issues/2024-03/{n:04d}-x.md": item(f"title: 条目{n}\nunits: [利用科]\nsection: 工作动态") for n in range(600)}
    root = workspace(tmp_path, files)
    t0 = time.monotonic()
    fails(jianbao(root, "check", "2024-03"), "issues/2024-03/issue.yml", "Markdown files", "500")
    assert time.monotonic() - t0 < 5
