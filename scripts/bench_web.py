#!/usr/bin/env python3
"""The workbench's figures (a benchmark, not a test), against a real `jianbao serve` process.

    .venv/bin/python scripts/bench_web.py [--runs 5]

* preview refresh after a save: a file of the sample issue is rewritten (as another editor
  would save it); measured is the time from the write to the server-sent ``change`` event,
  and to the new preview HTML (the event plus the GET the page then makes);
* PDF + DOCX rebuild of the sample issue by the server (warm engine, POST /issues/…/build)
  after an edit, against a cold `jianbao build` process (interleaved);
* the same build 1.5 s after a save with the issue page open, when the server has prebuilt
  the PDF in the background (an issue built once is kept prebuilt).
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import JIANBAO, ROOT, SAMPLE  # noqa: E402

ITEM = "03-xiandengji.md"


def workspace() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="jianbao-bench-web-"))
    for name in ("jianbao.yml", "contributors", "layouts"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp / name)
    shutil.copytree(ROOT / "issues" / SAMPLE, tmp / "issues" / SAMPLE)
    return tmp


class Server:
    def __init__(self, root: Path):
        self.proc = subprocess.Popen(JIANBAO + ["-C", str(root), "serve", "--port", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        for line in self.proc.stdout:
            if m := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                self.port = int(m[1])
                break
        else:
            raise RuntimeError("jianbao serve did not start")
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()  # drain the log
        self.cookie = ""
        deadline = time.monotonic() + 30
        while True:  # the URL is printed before uvicorn accepts connections
            try:
                self.request("GET", "/issues")
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        if c := r.getheader("set-cookie"):
            self.cookie = c.split(";", 1)[0]
        conn.close()
        return r.status, text

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class Events:
    """An open server-sent event stream; ``wait()`` returns the next event's data line."""

    def __init__(self, port: int, path: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.request("GET", path)
        self.r = self.conn.getresponse()
        self.r.fp.readline()  # retry: … the watch is running
        time.sleep(0.3)

    def wait(self) -> bytes:
        while True:
            line = self.r.fp.readline()
            if not line:
                raise RuntimeError("the event stream ended")
            if line.startswith(b"data:"):
                return line

    def close(self) -> None:
        self.conn.close()


def edited(text: str, marker: str) -> str:
    return text.replace("为提升土地要素保障效率", marker + "为提升土地要素保障效率", 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    root = workspace()
    server = Server(root)
    try:
        path = root / "issues" / SAMPLE / ITEM
        original = path.read_text(encoding="utf-8")
        events = Events(server.port, f"/issues/{SAMPLE}/events")
        to_event, to_preview = [], []
        for n in range(max(args.runs, 5) * 2):
            marker = f"测试标记{n}"
            t = time.perf_counter()
            path.write_text(edited(original, marker), encoding="utf-8")
            events.wait()
            to_event.append(time.perf_counter() - t)
            status, html = server.request("GET", f"/issues/{SAMPLE}/preview")
            assert status == 200 and marker in html
            to_preview.append(time.perf_counter() - t)
            time.sleep(0.2)
        events.close()
        path.write_text(original, encoding="utf-8")
        print(f"web    preview refresh: save → event   {statistics.median(to_event) * 1000:5.0f} ms "
              f"(max {max(to_event) * 1000:.0f})")
        print(f"web    preview refresh: save → new HTML {statistics.median(to_preview) * 1000:5.0f} ms "
              f"(max {max(to_preview) * 1000:.0f})")

        server.request("GET", f"/issues/{SAMPLE}")  # opening an issue warms the PDF engine
        token = re.search(r'name="csrf-token" content="([^"]+)"', server.request("GET", "/issues")[1])[1]
        deadline = time.monotonic() + 60
        while "排版引擎已就绪" not in server.request("GET", f"/issues/{SAMPLE}/build")[1]:
            if time.monotonic() > deadline:
                raise RuntimeError("the PDF engine did not warm up")
            time.sleep(0.2)
        out = Path(tempfile.mkdtemp(prefix="jianbao-bench-out-"))
        cold_args = JIANBAO + ["build", f"issues/{SAMPLE}", "--format", "pdf,docx", "--out", str(out)]
        subprocess.run(cold_args, cwd=root, check=True, capture_output=True)  # the OS file cache is warm too
        warm, cold = [], []
        for n in range(args.runs):  # interleaved: the machine is shared, its load changes by the minute
            path.write_text(edited(original, f"重建{n}"), encoding="utf-8")  # a real render, nothing prebuilt
            t = time.perf_counter()
            status, _ = server.request("POST", f"/issues/{SAMPLE}/build", {"csrf_token": token})
            warm.append(time.perf_counter() - t)
            assert status == 303, status
            t = time.perf_counter()
            subprocess.run(cold_args, cwd=root, check=True, capture_output=True)
            cold.append(time.perf_counter() - t)
        # an issue built once is prebuilt after every save (while its page is open): save, look, build
        events = Events(server.port, f"/issues/{SAMPLE}/events")
        prebuilt = []
        for n in range(args.runs):
            path.write_text(edited(original, f"预建{n}"), encoding="utf-8")
            events.wait()
            time.sleep(1.5)  # the editor looks at the preview
            t = time.perf_counter()
            status, _ = server.request("POST", f"/issues/{SAMPLE}/build", {"csrf_token": token})
            prebuilt.append(time.perf_counter() - t)
            assert status == 303, status
        events.close()
        shutil.rmtree(out, ignore_errors=True)
        cold = statistics.median(cold)
        med = statistics.median(warm)
        print(f"web    rebuild pdf+docx in the server   {med:6.2f} s  (min {min(warm):.2f})  "
              f"vs cold `jianbao build` {cold:.2f} s = {cold / med:.1f}x faster")
        pre = statistics.median(prebuilt)
        print(f"web    build 1.5 s after a save, PDF prebuilt {pre:6.2f} s  (min {min(prebuilt):.2f})  "
              f"= {cold / pre:.1f}x faster than cold")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
