"""The composition root for CLI commands: settings once, then the database and config on demand."""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from bot.config import Settings
from bot.db import Database
from bot.support import ConfigError, SupportConfig, load_support_config
from bot.timeutil import Clock, utcnow

# C0 and C1 control characters but newline and tab: an ESC in a customer's question or ticket title
# would otherwise reach the operator's terminal as an escape sequence (retitle it, rewrite lines)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class SafeConsole(Console):
    """A rich console that shows control characters in printed text as "\ufffd": the CLI prints what
    people typed in Slack (questions in `kb gaps`, ticket titles in `ticket list`). Rich's own colours
    are styles, not text, so they are unaffected; strings in tables pass through here too."""

    def __init__(self, **kwargs: Any) -> None:
        # ":100:" in a ticket title or a config error's "file.yaml:100:" is text, never an emoji code
        kwargs.setdefault("emoji", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(_CONTROL.sub("\ufffd", text), **kwargs)


console = SafeConsole()
# Said where a command finds nothing: the browser demo is the usual first run, and it has its own database.
DEMO_HINT = (
    "(The browser demo keeps its own database in .deskbot/demo/demo.db: "
    "DATABASE_URL=sqlite:///.deskbot/demo/demo.db deskbot ticket list shows its tickets.)"
)
err_console = SafeConsole(stderr=True)


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

        with reaching(self.settings.database_url):
            db = Database(self.settings.database_url)
            upgrade(db)
        return db

    @property
    def database(self) -> str:
        """The database commands use, password hidden: `sqlite:///deskbot.db`."""
        return shown_url(self.settings.database_url)

    @property
    def actor(self) -> str:
        return f"cli:{getpass.getuser()}"


# the audience an answer is for, on every command that answers (`kb ask`, `eval kb`)
AUDIENCE = typer.Option("customer", "--audience", "-a", help="customer (public docs only) or staff (all).")


def shown_url(url: str) -> str:
    """A database URL fit to print: the password hidden (`postgresql://deskbot:***@db/deskbot`)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1] if "@" in url else url


@contextmanager
def reaching(url: str) -> Iterator[None]:
    """Turn "the database is not there" into one line naming it, instead of a driver's traceback."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(
            f"cannot reach the database {shown_url(url)}: {reason}. "
            "Check DATABASE_URL (in the environment or .env) and that the database server is running."
        )


def require_indexed(settings: Settings, knowledge: Any) -> None:
    """Stop with the next step when the vector store is empty (a fresh clone), before a question is
    answered from nothing: `deskbot kb ask` says "nothing is indexed yet", not "no documents"."""
    from knowledge.indexes import vectors_missing

    if vectors_missing(knowledge.store, knowledge.lexical):
        where = settings.chroma_url or settings.chroma_path
        fail(
            f"nothing is indexed yet in {where}: run `deskbot kb ingest` "
            f"(it indexes KB_SOURCES, now {settings.kb_sources}), then ask again."
        )


def runtime(ctx: typer.Context) -> Runtime:
    """The Runtime the main callback stored on the context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj


def fail(message: str, code: int = 1) -> None:
    """Print a user-safe error and exit."""
    err_console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False)  # paths, people's text
    raise typer.Exit(code)


def fail_config(exc: ConfigError) -> None:
    """Print every configuration problem with its location and fix, then exit 2."""
    err_console.print(
        f"[bold red]{escape(str(exc.file))} is not valid[/] ({len(exc.issues)} problem(s)):", highlight=False
    )
    for issue in exc.issues:  # quotes the file's own text: never read as markup ("[/]" in an example)
        err_console.print(f"  • {issue.render(exc.file)}", highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(2)


def parse_now(value: str | None) -> datetime | None:
    """A `--now` option: an ISO date-time (UTC when it names no zone), or None for the real clock."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now {value!r} is not an ISO date-time; write e.g. 2026-12-01T09:00:00+01:00")
        raise
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
