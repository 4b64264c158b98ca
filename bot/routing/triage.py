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
from knowledge import language
from knowledge.clipping import clip
from knowledge.embedding import Engine, encodable, get_engine


@dataclass(frozen=True)
class Triage:
    category: str | None
    priority: Priority
    team: str
    reason: str  # recorded on the ticket and in its audit event
    route: Route | None
    routed: str = ""  # the routing part of `reason` ("category billing, 0.82; runner-up …"), kept whole


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
    said: str | None = None,
) -> TicketCreate:
    """The ticket to open, from every entry point (Slack's surfaces, `deskbot ticket create`): category,
    team and priority from the desk's rules, with the reason; a priority only staff can impose.

    `said`: the requester's own words, when the description adds the bot's (Talk to a human appends what
    the bot found, in English: routed on, it changed the category and the request's language)."""
    title, description = encodable([title, description])  # stored: no half characters (lone surrogates)
    said = encodable([said])[0] if said else said
    team = None
    if triager is not None:
        triage = triager.triage(
            said or f"{title}\n{description}",
            channel=channel,
            category=category,
            asked=asked,
            by_staff=by_staff,
        )
        category, team, asked = triage.category, triage.team, triage.priority
        reason = _within(
            f"{reason}; {triage.reason}" if reason else triage.reason, REASON_CHARS, triage.routed
        )
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
        language=language.detect(said or f"{title}\n{description}"),
        team=team,
        priority_reason=_within(reason, REASON_CHARS, "") if reason else None,
    )


REASON_CHARS = 300  # the ticket's priority_reason column


def _within(reason: str, limit: int, keep: str) -> str:
    """`reason` in `limit` characters, cut with "…" at a word, its ending `keep` (the routing decision and
    its confidence, which the card and the audit event show) kept whole: a cut at 300 characters took it
    away mid-word ("…not urgent; li")."""
    if len(reason) <= limit:
        return reason
    if keep and reason.endswith(keep) and len(keep) + 3 < limit:
        head = reason[: len(reason) - len(keep)].rstrip("; ")
        return f"{clip(head, limit - len(keep) - 2)}; {keep}"
    return clip(reason, limit)


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
        """Route `text`. A category support staff chose wins over the router; one a requester chose is
        taken only where the router finds none (a review: "Please add a dark mode" filed by a customer
        under login_access took that category's high priority). Priority comes from the rules (cues,
        category, the channel's tier); a priority support staff chose is applied, one a requester asked
        for is recorded in the reason but decides nothing."""
        route = None
        chosen = category
        if (category is None or not by_staff) and self.config.categories:
            route = self.router.route(text)
            category = route.category or category
        tier = self.config.channels[channel].tier if channel in self.config.channels else None
        priority, why = priority_for(
            text, config=self.config, category=category, tier=tier, examples=self.example_cues
        )
        if asked is not None and by_staff:
            priority, why = asked, f"priority {asked.value}: chosen by support staff (the rules said {why})"
        elif asked is not None:
            why = f"{why}; the requester asked for {asked.value}"
        team = self.config.team_for_category(category)
        if route is None:
            routed = f"category {category} (chosen)" if category else "no category"
        elif chosen is not None and route.category is None:
            routed = f"category {category} (chosen by the requester; {route.reason()})"
        elif chosen is not None and chosen != route.category:
            routed = f"{route.reason()}; the requester chose {chosen}"
        else:
            routed = route.reason()
        return Triage(category, priority, team, f"{why}; {routed}", route, routed)
