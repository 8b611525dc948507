"""The workbench and unit portal served by ``jianbao serve``.

The workspace files stay the single source of truth: every request opens the
workspace afresh and every write goes through the same functions as the CLI
(composer.commands.*), then, in a git workspace, becomes one commit
(composer.web.audit).  Who may do what is decided in one place
(composer.web.access); every state-changing request is a POST with a CSRF
token (composer.web.csrf).

    app.py        the Starlette application: routes from pages/*, session, errors
    access.py     principals, roles and the permission table
    csrf.py       per-session token, checked on every POST
    audit.py      one git commit per write, authored by the account
    views.py      jinja2 environment (autoescaped), page helpers
    pages/*.py    one module per area: issues, inbox, ledger, scores, portal …
"""
