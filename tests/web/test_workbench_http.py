"""HTTP-level rules of the issue workbench: CSRF, refused edits write nothing, commits, build, events."""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from starlette.testclient import TestClient

from composer.web.app import create_app
from tests.web.conftest import git_init


def client(root) -> TestClient:
    return TestClient(create_app(root), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


def token(c: TestClient) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', c.get("/issues").text)[1]


def commits(root) -> list[str]:
    out = subprocess.run(["git", "-C", str(root), "log", "--format=%s"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


ARTICLE = "issues/2024-03/01-article.md"


def test_edit_without_csrf_token_is_403_and_writes_nothing(make_ws):
    root = make_ws()
    git_init(root)
    before = (root / ARTICLE).read_bytes()
    c = client(root)
    for url, data in ((f"/{ARTICLE.replace('2024-03/', '2024-03/items/')}", {"action": "fields", "title": "改了"}),
                      ("/issues/2024-03/arrange", {"layout": ["简讯\t20-briefs.md#0"]}),
                      ("/issues/2024-03/items/20-briefs.md/0", {"action": "brief", "text": "x", "credit": "办公室"})):
        r = c.post(url, data=data)
        assert r.status_code == 403, url
        r = c.post(url, data={**data, "csrf_token": "forged"})
        assert r.status_code == 403, url
    assert (root / ARTICLE).read_bytes() == before
    assert len(commits(root)) == 1


def test_edit_that_would_not_load_is_refused_with_file_and_line(make_ws):
    root = make_ws()
    git_init(root)
    before = (root / ARTICLE).read_bytes()
    c = client(root)
    bad = "---\ntitle: 我市创新开展先登记后供地\nunits: [利用科\nsection: 工作动态\n---\n正文。\n"
    r = c.post("/issues/2024-03/items/01-article.md", data={"action": "source", "raw": bad, "csrf_token": token(c)})
    assert r.status_code == 422
    assert "没有保存" in r.text and "issues/2024-03/01-article.md:4" in r.text and "J201" in r.text
    assert "units: [利用科\nsection" in r.text  # the editor's text is kept in the form
    r = c.post("/issues/2024-03/items/01-article.md",
               data={"action": "fields", "title": "我市创新开展先登记后供地", "order": "第一", "csrf_token": token(c)})
    assert r.status_code == 422 and "order must be a number" in r.text
    assert (root / ARTICLE).read_bytes() == before
    assert len(commits(root)) == 1
    assert not [p for p in (root / "issues/2024-03").iterdir() if p.name.startswith(".")]  # no temporary left


def test_field_edit_keeps_comments_and_makes_one_commit(make_ws):
    text = "---\ntitle: 我市创新开展先登记后供地  # 标题待定\nkind: 信息\nunits: [利用科]\nauthors: [贺孟萌]\n" \
           "section: 工作动态\norder: 1\n---\n正文第一段。\n"
    root = make_ws({ARTICLE: text})
    git_init(root)
    c = client(root)
    r = c.post("/issues/2024-03/items/01-article.md", follow_redirects=False,
               data={"action": "fields", "title": "我市全面推行先登记后供地", "subtitle": "", "kind": "信息",
                     "section": "工作动态", "order": "1", "category": "", "credits": "利用科/贺孟萌\n东阿局",
                     "body": "正文第一段。\r\n", "csrf_token": token(c)})
    assert r.status_code == 303
    assert (root / ARTICLE).read_text(encoding="utf-8") == (
        "---\ntitle: 我市全面推行先登记后供地  # 标题待定\nkind: 信息\nunits: [利用科, 东阿局]\nauthors: [贺孟萌]\n"
        "section: 工作动态\norder: 1\n---\n正文第一段。\n")
    assert commits(root)[0] == "issues/2024-03/01-article.md 「我市创新开展先登记后供地」：修改标题、署名"
    assert len(commits(root)) == 2
    # the same form again changes nothing and commits nothing
    r = c.post("/issues/2024-03/items/01-article.md", follow_redirects=False,
               data={"action": "fields", "title": "我市全面推行先登记后供地", "order": "1",
                     "credits": "利用科/贺孟萌\n东阿局", "body": "正文第一段。", "csrf_token": token(c)})
    assert r.status_code == 303 and len(commits(root)) == 2


def test_unknown_items_and_history_paths_are_404(make_ws):
    root = make_ws({"contributors/accounts.yml": "accounts: []\n"})
    git_init(root)
    c = client(root)
    for url in ("/issues/2024-03/items/nope.md", "/issues/2024-03/items/20-briefs.md/9",
                "/issues/2024-03/items/..%2F..%2Fjianbao.yml", "/history?path=../etc/passwd",
                "/history?path=issues/2024-03/nope.md", "/history?path=contributors/accounts.yml",
                "/history?path=.gitignore", "/issues/2024-03/build/..%2F..%2Fjianbao.yml",
                "/issues/2024-03/build/page-1.png"):
        assert c.get(url).status_code == 404, url
    r = c.get("/history?path=issues/2024-03/01-article.md")
    assert r.status_code == 200 and "workspace" in r.text
    assert c.get("/history?path=contributors/units.yml").status_code == 200


def test_build_serves_pdf_pages_and_docx(make_ws):
    root = make_ws()
    c = client(root)
    r = c.post("/issues/2024-03/build", data={"csrf_token": token(c)}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/issues/2024-03/build").text
    assert "已生成" in page and "/issues/2024-03/build/page-1.png" in page
    assert c.get("/issues/2024-03/build/2024-03.pdf").content.startswith(b"%PDF")
    docx = c.get("/issues/2024-03/build/2024-03.docx")
    assert docx.content.startswith(b"PK") and "attachment" in docx.headers["content-disposition"]
    png = c.get("/issues/2024-03/build/page-1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_events_report_a_save_within_300_ms(make_ws, live_server):
    root = make_ws()
    srv = live_server(root)
    path = root / ARTICLE
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/issues/2024-03/events")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("content-type").startswith("text/event-stream")

    def lines():  # the event stream's lines (the chunked framing read past)
        while True:
            line = r.fp.readline()
            if not re.fullmatch(rb"[0-9a-fA-F]+\r\n|\r\n", line):
                yield line

    stream = lines()
    assert next(stream).startswith(b"retry:")
    time.sleep(0.3)  # the watch is set up
    t = time.perf_counter()
    path.write_text(path.read_text(encoding="utf-8").replace("order: 1", "order: 5"), encoding="utf-8")
    while not (line := next(stream)).startswith(b"data:"):
        pass
    elapsed = time.perf_counter() - t
    conn.close()
    assert "01-article.md" in line.decode()
    assert elapsed < 0.3


def test_a_file_that_does_not_load_can_be_repaired_in_its_source(make_ws):
    broken = "---\ntitle: 我市创新开展先登记后供地\nunits: [利用科\n---\n正文。\n"
    root = make_ws({ARTICLE: broken})
    c = client(root)
    page = c.get("/issues/2024-03").text
    assert 'href="/issues/2024-03/items/01-article.md">01-article.md</a>' in page and "J201" in page
    editor = c.get("/issues/2024-03/items/01-article.md")
    assert editor.status_code == 200 and "units: [利用科\n---" in editor.text
    fixed = broken.replace("[利用科\n", "[利用科]\n")
    r = c.post("/issues/2024-03/items/01-article.md", data={"action": "source", "raw": fixed, "csrf_token": token(c)},
               follow_redirects=False)
    assert r.status_code == 303 and (root / ARTICLE).read_text(encoding="utf-8") == fixed
    assert 'data-key="01-article.md"' in c.get("/issues/2024-03").text


def test_a_save_over_a_change_made_elsewhere_is_caught(make_ws):
    root = make_ws()
    c = client(root)
    base = re.search(r'name="base" value="([0-9a-f]+)"', c.get("/issues/2024-03/items/01-article.md").text)[1]
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("order: 1", "order: 1\ncategory: 工作动态"),
                    encoding="utf-8")  # another editor saves meanwhile
    changed = path.read_bytes()
    form = {"action": "fields", "title": "我市创新开展先登记后供地", "body": "改写的正文。", "base": base,
            "csrf_token": token(c)}
    r = c.post("/issues/2024-03/items/01-article.md", data=form)
    assert r.status_code == 409 and "改写的正文。" in r.text and path.read_bytes() == changed
    form["base"] = re.search(r'name="base" value="([0-9a-f]+)"', r.text)[1]  # saved again, knowingly
    assert c.post("/issues/2024-03/items/01-article.md", data=form, follow_redirects=False).status_code == 303
    assert path.read_text(encoding="utf-8").endswith("category: 工作动态\n---\n改写的正文。\n")


def test_moving_a_brief_to_another_section_is_one_commit_with_the_new_file(make_ws):
    root = make_ws()
    git_init(root)
    c = client(root)
    r = c.post("/issues/2024-03/items/20-briefs.md/0", data={"action": "move", "section": "工作动态",
                                                           "csrf_token": token(c)}, follow_redirects=False)
    assert r.status_code == 303
    assert commits(root)[0].startswith("issues/2024-03：调整顺序；移动 「4月9日")
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True).stdout
    assert status == ""
    shown = subprocess.run(["git", "-C", str(root), "show", "--stat", "--format=", "HEAD"], capture_output=True,
                           text=True).stdout
    assert "issues/2024-03/20-briefs.md" in shown and "issues/2024-03/21-briefs.md" in shown


def test_events_follow_the_unit_registry_too(make_ws, live_server):
    root = make_ws()
    srv = live_server(root)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/issues/2024-03/events")
    r = conn.getresponse()
    assert r.fp.readline()  # the stream is open
    time.sleep(0.3)
    units = root / "contributors/units.yml"
    units.write_text(units.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    while b"data:" not in (line := r.fp.readline()):
        pass
    conn.close()
    assert "units.yml" in line.decode()


def test_an_issue_built_once_is_prebuilt_after_each_save(make_ws, live_server):
    from composer.web.pages import build

    root = make_ws()
    srv = live_server(root)
    c = TestClient(srv.app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    assert c.post("/issues/2024-03/build", data={"csrf_token": token(c)}, follow_redirects=False).status_code == 303
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/issues/2024-03/events")
    r = conn.getresponse()
    assert r.fp.readline()
    time.sleep(0.3)
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("我市创新开展先登记后供地", "我市全面推行先登记后供地"),
                    encoding="utf-8")
    while b"data:" not in r.fp.readline():
        pass
    conn.close()
    folder = (root / "issues/2024-03").resolve()
    deadline = time.monotonic() + 30
    while not (build._prebuilt.get(folder) and b"%PDF" in build._prebuilt[folder][1][:8]
               and build._prebuilt[folder][0] == _key_now(root)):
        assert time.monotonic() < deadline, "no prebuilt PDF"
        time.sleep(0.1)
    assert c.post("/issues/2024-03/build", data={"csrf_token": token(c)}, follow_redirects=False).status_code == 303
    text = subprocess.run(["pdftotext", str(root / "build/2024-03/2024-03.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "我市全面推行先登记后供地" in text and "我市创新开展先登记后供地" not in text


def _key_now(root):
    from composer.commands.check import load_checked
    from composer.web.pages.build import content_key
    from composer.workspace import open_workspace

    ws = open_workspace(root)
    issue, _ = load_checked(ws, root / "issues/2024-03")
    return content_key(ws, issue)
