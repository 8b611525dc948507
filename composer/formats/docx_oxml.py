"""The only module that touches WordprocessingML (``w:``) XML.

python-docx has no API for East Asian fonts, the document grid, fields,
paragraph borders or floating tables, so the DOCX renderer calls the small
functions here, each taking a python-docx object (a style, paragraph, run,
section, table or the document) and editing its XML in schema order.
No domain knowledge: names, sizes and colours come from the caller.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# GB/T 9704 Model A (LAYOUT.md §2), in twips (1/20 pt)
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 2098, 1984, 1587, 1474
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 8845 twips = 442.25 pt
LINE_PITCH = 579  # 28.95 pt: 22 lines fill the 225 mm 版心
CHAR_SPACE = -848  # (442.205/28 − 16) × 4096: 28 characters of 三号 per line
# 28 characters of 16 pt fit 442.25 pt only if each is narrowed by ≥ 0.207 pt.
# LibreOffice (7.4) cannot squeeze characters into a linesAndChars grid cell
# narrower than the font (it gives each one two cells: 16 characters a line), so
# the grid is type "lines" and the 28 characters come from scaling the glyphs
# to 98 % (15.68 pt each, 439 pt a line), which Word, WPS and LibreOffice all
# honour.  Condensed spacing (w:spacing −5) did the same, but LibreOffice then
# drops a closing mark it hangs past the right margin in a justified line
# (overflowPunct: the "。" after a full line of 28 characters vanished).
SCALE = 98


_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

# children of w:pPr that come after w:pBdr, in schema order (CT_PPrBase)
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
    "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
# children of w:rPr in schema order (CT_RPr), enough to place rFonts/lang
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)
# children of w:tblPr in schema order (CT_TblPr)
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)


def _child(parent, tag: str, order: tuple[str, ...]):
    """The ``tag`` child of ``parent``, created at its schema position if absent."""
    el = parent.find(qn(tag))
    if el is not None:
        return el
    el = OxmlElement(tag)
    after = order[order.index(tag) + 1:]
    anchor = next((c for c in parent if c.tag in {qn(t) for t in after}), None)
    if anchor is not None:
        anchor.addprevious(el)
    else:
        parent.append(el)
    return el


def _pPr(obj):
    """w:pPr of a paragraph or paragraph style (python-docx proxy)."""
    el = obj._p if hasattr(obj, "_p") else obj.element
    return el.get_or_add_pPr()


def _rPr(obj):
    """w:rPr of a run or style (python-docx proxy), or an rPr element as is."""
    if hasattr(obj, "_r"):
        return obj._r.get_or_add_rPr()
    if hasattr(obj, "element"):
        return obj.element.get_or_add_rPr()
    return obj


# ---------------------------------------------------------------- fonts

def set_fonts(obj, east_asia: str, latin: str | None = None, hint: bool = True) -> None:
    """Name the East Asian font (and Latin fonts) of a run or style; drop theme fonts.

    ``w:hint="eastAsia"`` makes quotes, dashes and ellipses use the East Asian
    font (LAYOUT.md §4).
    """
    rPr = _rPr(obj)
    rf = _child(rPr, "w:rFonts", _RPR_ORDER)
    for a in _THEME_ATTRS:
        rf.attrib.pop(qn(a), None)
    latin = latin or east_asia
    for a in ("w:ascii", "w:hAnsi", "w:cs"):
        rf.set(qn(a), latin)
    rf.set(qn("w:eastAsia"), east_asia)
    if hint:
        rf.set(qn("w:hint"), "eastAsia")
    else:
        rf.attrib.pop(qn("w:hint"), None)


def apply_style(obj, style_id: str) -> None:
    """Set a paragraph's ``w:pStyle`` or a run's ``w:rStyle`` by id (no lookup by name)."""
    if hasattr(obj, "_p"):
        obj._p.style = style_id
    else:
        obj._r.style = style_id


def set_char_scale(obj, percent: int) -> None:
    """Horizontal glyph scaling (``w:w`` in rPr), in percent."""
    _child(_rPr(obj), "w:w", _RPR_ORDER).set(qn("w:val"), str(percent))


def set_char_spacing(obj, twentieths: int) -> None:
    """Character spacing (``w:spacing`` in rPr), in 1/20 pt; negative condenses."""
    _child(_rPr(obj), "w:spacing", _RPR_ORDER).set(qn("w:val"), str(twentieths))


def set_lang(obj, east_asia: str = "zh-CN", latin: str | None = None) -> None:
    lang = _child(_rPr(obj), "w:lang", _RPR_ORDER)
    lang.set(qn("w:eastAsia"), east_asia)
    if latin:
        lang.set(qn("w:val"), latin)


def set_no_proof(obj) -> None:
    """No spelling or grammar marks on this text (``w:noProof``)."""
    _child(_rPr(obj), "w:noProof", _RPR_ORDER)


def strip_theme_fonts(document) -> None:
    """Remove every ``*Theme`` font attribute from styles.xml (a theme beats a name)."""
    root = document.styles.element
    for rf in root.iter(qn("w:rFonts")):
        for a in _THEME_ATTRS:
            rf.attrib.pop(qn(a), None)
        if not rf.attrib:
            rf.getparent().remove(rf)


def doc_defaults(document, east_asia: str, latin: str, size_pt: float, line_twips: int) -> None:
    """docDefaults: fonts without themes, zh-CN, no spacing after, exact line, no auto space."""
    dd = document.styles.element.find(qn("w:docDefaults"))
    rpr_default = _child(dd, "w:rPrDefault", ("w:rPrDefault", "w:pPrDefault"))
    rPr = _child(rpr_default, "w:rPr", ("w:rPr",))
    set_fonts(rPr, east_asia, latin)
    for tag in ("w:sz", "w:szCs"):
        _child(rPr, tag, _RPR_ORDER).set(qn("w:val"), str(round(size_pt * 2)))
    set_lang(rPr, "zh-CN", "en-US")
    ppr_default = _child(dd, "w:pPrDefault", ("w:rPrDefault", "w:pPrDefault"))
    pPr = _child(ppr_default, "w:pPr", ("w:pPr",))
    sp = _child(pPr, "w:spacing", _PPR_ORDER)
    sp.attrib.clear()
    sp.set(qn("w:after"), "0")
    sp.set(qn("w:line"), str(line_twips))
    sp.set(qn("w:lineRule"), "exact")
    set_auto_space(pPr, False)


def settings_zh(document) -> None:
    """settings.xml: theme font language zh-CN (the template says ja-JP)."""
    st = document.settings.element
    tfl = st.find(qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qn("w:eastAsia"), "zh-CN")


# ---------------------------------------------------------------- paragraph properties

def _flag(pPr, tag: str, on: bool) -> None:
    el = _child(pPr, tag, _PPR_ORDER)
    el.set(qn("w:val"), "1" if on else "0")


def set_auto_space(obj, on: bool) -> None:
    """autoSpaceDE/DN: Word's extra space between CJK and Latin/digits."""
    pPr = obj if getattr(obj, "tag", None) == qn("w:pPr") else _pPr(obj)
    _flag(pPr, "w:autoSpaceDE", on)
    _flag(pPr, "w:autoSpaceDN", on)


