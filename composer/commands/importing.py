"""``jianbao import issue|issues|manuscript``: Word and text files into the workspace.

Nothing is guessed silently: a credit naming no known unit stops the import
(nothing written) unless ``allow_unresolved``, which writes it marked
(``unresolved:`` in the front matter, J203 on ``jianbao check``).  Issue folders
are written into a temporary folder beside the target and renamed into place.

Backfill (``import issues DIR``) reads the number and the date of each file from
its name first (``2024-第3期-2024-01-31.docx``, ``第3期 2024年1月31日.txt``,
``简报03_20240131.docx``: 第N期 or a number before an underscore/dash, then a date
written 2024-01-31, 2024年1月31日 or 20240131), then from the masthead text
(第N期 line, date line); the file name wins when both are present.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from composer import yamlsrc
from composer.diagnostics import Diagnostic, JianbaoError, Source, error
from composer.importer import extract, markdown, splitter
from composer.model import KIND_BRIEF
from composer.output import write_atomic
from composer.reader import parse_date

BLOCKING = ("J602", "J205")  # stop the import unless allow_unresolved


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueImport:
    label: str  # the source file as named on the command line
    parsed: splitter.ParsedIssue
    number: int
    date: dt.date
    issue_id: str
    target: Path
    written: bool = False
    skipped: str = ""  # why nothing was written (exists, …)
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def slug(text: str, limit: int = 14) -> str:
    """A file-name part from a Chinese title: letters, digits and CJK, cut short."""
    s = re.sub(r"[^\w\u4e00-\u9fff]+", "-", text).strip("-_")
    return s[:limit].strip("-_") or "item"


def issue_files(parsed: splitter.ParsedIssue, number: int, date: dt.date) -> dict[str, bytes | str]:
    """The issue folder as relative path → content (docs/formats.md)."""
    files: dict[str, bytes | str] = {}
    meta = [("number", number)]
    if parsed.total_number:
        meta.append(("total_number", parsed.total_number))
    meta += [("date", date), ("sections", yamlsrc.flow(list(parsed.sections)))]
    m = yamlsrc.new_map(meta)
    if parsed.editor_note:
        m["editor_note"] = parsed.editor_note
    files["issue.yml"] = yamlsrc.dump(m)
    n_file = 0
    order_in: dict[str, int] = {}
    pending_briefs: list = []

    def image_namer(prefix: str):
        return lambda n, ext: f"images/{prefix}-{n}.{ext}"

    def flush_briefs() -> None:
        nonlocal n_file, pending_briefs
        if not pending_briefs:
            return
        n_file += 1
        sec = pending_briefs[0].section
        order_in[sec] = order_in.get(sec, 0) + 1
        prefix = f"{n_file:02d}-briefs"
        text, images = markdown.briefs_file(pending_briefs, sec, order_in[sec], image_namer(prefix))
        files[f"{prefix}.md"] = text
        files.update(images)
        order_in[sec] += len(pending_briefs) - 1
        pending_briefs = []

    for it in parsed.items:
        if it.kind == KIND_BRIEF:
            if pending_briefs and pending_briefs[0].section != it.section:
                flush_briefs()
            pending_briefs.append(it)
            continue
        flush_briefs()
        n_file += 1
        order_in[it.section] = order_in.get(it.section, 0) + 1
        prefix = f"{n_file:02d}-{slug(it.title)}"
        text, images = markdown.article_file(it, order_in[it.section], image_namer(f"{n_file:02d}"))
        files[f"{prefix}.md"] = text
        files.update(images)
    flush_briefs()
    return files


# an issue id is a folder name: letters, digits, CJK, - _ . (not starting with a dot), at most 64
_ISSUE_ID = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff._-]{0,63}$")


def check_issue_id(issue_id: str) -> str:
    """``issue_id`` when it is a plain folder name; a JianbaoError otherwise (ids are names, not paths)."""
    if not _ISSUE_ID.match(issue_id or "") or issue_id.endswith("."):
        raise JianbaoError(f"--id {issue_id!r}: an issue id is a folder name such as 2024-05 (letters, digits, "
                           "Chinese characters, - _ . ; no slashes, not . or ..); nothing written")
    return issue_id


def check_target(ws, target: Path, force: bool, explicit_parent: bool) -> None:
    """The issue folder may be created, or (``force``) replaced: only an issue folder is ever replaced,
    and without ``--into`` it stays inside the workspace's issues/."""
    if not explicit_parent:
        from composer import safeio

        safeio.confined(ws.root, target.parent)
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise JianbaoError(f"{target} already exists; nothing written (use --force to replace it)")
    if target.is_symlink() or not target.is_dir() or not (target / "issue.yml").is_file():
        raise JianbaoError(f"{target} exists and is not an issue folder (no issue.yml); --force replaces only an "
                           "issue folder; nothing written")
    if target.resolve() == Path(ws.root).resolve() or Path(ws.root).resolve().is_relative_to(target.resolve()):
        raise JianbaoError(f"{target} holds the workspace; nothing written")


