"""What a person asks is their message without the bot's own mention: anyone else they name stays."""

from __future__ import annotations

import pytest

from handlers.payloads import Message

BOT, COLLEAGUE = "U0DESKBOT1", "U0AGENT002"


@pytest.mark.parametrize(
    ("text", "bot", "question"),
    [
        (f"<@{BOT}> how do I reset my password?", BOT, "how do I reset my password?"),
        (
            f"<@{BOT}> <@{COLLEAGUE}> kannst du mir Zugriff geben?",
            BOT,
            f"<@{COLLEAGUE}> kannst du mir Zugriff geben?",
        ),
        (f"Kann <@{COLLEAGUE}> mir helfen, <@{BOT}>?", BOT, f"Kann <@{COLLEAGUE}> mir helfen,  ?"),
        (f"<@{COLLEAGUE}> can you look at my invoice?", BOT, f"<@{COLLEAGUE}> can you look at my invoice?"),
        (f"<@{BOT}>", BOT, ""),  # only the mention: the bot asks what they need
        # the bot's id unknown: the mentions a message opens with are how it was addressed
        (f"<@{BOT}> how do I reset my password?", None, "how do I reset my password?"),
    ],
)
def test_the_question_keeps_everyone_but_the_bot(text: str, bot: str | None, question: str) -> None:
    event = {"type": "app_mention", "user": "U0CUSTOM01", "text": text, "channel": "C1", "ts": "1.0"}
    assert Message.parse(event, bot_user_id=bot).question == question
