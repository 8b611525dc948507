"""Font roles and glyph coverage (placeholder until the PDF work lands)."""

from __future__ import annotations


def missing_glyphs(pub, texts):
    return []
