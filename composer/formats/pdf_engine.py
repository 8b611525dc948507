"""HTML → PDF with WeasyPrint: the only module that imports it.

Generic plumbing with no bulletin knowledge (the adoption report uses it too):

* a URL fetcher that serves only ``file:`` URLs inside the allowed folders and
  self-contained ``data:`` URLs; http, https, ftp, files elsewhere (``/etc``,
  ``../..``, symlinks leading out) are refused, whatever the HTML says;
* WeasyPrint's warnings are captured: a refused or failed resource and a font
  that HarfBuzz could not subset (which would embed the whole font) are errors;
* a start-up check that HarfBuzz subsetting is available (without it
  WeasyPrint falls back to fontTools and takes seconds per CJK font).

``render_document`` lays out once and exposes anchor boxes, so a caller can
inspect where elements fell and re-render (two-pass layouts).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse


def _lazy_module(name: str) -> None:
    """Import ``name`` on first use (importlib LazyLoader) instead of now.

    WeasyPrint imports fontTools.subset at start-up only for its slow fallback
    subsetter; with HarfBuzz subsetting it is never used, and importing it costs
    about 70 ms of every build.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def _import_weasyprint():
    """Import WeasyPrint without its slow library search.

    WeasyPrint asks cffi for each of Pango/GObject/HarfBuzz under several names;
    for every name that is not a file, cffi calls ``ctypes.util.find_library``,
    which runs ``ldconfig`` and ``gcc`` (about 0.13 s per build on Linux).  The
    names WeasyPrint tries include the plain sonames (``libpango-1.0.so.0``),
    which load directly, so the search is skipped; if that import fails on some
    platform, it is retried with the search.
    """
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    except OSError:
        for mod in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[mod]
        ctypes.util.find_library = original
        import weasyprint
    finally:
        ctypes.util.find_library = original
    return weasyprint


_lazy_module("fontTools.subset")

weasyprint = _import_weasyprint()
from weasyprint.text import ffi as _wp_ffi  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

PX_TO_PT = 0.75  # CSS px → pt

_SUBSET_WARNINGS = ("Unable to subset", "Using fontTools instead of HarfBuzz")


class RenderError(Exception):
    """The engine could not produce a faithful PDF; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str], subset_failures: list[str] | None = None):
        super().__init__("; ".join(problems))
        self.problems = list(problems)
        self.subset_failures = list(subset_failures or ())


def engine_problems() -> list[str]:
    """What is wrong with the PDF engine's installation (empty when all is well)."""
    out = []
    if getattr(_wp_ffi, "harfbuzz_subset", None) is None:
        out.append("HarfBuzz subsetting (libharfbuzz-subset0) is not installed: PDF fonts would be subset by "
                   "fontTools, which takes seconds per CJK font; install it: apt-get install libharfbuzz-subset0")
    return out


# ---------------------------------------------------------------- URL fetcher

def allowed_path(url: str, roots: list[Path]) -> Path | None:
    """The local file a ``file:`` URL names when it lies inside one of ``roots``, else None."""
    parsed = urlparse(url)
    if parsed.scheme.lower() != "file" or parsed.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(unquote(parsed.path)).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    for root in roots:
        try:
            path.relative_to(Path(root).resolve())
        except ValueError:
            continue
        return path if path.is_file() else None
    return None


class ConfinedFetcher(URLFetcher):
    """Serves ``file:`` URLs inside ``roots`` and ``data:`` URLs; refuses the rest (recorded)."""

    def __init__(self, roots: list[Path]):
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = [Path(r).resolve() for r in roots]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        path = allowed_path(url, self.roots)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]!r}: only files inside the issue and layout folders are used")
        from composer import safeio

        try:  # a regular file, bounded, read without following a link swapped in meanwhile
            body = safeio.read_bytes(None, path, kind="resource", allowed=tuple(self.roots))
        except safeio.FileProblem as e:
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]!r}: {e.reason}") from None
        return URLFetcherResponse(url=path.as_uri(), body=body)


# ---------------------------------------------------------------- logging capture

class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed log record must not break rendering
            self.messages.append(str(record.msg))


class _captured:
    """Collect WeasyPrint's warnings for the duration of a block."""

    def __enter__(self) -> _Capture:
        self.handler = _Capture()
        self.logger = logging.getLogger("weasyprint")
        self.old_level = self.logger.level
        self.logger.addHandler(self.handler)
        if self.logger.level == logging.NOTSET or self.logger.level > logging.WARNING:
            self.logger.setLevel(logging.WARNING)
        return self.handler

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.old_level)
        return False


def _problems(messages: list[str], fetcher: ConfinedFetcher) -> tuple[list[str], list[str]]:
    problems, subset = [], []
    for m in messages:
        if m.startswith(_SUBSET_WARNINGS):
            subset.append(m)
            problems.append(f"font subsetting failed: {m}")
    for url in dict.fromkeys(fetcher.refused):
        problems.append(f"refused to load {url[:200]!r}: only files inside the issue and layout folders are used")
    for m in messages:
        if m.startswith(("Failed to load", "Failed to read", "Error fetching")) and not fetcher.refused:
            problems.append(_resource_problem(m))
    return problems, subset


_FAILED_IMAGE = re.compile(r"^Failed to load image at '([^']*)':\s*(.*)$", re.S)