def set_snap_to_grid(obj, on: bool) -> None:
    """Off for text that is not 三号 body (titles, masthead, 报尾): the char grid would stretch it."""
    _flag(_pPr(obj), "w:snapToGrid", on)


def set_first_line_chars(obj, hundredths: int, twips: int) -> None:
    """First-line indent in characters (firstLineChars) with a twips fallback."""
    ind = _child(_pPr(obj), "w:ind", _PPR_ORDER)
    ind.attrib.pop(qn("w:hanging"), None)
    ind.attrib.pop(qn("w:hangingChars"), None)
    ind.set(qn("w:firstLine"), str(twips))
    ind.set(qn("w:firstLineChars"), str(hundredths))


def set_outline_level(obj, level: int) -> None:
    _child(_pPr(obj), "w:outlineLvl", _PPR_ORDER).set(qn("w:val"), str(level))


def set_exact_line(obj, twips: int) -> None:
    sp = _child(_pPr(obj), "w:spacing", _PPR_ORDER)
    sp.set(qn("w:line"), str(twips))
    sp.set(qn("w:lineRule"), "exact")


def para_border(obj, side: str = "bottom", sz: int = 12, color: str = "000000", space: int = 4) -> None:
    """A paragraph rule (``w:pBdr``) on one side: sz in 1/8 pt, space in pt."""
    pPr = _pPr(obj)
    pBdr = _child(pPr, "w:pBdr", _PPR_ORDER)
    order = ("w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar")
    b = _child(pBdr, f"w:{side}", order)
    b.set(qn("w:val"), "single")
    b.set(qn("w:sz"), str(sz))
    b.set(qn("w:space"), str(space))
    b.set(qn("w:color"), color)


