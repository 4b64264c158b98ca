"""Operator commands: config check, db upgrade, run, demo."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.context import console, fail, fail_config, runtime

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Deps

config_app = typer.Typer(help="Validate the support configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@config_app.command("check")
def config_check(
    ctx: typer.Context,
    path: Path | None = typer.Argument(None, help="The YAML file (default: SUPPORT_CONFIG)."),
) -> None:
    """Validate a support configuration file and explain every problem (file, line, key, fix)."""
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


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the latest version (safe to run again)."""
    from bot.db import Database
    from bot.migrations import current_revision, upgrade

    settings = runtime(ctx).settings
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

    def progress(table: str, done: int, total: int) -> None:
        if done == total:
            console.print(f"  {table}: {total} rows", highlight=False)

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

    console.print(
        current_revision(Database(runtime(ctx).settings.database_url)) or "empty (run `deskbot db upgrade`)"
    )


def run(
    ctx: typer.Context,
    http: bool = typer.Option(
        False, "--http", help="Serve Slack over HTTP (/slack/events) instead of Socket Mode."
    ),
    port: int | None = typer.Option(None, help="HTTP port (default: HTTP_PORT)."),
) -> None:
    """Start Deskbot for a Slack workspace (Socket Mode with SLACK_APP_TOKEN, else HTTP)."""
    rt = runtime(ctx)
    _ = rt.config, rt.db  # validate the configuration and migrate before anything else
    settings = rt.settings
    missing = [
        key
        for key, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        )
        if value is None
    ]
    if missing:
        fail(
            f"{' and '.join(missing)} not set. Create the Slack app from bot/slack_manifest.yaml (README: "
            "'Connect a Slack workspace'), put its tokens in .env, or try Deskbot without Slack: `make demo`.",
            code=2,
        )
    from bot.app import Deps, build_app, health_checks
    from bot.observability import setup_logging

    setup_logging(level=settings.log_level, fmt=settings.log_format)
    deps = Deps(settings=settings, config=rt.config, db=rt.db)
    _prepare_knowledge(deps)
    app = build_app(deps)
    _stop_on_sigterm()
    stop_jobs = _start_background(deps, app)
    if settings.slack_app_token and not http:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        console.print("Deskbot connected to Slack in Socket Mode. Ctrl-C stops it.")
        try:
            handler.start()
        except KeyboardInterrupt:
            pass
        finally:
            handler.close()
            _finish(deps, stop_jobs)
        return
    from bot.server import make_http_server

    server = make_http_server(
        app, rt.db, host="0.0.0.0", port=port or settings.http_port, checks=health_checks(deps)
    )
    host, bound = server.server_address[:2]
    console.print(
        f"Deskbot listening on http://{host}:{bound}/slack/events (health: /healthz, metrics: /metrics). "
        "Ctrl-C stops it."
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()  # no new requests; those being acked finish
        _finish(deps, stop_jobs)


DRAIN_SECONDS = 25.0  # under the 30 s Docker and Kubernetes allow between SIGTERM and SIGKILL


def _stop_on_sigterm() -> None:
    """SIGTERM (docker stop, Kubernetes, systemd) stops Deskbot like Ctrl-C does, gracefully."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _finish(deps: Deps, stop_jobs: Callable[[], None]) -> None:
    """Let the work Slack was already told "received" finish (answers, tickets), then stop the jobs."""
    running = deps.listener_executor.in_flight
    if running:
        console.print(f"Stopping: finishing {running} request(s) already acknowledged to Slack…")
    left = deps.listener_executor.drain(DRAIN_SECONDS)
    stop_jobs()
    console.print(
        f"Stopped, {left} request(s) cut short after {DRAIN_SECONDS:.0f} s." if left else "Stopped.",
        highlight=False,
    )


def _start_background(deps: Deps, app: App) -> Callable[[], None]:
    """The scheduled jobs (unless RUN_SCHEDULER=false: then run `deskbot scheduler`) and the recovery of
    events a dead process left unfinished (unless RECOVER_EVENTS_AFTER=0). Returns what stops them:
    the running job finishes and the leader lock is released for the others."""
    from datetime import timedelta

    from bot import recovery
    from jobs.scheduler import JobContext, serve

    stop = threading.Event()
    threads = []
    if deps.settings.run_scheduler:
        ctx = JobContext(db=deps.db, config=deps.config, client=app.client)
        threads.append(threading.Thread(target=serve, kwargs={"ctx": ctx, "stop": stop}, name="scheduler"))
    if deps.settings.recover_events_after and deps.leases is not None:
        after = timedelta(seconds=deps.settings.recover_events_after)
        threads.append(
            threading.Thread(
                target=recovery.serve,
                args=(app, deps.db),
                kwargs={"leases": deps.leases, "clock": deps.clock, "after": after, "stop": stop},
                name="event-recovery",
            )
        )
    for thread in threads:
        thread.daemon = True
        thread.start()

    def stop_all() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=DRAIN_SECONDS)

    return stop_all


def _prepare_knowledge(deps: Deps) -> None:
    """Load the model before serving, and index KB_SOURCES on first start (an empty index answers nothing)."""
    service = deps.answer_service()()
    kb = service.kb
    if kb.store.count() == 0 and deps.settings.kb_sources.exists():
        console.print(f"The knowledge base is empty: indexing {deps.settings.kb_sources} …")
        report = kb.ingest([deps.settings.kb_sources])
        console.print(f"  {report.added} documents, {report.chunks} chunks, {len(report.failed)} failed.")
    console.print(f"Knowledge base ready ({kb.warm_up():.1f} s to load the model and index).")


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
    app.command("run")(run)
    app.command("demo")(demo)
    app.add_typer(config_app, name="config")
    app.add_typer(db_app, name="db")