def _resource_problem(message: str) -> str:
    """WeasyPrint's resource failure with a reason that says something (its own is often empty)."""
    m = _FAILED_IMAGE.match(message)
    if not m:
        return message
    url, reason = m[1], m[2].strip()
    path = unquote(urlparse(url).path) if url.startswith("file:") else url
    return (f"image {path} cannot be drawn: {reason or 'not a picture the PDF engine can decode'} "
            f"(<{url}>); save it again as PNG or JPEG")


# ---------------------------------------------------------------- rendering

@dataclass
class Rendered:
    """A laid-out document: page count, anchor boxes, and ``write_pdf``."""

    document: object
    fetcher: ConfinedFetcher
    warnings: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.document.pages)

    def anchor(self, name: str) -> tuple[int, tuple[float, float, float, float]] | None:
        """``(page index, (x1, y1, x2, y2) in pt from the page's top-left)`` of the element with id ``name``."""
        for i, page in enumerate(self.document.pages):
            box = page.anchors.get(name)
            if box is not None:
                return i, tuple(v * PX_TO_PT for v in box)
        return None

    def drop(self, name: str) -> bool:
        """Leave the element with id ``name`` (and what it holds) out of the drawn pages.

        For layouts that place alternatives and keep one (the 报尾 in normal or
        tight rows); drawing walks the box tree, so a box taken out is not painted.
        """
        for page in self.document.pages:
            stack = [page._page_box]
            while stack:
                box = stack.pop()
                children = getattr(box, "children", None) or []
                for child in children:
                    element = getattr(child, "element", None)
                    if element is not None and element.get("id") == name:
                        box.children = [c for c in children if c is not child]
                        return True
                stack.extend(children)
        return False

    def write_pdf(self, metadata: dict | None = None) -> bytes:
        meta = self.document.metadata
        for key, value in (metadata or {}).items():
            if key in ("author", "authors"):
                meta.authors = [value] if isinstance(value, str) else list(value)
            elif key in ("keywords",):
                meta.keywords = [value] if isinstance(value, str) else list(value)
            else:
                setattr(meta, key, value)
        with _captured() as cap:
            data = self.document.write_pdf()
        problems, subset = _problems(cap.messages, self.fetcher)
        if problems:
            raise RenderError(problems, subset)
        return data


# C types WeasyPrint's cffi parses (pycparser, 10–20 ms each) the first time a process
# lays out and writes a CJK document; warm_up parses them ahead of time
_CDECLS = ("PangoFcFontMap *", "FcChar8 **", "char[]", "PangoRectangle *", "PangoLogAttr[]",
           "unsigned int *", "hb_tag_t[100]", "char[4]", "hb_codepoint_t[]")


class _SizedArrays:
    """WeasyPrint's cffi object, but ``new("T[N]", items)`` reuses the parsed type ``T[]``.

    WeasyPrint's subsetter asks for ``hb_codepoint_t[<count>]`` with a new count
    for every font, and cffi parses each spelling anew (10–20 ms apiece).
    """

    def __init__(self, ffi):
        self._ffi = ffi

    def new(self, cdecl, init=None):
        if isinstance(cdecl, str) and cdecl.endswith("]") and init is not None and not isinstance(init, int):
            base, _, count = cdecl[:-1].rpartition("[")
            if count.isdigit() and hasattr(init, "__len__") and len(init) == int(count):
                return self._ffi.new(base + "[]", init)
        return self._ffi.new(cdecl, init)

    def __getattr__(self, name):
        return getattr(self._ffi, name)


def _share_array_types() -> None:
    try:
        from weasyprint.pdf import fonts as wp_fonts
    except ImportError:
        return
    if hasattr(wp_fonts, "ffi") and not isinstance(wp_fonts.ffi, _SizedArrays):
        wp_fonts.ffi = _SizedArrays(wp_fonts.ffi)


_share_array_types()


def warm_up() -> None:
    """Parse the C types WeasyPrint will need, in a process that is waiting anyway (the PDF worker)."""
    for cdecl in _CDECLS:
        try:
            _wp_ffi.ffi.typeof(cdecl)
        except Exception:  # a type this WeasyPrint version does not declare: nothing to warm
            pass


def render_document(html: str, *, base_url: Path, allowed_roots: list[Path]) -> Rendered:
    """Lay out ``html`` (resources resolved against ``base_url``, fetched only inside ``allowed_roots``)."""
    fetcher = ConfinedFetcher(allowed_roots)
    base = Path(base_url).resolve()
    base_uri = base.as_uri() + ("/" if base.is_dir() else "")
    with _captured() as cap:
        doc = weasyprint.HTML(string=html, base_url=base_uri, url_fetcher=fetcher).render()
    problems, subset = _problems(cap.messages, fetcher)
    if problems:
        raise RenderError(problems, subset)
    return Rendered(document=doc, fetcher=fetcher, warnings=cap.messages)


def html_to_pdf(html: str, *, base_url: Path, allowed_roots: list[Path], metadata: dict | None = None) -> bytes:
    """HTML → PDF bytes.  ``metadata``: title, author(s), created, modified (ISO dates), keywords…

    Raises RenderError when a resource was refused or missing, or a font could not be subset.
    """
    return render_document(html, base_url=base_url, allowed_roots=allowed_roots).write_pdf(metadata)
