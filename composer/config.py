"""The publication file ``jianbao.yml``: the only place that knows its keys."""

from __future__ import annotations

from pathlib import Path

from composer import yamlsrc
from composer.diagnostics import Diagnostic, JianbaoError, Source, error
from composer.model import Publication

PUBLICATION_FILE = "jianbao.yml"
DISTRIBUTION_ORDER = ("报", "送", "发")


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding jianbao.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PUBLICATION_FILE).is_file():
            return folder
    raise JianbaoError(
        f"no {PUBLICATION_FILE} in {start} or above: not a jianbao workspace (create one with `jianbao init DIR`)"
    )


def load_publication(root: Path) -> tuple[Publication, list[Diagnostic]]:
    data, diags = yamlsrc.load(root, root / PUBLICATION_FILE, code="J103")
    if data is None:
        raise JianbaoError(f"cannot read {PUBLICATION_FILE}", tuple(diags))
    if not yamlsrc.is_map(data):
        raise JianbaoError(f"{PUBLICATION_FILE} must be a mapping", (error(Source(PUBLICATION_FILE, 1), "J103", "expected keys name:, office: …"),))
    src = lambda key: Source(PUBLICATION_FILE, yamlsrc.line_of(data, key) if key in data else 1)  # noqa: E731

    def text(key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None or not isinstance(value, (str, int)):
            diags.append(error(src(key), "J103", f"`{key}:` must be text, found {value!r}"))
            return default or ""
        return str(value)

    dist_raw = data.get("distribution") or {}
    distribution: list[tuple[str, tuple[str, ...]]] = []
    if not yamlsrc.is_map(dist_raw):
        diags.append(error(src("distribution"), "J103", "distribution must map 报/送/发 to lists of names"))
    else:
        keys = sorted(dist_raw, key=lambda k: DISTRIBUTION_ORDER.index(k) if k in DISTRIBUTION_ORDER else 9)
        for k in keys:
            v = dist_raw[k]
            names = (v,) if isinstance(v, str) else tuple(str(x) for x in (v or ()))
            distribution.append((str(k), names))
    print_run = data.get("print_run")
    if print_run is not None and not isinstance(print_run, int):
        diags.append(error(src("print_run"), "J103", f"print_run must be a whole number, found {print_run!r}"))
        print_run = None
    check = data.get("check") or {}
    brief_max = check.get("brief_max_chars", 300) if yamlsrc.is_map(check) else 300
    if not isinstance(brief_max, int):
        diags.append(error(src("check"), "J103", "check.brief_max_chars must be a whole number"))
        brief_max = 300
    fonts_raw = data.get("fonts") or {}
    fonts = tuple(
        (str(role), (fam,) if isinstance(fam, str) else tuple(str(f) for f in fam))
        for role, fam in (fonts_raw.items() if yamlsrc.is_map(fonts_raw) else ())
    )
    pub = Publication(
        source=Source(PUBLICATION_FILE, 1),
        root=root,
        name=text("name"),
        office=text("office"),
        office_unit=str(data["office_unit"]) if data.get("office_unit") else None,
        organization=str(data.get("organization") or ""),
        distribution=tuple(distribution),
        print_run=print_run,
        rules=text("rules", "contributors/rules.yml"),
        units=text("units", "contributors/units.yml"),
        layout=text("layout", "layouts/bulletin"),
        brief_max_chars=brief_max,
        fonts=fonts,
    )
    return pub, diags
