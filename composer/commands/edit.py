"""Edit an issue's items in place: the one writer behind the workbench (and ``jianbao edit``).

An item is named by an :class:`ItemKey`: its file name inside the issue folder,
plus, for a ▲ brief kept with others in a briefs file, its position among that
file's briefs (``20-briefs.md#2``).

Every edit reads the files afresh, changes the front matter through a ruamel
round trip (the editor's comments, key order and flow style survive) or replaces
the Markdown text, then *loads the new text with the reader* — exactly as
``jianbao check`` will — from a hidden temporary file in the issue folder.  When
a file would not load (YAML that does not parse, a front matter that is not a
mapping, an unknown kind, an order that is not a number) the edit is refused
with the file and line and nothing is written; otherwise every changed file is
replaced atomically (all files of an edit are validated before any is written).

Order: an item file's position in its section is its ``order:``; a briefs file
sorts as one block (its ``order:``) and its briefs print in the order of their
paragraphs.  :func:`arrange` turns a wanted print order into exactly that:
``order:`` 1…n per section, paragraphs permuted inside a briefs file, and a
brief dragged into another section moved to that section's briefs file
(created when the section has none; a briefs file left without briefs is
deleted).  Content the reader does not own (a non-brief paragraph before the
first ▲) is never touched.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from composer import yamlsrc
from composer.credits import TRAILING_CREDIT, WHOLE_CREDIT
from composer.diagnostics import Diagnostic, JianbaoError, Source
from composer.model import ITEM_KINDS, KIND_ARTICLE, KIND_BRIEF, Issue, Item
from composer.output import write_atomic
from composer.reader import BRIEF_MARK, item_files, load_issue, load_item_file

# codes meaning "this file does not load as the editor meant it": the edit is refused
REFUSED_CODES = {"J201", "J204", "J103", "J105"}  # does not parse, no kind, unreadable
FIELDS = ("title", "subtitle", "kind", "section", "order", "category")


@dataclass(frozen=True, slots=True)
class ItemKey:
    file: str  # file name inside the issue folder
    brief: int | None = None  # position among the file's ▲ briefs (briefs files only)

    def __str__(self) -> str:
        return self.file if self.brief is None else f"{self.file}#{self.brief}"

    @classmethod
    def parse(cls, text: str) -> ItemKey:
        name, _, n = str(text).partition("#")
        if n and not n.isdigit():
            raise UnknownItem(text)
        return cls(name, int(n) if n else None)


class UnknownItem(JianbaoError):
    def __init__(self, key):
        super().__init__(f"no item {key!s} in this issue (it may have been changed meanwhile; reload)")


@dataclass(frozen=True, slots=True)
class Edit:
    """What an edit wrote: the paths (written or deleted) and one line saying what changed."""

    paths: tuple[Path, ...]
    summary: str


# ---------------------------------------------------------------- reading

def load(ws, issue_dir: Path) -> Issue:
    issue, diags = load_issue(ws.root, issue_dir, ws.units)
    if issue is None:
        raise JianbaoError(f"{ws.rel(issue_dir)}: the issue does not load", tuple(diags))
    return issue


def keyed_items(issue: Issue) -> list[tuple[ItemKey, Item]]:
    """Every item of ``issue`` in print order with its key."""
    briefs: dict[str, list[int]] = {}
    for it in issue.items:
        if it.source.line > 1:  # a ▲ paragraph of a briefs file (item files start at line 1)
            briefs.setdefault(it.source.path, []).append(it.source.line)
    out = []
    for it in issue.items:
        name = Path(it.source.path).name
        if it.source.line > 1:
            out.append((ItemKey(name, sorted(briefs[it.source.path]).index(it.source.line)), it))
        else:
            out.append((ItemKey(name), it))
    return out


def find(issue: Issue, key: ItemKey) -> Item:
    for k, it in keyed_items(issue):
        if k == key:
            return it
    raise UnknownItem(key)


def files_without_items(issue: Issue) -> list[str]:
    """Item files of the issue that gave no item (a front matter that does not parse, an empty briefs file):
    the workbench offers their source for repair."""
    used = {Path(it.source.path).name for it in issue.items}
    return [p.name for p in item_files(issue.path) if p.name not in used]


def _path(issue: Issue, name: str) -> Path:
    """The item file ``name`` of the issue, looked up among its files (never joined blindly)."""
    for p in item_files(issue.path):
        if p.name == name:
            return p
    raise UnknownItem(name)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _front(text: str, rel: str):
    """``(opening line, front matter map, closing line, body)`` of an item file's text."""
    fm_text, body, body_line = yamlsrc.split_front_matter(text)
    if fm_text is None:
        return "---\n", yamlsrc.new_map(), "---\n", text
    data, diags = yamlsrc.parse_for_edit(fm_text, rel, line_offset=1, code="J201")
    if diags:
        raise JianbaoError(f"{diags[0].source}: the front matter does not parse; fix the file first", tuple(diags))
    if data is None:
        data = yamlsrc.new_map()
    if not yamlsrc.is_map(data):
        raise JianbaoError(f"{rel}:2: the front matter is not a mapping of keys")
    lines = text.splitlines(keepends=True)
    closing = lines[body_line - 2] if body_line - 2 < len(lines) else "---\n"
    return lines[0], data, closing if closing.endswith("\n") else closing + "\n", body


