#!/usr/bin/env python3
"""Whole-process times of `jianbao report` over a synthetic ledger (a benchmark, not a test).

    .venv/bin/python scripts/bench_report.py [--runs 5] [--years 10]

Builds a temporary workspace with 50 units in 5 groups, the repository's rules,
and a ledger of ≈3,000 records per year (submissions, 报市, own-bulletin
adoptions of 24 issues, higher adoptions, bonuses), one events file per month.
Times `jianbao report annual 2024` and `jianbao report 2024-06 --format json`
as subprocesses (median of the runs after one warm-up), then the same with
``--years`` years of ledger (goal: the one-year annual report ≤ 0.5 s; ten
years roughly linear in the ledger size).  Then times `ledger add` and `ledger
check` against `report 2024-06 --json` on the same ledger, with nothing closed and
with 2024-01..2024-11 closed, and prints the ratios (issue 9: add ≤ 1.2×, check ≤ 1.5×).

Then the workbench (``jianbao serve``): page load of /scores over the one-year
ledger (the month's tables, drill-downs, rank change — two periods scored — and
the charts), served by a real uvicorn on loopback, fetched over HTTP; also
/ledger and the month table.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import JIANBAO, timed  # noqa: E402  one timing helper for both benchmarks

GROUPS, PER_GROUP = 5, 10


def units_yml() -> str:
    out = ["groups:"]
    for g in range(GROUPS):
        out += [f"  - name: 组{g + 1}", "    table_name: short", "    units:"]
        for u in range(PER_GROUP):
            out.append(f"      - {{name: 第{g + 1}组单位{u + 1:02d}, short: 单位{g + 1}-{u + 1:02d}}}")
    out += ["  - name: 编辑部门", "    units:", "      - {name: 办公室, short: 办公室, scored: false}"]
    return "\n".join(out) + "\n"


def month_events(rng: random.Random, year: int, month: int, issue0: int) -> tuple[str, int]:
    """One month's events (≈250 records) and the number of records."""
    units = [f"单位{g + 1}-{u + 1:02d}" for g in range(GROUPS) for u in range(PER_GROUP)]
    m = f"{year}-{month:02d}"
    lines, n = [], 0
    for u in units:
        lines.append(f"- {{type: submission, unit: {u}, date: {m}, count: {rng.randint(1, 12)}}}")
        lines.append(f"- {{type: report_up, unit: {u}, date: {m}, count: {rng.randint(0, 2) or 1}}}")
        n += 2
    for issue in (issue0, issue0 + 1):
        day = 10 if issue == issue0 else 25
        for i in range(50):
            kind = "信息" if i < 12 else "简讯"
            credited = rng.sample(units, rng.choice((1, 1, 1, 2, 3)))
            lines.append(f"- {{type: adoption, outlet: 简报, issue: {issue}, date: {m}-{day}, kind: {kind}, "
                         f"units: [{', '.join(credited)}], title: 第{issue}期稿件{i + 1}号关于全市自然资源工作的报道}}")
            n += 1
    for i in range(45):
        outlet = rng.choice(("昨日市情", "每日动态", "普刊", "聊城信息"))
        star = ", star: true" if outlet == "昨日市情" and i % 5 == 0 else ""
        lines.append(f"- {{type: adoption, outlet: {outlet}{star}, date: {m}, kind: 信息, "
                     f"units: [{rng.choice(units)}], title: {m}上级采用{i + 1}号}}")
        n += 1
    lines.append(f"- {{type: bonus, unit: {rng.choice(units)}, date: {m}, points: 5, reason: 参加新闻发布会}}")
    return "\n".join(lines) + "\n", n + 1


def make_workspace(root: Path, years: int) -> int:
    (root / "contributors").mkdir(parents=True)
    (root / "ledger" / "events").mkdir(parents=True)
    (root / "jianbao.yml").write_text(
        "name: 基准简报\noffice: 基准办公室\noffice_unit: 办公室\norganization: 基准局\n", encoding="utf-8")
    (root / "contributors" / "units.yml").write_text(units_yml(), encoding="utf-8")
    shutil.copy(ROOT / "contributors" / "rules.yml", root / "contributors" / "rules.yml")
    rng = random.Random(2024)
    total = 0
    for y in range(2024 - years + 1, 2025):
        for month in range(1, 13):
            text, n = month_events(rng, y, month, 2 * month - 1)
            (root / "ledger" / "events" / f"{y}-{month:02d}.yml").write_text(text, encoding="utf-8")
            total += n
    return total


ADD = ["ledger", "add", "bonus", "--unit", "单位1-01", "--date", "2024-12", "--points", "1", "--reason", "基准加分"]
ADD_CLOSED = ["ledger", "add", "bonus", "--unit", "单位1-01", "--date", "2024-06", "--points", "1", "--reason",
              "基准加分", "--force", "--force-reason", "基准：改动已关闭的月份"]


