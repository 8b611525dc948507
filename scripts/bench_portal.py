#!/usr/bin/env python3
"""Load check of the unit portal: 50 units log in and send a manuscript at the same moment.

    .venv/bin/python scripts/bench_portal.py [--units 50] [--timeout 180]

Runs a real ``jianbao serve`` (a subprocess, loopback, log-in required) on a copy of
this workspace made a git repository, with one account per simulated unit; 50
client threads log in through the form and upload a .docx each, all released at
once.  Then checks that every submission is recorded exactly once (one inbox file,
one submission event pointing at it, one git commit) and prints the times.
Bounded: every request has a timeout, the whole run a deadline, and the server is
stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def workspace(n: int) -> tuple[Path, list[tuple[str, str, str]]]:
    """A copy of this workspace with ``n`` extra units (group 压测单位) and an account for each."""
    from composer.web import accounts
    from composer.workspace import open_workspace

    tmp = Path(tempfile.mkdtemp(prefix="jianbao-bench-portal-"))
    for name in ("jianbao.yml", "contributors", "layouts"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp / name)
    (tmp / "contributors" / "accounts.yml").unlink(missing_ok=True)
    units = tmp / "contributors" / "units.yml"
    extra = "\n".join(f"      - {{name: 压测单位{i:02d}, short: 压测{i:02d}}}" for i in range(1, n + 1))
    units.write_text(units.read_text(encoding="utf-8").rstrip("\n")
                     + "\n  - name: 压测单位\n    table_name: name\n    units:\n" + extra + "\n", encoding="utf-8")
    ws = open_workspace(tmp)
    if [d for d in ws.diagnostics if d.is_error]:
        raise SystemExit(f"bench workspace invalid: {ws.diagnostics}")
    creds = []
    accounts.add(ws, "bench-editor", "editor", "bench-editor-password")
    for i in range(1, n + 1):
        name, password = f"unit{i:02d}", f"bench-pass-{i:02d}-{os.urandom(4).hex()}"
        accounts.add(ws, name, "unit", password, f"压测{i:02d}")
        creds.append((name, password, f"压测{i:02d}"))
    run = lambda *a: subprocess.run(["git", "-C", str(tmp), *a], check=True, capture_output=True)  # noqa: E731
    run("init", "-q", "-b", "main")
    (tmp / ".gitignore").write_text("build/\nledger/.lock\n", encoding="utf-8")
    run("add", "-A")
    run("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "bench workspace")
    return tmp, creds


def docx_bytes(title: str, body: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(title)
    d.add_paragraph(body)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def start_server(root: Path, deadline: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "jianbao"), "-C", str(root), "serve", "--port", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
            return proc, m[1]
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("jianbao serve did not start")


def one_unit(url: str, name: str, password: str, short: str, barrier: threading.Barrier, timeout: float) -> dict:
    import httpx2 as httpx

    title = f"{short}落实耕地保护责任压测稿件"
    data = docx_bytes(title, f"{short}全面落实耕地保护责任，本月共核查图斑{len(name) * 7}个。")
    token = lambda html: re.search(r'name="csrf_token" value="([^"]+)"', html)[1]  # noqa: E731
    with httpx.Client(base_url=url, timeout=timeout, follow_redirects=False) as c:
        barrier.wait(timeout)
        t0 = time.perf_counter()
        r = c.get("/login")
        r = c.post("/login", data={"username": name, "password": password, "csrf_token": token(r.text)})
        t1 = time.perf_counter()
        if r.status_code != 303:
            return {"name": name, "ok": False, "why": f"log-in {r.status_code}"}
        r = c.get("/portal/submit")
        r = c.post("/portal/submit", data={"csrf_token": token(r.text)},
                   files={"file": (f"{short}来稿.docx", data, "application/octet-stream")})
        t2 = time.perf_counter()
        ok = r.status_code == 303 and "new=1" in r.headers.get("location", "")
        return {"name": name, "ok": ok, "why": "" if ok else f"submit {r.status_code}", "title": title,
                "login": t1 - t0, "submit": t2 - t1}


def verify(root: Path, results: list[dict]) -> list[str]:
    """Problems: every sent manuscript exactly once in inbox/, the ledger and git."""
    from composer.commands import inbox
    from composer.ledger import load_ledger
    from composer.workspace import open_workspace

    ws = open_workspace(root)
    problems = []
    entries = inbox.entries(ws)
    led, diags = load_ledger(ws)
    problems += [str(d) for d in diags if d.is_error]
    refs = [e.ref for e in led.events if type(e).__name__ == "Submission" and e.ref]
    log = subprocess.run(["git", "-C", str(root), "log", "--format=%s"], capture_output=True, text=True).stdout
    for res in results:
        if not res.get("ok"):
            problems.append(f"{res['name']}: {res['why']}")
            continue
        mine = [e for e in entries if e.title == res["title"]]
        if len(mine) != 1:
            problems.append(f"{res['name']}: {len(mine)} inbox files")
            continue
        rel = ws.rel(mine[0].path)
        if refs.count(rel) != 1:
            problems.append(f"{res['name']}: {refs.count(rel)} submission events for {rel}")
        if log.count(f"（{rel}）") != 1:
            problems.append(f"{res['name']}: {log.count(rel)} commits for {rel}")
    if len(entries) != len(results):
        problems.append(f"{len(entries)} inbox files for {len(results)} units")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=180, help="deadline of the whole run (seconds)")
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    t = time.perf_counter()
    root, creds = workspace(args.units)
    setup = time.perf_counter() - t
    proc = None
    try:
        proc, url = start_server(root, deadline)
        barrier = threading.Barrier(len(creds))
        left = max(5.0, deadline - time.monotonic())
        t = time.perf_counter()
        with ThreadPoolExecutor(len(creds)) as pool:
            futures = [pool.submit(one_unit, url, n, p, s, barrier, left) for n, p, s in creds]
            results = []
            for f in futures:
                try:
                    results.append(f.result(timeout=max(1.0, deadline - time.monotonic())))
                except Exception as e:  # a timeout or a refused connection is a failed unit, not a hang
                    results.append({"name": "?", "ok": False, "why": f"{type(e).__name__}: {e}"})
        wall = time.perf_counter() - t
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    problems = verify(root, results)
    ok = [r for r in results if r.get("ok")]
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")  # noqa: E731
    logins, submits = [r["login"] for r in ok], [r["submit"] for r in ok]
    print(f"portal  {len(creds)} units log in + send a .docx at once (jianbao serve, loopback, git audit)")
    print(f"portal  all done in {wall:6.2f} s  ({len(ok)}/{len(creds)} recorded exactly once; setup {setup:.1f} s)")
    if ok:
        print(f"portal  log-in  median {statistics.median(logins):.2f} s  p95 {q(logins, .95):.2f} s  max {max(logins):.2f} s")
        print(f"portal  submit  median {statistics.median(submits):.2f} s  p95 {q(submits, .95):.2f} s  max {max(submits):.2f} s")
    for p in problems[:20]:
        print(f"portal  PROBLEM {p}")
    shutil.rmtree(root, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
