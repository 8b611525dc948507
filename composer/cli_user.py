"""``jianbao user add|passwd|list|disable``: the accounts of the workbench and unit portal.

A password is read from a hidden prompt (asked twice) or, with ``--password-stdin``,
from the first line of standard input — never from the command line, where it would
show in the process list and the shell history.
"""

from __future__ import annotations

import sys

import click

from composer.cliutil import progress, workspace


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("密码 (password)", hide_input=True, confirmation_prompt="再输一次 (repeat)")


def register(main: click.Group) -> None:
    @main.group("user")
    def user() -> None:
        """Accounts for `jianbao serve` (contributors/accounts.yml): editors and unit accounts."""

    @user.command("add")
    @click.argument("name")
    @click.option("--role", type=click.Choice(["editor", "unit"]), required=True)
    @click.option("--unit", help="The unit of a unit account (any registry name, e.g. 阳谷局).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    @click.pass_context
    def add(ctx, name, role, unit, password_stdin) -> None:
        """Create account NAME (the password is asked, or read from stdin)."""
        from composer.web import accounts

        ws = workspace(ctx)
        acc = accounts.add(ws, name, role, _password(password_stdin), unit)
        progress(f"account {acc.name} ({acc.role}{'，' + acc.unit if acc.unit else ''}) added to {accounts.ACCOUNTS_FILE}")

    @user.command("passwd")
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
    @click.pass_context
    def passwd(ctx, name, password_stdin) -> None:
        """Set a new password for NAME (its open sessions end)."""
        from composer.web import accounts

        ws = workspace(ctx)
        if accounts.find(ws.root, name) is None:  # before asking for a password
            raise click.ClickException(f"no account {name!r} (see jianbao user list)")
        acc = accounts.set_password(ws.root, name, _password(password_stdin))
        progress(f"password of {acc.name} changed; its open sessions have ended")

    @user.command("list")
    @click.pass_context
    def list_(ctx) -> None:
        """NAME, role, unit and state of every account."""
        from composer.web import accounts

        ws = workspace(ctx)
        rows = accounts.load(ws.root)
        if not rows:
            progress(f"no accounts yet ({accounts.ACCOUNTS_FILE}); jianbao user add NAME --role editor")
        for a in rows:
            click.echo(f"{a.name}\t{a.role}\t{a.unit or '-'}\t{'disabled' if a.disabled else 'enabled'}")

    @user.command("disable")
    @click.argument("name")
    @click.pass_context
    def disable(ctx, name) -> None:
        """Disable account NAME: it can no longer log in and its open sessions end at once."""
        from composer.web import accounts

        ws = workspace(ctx)
        acc = accounts.disable(ws.root, name)
        progress(f"account {acc.name} disabled")
