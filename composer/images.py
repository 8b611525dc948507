"""Can every renderer use this picture?  Asked by ``check`` so that ``build`` never finds out first.

The PDF (WeasyPrint, through Pillow) and the DOCX (python-docx) both take PNG,
JPEG, GIF, BMP and TIFF; a file with another format, a truncated or corrupt
file, or one that decodes to more than :data:`MAX_PIXELS` is refused with the reason.
python-docx and Pillow are imported only when an issue has pictures.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from composer import safeio

FORMATS = {"PNG", "JPEG", "GIF", "BMP", "TIFF"}
MAX_PIXELS = 50_000_000  # 50 megapixels: a 7000 × 7000 photo; a print bulletin needs far less


def possible_name(src: str) -> bool:
    """Whether a picture link could name a file at all (no NUL byte, no part longer than 255 bytes)."""
    from urllib.parse import unquote

    name = unquote(src)
    return "\x00" not in name and all(len(part.encode()) <= 255 for part in name.replace("\\", "/").split("/"))


def problem(path: Path, root: Path | None = None) -> str | None:
    """Why the picture at ``path`` cannot be printed, or None when PDF and DOCX can both use it."""
    try:
        data = safeio.read_bytes(root, path, kind="image")
    except safeio.FileProblem as e:
        return e.reason
    if not data:
        return "the file is empty"
    from PIL import Image as PILImage

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as im:
                fmt = im.format
                if fmt not in FORMATS:
                    return f"a {fmt or 'unknown'} picture; use PNG, JPEG, GIF, BMP or TIFF"
                w, h = im.size
                if w < 1 or h < 1:
                    return "the picture has no size"
                if w * h > MAX_PIXELS:
                    return f"{w} × {h} pixels is more than the limit of {MAX_PIXELS // 1_000_000} megapixels; make it smaller"
                im.load()  # decodes everything: a truncated or corrupt file fails here
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        return f"the picture decodes to more than {MAX_PIXELS // 1_000_000} megapixels; make it smaller"
    except Exception as e:  # noqa: BLE001 - Pillow raises many kinds on broken files
        return f"not a readable picture ({_short(e)}); save it again as PNG or JPEG"
    try:
        from docx.image.image import Image as DocxImage

        d = DocxImage.from_blob(data)
        if not d.px_width or not d.px_height:
            return "Word cannot size the picture (no width or height in its header); save it again as PNG or JPEG"
    except Exception as e:  # noqa: BLE001 - python-docx raises many kinds on odd headers
        return f"Word cannot read the picture ({_short(e)}); save it again as PNG or JPEG"
    return None


def _short(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {text[:120]}" if text else type(e).__name__
