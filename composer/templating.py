"""The one way jianbao runs layout templates: jinja2's sandbox, files read through composer.safeio.

Layouts (``layouts/bulletin``, ``layouts/report``) are user files.  A template may
format the values it is given; it may not reach Python (``cycler.__init__.__globals__``
and the like raise SecurityError in the sandbox), read files outside the
workspace (each template is read through :mod:`composer.safeio`: inside the
workspace, a regular file, at most 1 MB) or crash the command: a syntax error or
a failing expression becomes a J502 diagnostic at the template's file and line.

Renderers build their environment with :class:`Environment`, which takes the
same arguments as ``jinja2.Environment``.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from jinja2.exceptions import SecurityError

from composer import safeio
from composer.diagnostics import JianbaoError, Source, error

TEMPLATE_CODE = "J502"


def _workspace_of(folder: Path) -> Path | None:
    """The workspace a layout folder belongs to (the nearest folder above with jianbao.yml)."""
    for parent in (folder, *folder.parents):
        if (parent / "jianbao.yml").is_file():
            return parent
    return None


class ConfinedLoader(jinja2.BaseLoader):
    """``FileSystemLoader`` semantics (first folder that has the name wins), every read confined."""

    def __init__(self, searchpath):
        self.searchpath = [Path(p) for p in ([searchpath] if isinstance(searchpath, (str, os.PathLike)) else searchpath)]
        self.shown: dict[str, str] = {}  # absolute file name -> name shown in messages

    def get_source(self, environment, template):
        pieces = split_template_path(template)  # refuses "..": TemplateNotFound
        for folder in self.searchpath:
            path = folder.joinpath(*pieces)
            if not os.path.lexists(path):
                continue
            root = _workspace_of(folder.resolve()) or folder.resolve()
            text = safeio.read_text(root, path, kind="template")
            self.shown[str(path)] = safeio.display(root, path)
            mtime = os.stat(path).st_mtime
            return text, str(path), lambda: os.path.exists(path) and os.stat(path).st_mtime == mtime
        raise jinja2.TemplateNotFound(template)

    def list_templates(self):
        found = set()
        for folder in self.searchpath:
            if folder.is_dir():
                for p in folder.rglob("*"):
                    if p.is_file() or p.is_symlink():
                        found.add(p.relative_to(folder).as_posix())
        return sorted(found)


def _where(loader, e: BaseException, default: str | None) -> tuple[str, int]:
    """The template file and line an exception came from (jinja2 rewrites tracebacks to template lines)."""
    shown = getattr(loader, "shown", {})
    if isinstance(e, jinja2.TemplateSyntaxError) and e.filename:
        return shown.get(e.filename, e.filename), e.lineno or 0
    tb = e.__traceback__
    where = (shown.get(default, default) if default else "<template>", 0)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name in shown:
            where = (shown[name], tb.tb_lineno)
        tb = tb.tb_next
    return where


def template_error(loader, e: BaseException, default: str | None = None) -> JianbaoError:
    if isinstance(e, safeio.FileProblem):
        return e
    path, line = _where(loader, e, default)
    if isinstance(e, jinja2.TemplateNotFound):
        what, hint = f"template {e.name!r} not found", "the layout folder must hold it, or leave it out to use jianbao's"
    elif isinstance(e, jinja2.TemplateSyntaxError):
        what, hint = f"template does not compile: {e.message}", ("a literal {{ or {% in a stylesheet must be written "
                                                               "{{ '{{' }}; check the line and the one before")
    elif isinstance(e, SecurityError):
        what, hint = f"the template tried something not allowed in a layout: {e}", \
            "templates only format the values they are given (no Python internals, no files, no commands)"
    elif isinstance(e, jinja2.UndefinedError):
        what, hint = f"the template uses an unknown value: {e.message}", "check the spelling against the default layout"
    else:
        what, hint = f"the template failed: {type(e).__name__}: {e}", "compare it with jianbao's default layout"
    return JianbaoError(f"{path}{f':{line}' if line else ''}: {what}",
                        (error(Source(path, line), TEMPLATE_CODE, what, hint),))


def _bytecode_cache():
    """Compiled templates kept in jianbao's cache folder (keyed by the source's checksum): compiling
    the layout costs about 0.1 s per command otherwise."""
    from composer import fonts

    folder = fonts.cache_dir()
    if folder is None:
        return None
    try:
        (folder / "templates").mkdir(exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder / "templates"))


class _Template(jinja2.Template):
    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except JianbaoError:
            raise
        except Exception as e:  # noqa: BLE001 - anything a user template does wrong is reported, not raised
            raise template_error(self.environment.loader, e, self.filename) from None


class Environment(SandboxedEnvironment):
    """A sandboxed jinja2 environment; a ``FileSystemLoader`` is replaced by a :class:`ConfinedLoader`."""

    template_class = _Template

    def __init__(self, *args, loader=None, **kwargs):
        if isinstance(loader, jinja2.FileSystemLoader):
            loader = ConfinedLoader(loader.searchpath)
        kwargs.setdefault("bytecode_cache", _bytecode_cache())
        super().__init__(*args, loader=loader, **kwargs)

    def get_template(self, name, parent=None, globals=None):
        if parent is not None:  # an include or extends while rendering: the render reports it at its line
            return super().get_template(name, parent, globals)
        try:
            return super().get_template(name, parent, globals)
        except JianbaoError:
            raise
        except Exception as e:  # noqa: BLE001
            raise template_error(self.loader, e) from None