# ---------------------------------------------------------------- section

def page_setup(section, footer_twips: int, header_twips: int = 851, grid_type: str = "lines") -> None:
    """A4, GB/T 9704 margins and the 22-line document grid (charSpace kept for linesAndChars)."""
    sectPr = section._sectPr
    order = ("w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type",
             "w:pgSz", "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType",
             "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection",
             "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")
    sz = _child(sectPr, "w:pgSz", order)
    sz.attrib.clear()
    sz.set(qn("w:w"), str(PAGE_W))
    sz.set(qn("w:h"), str(PAGE_H))
    mar = _child(sectPr, "w:pgMar", order)
    mar.attrib.clear()
    for k, v in (("top", MARGIN_TOP), ("right", MARGIN_RIGHT), ("bottom", MARGIN_BOTTOM),
                 ("left", MARGIN_LEFT), ("header", header_twips), ("footer", footer_twips), ("gutter", 0)):
        mar.set(qn(f"w:{k}"), str(v))
    grid = _child(sectPr, "w:docGrid", order)
    grid.attrib.clear()
    grid.set(qn("w:type"), grid_type)
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def add_page_field(run) -> None:
    """Append a PAGE field to a run: begin, instruction, separate, result, end."""
    r = run._r
    for kind in ("begin", None, "separate"):
        if kind:
            e = OxmlElement("w:fldChar")
            e.set(qn("w:fldCharType"), kind)
        else:
            e = OxmlElement("w:instrText")
            e.set(qn("xml:space"), "preserve")
            e.text = " PAGE "
        r.append(e)
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    e = OxmlElement("w:fldChar")
    e.set(qn("w:fldCharType"), "end")
    r.append(e)


# ---------------------------------------------------------------- tables

def table_grid(table, width_twips: int, sz: int = 4) -> None:
    """A plain table with single rules all round, spread over the text width."""
    tblPr = table._tbl.tblPr
    w = _child(tblPr, "w:tblW", _TBLPR_ORDER)
    w.set(qn("w:w"), str(width_twips))
    w.set(qn("w:type"), "dxa")
    _child(tblPr, "w:jc", _TBLPR_ORDER).set(qn("w:val"), "center")
    borders = _child(tblPr, "w:tblBorders", _TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = _child(borders, f"w:{side}", ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"))
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), str(sz))
        b.set(qn("w:space"), "0")
        b.set(qn("w:color"), "000000")


# ---------------------------------------------------------------- package

