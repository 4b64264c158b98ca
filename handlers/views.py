"""Modal submissions: the New ticket form, the CSAT comment and the Edit article form."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.desk import Desk, Request
from bot.support import Priority
from handlers.guard import guarded
from knowledge.embedding import encodable


def _value(state: dict[str, Any], block: str) -> str | None:
    field = state.get(block, {}).get("value", {})
    if "selected_option" in field:
        return (field["selected_option"] or {}).get("value")
    value = field.get("value")
    return encodable([value])[0] if isinstance(value, str) else value  # no half characters (lone surrogates)


def register(app: App, desk: Desk) -> None:
    _register_article_edit(app, desk)

    @app.view("ticket_new")
    def on_new_ticket(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        title = (_value(state, "title") or "").strip()
        if not title:
            ack(
                response_action="errors",
                errors={"title": "Give the ticket a title: a few words about what is wrong."},
            )
            return
        ack()
        user = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        description = _value(state, "description") or ""
        if meta.get("permalink"):
            description += f"\n\nFrom: {meta['permalink']}"
        with guarded(desk, user=user, channel=meta.get("channel")):
            chosen = _value(state, "priority")
            request = Request(
                title=title,
                description=description,
                requester=meta.get("requester") or user,
                actor=user,
                channel=meta.get("channel"),
                thread_ts=meta.get("thread_ts"),
                priority=Priority(chosen) if chosen else None,
                category=_value(state, "category"),
            )
            desk.intake.open(request)

    @app.view("csat_comment")
    def on_csat_comment(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        comment = (_value(view["state"]["values"], "comment") or "").strip()
        if not comment:
            ack(response_action="errors", errors={"comment": "Write a comment, or press Cancel."})
            return
        ack()
        user = body["user"]["id"]
        with guarded(desk, user=user):
            desk.work.csat_comment(number=int(view["private_metadata"]), user=user, comment=comment)


def _register_article_edit(app: App, desk: Desk) -> None:
    """The Edit modal of an article draft: title and body required, tags optional."""

    @app.view("article_edit")
    def on_article_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        title, text = (_value(state, "title") or "").strip(), (_value(state, "body") or "").strip()
        if not title or not text:
            missing = "title" if not title else "body"
            ack(
                response_action="errors",
                errors={missing: "Write something here, or press Cancel to keep the draft."},
            )
            return
        ack()
        user = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        where = (meta["channel"], meta["ts"]) if meta.get("channel") and meta.get("ts") else None
        with guarded(desk, user=user, channel=meta.get("channel")):
            desk.drafts.save(
                draft_id=int(meta["draft"]),
                actor=user,
                title=title,
                body=text,
                tags=_value(state, "tags") or "",
                where=where,
            )
