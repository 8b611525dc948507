"""The loader: find the workspace, read the publication and the registry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from composer import config, reader, safeio
from composer.diagnostics import Diagnostic, JianbaoError
from composer.model import Issue, Publication
from composer.registry import Units, load_registry


@dataclass
class Workspace:
    root: Path
    publication: Publication
    units: Units
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        from composer.yamlsrc import rel

        return rel(self.root, path)

    def issue_dir(self, arg: str | Path) -> Path:
        """An issue folder given as a path, or as an id under issues/.

        A folder found inside the workspace must stay there once symlinks are resolved;
        a path the user typed may name a folder elsewhere (``import --into``).
        """
        p = Path(arg)
        root = Path(os.path.abspath(self.root))
        for cand in (p, self.root / p, self.root / "issues" / p):
            if (cand / reader.ISSUE_FILE).exists():
                if safeio.is_inside(Path(os.path.abspath(cand)), root):  # written inside: must stay inside
                    return safeio.confined(self.root, cand)
                return cand.resolve()
        raise JianbaoError(f"{arg}: not an issue folder (no {reader.ISSUE_FILE})", code="J212", path=str(arg))

    def load_issue(self, arg: str | Path) -> tuple[Issue | None, list[Diagnostic]]:
        return reader.load_issue(self.root, self.issue_dir(arg), self.units)

    def issue_dirs(self) -> list[Path]:
        base = self.root / "issues"
        return sorted(p.parent for p in base.glob(f"*/{reader.ISSUE_FILE}")) if base.is_dir() else []


def open_workspace(start: Path | None = None) -> Workspace:
    root = config.find_root(start or Path.cwd())
    pub, diags = config.load_publication(root)
    registry, rdiags = load_registry(root, pub.units)
    return Workspace(root=root, publication=pub, units=Units(registry), diagnostics=diags + rdiags)