def prune_template(document) -> None:
    """Drop parts of python-docx's template that a bulletin does not need.

    stylesWithEffects.xml still carries theme fonts, the thumbnail shows an
    empty page and customXml holds a bibliography list.
    """
    part = document.part
    for rId, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            part.drop_rel(rId)
    pkg_rels = part.package.rels
    for rId, rel in list(pkg_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            pkg_rels.pop(rId)


def repeat_header_row(row, header: bool = True) -> None:
    """Keep a table row whole (w:cantSplit) and, with ``header``, repeat it on every page (w:tblHeader)."""
    trPr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader") if header else ("w:cantSplit",):
        if trPr.find(qn(tag)) is None:
            trPr.append(OxmlElement(tag))


_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_TEXT_BOX = (
    '<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:wps="' + _WPS + '">'
    '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264"'
    ' behindDoc="0" locked="0" layoutInCell="1" allowOverlap="0">'
    '<wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>'
    '<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
    '<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
    '<wp:wrapTopAndBottom/><wp:docPr id="{id}" name="{name}"/><wp:cNvGraphicFramePr/>'
    '<a:graphic><a:graphicData uri="' + _WPS + '"><wps:wsp><wps:cNvSpPr txBox="1"/>'
    '<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
    '<wps:txbx><w:txbxContent/></wps:txbx>'
    '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b"'
    ' anchorCtr="0"><a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
)


def bottom_text_box(run, blocks, width_twips: int, height_twips: int, name: str, shape_id: int = 1) -> None:
    """Move ``blocks`` (python-docx tables/paragraphs) into a text box pinned to the page's text bottom.

    A DrawingML text box anchored in ``run``: centred on the margins, its bottom
    on the bottom margin, text above and below only (wrapTopAndBottom).  It sits
    on the page of its anchor paragraph, so put that paragraph after the body.
    Placed by its top from the page edge (LibreOffice 7.4 puts a box aligned to
    the bottom margin 2 mm high on even pages), so ``height_twips`` must be
    its content's height; the content is bottom-aligned in it (Word).
    Word, WPS and LibreOffice (7.4) all place it; LibreOffice ignores floating
    tables (w:tblpPr) and merges the rules of framed paragraphs (w:framePr).
    """
    from docx.oxml import parse_xml

    emu = 635  # per twip
    y = (PAGE_H - MARGIN_BOTTOM - height_twips) * emu
    drawing = parse_xml(_TEXT_BOX.format(cx=width_twips * emu, cy=height_twips * emu, y=y, id=shape_id, name=name))
    content = drawing.find(".//" + qn("w:txbxContent"))
    for block in blocks:
        el = block._element
        el.getparent().remove(el)
        content.append(el)
    run._r.append(drawing)


def table_rules(table, outer: int, inner: int) -> None:
    """Horizontal rules only: top and bottom ``outer``, between rows ``inner`` (1/8 pt); no verticals."""
    tblPr = table._tbl.tblPr
    borders = _child(tblPr, "w:tblBorders", _TBLPR_ORDER)
    order = ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = _child(borders, f"w:{side}", order)
        sz = {"top": outer, "bottom": outer, "insideH": inner}.get(side)
        b.set(qn("w:val"), "single" if sz else "nil")
        if sz:
            b.set(qn("w:sz"), str(sz))
            b.set(qn("w:space"), "0")
            b.set(qn("w:color"), "000000")


def fixed_table(table, width_twips: int) -> None:
    """A one-column-grid table exactly ``width_twips`` wide (fixed layout)."""
    tblPr = table._tbl.tblPr
    w = _child(tblPr, "w:tblW", _TBLPR_ORDER)
    w.set(qn("w:w"), str(width_twips))
    w.set(qn("w:type"), "dxa")
    _child(tblPr, "w:jc", _TBLPR_ORDER).set(qn("w:val"), "center")
    _child(tblPr, "w:tblLayout", _TBLPR_ORDER).set(qn("w:type"), "fixed")
    cols = table._tbl.tblGrid.findall(qn("w:gridCol"))
    for c in cols:
        c.set(qn("w:w"), str(width_twips // len(cols)))


def tail_anchor(paragraph) -> None:
    """An empty paragraph one point high (a text box's anchor or closing paragraph), off the grid."""
    set_exact_line(paragraph, 20)
    set_snap_to_grid(paragraph, False)


def line_grid_only(section) -> None:
    """Keep the line grid but drop the character grid (``w:type="lines"``).

    LibreOffice lays each CJK character of a negative-charSpace grid into two
    cells (text spread out to ~14 characters a line); Word and LibreOffice
    agree on a plain line grid.
    """
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        grid.set(qn("w:type"), "lines")
        grid.attrib.pop(qn("w:charSpace"), None)


def table_cell_margins(table, left: int, right: int) -> None:
    """Left and right cell margins (twips) of every cell of a table."""
    tblPr = table._tbl.tblPr
    mar = _child(tblPr, "w:tblCellMar", _TBLPR_ORDER)
    for side, w in (("left", left), ("right", right)):
        m = _child(mar, f"w:{side}", ("w:top", "w:left", "w:bottom", "w:right"))
        m.set(qn("w:w"), str(w))
        m.set(qn("w:type"), "dxa")


# ---------------------------------------------------------------- font table

_GB2312_SIG = ('<w:sig w:usb0="00000001" w:usb1="080E0000" w:usb2="00000010" w:usb3="00000000"'
               ' w:csb0="00040000" w:csb1="00000000"/>')


def font_table(document, fonts) -> None:
    """Replace fontTable.xml (python-docx's lists Japanese faces) with the faces the document names.

    ``fonts``: (name, alt name, charset hex, family, pitch, panose) tuples.  Word
    and WPS use ``w:altName``, ``w:charset`` (86 = GB2312) and ``w:family`` to pick
    a substitute when the named face is missing (仿宋_GB2312 → 仿宋).
    """
    from xml.sax.saxutils import quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">']
    for name, alt, charset, family, pitch, panose in fonts:
        out.append(f"<w:font w:name={quoteattr(name)}>")
        if alt:
            out.append(f"<w:altName w:val={quoteattr(alt)}/>")
        out.append(f'<w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/>'
                   f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/>')
        if charset == "86":
            out.append(_GB2312_SIG)
        out.append("</w:font>")
    out.append("</w:fonts>")
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            rel.target_part._blob = "".join(out).encode("utf-8")
