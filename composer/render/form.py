"""What the PDF/HTML and DOCX renderers print alike: the 简报 form's texts and sizes.

Renderers differ in how they draw; what they draw — the issue-number line, the
masthead size, the 编者按 paragraphs — is decided once, here.
"""

from __future__ import annotations

import re

from composer.model import Issue
from composer.render.justify import balance

TEXT_WIDTH = 156 * 72 / 25.4  # 442.205 pt: the 版心 measure (GB/T 9704)
BODY_SIZE = 16.0  # 三号
MASTHEAD_MAX = 42.0  # 初号
TITLE_SIZE = 22.0  # 二号


def number_text(issue: Issue) -> str:
    """``第5期`` or ``第5期（总第121期）``."""
    text = f"第{issue.number}期"
    if issue.total_number:
        text += f"（总第{issue.total_number}期）"
    return text


def masthead_size(name: str) -> float:
    """初号 (42 pt), shrunk so the name fits the measure less one character each side."""
    n = max(len(name), 1)
    return min(MASTHEAD_MAX, (TEXT_WIDTH - 2 * BODY_SIZE) / n)


class TitleBreaker:
    """Article titles in balanced lines (梯形/菱形), subtitles broken at their spaces.

    Both renderers print these lines: the PDF with <br>, the DOCX with manual
    line breaks, so Word and the PDF wrap a title alike.
    """

    def __init__(self, pub, measurer=None):
        from composer import fonts

        self.measure = (measurer or fonts.Measurer(pub)).em

    def title_lines(self, title: str) -> list[str]:
        return balance(title, self.measure, width=TEXT_WIDTH, size=TITLE_SIZE, role="title")

    def subtitle_lines(self, subtitle: str) -> list[str]:
        return balance(subtitle, self.measure, width=TEXT_WIDTH, size=BODY_SIZE, role="kai", spaces_only=True)


def with_break_spaces(text: str, lines: list[str]) -> list[str]:
    """``lines`` of ``text``, each that was broken at a space keeping it at its end.

    The DOCX writes them before its line breaks: Word does not count a line's
    trailing space when centring, and a DOCX read back joins the lines with it.
    """
    flat = " ".join(text.split())
    out, pos = [], 0
    for line in lines:
        pos = flat.find(line, pos) + len(line) if flat.find(line, pos) >= 0 else pos
        out.append(line + " " if pos < len(flat) and flat[pos] == " " else line)
    return out


def _join_lines(text: str) -> str:
    """Lines of one paragraph joined: no space between Chinese lines, one between Latin words."""
    out = ""
    for line in (x.strip() for x in text.splitlines()):
        if out and line and out[-1].isascii() and out[-1].isalnum() and line[0].isascii():
            out += " "
        out += line
    return out


def note_paragraphs(note: str) -> list[str]:
    """The 编者按's paragraphs: separated by blank lines, as in Markdown."""
    return [_join_lines(x) for x in re.split(r"\n\s*\n", note.replace("\r", "")) if x.strip()]


# Paragraph style names of the DOCX: a contract with composer.importer.splitter,
# which reads jianbao's own DOCX back by them.
S_MASTHEAD = "报头"
S_NUMBER = "期号"
S_EDITION = "编发"
S_NOTE = "编者按"
S_SECTION = "栏目"
S_TITLE = "文章标题"
S_SUBTITLE = "副标题"
S_BODY = "正文"
S_H1 = "一级标题"
S_H2 = "二级标题"
S_LIST = "列表"
S_BRIEF = "简讯"
S_CREDIT = "署名"
S_TAIL = "报尾"
S_TABLE = "表格"  # cells of Markdown tables
S_FIGURE = "图片"  # paragraphs holding an image
S_PAGE = "页码"  # footer page numbers
S_CAPTION = "图注"  # a picture's caption (its Markdown alt text)
# character styles: 黑体 for bold lead-ins (**…**), 楷体 for *…*, and the inline ▲ credit
C_HEI = "黑体字"
C_KAI = "楷体字"
C_CREDIT = "署名字"
