"""The unit registry: load ``contributors/units.yml`` and resolve credit names.

A credit names a unit by its full name, short name or an alias.  An unknown name
is never turned into a new unit: the caller reports it with the closest names.
"""

from __future__ import annotations

import re
from pathlib import Path

from composer.diagnostics import Diagnostic, Source, error
from composer.model import Group, Registry, Unit
from composer import yamlsrc
from composer.schema import Fields, describe

_SPACES = re.compile(r"\s+")


def normalize(name: str) -> str:
    """Fold spacing and bracket width so ``东昌府区 分局`` finds ``东昌府区分局``."""
    name = _SPACES.sub("", name)
    return name.replace("(", "（").replace(")", "）")


class Units:
    """Name lookup over a registry (built once per run)."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._by_name: dict[str, Unit] = {}
        for u in registry.units:
            for n in u.names:
                self._by_name.setdefault(normalize(n), u)

    def __iter__(self):
        return iter(self.registry.units)

    def get(self, name: str) -> Unit | None:
        return self._by_name.get(normalize(name))

    def resolve(self, name: str) -> str | None:
        """The full name of the unit called ``name``, or None (the credit parsers' resolver)."""
        u = self.get(name)
        return u.name if u else None

    def __getitem__(self, name: str) -> Unit:
        u = self.get(name)
        if u is None:
            raise KeyError(name)
        return u

    def closest(self, name: str, limit: int = 3) -> list[str]:
        """Full names of the units whose names look most like ``name``."""
        from rapidfuzz import fuzz, process

        want = normalize(name)
        hits = process.extract(want, list(self._by_name), scorer=fuzz.ratio, limit=limit * 4, score_cutoff=40)
        # containment (开发科 ⊂ 开发利用科 by characters) counts as well as edit distance
        scored = []
        for cand, score, _ in hits:
            unit = self._by_name[cand]
            bonus = 15 if all(ch in cand for ch in want) else 0
            scored.append((score + bonus, unit.name))
        out: list[str] = []
        for _, n in sorted(scored, key=lambda t: -t[0]):
            if n not in out:
                out.append(n)
        return out[:limit]

    def hint(self, name: str) -> str:
        near = self.closest(name)
        if not near:
            return "add it to contributors/units.yml (name, short or aliases)"
        return "did you mean " + "、".join(near) + "? (or add it to contributors/units.yml)"

    def groups(self) -> tuple[Group, ...]:
        return self.registry.groups


def load_registry(root: Path, rel_path: str) -> tuple[Registry, list[Diagnostic]]:
    path = root / rel_path
    data, diags = yamlsrc.load(root, path, code="J104",
                               expect="the unit registry: a list `groups:` of {name, units: [...]}")
    if data is None:
        return Registry(), diags
    src = lambda line: Source(rel_path, line)  # noqa: E731
    if not yamlsrc.is_map(data) or not yamlsrc.is_seq(data.get("groups")):
        found = describe(data.get("groups")) if yamlsrc.is_map(data) else describe(data)
        return Registry(), diags + [error(src(1), "J104", f"units.yml needs a list `groups:` of {{name, units: [...]}}, found {found}")]
    groups: list[Group] = []
    units: list[Unit] = []
    seen: dict[str, Source] = {}
    for gi, g in enumerate(data["groups"]):
        gline = yamlsrc.line_of(data["groups"], gi)
        if not yamlsrc.is_map(g) or not isinstance(g.get("name"), str) or not yamlsrc.is_seq(g.get("units")):
            diags.append(error(src(gline), "J104", "a group needs `name:` (text) and a list `units:`"))
            continue
        gf = Fields(g, rel_path, "J104", diags=diags)
        table_name = gf.text("table_name", "name")
        if table_name not in ("name", "short"):
            gf.error("table_name", "table_name must be `name` or `short`")
            table_name = "name"
        groups.append(Group(source=src(gline), name=g["name"], table_name=table_name))
        for ui, u in enumerate(g["units"]):
            uline = yamlsrc.line_of(g["units"], ui)
            if isinstance(u, str):
                u = yamlsrc.new_map([("name", u)])
            if not yamlsrc.is_map(u) or not isinstance(u.get("name"), str) or not u["name"].strip():
                diags.append(error(src(uline), "J104", "a unit needs `name:` (and usually `short:`)"))
                continue
            uf = Fields(u, rel_path, "J104", diags=diags)
            name = u["name"].strip()
            unit = Unit(
                source=src(uline),
                name=name,
                short=uf.text("short") or name,
                group=g["name"],
                aliases=uf.names("aliases", what="a list of other names"),
                quota=uf.text("quota") or None,
                scored=uf.boolean("scored", True),
            )
            for n in dict.fromkeys(normalize(x) for x in unit.names):
                if n in seen:
                    diags.append(error(src(uline), "J104", f"name {n} is used twice (also at {seen[n]})"))
                else:
                    seen[n] = src(uline)
            units.append(unit)
    if not units and not diags:
        diags.append(error(src(1), "J104", "the registry has no units: no credit can be resolved",
                           "list the units under groups:, e.g. - {name: 办公室, short: 办公室}"))
    return Registry(source=src(1), groups=tuple(groups), units=tuple(units)), diags
