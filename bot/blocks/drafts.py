"""Article drafts in Slack: the preview the knowledge owners get, what it says once decided, the Edit modal."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.common import INPUT_MAX, Block, button, clip, context, quote, section
from bot.blocks.forms import input_block, modal, text_input
from bot.models import ArticleDraft
from bot.slack_text import safe

PUBLISH_PUBLIC, PUBLISH_INTERNAL = "article_publish_public", "article_publish_internal"
EDIT, DISCARD = "article_edit", "article_discard"
EDIT_VIEW = "article_edit"
TAGS_MAX = 300


def _about(draft: ArticleDraft) -> str:
    tags = ", ".join(safe(t) for t in draft.tags) or "none"
    by = "written by the LLM from" if draft.written_by == "llm" else "taken from"
    return f"Draft {draft.id}, {by} the team's public replies on ticket #{draft.ticket_number} · tags: {tags}"


def draft_preview(draft: ArticleDraft, *, why: str | None = None) -> dict[str, Any]:
    """The knowledge owners' preview: title, body, where it came from, and what they can do with it
    (`why`: why Deskbot offers it by itself, e.g. "asked and solved 3 times")."""
    value = str(draft.id)
    offered = f" — _suggested: {safe(why)}_" if why else ""
    blocks: list[Block] = [
        section(f":memo: *Article draft:* {safe(draft.title)}{offered}"),
        section(quote(draft.body, 2600)),
        context(_about(draft), "Internal notes and the requester's contact details are left out."),
        {
            "type": "actions",
            "block_id": f"article:{draft.id}",
            "elements": [
                button("Publish as public", PUBLISH_PUBLIC, value, "primary"),
                button("Publish as internal", PUBLISH_INTERNAL, value),
                button("Edit", EDIT, value),
                button("Discard", DISCARD, value, "danger"),
            ],
        },
    ]
    text = f"Article draft from ticket #{draft.ticket_number}: {safe(draft.title)}"
    return {"text": clip(text, 3000), "blocks": blocks}


def drafting(number: int, *, reviewers: list[str], waiting: int | None = None) -> str:
    """What *Draft an article* and `/ticket article N` say: drafting now, or the draft already waiting."""
    shown = [f"<#{r}>" if r[:1] in ("C", "G") else f"<@{r}>" for r in reviewers[:10]]
    to = ", ".join(shown) or "you (no knowledge.reviewers nor review_channel are configured)"
    if waiting is not None:
        return f":memo: Ticket #{number} already has article draft {waiting} waiting for {to}."
    return f":memo: Drafting an article from ticket #{number}: the preview goes to {to} to publish, edit or discard."


def draft_decided(draft: ArticleDraft) -> dict[str, Any]:
    """The preview once published or discarded (its buttons gone)."""
    who = f"<@{draft.decided_by}>" if (draft.decided_by or "")[:1] in ("U", "W") else "an operator"
    if draft.status == "published":
        line = f":white_check_mark: Published as *{draft.visibility}* by {who}: `{safe(draft.path)}`"
    else:
        line = f":wastebasket: Discarded by {who}."
    text = f"Article draft {draft.id} ({safe(draft.title)}): {line}"
    return {
        "text": clip(text, 3000),
        "blocks": [section(f":memo: *{safe(draft.title)}*"), section(quote(draft.body, 1500)), context(line)],
    }


def draft_edit_modal(draft: ArticleDraft, *, metadata: dict[str, Any]) -> dict[str, Any]:
    """Edit a draft before publishing: title, body (Markdown) and tags."""
    blocks = [
        input_block("title", "Title", text_input(max_length=150, initial=draft.title)),
        input_block(
            "body", "Article (Markdown)", text_input(max_length=INPUT_MAX, initial=draft.body, multiline=True)
        ),
        input_block(
            "tags",
            "Tags (comma-separated)",
            text_input(max_length=TAGS_MAX, initial=", ".join(draft.tags)),
            optional=True,
        ),
    ]
    return modal(EDIT_VIEW, "Edit article", "Save", blocks, json.dumps({**metadata, "draft": draft.id}))
