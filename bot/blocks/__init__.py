"""Pure Block Kit builders: data in, Slack payloads out, always within Slack's limits. Every Slack
string and block Deskbot sends is built here (and in bot/notices.py for the jobs); people's text passes
the text boundary (bot/slack_text.py). Nothing here talks to Slack or the database."""

from __future__ import annotations

from bot.blocks.answers import (
    abstain_message,
    answer_message,
    article_link,
    ask_me,
    feedback_thanks,
    what_the_bot_found,
)
from bot.blocks.common import (
    BUTTON_MAX,
    HEADER_MAX,
    INPUT_MAX,
    PRIORITY_EMOJI,
    SECTION_MAX,
    STATUS_EMOJI,
    Block,
    button,
    clip,
    context,
    duration,
    mrkdwn,
    plain,
    quote,
    section,
    short_message,
    sla_line,
)
from bot.blocks.drafts import draft_decided, draft_edit_modal, draft_preview, drafting
from bot.blocks.forms import csat_comment_modal, new_ticket_modal
from bot.blocks.home import home_view
from bot.blocks.tickets import (
    csat_prompt,
    csat_thanks,
    followup_said,
    followup_thanks,
    not_in_channel,
    not_your_thread,
    relay,
    thread_command_refused,
    ticket_ack,
    ticket_card,
    waiting_on_you,
)

__all__ = [
    "SECTION_MAX",
    "HEADER_MAX",
    "BUTTON_MAX",
    "INPUT_MAX",
    "Block",
    "STATUS_EMOJI",
    "PRIORITY_EMOJI",
    "clip",
    "plain",
    "mrkdwn",
    "section",
    "context",
    "button",
    "quote",
    "duration",
    "sla_line",
    "short_message",
    "article_link",
    "answer_message",
    "abstain_message",
    "feedback_thanks",
    "ask_me",
    "what_the_bot_found",
    "ticket_card",
    "ticket_ack",
    "relay",
    "csat_prompt",
    "waiting_on_you",
    "csat_thanks",
    "not_in_channel",
    "followup_thanks",
    "followup_said",
    "not_your_thread",
    "thread_command_refused",
    "new_ticket_modal",
    "csat_comment_modal",
    "home_view",
    "draft_preview",
    "draft_decided",
    "draft_edit_modal",
    "drafting",
]
