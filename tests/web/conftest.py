"""Web fixtures: the real server (uvicorn in a thread) and headless Debian Chromium via playwright.

No browser download: playwright drives the system ``chromium`` (apt-get install chromium;
scripts/setup.sh --test installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class LiveServer:
    """``jianbao serve``'s application under a real uvicorn on a free loopback port."""

    def __init__(self, root: Path, **app_options):
        import uvicorn

        from composer.web.app import create_app

        self.root = root
        self.app = create_app(root, **app_options)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=1))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def git_init(root: Path) -> None:
    """Make ``root`` a git repository with everything committed (as offices share workspaces)."""
    run = lambda *a: subprocess.run(["git", "-C", str(root), *a], check=True, capture_output=True)  # noqa: E731
    run("init", "-q", "-b", "main")
    run("config", "user.name", "测试编辑")
    run("config", "user.email", "editor@example.org")
    (root / ".gitignore").write_text("build/\nledger/.lock\n", encoding="utf-8")
    run("add", "-A")
    run("commit", "-q", "-m", "workspace")


@pytest.fixture
def live_server():
    """live_server(root, **create_app options) → a running LiveServer, stopped after the test."""
    servers: list[LiveServer] = []

    def start(root: Path, **options) -> LiveServer:
        s = LiveServer(root, **options)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        raise RuntimeError("Debian's chromium is missing: run bash scripts/setup.sh --test")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
