"""Font roles, installed faces, glyph coverage and shaped advances.

Five roles print a bulletin: ``title`` (小标宋: masthead, article titles),
``body`` (仿宋; FandolFang, installed by scripts/setup.sh, when no
official 仿宋 is), ``heading`` (黑体: section heads, bold lead-ins), ``kai``
(楷体: credits, 编者按) and ``song`` (宋体: page numbers).  Each role lists the
official faces first and free fallbacks after; ``jianbao.yml`` ``fonts:`` may
replace a role's list.  Only installed faces are used.  The CSS stack of every
role ends with the faces of the other roles, so a character drawn by any
configured face is never tofu; a character none can draw is a J208 error.

Everything slow is cached in the user cache folder (``$JIANBAO_CACHE`` or
``~/.cache/jianbao``): the fontconfig face list (keyed by the fontconfig cache
folders' mtimes) and each face's cmap as code-point ranges (keyed by file,
index, size and mtime).  No WeasyPrint here; uharfbuzz only for shaping.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from composer.diagnostics import Diagnostic, Source, error

ROLES = ("title", "body", "heading", "kai", "song")

# (family, css weight wanted); the first installed family of a role is its primary face
DEFAULTS: dict[str, tuple[tuple[str, int], ...]] = {
    "title": (("方正小标宋简体", 400), ("FZXiaoBiaoSong-B05S", 400), ("方正小标宋_GBK", 400),
              ("Noto Serif CJK SC", 900), ("Source Han Serif SC", 900), ("Source Han Serif CN", 900)),
    "body": (("仿宋_GB2312", 400), ("FangSong_GB2312", 400), ("仿宋", 400), ("FangSong", 400),
             ("FandolFang", 400), ("Zhuque Fangsong (technical preview)", 400), ("Noto Serif CJK SC", 400),
             ("Source Han Serif SC", 400)),
    "heading": (("黑体", 400), ("SimHei", 400), ("Noto Sans CJK SC", 400), ("Source Han Sans SC", 400)),
    "kai": (("楷体_GB2312", 400), ("KaiTi_GB2312", 400), ("楷体", 400), ("KaiTi", 400),
            ("LXGW WenKai", 400), ("AR PL UKai CN", 400)),
    "song": (("宋体", 400), ("SimSun", 400), ("Noto Serif CJK SC", 400), ("Source Han Serif SC", 400)),
}
# the stack order used after a role's own faces
FALLBACK_ORDER = ("body", "song", "heading", "kai", "title")

# fontconfig weight -> CSS weight (FcWeightToOpenType)
_FC_WEIGHTS = ((0, 100), (40, 200), (50, 300), (55, 350), (75, 380), (80, 400), (100, 500),
               (180, 600), (200, 700), (205, 800), (210, 900), (215, 950))

_IGNORED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@dataclass(frozen=True, slots=True)
class Face:
    """One installed face: the family name CSS asks for, and the file that answers."""

    family: str
    file: str
    index: int = 0
    weight: int = 400
    style: str = "Regular"


# ---------------------------------------------------------------- cache

def cache_dir() -> Path | None:
    """The jianbao cache folder, created on demand; None when not writable."""
    base = os.environ.get("JIANBAO_CACHE")
    path = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jianbao"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


# ---------------------------------------------------------------- installed faces

def _fc_signature() -> str:
    """Changes when fonts are installed or removed (fc-cache rewrites its cache folders)."""
    home = Path.home()
    dirs = ["/var/cache/fontconfig", home / ".cache/fontconfig", "/usr/share/fonts", "/usr/local/share/fonts",
            home / ".fonts", home / ".local/share/fonts", os.environ.get("JIANBAO_FONT_DIR", "")]
    parts = []
    for d in dirs:
        try:
            parts.append(f"{d}:{os.stat(d).st_mtime_ns}")
        except (OSError, ValueError):
            parts.append(f"{d}:-")
    return "|".join(str(p) for p in parts)


def _css_weight(fc_weight: str) -> int:
    try:
        w = float(fc_weight.strip("[]").split()[0])
    except (ValueError, IndexError):
        return 400
    best = min(_FC_WEIGHTS, key=lambda p: abs(p[0] - w))
    return best[1]


def _fc_list() -> list[list]:
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{family}\t%{style}\t%{weight}\t%{file}\t%{index}\n"],
            capture_output=True, text=True, timeout=60, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 5 or not parts[3]:
            continue
        families = [f.strip() for f in parts[0].split(",") if f.strip()]
        try:
            index = int(parts[4])
        except ValueError:
            index = 0
        rows.append([families, parts[1].split(",")[0], _css_weight(parts[2]), parts[3], index])
    return rows


_INSTALLED: list[list] | None = None


def installed() -> list[list]:
    """``[families, style, css weight, file, index]`` for every installed face (cached)."""
    global _INSTALLED
    if _INSTALLED is not None:
        return _INSTALLED
    sig = _fc_signature()
    cdir = cache_dir()
    cached = _read_json(cdir / "fc-list.json") if cdir else None
    if isinstance(cached, dict) and cached.get("signature") == sig:
        _INSTALLED = cached["faces"]
        return _INSTALLED
    _INSTALLED = _fc_list()
    if cdir:
        _write_json(cdir / "fc-list.json", {"signature": sig, "faces": _INSTALLED})
    return _INSTALLED


def find_face(family: str, weight: int = 400) -> Face | None:
    """The installed face of ``family`` closest to ``weight`` (upright), or None."""
    key = family.casefold()
    best = None
    for families, style, w, file, index in installed():
        if key not in (f.casefold() for f in families):
            continue
        italic = any(s in style.lower() for s in ("italic", "oblique"))
        score = (italic, abs(w - weight), file, index)
        if best is None or score < best[0]:
            best = (score, Face(family=family, file=file, index=index, weight=w, style=style))
    return best[1] if best else None


_ROLE_CACHE: dict[tuple, dict[str, tuple[Face, ...]]] = {}


def role_faces(pub=None) -> dict[str, tuple[Face, ...]]:
    """Installed faces of each role, in preference order (``pub.fonts`` overrides a role)."""
    overrides = dict(getattr(pub, "fonts", ()) or ())
    key = tuple(sorted(overrides.items()))
    if key in _ROLE_CACHE:
        return _ROLE_CACHE[key]
    out: dict[str, tuple[Face, ...]] = {}
    for role in ROLES:
        wanted = DEFAULTS[role]
        if role in overrides:
            default_weight = 900 if role == "title" else 400
            wanted = tuple((f, default_weight) for f in overrides[role])
        faces: list[Face] = []
        for family, weight in wanted:
            face = find_face(family, weight)
            if face is not None and face not in faces:
                faces.append(face)
        out[role] = tuple(faces)
    _ROLE_CACHE[key] = out
    return out


def font_stack(pub, role: str) -> tuple[Face, ...]:
    """The role's faces, then every other configured face (no tofu if any can draw it)."""
    faces = role_faces(pub)
    stack = list(faces[role])
    for other in FALLBACK_ORDER:
        for f in faces[other]:
            if all((g.family, g.weight) != (f.family, f.weight) for g in stack):
                stack.append(f)
    return tuple(stack)


