"""Answering questions: who may see which documents, when the bot answers in a channel, the answer
or the abstention in the thread, and what the asker does with it (rate it, ask for a person)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot import access, blocks
from bot.answers import UNAVAILABLE
from bot.desk.context import DeskContext
from bot.desk.intake import Intake, Request
from bot.desk.slack_io import SlackIO
from bot.errors import InvalidInput, PermissionDenied
from bot.models import Feedback, KbQuery, Ticket
from knowledge import language
from knowledge.base import Audience


class Answering:
    def __init__(self, ctx: DeskContext, slack: SlackIO, intake: Intake) -> None:
        self.ctx, self.slack, self.intake = ctx, slack, intake

    def audience_for(self, *, channel: str, user: str) -> Audience:
        """Customer channels see public documents; staff channels, and staff in DMs, see internal ones too."""
        spec = self.ctx.config.channels.get(channel)
        if spec is not None:
            return spec.audience
        return "staff" if access.is_staff(self.ctx.config, user) and channel.startswith("D") else "customer"

    def is_support_channel(self, channel: str) -> bool:
        """A channel the configuration lists (where :ticket: reactions open tickets)."""
        return channel in self.ctx.config.channels

    def wants_answer(self, *, channel: str, channel_type: str | None, mentioned: bool) -> bool:
        """Per-channel mode: DMs always; configured channels by mode; elsewhere only when mentioned."""
        if channel_type == "im" or channel.startswith("D"):
            return True
        spec = self.ctx.config.channels.get(channel)
        if spec is None or spec.mode == "mention_only":
            return mentioned
        return spec.mode == "answer_all" or mentioned and spec.mode != "tickets_only"

    def answer(self, *, channel: str, user: str, text: str, ts: str, thread_ts: str | None) -> None:
        """:eyes: while working, then the answer (or the abstention and a ticket offer) in the thread."""
        question = text.strip()  # without the bot's own mention (handlers.payloads.Message.question)
        thread = thread_ts or ts
        if not question:
            self.ctx.client.chat_postMessage(channel=channel, thread_ts=thread, **blocks.ask_me())
            return
        self.slack.react(channel, ts, "eyes", add=True)
        try:
            audience = self.audience_for(channel=channel, user=user)
            reply = self.ctx.answers().answer(question, audience=audience, user=user, channel=channel)
            if reply.answer.grounded:
                payload = blocks.answer_message(
                    reply.answer, query_id=reply.query_id, lang=reply.answer.language
                )
            else:
                payload = self._abstain(question, reply, channel=channel, user=user, thread=thread)
            self.ctx.client.chat_postMessage(channel=channel, thread_ts=thread, **payload)
        finally:
            self.slack.react(channel, ts, "eyes", add=False)

    def _abstain(self, question: str, reply: Any, *, channel: str, user: str, thread: str) -> dict[str, Any]:
        """Say so plainly; open a ticket where the channel asks for one."""
        spec = self.ctx.config.channels.get(channel)
        opened = None
        if spec is not None and spec.on_abstain == "open_ticket":
            request = Request(
                title=question,
                description=question,
                requester=user,
                actor=user,
                channel=channel,
                thread_ts=thread,
                reason="the knowledge base had no answer",
                query_id=reply.query_id,
            )
            opened = self.intake.open(request).number
        return blocks.abstain_message(
            query_id=reply.query_id,
            opened=opened,
            unavailable=reply.answer.why_not == UNAVAILABLE,
            related=reply.answer.related,
            lang=reply.answer.language,
        )

    def feedback(
        self,
        *,
        query_id: int | None,
        user: str,
        helpful: bool,
        channel: str,
        ts: str,
        message: dict[str, Any],
    ) -> None:
        """Helpful / Not helpful: recorded, and the buttons replaced by thanks (and still a way to a person)."""
        asked = self._own_question(query_id, user=user)
        lang = language.detect(asked.question) if asked is not None else None
        with self.ctx.db.transaction() as s:
            # one verdict per person and answer, their latest: a double click, or stale buttons clicked
            # again, counted "×3 didn't help" for one answer
            if query_id is not None:
                for earlier in s.exec(
                    select(Feedback).where(Feedback.query_id == query_id, Feedback.user == user)
                ).all():
                    s.delete(earlier)
            s.add(Feedback(query_id=query_id, user=user, helpful=helpful, created_at=self.ctx.clock()))
        # the buttons, and any thanks an earlier click left (stale buttons clicked again): two
        # "kb_after_feedback" blocks in one message are refused by Slack (invalid_blocks)
        kept = [b for b in message.get("blocks", []) if b.get("block_id") not in blocks.FEEDBACK_BLOCKS]
        self.ctx.client.chat_update(
            channel=channel,
            ts=ts,
            text=message.get("text", "Thanks!"),
            blocks=[*kept, *blocks.feedback_thanks(helpful, query_id=query_id, lang=lang)],
        )

    def escalate(
        self, *, query_id: int | None, user: str, channel: str, message_ts: str, thread_ts: str | None
    ) -> Ticket:
        """'Talk to a human': a ticket carrying the question and what the bot found."""
        query = self._own_question(query_id, user=user)
        if query is not None and query.ticket_number is not None:
            raise InvalidInput(f"This question already has ticket #{query.ticket_number}.")
        question = query.question if query else "Question from Slack"
        request = Request(
            title=question,
            description=question + blocks.what_the_bot_found(query),
            requester=user,
            actor=user,
            channel=channel,
            thread_ts=thread_ts or message_ts,
            reason="requester asked for a human",
            query_id=query_id,
            said=question,  # routed on the question, not on the bot's English note after it
        )
        return self.intake.open(request)

    def _own_question(self, query_id: int | None, *, user: str) -> KbQuery | None:
        """The question behind an answer's buttons; only its asker (or staff) may rate it or escalate it."""
        with self.ctx.db.session() as s:
            query = s.get(KbQuery, query_id) if query_id else None
        if (
            query is not None
            and query.user
            and query.user != user
            and not access.is_staff(self.ctx.config, user)
        ):
            raise PermissionDenied(
                "Only the person who asked can rate this answer or turn it into a ticket. "
                "Ask me your own question, or use `/ticket new`."
            )
        return query
