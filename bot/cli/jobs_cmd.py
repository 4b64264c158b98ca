"""`deskbot jobs list|run`, `deskbot scheduler`, `deskbot digest --preview`."""

from __future__ import annotations

import threading
from pathlib import Path

import typer

from bot.cli.context import Runtime, console, fail, parse_now, runtime

app = typer.Typer(
    help="Scheduled jobs: list them, or run one now (optionally as a dry run).", no_args_is_help=True
)


def _context(rt: Runtime):  # type: ignore[no-untyped-def]
    from bot.app import build_client
    from jobs.scheduler import JobContext

    return JobContext(db=rt.db, config=rt.config, client=build_client(rt.settings), clock=rt.clock)


@app.command("list")
def list_jobs(ctx: typer.Context) -> None:
    """Every job, its schedule, and when it runs next."""
    from jobs.scheduler import jobs_for

    rt = runtime(ctx)
    now = rt.clock()
    for job in jobs_for(rt.config).values():
        nxt = job.trigger.get_next_fire_time(None, now)
        console.print(f"{job.name:<26} {job.describe:<58} next {nxt:%Y-%m-%d %H:%M %Z}", highlight=False)


@app.command("run")
def run_one(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Job name (see `deskbot jobs list`)."),
    now: str | None = typer.Option(
        None, "--now", help="Pretend it is this ISO time (e.g. to preview tomorrow's digest)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be posted; change nothing."),
) -> None:
    """Run one job now, as the scheduler would."""
    from jobs.scheduler import jobs_for, run_job

    rt = runtime(ctx)
    jobs = jobs_for(rt.config)
    if name not in jobs:
        fail(f"no job named {name!r}. Jobs: {', '.join(jobs)}")
    summary = run_job(_context(rt), jobs[name], now=parse_now(now), dry_run=dry_run)
    if dry_run:
        console.print("[dim](dry run)[/] ", end="", highlight=False)
    console.print(summary, highlight=False, markup=False)  # people's text in it is never rich markup


def scheduler(ctx: typer.Context) -> None:
    """Run the scheduled jobs in this process (the leader among several; Ctrl-C stops it)."""
    from bot.observability import setup_logging
    from jobs.scheduler import serve

    rt = runtime(ctx)
    setup_logging(level=rt.settings.log_level, fmt=rt.settings.log_format)
    stop = threading.Event()
    console.print(
        "Scheduler started; waiting to become the leader if another process holds the lock. Ctrl-C stops it."
    )
    try:
        serve(
            _context(rt),
            stop=stop,
            on_leader=lambda lead: console.print(
                "Leader: running the jobs." if lead else "No longer the leader."
            ),
        )
    except KeyboardInterrupt:
        stop.set()
        console.print("Stopped.")


def digest_cmd(
    ctx: typer.Context,
    preview: bool = typer.Option(
        False, "--preview", help="Write the text and the PNG locally instead of posting."
    ),
    weekly: bool = typer.Option(False, "--weekly", help="Last week (Monday–Sunday) instead of yesterday."),
    monthly: bool = typer.Option(False, "--monthly", help="Last calendar month instead of yesterday."),
    out: Path = typer.Option(Path("."), "--out", help="Folder for the preview files."),
    now: str | None = typer.Option(None, "--now", help="Pretend it is this ISO time."),
) -> None:
    """The managers' KPI digest: preview it locally, or queue it for the managers' channel."""
    from bot.slack_text import display
    from jobs.digest import digest

    if weekly and monthly:
        fail("choose one of --weekly and --monthly (neither means yesterday)")
    rt = runtime(ctx)
    name = "monthly" if monthly else "weekly" if weekly else "daily"
    text, png, queued = digest(
        rt.db, config=rt.config, now=parse_now(now) or rt.clock(), name=name, dry_run=preview
    )
    if preview:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"digest-{name}.txt").write_text(text + "\n", encoding="utf-8")
        (out / f"digest-{name}.png").write_bytes(png)
        console.print(display(text), highlight=False, markup=False)  # how Slack shows it: @U…, not <@U…>
        console.print(
            f"\nWrote {out / f'digest-{name}.txt'} and {out / f'digest-{name}.png'}", highlight=False
        )
        return
    console.print(
        "Queued for the managers' channel."
        if queued
        else "Already sent for this period (or no managers channel)."
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="jobs")
    root.command("scheduler")(scheduler)
    root.command("digest")(digest_cmd)
