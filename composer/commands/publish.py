"""``jianbao publish ISSUE``: check, build, then credit every unit in the ledger.

All or nothing: the issue is checked and rendered (in memory) first; the
adoption records then go to the ledger in one transaction
(composer.ledger.transact), and only then are the outputs written to build/, so
a refused ledger change leaves the old outputs too.  Publishing
an unchanged issue again writes nothing; a changed one needs ``--revise``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from composer import ledger
from composer.commands.check import load_checked
from composer.output import write_all
from composer.diagnostics import Diagnostic, JianbaoError, has_errors
from composer.model import Image, Issue, Item
from composer.reader import ISSUE_FILE, item_files

FORMATS = ("pdf", "docx", "html")


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """One line of the dry-run: a unit credited with an item."""

    unit: str
    kind: str
    title: str
    points: Decimal | None  # None: the unit is not scored (the editing office)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishResult:
    issue_id: str
    status: str  # published | revised | unchanged | dry-run | invalid
    message: str = ""
    ledger_file: Path | None = None
    outputs: tuple[Path, ...] = ()
    credits: tuple[Credit, ...] = ()
    revision: bool = False  # the issue was published before
    removed: tuple[dict, ...] = ()
    added: tuple[dict, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def fingerprint(issue: Issue) -> str:
    """sha256 over the bytes of issue.yml, every item file and every local image, by relative path.

    File times and names of the folder do not count; any change of content does.
    """
    folder = Path(issue.path)
    files = [folder / ISSUE_FILE, *item_files(folder)]
    files += sorted({b.path for it in issue.items for b in it.blocks if isinstance(b, Image) and b.path})
    h = hashlib.sha256()
    for p in files:
        try:
            data = Path(p).read_bytes()
        except OSError:
            continue
        name = Path(p).resolve().relative_to(folder.resolve()).as_posix() if Path(p).resolve().is_relative_to(folder.resolve()) else Path(p).name
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return "sha256:" + h.hexdigest()


def records(issue: Issue) -> list[dict]:
    """One record per item, in print order: kind, title, credited units (full names), authors."""
    return [_record(it) for it in issue.items]


def _record(it: Item) -> dict:
    rec = {"kind": it.kind, "title": it.title, "units": list(dict.fromkeys(it.units))}
    if it.authors:
        rec["authors"] = list(it.authors)
    return rec


def _key(rec: dict) -> tuple:
    return (rec["kind"], rec["title"], tuple(rec["units"]))


def _brief(rec: dict) -> dict:
    return {"title": rec["title"], "kind": rec["kind"], "units": list(rec["units"])}


def diff_records(old: list[dict], new: list[dict]) -> tuple[list[dict], list[dict]]:
    """(removed, added): records whose kind, title or units differ."""
    old_keys = {_key(r) for r in old}
    new_keys = {_key(r) for r in new}
    return ([_brief(r) for r in old if _key(r) not in new_keys], [_brief(r) for r in new if _key(r) not in old_keys])


def _render(ws, issue: Issue) -> dict[Path, bytes]:
    """The issue's outputs and its crediting notice (采用情况, for units not on the portal), in memory."""
    from composer.commands import notice
    from composer.commands.build import render_outputs

    files = render_outputs(ws, issue, None, FORMATS)
    credits, _ = dry_run_credits(ws, issue)
    files.update(notice.files(ws, issue, credits))
    return files


def dry_run_credits(ws, issue: Issue) -> tuple[list[Credit], list[Diagnostic]]:
    """Which unit gets which item and how many points, by the rules file."""
    from composer.rules import load_rules

    rules, diags = load_rules(ws)
    if rules is None:
        return [], diags
    outlet = ledger.own_outlet_of(rules)
    out = []
    for it in issue.items:
        try:
            points = rules.item_points(outlet, it.kind)
        except KeyError as e:
            raise JianbaoError(f"the rules file ({ws.publication.rules}) gives no points for {it.kind} "
                               f"in {outlet}: {e}") from None
        for name in dict.fromkeys(it.units):
            unit = ws.units.get(name)
            scored = unit is None or unit.scored
            out.append(Credit(unit=name, kind=it.kind, title=it.title, points=points if scored else None))
    return out, diags


def _raw_records(data) -> list[dict]:
    out = []
    for r in (data or {}).get("records") or []:
        units = r.get("units") or []
        out.append({"kind": str(r.get("kind", "")), "title": str(r.get("title", "")),
                    "units": [str(u) for u in ([units] if isinstance(units, str) else units)],
                    **({"authors": [str(a) for a in r["authors"]]} if r.get("authors") else {})})
    return out


