"""Buttons and selects: answer feedback, talk to a human, ticket card actions, CSAT."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot import blocks
from bot.desk import Desk
from bot.verbs import VERBS
from handlers.guard import guarded
from handlers.payloads import Action

CARD_BUTTONS = re.compile(
    "^ticket_(" + "|".join(v.name for v in VERBS.values() if v.label and v.changes) + ")$"
)
ARTICLE = VERBS["article"].action_id


def register(app: App, desk: Desk) -> None:
    _register_articles(app, desk)
    _register_card(app, desk)

    @app.action(re.compile(r"^kb_(helpful|not_helpful)$"))
    def on_feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel):
            desk.answering.feedback(
                query_id=a.query_id,
                user=a.user,
                helpful=a.action_id == "kb_helpful",
                channel=a.channel or "",
                ts=a.message_ts or "",
                message=a.message,
            )

    @app.action("kb_escalate")
    def on_escalate(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel, thread_ts=a.thread_ts):
            desk.answering.escalate(
                query_id=a.query_id,
                user=a.user,
                channel=a.channel or "",
                message_ts=a.message_ts or "",
                thread_ts=a.thread_ts,
            )

    @app.action(re.compile(r"^csat_[1-5]$"))
    def on_csat(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel, thread_ts=a.thread_ts):
            score = int(a.action_id[-1])
            desk.work.rate(
                number=a.number, score=score, user=a.user, channel=a.channel or "", ts=a.message_ts or ""
            )

    @app.action(re.compile(r"^followup_(help|resolved)$"))
    def on_followup(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel, thread_ts=a.thread_ts):
            desk.work.followup(
                number=a.number,
                user=a.user,
                resolved=a.action_id == "followup_resolved",
                channel=a.channel or "",
                ts=a.message_ts or "",
            )

    @app.action("csat_comment")
    def on_csat_comment(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel):
            lang = desk.work.requester_language(a.number)
            client.views_open(trigger_id=a.trigger_id, view=blocks.csat_comment_modal(a.number, lang=lang))


def _register_articles(app: App, desk: Desk) -> None:
    """*Draft an article* on a resolved card; the knowledge owners' buttons on a draft's preview."""

    @app.action(ARTICLE)
    def on_draft_article(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel, thread_ts=a.thread_ts):
            desk.drafts.draft(number=a.number, actor=a.user, tell=(a.channel or "", a.thread_ts))

    @app.action(re.compile(r"^article_(publish_public|publish_internal|discard)$"))
    def on_draft_decision(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel):
            if a.action_id == "article_discard":
                desk.drafts.discard(draft_id=a.draft_id, actor=a.user, where=a.message_at)
            else:
                visibility = a.action_id.removeprefix("article_publish_")
                desk.drafts.publish(
                    draft_id=a.draft_id, actor=a.user, visibility=visibility, where=a.message_at
                )

    @app.action("article_edit")
    def on_draft_edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel):
            view = desk.drafts.edit_form(draft_id=a.draft_id, actor=a.user, where=a.message_at)
            client.views_open(trigger_id=a.trigger_id, view=view)


def _register_card(app: App, desk: Desk) -> None:
    """The ticket card's buttons, its assignee picker and Merge."""

    @app.action(CARD_BUTTONS)
    def on_ticket_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel, thread_ts=a.thread_ts):
            desk.work.change(a.action_id.removeprefix("ticket_"), number=a.number, actor=a.user)
            if a.in_home:
                desk.home.publish(user=a.user)

    @app.action(re.compile(rf"^{VERBS['merge'].action_id}(:\d+)?$"))  # one button per look-alike: unique ids
    def on_merge(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel):
            number, into = a.pair
            desk.work.change("merge", number=number, actor=a.user, into=into)

    @app.action("ticket_assign")
    def on_assign(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        a = Action.parse(body, action)
        with guarded(desk, user=a.user, channel=a.channel):
            number = int(a.block_id.split(":", 1)[1])
            desk.work.change("assign", number=number, actor=a.user, assignee=a.selected_user)
