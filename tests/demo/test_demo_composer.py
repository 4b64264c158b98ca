"""The demo's composer turns what a Slack user types into Slack references, as Slack's client does."""

from __future__ import annotations

import pytest

from bot.config import SAMPLE_DIR
from bot.demo.web import SimulatorError, slack_references
from bot.demo.workspace import OTHERS, PEOPLE, channel_names
from bot.fakes.slack import BOT_USER
from bot.support import load_support_config

USERS = {
    **{uid: {"name": n.split()[0].lower(), "real_name": n} for uid, n in OTHERS.items()},
    **PEOPLE,
    BOT_USER: {"name": "deskbot", "real_name": "Deskbot"},
}
CHANNELS = channel_names(load_support_config(SAMPLE_DIR / "support.yaml"))


def refs(text: str, *, command: bool = True) -> str:
    return slack_references(text, people=USERS, channels=CHANNELS, command=command)


def test_the_readmes_commands_become_references() -> None:
    assert refs("assign 118 @Dana") == "assign 118 <@U0AGENT004|dana>"
    assert refs('add #acme-bigcorp every monday 10:00 "Anything blocking?"') == (
        'add <#C0ENTERPR1|acme-bigcorp> every monday 10:00 "Anything blocking?"'
    )
    assert refs("add 42 @carol") == "add 42 <@U0MANAGER1|carol>"  # a handle or a first name, any case


def test_a_message_gets_plain_mentions_and_keeps_what_is_not_a_name() -> None:
    assert (
        refs("thanks @bob, see #help-acme.", command=False)
        == "thanks <@U0AGENT001>, see <#C0SUPPORT1|help-acme>."
    )
    assert refs("@deskbot hello", command=False) == f"<@{BOT_USER}> hello"
    # not a mention or a channel: an e-mail address, an unknown name, a ticket number, C#
    for text in ("mail bob@example.com", "hi @nobody", "see #118", "we use C# here"):
        assert refs(text, command=False) == text


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("assign 118 @Zed", "There is nobody called @Zed in this workspace. Mention one of: "),
        ('add #acme every monday 10:00 "x"', "There is no channel #acme in this workspace. Channels: "),
    ],
)
def test_a_command_naming_nobody_says_what_was_expected(typed: str, says: str) -> None:
    with pytest.raises(SimulatorError) as refused:
        refs(typed)
    assert str(refused.value).startswith(says)
    assert "@dana" in str(refused.value) or "#acme-bigcorp" in str(refused.value)


def test_a_ticket_number_in_a_command_is_not_a_channel() -> None:
    assert refs("show #118") == "show #118"
