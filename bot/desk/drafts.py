"""Articles from resolved tickets in Slack: *Draft an article* (card button, `/ticket article N`), and
the knowledge owners' *Publish as public / internal*, *Edit* and *Discard* on the preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot import blocks, tickets
from bot.desk.context import DeskContext
from bot.drafts import service
from bot.drafts.people import names_of
from bot.drafts.write import Writer, writer_for
from bot.errors import InvalidInput
from bot.models import ArticleDraft


class Drafts:
    def __init__(self, ctx: DeskContext) -> None:
        self.ctx = ctx

    def draft(self, *, number: int, actor: str) -> ArticleDraft:
        """Draft an article from ticket `number` and deliver its preview to the knowledge owners."""
        with self.ctx.db.session() as s:
            requester = tickets.get(s, number=number).requester
        names = names_of(self.ctx.client, requester)
        with self.ctx.db.transaction() as s:
            draft = service.draft_from_ticket(
                s,
                number=number,
                actor=actor,
                config=self.ctx.config,
                now=self.ctx.clock(),
                writer=self.writer(),
                names=names,
            )
        self.ctx.deliver(number)
        return draft

    def publish(
        self, *, draft_id: int, actor: str, visibility: str, where: tuple[str, str] | None
    ) -> ArticleDraft:
        """Publish the draft into the knowledge base (written under KB_SOURCES, indexed at once)."""
        with self.ctx.db.transaction() as s:
            draft = service.publish(
                s,
                draft_id=draft_id,
                actor=actor,
                config=self.ctx.config,
                now=self.ctx.clock(),
                visibility=visibility,
                sources=self.ctx.kb_sources,
                ingest=self._ingest,
            )
        self._show(draft, where)
        return draft

    def discard(self, *, draft_id: int, actor: str, where: tuple[str, str] | None) -> ArticleDraft:
        with self.ctx.db.transaction() as s:
            draft = service.discard(
                s, draft_id=draft_id, actor=actor, config=self.ctx.config, now=self.ctx.clock()
            )
        self._show(draft, where)
        return draft

    def edit_form(self, *, draft_id: int, actor: str, where: tuple[str, str] | None) -> dict[str, Any]:
        """The Edit modal of a pending draft (staff only)."""
        with self.ctx.db.session() as s:
            draft = service.pending(
                s, draft_id=draft_id, actor=actor, config=self.ctx.config, doing="edit articles"
            )
        meta = {"channel": where[0], "ts": where[1]} if where else {}
        return blocks.draft_edit_modal(draft, metadata=meta)

    def save(
        self, *, draft_id: int, actor: str, title: str, body: str, tags: str, where: tuple[str, str] | None
    ) -> ArticleDraft:
        with self.ctx.db.transaction() as s:
            draft = service.edit(
                s,
                draft_id=draft_id,
                actor=actor,
                config=self.ctx.config,
                now=self.ctx.clock(),
                title=title,
                body=body,
                tags=tags.split(","),
            )
        if where:
            self.ctx.client.chat_update(channel=where[0], ts=where[1], **blocks.draft_preview(draft))
        return draft

    def writer(self) -> Writer:
        """The LLM writer when the knowledge base answers with a chat model (LLM_MODEL), else extractive."""
        return writer_for(self.ctx.answers().kb.composer)

    def _ingest(self, path: Path) -> None:
        rules = self.ctx.config.knowledge.visibility.rules()
        report = self.ctx.answers().kb.ingest([path], root=self.ctx.kb_sources, rules=rules)
        if report.failed:
            raise InvalidInput(
                f"The article could not be indexed, so it was not published: {report.failed[0]}"
            )

    def _show(self, draft: ArticleDraft, where: tuple[str, str] | None) -> None:
        if where:
            self.ctx.client.chat_update(channel=where[0], ts=where[1], **blocks.draft_decided(draft))
