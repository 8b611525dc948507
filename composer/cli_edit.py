"""``jianbao edit``: change an item's front matter from the command line (the workbench's writer)."""

from __future__ import annotations

import click

from composer.cliutil import progress, workspace


def register(main: click.Group) -> None:
    @main.command()
    @click.argument("issue")
    @click.argument("item")
    @click.option("--title")
    @click.option("--subtitle")
    @click.option("--kind", type=click.Choice(["信息", "简讯"]), help="信息 ⇄ 简讯 (a ▲ brief becomes its own file).")
    @click.option("--section", help="Move the item to this section (a ▲ brief moves to that section's briefs file).")
    @click.option("--order", help="Position inside the section (order: in the front matter).")
    @click.option("--credits", help='Credits, separated by ；: "利用科/贺孟萌；东阿局" (a ▲ brief: its credit line).')
    @click.pass_context
    def edit(ctx: click.Context, issue: str, item: str, title, subtitle, kind, section, order, credits) -> None:
        """Edit ITEM of ISSUE in place: ITEM is a file name, or FILE#N for the N-th ▲ brief (from 0).

        Comments and formatting of the front matter are kept; the result is checked by
        loading it before it replaces the file (nothing is written when it would not load).
        """
        from composer.commands import edit as edit_cmd

        ws = workspace(ctx)
        folder = ws.issue_dir(issue)
        key = edit_cmd.ItemKey.parse(item)
        edit_cmd.find(edit_cmd.load(ws, folder), key)
        results = []
        fields = {k: v for k, v in (("title", title), ("subtitle", subtitle), ("order", order)) if v is not None}
        if key.brief is not None:
            if fields:
                raise click.UsageError("a ▲ brief of a briefs file has no title/subtitle/order of its own")
            if credits is not None:
                text = edit_cmd.source_of(edit_cmd.load(ws, folder), key)["text"]
                results.append(edit_cmd.update_brief(ws, folder, key, text, credits.replace("；", " ")))
        elif fields or credits is not None:
            results.append(edit_cmd.update_item(ws, folder, key, fields=fields,
                                                credits=None if credits is None else credits))
        if section is not None:
            results.append(edit_cmd.move(ws, folder, key, section))
        if kind is not None:
            results.append(edit_cmd.set_kind(ws, folder, key, kind))
        changed = [r for r in results if r.paths]
        for r in changed:
            click.echo(r.summary)
        if not changed:
            progress("nothing changed")
            return
        _still_to_fix(ws, folder, {ws.rel(p) for r in changed for p in r.paths})


def _still_to_fix(ws, folder, rels: set[str]) -> None:
    """An edit may leave an item that `check` refuses (no title, no credit, an unknown unit): it is
    written — a draft — but said at once, not found out at publishing."""
    from composer.commands.check import load_checked
    from composer.cliutil import format_text

    _, diags = load_checked(ws, folder)
    left = [d for d in diags if d.is_error and d.source.path in rels]
    if left:
        progress(f"written, but not ready to publish (jianbao check {ws.rel(folder)}):")
        progress(format_text(left, ws.root))
