"""Security: raw HTML in Markdown stays text; the PDF engine fetches nothing from the
network and no file outside the issue and layout folders, whatever it is handed."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from composer.cli import main
from tests.conftest import base_files, write_files

ATTACK = """\
---
title: 恶意内容测试
kind: 信息
units: [利用科]
section: 工作动态
order: 2
---
正文<script>alert(1)</script>结束。

<img src=x onerror=alert(2)>

<iframe src="http://127.0.0.1:9/evil"></iframe>

<a href="javascript:alert(3)">链接</a>
"""


class Listener:
    """A local TCP server that records whether anything connected to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join(1)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    files = base_files()
    files["issues/2024-03/02-attack.md"] = ATTACK
    root = write_files(tmp_path_factory.mktemp("sec") / "ws", files)
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf,html"])
    assert res.exit_code == 0, res.output
    return root


def test_raw_html_is_text_in_the_html(attacked):
    page = (attacked / "build/2024-03/2024-03.html").read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    assert "<script" not in body
    assert "<img src=x" not in body and "<iframe" not in body and "<a href" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in body
    assert "&lt;iframe src=&#34;http://127.0.0.1:9/evil&#34;&gt;&lt;/iframe&gt;" in body


def test_raw_html_is_text_in_the_pdf(attacked):
    pdf = attacked / "build/2024-03/2024-03.pdf"
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "正文<script>alert(1)</script>结束。" in text
    assert "<imgsrc=xonerror=alert(2)>" in text
    assert "<iframesrc=\"http://127.0.0.1:9/evil\"></iframe>" in text


@pytest.mark.parametrize("src, line", [
    ("file:///etc/passwd", 8),
    ("../../../etc/hosts", 8),
    ("http://127.0.0.1/x.png", 8),
])
def test_check_refuses_remote_and_escaping_images(make_ws, src, line):
    root = make_ws({"issues/2024-03/02-img.md": f"---\ntitle: 图片\nunits: [利用科]\nsection: 工作动态\n---\n"
                                                 f"说明文字。\n\n![图]({src})\n"})
    res = CliRunner().invoke(main, ["-C", str(root), "check", "2024-03", "--format", "json"])
    assert res.exit_code == 1
    diags = json.loads(res.stdout)["diagnostics"]
    hits = [d for d in diags if d["code"] == "J209"]
    assert hits and hits[0]["path"] == "issues/2024-03/02-img.md" and hits[0]["line"] == line
    res = CliRunner().invoke(main, ["-C", str(root), "build", "2024-03", "--format", "pdf"])
    assert res.exit_code == 1 and not (root / "build").exists()


# ---------------------------------------------------------------- the fetcher itself


@pytest.fixture
def folders(tmp_path):
    issue = tmp_path / "ws" / "issues" / "2024-03"
    issue.mkdir(parents=True)
    (issue / "ok.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "ws" / "secret.txt").write_text("secret")
    (issue / "link.png").symlink_to("/etc/hosts")
    return issue


def test_fetcher_serves_files_inside_the_allowed_folders(folders):
    from composer.formats.pdf_engine import ConfinedFetcher

    fetcher = ConfinedFetcher([folders])
    resp = fetcher.fetch((folders / "ok.png").as_uri())
    assert resp.read() == b"\x89PNG fake"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


@pytest.mark.parametrize("make_url", [
    lambda d: "file:///etc/passwd",
    lambda d: (d / "../../../../../../etc/hosts").as_uri(),
    lambda d: d.as_uri() + "/../../secret.txt",
    lambda d: (d / "link.png").as_uri(),  # a symlink leading out
    lambda d: "file://evil.example/etc/passwd",
    lambda d: "ftp://127.0.0.1/x.png",
    lambda d: "https://example.com/x.png",
])
def test_fetcher_refuses_everything_else(folders, make_url):
    from composer.formats.pdf_engine import ConfinedFetcher

    fetcher = ConfinedFetcher([folders])
    url = make_url(folders)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_never_opens_a_connection(folders, listener):
    from composer.formats.pdf_engine import ConfinedFetcher

    fetcher = ConfinedFetcher([folders])
    for url in (f"http://127.0.0.1:{listener.port}/x.png", f"https://127.0.0.1:{listener.port}/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert listener.hits == 0


def test_engine_refuses_hostile_html_without_network_or_file_access(folders, listener):
    from composer.formats.pdf_engine import RenderError, html_to_pdf

    hostile = f"""<html><head>
    <link rel="stylesheet" href="http://127.0.0.1:{listener.port}/x.css">
    <style>@import url("http://127.0.0.1:{listener.port}/y.css");
      body {{ background: url("file:///etc/passwd"); }}</style></head>
    <body><p>x</p><img src="file:///etc/passwd"><img src="../../secret.txt">
    <img src="http://127.0.0.1:{listener.port}/z.png"><img src="ok.png"></body></html>"""
    with pytest.raises(RenderError) as err:
        html_to_pdf(hostile, base_url=folders, allowed_roots=[folders])
    problems = " ".join(err.value.problems)
    assert "file:///etc/passwd" in problems and "secret.txt" in problems and str(listener.port) in problems
    assert "ok.png" not in problems
    assert listener.hits == 0


def test_engine_renders_plain_html(folders):
    from composer.formats.pdf_engine import html_to_pdf

    pdf = html_to_pdf("<html><head><title>t</title></head><body><p>你好</p></body></html>",
                      base_url=folders, allowed_roots=[folders], metadata={"title": "报告", "author": "办公室"})
    assert pdf.startswith(b"%PDF")


def test_renderer_never_references_an_image_outside_the_issue(make_ws):
    """Even when the model holds an image path outside the issue folder, the HTML does not point at it."""
    import dataclasses

    from composer.model import Image
    from composer.render import html
    from composer.workspace import open_workspace

    root = make_ws()
    ws = open_workspace(root)
    issue, _ = ws.load_issue("2024-03")
    bad = Image(src="/etc/hosts", path=Path("/etc/hosts"), alt="hosts")
    item = dataclasses.replace(issue.items[0], blocks=issue.items[0].blocks + (bad,))
    issue = dataclasses.replace(issue, items=(item,) + issue.items[1:])
    for variant in ("preview", "print"):
        page = html.render(ws, issue, variant=variant)
        assert "/etc/hosts" not in page and "base64" not in page
        assert "［图片：hosts］" in page
