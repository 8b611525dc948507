#!/usr/bin/env python3
"""Whole-process wall times of jianbao on this machine (a benchmark, not a test).

    .venv/bin/python scripts/bench.py [--runs 5]

Times `jianbao build` of the sample issue (PDF + DOCX, after one warm-up run),
the same for a synthetic issue with 10× the content, and `jianbao check`.
Then runs scripts/bench_report.py (the ledger and report figures) when present.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JIANBAO = [str(ROOT / ".venv" / "bin" / "jianbao")]
SAMPLE = "2024-05"


def timed(args: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """(median, min) seconds over ``runs`` runs after one warm-up."""
    subprocess.run(JIANBAO + args, cwd=cwd, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(JIANBAO + args, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def synthetic_workspace(factor: int) -> Path:
    """A copy of the sample workspace whose sample issue holds ``factor``× the items."""
    tmp = Path(tempfile.mkdtemp(prefix="jianbao-bench-"))
    for name in ("jianbao.yml", "contributors", "layouts"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp / name)
    src_issue, dst_issue = ROOT / "issues" / SAMPLE, tmp / "issues" / "big"
    dst_issue.mkdir(parents=True)
    shutil.copy2(src_issue / "issue.yml", dst_issue / "issue.yml")
    for copy in range(factor):
        for md in sorted(src_issue.glob("*.md")):
            text = md.read_text(encoding="utf-8")
            # distinct titles (articles) and distinct first clauses (briefs)
            text = re.sub(r"^title: (.*)$", rf"title: \1（{copy + 1}）", text, flags=re.M)
            text = text.replace("▲", f"▲（{copy + 1}）")
            text = re.sub(r"^order: (\d+)", lambda m: f"order: {copy * 100 + int(m[1])}", text, flags=re.M)
            (dst_issue / f"{copy:02d}-{md.name}").write_text(text, encoding="utf-8")
    return tmp


def pages(pdf: Path) -> int:
    try:
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out)[1])
    except Exception:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="jianbao-bench-out-"))
    print(f"machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
          f"median of {args.runs} runs after a warm-up; whole processes")

    med, best = timed(["check", f"issues/{SAMPLE}"], ROOT, args.runs)
    print(f"check  sample issue            {med:6.2f} s  (min {best:.2f})")
    med1, best = timed(["build", f"issues/{SAMPLE}", "--format", "pdf,docx", "--out", str(out)], ROOT, args.runs)
    print(f"build  sample issue  pdf+docx  {med1:6.2f} s  (min {best:.2f})  {pages(out / (SAMPLE + '.pdf'))} pages")
    for fmt in ("pdf", "docx", "html"):
        med, best = timed(["build", f"issues/{SAMPLE}", "--format", fmt, "--out", str(out)], ROOT, args.runs)
        print(f"build  sample issue  {fmt:<8}  {med:6.2f} s  (min {best:.2f})")

    big = synthetic_workspace(10)
    try:
        med10, best = timed(["build", "issues/big", "--format", "pdf,docx", "--out", str(out)], big, max(1, args.runs // 2))
        print(f"build  10x issue     pdf+docx  {med10:6.2f} s  (min {best:.2f})  {pages(out / 'big.pdf')} pages"
              f"  = {med10 / med1:.1f}x the sample")
    finally:
        shutil.rmtree(big, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    report_bench = ROOT / "scripts" / "bench_report.py"
    if report_bench.exists():
        sys.stdout.flush()
        subprocess.run([sys.executable, str(report_bench)], check=False)
    portal_bench = ROOT / "scripts" / "bench_portal.py"
    if portal_bench.exists():  # 50 units logging in and sending at once (a real jianbao serve)
        sys.stdout.flush()
        subprocess.run([sys.executable, str(portal_bench)], check=False)


if __name__ == "__main__":
    main()