def _join(opening: str, data, closing: str, body: str) -> str:
    return opening + yamlsrc.dump(data) + closing + body


def _brief_chunks(issue: Issue, path: Path) -> tuple[str, list[str]]:
    """``(head, [brief text, …])``: a briefs file cut at the lines where the reader found its ▲ briefs."""
    rel = yamlsrc.rel(issue.path.parent.parent, path)
    starts = sorted(it.source.line for it in issue.items if it.source.path == rel and it.source.line > 1)
    lines = _read(path).splitlines(keepends=True)
    if not starts:
        return "".join(lines), []
    head = "".join(lines[: starts[0] - 1])
    chunks = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lines)
        chunks.append("".join(lines[start - 1 : end]).rstrip() + "\n")
    return head, chunks


def _briefs_text(head: str, chunks: list[str]) -> str:
    """A briefs file from its head (front matter …) and its briefs, one blank line between briefs."""
    if head.strip():
        head = head.rstrip("\n") + "\n"
        if head.splitlines()[-1].strip() not in ("---", "..."):
            head += "\n"
    else:
        head = ""
    return head + "\n".join(chunks)


def brief_parts(chunk: str) -> tuple[str, str, bool]:
    """``(text without ▲ and credit, credit inside the parentheses, credit on a line of its own)``."""
    text = chunk.strip()
    own_line = False
    credit = ""
    last = text.rsplit("\n", 1)
    if len(last) == 2 and WHOLE_CREDIT.match(last[1]):
        credit, text, own_line = WHOLE_CREDIT.match(last[1])[1], last[0].rstrip(), True
    elif m := TRAILING_CREDIT.search(text):
        credit, text = m[1], text[: m.start()].rstrip()
    return text.lstrip().removeprefix(BRIEF_MARK), credit.strip(), own_line


def brief_chunk(text: str, credit: str, own_line: bool = False) -> str:
    text = _clean(typed(text, "the brief's text")).strip().removeprefix(BRIEF_MARK).strip()
    credit = typed(credit, "the credit")
    if not text:
        raise JianbaoError("a brief needs its text")
    credit = " ".join(credit.replace("（", " ").replace("）", " ").replace("(", " ").replace(")", " ").split())
    tail = f"（{credit}）" if credit else ""
    return f"{BRIEF_MARK}{text}" + (("\n" + tail) if own_line and tail else tail) + "\n"


def source_of(issue: Issue, key: ItemKey) -> dict:
    """What the edit form shows for one item: front matter fields and body, or a brief's text and credit."""
    find(issue, key)
    path = _path(issue, key.file)
    if key.brief is not None:
        text, credit, _ = brief_parts(_brief_chunks(issue, path)[1][key.brief])
        return {"brief": True, "text": text, "credit": credit}
    opening, data, closing, body = _front(_read(path), key.file)
    fields = {k: "" if data.get(k) is None else str(data.get(k)) for k in FIELDS}
    item = find(issue, key)
    fields["order"] = "" if data.get("order") is None else _number_text(data.get("order"))
    return {"brief": False, "fields": fields, "credits": "\n".join(c.display for c in item.credits),
            "body": body, "raw": _read(path)}