def interleaved(commands: list[list[str]], cwd: Path, runs: int) -> list[tuple[float, float]]:
    """(median wall time, median CPU time) of each whole process, the commands run in turn (one
    warm-up each) so that the load of other processes falls on all of them alike.  CPU time
    (user + system of the child) is what the ratios use: on a shared machine it does not
    count the time spent waiting for a core."""
    for args in commands:
        subprocess.run(JIANBAO + args, cwd=cwd, check=True, capture_output=True)
    wall: list[list[float]] = [[] for _ in commands]
    cpu: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, args in enumerate(commands):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(JIANBAO + args, cwd=cwd, check=True, capture_output=True)
            wall[i].append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu)]


def ledger_figures(ws: Path, runs: int, label: str, forced: bool = False) -> None:
    """`ledger add` and `ledger check` against `report <month> --json` on the same ledger (issue 9 targets)."""
    commands = [["report", "2024-06", "--json"], ADD, ["ledger", "check"]] + ([ADD_CLOSED] if forced else [])
    (rep_w, rep), (add_w, add), (check_w, check), *rest = interleaved(commands, ws, runs)
    ok = lambda r, limit: "ok" if r <= limit else "MISSED"  # noqa: E731
    print(f"  {label}:\n"
          f"    report 2024-06 --json  cpu {rep:.3f} s  (wall {rep_w:.3f} s)\n"
          f"    ledger add (2024-12)   cpu {add:.3f} s  (wall {add_w:.3f} s)  = {add / rep:.2f}x report "
          f"(target <= 1.2x: {ok(add / rep, 1.2)}; wall {add_w / rep_w:.2f}x)\n"
          f"    ledger check           cpu {check:.3f} s  (wall {check_w:.3f} s)  = {check / rep:.2f}x report "
          f"(target <= 1.5x: {ok(check / rep, 1.5)}; wall {check_w / rep_w:.2f}x)")
    if rest:
        (fw, fc), = rest
        print(f"    forced add into closed 2024-06 (scores 2024-06..11 for one unit)  cpu {fc:.3f} s  "
              f"(wall {fw:.3f} s)  = {fc / rep:.2f}x report")
def serve(ws: Path):
    """The workbench app of ``ws`` under uvicorn in a thread; (base URL, stop function)."""
    import socket
    import threading

    import uvicorn

    sys.path.insert(0, str(ROOT))
    from composer.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(ws), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


def page_times(url: str, runs: int) -> tuple[float, float, int]:
    """(median, min) seconds of a full GET of ``url`` after one warm-up, and the page size in bytes."""
    import statistics
    import urllib.request

    def get() -> int:
        with urllib.request.urlopen(url) as r:
            assert r.status == 200, url
            return len(r.read())

    size = get()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        get()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), size


def bench_web(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        records = make_workspace(ws, 1)
        base, stop = serve(ws)
        try:
            print(f"jianbao serve — page load over HTTP, 1 year, {records} records, 50 units (median / min of {runs})")
            for path in ("/scores?period=2024-06", "/scores", "/ledger", "/ledger/month?month=2024-06"):
                med, low, size = page_times(base + path, runs)
                print(f"  {path:<28} {med:.3f} s (min {low:.3f})  {size // 1024} KB")
        finally:
            stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--web-only", action="store_true", help="only the workbench page loads")
    args = ap.parse_args()
    if args.web_only:
        return bench_web(args.runs)
    print("jianbao report — whole-process wall time (median / min of runs after a warm-up)")
    for years in (1, args.years):
        with tempfile.TemporaryDirectory() as tmp:
            ws = Path(tmp) / "ws"
            records = make_workspace(ws, years)
            a = timed(["report", "annual", "2024", "--format", "json"], ws, args.runs)
            m = timed(["report", "2024-06", "--format", "json"], ws, args.runs)
            print(f"  {years:>2} year(s), {records:>6} records, 50 units:"
                  f"  annual 2024 {a[0]:.3f} s (min {a[1]:.3f})   month 2024-06 {m[0]:.3f} s (min {m[1]:.3f})")
    print("ledger writes and checks against the report on the same ledger (medians; each `ledger add` appends one bonus)")
    for years in dict.fromkeys((1, args.years)):
        with tempfile.TemporaryDirectory() as tmp:
            ws = Path(tmp) / "ws"
            records = make_workspace(ws, years)
            ledger_figures(ws, args.runs, f"{years:>2} year(s), {records:>6} records, nothing closed")
            for month in range(1, 12):
                subprocess.run(JIANBAO + ["ledger", "close", f"2024-{month:02d}"], cwd=ws, check=True,
                               capture_output=True)
            ledger_figures(ws, args.runs, f"{years:>2} year(s), {records:>6} records, 2024-01..11 closed", forced=True)
    bench_web(args.runs)


if __name__ == "__main__":
    main()