def publish(ws, issue_arg, *, dry_run: bool = False, revise: bool = False, reason: str = "",
            force: bool = False, outputs: bool = True) -> PublishResult:
    """Publish one issue; see the module docstring.  ``force``/``reason`` also unlock a closed period."""
    if revise and not reason.strip() and not dry_run:
        raise JianbaoError("--revise needs --reason \"…\": the trail of ledger/published/<issue>.yml records why "
                           "the credits changed")
    issue, diags = load_checked(ws, issue_arg)
    if issue is None or has_errors(diags):
        return PublishResult(issue_id=str(issue_arg), status="invalid", diagnostics=tuple(diags),
                             message="the issue has errors; nothing was published")
    fp = fingerprint(issue)
    new_records = records(issue)
    rel = ledger.published_rel(issue.id)
    from composer.rules import load_rules

    rules, rdiags = load_rules(ws)
    rerrors = tuple(d for d in rdiags if d.is_error)
    if rules is None or rerrors:  # the credits and the own bulletin's name come from it
        raise JianbaoError(f"the rules file ({ws.publication.rules}) has errors; fix them before publishing "
                           f"{issue.id}; nothing was written", rerrors)
    own = ledger.own_outlet_of(rules)
    prev, prev_data, pdiags = ledger.read_published(ws, issue.id, own)
    if prev_data is not None and pdiags and any(d.is_error for d in pdiags):
        raise JianbaoError(f"{rel} is invalid; fix or remove it first", tuple(pdiags))
    old_records = _raw_records(prev_data) if prev_data is not None else []
    removed, added = diff_records(old_records, new_records)

    if prev is not None and prev.fingerprint == fp:
        missing = _missing_outputs(ws, issue) if outputs and not dry_run else []
        if missing:  # a publish interrupted after the ledger write: build what is missing
            files = _render(ws, issue)
            write_all(files)
            return PublishResult(issue_id=issue.id, status="unchanged", ledger_file=ws.root / rel,
                                 outputs=tuple(files), diagnostics=tuple(diags),
                                 message=f"第{issue.number}期 ({issue.id}) is already published ({rel}, "
                                         f"{prev.published_at}); its outputs were missing "
                                         f"({', '.join(p.name for p in missing)}) and are built now")
        return PublishResult(issue_id=issue.id, status="unchanged", ledger_file=ws.root / rel, diagnostics=tuple(diags),
                             message=f"第{issue.number}期 ({issue.id}) is already published with this content "
                                     f"({rel}, {prev.published_at}); nothing written")
    if prev is not None and not revise and not dry_run:
        what = f"{len(removed)} record(s) removed, {len(added)} added" if removed or added else "credits unchanged"
        raise JianbaoError(
            f"第{issue.number}期 ({issue.id}) changed since it was published on {prev.published_at} "
            f"({rel}, {prev.fingerprint[:19]}…; {what}); publish it again with --revise --reason \"…\"")

    if dry_run:
        credits, rdiags = dry_run_credits(ws, issue)
        state = "revision of" if prev is not None else "first publication of"
        return PublishResult(issue_id=issue.id, status="dry-run", credits=tuple(credits), removed=tuple(removed),
                             revision=prev is not None,
                             added=tuple(added), diagnostics=tuple(diags + rdiags), ledger_file=ws.root / rel,
                             message=f"dry run: {state} 第{issue.number}期 ({issue.id}); nothing written")

    files: dict[Path, bytes] = {}
    if outputs:  # rendered before the ledger is touched, written only after it is
        files = _render(ws, issue)  # the outputs and the crediting notice

    now = ledger.now_iso()
    data = {"issue": issue.id, "number": issue.number, "date": issue.date, "fingerprint": fp,
            "published_at": now, "records": new_records, "trail": list((prev_data or {}).get("trail") or [])}
    why = ""
    if prev is not None:
        why = reason.strip()
        from composer import yamlsrc

        data["trail"].append(yamlsrc.new_map([
            ("at", now), ("reason", why), ("fingerprint", fp), ("previous", prev.fingerprint),
            ("removed", [_trail_rec(r) for r in removed]), ("added", [_trail_rec(r) for r in added]),
        ]))
    cmd = f"jianbao publish {issue.id}" + (" --revise" if prev is not None else "")
    ledger.write_published(ws, issue.id, data, command=cmd, force=force, reason=reason.strip(),
                           sources=[it.source for it in issue.items])
    write_all(files)
    written = list(files)
    status = "revised" if prev is not None else "published"
    n_units = len({u for r in new_records for u in r["units"]})
    return PublishResult(
        issue_id=issue.id, status=status, ledger_file=ws.root / rel, outputs=tuple(written), revision=prev is not None,
        removed=tuple(removed), added=tuple(added), diagnostics=tuple(diags),
        message=(f"{status} 第{issue.number}期 ({issue.id}): {len(new_records)} record(s) crediting {n_units} unit(s) "
                 f"→ {rel}" + (f"; {len(removed)} removed, {len(added)} added ({why})" if prev is not None else "")),
    )


def _missing_outputs(ws, issue) -> list[Path]:
    """The default outputs of a published issue that are not in build/<id>/."""
    from composer.commands.build import SUFFIX

    folder = ws.root / "build" / issue.id
    return [folder / f"{issue.id}{SUFFIX[fmt]}" for fmt in FORMATS if not (folder / f"{issue.id}{SUFFIX[fmt]}").is_file()]


def _trail_rec(r: dict):
    from composer import yamlsrc

    return yamlsrc.new_map([("title", r["title"]), ("kind", r["kind"]), ("units", yamlsrc.flow(list(r["units"])))])
