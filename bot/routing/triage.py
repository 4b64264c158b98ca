"""Triage a new request: category (or out of scope), priority with its reason, team and level."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.models import TicketCreate
from bot.routing.priority import ExampleCues, priority_for
from bot.routing.router import CategoryRouter, Route, RouterParams
from bot.support import Priority, SupportConfig
from knowledge.clipping import clip
from knowledge.embedding import Engine, get_engine


@dataclass(frozen=True)
class Triage:
    category: str | None
    priority: Priority
    team: str
    reason: str  # recorded on the ticket and in its audit event
    route: Route | None


def train_router(config: SupportConfig, *, embedder: Engine, cache_dir: Path | None = None) -> CategoryRouter:
    """The router for this configuration (cached by content: a config change retrains, nothing else does)."""
    return CategoryRouter.train(
        {name: c.examples for name, c in config.categories.items() if c.examples},
        embedder=embedder,
        params=RouterParams(oos_threshold=config.routing.out_of_scope_threshold),
        out_of_scope=config.routing.out_of_scope_examples,
        cache_dir=cache_dir,
    )


def lazy_triager(config: SupportConfig, *, engine: str | None, cache_dir: Path | None) -> Triager:
    """Triage with the router trained (or read from `cache_dir`) on first use, on the engine the
    knowledge base uses (`KB_ENGINE`): one model per process for both."""

    def router() -> CategoryRouter:
        return train_router(config, embedder=get_engine(engine), cache_dir=cache_dir)

    return Triager(config=config, router=router)


def ticket_for(
    triager: Triager | None,
    *,
    title: str,
    description: str,
    requester: str,
    channel: str | None,
    thread_ts: str | None = None,
    category: str | None = None,
    asked: Priority | None = None,
    by_staff: bool = False,
    reason: str | None = None,
) -> TicketCreate:
    """The ticket to open, from every entry point (Slack's surfaces, `deskbot ticket create`): category,
    team and priority from the desk's rules, with the reason; a priority only staff can impose."""
    team = None
    if triager is not None:
        triage = triager.triage(
            f"{title}\n{description}", channel=channel, category=category, asked=asked, by_staff=by_staff
        )
        category, team, asked = triage.category, triage.team, triage.priority
        reason = f"{reason}; {triage.reason}" if reason else triage.reason
    elif asked is not None and not by_staff:
        reason = f"{reason + '; ' if reason else ''}the requester asked for {asked.value}"
        asked = None
    return TicketCreate(
        title=clip(title, 200),  # a cut is marked "…", at a word
        description=clip(description, 40000),
        requester=requester,
        channel=channel,
        thread_ts=thread_ts,
        priority=asked or Priority.NORMAL,
        category=category,
        team=team,
        priority_reason=reason[:300] if reason else None,
    )


class Triager:
    """Routes requests with a router trained on first use (the model loads once per process)."""

    def __init__(self, *, config: SupportConfig, router: Callable[[], CategoryRouter]) -> None:
        self.config = config
        self._router = router
        self._lock = threading.Lock()
        self._built: CategoryRouter | None = None
        self._cues: ExampleCues | None = None

    @property
    def router(self) -> CategoryRouter:
        with self._lock:
            if self._built is None:
                self._built = self._router()
            return self._built

    @property
    def example_cues(self) -> ExampleCues | None:
        """Priority examples, matched with the router's engine (None when no cue has examples)."""
        has_examples = any(c.examples for c in self.config.routing.priority_cues) or any(
            c.examples for spec in self.config.categories.values() for c in spec.priority_cues
        )
        if not has_examples:
            return None
        engine = self.router.embedder
        with self._lock:
            if self._cues is None:
                self._cues = ExampleCues.from_config(self.config, engine.embed)
            return self._cues

    def triage(
        self,
        text: str,
        *,
        channel: str | None,
        category: str | None = None,
        asked: Priority | None = None,
        by_staff: bool = False,
    ) -> Triage:
        """Route `text`; a category the person chose wins over the router. Priority comes from the
        rules (cues, category, the channel's tier); a priority support staff chose is applied, one a
        requester asked for is recorded in the reason but decides nothing."""
        route = None
        if category is None and self.config.categories:
            route = self.router.route(text)
            category = route.category
        tier = self.config.channels[channel].tier if channel in self.config.channels else None
        priority, why = priority_for(
            text, config=self.config, category=category, tier=tier, examples=self.example_cues
        )
        if asked is not None and by_staff:
            priority, why = asked, f"priority {asked.value}: chosen by support staff (the rules said {why})"
        elif asked is not None:
            why = f"{why}; the requester asked for {asked.value}"
        team = self.config.team_for_category(category)
        routed = (
            route.reason()
            if route is not None
            else f"category {category} (chosen)"
            if category
            else "no category"
        )
        return Triage(category, priority, team, f"{why}; {routed}", route)
