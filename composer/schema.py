"""Typed reading of a YAML mapping, once, at load: every value checked, errors at file:line.

YAML guesses types: ``no`` is a string in YAML 1.2, ``2024-02-30`` is an error,
``.nan`` is a float, ``{报: 5}`` puts a number where names belong.  A loader asks
a :class:`Fields` for each key with the type it expects; a value of another type
becomes a Diagnostic at the key's line and the default is used, so the model
only ever holds the declared types (no ``第True期``, no Python reprs in print).

    f = Fields(data, "issues/2024-03/issue.yml", "J212")
    number = f.whole("number", minimum=1, required=True)
    sections = f.names("sections")
    f.unknown(("number", "date", "sections"))
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from composer import yamlsrc
from composer.diagnostics import Diagnostic, Severity, Source, error

_MISSING = object()
_CN_DATE = re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_NAME_SPLIT = re.compile(r"[\s、，,]+")


def describe(value: Any) -> str:
    """A value as the user wrote it, for messages (never a Python repr of a structure)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if yamlsrc.is_map(value):
        return "a mapping (key: value pairs)"
    if yamlsrc.is_seq(value):
        return "a list"
    if isinstance(value, float) and not math.isfinite(value):
        return f"the number {value}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def calendar_date(value: Any) -> dt.date | None:
    """A date from a YAML date or from text written 2024-04-15 or 2024年4月15日; None if neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _CN_DATE.match(value) or _ISO_DATE.match(value)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def is_text_value(value: Any) -> bool:
    """Scalars that read as text: strings and whole numbers (``title: 2024`` is the text "2024")."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


