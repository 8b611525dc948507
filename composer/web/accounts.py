"""Accounts of the workspace (``contributors/accounts.yml``): editors and unit accounts.

Passwords are kept only as argon2id hashes (argon2-cffi).  The file is read
afresh on every request, so ``jianbao user disable`` (or a changed password)
ends that account's sessions at once: a session carries a *stamp* derived from
the account's hash and disabled flag, and stops matching when either changes.
A unit account names one registry unit; it is resolved through the registry on
every request, so a renamed unit keeps its account.

```yaml
accounts:
  - name: wang
    role: editor
    hash: $argon2id$v=19$m=19456,t=2,p=1$…
    created: 2026-11-30T09:00:00+08:00
  - name: yanggu
    role: unit
    unit: 阳谷县自然资源和规划局
    hash: $argon2id$…
    disabled: true
```
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from composer import yamlsrc
from composer.diagnostics import JianbaoError, Source, error
from composer.web.access import EDITOR, UNIT, Principal

ACCOUNTS_FILE = "contributors/accounts.yml"
ROLES = (EDITOR, UNIT)
NAME_RE = re.compile(r"[A-Za-z0-9_.\-\u4e00-\u9fff]{1,40}\Z")  # \Z: `$` let "张三\n" through
NEW_NAME_RE = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,39}\Z")  # not ".", "..", "-x"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024

# OWASP's argon2id minimum (19 MiB, 2 passes): ~30 ms here, and 50 log-ins at once stay within memory
_HASH_PARAMS = dict(time_cost=2, memory_cost=19456, parallelism=1)
_VERIFYING = threading.BoundedSemaphore(2)  # at most two hashes at a time (2 cores; bounds memory)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(**_HASH_PARAMS)


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: str
    hash: str
    unit: str = ""  # unit accounts: the registry name as written
    disabled: bool = False
    created: str = ""

    @property
    def stamp(self) -> str:
        """What a session must carry to stay valid: changes with the password (and when disabled)."""
        return hashlib.sha256(f"{self.hash}\0{self.disabled}".encode()).hexdigest()[:24]


def accounts_path(root: Path) -> Path:
    return Path(root) / ACCOUNTS_FILE


def load(root: Path) -> list[Account]:
    """Every account of the file (none when there is no file); JianbaoError naming file and line if broken."""
    path = accounts_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    data, diags = yamlsrc.parse_fast(text, ACCOUNTS_FILE)  # read on every request: the C parser
    if diags:
        raise JianbaoError(f"{ACCOUNTS_FILE} cannot be read", tuple(diags))
    if data is None:
        return []
    entries = data.get("accounts") if yamlsrc.is_map(data) else None
    if entries is None and yamlsrc.is_map(data) and not data:
        return []
    if not yamlsrc.is_seq(entries):
        raise JianbaoError(f"{ACCOUNTS_FILE}: expected `accounts:` with a list of accounts",
                           (error(Source(ACCOUNTS_FILE, 1), "J101", "expected `accounts:` with a list"),))
    out: list[Account] = []
    seen: set[str] = set()
    for i, e in enumerate(entries):
        line = yamlsrc.line_of(entries, i) if hasattr(entries, "lc") else 1
        if not yamlsrc.is_map(e):
            raise JianbaoError(f"{ACCOUNTS_FILE}:{line}: each account is a mapping",
                               (error(Source(ACCOUNTS_FILE, line), "J101", "each account is a mapping"),))
        name, role, hash_ = str(e.get("name") or ""), str(e.get("role") or ""), str(e.get("hash") or "")
        problem = None
        if not NAME_RE.match(name):
            problem = f"account name {name!r} is missing or not allowed"
        elif name.casefold() in seen:
            problem = f"account {name!r} appears twice"
        elif role not in ROLES:
            problem = f"account {name!r}: role must be editor or unit, found {role!r}"
        elif role == UNIT and not e.get("unit"):
            problem = f"account {name!r}: a unit account needs `unit:`"
        elif not hash_.startswith("$argon2"):
            problem = f"account {name!r}: `hash:` must be an argon2 hash (set it with jianbao user passwd)"
        if problem:
            raise JianbaoError(f"{ACCOUNTS_FILE}:{line}: {problem}",
                               (error(Source(ACCOUNTS_FILE, line), "J101", problem),))
        seen.add(name.casefold())
        out.append(Account(name=name, role=role, hash=hash_, unit=str(e.get("unit") or ""),
                           disabled=e.get("disabled") is True, created=str(e.get("created") or "")))
    return out


def find(root: Path, name: str) -> Account | None:
    want = name.casefold()
    return next((a for a in load(root) if a.name.casefold() == want), None)


def editor_exists(root: Path) -> bool:
    """True when the workspace has at least one enabled editor account (a broken file: False, fail closed)."""
    try:
        return any(a.role == EDITOR and not a.disabled for a in load(root))
    except JianbaoError:
        return False


# ---------------------------------------------------------------- passwords

def hash_password(password: str) -> str:
    check_password(password)
    return _hasher().hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise JianbaoError(f"the password is too short (at least {MIN_PASSWORD} characters)")
    if password.strip() != password:
        raise JianbaoError("the password must not start or end with spaces")
    if len(password) > MAX_PASSWORD:
        raise JianbaoError(f"the password is too long (at most {MAX_PASSWORD} characters)")
    from composer.safeio import char_name, find_control

    if found := find_control(password):
        raise JianbaoError(f"the password contains the {char_name(found[2])}: it could not be typed at the log-in")


_DUMMY: list[str] = []


def verify(root: Path, name: str, password: str) -> Account | None:
    """The enabled account ``name`` if ``password`` is its password (as slow for unknown names)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    acc = find(root, name) if name else None
    with _VERIFYING:
        if acc is None:
            if not _DUMMY:
                _DUMMY.append(_hasher().hash("not-a-password"))
            target = _DUMMY[0]
        else:
            target = acc.hash
        try:
            ok = _hasher().verify(target, password)
        except (VerificationError, InvalidHashError):
            ok = False
    if acc is None or not ok or acc.disabled:
        return None
    return acc


