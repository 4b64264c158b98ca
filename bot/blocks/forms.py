"""Modals: the New ticket form and the CSAT comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks.common import (
    INPUT_MAX,
    Block,
    clip,
    plain,
)
from bot.i18n import t
from bot.slack_text import display


def text_input(
    *, max_length: int, initial: str = "", multiline: bool = False, placeholder: str | None = None
) -> dict[str, Any]:
    """A plain-text input element (people's text shown as typed, clipped to the element's limit)."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = clip(display(initial), max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def select(
    options: Sequence[tuple[str, str]], *, initial: str | None = None, placeholder: str | None = None
) -> dict[str, Any]:
    """A static select of (value, label) pairs (Slack allows 100 options), `initial` chosen if offered."""
    choices = [{"text": plain(label, 75), "value": value} for value, label in options][:100]
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": choices}
    chosen = next((o for o in choices if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    """An input block whose element's value is read back as `values[block_id]["value"]`."""
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def modal(
    callback_id: str, title: str, submit: str, blocks: list[Block], metadata: str = "", close: str = "Cancel"
) -> dict[str, Any]:
    """A modal view with a Cancel button; `metadata` rides in private_metadata."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(close, 24),
        "private_metadata": clip(metadata, 3000),
        "blocks": blocks,
    }


def new_ticket_modal(
    *,
    categories: Sequence[tuple[str, str]],
    title: str = "",
    description: str = "",
    category: str | None = None,
    priority: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The 'New ticket' modal; `metadata` (channel, thread, permalink) rides in private_metadata."""
    priorities = [(p, p.capitalize()) for p in ("urgent", "high", "normal", "low")]
    blocks: list[Block] = [
        input_block(
            "title",
            "Title",
            text_input(max_length=150, initial=title, placeholder="In a few words, what is wrong?"),
        ),
        input_block(
            "description",
            "Description",
            text_input(max_length=INPUT_MAX, initial=description, multiline=True),
            optional=True,
        ),
        # unset, the desk's rules decide (cues, category, the channel's tier)
        input_block(
            "priority",
            "How urgent is it?",
            select(priorities, initial=priority, placeholder="Let the desk decide"),
            optional=True,
            hint="The team's rules set the priority; what you pick here is passed on to them.",
        ),
    ]
    if categories:
        blocks.append(
            input_block("category", "Category", select(categories, initial=category), optional=True)
        )
    return modal("ticket_new", "New ticket", "Open ticket", blocks, json.dumps(metadata or {}))


def csat_comment_modal(number: int, lang: str | None = None) -> dict[str, Any]:
    """Ask the requester what to add to their rating of ticket `number`, in their language (`lang`)."""
    comment = text_input(max_length=2000, multiline=True)
    label = t(lang, "Anything to add about ticket #{number}?", number=number)
    blocks = [input_block("comment", label, comment)]
    return modal(
        "csat_comment",
        t(lang, "Your feedback"),
        t(lang, "Send"),
        blocks,
        str(number),
        close=t(lang, "Cancel"),
    )
