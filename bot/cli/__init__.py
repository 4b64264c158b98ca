"""`deskbot` command line: run, demo, config check, db upgrade, ticket …"""

from __future__ import annotations

import typer

from bot.cli import admin, customers_cmd, drafts_cmd, jobs_cmd, kb_cmd, tickets_cmd

app = typer.Typer(
    name="deskbot",
    help="Deskbot: a Slack-native support desk. Answers from your knowledge base, tickets, SLAs, digests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(ctx: typer.Context) -> None:
    """Load settings once (environment, then .env) for every command."""
    from pydantic import ValidationError

    from bot.cli.context import Runtime, fail
    from bot.config import load_settings

    if ctx.resilient_parsing:
        return
    try:
        ctx.obj = Runtime(settings=load_settings())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        fail(f"invalid settings (environment or .env): {problems}", code=2)


admin.register(app)
kb_cmd.app.add_typer(drafts_cmd.app, name="drafts")
kb_cmd.register(app)
jobs_cmd.register(app)
app.add_typer(
    tickets_cmd.app, name="ticket", help="Create, list, show and work tickets (for operators and scripts)."
)

app.add_typer(customers_cmd.app, name="customers", help="Customer accounts and their health.")


def main() -> None:
    import sys

    from knowledge.embedding import encodable

    # Bytes that are not UTF-8 in an argument ("caf\xe9" from a Latin-1 terminal) reach Python as half
    # characters, which no database or encoder takes: a note or a search crashed with a traceback. They
    # become "?", as in questions and tickets from Slack.
    sys.argv = encodable(sys.argv)
    app()