def css_family(pub, role: str, prepared: bool = False) -> str:
    """A CSS ``font-family`` value for a role: its families, then the others, then serif.

    With ``prepared``, each face's prepared copy (see font_face_rules) comes before it.
    """
    seen: list[str] = []
    with_copy = _prepared_faces(pub) if prepared else ()
    for f in font_stack(pub, role):
        if f in with_copy and prepared_path(f) is not None and _prepared_family(f) not in seen:
            seen.append(_prepared_family(f))
        if f.family not in seen:
            seen.append(f.family)
    return ", ".join([f'"{name}"' for name in seen] + ["serif"])


def css_weight(pub, role: str) -> int:
    faces = role_faces(pub)[role]
    return faces[0].weight if faces else (700 if role == "title" else 400)


# ---------------------------------------------------------------- prepared copies for the PDF

_PREPARED_VERSION = "1"
# code points kept in a prepared copy: GB2312, Latin, punctuation, symbols; the rest falls back
# to the installed face, which stays next in the CSS stack
_PREPARED_BLOCKS = ((0x20, 0x24F), (0x2000, 0x206F), (0x2100, 0x218F), (0x2190, 0x21FF), (0x2460, 0x24FF),
                    (0x2500, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))
_DROP_TABLES = ("GDEF", "BASE", "vhea", "vmtx", "VORG", "DSIG")  # GDEF: HarfBuzz 6 cannot subset some (LAYOUT §10)


