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
from bot.slack_text import display


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

    def option(value: str, label: str) -> dict[str, Any]:
        return {"text": plain(label, 75), "value": value}

    category_options = [option(v, label) for v, label in categories][:100]
    priority_options = [option(p, p.capitalize()) for p in ("urgent", "high", "normal", "low")]
    category_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": category_options,
    }
    chosen = next((o for o in category_options if o["value"] == category), None)
    if chosen:
        category_element["initial_option"] = chosen
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "title",
            "label": plain("Title", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": 150,
                "initial_value": clip(display(title), 150),
                "placeholder": plain("In a few words, what is wrong?", 150),
            },
        },
        {
            "type": "input",
            "block_id": "description",
            "optional": True,
            "label": plain("Description", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": INPUT_MAX,
                "initial_value": clip(display(description), INPUT_MAX),
            },
        },
        {
            "type": "input",
            "block_id": "priority",
            "optional": True,  # unset, the desk's rules decide (cues, category, the channel's tier)
            "label": plain("How urgent is it?", 2000),
            "hint": plain(
                "The team's rules set the priority; what you pick here is passed on to them.", 2000
            ),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "placeholder": plain("Let the desk decide", 150),
                "options": priority_options,
                **(
                    {"initial_option": next(o for o in priority_options if o["value"] == priority)}
                    if priority
                    else {}
                ),
            },
        },
    ]
    if category_options:
        blocks.append(
            {
                "type": "input",
                "block_id": "category",
                "optional": True,
                "label": plain("Category", 2000),
                "element": category_element,
            }
        )
    return {
        "type": "modal",
        "callback_id": "ticket_new",
        "title": plain("New ticket", 24),
        "submit": plain("Open ticket", 24),
        "close": plain("Cancel", 24),
        "private_metadata": clip(json.dumps(metadata or {}), 3000),
        "blocks": blocks,
    }


def csat_comment_modal(number: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "csat_comment",
        "title": plain("Your feedback", 24),
        "submit": plain("Send", 24),
        "private_metadata": str(number),
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "label": plain(f"Anything to add about ticket #{number}?", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }
