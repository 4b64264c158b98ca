"""Articles from resolved tickets in Slack: *Draft an article* (card button, `/ticket article N`), and
the knowledge owners' *Publish as public / internal*, *Edit* and *Discard* on the preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import access, blocks, tickets
from bot.desk.context import DeskContext
from bot.desk.slack_io import SlackIO
from bot.drafts import service
from bot.drafts.people import names_of_all
from bot.drafts.write import Writer, writer_for
from bot.models import ArticleDraft


class Drafts:
    def __init__(self, ctx: DeskContext, slack: SlackIO) -> None:
        self.ctx, self.slack = ctx, slack

    def check(self, *, number: int, actor: str) -> tuple[str, bool]:
        """What drafting from ticket `number` will do, said at once (refusals raise), and whether a draft
        is already waiting (then nothing is drafted)."""
        access.require_staff(self.ctx.config, actor, doing="draft articles")
        with self.ctx.db.session() as s:
            ticket = tickets.get(s, number=number)
            # another team's ticket does not exist for this agent: not its status, nor its waiting draft
            access.require_work(
                self.ctx.config, ticket, actor, access.participants(tickets.events_of(s, number))
            )
            service.require_draftable(ticket)
            waiting = service.pending_for(s, number=number)
        to = service.reviewers(self.ctx.config)
        return blocks.drafting(number, reviewers=to, waiting=waiting and waiting.id), waiting is not None

    def draft(self, *, number: int, actor: str, tell: tuple[str, str | None] | None = None) -> ArticleDraft:
        """Draft an article from ticket `number` and deliver its preview to the knowledge owners; `tell`
        (channel, thread) says so to the actor there (a card button has no reply of its own)."""
        if tell is not None:
            said, _ = self.check(number=number, actor=actor)
            self.slack.tell(user=actor, channel=tell[0], thread_ts=tell[1], text=said)
        with self.ctx.db.session() as s:
            people = service.customer_side(s, number=number)
        names = names_of_all(self.ctx.client, people)
        draft = self._run(
            service.draft_from_ticket, number=number, actor=actor, writer=self.writer(), names=names
        )
        self.ctx.deliver(number)
        return draft

    def publish(
        self, *, draft_id: int, actor: str, visibility: str, where: tuple[str, str] | None
    ) -> ArticleDraft:
        """Publish the draft into the knowledge base (written under KB_SOURCES, indexed at once)."""
        rules = self.ctx.config.knowledge.visibility.rules()
        ingest = service.indexer(self.ctx.answers().kb, sources=self.ctx.kb_sources, rules=rules)
        draft = self._run(
            service.publish,
            draft_id=draft_id,
            actor=actor,
            visibility=visibility,
            sources=self.ctx.kb_sources,
            ingest=ingest,
            via=_channel(where),
        )
        self._show(blocks.draft_decided(draft), where)
        return draft

    def discard(self, *, draft_id: int, actor: str, where: tuple[str, str] | None) -> ArticleDraft:
        draft = self._run(service.discard, draft_id=draft_id, actor=actor, via=_channel(where))
        self._show(blocks.draft_decided(draft), where)
        return draft

    def edit_form(self, *, draft_id: int, actor: str, where: tuple[str, str] | None) -> dict[str, Any]:
        """The Edit modal of a pending draft (staff only)."""
        with self.ctx.db.session() as s:
            draft = service.pending(
                s,
                draft_id=draft_id,
                actor=actor,
                config=self.ctx.config,
                doing="edit articles",
                via=_channel(where),
            )
        meta = {"channel": where[0], "ts": where[1]} if where else {}
        return blocks.draft_edit_modal(draft, metadata=meta)

    def save(
        self, *, draft_id: int, actor: str, title: str, body: str, tags: str, where: tuple[str, str] | None
    ) -> ArticleDraft:
        draft = self._run(
            service.edit,
            draft_id=draft_id,
            actor=actor,
            title=title,
            body=body,
            tags=tags.split(","),
            via=_channel(where),
        )
        self._show(blocks.draft_preview(draft), where)
        return draft

    def writer(self) -> Writer:
        """The LLM writer when the knowledge base answers with a chat model (LLM_MODEL), else extractive."""
        return writer_for(self.ctx.answers().kb.composer)

    def _run(self, action: Callable[..., ArticleDraft], **kwargs: Any) -> ArticleDraft:
        """One draft service call in its own transaction."""
        with self.ctx.db.transaction() as s:
            return action(s, config=self.ctx.config, now=self.ctx.clock(), **kwargs)

    def _show(self, message: dict[str, Any], where: tuple[str, str] | None) -> None:
        """Update the preview the button was pressed on."""
        if where:
            self.ctx.client.chat_update(channel=where[0], ts=where[1], **message)


def _channel(where: tuple[str, str] | None) -> str | None:
    """The channel of the pressed preview (`where` is its channel and message ts), if any."""
    return where[0] if where else None
