"""Operator commands: config check, db upgrade, run, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from bot.cli import run_cmd
from bot.cli.context import console, fail, fail_config, reaching, runtime, shown_url

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.support import SupportConfig

config_app = typer.Typer(help="Validate the support configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@config_app.command("check")
def config_check(
    ctx: typer.Context,
    path: Path | None = typer.Argument(None, help="The YAML file (default: SUPPORT_CONFIG)."),
    routing: bool = typer.Option(
        False, "--routing", help="Also report what the router learned: accuracy per category, confusions."
    ),
) -> None:
    """Validate a support configuration file and explain every problem (file, line, key, fix).
    With --routing: train the router on the categories' examples and report what it learned."""
    from bot.support import ConfigError, load_support_config

    target = path or runtime(ctx).settings.support_config
    try:
        config = load_support_config(target)
    except ConfigError as exc:
        fail_config(exc)
        return
    console.print(
        f"[green]✓[/] {target} is valid: {len(config.teams)} teams, {len(config.categories)} categories, "
        f"{len(config.sla.policies)} SLA policies, {len(config.channels)} support channels, "
        f"{len(config.checkins)} check-ins.",
        highlight=False,
    )
    if routing and config.categories:
        _routing_report(ctx, config)
    elif config.categories:
        _routing_summary(config)
    if config.user_groups() and not _user_groups_resolve(config, runtime(ctx).settings):
        raise typer.Exit(1)


def _user_groups_resolve(config: SupportConfig, settings: Settings) -> bool:
    """List each team's Slack user group now and say what was found; False when one cannot be listed."""
    from bot.app import build_client
    from bot.support.membership import GroupLookupError, SlackUserGroups, fix_for

    groups = config.user_groups()
    if settings.slack_bot_token is None:
        console.print(
            f"[yellow]![/] user groups {', '.join(groups)} not checked (SLACK_BOT_TOKEN is not set); "
            "`deskbot run` lists their members with usergroups.users.list (scope usergroups:read).",
            highlight=False,
        )
        return True
    resolver, ok = SlackUserGroups(build_client(settings)), True
    for group, teams in groups.items():
        try:
            members = resolver.fetch(group)
        except GroupLookupError as exc:
            ok = False
            bare = [t for t in teams if not config.teams[t].members]
            alone = f"; team(s) {', '.join(bare)} would have no agents" if bare else ""
            console.print(
                f"[red]✗[/] user group {group} (team {', '.join(teams)}) cannot be listed: {exc.code} — "
                f"{fix_for(exc.code)}{alone}.",
                highlight=False,
            )
            continue
        console.print(
            f"[green]✓[/] user group {group} (team {', '.join(teams)}): {len(members)} members.",
            highlight=False,
        )
    return ok


def _routing_summary(config) -> None:  # type: ignore[no-untyped-def]
    """What can be told without training: examples per category, thin categories, no out-of-scope rule."""
    from bot.routing.report import MIN_EXAMPLES, repeated_examples, unbounded

    counts = {name: len([e for e in c.examples if e.strip()]) for name, c in config.categories.items()}
    console.print(
        f"Routing: {sum(counts.values())} examples in {len(counts)} categories "
        "(`deskbot config check --routing` trains the router and reports its accuracy per category).",
        highlight=False,
    )
    for name, n in counts.items():
        if n < MIN_EXAMPLES:
            console.print(
                f"[yellow]![/] category {escape(name)} has {n} examples (give at least {MIN_EXAMPLES})",
                highlight=False,
            )
    for line in repeated_examples(config):
        console.print(f"[yellow]![/] {escape(line)}", highlight=False)
    stocked = sum(1 for n in counts.values() if n)
    if stocked < 3 and config.routing.out_of_scope_threshold is None:
        console.print(f"[yellow]![/] {escape(unbounded(stocked))}", highlight=False)