# ---------------------------------------------------------------- principal for a session

def principal_for(root: Path, name: str, stamp: str | None, units) -> Principal | None:
    """The principal of a session for ``name`` with ``stamp``; None when disabled, changed or unresolvable."""
    try:
        acc = find(root, name)
    except JianbaoError:
        return None
    if acc is None or acc.disabled or not stamp or stamp != acc.stamp:
        return None
    if acc.role == UNIT:
        unit = units.get(acc.unit) if units is not None else None
        if unit is None:
            return None
        return Principal(name=acc.name, role=UNIT, unit=unit.name)
    return Principal(name=acc.name, role=EDITOR)


def lookup(request, name: str) -> Principal | None:
    """``app.state.account_lookup``: re-reads accounts.yml for this request."""
    session = request.session
    revoked = getattr(request.app.state, "revoked_sessions", None)
    if revoked is not None and session.get("sid") in revoked:
        return None
    root = request.app.state.root
    try:
        units = _units(root)
    except JianbaoError:  # jianbao.yml cannot be read: no unit can be resolved
        units = None
    return principal_for(root, name, session.get("stamp"), units)


_UNITS: dict = {}  # (root, stat of jianbao.yml and the registry file) -> Units
_UNITS_LOCK = threading.Lock()


def _units(root: Path):
    """The unit registry as on disk now; parsed again whenever jianbao.yml or the registry file changes."""
    from composer import config
    from composer.registry import Units, load_registry

    def stamp(p: Path):
        try:
            st = p.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    key0 = stamp(Path(root) / config.PUBLICATION_FILE)
    with _UNITS_LOCK:
        hit = _UNITS.get(root)
        if hit and hit[0] == key0 and hit[1] == stamp(Path(root) / hit[2]):
            return hit[3]
    pub, _ = config.load_publication(Path(root))
    registry, _ = load_registry(Path(root), pub.units)
    units = Units(registry)
    with _UNITS_LOCK:
        _UNITS[root] = (key0, stamp(Path(root) / pub.units), pub.units, units)
    return units


# ---------------------------------------------------------------- writing (jianbao user …)

def _write(root: Path, accounts: list[Account]) -> Path:
    from composer.output import write_atomic

    m = yamlsrc.new_map()
    rows = []
    for a in accounts:
        pairs = [("name", a.name), ("role", a.role)]
        if a.unit:
            pairs.append(("unit", a.unit))
        pairs.append(("hash", a.hash))
        if a.created:
            pairs.append(("created", a.created))
        if a.disabled:
            pairs.append(("disabled", True))
        rows.append(yamlsrc.new_map(pairs))
    m["accounts"] = rows
    text = ("# jianbao accounts (jianbao user add|passwd|list|disable); passwords only as argon2id hashes\n"
            + yamlsrc.dump(m))
    path = accounts_path(root)
    write_atomic(path, text)
    return path


def _locked(root: Path):
    from filelock import FileLock

    path = Path(root) / "build" / ".accounts.lock"  # build/ is never committed
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path), timeout=10)


def add(ws, name: str, role: str, password: str, unit: str | None = None) -> Account:
    from composer.ledger import now_iso

    if not NEW_NAME_RE.match(name or ""):
        raise JianbaoError(f"account name {name!r}: use letters, digits, _ . - or Chinese characters (up to 40), "
                           "starting with a letter, a digit or a Chinese character")
    if role not in ROLES:
        raise JianbaoError(f"--role must be editor or unit, found {role!r}")
    unit_name = ""
    if role == UNIT:
        if not unit:
            raise JianbaoError("a unit account needs --unit (any registry name of the unit)")
        u = ws.units.get(unit)
        if u is None:
            raise JianbaoError(f"--unit {unit!r} is not in the unit registry; {ws.units.hint(unit)}")
        unit_name = u.name
    elif unit:
        raise JianbaoError("--unit is only for --role unit")
    hashed = hash_password(password)
    with _locked(ws.root):
        accounts = load(ws.root)
        if any(a.name.casefold() == name.casefold() for a in accounts):
            raise JianbaoError(f"account {name!r} exists already (jianbao user passwd {name} changes its password)")
        acc = Account(name=name, role=role, hash=hashed, unit=unit_name, created=now_iso())
        _write(ws.root, [*accounts, acc])
    return acc


def _change(root: Path, name: str, **changes) -> Account:
    from dataclasses import replace

    with _locked(root):
        accounts = load(root)
        for i, a in enumerate(accounts):
            if a.name.casefold() == name.casefold():
                accounts[i] = replace(a, **changes)
                _write(root, accounts)
                return accounts[i]
    raise JianbaoError(f"no account {name!r} (see jianbao user list)")


def set_password(root: Path, name: str, password: str) -> Account:
    return _change(root, name, hash=hash_password(password))


def disable(root: Path, name: str) -> Account:
    return _change(root, name, disabled=True)
