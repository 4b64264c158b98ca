"""`deskbot run`: serve a Slack workspace (HTTP or Socket Mode), with the scheduled jobs and event
recovery in the background, and stop gracefully on SIGTERM or Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from bot.cli.context import console, fail, runtime

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Deps
    from bot.config import Settings
    from bot.support import SupportConfig


def run(
    ctx: typer.Context,
    http: bool = typer.Option(
        False, "--http", help="Serve Slack over HTTP (/slack/events) instead of Socket Mode."
    ),
    host: str | None = typer.Option(
        None,
        help="Address to listen on in HTTP mode (default: HTTP_HOST, 127.0.0.1 = this machine only; "
        "0.0.0.0 = every interface, e.g. in a container or behind a load balancer).",
    ),
    port: int | None = typer.Option(None, help="HTTP port (default: HTTP_PORT, 3000)."),
) -> None:
    """Start Deskbot for a Slack workspace (Socket Mode with SLACK_APP_TOKEN, else HTTP).

    SLACK_SIGNING_SECRET is required in both modes: HTTP mode verifies every request with it, and
    Socket Mode (which does not use it) refuses to start without it so a later --http never runs open."""
    rt = runtime(ctx)
    _ = rt.config, rt.db  # validate the configuration and migrate before anything else
    settings = rt.settings
    _require_tokens(settings)
    _require_accepted_token(settings)
    from bot.app import Deps, build_app, health_checks
    from bot.observability import setup_logging

    setup_logging(level=settings.log_level, fmt=settings.log_format)
    config, group_checks = _with_user_groups(rt.config, settings)
    deps = Deps(settings=settings, config=config, db=rt.db)
    _prepare_knowledge(deps)
    app = build_app(deps)
    _stop_on_sigterm()
    stop_jobs, background = _start_background(deps, app)
    if settings.slack_app_token and not http:
        _serve_socket_mode(
            app, settings.slack_app_token.get_secret_value(), finish=lambda: _finish(deps, stop_jobs)
        )
        return
    checks = {**health_checks(deps), **background, **group_checks}
    _serve_http(app, deps, host=host, port=port, checks=checks, stop_jobs=stop_jobs)


def _require_tokens(settings: Settings) -> None:
    """Refuse to start without the bot token and the signing secret, saying where they come from."""
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


# What Slack's auth.test says about a token it will not take, and what to do about it.
TOKEN_REFUSED = {
    "not_authed": "reached Slack without a token",
    "invalid_auth": "is not a token Slack knows",
    "token_revoked": "was revoked (the app was reinstalled or removed)",
    "account_inactive": "belongs to a deactivated bot or workspace",
}


def _require_accepted_token(settings: Settings) -> None:
    """Refuse to start when Slack refuses the bot token (bolt's own check would end in a traceback)."""
    from slack_sdk.errors import SlackApiError

    from bot.app import build_client

    try:
        build_client(settings).auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error not in TOKEN_REFUSED:
            raise
        fail(
            f"Slack refused SLACK_BOT_TOKEN ({error}): it {TOKEN_REFUSED[error]}. Copy the Bot User OAuth "
            "Token (xoxb-…) from your app's OAuth & Permissions page into .env and start again.",
            code=2,
        )


def _serve_socket_mode(app: App, app_token: str, *, finish: Callable[[], None]) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    console.print("Deskbot connected to Slack in Socket Mode. Ctrl-C stops it.")
    try:
        handler.start()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        finish()


def _serve_http(
    app: App,
    deps: Deps,
    *,
    host: str | None,
    port: int | None,
    checks: dict[str, Callable[[], str]],
    stop_jobs: Callable[[], None],
) -> None:
    from bot.server import make_http_server

    settings = deps.settings
    assert settings.slack_signing_secret is not None  # checked at start
    host, port = host or settings.http_host, port or settings.http_port
    try:
        server = make_http_server(
            app,
            deps.db,
            host=host,
            port=port,
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            checks=checks,
        )
    except OSError as exc:
        stop_jobs()
        fail(
            f"cannot listen on {host}:{port} ({exc.strerror}); pick another --host/--port (HTTP_HOST/HTTP_PORT)"
        )
    bound_host, bound = server.server_address[:2]
    console.print(
        f"Deskbot listening on http://{bound_host}:{bound}/slack/events (health: /healthz, metrics: /metrics). "
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


def _start_background(deps: Deps, app: App) -> tuple[Callable[[], None], dict[str, Callable[[], str]]]:
    """The scheduled jobs (unless RUN_SCHEDULER=false: then run `deskbot scheduler`) and the recovery of
    events a dead process left unfinished (unless RECOVER_EVENTS_AFTER=0). Returns what stops them (the
    running job finishes and the leader lock is released for the others) and their health checks."""
    from datetime import timedelta

    from bot import recovery
    from jobs.scheduler import JobContext, serve

    stop = threading.Event()
    threads = []
    if deps.settings.run_scheduler:
        service = deps.answer_service()
        ctx = JobContext(db=deps.db, config=deps.config, client=app.client, knowledge=lambda: service().kb)
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

    checks = {thread.name.replace("-", "_"): _alive(thread) for thread in threads}
    if not deps.settings.run_scheduler:
        checks["scheduler"] = lambda: "not in this process (RUN_SCHEDULER=false)"
    return stop_all, checks


def _alive(thread: threading.Thread) -> Callable[[], str]:
    """A /healthz check: a background thread that died is reported down."""

    def check() -> str:
        if not thread.is_alive():
            raise RuntimeError(f"the {thread.name} thread has stopped")
        return "ok"

    return check


def _with_user_groups(
    config: SupportConfig, settings: Settings
) -> tuple[SupportConfig, dict[str, Callable[[], str]]]:
    """Teams defined by a Slack user group get its members as agents (listed now, then every
    `routing.user_group_cache_seconds`); a group that cannot be listed is said, and logged on every retry."""
    groups = config.user_groups()
    if not groups:
        return config, {}
    from bot.app import build_client
    from bot.support.membership import SlackUserGroups, fix_for, health_check

    resolver = SlackUserGroups(build_client(settings), ttl=config.routing.user_group_cache_seconds)
    for group, state in resolver.refresh(list(groups)).items():
        teams = ", ".join(groups[group])
        if state.error:
            console.print(
                f"[red]User group {group} (team {teams}) cannot be listed[/]: {state.error} — "
                f"{fix_for(state.error)}. Until it can, the team has only its listed members.",
                highlight=False,
            )
        else:
            console.print(f"User group {group} (team {teams}): {len(state.members)} agents.", highlight=False)
    return config.with_groups(resolver), {"user_groups": health_check(resolver)}


def _prepare_knowledge(deps: Deps) -> None:
    """Load the model before serving, and index KB_SOURCES on first start (an empty index answers nothing)."""
    from knowledge.indexes import backfill, out_of_step, resync, vectors_missing
    from knowledge.results import EngineMismatch

    service = deps.answer_service()()
    kb = service.kb
    if vectors_missing(kb.store, kb.lexical) and deps.settings.kb_sources.exists():
        console.print(f"The knowledge base is empty: indexing {deps.settings.kb_sources} …")
        report = kb.ingest(
            [deps.settings.kb_sources],
            root=deps.settings.kb_sources,
            rules=deps.config.knowledge.visibility.rules(),
        )
        console.print(f"  {report.added} documents, {report.chunks} chunks, {len(report.failed)} failed.")
    if kb.lexical.is_empty() and kb.store.count():  # an index from before the lexical index was kept on disk
        console.print(f"Upgrading the knowledge base: filling the lexical index {kb.lexical.where} …")
        console.print(f"  {backfill(kb.store, kb.lexical)} documents copied from the vector store (once).")
    if out_of_step(kb.store, kb.lexical):  # e.g. KB_LEXICAL switched back and forth
        console.print(f"Bringing the lexical index {kb.lexical.where} in step with the vector store …")
        copied, removed = resync(kb.store, kb.lexical)
        console.print(f"  {copied} documents copied from the vector store, {removed} removed.")
    try:
        seconds = kb.warm_up()
    except EngineMismatch as exc:  # fail closed: every answer would be "unavailable", every refit wrong
        fail(str(exc), code=2)
        raise
    console.print(f"Knowledge base ready ({seconds:.1f} s to load the model and index).")
    console.print(f"Router ready ({deps.warm_router():.1f} s to train it on the categories' examples).")