def _routing_report(ctx: typer.Context, config) -> None:  # type: ignore[no-untyped-def]
    """Cross-validated accuracy per category, confused pairs, too few examples, out-of-scope-like examples."""
    from bot.cli.context import err_console
    from bot.routing.report import routing_report
    from knowledge.embedding import get_engine

    with err_console.status("Training the router on the categories' examples…"):
        report = routing_report(config, engine=get_engine(runtime(ctx).settings.kb_engine))
    overall = report.overall
    cal = report.calibration
    console.print(
        f"\nRouting: {sum(report.counts.values())} examples in {len(report.counts)} categories; "
        f"cross-validated accuracy {overall:.0%}; "
        if overall is not None
        else "\nRouting: ",
        end="",
        highlight=False,
    )
    console.print(
        f"out of scope below {report.threshold:.2f}"
        + (
            f" (calibrated: held-out categories refused {cal['unknown_refused']:.0%}, "
            f"known requests routed {cal['known_routed']:.0%}"
            + (
                f"; lowered from {cal['balanced_threshold']:.2f} to turn away at most {cal['refusal_share']:.0%} of known ones)"
                if cal.get("capped")
                else ")"
            )
            if cal.get("separation") is not None
            else ""
        ),
        highlight=False,
    )
    for name, n in report.counts.items():
        acc = report.accuracy.get(name)
        console.print(
            f"  {name:<24} {n:>4} examples  {'—' if acc is None else f'{acc:.0%}':>5}",
            highlight=False,
            markup=False,
        )
    for warning in report.warnings():
        console.print(f"[yellow]![/] {escape(warning)}", highlight=False)  # examples are people's text


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the latest version (safe to run again)."""
    from bot.db import Database
    from bot.migrations import current_revision, upgrade

    settings = runtime(ctx).settings
    with reaching(settings.database_url):
        db = Database(settings.database_url)
        before = current_revision(db)
    try:
        upgrade(db, revision)
    except Exception as exc:  # noqa: BLE001 - show the operator what the database said
        fail(f"migration failed on {db.engine.url.render_as_string(hide_password=True)}: {exc}")
    after = current_revision(db)
    state = "already up to date" if before == after else f"upgraded {before or 'empty'} → {after}"
    console.print(
        f"[green]✓[/] {db.engine.url.render_as_string(hide_password=True)}: {state}", highlight=False
    )


@db_app.command("copy")
def db_copy(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="The new database, e.g. postgresql://deskbot@db-host/deskbot."),
    source: str | None = typer.Option(None, "--from", help="The database to copy (default: DATABASE_URL)."),
) -> None:
    """Copy every table into a new, empty database (e.g. SQLite → PostgreSQL when scaling out).
    Stop Deskbot first, so nothing is written to the old database during the copy."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import Database
    from bot.dbcopy import CopyError, copy_database

    from_url = source or runtime(ctx).settings.database_url
    if not to.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
        fail(f"--to {to!r}: use a sqlite:// or postgresql:// URL (e.g. postgresql://user@host/deskbot)")
    from sqlalchemy.engine import make_url

    path = make_url(from_url).database if from_url.startswith("sqlite") else None
    if path and path != ":memory:" and not Path(path).exists():
        fail(f"no database to copy at {path}; point --from (or DATABASE_URL) at the one Deskbot uses")
    src, dst = Database(from_url), Database(to)
    shown = dst.engine.url.render_as_string(hide_password=True)
    if src.engine.url == dst.engine.url:
        fail("--to is the database being copied; give the new database's URL")

    def progress(table: str, rows: int) -> None:
        console.print(f"  {table}: {rows} rows", highlight=False)

    try:
        report = copy_database(source=src, target=dst, progress=progress)
    except CopyError as exc:
        fail(f"nothing copied: {exc}")
        return
    except SQLAlchemyError as exc:
        fail(f"nothing copied to {shown}: {str(exc).splitlines()[0]}")
        return
    console.print(
        f"[green]✓[/] {sum(report.rows.values())} rows copied to {shown} in {report.seconds:.1f} s. "
        "Set DATABASE_URL to it and start Deskbot again (the knowledge-base index is not in the "
        "database and stays as it is).",
        highlight=False,
    )


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision the database is at."""
    from bot.db import Database
    from bot.migrations import current_revision

    url = runtime(ctx).settings.database_url
    with reaching(url):
        revision = current_revision(Database(url))
    console.print(revision or "empty (run `deskbot db upgrade`)")


def demo(
    ctx: typer.Context,
    port: int = typer.Option(8400, help="Port of the workspace simulator on 127.0.0.1 (0 picks a free one)."),
    data_dir: Path = typer.Option(Path(".deskbot/demo"), help="Where the demo keeps its database and index."),
    terminal: bool = typer.Option(False, "--terminal", help="Print a support day in the terminal instead."),
) -> None:
    """Run Deskbot on its embedded defaults with a Slack workspace simulator in your browser."""
    rt = runtime(ctx)
    if terminal:
        from bot.cli.demo import run_demo

        run_demo(rt)
        return
    import signal
    import threading

    from bot.demo.web import Simulator, make_web_server
    from bot.demo.workspace import Workspace

    console.print(
        "Starting the Deskbot demo (SQLite, embedded Chroma, the sample help centre and configuration)…"
    )
    workspace = Workspace(config=rt.config, data_dir=data_dir, kb_sources=rt.settings.kb_sources)
    try:
        web = make_web_server(Simulator(workspace), port=port)
    except OSError as exc:
        workspace.stop()
        fail(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another port with --port, or --port 0"
        )
    console.print(
        f"  Database: {shown_url(workspace.settings.database_url)} (the demo's own; other `deskbot` "
        "commands use DATABASE_URL)",
        highlight=False,
    )
    workspace.start(progress=lambda line: console.print(f"  {line}", highlight=False))
    host, bound = web.server_address[:2]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=web.serve_forever, name="demo-web", daemon=True).start()
    console.print(
        f"\n[bold green]Deskbot demo ready:[/] http://{host}:{bound}/\n"
        "Open it in a browser, ask a question in #help-acme, switch people with the switcher, "
        "and type /demo help. Ctrl-C stops it.",
        highlight=False,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        web.shutdown()
        web.server_close()
        workspace.stop()
        console.print("Demo stopped.")


def register(app: typer.Typer) -> None:
    """Attach the operator commands to the main app."""
    app.command("run")(run_cmd.run)
    app.command("demo")(demo)
    app.add_typer(config_app, name="config")
    app.add_typer(db_app, name="db")
