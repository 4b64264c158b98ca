"""`deskbot ticket …`: the ticket service for operators and scripts (same path as Slack)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import typer

from bot import verbs
from bot.cli.context import DEMO_HINT, Runtime, console, fail, runtime
from bot.verbs import Verb

app = typer.Typer(no_args_is_help=True)
AS = typer.Option(None, "--as", help="Who does it (a Slack user id); default: cli:<your login>.")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _change(
    ctx: typer.Context, action: Callable[..., Any], actor: str | None, who: str = "actor", **kwargs: Any
) -> None:
    """Run one service action in a transaction (`who` names its actor parameter) and print the ticket."""
    from bot.errors import BotError

    rt = runtime(ctx)
    try:
        with rt.db.transaction() as session:
            result = action(session, config=rt.config, now=rt.clock(), **{who: actor or rt.actor}, **kwargs)
            number = getattr(result, "number", None) or getattr(result, "ticket_number", None)
    except BotError as exc:
        fail(exc.message)
        return
    _print_ticket(rt, number)
    if number is not None:
        _show_in_slack(rt, number)


def _show_in_slack(rt: Runtime, number: int) -> None:
    """Deliver what the change queued (the card, the requester's message) now, when this machine has the
    bot token; otherwise, or if Slack cannot be reached, the outbox keeps it for a running `deskbot run`."""
    if rt.settings.slack_bot_token is None:
        console.print("[dim]Slack: queued; no SLACK_BOT_TOKEN here, so a running `deskbot run` posts it.[/]")
        return
    from bot.app import build_client
    from bot.cards import deliver_ticket, ticket_sender

    send = ticket_sender(db=rt.db, config=rt.config, client=build_client(rt.settings), clock=rt.clock)
    report = deliver_ticket(rt.db, number=number, send=send, now=rt.clock())
    if report.failed:
        console.print(f"[red]Slack refused {report.failed} message(s); the log above gives its error.[/]")
    if report.retried:
        console.print(
            f"[yellow]Slack could not be reached for {report.retried} message(s); they stay queued and a "
            "running `deskbot run` retries them.[/]"
        )
    elif report.sent and not report.failed:
        console.print(f"[dim]Slack: the card{' and messages' if report.sent > 1 else ''} updated.[/]")


@app.command()
def create(
    ctx: typer.Context,
    title: str = typer.Option(..., help="What is wrong, in a few words."),
    description: str = typer.Option("", help="Details."),
    requester: str = typer.Option(..., help="Slack user id of the person who needs help."),
    priority: str | None = typer.Option(
        None, help="urgent | high | normal | low; by default the desk's rules decide (cues, category, tier)."
    ),
    category: str | None = typer.Option(
        None, help="A category from the support configuration; by default the router chooses."
    ),
    channel: str | None = typer.Option(None, help="Slack channel of the request (sets the customer tier)."),
    actor: str | None = AS,
) -> None:
    """Open a ticket as Slack does: routed to a category and its team, priority from the desk's rules
    (with the reason), SLA clocks started."""
    from bot import tickets
    from bot.routing.triage import lazy_triager, ticket_for
    from bot.support import Priority

    rt = runtime(ctx)
    try:
        level = Priority(priority) if priority is not None else None
    except ValueError:
        fail(f"'{priority}' is not a priority; use urgent, high, normal or low.")
        return
    if category is not None and category not in rt.config.categories:
        known = ", ".join(sorted(rt.config.categories)) or "none are configured"
        fail(f"'{category}' is not a category of the support configuration ({known}).")
    cache = rt.settings.chroma_path.parent / "cache"
    triager = lazy_triager(rt.config, engine=rt.settings.kb_engine, cache_dir=cache)
    data = ticket_for(
        triager,
        title=title,
        description=description,
        requester=requester,
        channel=channel,
        category=category,
        asked=level,
        by_staff=True,  # whoever runs the CLI is support staff: a priority given here is applied
    )
    _change(ctx, tickets.create, actor, data=data)


def _simple(verb: Verb) -> None:
    def command(
        ctx: typer.Context, number: int = typer.Argument(..., help="Ticket number."), actor: str | None = AS
    ) -> None:
        _change(ctx, partial(verbs.run, verb.name), actor, number=number)

    command.__doc__ = verb.help[0].upper() + verb.help[1:] + "."
    app.command(verb.command)(command)


for _verb in verbs.VERBS.values():  # the verbs with nothing after the number; assign and priority follow
    if not _verb.extra:
        _simple(_verb)


@app.command()
def assign(
    ctx: typer.Context,
    number: int,
    to: str = typer.Option(..., "--to", help="Agent's user id."),
    actor: str | None = AS,
) -> None:
    """Give a ticket to an agent."""
    from bot import tickets

    _change(ctx, tickets.assign, actor, number=number, assignee=to)


@app.command()
def merge(
    ctx: typer.Context,
    number: int = typer.Argument(..., help="The duplicate ticket."),
    into: int = typer.Option(..., "--into", help="The original ticket it joins."),
    actor: str | None = AS,
) -> None:
    """Merge a duplicate into the original (both requesters are told; the original's clocks count)."""
    _change(ctx, partial(verbs.run, "merge"), actor, number=number, into=into)


@app.command()
def priority(
    ctx: typer.Context, number: int, value: str, reason: str | None = None, actor: str | None = AS
) -> None:
    """Change the priority (urgent | high | normal | low); SLA targets follow."""
    from bot import tickets
    from bot.support import Priority

    if value not in {p.value for p in Priority}:
        fail(f"'{value}' is not a priority; use urgent, high, normal or low.")
    _change(ctx, tickets.set_priority, actor, number=number, priority=Priority(value), reason=reason)


@app.command()
def category(ctx: typer.Context, number: int, value: str, actor: str | None = AS) -> None:
    """Change the category (and hand the ticket to that category's team)."""
    from bot import tickets

    _change(ctx, tickets.set_category, actor, number=number, category=value)


@app.command()
def team(ctx: typer.Context, number: int, value: str, actor: str | None = AS) -> None:
    """Move the ticket to another team's queue."""
    from bot import tickets

    _change(ctx, tickets.set_team, actor, number=number, team=value)


@app.command()
def note(
    ctx: typer.Context,
    number: int,
    body: str,
    public: bool = typer.Option(
        False, "--public", help="A reply the requester sees (stamps first response)."
    ),
    actor: str | None = AS,
) -> None:
    """Add an internal note (or, with --public, a reply to the requester)."""
    from bot import tickets

    _change(ctx, tickets.add_note, actor, "author", number=number, body=body, internal=not public)


@app.command()
def rate(ctx: typer.Context, number: int, score: int, actor: str | None = AS) -> None:
    """Record the requester's satisfaction, 1–5 (use --as with the requester's id)."""
    from bot import tickets

    _change(ctx, tickets.rate, actor, number=number, score=score)


@app.command("list")
def list_(
    ctx: typer.Context,
    view: str = typer.Option("all", help="all | mine | queue | team | breaching"),
    user: str | None = typer.Option(None, help="For --view mine: whose tickets."),
    team: str | None = typer.Option(None, help="Only this team."),
    within: int = typer.Option(60, help="For --view breaching: minutes ahead to look."),
    as_json: bool = JSON,
) -> None:
    """List active tickets."""
    from datetime import timedelta

    from bot import tickets

    if view not in ("all", "mine", "queue", "team", "breaching"):
        fail(f"'{view}' is not a view; use all, mine, queue, team or breaching.")
    if view == "mine" and not user:
        fail("--view mine needs --user U… (whose tickets).")
    rt = runtime(ctx)
    with rt.db.session() as s:
        rows = tickets.list_tickets(
            s,
            view=view,
            user=user,
            team=team,
            now=rt.clock(),
            horizon=timedelta(minutes=within),  # type: ignore[arg-type]
        )
    _print_rows(rt, rows, as_json)


@app.command()
def search(ctx: typer.Context, text: str, as_json: bool = JSON) -> None:
    """Find tickets whose title or description contains TEXT."""
    from bot import tickets

    rt = runtime(ctx)
    with rt.db.session() as s:
        rows = tickets.search(s, text=text)
    _print_rows(rt, rows, as_json)


@app.command()
def show(ctx: typer.Context, number: int, as_json: bool = JSON) -> None:
    """Show a ticket, its SLA clocks and its full history."""
    rt = runtime(ctx)
    _print_ticket(rt, number, history=True, as_json=as_json)


def _print_rows(rt: Runtime, rows: Any, as_json: bool) -> None:
    from rich.table import Table

    from bot import tickets

    if as_json:
        console.print_json(json.dumps([tickets.snapshot(t) for t in rows]))
        return
    if not rows:
        console.print(f"No tickets in {rt.database}. {DEMO_HINT}", highlight=False)
        return
    table = Table("#", "status", "priority", "team", "level", "assignee", "resolution due", "title")
    for t in rows:
        due = t.resolution_due.strftime("%Y-%m-%d %H:%M UTC") if t.resolution_due else "—"
        table.add_row(
            str(t.number),
            t.status.value,
            t.priority.value,
            t.team,
            t.level.value,
            t.assignee or "—",
            due,
            t.title,
        )
    console.print(table)


def _print_ticket(rt: Runtime, number: int | None, *, history: bool = False, as_json: bool = False) -> None:
    from bot import tickets
    from bot.cli.render import ticket_lines
    from bot.errors import BotError

    assert number is not None
    try:
        with rt.db.session() as s:
            ticket = tickets.get(s, number=number)
            events = tickets.events_of(s, number)
    except BotError as exc:
        fail(exc.message)
        return
    report = tickets.report_for(rt.config, ticket, events, rt.clock())
    if as_json:
        console.print_json(
            json.dumps(
                {"ticket": tickets.snapshot(ticket), "events": [e.model_dump(mode="json") for e in events]}
            )
        )
        return
    for line in ticket_lines(ticket, report, events if history else []):
        console.print(line, highlight=False)
