"""Slack's incoming payloads, parsed once into small typed models (handlers never `.get` raw dicts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from knowledge.embedding import encodable

# A person's message: no subtype, a thread reply also sent to the channel, or a file shared with words.
# Everything else (bot_message, message_changed, channel_join, channel_topic, …) is not a question.
PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}


# mentions that open a message: how people address the bot, when its user id is not known
_ADDRESSED = re.compile(r"^(?:\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>)+")


@dataclass(frozen=True)
class Message:
    """A message event (or an app_mention)."""

    user: str
    channel: str
    text: str
    ts: str
    thread_ts: str | None
    channel_type: str | None
    from_person: bool  # a person wrote it, with text (never a bot, a channel event, an edit)
    user_team: str | None = None  # the author's Slack team (another organisation's in Slack Connect)
    bot_user_id: str | None = None

    @property
    def question(self) -> str:
        """The text without the bot's own mention (how people address it): mentions of anyone else are
        part of what they ask, and the ticket keeps them ("Kann <@U0AGENT002> mir Zugriff geben?")."""
        if self.bot_user_id:
            return self.text.replace(f"<@{self.bot_user_id}>", " ").strip()
        return _ADDRESSED.sub("", self.text).strip()  # the bot's id unknown: the mentions it opens with

    @property
    def is_reply(self) -> bool:
        """A reply in a thread (not the thread's parent)."""
        return bool(self.thread_ts) and self.thread_ts != self.ts

    @property
    def thread(self) -> str:
        """Where the bot answers: the thread, or a new one under this message."""
        return self.thread_ts or self.ts

    @classmethod
    def parse(cls, event: dict[str, Any], *, bot_user_id: str | None) -> Message:
        user = str(event.get("user") or "")
        # storable whatever the JSON held: half a character (a lone surrogate) failed the note's write
        [text] = encodable([str(event.get("text") or "")])
        person = (
            event.get("subtype") in PERSON_SUBTYPES
            and not event.get("bot_id")
            and not event.get("bot_profile")
            and bool(user)
            and user != bot_user_id
            and bool(text.strip())
        )
        return cls(
            user=user,
            channel=str(event.get("channel") or ""),
            text=text,
            ts=str(event.get("ts") or ""),
            thread_ts=event.get("thread_ts"),
            channel_type=event.get("channel_type"),
            from_person=person,
            user_team=event.get("user_team") or event.get("team"),
            bot_user_id=bot_user_id,
        )


def from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A message a person wrote, with text: never a bot's (ours or another app's, or a loop starts),
    never a channel event, an edit or a bare file share."""
    return Message.parse(event, bot_user_id=bot_user_id).from_person


@dataclass(frozen=True)
class Action:
    """A block action: who pressed what, where."""

    user: str
    action_id: str
    value: str
    block_id: str
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    message: dict[str, Any]
    selected_user: str | None
    in_home: bool
    trigger_id: str | None

    @property
    def number(self) -> int:
        """The ticket number a card or CSAT button carries."""
        return int(self.value)

    @property
    def draft_id(self) -> int:
        """The article draft a preview's buttons carry."""
        return int(self.value)

    @property
    def message_at(self) -> tuple[str, str] | None:
        """(channel, ts) of the message the button is on, to update it in place."""
        return (self.channel, self.message_ts) if self.channel and self.message_ts else None

    @property
    def pair(self) -> tuple[int, int]:
        """The two ticket numbers a Merge button carries: (duplicate, original)."""
        first, _, second = self.value.partition(":")
        return int(first), int(second)

    @property
    def query_id(self) -> int | None:
        """The question an answer's buttons carry."""
        return int(self.value) if self.value.isdigit() else None

    @classmethod
    def parse(cls, body: dict[str, Any], action: dict[str, Any]) -> Action:
        message = body.get("message") or {}
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        return cls(
            user=body["user"]["id"],
            action_id=str(action.get("action_id", "")),
            value=str(action.get("value") or ""),
            block_id=str(action.get("block_id") or ""),
            channel=channel,
            message_ts=message.get("ts"),
            thread_ts=message.get("thread_ts"),
            message=message,
            selected_user=action.get("selected_user"),
            in_home=(body.get("view") or {}).get("type") == "home",
            trigger_id=body.get("trigger_id"),
        )
