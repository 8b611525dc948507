"""Accounts of the workspace (contributors/accounts.yml).

The unit portal (accounts, roles, log-in) builds on this; until an editor
account exists the server is the loopback desktop tool only.
"""

from __future__ import annotations

from pathlib import Path

ACCOUNTS_FILE = "contributors/accounts.yml"


def editor_exists(root: Path) -> bool:
    """True when the workspace has at least one enabled editor account."""
    return False  # accounts arrive with the unit portal (issue 8)
