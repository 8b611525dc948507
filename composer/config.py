"""The publication file ``jianbao.yml``: the only place that knows its keys."""

from __future__ import annotations

import os
from pathlib import Path

from composer import yamlsrc
from composer.diagnostics import Diagnostic, JianbaoError, Source, error
from composer.model import Publication
from composer.schema import Fields, describe, is_text_value

PUBLICATION_FILE = "jianbao.yml"
DISTRIBUTION_ORDER = ("报", "送", "发")


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding jianbao.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if os.path.lexists(folder / PUBLICATION_FILE):  # a FIFO or a folder named so is reported when read
            return folder
    raise JianbaoError(
        f"no {PUBLICATION_FILE} in {start} or above: not a jianbao workspace (create one with `jianbao init DIR`)",
        code="J101", path=str(start))


def load_publication(root: Path) -> tuple[Publication, list[Diagnostic]]:
    data, diags = yamlsrc.load(root, root / PUBLICATION_FILE, code="J103",
                               expect="the publication: name:, office:, distribution: …")
    if data is None:
        raise JianbaoError(f"cannot read {PUBLICATION_FILE}", tuple(diags))
    if not yamlsrc.is_map(data):
        raise JianbaoError(f"{PUBLICATION_FILE} must be a mapping", (error(Source(PUBLICATION_FILE, 1), "J103", "expected keys name:, office: …"),))
    f = Fields(data, PUBLICATION_FILE, "J103", diags=diags)

    distribution: list[tuple[str, tuple[str, ...]]] = []
    dist = f.mapping("distribution", "a mapping of 报/送/发 to lists of names")
    for k in sorted(dist, key=lambda k: DISTRIBUTION_ORDER.index(k) if k in DISTRIBUTION_ORDER else 9):
        if not is_text_value(k):
            f.error("distribution", f"distribution: the row label {describe(k)} must be text such as 报, 送 or 发")
            continue
        names = Fields(dist, PUBLICATION_FILE, "J103", diags=diags).names(k, what=f"a list of names (the {k} row)")
        distribution.append((str(k), names))
    check = f.mapping("check", "a mapping such as {brief_max_chars: 300}")
    brief_max = Fields(check, PUBLICATION_FILE, "J103", diags=diags).whole("brief_max_chars", 300, minimum=1,
                                                                             maximum=100_000)
    fonts_raw = f.mapping("fonts", "a mapping of font roles to family names")
    ff = Fields(fonts_raw, PUBLICATION_FILE, "J103", diags=diags)
    fonts = tuple((str(role), ff.names(role, what="a font family name or a list of them")) for role in fonts_raw)
    pub = Publication(
        source=Source(PUBLICATION_FILE, 1),
        root=root,
        name=f.text("name", required=True, what="the bulletin's name"),
        office=f.text("office", required=True, what="the editing office's name"),
        office_unit=f.text("office_unit") or None,
        organization=f.text("organization"),
        distribution=tuple(distribution),
        print_run=f.whole("print_run", minimum=1, maximum=1_000_000),
        rules=f.relative_path("rules", "contributors/rules.yml"),
        units=f.relative_path("units", "contributors/units.yml"),
        layout=f.relative_path("layout", "layouts/bulletin"),
        brief_max_chars=brief_max,
        fonts=fonts,
    )
    return pub, diags
