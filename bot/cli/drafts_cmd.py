"""`deskbot kb drafts …`: articles drafted from resolved tickets — list, show, draft, edit, publish, discard."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from bot.cli.context import Runtime, console, fail, runtime

app = typer.Typer(
    help="Articles drafted from resolved tickets, for the knowledge owners.", no_args_is_help=True
)
AS = typer.Option(None, "--as", help="Who does it (a Slack user id); default: cli:<your login>.")


def _run(rt: Runtime, action: Callable[..., Any], actor: str | None, **kwargs: Any) -> Any:
    """One draft service call in a transaction; a refusal is printed, not raised."""
    from bot.errors import BotError

    try:
        with rt.db.transaction() as s:
            draft = action(s, actor=actor or rt.actor, config=rt.config, now=rt.clock(), **kwargs)
            s.expunge(draft)
            return draft
    except BotError as exc:
        fail(exc.message)


def _row(draft: Any) -> dict[str, Any]:
    return draft.model_dump(mode="json")


@app.command("list")
def list_(
    ctx: typer.Context,
    every: bool = typer.Option(False, "--all", help="Published and discarded drafts too."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The drafts waiting for a knowledge owner (newest first)."""
    from bot.drafts import service

    rt = runtime(ctx)
    with rt.db.session() as s:
        rows = [_row(d) for d in service.list_drafts(s, status=None if every else service.PENDING)]
    if as_json:
        print(json.dumps(rows))
        return
    if not rows:
        console.print(
            "No article drafts are waiting. Draft one from a resolved ticket: `deskbot kb drafts new N`."
        )
        return
    for r in rows:
        where = f" → {r['path']}" if r["path"] else ""
        console.print(
            f"{r['id']:>5}  {r['status']:<9} #{r['ticket_number']:<6} {r['title']}{where}",
            highlight=False,
            markup=False,
        )


@app.command()
def show(
    ctx: typer.Context, draft_id: int, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """A draft: its title, tags, where it came from and its text."""
    from bot.drafts import service
    from bot.errors import BotError

    rt = runtime(ctx)
    try:
        with rt.db.session() as s:
            row = _row(service.get(s, draft_id=draft_id))
    except BotError as exc:
        fail(exc.message)
        return
    if as_json:
        print(json.dumps(row))
        return
    console.print(
        f"Draft {row['id']} ({row['status']}, written by {row['written_by']}) from ticket #{row['ticket_number']}\n"
        f"Title: {row['title']}\nTags: {', '.join(row['tags']) or 'none'}\n\n{row['body']}",
        highlight=False,
        markup=False,
    )


@app.command()
def new(
    ctx: typer.Context, number: int = typer.Argument(..., help="A resolved ticket."), actor: str | None = AS
) -> None:
    """Draft an article from a resolved ticket; the preview goes to the knowledge owners."""
    from bot.cli.tickets_cmd import _show_in_slack
    from bot.drafts import service
    from bot.drafts.write import ExtractiveWriter, writer_for
    from knowledge.compose import LlmComposer

    rt = runtime(ctx)
    spec = rt.settings.llm_model  # written by the LLM when one is configured, as in Slack
    writer = writer_for(LlmComposer.from_spec(spec)) if spec else ExtractiveWriter()
    draft = _run(rt, service.draft_from_ticket, actor, number=number, writer=writer, names=_names(rt, number))
    console.print(f"[green]✓[/] draft {draft.id} from ticket #{number}: {draft.title}", highlight=False)
    _show_in_slack(rt, number)  # the preview now when the bot token is here; else the outbox keeps it


def _names(rt: Runtime, number: int) -> list[str]:
    """The names of the requester and the people they added, from Slack when this machine has the bot
    token (left out of the draft)."""
    if rt.settings.slack_bot_token is None:
        return []
    from bot.app import build_client
    from bot.drafts.people import names_of_all
    from bot.drafts.service import customer_side
    from bot.errors import BotError

    try:
        with rt.db.session() as s:
            people = customer_side(s, number=number)
    except BotError:
        return []  # drafting says what is wrong with the ticket
    client = build_client(rt.settings)
    return names_of_all(client, people)


@app.command()
def edit(
    ctx: typer.Context,
    draft_id: int,
    title: str | None = typer.Option(None, help="A new title."),
    body_file: Path | None = typer.Option(None, "--body-file", help="A file with the new text (Markdown)."),
    tags: str | None = typer.Option(None, help="Comma-separated tags."),
    actor: str | None = AS,
) -> None:
    """Change a pending draft's title, text or tags."""
    from bot.drafts import service

    rt = runtime(ctx)
    with rt.db.session() as s:
        current = service.get(s, draft_id=draft_id)
    try:
        body = body_file.read_text(encoding="utf-8") if body_file else current.body
    except OSError as exc:
        fail(f"cannot read {body_file}: {exc.strerror}")
        return
    draft = _run(
        rt,
        service.edit,
        actor,
        draft_id=draft_id,
        title=title or current.title,
        body=body,
        tags=tags.split(",") if tags is not None else current.tags,
    )
    console.print(f"[green]✓[/] draft {draft.id} saved: {draft.title}", highlight=False)


@app.command()
def publish(
    ctx: typer.Context,
    draft_id: int,
    internal: bool = typer.Option(
        False, "--internal", help="Staff only (default: public, customers see it)."
    ),
    actor: str | None = AS,
) -> None:
    """Write the draft into KB_SOURCES/<knowledge.drafts_folder> and index it."""
    from bot.cli.kb_cmd import _checked, _kb
    from bot.drafts import service

    rt = runtime(ctx)
    sources = rt.settings.kb_sources
    rules = rt.config.knowledge.visibility.rules()
    ingest = service.indexer(_checked(_kb(rt)), sources=sources, rules=rules)
    visibility = "internal" if internal else "public"
    draft = _run(
        rt, service.publish, actor, draft_id=draft_id, visibility=visibility, sources=sources, ingest=ingest
    )
    console.print(f"[green]✓[/] published as {visibility}: {sources / draft.path}", highlight=False)


@app.command()
def discard(ctx: typer.Context, draft_id: int, actor: str | None = AS) -> None:
    """Drop a draft (it stays in the ticket's audit trail)."""
    from bot.drafts import service

    draft = _run(runtime(ctx), service.discard, actor, draft_id=draft_id)
    console.print(f"[green]✓[/] draft {draft.id} discarded", highlight=False)
