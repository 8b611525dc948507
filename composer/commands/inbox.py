"""``jianbao inbox``: the manuscripts units sent, and taking one into an issue.

A manuscript stays in ``inbox/`` for good (it is the submission's record, which
the ledger's submission event points at by ``ref``).  Taking it into an issue
copies it there as an item (its pictures too) with its credit (unit + authors)
and sets ``status: 已采用`` plus ``taken: issues/<id>/<file>`` in the inbox
record's front matter; the rest of that file is left as it was.  Declining sets
``status: 未采用`` (and ``reason:``); the submission still counts as 上报.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from composer import safeio, yamlsrc
from composer.commands.importing import STATUS_DECLINED, STATUS_NEW, STATUS_TAKEN, inbox_records, slug
from composer.diagnostics import JianbaoError
from composer.importer import markdown
from composer.model import KIND_ARTICLE, KIND_BRIEF
from composer.output import write_atomic
from composer.reader import item_files


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    id: str  # the file stem
    path: Path
    status: str
    received: str
    unit: str
    title: str
    authors: tuple[str, ...]
    hash: str
    taken: str = ""
    reason: str = ""  # why it was declined (未采用)


def entries(ws, status: str | None = None) -> list[Entry]:
    out = []
    for p, meta in inbox_records(ws):
        authors = meta.get("authors") or []
        e = Entry(id=p.stem, path=p, status=str(meta.get("status") or STATUS_NEW), received=str(meta.get("received") or ""),
                  unit=str(meta.get("unit") or ""), title=str(meta.get("title") or ""),
                  authors=tuple(str(a) for a in ([authors] if isinstance(authors, str) else
                                                 authors if yamlsrc.is_seq(authors) else ())),
                  hash=str(meta.get("hash") or ""), taken=str(meta.get("taken") or ""),
                  reason=str(meta.get("reason") or ""))
        if status is None or e.status == status:
            out.append(e)
    return sorted(out, key=lambda e: (e.received, e.id))


def find(ws, ident: str) -> Entry:
    """By file stem or name, path, or a unique prefix of the stem or of the hash."""
    ident = Path(ident.strip()).name.removesuffix(".md")
    if not ident:
        raise JianbaoError("give the manuscript's ID (see `jianbao inbox`); an empty one would match every manuscript")
    every = entries(ws)
    exact = [e for e in every if e.id == ident]
    if exact:
        return exact[0]
    hits = [e for e in every if e.id.startswith(ident) or e.hash.removeprefix("sha256:").startswith(ident)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise JianbaoError(f"no inbox manuscript {ident!r} (see `jianbao inbox`)")
    raise JianbaoError(f"{ident!r} names {len(hits)} manuscripts: " + ", ".join(e.id for e in hits))


def listing(ws, status: str | None = None) -> str:
    rows = entries(ws, status)
    if not rows:
        return ""
    lines = []
    for e in rows:
        short = u.short if (u := ws.units.get(e.unit)) else e.unit
        taken = f"  → {e.taken}" if e.taken else ""
        lines.append(f"{e.id}\t{e.status}\t{e.received}\t{short}\t{e.title}{taken}")
    return "\n".join(lines)


def _section(issue, kind: str) -> str:
    same = [it.section for it in issue.items if it.kind == kind]
    if same:
        return same[-1]
    if kind == KIND_BRIEF:
        return "简讯" if not issue.sections or "简讯" in issue.sections else issue.sections[-1]
    other = [s for s in issue.sections if s != "简讯"]
    return other[0] if other else (issue.sections[0] if issue.sections else "工作动态")


def _manuscript(ws, e: Entry, text: str) -> tuple[str, str, tuple[str, ...], str, str]:
    """``(title, unit, authors, front matter text, body)`` of an inbox record, every field checked:
    a record an editor touched by hand may have lost its front matter, or hold a list where the
    title belongs — it is refused with the reason, never taken half-right."""
    from composer.schema import Fields

    rel = ws.rel(e.path)
    fm_text, body, _ = yamlsrc.split_front_matter(text)
    if fm_text is None:
        raise JianbaoError(f"{rel}: no front matter (title:, unit: between --- lines); nothing done")
    data, diags = yamlsrc.parse(fm_text, rel, line_offset=1, code="J201")
    if diags or not yamlsrc.is_map(data):
        raise JianbaoError(f"{rel}: the front matter does not parse; fix it first; nothing done", tuple(diags))
    f = Fields(data, rel, "J201", line_base=1)
    title = f.text("title", required=True, what="the manuscript's title")
    unit = f.text("unit", required=True, what="the unit that sent it")
    authors = f.names("authors")
    for a in authors:
        if "/" in a or "（" in a or "(" in a:
            f.error("authors", f"`authors:` entry {a!r} is not a name (a / or a parenthesis)",
                    "one name per entry: authors: [张三, 李四]")
    if not body.strip():
        f.error(None, "the manuscript has no text")
    if f.diags:
        raise JianbaoError(f"{rel}: cannot take this manuscript; nothing done", tuple(f.diags))
    return title, unit, authors, fm_text, body


def take(ws, ident: str, issue_arg: str, as_kind: str = KIND_ARTICLE) -> tuple[Path, Entry]:
    """Copy manuscript ``ident`` into the issue as an item; mark it 已采用 in the inbox.

    The item, its pictures and the inbox record are written together (composer.output.write_all):
    all of them or, on any failure, none.
    """
    from composer.output import write_all

    if as_kind not in (KIND_ARTICLE, KIND_BRIEF):
        raise JianbaoError(f"--as {as_kind!r}: choose 信息 or 简讯")
    e = find(ws, ident)
    if e.status == STATUS_TAKEN:
        raise JianbaoError(f"{e.id} was already taken ({e.taken or STATUS_TAKEN}); nothing done")
    text = safeio.read_text(ws.root, e.path, kind="markdown")
    title, unit_name, authors, fm_text, body = _manuscript(ws, e, text)
    unit = ws.units.get(unit_name)
    if unit is None:
        raise JianbaoError(f"{ws.rel(e.path)}: unit {unit_name!r} is not in the registry; {ws.units.hint(unit_name)}")
    issue, diags = ws.load_issue(issue_arg)
    if issue is None:
        raise JianbaoError(f"{issue_arg}: the issue does not load", tuple(diags))
    folder = Path(issue.path)
    section = _section(issue, as_kind)
    orders = [it.order for it in issue.items if it.section == section]
    order = int(max(orders)) + 1 if orders else 1
    numbers = [int(m[1]) for p in item_files(folder) if (m := re.match(r"(\d+)", p.name))]
    name = f"{(max(numbers) + 1) if numbers else 1:02d}-{slug(title)}.md"
    credit = unit.short + (f"/{' '.join(authors)}" if authors else "")
    body = body.strip("\n")
    if as_kind == KIND_BRIEF and not body.startswith("▲"):
        body = "▲" + body
    fm = markdown.front_matter([
        ("title", title), ("kind", as_kind), ("credits", yamlsrc.flow([credit])),
        ("section", section), ("order", order), ("inbox", ws.rel(e.path)),
    ])
    target = folder / name
    files: dict[Path, bytes | str] = {}
    # pictures linked from the manuscript come along, at the same relative paths
    for link in dict.fromkeys(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", body)):
        src_img = (e.path.parent / link).resolve()
        dest = (folder / link).resolve()
        if not src_img.is_file() or not dest.is_relative_to(folder.resolve()) \
                or not src_img.is_relative_to(Path(ws.root).resolve()):  # a link out of the workspace: never copied
            continue
        raw = safeio.read_bytes(ws.root, src_img, kind="image")
        if dest.exists() and dest.read_bytes() != raw:
            raise JianbaoError(f"{ws.rel(dest)} already exists with other content; nothing done")
        files[dest] = raw
    files[target] = fm + "\n" + body + "\n"
    files[e.path] = _marked(ws, e, text, status=STATUS_TAKEN, taken=ws.rel(target), reason=None)
    write_all(files, within=(ws.root,))
    return target, e


def decline(ws, ident: str, reason: str = "") -> Entry:
    """Mark manuscript ``ident`` 未采用 (with the editor's ``reason``); a taken one cannot be declined."""
    e = find(ws, ident)
    if e.status == STATUS_TAKEN:
        raise JianbaoError(f"{e.id} was already taken into an issue ({e.taken or STATUS_TAKEN}); "
                           "remove the item from the issue first; nothing done")
    reason = " ".join(safeio.strip_controls(str(reason), " ").split())  # a NUL would be written as "\\0"
    if len(reason) > 200:
        raise JianbaoError(f"--reason is {len(reason)} characters; at most 200; nothing done")
    text = safeio.read_text(ws.root, e.path, kind="markdown")
    write_atomic(e.path, _marked(ws, e, text, status=STATUS_DECLINED, reason=reason or None))
    return e


def _marked(ws, e: Entry, text: str, **fields) -> str:
    """The inbox record with front-matter ``fields`` set (None removes one), keeping the editor's other keys
    and comments."""
    fm_text, _, _ = yamlsrc.split_front_matter(text)
    data, d = yamlsrc.parse(fm_text or "", ws.rel(e.path))
    if d or not yamlsrc.is_map(data):
        data = yamlsrc.new_map()
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return "---\n" + yamlsrc.dump(data) + "---\n" + text[len(text) - len(_body_of(text)):]


def _body_of(text: str) -> str:
    _, body, _ = yamlsrc.split_front_matter(text)
    return body
