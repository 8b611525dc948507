"""The server's warm PDF process: ``python -m composer.web.pdf_process``.

A separate interpreter (not a fork of the threaded server, not multiprocessing's
spawn, which would re-run the server's main script) that imports WeasyPrint once
and then renders every ``(workspace, issue)`` it reads from stdin, answering on
stdout — both pickled frames of multiprocessing.connection.  The server is the
only writer of stdin: nothing else reaches the unpickler.
"""

from __future__ import annotations

import os
import sys
import traceback
from multiprocessing.connection import Connection


def main() -> None:
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # stray prints go to stderr, never into the answers
    sys.stdout = sys.stderr

    from composer.commands.build import render
    from composer.diagnostics import JianbaoError
    from composer.formats import pdf_engine  # noqa: F401  (the slow import, once)

    while True:
        try:
            job = inbox.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            ws, issue = job
            outbox.send(("ok", render(ws, issue, "pdf")))
        except JianbaoError as e:
            outbox.send(("error", (str(e), e.diagnostics)))
        except BaseException as e:  # a bug: hand its traceback to the server
            outbox.send(("bug", "".join(traceback.format_exception(e))))


if __name__ == "__main__":
    main()