def _prepared_chars() -> set[int]:
    cps = {cp for a, b in _PREPARED_BLOCKS for cp in range(a, b + 1)}
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                cps.add(ord(bytes((b1, b2)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return cps


def _stamp(face: Face) -> str | None:
    try:
        st = os.stat(face.file)
    except OSError:
        return None
    return f"{face.file}#{face.index}:{st.st_size}:{st.st_mtime_ns}"


def prepared_path(face: Face) -> Path | None:
    """A compact single-face copy of ``face`` for the PDF engine, made once into the cache.

    Holds GB2312 and the usual punctuation and symbols, without GDEF and vertical
    tables: WeasyPrint then reads and subsets megabytes instead of a 25 MB
    collection, and HarfBuzz 6 can subset faces whose GDEF it rejects.
    None when it cannot be made (no cache folder, no uharfbuzz, unreadable font).
    """
    stamp = _stamp(face)
    cdir = cache_dir()
    if stamp is None or cdir is None:
        return None
    name = hashlib.sha1(f"{_PREPARED_VERSION}:{stamp}".encode()).hexdigest()[:16]
    path = cdir / "fonts" / f"{name}.font"
    if path.is_file():
        return path
    try:
        import uharfbuzz as hb

        hb_face = hb.Face(hb.Blob.from_file_path(face.file), face.index)
        inp = hb.SubsetInput()
        inp.unicode_set.update(_prepared_chars())
        drop = inp.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
        drop.update({int.from_bytes(t.encode("ascii"), "big") for t in _DROP_TABLES})
        inp.flags = hb.SubsetFlags.NO_HINTING
        out = hb.subset(hb_face, inp)
        data = out.blob.data if out is not None else b""
    except Exception:  # no uharfbuzz or a font HarfBuzz cannot read: use the installed face
        return None
    if not data:
        return None
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        return None
    return path


def _prepared_family(face: Face) -> str:
    """The @font-face family of a prepared copy; it is also the font name in the PDF."""
    return f"jb {face.family} {face.weight}"


def _prepared_faces(pub) -> tuple[Face, ...]:
    """The faces that get a prepared copy: each role's primary face (fallbacks load as installed)."""
    return tuple(dict.fromkeys(faces[0] for faces in role_faces(pub).values() if faces))


def font_face_rules(pub) -> str:
    """``@font-face`` rules loading the prepared copy of each role's primary face (PDF only)."""
    rules = []
    for face in _prepared_faces(pub):
        path = prepared_path(face)
        if path is not None:
            rules.append(f'@font-face {{ font-family: "{_prepared_family(face)}"; '
                         f'src: url("{path.as_uri()}"); font-weight: {face.weight}; }}')
    return "\n".join(rules)


def primary_names(pub) -> dict[str, str]:
    """Role -> family name of its primary face ('' when none is installed)."""
    return {r: (f[0].family if f else "") for r, f in role_faces(pub).items()}


# ---------------------------------------------------------------- coverage

class Coverage:
    """A set of code points stored as sorted, merged ``[start, end]`` ranges."""

    __slots__ = ("starts", "ends")

    def __init__(self, ranges: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def __contains__(self, cp: int) -> bool:
        i = bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]

    def ranges(self) -> list[tuple[int, int]]:
        return list(zip(self.starts, self.ends))


def _ranges(codepoints: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for cp in sorted(codepoints):
        if out and cp == out[-1][1] + 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


_COVERAGE: dict[tuple[str, int], Coverage] = {}


def coverage(face: Face) -> Coverage:
    """The code points a face maps to a glyph (cmap), cached on disk per file version."""
    key = (face.file, face.index)
    if key in _COVERAGE:
        return _COVERAGE[key]
    try:
        st = os.stat(face.file)
        stamp = f"{face.file}#{face.index}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        _COVERAGE[key] = Coverage(())
        return _COVERAGE[key]
    cdir = cache_dir()
    cpath = cdir / "cmap" / (hashlib.sha1(stamp.encode()).hexdigest()[:20] + ".json") if cdir else None
    data = _read_json(cpath) if cpath else None
    if not (isinstance(data, dict) and data.get("stamp") == stamp):
        from fontTools.ttLib import TTFont

        try:
            with TTFont(face.file, fontNumber=face.index, lazy=True) as tt:
                cmap = tt.getBestCmap() or {}
        except Exception:  # an unreadable font covers nothing
            cmap = {}
        data = {"stamp": stamp, "ranges": _ranges(cmap)}
        if cpath:
            cpath.parent.mkdir(exist_ok=True)
            _write_json(cpath, data)
    _COVERAGE[key] = Coverage(tuple(r) for r in data["ranges"])
    return _COVERAGE[key]


def covering_face(stack: tuple[Face, ...], ch: str) -> Face | None:
    cp = ord(ch)
    for f in stack:
        if cp in coverage(f):
            return f
    return None


def _ignorable(ch: str) -> bool:
    cp = ord(ch)
    if ch in " \t\n\r" or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    return unicodedata.category(ch) in _IGNORED_CATEGORIES


def missing_glyphs(pub, texts: Iterable[tuple[Source, str]]) -> list[Diagnostic]:
    """One J208 error per location whose text holds characters no configured face can draw."""
    faces = [f for role in ROLES for f in role_faces(pub)[role]]
    unique = list(dict.fromkeys(faces))
    covers = [coverage(f) for f in unique]
    known: dict[str, bool] = {}
    found: dict[Source, list[str]] = {}
    for source, text in texts:
        for ch in text or "":
            ok = known.get(ch)
            if ok is None:
                cp = ord(ch)
                ok = known[ch] = _ignorable(ch) or any(cp in c for c in covers)
            if not ok:
                chars = found.setdefault(source, [])
                if ch not in chars:
                    chars.append(ch)
    out = []
    for source, chars in found.items():
        listed = ", ".join(f"{c!r} U+{ord(c):04X}" for c in chars)
        if unique:
            hint = "replace the character, or install a font that has it and name it in jianbao.yml fonts:"
        else:
            hint = "no CJK font is installed: apt-get install fonts-noto-cjk fonts-noto-cjk-extra fonts-lxgw-wenkai"
        out.append(error(source, "J208", f"no configured font can draw {len(chars)} character(s): {listed}", hint))
    return out


# ---------------------------------------------------------------- shaped advances

class Measurer:
    """Shaped advances (pt) of text in a role's fonts, as Pango will set it (zh-Hans).

    Shapes one cluster at a time (a CJK character, or a run of Latin letters
    and digits), with the face that covers its first character; results are
    cached per (role, cluster).
    """

    def __init__(self, pub):
        self.pub = pub
        self._stacks = {r: font_stack(pub, r) for r in ROLES}
        self._fonts: dict[tuple[str, int], tuple[object, int]] = {}
        self._cache: dict[tuple[str, str], float] = {}

    def _hb_font(self, face: Face):
        key = (face.file, face.index)
        if key not in self._fonts:
            import uharfbuzz as hb

            blob = hb.Blob.from_file_path(face.file)
            hb_face = hb.Face(blob, face.index)
            self._fonts[key] = (hb.Font(hb_face), hb_face.upem)
        return self._fonts[key]

    def em(self, role: str, cluster: str) -> float:
        """Advance of ``cluster`` in ems of the role's font."""
        key = (role, cluster)
        adv = self._cache.get(key)
        if adv is not None:
            return adv
        face = covering_face(self._stacks[role], cluster[0]) if self._stacks[role] else None
        if face is None:
            adv = float(len(cluster))  # assume full width; the glyph check reports it
        else:
            import uharfbuzz as hb

            font, upem = self._hb_font(face)
            buf = hb.Buffer()
            buf.add_str(cluster)
            buf.guess_segment_properties()
            buf.language = "zh-Hans"
            if not cluster.isascii():
                buf.script = "Hani"
            hb.shape(font, buf, {})
            adv = sum(p.x_advance for p in buf.glyph_positions) / upem
        self._cache[key] = adv
        return adv
