"""A workspace whose body ends just so that the 报尾 fits the last text page only in tight rows.

Shared by the PDF and DOCX tests (no ../shared): the imported Liaocheng issue's
distribution (a 6-line 报尾) under an article of one-line paragraphs, so the body's
last page holds a known number of full lines whatever the face.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import base_files, write_files

LINE = "全市自然资源系统深入推进耕地保护和节约集约用地工作成"  # 26 characters + a 2-character indent
CREDIT_NAME = "贺孟萌"
LONG_DISTRIBUTION = (
    "  报: [省自然资源厅办公室, 市委办公室, 市人大常委会办公室, 市政府办公室, 市政协办公室]\n"
    "  送: [市发展改革委, 市财政局, 市住房城乡建设局, 市生态环境局, 市农业农村局, 市水利局]\n"
)


def files(paragraphs: int) -> dict[str, str]:
    out = base_files()
    out.pop("issues/2024-03/20-briefs.md")
    out["jianbao.yml"] = out["jianbao.yml"].replace("  报: [市委办公室, 市政府办公室]\n  送: [市发展和改革委员会]\n",
                                                    LONG_DISTRIBUTION)
    assert LONG_DISTRIBUTION in out["jianbao.yml"]
    body = "\n\n".join(LINE for _ in range(paragraphs))
    out["issues/2024-03/01-article.md"] = (
        f"---\ntitle: 我市创新开展先登记后供地\nkind: 信息\nunits: [利用科]\nauthors: [{CREDIT_NAME}]\n"
        f"section: 工作动态\norder: 1\n---\n{body}\n")
    return out


def workspace(root: Path, paragraphs: int) -> Path:
    return write_files(root, files(paragraphs))


def page_of_body_end(page_texts: list[str]) -> int:
    """Index of the page holding the article's credit (the body's last line)."""
    return max(i for i, t in enumerate(page_texts) if CREDIT_NAME in t)
