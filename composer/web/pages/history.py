"""The audit trail of one file: the git commits that changed it, newest first, each with its diff.

``/history?path=issues/2024-05/03-xiandengji.md`` — the path is looked up among the files git
tracks in the workspace (never joined blindly); other pages link here for their files.
"""

from __future__ import annotations

import re

from composer.web import audit, views

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
HISTORY_FOLDERS = ("issues/", "ledger/", "inbox/", "layouts/")  # what the workbench shows the history of
HISTORY_FILES = ("jianbao.yml",)  # … plus the registry and rules files jianbao.yml names


def shown_files(request) -> set[str]:
    """Tracked files whose history may be shown: the bulletin's data, never e.g. the accounts file."""
    root = request.app.state.root
    ws = views.workspace(request)
    files = {*HISTORY_FILES, ws.publication.units, ws.publication.rules}
    return {p for p in audit.tracked(root) if p in files or p.startswith(HISTORY_FOLDERS)}


def history_view(request):
    root = request.app.state.root
    wanted = request.query_params.get("path", "")
    if not audit.is_repository(root):
        return views.page(request, "history.html", path=wanted, changes=[], repository=False, shown=None, diff="")
    if wanted not in shown_files(request):
        raise views.NotFound(wanted)
    path = root / wanted
    changes = audit.history(root, path)
    shown = request.query_params.get("commit", changes[0].commit if changes else "")
    if shown and (not _COMMIT.match(shown) or shown not in {c.commit for c in changes}):
        raise views.NotFound(shown)
    diff = audit.change_diff(root, shown, path) if shown else ""
    return views.page(request, "history.html", path=wanted, changes=changes, repository=True, shown=shown,
                      diff=diff)


def routes(route) -> list:
    return [route("/history", history_view, "history.view", nav="issues")]