def write_folder(target: Path, files: dict[str, bytes | str], force: bool = False) -> None:
    """Write every file into a temporary folder beside ``target``, then rename it into place."""
    target = Path(target)
    if target.exists() and not force:
        raise JianbaoError(f"{target} already exists; nothing written (use --force to replace it)")
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        for rel, data in files.items():
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.rename(target, old)
        os.rename(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(e.errno, e.strerror or str(e), str(target)) from None
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_pieces(path: Path, label: str):
    pieces = extract.read_any(path, label)
    if not any(isinstance(p, extract.Para) and p.text.strip() for p in pieces):
        raise JianbaoError(f"{label}: the file has no text; nothing written",
                           (error(Source(label, 1), "J601", "the file is empty (no text to import)"),))
    return pieces


def parse_issue(ws, path: Path, label: str | None = None) -> splitter.ParsedIssue:
    label = label or str(path)
    parsed = splitter.split(read_pieces(Path(path), label), ws.units, ws.publication, Source(label, 1))
    if not any(it.credit_text for it in parsed.items):
        raise JianbaoError(
            f"{label}: no credit lines found (such as （调查监测科/张三）); is this a bulletin? nothing written",
            (error(Source(label, 1), "J601", "no item ends with a credit line",
                   "every article and ▲ brief of a bulletin ends with its credit line"),))
    return parsed


def issue_id_for(number: int, date: dt.date) -> str:
    return f"{date.year}-{number:02d}"


MAX_ISSUE_NUMBER = 100_000  # as composer.reader checks issue.yml's `number:`


def import_issue(ws, file: Path, *, number: int | None = None, date: dt.date | None = None, into: Path | None = None,
                 issue_id: str | None = None, allow_unresolved: bool = False, force: bool = False,
                 label: str | None = None, dry_run: bool = False) -> IssueImport:
    """Parse ``file`` and write the issue folder unless a credit is unresolved (or ``dry_run``)."""
    label = label or str(file)
    parsed = parse_issue(ws, Path(file), label)
    number = number or parsed.number
    date = date or parsed.date
    if not number or not date:
        missing = " and ".join(w for w, v in (("--number", number), ("--date", date)) if not v)
        raise JianbaoError(f"{label}: give {missing} (the masthead does not say 第N期 and the date)")
    from composer.model import FIRST_YEAR, LAST_YEAR, valid_year

    if not 1 <= number <= MAX_ISSUE_NUMBER:  # what issue.yml accepts: the folder written must load
        raise JianbaoError(f"{label}: the issue number must be from 1 to {MAX_ISSUE_NUMBER}, found {str(number)[:40]}")
    if not valid_year(date.year):
        raise JianbaoError(f"{label}: the date must be in the years {FIRST_YEAR} to {LAST_YEAR}, found {date.isoformat()}")
    issue_id = check_issue_id(issue_id_for(number, date) if issue_id is None else issue_id)
    target = Path(into or ws.root / "issues") / issue_id
    diags = tuple(parsed.diagnostics)
    blocked = [d for d in diags if d.code in BLOCKING]
    result = IssueImport(label=label, parsed=parsed, number=number, date=date, issue_id=issue_id, target=target,
                         diagnostics=diags)
    if blocked and not allow_unresolved:
        return _replace(result, skipped="unresolved credits; nothing written (fix the registry or use --allow-unresolved)")
    if dry_run:
        return _replace(result, skipped="dry run")
    check_target(ws, target, force, explicit_parent=into is not None)
    write_folder(target, issue_files(parsed, number, date), force=force)
    # unresolved credits were written marked: report them as warnings from now on
    return _replace(result, written=True)


def _replace(r: IssueImport, **kw) -> IssueImport:
    from dataclasses import replace

    return replace(r, **kw)


def report(ws, r: IssueImport) -> str:
    """The import report: items, credits resolved and not, lines not placed."""
    p = r.parsed
    out = [f"{r.label} → {r.target} (第{r.number}期, {r.date.isoformat()})",
           f"  found {len(p.articles)} article(s) (信息) and {len(p.briefs)} brief(s) (简讯); "
           f"{len(p.skipped)} masthead/报尾 line(s) skipped"]
    n_ok = n_bad = 0
    for i, it in enumerate(p.items, 1):
        names = []
        for c in it.credits:
            if c.resolved:
                n_ok += 1
                names.append(c.unit + (f"/{' '.join(c.authors)}" if c.authors else ""))
            else:
                n_bad += 1
                names.append(f"?{c.label}")
        credit = f"（{it.credit_text}）" if it.credit_text else "(no credit)"
        out.append(f"  {i:2d}. {it.kind} {it.title[:30]}  {credit} → {', '.join(names) or '-'}")
    out.append(f"  credits resolved: {n_ok}; not resolved: {n_bad}")
    for it in p.items:
        for c in it.credits:
            if not c.resolved:
                near = ws.units.closest(c.label)
                out.append(f"    {it.credit_source}: {c.label!r} not in the registry"
                           + (f"; closest: {'、'.join(near)}" if near else ""))
    if p.unplaced:
        out.append(f"  lines not placed: {len(p.unplaced)}")
        for u in p.unplaced:
            text = u.text if isinstance(u, extract.Para) else type(u).__name__
            out.append(f"    {u.source}: {text[:50]}")
    if r.written:
        out.append(f"  written: {r.target}")
    elif r.skipped:
        out.append(f"  not written: {r.skipped}")
    return "\n".join(out)


# ---------------------------------------------------------------- backfill

_NO_IN_NAME = re.compile(r"第\s*(\d{1,3})\s*期")
_DATE_IN_NAME = re.compile(r"(\d{4})[-_.年](\d{1,2})[-_.月](\d{1,2})日?|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_LEADING_NO = re.compile(r"(?:^|[^\d])(\d{1,3})[-_ ]")


def number_date_from_name(name: str) -> tuple[int | None, dt.date | None]:
    stem = Path(name).stem
    date = None
    for m in _DATE_IN_NAME.finditer(stem):
        y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
        try:
            date = dt.date(int(y), int(mo), int(d))
        except ValueError:
            continue
    m = _NO_IN_NAME.search(stem)
    number = int(m[1]) if m else None
    if number is None:
        rest = _DATE_IN_NAME.sub(" ", stem)
        rest = re.sub(r"(?<!\d)\d{4}(?!\d)", " ", rest)  # a lone year
        m = _LEADING_NO.search(rest + " ")
        number = int(m[1]) if m else None
    return number, date


def import_folder(ws, folder: Path, *, into: Path | None = None, allow_unresolved: bool = False,
                  force: bool = False) -> tuple[list[IssueImport], list[Diagnostic]]:
    """Parse every .docx/.txt of ``folder`` (number order); write them all only if all parse cleanly."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".docx", ".txt") and not p.name.startswith(("~$", ".")))
    if not files:
        raise JianbaoError(f"{folder}: no .docx or .txt files to import")
    parsed: list[IssueImport] = []
    diags: list[Diagnostic] = []
    for f in files:
        n, d = number_date_from_name(f.name)
        try:
            r = import_issue(ws, f, number=n, date=d, into=into, allow_unresolved=allow_unresolved, dry_run=True,
                             label=str(f))
        except JianbaoError as e:
            diags += list(e.diagnostics) or [error(Source(str(f), 1), "J601", str(e))]
            continue
        parsed.append(r)
        diags += r.diagnostics
    parsed.sort(key=lambda r: (r.date.year, r.number))
    seen: dict[str, str] = {}
    for r in parsed:
        if r.issue_id in seen:
            diags.append(error(Source(r.label, 1), "J601", f"issue {r.issue_id} (第{r.number}期) also comes from {seen[r.issue_id]}"))
        seen[r.issue_id] = r.label
    blocking = [d for d in diags if d.is_error and (d.code not in BLOCKING or not allow_unresolved)]
    if blocking:
        return [_replace(r, skipped="not written: another file has errors") if not r.skipped else r for r in parsed], diags
    for r in parsed:  # every target is checked before any folder is written
        if not (r.target.exists() and not force):
            check_target(ws, r.target, force, explicit_parent=into is not None)
    out = []
    for r in parsed:
        if r.target.exists() and not force:
            out.append(_replace(r, skipped="already imported (folder exists); kept as is"))
            continue
        write_folder(r.target, issue_files(r.parsed, r.number, r.date), force=force)
        out.append(_replace(r, written=True, skipped=""))
    return out, diags


# ---------------------------------------------------------------- manuscripts

INBOX = "inbox"
STATUS_NEW = "待审"
STATUS_TAKEN = "已采用"
STATUS_DECLINED = "未采用"


@dataclass(frozen=True, slots=True, kw_only=True)
class ManuscriptImport:
    path: Path  # the inbox file
    unit: str
    title: str
    authors: tuple[str, ...]
    hash: str
    duplicate_of: Path | None = None
    ledger_file: Path | None = None
    images: int = 0
    files: tuple[Path, ...] = ()  # everything written (inbox file, pictures, events file)


def content_hash(title: str, body: str, images: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    h.update(re.sub(r"\s+", "", title).encode())
    h.update(b"\0")
    h.update(re.sub(r"\s+", "", re.sub(r"!\[\]\([^)]*\)", "![]", body)).encode())
    for name in sorted(images):
        h.update(b"\0")
        h.update(images[name])
    return "sha256:" + h.hexdigest()


def manuscript_parts(ws, pieces, unit_name: str):
    """(title, body pieces, authors) of a unit's manuscript.

    The title is the first paragraph; a credit line closing the text is removed and
    its authors kept (those after the unit's own name, else the first credit's).
    """
    from composer.credits import TRAILING_CREDIT, WHOLE_CREDIT, looks_like_credit
    from composer.reader import resolve_credits

    resolve = ws.units.resolve
    paras = list(pieces)
    first = next((i for i, p in enumerate(paras) if isinstance(p, extract.Para) and p.text.strip()), None)
    if first is None:
        return "", [], ()
    title = paras[first].text.strip()
    body = paras[first + 1:]
    authors: tuple[str, ...] = ()
    inner = None
    last_i = max((i for i, p in enumerate(body) if isinstance(p, extract.Para)), default=None)
    if last_i is not None:
        last = body[last_i]
        m = WHOLE_CREDIT.match(last.text)
        if m and looks_like_credit(m[1], resolve):
            inner = m[1]
            body = body[:last_i] + body[last_i + 1:]
        else:
            m = TRAILING_CREDIT.search(last.text)
            if m and m.start() > 0 and looks_like_credit(m[1], resolve):
                inner = m[1]
                keep = len(last.text[: m.start()].rstrip())
                body[last_i] = extract.Para(source=last.source, spans=splitter._cut(last.spans, keep), style=last.style,
                                            list_kind=last.list_kind)
    if inner:
        credits = resolve_credits([inner], ws.units)
        own = [c for c in credits if c.unit == unit_name]
        authors = (own or list(credits))[0].authors if credits else ()
    return title, body, authors


def inbox_records(ws) -> list[tuple[Path, dict]]:
    """Every inbox manuscript with its front matter (as loaded)."""
    base = ws.root / INBOX
    out = []
    from composer import safeio

    for p in sorted(base.glob("*.md")) if base.is_dir() else []:
        try:
            text = safeio.read_text(ws.root, p, kind="markdown")
        except safeio.FileProblem:
            continue  # not a readable manuscript (a link out of the workspace, not a file, not UTF-8): skipped
        fm, _, _ = yamlsrc.split_front_matter(text)
        data, d = yamlsrc.parse_fast(fm or "", ws.rel(p))  # read only, every import and portal page: the C parser
        out.append((p, data if yamlsrc.is_map(data) else {}))
    return out


def _manuscript_unit(ws, unit: str):
    u = ws.units.get(unit)
    if u is None:
        raise JianbaoError(f"--unit {unit!r} is not in the unit registry; {ws.units.hint(unit)}")
    return u


def import_manuscript(ws, file: Path, unit: str, received: dt.date | None = None, label: str | None = None,
                      source_name: str | None = None, *, title: str = "", authors=(), by: str = "") -> ManuscriptImport:
    """A unit's .docx/.txt manuscript into inbox/ as 待审, counted as one submission (see :func:`record_manuscript`).

    ``source_name``: the file name to record as ``source:`` (an upload's name; default: ``file``'s own).
    """
    label = label or Path(file).name
    u = _manuscript_unit(ws, unit)
    pieces = read_pieces(Path(file), label)
    return record_manuscript(ws, pieces, u, received, source_name or Path(file).name, title=title, authors=authors,
                             by=by)


def import_manuscript_text(ws, text: str, unit: str, received: dt.date | None = None, *, title: str = "",
                           authors=(), by: str = "", label: str = "粘贴文本") -> ManuscriptImport:
    """A manuscript pasted as text (the portal's form): the same record as an imported .txt file."""
    u = _manuscript_unit(ws, unit)
    pieces = extract.text_paras(text, label)
    if not any(isinstance(p, extract.Para) and p.text.strip() for p in pieces):
        raise JianbaoError(f"{label}: no text; nothing written",
                           (error(Source(label, 1), "J601", "the manuscript is empty (no text to import)"),))
    return record_manuscript(ws, pieces, u, received, label, title=title, authors=authors, by=by)


_INBOX_LOCK = threading.Lock()  # one writer at a time picks a file name and checks for the same content


def record_manuscript(ws, pieces, u, received: dt.date | None, source: str, *, title: str = "", authors=(),
                      by: str = "") -> ManuscriptImport:
    """Write the manuscript ``pieces`` of unit ``u`` to inbox/ and record its submission event.

    ``title``/``authors`` given (the portal's form) win over the first paragraph and the
    closing credit line; ``by`` is the account that sent it (written as ``by:``).
    """
    received = received or dt.date.today()
    from composer import safeio

    title = re.sub(r"\s+", " ", safeio.strip_controls(title or "", " ")).strip()  # a form's title: cleaned like the text
    authors = tuple(safeio.strip_controls(str(a), " ") for a in authors)
    for a in authors:
        if re.search(r"[/／()（）]", a):  # it would break the credit line 单位/作者 when taken into an issue
            raise JianbaoError(f"author {a.strip()[:40]!r} is not a name (a / or a parenthesis): one name each, "
                               "e.g. 张三; nothing written")
    if title:
        first = next((p for p in pieces if isinstance(p, extract.Para) and p.text.strip()), None)
        if first is None or first.text.strip() != title:
            pieces = [extract.Para(source=Source(source, 1), spans=extract.plain(title)), *pieces]
    title, body, found_authors = manuscript_parts(ws, pieces, u.name)
    if not any(not isinstance(b, extract.Para) or b.text.strip() for b in body):  # a title alone is no manuscript
        raise JianbaoError(f"{source}: only a title ({title[:40]!r}), no text; nothing written (it would be counted "
                           "as a submission)", (error(Source(source, 1), "J601", "the manuscript has a title but no text",
                                                      "the first paragraph is the title; the text follows it"),))
    authors = tuple(a for a in (str(x).strip() for x in authors) if a) or found_authors
    stem_base = f"{received.isoformat()}-{u.short}-{slug(title, 16)}"
    text_body, images = markdown.blocks_md(body, lambda n, ext: f"img-{n}.{ext}")
    digest = content_hash(title, text_body, images)
    with _INBOX_LOCK:
        for p, meta in inbox_records(ws):
            if str(meta.get("hash", "")) == digest:
                return ManuscriptImport(path=p, unit=u.name, title=title, authors=authors, hash=digest, duplicate_of=p)
        stem, n = stem_base, 1
        while (ws.root / INBOX / f"{stem}.md").exists():
            n += 1
            stem = f"{stem_base}-{n}"
        # pictures go to an ASCII-named folder beside the file (Markdown links percent-encode other names)
        pictures = f"{received.isoformat()}-{digest.removeprefix('sha256:')[:10]}"
        text_body, images = markdown.blocks_md(body, lambda n, ext: f"{pictures}/img-{n}.{ext}")
        path = ws.root / INBOX / f"{stem}.md"
        rel = ws.rel(path)
        fm = markdown.front_matter([
            ("title", title),
            ("unit", u.name),
            ("authors", yamlsrc.flow(list(authors)) if authors else None),
            ("received", received),
            ("status", STATUS_NEW),
            ("source", source),
            ("hash", digest),
            ("by", by or None),
        ])
        written: list[Path] = []
        try:
            for name, data in images.items():
                write_atomic(ws.root / INBOX / name, data)
                written.append(ws.root / INBOX / name)
            write_atomic(path, fm + "\n" + text_body)
            written.append(path)
            from composer import ledger

            entry = {"type": "submission", "unit": u.name, "date": received.isoformat(), "title": title, "ref": rel}
            if by:
                entry["by"] = by
            ledger_file = ledger.append_events(ws, [entry], command=f"jianbao import manuscript {source}")
        except BaseException:
            for p in written:
                p.unlink(missing_ok=True)
            if images and (ws.root / INBOX / pictures).is_dir():
                shutil.rmtree(ws.root / INBOX / pictures, ignore_errors=True)
            raise
    return ManuscriptImport(path=path, unit=u.name, title=title, authors=authors, hash=digest,
                            ledger_file=ledger_file, images=len(images), files=(*written, ledger_file))


def parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    d = parse_date(value)
    if d is None:
        raise JianbaoError(f"date {value!r}: write it like 2024-04-15 or 2024年4月15日")
    return d


__all__ = [
    "import_issue", "import_folder", "import_manuscript", "report", "issue_files", "write_folder",
    "number_date_from_name", "parse_issue", "inbox_records", "import_manuscript_text", "record_manuscript",
]