def _number_text(value) -> str:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(f)) if f == int(f) else str(f)


# ---------------------------------------------------------------- validating and writing

def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def validate(ws, issue_dir: Path, path: Path, text: str) -> list[Diagnostic]:
    """Load ``text`` as the item file ``path`` would load; the problems, named after ``path``.

    The text is loaded from a hidden temporary file beside ``path`` (the reader
    skips dot files), so relative images and the registry resolve exactly as they will.
    """
    fd, tmp = tempfile.mkstemp(prefix=".jianbao-edit-", suffix=".md", dir=issue_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        _, diags = load_item_file(ws.root, Path(tmp), ws.units)
    finally:
        os.unlink(tmp)
    tmp_rel, real_rel = yamlsrc.rel(ws.root, Path(tmp)), yamlsrc.rel(ws.root, path)
    return [dataclasses.replace(d, source=Source(real_rel, d.source.line)) if d.source.path == tmp_rel else d
            for d in diags]


def write(ws, issue_dir: Path, texts: dict[Path, str | None], summary: str) -> Edit:
    """Validate every new text (None deletes the file), then replace them all atomically.

    Refused — nothing written — when any file would not load.
    """
    refused: list[Diagnostic] = []
    for path, text in texts.items():
        if text is not None:
            refused += [d for d in validate(ws, issue_dir, path, text) if d.is_error and d.code in REFUSED_CODES]
    if refused:
        first = refused[0]
        raise JianbaoError(f"{first.source}: {first.message} — nothing was written", tuple(refused))
    changed = []
    for path, text in texts.items():
        if text is None:
            if path.exists():
                path.unlink()
                changed.append(path)
        elif not path.exists() or _read(path) != text:
            write_atomic(path, text)
            changed.append(path)
    return Edit(tuple(changed), summary)


# ---------------------------------------------------------------- edits

def _label(item: Item) -> str:
    title = item.title or "（无标题）"
    return f"「{title[:24]}{'…' if len(title) > 24 else ''}」"


_KEY_ORDER = ("title", "subtitle", "kind", "units", "authors", "credits", "section", "order", "category", "tags")


def _set(data, key: str, value) -> None:
    """Set (or with an empty value remove) ``key``; a new key goes where an editor would write it."""
    if value in (None, ""):
        data.pop(key, None)
    elif key in data or key not in _KEY_ORDER:
        data[key] = value
    else:
        before = _KEY_ORDER[: _KEY_ORDER.index(key)]
        keys = list(data)
        pos = max((keys.index(k) + 1 for k in before if k in data), default=0)
        data.insert(pos, key, value)


def _set_list(data, key: str, values: list[str]) -> None:
    old = data.get(key)
    if isinstance(old, list):  # keep the list's style (flow or block) and the comments of unchanged entries
        for i, v in enumerate(values[: len(old)]):
            if old[i] != v:
                quoted = type(old[i]) if isinstance(old[i], str) and type(old[i]) is not str else str
                old[i] = quoted(v)  # written with the quotes the entry it replaces had
        del old[len(values):]
        old.extend(values[len(old):])
    else:
        _set(data, key, yamlsrc.flow(values))


def typed(value: str, what: str) -> str:
    """``value`` as typed into a form or an option, refused when it holds a control character
    (a NUL or ESC would be written as a YAML escape and break the PDF/DOCX)."""
    from composer.safeio import char_name, find_control

    value = re.sub("[\x0b\x0c\x85\u2028\u2029]", "\n", value)  # Word's soft return, page break: a line break
    found = find_control(value)
    if found:
        raise JianbaoError(f"{what} contains the {char_name(found[2])} (line {found[0]}, column {found[1]}); "
                           "remove it; nothing was written")
    return value


def credit_labels(text: str) -> list[str]:
    """The credits typed in a form: one per line (or separated by ；), each ``单位/作者 作者``."""
    out = []
    for part in re.split(r"[\n；;]+", _clean(typed(text, "the credits"))):
        part = " ".join(part.replace("／", "/").split())
        if not part:
            continue
        unit, slash, authors = part.partition("/")
        if slash and not unit.strip():
            raise JianbaoError(f"credit {part!r} names no unit: write 单位/作者, e.g. 利用科/张三; nothing was written")
        if "/" in authors:
            raise JianbaoError(f"credit {part!r} has more than one /: write 单位/作者 作者 (authors separated by "
                               "spaces), one unit per line or separated by ；; nothing was written")
        out.append(part)
    return out


def _write_credits(data, labels: list[str]) -> None:
    split = [(lbl.partition("/")[0], lbl.partition("/")[2].split()) for lbl in labels]
    short_form = "units" in data and "credits" not in data and "credit" not in data
    if short_form and all(not authors for _, authors in split[1:]):
        _set_list(data, "units", [u for u, _ in split]) if split else data.pop("units", None)
        if split and split[0][1]:
            _set_list(data, "authors", split[0][1])
        else:
            data.pop("authors", None)
        return
    for key in ("units", "authors", "credit"):
        data.pop(key, None)
    if labels:
        _set_list(data, "credits", labels)
    else:
        data.pop("credits", None)


def _shown(value, name: str) -> str:
    """A field's value as the form shows it (so an unchanged field is not rewritten)."""
    if value is None:
        return ""
    return _number_text(value) if name == "order" else str(value)


MAX_ORDER = 1e9  # as the reader accepts `order:`


def _parse_order(value: str):
    value = str(value).strip()
    if not value:
        return None
    try:
        f = float(value)
    except ValueError:
        f = math.nan
    if not math.isfinite(f) or abs(f) > MAX_ORDER:
        raise JianbaoError(f"order must be a number from {-MAX_ORDER:.0f} to {MAX_ORDER:.0f}, like 3 or 2.5, "
                           f"found {value[:40]!r}; nothing was written")
    return int(f) if f == int(f) else f


def update_item(ws, issue_dir: Path, key: ItemKey, *, fields: dict[str, str] | None = None,
                credits: str | None = None, body: str | None = None) -> Edit:
    """Change an item file's front matter fields, its credits and/or its body (round trip)."""
    issue = load(ws, issue_dir)
    item = find(issue, key)
    if key.brief is not None:
        raise JianbaoError(f"{key}: a ▲ brief in a briefs file has no front matter; edit its text and credit")
    path = _path(issue, key.file)
    rel = ws.rel(path)
    opening, data, closing, old_body = _front(_read(path), rel)
    what = []
    for name, value in (fields or {}).items():
        if name not in FIELDS:
            raise JianbaoError(f"{rel}: {name!r} is not a field the workbench edits")
        value = typed(str(value), FIELD_NAMES.get(name, name))
        value = " ".join(_clean(value).split()) if name != "order" else _parse_order(value)
        if name == "kind" and value not in ITEM_KINDS:
            raise JianbaoError(f"{rel}: kind must be 信息 or 简讯, not {value!r}")
        if name == "section" and value and issue.sections and value not in issue.sections:
            raise JianbaoError(f"{rel}: section {value!r} is not one of the issue's sections {list(issue.sections)}")
        if _shown(data.get(name), name) == _shown(value, name):
            continue
        _set(data, name, value)
        what.append(FIELD_NAMES[name])
    if credits is not None:
        labels = credit_labels(credits)
        if labels != [c.display for c in item.credits]:
            _write_credits(data, labels)
            what.append("署名")
    new_body = old_body
    body = None if body is None else typed(body, "the text")
    if body is not None and _clean(body).rstrip() != old_body.rstrip():
        new_body = _clean(body).rstrip() + "\n"
        what.append("正文")
    if not what:
        return Edit((), "")
    return write(ws, issue_dir, {path: _join(opening, data, closing, new_body)},
                 f"{rel} {_label(item)}：修改{'、'.join(what)}")


FIELD_NAMES = {"title": "标题", "subtitle": "副标题", "kind": "类型", "section": "栏目", "order": "顺序",
               "category": "分类"}


def update_brief(ws, issue_dir: Path, key: ItemKey, text: str, credit: str) -> Edit:
    """Replace one ▲ brief's text and credit inside its briefs file."""
    issue = load(ws, issue_dir)
    item = find(issue, key)
    if key.brief is None:
        raise JianbaoError(f"{key}: not a brief of a briefs file")
    path = _path(issue, key.file)
    head, chunks = _brief_chunks(issue, path)
    old_text, old_credit, own_line = brief_parts(chunks[key.brief])
    new = brief_chunk(text, credit, own_line)
    what = [w for w, changed in (("正文", _clean(text).strip() != old_text.strip()),
                                 ("署名", " ".join(credit.split()) != " ".join(old_credit.split()))) if changed]
    if not what:
        return Edit((), "")
    chunks[key.brief] = new
    return write(ws, issue_dir, {path: _briefs_text(head, chunks)},
                 f"{ws.rel(path)} 第{key.brief + 1}条简讯{_label(item)}：修改{'、'.join(what)}")


def replace_source(ws, issue_dir: Path, key: ItemKey, text: str) -> Edit:
    """Replace a whole item file with ``text`` (the source editor): validated like every edit."""
    issue = load(ws, issue_dir)
    path = _path(issue, key.file)
    text = _clean(typed(text, ws.rel(path)))
    if not text.endswith("\n"):
        text += "\n"
    if text == _read(path):
        return Edit((), "")
    return write(ws, issue_dir, {path: text}, f"{ws.rel(path)}：修改源文件")


def set_kind(ws, issue_dir: Path, key: ItemKey, kind: str) -> Edit:
    """信息 ⇄ 简讯.  An item file changes its ``kind:``; a ▲ brief becomes an item file of its own
    (title = the brief's title, credit into ``credits:``), taken out of its briefs file."""
    if kind not in ITEM_KINDS:
        raise JianbaoError(f"kind must be 信息 or 简讯, not {kind!r}")
    if key.brief is None:
        return update_item(ws, issue_dir, key, fields={"kind": kind})
    if kind == KIND_BRIEF:
        return Edit((), "")
    issue = load(ws, issue_dir)
    item = find(issue, key)
    path = _path(issue, key.file)
    head, chunks = _brief_chunks(issue, path)
    text, credit, _ = brief_parts(chunks.pop(key.brief))
    section = next((s for s in issue.sections if s != item.section), item.section)
    data = yamlsrc.new_map([("title", item.title), ("kind", KIND_ARTICLE)])
    if item.credits:
        data["credits"] = yamlsrc.flow([c.display for c in item.credits])
    data["section"] = section
    data["order"] = 1 + max((int(i.order) for i in issue.items if i.section == section), default=0)
    new_path = _new_file(issue_dir, "item")
    texts = {new_path: _join("---\n", data, "---\n", text.strip() + "\n"),
             path: _briefs_text(head, chunks) if chunks else None}
    return write(ws, issue_dir, texts, f"{ws.rel(path)} 第{key.brief + 1}条简讯{_label(item)}：改为信息 → {ws.rel(new_path)}")


def _new_file(issue_dir: Path, stem: str) -> Path:
    numbers = [int(m[1]) for p in issue_dir.glob("*.md") if (m := re.match(r"(\d+)-", p.name))]
    n = max(numbers, default=0) + 1
    while True:
        p = issue_dir / f"{n:02d}-{stem}.md"
        if not p.exists():
            return p
        n += 1


def arrange(ws, issue_dir: Path, layout: list[tuple[str, str]]) -> Edit:
    """Make the issue print in ``layout`` order: ``[(section, item key), …]`` for every item.

    Writes ``order:`` 1…n per section (only where it changes), ``section:`` of
    item files that moved, the paragraph order of briefs files, and moves briefs
    that changed section into that section's briefs file (see the module doc).
    """
    issue = load(ws, issue_dir)
    current = keyed_items(issue)
    by_key = {k: it for k, it in current}
    wanted = [(s, ItemKey.parse(k)) for s, k in layout]
    if sorted(map(str, by_key)) != sorted(str(k) for _, k in wanted):
        raise JianbaoError("the issue changed since the page was loaded; reload and try again")
    sections = list(issue.sections) or []
    for s, _ in wanted:
        if s not in sections:
            if s in {it.section for it in issue.items}:
                sections.append(s)
            else:
                raise JianbaoError(f"no section {s!r} in this issue")

    fronts: dict[Path, tuple] = {}
    dirty: set[Path] = set()

    def front(path: Path):
        if path not in fronts:
            fronts[path] = _front(_read(path), ws.rel(path))
        return fronts[path][1]

    # briefs: the briefs file each brief ends up in
    briefs_files: dict[str, Path] = {}  # section -> its (first) briefs file
    chunks_of: dict[Path, tuple[str, list[str]]] = {}
    for k, it in current:
        if k.brief is not None:
            p = _path(issue, k.file)
            briefs_files.setdefault(it.section, p)
            if p not in chunks_of:
                chunks_of[p] = _brief_chunks(issue, p)
    new_chunks: dict[Path, list[str]] = {p: [] for p in chunks_of}
    dest_of: dict[ItemKey, Path] = {}
    moved = []
    for s, k in wanted:
        if k.brief is None:
            continue
        src = _path(issue, k.file)
        dest = src if by_key[k].section == s else briefs_files.get(s)
        if dest is None:
            dest = briefs_files[s] = _new_file(issue_dir, "briefs")
            fronts[dest] = ("---\n", yamlsrc.new_map([("kind", KIND_BRIEF), ("section", s)]), "---\n", "")
            chunks_of[dest] = ("", [])
            new_chunks[dest] = []
            dirty.add(dest)
        new_chunks[dest].append(chunks_of[src][1][k.brief])
        dest_of[k] = dest
        if dest != src:
            moved.append(f"{_label(by_key[k])}→{s}")

    # order: one slot per item file and per briefs file, in the order they first appear
    for s in sections:
        slots: list[tuple[Path, ItemKey]] = []
        for sec, k in wanted:
            p = _path(issue, k.file) if k.brief is None else dest_of[k]
            if sec == s and p not in [q for q, _ in slots]:
                slots.append((p, k))
        for n, (p, k) in enumerate(slots, start=1):
            data = front(p)
            if _number_text(data.get("order", "")) != str(n):
                data["order"] = n
                dirty.add(p)
            if k.brief is None and by_key[k].section != s:
                data["section"] = s
                dirty.add(p)
                moved.append(f"{_label(by_key[k])}→{s}")

    texts: dict[Path, str | None] = {}
    for p, chunks in new_chunks.items():
        if not chunks:
            texts[p] = None  # every brief left this file
            continue
        if p not in dirty and chunks == chunks_of[p][1]:
            continue
        opening, data, closing, _ = fronts[p] if p in fronts else _front(_read(p), ws.rel(p))
        head = chunks_of[p][0]
        between = _front(head, ws.rel(p))[3] if head.strip() else ""
        texts[p] = _briefs_text(_join(opening, data, closing, between), chunks)
    for p in dirty - set(new_chunks):
        opening, data, closing, body = fronts[p]
        texts[p] = _join(opening, data, closing, body)
    edit = write(ws, issue_dir, texts, "")
    if not edit.paths:
        return edit
    what = ["调整顺序"] + (["移动 " + "、".join(moved)] if moved else [])
    return Edit(edit.paths, f"{ws.rel(issue_dir)}：{'；'.join(what)}")


def move(ws, issue_dir: Path, key: ItemKey, section: str) -> Edit:
    """Move one item to the end of ``section`` (through :func:`arrange`)."""
    issue = load(ws, issue_dir)
    layout = [(it.section, str(k)) for k, it in keyed_items(issue)]
    entry = next((e for e in layout if e[1] == str(key)), None)
    if entry is None:
        raise UnknownItem(key)
    if entry[0] == section:
        return Edit((), "")
    layout.remove(entry)
    last = max((i for i, (s, _) in enumerate(layout) if s == section), default=len(layout) - 1)
    layout.insert(last + 1, (section, str(key)))
    return arrange(ws, issue_dir, layout)
