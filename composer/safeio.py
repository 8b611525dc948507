"""Reading user files safely: inside the workspace, regular files only, bounded, clean text.

Every file jianbao reads from a workspace goes through :func:`read_bytes` or
:func:`read_text`:

* the path, symlinks resolved, must lie inside one of the allowed folders (the
  workspace, or a file the user named on the command line): a symlinked item,
  stylesheet or ledger file pointing at ``/etc/passwd`` is refused, not read;
* only regular files are read: a folder named ``x.md``, a FIFO or a device is
  an error, never a blocking read (the file is opened non-blocking and checked
  with ``fstat`` before reading);
* a size limit per kind of file (:data:`LIMITS`), so a 10 MB Markdown file fails
  at once instead of typesetting for minutes;
* text is UTF-8; a byte-order mark is accepted; a file in another encoding is
  named with the line of its first bad byte (and a guess: GB18030, Big5);
  control characters (NUL, Word's soft return U+000B, form feed, ESC …) are
  reported by name, line and column.

Problems raise :class:`FileProblem`, a :class:`JianbaoError` that also knows
how to become a Diagnostic, so loaders can collect it like any other problem.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from composer.diagnostics import Diagnostic, JianbaoError, Source, error

MB = 1024 * 1024

# Largest file of each kind that jianbao reads (bytes).  Documented in SECURITY.md.
LIMITS = {
    "yaml": 2 * MB,  # jianbao.yml, units.yml, rules.yml, issue.yml
    "markdown": 1 * MB,  # one item file (a long article is 20 KB; 1 MB of text typesets in about 40 s)
    "issue": 2 * MB,  # all item files of one issue together (and at most MAX_ITEM_FILES of them)
    "template": 1 * MB,  # layout templates and stylesheets
    "image": 20 * MB,  # one picture
    "import": 50 * MB,  # a .docx or .txt handed to `jianbao import`
    "text": 10 * MB,  # anything else (commentary, manuscripts in the inbox)
    "ledger": 64 * MB,
    "resource": 64 * MB,  # a file the PDF engine loads (pictures, fonts: a CJK font collection is 30 MB)  # one ledger file (a year of a big office is 2 MB)
}

MAX_ITEM_FILES = 500  # Markdown files in one issue folder (a thick issue has 40)

FILE_CODE = "J105"


class FileProblem(JianbaoError):
    """A file that cannot be read safely: where it is and why."""

    def __init__(self, path: str, reason: str, line: int = 0, hint: str | None = None):
        super().__init__(f"{path}{f':{line}' if line else ''}: {reason}")
        self.path = path
        self.reason = reason
        self.line = line
        self.hint = hint
        self.diagnostics = (self.diagnostic(),)

    def diagnostic(self, code: str = FILE_CODE) -> Diagnostic:
        return error(Source(self.path, self.line), code, self.reason, self.hint)


def display(root: Path | None, path: Path) -> str:
    """``path`` as shown to the user: relative to ``root`` when inside it."""
    path = Path(path)
    if root is not None:
        try:
            return Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(root))).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def is_inside(path: Path, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder)
    except ValueError:
        return False
    return True


def confined(root: Path | None, path: Path, allowed: tuple[Path, ...] = ()) -> Path:
    """The real location of ``path`` (symlinks resolved); a FileProblem when it leaves
    ``root`` and every folder of ``allowed``.  ``root=None`` and no ``allowed``: no confinement."""
    path = Path(path)
    shown = display(root, path)
    try:
        real = path.resolve(strict=False)
    except (OSError, RuntimeError) as e:  # a symlink loop
        raise FileProblem(shown, f"cannot resolve the path ({_reason(e)})") from None
    folders = [Path(f).resolve() for f in ((root,) if root is not None else ()) + tuple(allowed)]
    if folders and not any(is_inside(real, f) for f in folders):
        link = " (a symbolic link)" if path.is_symlink() else ""
        raise FileProblem(shown, f"leads outside the workspace{link}, to {real}; jianbao reads and writes only "
                                 "inside the workspace", hint="copy the file into the workspace instead of linking it")
    return real


def _reason(e: OSError | RuntimeError) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror[0].lower() + e.strerror[1:]
    return str(e) or type(e).__name__


def read_bytes(root: Path | None, path: Path, *, kind: str = "text", allowed: tuple[Path, ...] = (),
               missing_ok: bool = False) -> bytes | None:
    """The bytes of a regular file inside the workspace (or ``allowed``), at most ``LIMITS[kind]``.

    Returns None for a missing file when ``missing_ok``; every other problem raises FileProblem.
    """
    shown = display(root, path)
    real = confined(root, path, allowed)
    limit = LIMITS[kind]
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise FileProblem(shown, "file not found") from None
    except IsADirectoryError:
        raise FileProblem(shown, "is a folder, not a file") from None
    except OSError as e:
        raise FileProblem(shown, f"cannot be read: {_reason(e)}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FileProblem(shown, "is a folder, not a file", hint="rename or move the folder")
        if not stat.S_ISREG(st.st_mode):
            what = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device"
            raise FileProblem(shown, f"is {what}, not a regular file; only regular files are read")
        if st.st_size > limit:
            raise FileProblem(shown, f"is {st.st_size / MB:.1f} MB; the limit for this kind of file is {limit // MB} MB",
                              hint="split it into smaller files (see SECURITY.md, limits)")
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:  # pragma: no cover - regular files never block
                continue
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # grew while being read
                raise FileProblem(shown, f"is larger than the limit of {limit // MB} MB for this kind of file")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise FileProblem(shown, f"cannot be read: {_reason(e)}") from None
    finally:
        os.close(fd)


# ---------------------------------------------------------------- text

_CONTROL_NAMES = {
    "\x00": "NUL (U+0000)",
    "\x07": "bell (U+0007)",
    "\x08": "backspace (U+0008)",
    "\x0b": "vertical tab (U+000B, Word's manual line break)",
    "\x0c": "form feed (U+000C, a page break)",
    "\x1b": "escape (U+001B)",
    "\x7f": "delete (U+007F)",
    "\x85": "next line (U+0085)",
    "\u2028": "line separator (U+2028)",
    "\u2029": "paragraph separator (U+2029)",
    "\ufffe": "non-character U+FFFE",
    "\uffff": "non-character U+FFFF",
}


def is_control(ch: str) -> bool:
    """Characters no printed text contains and XML cannot carry (tab, LF and CR excepted)."""
    o = ord(ch)
    return (o < 0x20 and ch not in "\t\n\r") or 0x7F <= o <= 0x9F or ch in "\u2028\u2029\ufffe\uffff"


def char_name(ch: str) -> str:
    if ch in _CONTROL_NAMES:
        return _CONTROL_NAMES[ch]
    name = unicodedata.name(ch, "")
    return f"control character U+{ord(ch):04X}" + (f" ({name})" if name else "")


def find_control(text: str) -> tuple[int, int, str] | None:
    """``(line, column, character)`` of the first control character in ``text``, or None."""
    for i, ch in enumerate(text):
        if is_control(ch):
            line = text.count("\n", 0, i) + 1
            col = i - (text.rfind("\n", 0, i) + 1) + 1
            return line, col, ch
    return None


def strip_controls(text: str, replacement: str = "") -> str:
    """``text`` without control characters; soft returns and page breaks become ``replacement``."""
    out = []
    for ch in text:
        if not is_control(ch):
            out.append(ch)
        elif ch in "\x0b\x0c\x85\u2028\u2029":
            out.append(replacement)
    return "".join(out)


def _guess_encoding(raw: bytes) -> str | None:
    for enc, label in (("gb18030", "GB18030 (GBK)"), ("big5", "Big5")):
        try:
            raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return label
    return None


def decode(raw: bytes, shown: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); a FileProblem naming the first bad line otherwise."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        guess = _guess_encoding(raw)
        why = f"is not UTF-8 text (byte 0x{raw[e.start]:02X} on line {line})"
        if guess:
            why += f"; it looks like {guess}"
        raise FileProblem(shown, why, line=line, hint="save the file as UTF-8 (in Notepad: 另存为 → 编码 UTF-8)") from None


def check_text(text: str, shown: str) -> str:
    """``text`` unchanged, or a FileProblem at the first control character."""
    found = find_control(text)
    if found:
        line, col, ch = found
        hint = ("replace it with a line break" if ch in "\x0b\x0c\x85\u2028\u2029"
                else "delete it (it is invisible in most editors; it often comes from copy-paste)")
        raise FileProblem(shown, f"contains a {char_name(ch)} at line {line}, column {col}", line=line, hint=hint)
    return text


def read_text(root: Path | None, path: Path, *, kind: str = "text", allowed: tuple[Path, ...] = (),
              missing_ok: bool = False) -> str | None:
    """UTF-8 text of a regular file inside the workspace, without control characters."""
    raw = read_bytes(root, path, kind=kind, allowed=allowed, missing_ok=missing_ok)
    if raw is None:
        return None
    shown = display(root, path)
    return check_text(decode(raw, shown), shown)
