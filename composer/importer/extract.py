"""Text out of .txt and .docx files, as a flat sequence of pieces.

A piece is a paragraph (spans with bold/italic, the Word style name, list
membership), a table or a picture, each with the place it came from: the line of
a .txt file, the paragraph number of a .docx.  Nothing here knows bulletins; the
splitter (``composer.importer.splitter``) does.

python-docx is imported only inside :func:`read_docx`.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from composer import safeio
from composer.diagnostics import JianbaoError, Source, error
from composer.model import Span
from composer.render import form

_OPEN = "（("
_CLOSE = "）)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Para:
    source: Source = field(compare=False)
    spans: tuple[Span, ...]
    style: str = ""  # Word paragraph style name ("" for text files)
    list_kind: str = ""  # "" | "bullet" | "ordered"
    gap_before: bool = True  # a blank line (or paragraph end) separates it from the previous piece

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True, kw_only=True)
class TablePiece:
    source: Source = field(compare=False)
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagePiece:
    source: Source = field(compare=False)
    data: bytes = field(repr=False)
    ext: str  # without the dot: png, jpeg …


def plain(text: str) -> tuple[Span, ...]:
    return (Span(text=text),) if text else ()


_FOLD = str.maketrans({"\u00a0": " ", "\u3000": " ", "\t": " ", "\u2002": " ", "\ufeff": None, "\u2060": None})


def _fold(text: str) -> str:
    return safeio.strip_controls(text, " ").translate(_FOLD)


def clean(text: str) -> str:
    """Fold the spaces Word and copy-paste leave: NBSP, ideographic indent, tabs, the en space between
    credited names; drop control characters and word joiners (jianbao's DOCX glues credits with them)."""
    text = _fold(text)
    return re.sub(r" {2,}", " ", text).strip()


def join_text(left: str, right: str) -> str:
    """Join two halves of a broken line: no space between Chinese characters,
    one space between Latin words and inside an open credit parenthesis."""
    if not left:
        return right
    if not right:
        return left
    if unclosed_paren(left) or (left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum()):
        return left + " " + right
    return left + right


def unclosed_paren(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
    return depth > 0


def join_spans(a: tuple[Span, ...], b: tuple[Span, ...]) -> tuple[Span, ...]:
    left = "".join(s.text for s in a)
    right = "".join(s.text for s in b)
    joined = join_text(left, right)
    sep = joined[len(left) : len(joined) - len(right)]
    out = list(a)
    if sep:
        out.append(Span(text=sep))
    out.extend(b)
    return merge_spans(out)


def merge_spans(spans) -> tuple[Span, ...]:
    merged: list[Span] = []
    for s in spans:
        if not s.text:
            continue
        if merged and (merged[-1].bold, merged[-1].italic) == (s.bold, s.italic):
            merged[-1] = Span(text=merged[-1].text + s.text, bold=s.bold, italic=s.italic)
        else:
            merged.append(s)
    return tuple(merged)


# ---------------------------------------------------------------- .txt

# a line that starts a new paragraph even without a blank line before it:
# 报尾 rows (报：/送：/发：, 共印N份), page numbers, a ▲ brief
_ROW = re.compile(r"^((报|送|发|抄送|主送|抄报|分送)\s*[:：]|共印\s*\d+\s*份|[—–\-－―─]+\s*\d{1,3}\s*[—–\-－―─]+$|▲)")


def _new_row(before: str, line: str) -> bool:
    return bool(_ROW.match(line)) or (before[-1:] in "。！？" and not unclosed_paren(before))


# characters that GB18030 yields for bytes that were never GB text (Big5, Shift-JIS, binary):
# kana, Greek, Cyrillic, box drawing, private use, rare CJK extensions
_ODD = re.compile(r"[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3400-\u4dbf\ue000-\uf8ff\uf900-\ufaff\U00010000-\U0010ffff]")


def _looks_garbled(text: str) -> bool:
    wide = sum(1 for ch in text if ord(ch) > 0x7F)
    return wide > 0 and len(_ODD.findall(text)) > max(2, wide // 20)


def decode(raw: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 for legacy Windows files.

    GB18030 decodes almost any bytes; text that comes out as kana, Greek and box
    drawing was not GB text (Big5 usually) and is refused rather than imported garbled.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode": UTF-16 with a byte-order mark
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        if raw.count(b"\x00") <= len(raw) // 8:  # a stray NUL is dropped with the other control characters
            return text
    if raw.count(b"\x00") > len(raw) // 8:  # valid UTF-8 too: b"\x00\x01PK\x03\x04" was a manuscript titled "PK"
        why = "UTF-16 without a byte-order mark, or not text at all (many NUL bytes)"
        raise JianbaoError(f"{path}: {why}; nothing imported",
                           (error(Source(path, 1), "J601", f"the file is {why}", "save it as UTF-8 text (另存为 → 编码 UTF-8)"),))
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and not _looks_garbled(text):
        return text
    guess = ""
    for enc, name in (("utf-16-le", "UTF-16 without a byte-order mark"), ("utf-16-be", "UTF-16 without a byte-order mark"),
                      ("big5", "Big5 (traditional Chinese)")):
        try:
            candidate = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        hanzi = sum(1 for ch in candidate if "\u4e00" <= ch <= "\u9fff")
        if not _looks_garbled(candidate) and hanzi * 3 > len(candidate.strip()):
            guess = f"; it looks like {name}"
            break
    why = f"neither UTF-8 nor GB18030 Chinese text{guess}"
    raise JianbaoError(f"{path}: {why}; nothing imported",
                       (error(Source(path, 1), "J601", f"the file is {why}", "save it as UTF-8 text (另存为 → 编码 UTF-8)"),))


def read_txt(path: Path, label: str | None = None) -> list[Para]:
    """Paragraphs of a text file.

    When blank lines separate paragraphs (text copied out of Word usually has
    them), the lines of one block are one paragraph broken by wrapping and are
    joined; otherwise every line is a paragraph.  ``gap_before`` records whether
    a blank line preceded, for the splitter's page-break joins.
    """
    label = label or str(path)
    return text_paras(decode(_read_import(path, label), label), label)


def text_paras(text: str, label: str) -> list[Para]:
    """:func:`read_txt` on text already decoded (a manuscript pasted into the portal)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\x0b", "\n")
    lines = text.split("\n")
    nonblank = sum(1 for ln in lines if clean(ln))
    blank_separated = sum(
        1 for i in range(1, len(lines)) if not clean(lines[i]) and clean(lines[i - 1])
    )
    block_mode = nonblank and blank_separated >= nonblank / 3
    paras: list[Para] = []
    gap = True
    current: tuple[int, str] | None = None
    for n, line in enumerate(lines, start=1):
        t = clean(line)
        if not t:
            if current:
                paras.append(Para(source=Source(label, current[0]), spans=plain(current[1]), gap_before=gap))
                current = None
            gap = True
            continue
        if block_mode and current and not _new_row(current[1], t):
            current = (current[0], join_text(current[1], t))
        elif block_mode:
            if current:
                paras.append(Para(source=Source(label, current[0]), spans=plain(current[1]), gap_before=gap))
                gap = False
            current = (n, t)
        else:
            paras.append(Para(source=Source(label, n), spans=plain(t), gap_before=gap))
            gap = False
    if current:
        paras.append(Para(source=Source(label, current[0]), spans=plain(current[1]), gap_before=gap))
    return paras


# ---------------------------------------------------------------- .docx

# A .docx is a zip: these caps are checked on the zip directory before anything is
# decompressed (a 3 MB file can declare 3 GB); python-docx reads no more than declared.
DOCX_MAX_MEMBERS = 2000
DOCX_MAX_MEMBER_BYTES = 100 * 1024 * 1024
DOCX_MAX_TOTAL_BYTES = 250 * 1024 * 1024


def check_docx(path: Path, label: str) -> None:
    """Refuse a file that is not a Word document, or would expand beyond the caps, before python-docx sees it."""
    def refuse(message: str, hint: str | None = None):
        return JianbaoError(f"{label}: {message}; nothing imported", (error(Source(label, 1), "J601", message, hint),))

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise refuse(f"not a .docx file (not a zip package: {e})") from None
    names = {i.filename for i in infos}
    if len(infos) > DOCX_MAX_MEMBERS:
        raise refuse(f"the package holds {len(infos)} parts, more than {DOCX_MAX_MEMBERS}")
    total = sum(i.file_size for i in infos)
    biggest = max(infos, key=lambda i: i.file_size, default=None)
    if biggest is not None and biggest.file_size > DOCX_MAX_MEMBER_BYTES:
        raise refuse(f"part {biggest.filename} would expand to {biggest.file_size // (1 << 20)} MB, more than "
                     f"{DOCX_MAX_MEMBER_BYTES // (1 << 20)} MB", "a Word document this large is not a bulletin; see SECURITY.md")
    if total > DOCX_MAX_TOTAL_BYTES:
        raise refuse(f"the package would expand to {total // (1 << 20)} MB, more than {DOCX_MAX_TOTAL_BYTES // (1 << 20)} MB",
                     "a Word document this large is not a bulletin; see SECURITY.md")
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise JianbaoError(f"{label}: a zip file but not a Word document (no word/document.xml)",
                           (error(Source(label, 1), "J601", "a zip file that is not a Word .docx document",
                                  "save it from Word or WPS as .docx (not .doc, .wps or a zip of other files)"),))


def _read_import(path: Path, label: str) -> bytes:
    """The bytes of a file named on the command line: a regular file, within the import size limit."""
    try:
        return safeio.read_bytes(None, Path(path), kind="import")
    except safeio.FileProblem as e:
        raise JianbaoError(f"{label}: {e.reason}", (error(Source(label, 1), "J601", e.reason, e.hint),)) from None


def _numbering_formats(doc) -> dict[str, str]:
    """numId → numFmt of level 0 ('bullet', 'decimal', …)."""
    try:
        numbering = doc.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    ns = {"w": _W}
    abstract = {}
    for a in numbering.findall("w:abstractNum", ns):
        fmt = "decimal"
        for lvl in a.findall("w:lvl", ns):
            if lvl.get(_w("ilvl")) == "0" and (f := lvl.find("w:numFmt", ns)) is not None:
                fmt = f.get(_w("val")) or fmt
        abstract[a.get(_w("abstractNumId"))] = fmt
    out = {}
    for num in numbering.findall("w:num", ns):
        ref = num.find("w:abstractNumId", ns)
        if ref is not None:
            out[num.get(_w("numId"))] = abstract.get(ref.get(_w("val")), "decimal")
    return out


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(name: str) -> str:
    return "{" + _W + "}" + name


def _list_kind(p, numfmts: dict[str, str]) -> str:
    style = (p.style.name if p.style is not None else "") or ""
    ppr = p._p.pPr
    num = ppr.find(f"{{{_W}}}numPr/{{{_W}}}numId") if ppr is not None else None
    num_ids = [num.get(_w("val"))] if num is not None else []
    if num_ids and num_ids[0] != "0":
        return "bullet" if numfmts.get(num_ids[0]) == "bullet" else "ordered"
    if style.startswith("List Bullet"):
        return "bullet"
    if style.startswith("List Number"):
        return "ordered"
    return ""


def _bold(run, para_style) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    cs = run.style
    if cs is not None and cs.name == form.C_HEI:  # jianbao's 黑体 lead-in style
        return True
    return bool(cs is not None and cs.font is not None and cs.font.bold)


def _italic(run) -> bool:
    cs = run.style
    return bool(run.italic) or (cs is not None and cs.name == form.C_KAI)  # jianbao's 楷体 style


def read_docx(path: Path, label: str | None = None) -> list[Para | TablePiece | ImagePiece]:
    """Paragraphs (with bold/italic runs and style names), tables and pictures in document order."""
    label = label or str(path)
    raw = _read_import(path, label)
    check_docx(io.BytesIO(raw), label)
    import docx  # heavy: only the import commands need it
    from docx.table import Table as DocxTable

    try:
        doc = docx.Document(io.BytesIO(raw))
    except Exception as e:  # python-docx raises assorted errors on broken packages
        raise JianbaoError(f"{label}: Word could not read it ({e})",
                           (error(Source(label, 1), "J601", f"the .docx does not open: {e}"),)) from None
    numfmts = _numbering_formats(doc)
    out: list[Para | TablePiece | ImagePiece] = []
    n = 0
    for block in doc.iter_inner_content():
        n += 1
        src = Source(label, n)
        if isinstance(block, DocxTable):
            rows = []
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    cells.append(clean(" ".join(p.text for p in cell.paragraphs)))
                rows.append(tuple(cells))
            # merged cells repeat: python-docx returns the same cell for each grid column
            out.append(TablePiece(source=src, rows=tuple(rows)))
            continue
        p = block
        style = (p.style.name if p.style is not None else "") or ""
        spans: list[Span] = []
        for r in p.iter_inner_content():
            runs = r.runs if hasattr(r, "runs") else [r]
            for run in runs:
                for part in run.iter_inner_content():
                    if isinstance(part, str):
                        spans.append(Span(text=part, bold=_bold(run, style), italic=_italic(run)))
                    elif hasattr(part, "has_picture") and part.has_picture:
                        out.append(_picture(part, src, label))
        # a line break inside a paragraph is a wrap: join like a .txt block
        text_parts = _split_lines(spans)
        spaced = _broken_at_space(spans)
        joined: tuple[Span, ...] = ()
        for k, part_spans in enumerate(text_parts):
            if k and spaced[k - 1] and joined and part_spans:
                joined = joined + (Span(text=" "),)  # a line broken at a space (jianbao's titles)
            joined = join_spans(joined, part_spans)
        joined = _clean_spans(joined)
        kind = _list_kind(p, numfmts)
        if style == "列表" and joined:  # jianbao's own DOCX writes the marker as text
            m = re.match(r"^(•\s*|(\d{1,3})[.．、]\s*)", joined[0].text)
            if m:
                kind = "ordered" if m[2] else "bullet"
                joined = merge_spans((Span(text=joined[0].text[m.end():], bold=joined[0].bold,
                                           italic=joined[0].italic),) + joined[1:])
        if joined:
            out.append(Para(source=src, spans=joined, style=style, list_kind=kind))
    return out


def _picture(drawing, src: Source, label: str) -> ImagePiece:
    """The embedded picture of a drawing; a linked (external) or missing one stops the import."""
    embedded = drawing._drawing.xpath(".//pic:blipFill/a:blip/@r:embed")
    linked = drawing._drawing.xpath(".//pic:blipFill/a:blip/@r:link")
    part = None
    if embedded:
        try:
            part = drawing.part.related_parts[embedded[0]]
        except KeyError:
            part = None
    if part is None:
        if linked:
            rel = drawing.part.rels.get(linked[0])
            target = getattr(rel, "target_ref", "") if rel is not None else ""
            what = f"is linked to a file outside the document ({target[:120]}), not embedded in it"
            hint = "in Word or WPS, insert the picture again (插入 → 图片, not 链接到文件) and save"
        else:
            what, hint = "has no picture data in the document (the .docx is damaged)", "open and save it again in Word or WPS"
        raise JianbaoError(f"{label}: paragraph {src.line}: a picture {what}; nothing written",
                           (error(src, "J601", f"a picture {what}", hint),))
    blob = getattr(part, "blob", b"") or b""
    try:
        ext = part.image.ext
    except Exception:  # noqa: BLE001 - an unreadable picture is imported as is; `jianbao check` reports it
        ext = (str(getattr(part, "partname", "")).rsplit(".", 1)[-1] or "bin").lower()[:8]
    return ImagePiece(source=src, data=blob, ext=re.sub(r"[^a-z0-9]", "", ext.lower()) or "bin")


def _broken_at_space(spans: list[Span]) -> list[bool]:
    """For each line break in the paragraph: whether a space comes right before it."""
    text = "".join(s.text for s in spans)
    return [text[:m.start()].endswith((" ", "\u3000")) for m in re.finditer("\n", text)]


def _split_lines(spans: list[Span]) -> list[tuple[Span, ...]]:
    lines: list[list[Span]] = [[]]
    for s in spans:
        pieces = safeio.strip_controls(s.text, "\n").split("\n")
        for i, t in enumerate(pieces):
            if i:
                lines.append([])
            if t:
                lines[-1].append(Span(text=t, bold=s.bold, italic=s.italic))
    return [_clean_spans(merge_spans(ln)) for ln in lines]


def _clean_spans(spans) -> tuple[Span, ...]:
    """clean() across spans: fold odd spaces, strip both ends."""
    out = []
    for s in spans:
        t = _fold(s.text)
        t = re.sub(r" {2,}", " ", t)
        out.append(Span(text=t, bold=s.bold, italic=s.italic))
    while out and not out[0].text.strip():
        out.pop(0)
    while out and not out[-1].text.strip():
        out.pop()
    if out:
        out[0] = Span(text=out[0].text.lstrip(), bold=out[0].bold, italic=out[0].italic)
        out[-1] = Span(text=out[-1].text.rstrip(), bold=out[-1].bold, italic=out[-1].italic)
    return merge_spans(out)


def read_any(path: Path, label: str | None = None) -> list[Para | TablePiece | ImagePiece]:
    """Dispatch on the file suffix (.docx or .txt/.md/.text)."""
    label = label or str(path)
    path = Path(path)
    if not path.exists():
        raise JianbaoError(f"{label}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_docx(path, label)
    if suffix in (".txt", ".text", ""):
        return read_txt(path, label)
    if suffix in (".doc", ".wps"):
        raise JianbaoError(f"{label}: old Word format ({suffix}); save it as .docx first",
                           (error(Source(label, 1), "J601", f"{suffix} files are not read; save as .docx"),))
    raise JianbaoError(f"{label}: only .docx and .txt files are imported",
                       (error(Source(label, 1), "J601", f"unknown file type {suffix!r}"),))
