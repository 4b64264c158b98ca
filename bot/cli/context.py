"""The composition root for CLI commands: settings once, then the database and config on demand."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from functools import cached_property

import typer
from rich.console import Console

from bot.config import Settings
from bot.db import Database
from bot.support import ConfigError, SupportConfig, load_support_config
from bot.timeutil import Clock, utcnow

console = Console()
err_console = Console(stderr=True)


@dataclass
class Runtime:
    """What a command needs, built lazily so `--help` and `config check` stay fast."""

    settings: Settings
    clock: Clock = field(default=utcnow)

    @cached_property
    def config(self) -> SupportConfig:
        try:
            return load_support_config(self.settings.support_config)
        except ConfigError as exc:
            fail_config(exc)
            raise  # unreachable: fail_config exits

    @cached_property
    def db(self) -> Database:
        from bot.migrations import upgrade

        db = Database(self.settings.database_url)
        upgrade(db)
        return db

    @property
    def actor(self) -> str:
        return f"cli:{getpass.getuser()}"


def runtime(ctx: typer.Context) -> Runtime:
    """The Runtime the main callback stored on the context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj


def fail(message: str, code: int = 1) -> None:
    """Print a user-safe error and exit."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def fail_config(exc: ConfigError) -> None:
    """Print every configuration problem with its location and fix, then exit 2."""
    err_console.print(
        f"[bold red]{exc.file} is not valid[/] ({len(exc.issues)} problem(s)):", highlight=False
    )
    for issue in exc.issues:
        err_console.print(f"  • {issue.render(exc.file)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
