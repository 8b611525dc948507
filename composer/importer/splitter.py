"""A past bulletin's pieces → articles and ▲ briefs with their credits.

Rules (text heuristics; Word styles of jianbao's own DOCX win when present):

* masthead and 报尾 lines are skipped: the bulletin name, 第N期, the 编发 line
  (office and/or date), 报：/送：/发： rows, 共印N份, page numbers ``— 3 —``;
  第N期 and the date are kept as the issue's number and date when found;
* a paragraph starting with ▲ opens a brief; any other paragraph when no item is
  open opens an article as its title; short unpunctuated paragraphs right after a
  title are its subtitle; everything after is body until a credit line;
* a credit line is a whole paragraph ``（单位/作者）`` or the tail of the last
  paragraph ``…参加会议。（办公室）``; it closes the item;
* inside an item, a paragraph that ends without closing punctuation and the next
  one that starts mid-sentence are one paragraph broken by a page break: joined;
  a credit whose parenthesis is still open is joined with the next paragraph
  (``（东昌府区分局/高洪磊`` + ``常文彬 朱明珠）``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from composer.credits import TRAILING_CREDIT, WHOLE_CREDIT, looks_like_credit
from composer.diagnostics import Diagnostic, Severity, Source, error
from composer.importer.extract import ImagePiece, Para, TablePiece, join_spans, merge_spans, unclosed_paren
from composer.model import KIND_ARTICLE, KIND_BRIEF, Credit, Publication, Span, credited_authors, credited_units
from composer.reader import BRIEF_MARK, resolve_credits
from composer.registry import Units, normalize
from composer.render import form

# Word paragraph styles of jianbao's own DOCX (the contract is in composer.render.form)
S_MASTHEAD = {form.S_MASTHEAD, form.S_NUMBER, form.S_EDITION, form.S_TAIL, form.S_CAPTION}
S_NOTE = form.S_NOTE
S_SECTION = form.S_SECTION
S_TITLE = form.S_TITLE
S_SUBTITLE = form.S_SUBTITLE
S_BODY = {form.S_BODY, form.S_LIST, form.S_BRIEF}
S_HEADINGS = {form.S_H1: 1, form.S_H2: 2, "Heading 1": 1, "Heading 2": 2, "Heading 3": 2}
S_CREDIT = form.S_CREDIT

CLOSERS = set("。！？；：…!?;:”’）)》】」』")
_CN_NUM = "0-9０-９一二三四五六七八九十百零〇"
_ISSUE_NO = re.compile(rf"^(?:[\(（]?总第\s*[{_CN_NUM}]+\s*期[\)）]?\s*)?第\s*([{_CN_NUM}]+)\s*期(?:\s*[\(（]?总第\s*([{_CN_NUM}]+)\s*期[\)）]?)?$")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DISTRIBUTION = re.compile(r"^(报|送|发|抄送|主送|抄报|分送)\s*[:：]")
_PRINT_RUN = re.compile(r"共印\s*\d+\s*份")
_PAGE_NO = re.compile(r"^[—–\-－―─]*\s*\d{1,3}\s*[—–\-－―─]*$")
_INTERNAL = re.compile(r"^(内部资料|内部刊物|注意保存|内部资料\s*注意保存|秘密|密级)")
_NOTE = re.compile(r"^(编者按|编者的话)\s*[:：]\s*")
_SECTION_BRACKET = re.compile(r"^[【〖\[]\s*([^】〗\]]{1,12})\s*[】〗\]]$")
SECTION_WORDS = ("简讯", "工作动态", "要闻", "基层动态", "工作交流", "经验交流", "领导讲话", "信息", "动态", "短讯")
_LIST_START = re.compile(r"^([一二三四五六七八九十]+[是要、]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十]+[，、]|[①-⑩])")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedItem:
    source: Source = field(compare=False)
    kind: str
    title: str
    subtitle: str = ""
    blocks: tuple[Para | TablePiece | ImagePiece, ...] = ()
    credit_text: str = ""  # inside the parentheses, as written
    credit_source: Source | None = field(default=None, compare=False)
    credits: tuple[Credit, ...] = ()
    section: str = ""

    @property
    def units(self) -> tuple[str, ...]:
        return credited_units(self.credits)

    @property
    def authors(self) -> tuple[str, ...]:
        return credited_authors(self.credits)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedIssue:
    source: Source = field(compare=False)
    items: tuple[ImportedItem, ...]
    sections: tuple[str, ...] = ()
    editor_note: str = ""
    number: int | None = None  # from the masthead 第N期
    total_number: int | None = None
    date: dt.date | None = None  # from the masthead date line
    skipped: tuple[Para, ...] = ()  # masthead / 报尾 lines
    unplaced: tuple[Para | TablePiece | ImagePiece, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def articles(self) -> tuple[ImportedItem, ...]:
        return tuple(i for i in self.items if i.kind == KIND_ARTICLE)

    @property
    def briefs(self) -> tuple[ImportedItem, ...]:
        return tuple(i for i in self.items if i.kind == KIND_BRIEF)


# ---------------------------------------------------------------- small predicates

def cn_number(text: str) -> int | None:
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
    total, cur = 0, 0
    for ch in text:
        if ch in digits:
            cur = digits[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur or None


def ends_open(text: str) -> bool:
    """The paragraph stops mid-sentence (no closing punctuation at its end)."""
    return bool(text) and text[-1] not in CLOSERS


def is_fragment(text: str) -> bool:
    """Body text rather than a title: a ▲ brief, sentence punctuation or long."""
    return text.startswith(BRIEF_MARK) or bool(re.search(r"[，。；、,;]", text)) or len(text) > 40


def starts_mid_sentence(text: str) -> bool:
    return bool(text) and not text.startswith(BRIEF_MARK) and not WHOLE_CREDIT.match(text) and not _LIST_START.match(text)


def title_like(text: str) -> bool:
    """Short, no sentence end: a title or subtitle."""
    return (
        0 < len(text) <= 60
        and not text.startswith(BRIEF_MARK)
        and text[-1] not in "。！？；;!?"
        and len(re.findall(r"[，,]", text)) <= 1
        and "。" not in text
    )


class _Resolver:
    def __init__(self, units: Units):
        self.units = units

    def __call__(self, name: str) -> str | None:
        u = self.units.get(name)
        return u.name if u else None


# ---------------------------------------------------------------- masthead

def _masthead(p: Para, pub: Publication | None, head: bool) -> tuple[str, object] | None:
    """What a masthead/报尾 line is, or None: ("number", (n, total)), ("date", d), ("skip", None)."""
    text = p.text.strip()
    compact = normalize(text)
    if p.style in S_MASTHEAD:
        m = _ISSUE_NO.match(compact)
        if m:
            return "number", (cn_number(m[1]), cn_number(m[2]) if m[2] else None)
        d = _CN_DATE.search(text)
        if d and p.style == "编发":
            return "date", _date(d)
        return "skip", None
    if _PAGE_NO.match(text) or _PRINT_RUN.search(text) or _DISTRIBUTION.match(text):
        return "skip", None
    if not head:
        return None
    if pub and compact in (normalize(pub.name),) or (len(compact) <= 20 and compact.endswith("简报")):
        return "skip", None
    if _INTERNAL.match(text) and len(text) <= 20:
        return "skip", None
    m = _ISSUE_NO.match(compact)
    if m:
        return "number", (cn_number(m[1]), cn_number(m[2]) if m[2] else None)
    d = _CN_DATE.search(text)
    if d and len(text) <= 60 and "。" not in text and "，" not in text:
        rest = normalize(_CN_DATE.sub("", text))
        if not rest or (pub and normalize(pub.office) in rest) or rest.endswith(("办公室", "编", "编印", "主办", "印发")):
            return "date", _date(d)
    if pub and normalize(pub.office) == compact:
        return "skip", None
    return None


def _date(m: re.Match) -> dt.date | None:
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _section_heading(p: Para) -> str | None:
    text = p.text.strip()
    if p.style == S_SECTION:
        m = _SECTION_BRACKET.match(text)  # printed as 【工作动态】
        return m[1].strip() if m else text
    m = _SECTION_BRACKET.match(text)
    if m:
        return m[1].strip()
    if text in SECTION_WORDS:
        return text
    return None


# ---------------------------------------------------------------- the splitter

@dataclass
class _Open:
    kind: str
    source: Source
    title: str = ""
    subtitle: str = ""
    body: list = field(default_factory=list)
    section: str = ""
    credit_text: str = ""
    credit_source: Source | None = None


def split(pieces, units: Units, pub: Publication | None = None, source: Source | None = None,
          article_section: str = "工作动态", brief_section: str = "简讯") -> ParsedIssue:
    """Split extracted pieces into items; see the module docstring for the rules."""
    resolve = _Resolver(units)
    items: list[ImportedItem] = []
    skipped: list[Para] = []
    unplaced: list = []
    diags: list[Diagnostic] = []
    sections: list[str] = []
    note: list[str] = []
    number = total = None
    date = None
    section = ""
    cur: _Open | None = None
    seen_item = False

    def close(credit: str = "", csrc: Source | None = None) -> None:
        nonlocal cur
        if cur is None:
            return
        o, cur = cur, None
        o.credit_text, o.credit_source = credit, csrc
        if o.kind == KIND_ARTICLE and not o.body and not credit:
            # a lone short line: not an item
            unplaced.append(Para(source=o.source, spans=(Span(text=" ".join(x for x in (o.title, o.subtitle) if x)),)))
            return
        sec = o.section or (brief_section if o.kind == KIND_BRIEF else article_section)
        if sec not in sections:
            sections.append(sec)
        credits = resolve_credits([credit], units) if credit else ()
        title = o.title
        if o.kind == KIND_BRIEF and o.body and isinstance(o.body[0], Para):
            from composer.reader import brief_title

            title = brief_title(o.body[0].spans)
        items.append(ImportedItem(
            source=o.source, kind=o.kind, title=title, subtitle=o.subtitle, blocks=tuple(o.body),
            credit_text=credit, credit_source=csrc, credits=credits, section=sec,
        ))

    def take_credit() -> bool:
        """If the last body paragraph is or ends with a credit, close the item with it."""
        if cur is None or not cur.body or not isinstance(cur.body[-1], Para):
            return False
        last: Para = cur.body[-1]
        text = last.text
        if unclosed_paren(text):
            return False
        m = WHOLE_CREDIT.match(text)
        if m and (looks_like_credit(m[1], resolve) or last.style == S_CREDIT):
            cur.body.pop()
            close(m[1].strip(), last.source)
            return True
        m = TRAILING_CREDIT.search(text)
        if m and m.start() > 0 and looks_like_credit(m[1], resolve):
            rest_len = len(text[: m.start()].rstrip())
            cur.body[-1] = Para(source=last.source, spans=_cut(last.spans, rest_len), style=last.style,
                                list_kind=last.list_kind)
            close(m[1].strip(), last.source)
            return True
        return False

    for piece in pieces:
        if not isinstance(piece, Para):
            if cur is not None and (cur.body or cur.kind == KIND_ARTICLE):
                cur.body.append(piece)
            else:
                unplaced.append(piece)
            continue
        p = piece
        text = p.text.strip()
        if not text:
            continue
        mh = _masthead(p, pub, head=not seen_item and cur is None)
        if mh is not None:
            what, value = mh
            if what == "number" and value[0]:
                number, total = value
            elif what == "date" and value:
                date = value
            skipped.append(p)
            continue
        if p.style == S_NOTE or (cur is None and not seen_item and _NOTE.match(text)):
            note.append(_NOTE.sub("", text))
            continue
        sec = _section_heading(p) if (cur is None or p.style == S_SECTION) else None
        if sec is not None:
            if cur is not None:
                close()
            section = sec
            if sec not in sections:
                sections.append(sec)
            continue
        if p.style == S_TITLE:
            close()
            cur = _Open(kind=KIND_ARTICLE, source=p.source, title=text, section=section)
            seen_item = True
            continue
        if p.style == S_SUBTITLE and cur is not None and not cur.body:
            cur.subtitle = _join_plain(cur.subtitle, text.removeprefix("——"))  # printed with a 破折号
            continue
        if text.startswith(BRIEF_MARK):
            close()
            cur = _Open(kind=KIND_BRIEF, source=p.source, section=section)
            cur.body.append(p)
            seen_item = True
            take_credit()
            continue
        if cur is None:
            if WHOLE_CREDIT.match(text):
                unplaced.append(p)  # a credit with no item before it
                continue
            if not title_like(text):
                unplaced.append(p)
                continue
            cur = _Open(kind=KIND_ARTICLE, source=p.source, title=text, section=section)
            seen_item = True
            continue
        if (cur.kind == KIND_ARTICLE and not cur.body and p.style not in S_BODY and p.style != S_CREDIT
                and p.style not in S_HEADINGS and title_like(text) and not WHOLE_CREDIT.match(text)):
            cur.subtitle = _join_plain(cur.subtitle, text)
            continue
        # body: join a paragraph broken by a page break or a split credit
        if cur.body and isinstance(cur.body[-1], Para) and _joins(cur.body[-1], p):
            prev = cur.body[-1]
            cur.body[-1] = Para(source=prev.source, spans=join_spans(prev.spans, p.spans), style=prev.style,
                                list_kind=prev.list_kind)
        else:
            cur.body.append(p)
        take_credit()
    close()

    for it in items:
        for c in it.credits:
            if not c.resolved:
                diags.append(error(it.credit_source or it.source, "J602",
                                   f"credit {c.label!r} ({it.credit_text}) names no known unit", units.hint(c.label)))
        if not it.credits:
            diags.append(error(it.source, "J205", f"{it.kind} {it.title!r} has no credit line",
                               "a credit line such as （调查监测科/张三） should close every item"))
        if it.kind == KIND_ARTICLE:
            for b in it.blocks[1:]:
                t = b.text if isinstance(b, Para) else ""
                if isinstance(b, Para) and b.style in ("", "Normal") and len(t) >= 6 \
                        and title_like(t) and not re.search(r"[，。；：,;:、]", t) and not b.list_kind:
                    diags.append(Diagnostic(b.source, "J603", f"{t[:30]!r} in the middle of {it.title[:20]!r} looks like "
                                            "a title: is a credit line missing before it?", None, Severity.WARNING))
    for u in unplaced:
        what = u.text if isinstance(u, Para) else ("a table" if isinstance(u, TablePiece) else "a picture")
        diags.append(error(u.source, "J603", f"line not placed in any item: {what[:40]!r}"))
    return ParsedIssue(
        source=source or (pieces[0].source if pieces else Source("<import>")),
        items=tuple(items), sections=tuple(sections), editor_note="\n\n".join(note),
        number=number, total_number=total, date=date, skipped=tuple(skipped), unplaced=tuple(unplaced),
        diagnostics=tuple(diags),
    )


def _joins(prev: Para, nxt: Para) -> bool:
    a, b = prev.text, nxt.text
    if prev.style in S_HEADINGS or nxt.style in S_HEADINGS or prev.list_kind or nxt.list_kind:
        return False
    if re.search(r"[（(][^（）()]*$", a) and len(b) <= 60 and re.fullmatch(r"[^（）()]*[）)]", b):
        return True  # a credit (or its tail) broken over two paragraphs
    return ends_open(a) and is_fragment(a) and starts_mid_sentence(b)


def _join_plain(a: str, b: str) -> str:
    from composer.importer.extract import join_text

    return join_text(a, b)


def _cut(spans: tuple[Span, ...], n: int) -> tuple[Span, ...]:
    """The first ``n`` characters of spans, right-stripped."""
    out: list[Span] = []
    for s in spans:
        if n <= 0:
            break
        out.append(Span(text=s.text[:n], bold=s.bold, italic=s.italic))
        n -= len(s.text)
    if out:
        out[-1] = Span(text=out[-1].text.rstrip(), bold=out[-1].bold, italic=out[-1].italic)
    return merge_spans(out)
