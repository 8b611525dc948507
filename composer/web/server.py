"""Run the application under uvicorn, after deciding whether accounts are required."""

from __future__ import annotations

import socket
from pathlib import Path

from composer.diagnostics import JianbaoError
from composer.web.app import create_app, is_loopback


def login_required(root: Path, host: str) -> bool:
    """Loopback without accounts is the desktop tool; any other bind needs editor accounts."""
    from composer.web import accounts

    has_editor = accounts.editor_exists(root)
    if not is_loopback(host) and not has_editor:
        raise JianbaoError(
            f"refusing to listen on {host}: without accounts anyone on the network could edit this workspace. "
            "Create an editor account first (jianbao user add NAME --role editor), or serve on 127.0.0.1."
        )
    return has_editor


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, tls_cert: Path | None = None,
          tls_key: Path | None = None, say=print) -> None:
    import uvicorn

    app = create_app(root, require_login=login_required(root, host), tls=bool(tls_cert))
    from composer.web.pages.build import warm_up
    from composer.workspace import open_workspace

    warm_up(open_workspace(root))  # the PDF engine starts while the editor opens the browser
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        raise JianbaoError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.listen(2048)  # connections wait in the backlog from now on: the address printed below already answers
    port = sock.getsockname()[1]
    scheme = "https" if tls_cert else "http"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    say(f"jianbao serve: {scheme}://{shown}:{port}/  (workspace {root}; Ctrl-C stops)")
    config = uvicorn.Config(app, log_level="warning", ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                            timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
