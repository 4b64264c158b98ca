"""The bolt app factory: one WebClient (rate-limit retries, configurable base URL), handlers registered once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.answers import AnswerService, build_knowledge_base
from bot.config import Settings
from bot.db import Database
from bot.observability import ContextExecutor
from bot.recovery import Leases
from bot.routing.triage import Triager, lazy_triager
from bot.slack_text import SafeWebClient
from bot.support import SupportConfig
from bot.timeutil import Clock, utcnow


@dataclass
class Deps:
    """What handlers need, passed in (tests hand in their own database, config and clock)."""

    settings: Settings
    config: SupportConfig
    db: Database
    clock: Clock = field(default=utcnow)
    answers: AnswerService | None = None  # built from settings on first question when not given
    # bolt runs listeners here after the ack; `deskbot run` drains it on shutdown
    listener_executor: ContextExecutor = field(default_factory=lambda: ContextExecutor(max_workers=16))
    leases: Leases | None = None  # the events this process is working on (set by build_app)
    routing: Triager | None = None  # built once: start-up warms the same router the desk uses

    def answer_service(self) -> Callable[[], AnswerService]:
        """A getter that builds the answer service once (the model loads on the first question)."""
        lock = threading.Lock()

        def get() -> AnswerService:
            with lock:
                if self.answers is None:
                    kb = build_knowledge_base(self.settings)
                    self.answers = AnswerService.from_config(
                        kb=kb, config=self.config, db=self.db, clock=self.clock
                    )
                return self.answers

        return get

    def triager(self) -> Triager:
        """Routing with the router trained on first use from this configuration's examples (one per
        process: `warm_router` at start-up trains the one the desk will use)."""
        if self.routing is None:
            cache = self.settings.chroma_path.parent / "cache"
            self.routing = lazy_triager(self.config, engine=self.settings.kb_engine, cache_dir=cache)
        return self.routing

    def warm_router(self) -> float:
        """Train (or load from its cache) the category router now, so the first ticket does not wait;
        the seconds it took."""
        started = time.perf_counter()
        if self.config.categories:
            _ = self.triager().router
        return time.perf_counter() - started


def health_checks(deps: Deps) -> dict[str, Callable[[], str]]:
    """What `/healthz` checks besides the database: the vector store (embedded or the Chroma server)."""

    def vector_store() -> str:
        if deps.answers is None:
            return "not loaded yet (loads on the first question)"
        return f"ok (index of {deps.answers.kb.store.recorded_engine()})"

    return {"vector_store": vector_store}


def build_client(settings: Settings) -> WebClient:
    """The WebClient every surface sends through: against SLACK_API_URL, retrying 429s after Slack's
    Retry-After, and behind the text boundary (no broadcast ever leaves, bot/slack_text.py)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return SafeWebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def build_app(deps: Deps) -> App:
    """The bolt App with every handler registered."""
    from bot.desk import Desk, DeskContext
    from bot.routing.assign import SlackPresence
    from handlers import register_all

    settings = deps.settings
    app = App(
        client=build_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value()
        if settings.slack_signing_secret
        else None,
        logger=logging.getLogger("deskbot.slack"),
        listener_executor=deps.listener_executor,  # work after the ack keeps the request id
    )
    desk = Desk(
        DeskContext(
            config=deps.config,
            db=deps.db,
            client=app.client,
            answers=deps.answer_service(),
            clock=deps.clock,
            triager=deps.triager(),
            presence=SlackPresence(app.client, ttl=deps.config.routing.presence_cache_seconds),
            kb_sources=settings.kb_sources,
        )
    )
    deps.leases = Leases(deps.db, deps.clock)
    deps.listener_executor.before = deps.leases.taken
    deps.listener_executor.after = deps.leases.finished
    register_all(app, desk)
    return app
