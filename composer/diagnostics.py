"""Problems in the user's data, as values.

A Diagnostic names the file and line it is about.  Loaders, checks, scoring and
renderers return them; the command line prints them sorted, in one format that
editors can jump to (``PATH:LINE: error[CODE name]: message``).
Only :class:`JianbaoError` is raised, when nothing can continue.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: a workspace-relative path and a 1-based line."""

    path: str
    line: int = 0
    column: int = 0  # 1-based, when a finding points inside the line

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}" if self.line else self.path


NO_SOURCE = Source("<jianbao>", 0)

# code -> (name, default severity, one-line doc).  Codes are stable.
CODES: dict[str, tuple[str, Severity, str]] = {
    "J100": ("stopped", Severity.ERROR, "a command could not continue (the message says why)"),
    "J101": ("no-workspace", Severity.ERROR, "no jianbao.yml found"),
    "J102": ("bad-yaml", Severity.ERROR, "a YAML file does not parse"),
    "J103": ("bad-config", Severity.ERROR, "a configuration value is missing or of the wrong type"),
    "J104": ("bad-registry", Severity.ERROR, "the unit registry is inconsistent"),
    "J105": ("bad-file", Severity.ERROR, "a file cannot be read: outside the workspace, not a regular file, too large, "
                                         "not UTF-8 or with control characters"),
    "J201": ("bad-front-matter", Severity.ERROR, "front matter does not parse"),
    "J202": ("missing-title", Severity.ERROR, "an item has no title"),
    "J203": ("unknown-unit", Severity.ERROR, "a credited unit is not in the registry"),
    "J204": ("unknown-kind", Severity.ERROR, "kind is neither 信息 nor 简讯"),
    "J205": ("no-credit", Severity.ERROR, "an item credits no unit"),
    "J206": ("duplicate-title", Severity.ERROR, "two items of an issue share a title"),
    "J207": ("empty-body", Severity.ERROR, "an item has no text"),
    "J208": ("missing-glyph", Severity.ERROR, "no configured font can draw a character"),
    "J209": ("bad-image", Severity.ERROR, "an image is missing, outside the workspace or remote"),
    "J210": ("long-brief", Severity.WARNING, "a brief is longer than check.brief_max_chars"),
    "J211": ("date-form", Severity.WARNING, "a date is not written like 2024年4月9日"),
    "J212": ("bad-issue", Severity.ERROR, "issue.yml is missing or invalid"),
    "J214": ("bad-credit", Severity.ERROR, "a credit line is malformed (no unit, a unit twice, groups run together)"),
    "J213": ("unknown-section", Severity.ERROR, "an item names a section the issue does not list"),
    "J220": ("halfwidth-punct", Severity.WARNING, "half-width punctuation between Chinese characters"),
    "J301": ("bad-ledger", Severity.ERROR, "a ledger entry is malformed"),
    "J302": ("ledger-unit", Severity.ERROR, "a ledger entry names an unknown unit"),
    "J303": ("ledger-outlet", Severity.ERROR, "a ledger entry names an unknown outlet"),
    "J304": ("ledger-duplicate", Severity.ERROR, "a ledger entry is recorded twice"),
    "J305": ("ledger-date", Severity.ERROR, "a date is outside its period"),
    "J306": ("closed-period", Severity.ERROR, "a change alters a closed period"),
    "J320": ("empty-period", Severity.WARNING, "a report covers a period with no recorded event"),
    "J401": ("bad-rules", Severity.ERROR, "the rules file is invalid"),
    "J501": ("render", Severity.ERROR, "an output could not be rendered"),
    "J502": ("bad-template", Severity.ERROR, "a layout template does not compile or fails to render"),
    "J601": ("import", Severity.ERROR, "a file could not be imported"),
    "J602": ("import-unresolved", Severity.ERROR, "an imported credit names no known unit"),
    "J603": ("import-unplaced", Severity.WARNING, "an imported line could not be placed"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    source: Source
    code: str
    message: str
    hint: str | None = None
    severity: Severity = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code}")
        if self.severity is None:
            object.__setattr__(self, "severity", CODES[self.code][1])

    @property
    def name(self) -> str:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(source: Source, code: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(source, code, message, hint)


def sort_key(d: Diagnostic) -> tuple:
    return (d.source.path, d.source.line, d.code)


def format_json(diags) -> str:
    return json.dumps(
        {
            "diagnostics": [
                {
                    "path": d.source.path,
                    "line": d.source.line,
                    **({"column": d.source.column} if d.source.column else {}),
                    "code": d.code,
                    "name": d.name,
                    "severity": d.severity.value,
                    "message": d.message,
                    "hint": d.hint,
                }
                for d in sorted(diags, key=sort_key)
            ]
        },
        ensure_ascii=False,
        indent=2,
    )


def has_errors(diags, strict: bool = False) -> bool:
    return any(d.is_error or strict for d in diags)


class JianbaoError(Exception):
    """Nothing can continue (no workspace, unreadable file, refused operation).

    Carries diagnostics when the cause is in the user's data.
    """

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...] = (), *, code: str = "J100",
                 path: str | None = None):
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)
        self.code = code  # for as_diagnostics: what a machine-readable report calls it
        self.path = path

    def as_diagnostics(self) -> tuple[Diagnostic, ...]:
        """The diagnostics, or the message as one (``check --format json`` prints JSON whatever stopped it)."""
        if self.diagnostics:
            return self.diagnostics
        return (Diagnostic(Source(self.path or "<jianbao>"), self.code, str(self)),)
