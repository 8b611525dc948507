"""``jianbao serve``: the workbench (and unit portal) on a local web server."""

from __future__ import annotations

from pathlib import Path

import click

from composer.cliutil import progress, workspace


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on. Anything but loopback needs editor accounts (jianbao user add).")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
    @click.option("--tls-cert", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="Serve HTTPS with this certificate (PEM).")
    @click.option("--tls-key", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="The certificate's private key (PEM).")
    @click.pass_context
    def serve(ctx: click.Context, host: str, port: int, tls_cert: Path | None, tls_key: Path | None) -> None:
        """Serve the editors' workbench on http://127.0.0.1:8000/ (Ctrl-C stops it)."""
        from composer.web import server

        ws = workspace(ctx)
        if bool(tls_cert) != bool(tls_key):
            raise click.UsageError("--tls-cert and --tls-key go together")
        server.serve(ws.root, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key, say=progress)
