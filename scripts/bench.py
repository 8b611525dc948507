#!/usr/bin/env python3
"""Whole-process wall times of jianbao on this machine (a benchmark, not a test).

    .venv/bin/python scripts/bench.py [--runs 5]

Times `jianbao build` of the sample issue (PDF + DOCX, after one warm-up run),
the same for a synthetic issue with 10× the content, and `jianbao check`.
Then the same sample content written as a Typst document (the same page, fonts,
masthead, titles, paragraphs and 报尾; typst from PyPI, the test extra) and
compiled by a whole Python process, for the ratio the issue asks for (≤ 4×).
Then runs scripts/bench_report.py (the ledger and report figures) and scripts/bench_web.py
(the workbench: preview refresh, warm rebuild) when present.
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


# ---------------------------------------------------------------- Typst, same content

def _q(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def typst_source(ws, issue) -> str:
    """The issue as a Typst document: GB/T 9704 page, the same faces and the same parts."""
    from composer import fonts
    from composer.model import KIND_BRIEF, Heading, Paragraph, chinese_date, credit_line, printed_subtitle
    from composer.render.form import masthead_size, note_paragraphs, number_text

    pub = ws.publication
    face = fonts.primary_names(pub)
    out = [
        '#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm),',
        '  footer: context align(if calc.odd(here().page()) { right } else { left },',
        f'    text(font: {_q(face["song"])}, size: 14pt)[— #counter(page).display() —]))',
        # typst names a face by its name-table family (ID 1): FandolFang is "FandolFang R" there
        f'#set text(font: ({_q(face["body"])}, {_q(face["body"] + " R")}, {_q(face["kai"])}), size: 16pt,'
        ' lang: "zh", region: "cn",'
        ' top-edge: 1em, bottom-edge: 0pt)',  # lines 16 pt + 12.95 pt leading: the 28.95 pt pitch
        "#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 12.95pt, spacing: 12.95pt)",
        "#show heading: it => it.body",
        f'#align(center)[#v(25mm)#text(font: {_q(face["title"])}, weight: 900, size: {masthead_size(pub.name):.1f}pt,'
        f' fill: red)[#{_q(pub.name)}]]',
        f"#align(center)[#{_q(number_text(issue))}]",
        f"#grid(columns: (1fr, 1fr), inset: (x: 16pt), [#{_q(pub.office)}], align(right)[#{_q(chinese_date(issue.date))}])",
        "#line(length: 100%, stroke: 1.5pt + red)",
    ]
    for k, para in enumerate(note_paragraphs(issue.editor_note)):
        label = f'#text(font: {_q(face["heading"])})[编者按：]' if k == 0 else ""
        out.append(f'#par[{label}#text(font: {_q(face["kai"])})[#{_q(para)}]]')
    for sec in issue.grouped():
        out.append(f'#align(center)[#text(font: {_q(face["heading"])})[#{_q("【" + sec.name + "】")}]]')
        for it in sec.items:
            if it.kind != KIND_BRIEF:
                out.append(f'#v(14pt)#align(center)[#text(font: {_q(face["title"])}, weight: 900, size: 22pt)[#{_q(it.title)}]]')
                if it.subtitle:
                    out.append(f'#align(center)[#text(font: {_q(face["kai"])})[#{_q(printed_subtitle(it.subtitle))}]]')
            paras = [b for b in it.blocks if isinstance(b, (Paragraph, Heading))]
            for n, b in enumerate(paras):
                text = ("▲" if it.kind == KIND_BRIEF and n == 0 else "") + "".join(x.text for x in b.spans)
                credit = ""
                if it.kind == KIND_BRIEF and n == len(paras) - 1 and it.credits:
                    credit = f'#text(font: {_q(face["kai"])})[#{_q(credit_line(it.credits))}]'
                out.append(f"#par[#{_q(text)}{credit}]")
            if it.kind != KIND_BRIEF and it.credits:
                out.append(f'#align(right)[#text(font: {_q(face["kai"])})[#{_q(credit_line(it.credits))}]]')
    rows = [f"{label}：{'，'.join(names)}。" for label, names in pub.distribution if names]
    cells = ", ".join(f"[#{_q(r)}]" for r in rows + [f"（共印{pub.print_run}份）"])
    out.append(f"#place(bottom, float: true, block(width: 100%, text(size: 14pt, table(columns: 1fr, "
               f"stroke: (x, y) => (top: 0.25mm, bottom: 0.35mm), {cells}))))")
    return "\n".join(out) + "\n"


def typst_font_dirs(ws) -> list[str]:
    """Folders of the faces jianbao uses (typst does not search /usr/local/share/fonts)."""
    from composer import fonts

    return sorted({str(Path(f.file).parent) for faces in fonts.role_faces(ws.publication).values() for f in faces})


def versus_typst(build_args: list[str], source: Path, font_dirs: list[str], runs: int):
    """jianbao ``build_args`` and typst compiling ``source``, alternated run by run.

    Other work on the machine then weighs on both alike; returns the medians and
    minimums of each, the median of the per-pair ratios, and typst's page count.
    """
    pdf = source.with_suffix(".pdf")
    code = f"import typst; typst.compile({str(source)!r}, output={str(pdf)!r}, font_paths={font_dirs!r})"
    typst_cmd = [sys.executable, "-c", code]
    subprocess.run(typst_cmd, check=True, capture_output=True)
    subprocess.run(JIANBAO + build_args, cwd=ROOT, check=True, capture_output=True)
    ours, theirs = [], []
    for _ in range(runs):
        for cmd, times in ((JIANBAO + build_args, ours), (typst_cmd, theirs)):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    ratio = statistics.median(a / b for a, b in zip(ours, theirs))
    return (statistics.median(ours), min(ours)), (statistics.median(theirs), min(theirs)), ratio, pages(pdf)


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

    try:
        import typst  # noqa: F401
    except ImportError:
        print("typst    (not installed: pip install typst, or setup.sh --test)")
    else:
        sys.path.insert(0, str(ROOT))
        from composer.workspace import open_workspace

        ws = open_workspace(ROOT)
        issue, _ = ws.load_issue(SAMPLE)
        typ = out / "sample.typ"
        typ.write_text(typst_source(ws, issue), encoding="utf-8")
        build = ["build", f"issues/{SAMPLE}", "--format", "pdf,docx", "--out", str(out)]
        (jmed, jbest), (tmed, tbest), ratio, tpages = versus_typst(build, typ, typst_font_dirs(ws), args.runs)
        print(f"typst  sample issue  pdf       {tmed:6.2f} s  (min {tbest:.2f})  {tpages} pages"
              f"  (jianbao pdf+docx alternating with it: {jmed:.2f} s, min {jbest:.2f})")
        print(f"ratio  jianbao pdf+docx / typst pdf = {ratio:.1f}x  (median of {args.runs} alternating pairs;"
              f" goal: at most 4x)")

    big = synthetic_workspace(10)
    try:
        med10, best = timed(["build", "issues/big", "--format", "pdf,docx", "--out", str(out)], big, max(1, args.runs // 2))
        print(f"build  10x issue     pdf+docx  {med10:6.2f} s  (min {best:.2f})  {pages(out / 'big.pdf')} pages"
              f"  = {med10 / med1:.1f}x the sample")
    finally:
        shutil.rmtree(big, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    extras = {  # the ledger/report, the workbench, and 50 units using the portal at once (a real jianbao serve)
        "bench_report.py": [], "bench_web.py": ["--runs", str(args.runs)], "bench_portal.py": [],
    }
    for extra, extra_args in extras.items():
        script = ROOT / "scripts" / extra
        if script.exists():
            sys.stdout.flush()
            subprocess.run([sys.executable, str(script), *extra_args], check=False)


if __name__ == "__main__":
    main()
