"""Buttons and selects: answer feedback, talk to a human, ticket card actions, CSAT."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot import blocks
from bot.desk import Desk
from handlers.guard import guarded


def _where(body: dict[str, Any]) -> tuple[str, str | None, str | None, str | None]:
    """(user, channel, message ts, thread ts) of a block action."""
    message = body.get("message") or {}
    channel = (body.get("channel") or body.get("container") or {}).get("id") or body.get("container", {}).get(
        "channel_id"
    )
    return body["user"]["id"], channel, message.get("ts"), message.get("thread_ts")


def register(app: App, desk: Desk) -> None:
    @app.action(re.compile(r"^kb_(helpful|not_helpful)$"))
    def on_feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user, channel, ts, _ = _where(body)
        with guarded(desk, user=user, channel=channel):
            query_id = int(action["value"]) if action.get("value", "").isdigit() else None
            desk.feedback(
                query_id=query_id,
                user=user,
                helpful=action["action_id"] == "kb_helpful",
                channel=channel or "",
                ts=ts or "",
                message=body.get("message") or {},
            )

    @app.action("kb_escalate")
    def on_escalate(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user, channel, ts, thread = _where(body)
        with guarded(desk, user=user, channel=channel, thread_ts=thread):
            query_id = int(action["value"]) if action.get("value", "").isdigit() else None
            desk.escalate_question(
                query_id=query_id, user=user, channel=channel or "", message_ts=ts or "", thread_ts=thread
            )

    @app.action(re.compile(r"^ticket_(claim|escalate|wait|resume|resolve|reopen|close)$"))
    def on_ticket_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user, channel, _, thread = _where(body)
        with guarded(desk, user=user, channel=channel, thread_ts=thread):
            desk.change(action["action_id"].removeprefix("ticket_"), number=int(action["value"]), actor=user)
            if body.get("view", {}).get("type") == "home":
                desk.publish_home(user=user)

    @app.action("ticket_assign")
    def on_assign(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user, channel, _, _ = _where(body)
        with guarded(desk, user=user, channel=channel):
            number = int(action["block_id"].split(":", 1)[1])
            desk.change("assign", number=number, actor=user, assignee=action["selected_user"])

    @app.action(re.compile(r"^csat_[1-5]$"))
    def on_csat(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user, channel, ts, thread = _where(body)
        with guarded(desk, user=user, channel=channel, thread_ts=thread):
            desk.rate(
                number=int(action["value"]),
                score=int(action["action_id"][-1]),
                user=user,
                channel=channel or "",
                ts=ts or "",
            )

    @app.action(re.compile(r"^followup_(help|resolved)$"))
    def on_followup(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user, channel, ts, thread = _where(body)
        with guarded(desk, user=user, channel=channel, thread_ts=thread):
            desk.followup(
                number=int(action["value"]),
                user=user,
                resolved=action["action_id"] == "followup_resolved",
                channel=channel or "",
                ts=ts or "",
            )

    @app.action("csat_comment")
    def on_csat_comment(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        ack()
        user, channel, _, _ = _where(body)
        with guarded(desk, user=user, channel=channel):
            client.views_open(
                trigger_id=body["trigger_id"], view=blocks.csat_comment_modal(int(action["value"]))
            )