class Fields:
    """Read the keys of one YAML mapping with declared types; problems collect in ``diags``.

    ``line_base`` shifts line numbers (front matter starts on line 2 of its file).
    """

    def __init__(self, data: Any, path: str, code: str, line_base: int = 0, diags: list[Diagnostic] | None = None):
        self.data = data if yamlsrc.is_map(data) else {}
        self.path = path
        self.code = code
        self.line_base = line_base
        self.diags: list[Diagnostic] = diags if diags is not None else []

    # ------------------------------------------------------------ plumbing
    def source(self, key: Any = None, node: Any = None) -> Source:
        node = self.data if node is None else node
        if key is not None and yamlsrc.is_map(node) and key not in node:
            key = None
        return Source(self.path, yamlsrc.line_of(node, key, base=self.line_base))

    def error(self, key: Any, message: str, hint: str | None = None, node: Any = None) -> None:
        self.diags.append(error(self.source(key, node), self.code, message, hint))

    def warn(self, key: Any, message: str, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(self.source(key), self.code, message, hint, Severity.WARNING))

    def _get(self, key: str) -> Any:
        value = self.data.get(key, _MISSING)
        return _MISSING if value is None else value

    def _required(self, key: str, what: str) -> None:
        self.error(key, f"`{key}:` is missing; it must be {what}")

    # ------------------------------------------------------------ types
    def text(self, key: str, default: str = "", *, required: bool = False, what: str = "text") -> str:
        """A string (or a whole number written without quotes); mappings, lists, yes/no are errors."""
        value = self._get(key)
        if value is _MISSING:
            if required:
                self._required(key, what)
            return default
        if isinstance(value, dt.date):
            return value.isoformat()
        if not is_text_value(value):
            self.error(key, f"`{key}:` must be {what}, found {describe(value)}",
                       "write the text on one line after the colon (quote it if it starts with a symbol)")
            return default
        text = str(value).strip()
        if self._control(key, text):
            return default
        if required and not text:
            self._required(key, what)
            return default
        return text

    def _control(self, key: Any, text: str, node: Any = None) -> bool:
        """A control character written as a YAML escape (``"\\0"``, ``"\\e"``) that the file check
        cannot see: an error, never printed (a NUL or ESC in a title breaks the PDF and DOCX)."""
        from composer.safeio import char_name, find_control

        found = find_control(text)
        if found is None:
            return False
        self.error(key, f"`{key}:` contains the {char_name(found[2])}", "remove it (it was written as a "
                   "backslash escape inside quotes)", node=node)
        return True

    def names(self, key: str, *, split: bool = False, what: str = "a list of names") -> tuple[str, ...]:
        """A list of texts; one text is a list of one (``split``: also cut at spaces, 、 and commas).

        Numbers are not names (``authors: 12345``, ``{报: 5}``): quote them if meant.
        """
        value = self._get(key)
        if value is _MISSING:
            return ()
        if isinstance(value, str):
            text = value
            if self._control(key, text):
                return ()
            return tuple(v for v in _NAME_SPLIT.split(text) if v) if split else ((text.strip(),) if text.strip() else ())
        if not yamlsrc.is_seq(value):
            self.error(key, f"`{key}:` must be {what}, found {describe(value)}",
                       f"write {key}: [name, name] or one name per line starting with -")
            return ()
        out = []
        for i, v in enumerate(value):
            if not isinstance(v, str):
                self.error(i, f"`{key}:` entry {i + 1} must be a name, found {describe(v)}", node=value)
                continue
            if self._control(i, v, node=value):
                continue
            if str(v).strip():
                out.append(str(v).strip())
        return tuple(out)

    def whole(self, key: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None,
              required: bool = False) -> int | None:
        """A whole number (``true``, ``3.5``, ``"3"`` are errors) within ``[minimum, maximum]``."""
        value = self._get(key)
        rng = _range(minimum, maximum)
        if value is _MISSING:
            if required:
                self._required(key, f"a whole number{rng}")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"`{key}:` must be a whole number{rng}, found {describe(value)}")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(key, f"`{key}:` must be a whole number{rng}, found {value}")
            return default
        return value

    def number(self, key: str, default: float = 0.0, *, minimum: float | None = None,
               maximum: float | None = None) -> float:
        """A finite number (``.nan``, ``.inf``, ``1e999`` and yes/no are errors)."""
        value = self._get(key)
        if value is _MISSING:
            return default
        rng = _range(minimum, maximum)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.error(key, f"`{key}:` must be a number{rng}, found {describe(value)}")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(key, f"`{key}:` must be a number{rng}, found {value}")
            return default
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        """``true`` or ``false`` only: YAML 1.2 reads ``no``/``yes``/``off`` as text, never as false."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"`{key}:` must be true or false, found {describe(value)}",
                       "YAML 1.2 reads no/yes/off/on as text: write false or true")
            return default
        return value

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self._get(key)
        if value is _MISSING:
            if required:
                self._required(key, "a date like 2024-04-15 or 2024年4月15日")
            return None
        d = calendar_date(value)
        if d is None:
            self.error(key, f"`{key}:` must be a calendar date like 2024-04-15 or 2024年4月15日, found {describe(value)}")
        return d

    def mapping(self, key: str, what: str = "a mapping") -> Any:
        """The mapping under ``key`` ({} when missing or of another type, which is reported)."""
        value = self._get(key)
        if value is _MISSING:
            return {}
        if not yamlsrc.is_map(value):
            self.error(key, f"`{key}:` must be {what}, found {describe(value)}")
            return {}
        return value

    def relative_path(self, key: str, default: str) -> str:
        """A path inside the workspace, written relative to it (no absolute path, no ``..``)."""
        text = self.text(key, default, what="a path inside the workspace")
        parts = text.replace("\\", "/").split("/")
        if text.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", text) or ".." in parts:
            self.error(key, f"`{key}:` must be a path inside the workspace, relative to jianbao.yml, found {text!r}",
                       f"write it like {default}")
            return default
        return text

    def unknown(self, allowed, what: str = "") -> None:
        """A warning for each key not in ``allowed`` (a typo would otherwise be ignored silently)."""
        for k in self.data:
            if k not in allowed:
                where = f" in {what}" if what else ""
                self.warn(k, f"unknown key `{k}`{where}; it is ignored", "known keys: " + ", ".join(allowed))


def _range(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" ≥ {minimum}"
    if maximum is not None:
        return f" ≤ {maximum}"
    return ""


# ---------------------------------------------------------------- numbers (ledger events and rules alike)

MAX_POINTS = Decimal(100000)  # |points| of one event; beyond is a typo, not a score
MAX_COUNT = 100000  # manuscripts in one event


def to_decimal(value: Any) -> Decimal | None:
    """Numbers via str() so 0.1 stays 0.1; booleans and text are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    text = str(value).strip()
    if len(text) > 40:
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def shown(raw: Any, limit: int = 40) -> str:
    """A value for a message: quoted text, cut after ``limit`` characters (a 5000-digit number stays readable)."""
    text = raw if isinstance(raw, str) else str(raw)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def points_error(d: Decimal | None, raw: Any) -> str | None:
    """Why ``raw`` is no event's points (None when it is)."""
    if d is None and isinstance(raw, float) and raw in (float("inf"), float("-inf")):
        d = MAX_POINTS + 1  # 1e999999 reads as infinity: too big, not "not a number"
    if d is None and not isinstance(raw, bool) and _NUMBER.fullmatch(str(raw).strip()):
        d = MAX_POINTS + 1  # a number too long to be read: too big as well
    if d is None:
        return f"must be a number like 5 or -2.5, found {shown(raw)} (points run from -{MAX_POINTS} to {MAX_POINTS})"
    if abs(d) > MAX_POINTS:
        return f"must be between -{MAX_POINTS} and {MAX_POINTS}, found {shown(raw)}"
    return None


def count_error(raw: Any, minimum: int = 0) -> str | None:
    """Why ``raw`` is no count of manuscripts, adoptions or an issue number (None when it is)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not minimum <= raw <= MAX_COUNT:
        return f"must be a whole number from {minimum} to {MAX_COUNT}, found {shown(raw)}"
    return None
