"""Slack's documented Block Kit limits, checked on every message and view the app sends (in tests, and
by the fake Slack server, which rejects a violating payload the way Slack does: `invalid_blocks`)."""

from __future__ import annotations

from typing import Any

LIMITS = {
    "message_blocks": 50,
    "view_blocks": 100,
    "section_text": 3000,
    "section_fields": 10,
    "field_text": 2000,
    "header_text": 150,
    "context_elements": 10,
    "actions_elements": 25,
    "button_text": 75,
    "button_value": 2000,
    "action_id": 255,
    "block_id": 255,
    "modal_title": 24,
    "modal_button": 24,
    "private_metadata": 3000,
    "input_label": 2000,
    "placeholder": 150,
    "option_text": 75,
    "options": 100,
    "message_text": 40000,
    "initial_value": 3000,
}


def problems_in_message(payload: dict[str, Any]) -> list[str]:
    """Every limit a chat.postMessage / chat.update / postEphemeral payload breaks."""
    out: list[str] = []
    text = payload.get("text") or ""
    if len(text) > LIMITS["message_text"]:
        out.append(f"text is {len(text)} chars (max {LIMITS['message_text']})")
    blocks = payload.get("blocks") or []
    if len(blocks) > LIMITS["message_blocks"]:
        out.append(f"{len(blocks)} blocks (max {LIMITS['message_blocks']})")
    return out + _blocks(blocks)


def problems_in_view(view: dict[str, Any]) -> list[str]:
    """Every limit a modal or Home tab view breaks."""
    out: list[str] = []
    blocks = view.get("blocks") or []
    if len(blocks) > LIMITS["view_blocks"]:
        out.append(f"{len(blocks)} blocks (max {LIMITS['view_blocks']})")
    if view.get("type") == "modal":
        for key, limit in (("title", "modal_title"), ("submit", "modal_button"), ("close", "modal_button")):
            if key in view and len(view[key]["text"]) > LIMITS[limit]:
                out.append(f"modal {key} is {len(view[key]['text'])} chars (max {LIMITS[limit]})")
        if "title" not in view:
            out.append("a modal needs a title")
    if len(view.get("private_metadata") or "") > LIMITS["private_metadata"]:
        out.append("private_metadata over 3000 chars")
    return out + _blocks(blocks)


def _blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """Each block's limits, and the ids Slack requires to be unique: a `block_id` in its message or
    view, an `action_id` in its block (two "Merge into" buttons sharing one were refused:
    `invalid_blocks`, "action_id … already exists")."""
    out: list[str] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        out += [f"blocks[{i}]: {p}" for p in _block(block)]
        if "block_id" in block:
            if block["block_id"] in seen:
                out.append(f"blocks[{i}]: block_id {block['block_id']!r} already exists")
            seen.add(block["block_id"])
        ids = [el.get("action_id") for el in _elements(block) if el.get("action_id")]
        out += [
            f"blocks[{i}]: action_id {a!r} already exists"
            for a in sorted({a for a in ids if ids.count(a) > 1})
        ]
    return out


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "actions":
        return list(block.get("elements") or [])
    return [e for e in (block.get("accessory"), block.get("element")) if e]


def _text(obj: dict[str, Any] | None, limit: str, what: str) -> list[str]:
    if not obj:
        return []
    text = obj.get("text", "")
    if not text:
        return [f"{what} is empty"]
    return [f"{what} is {len(text)} chars (max {LIMITS[limit]})"] if len(text) > LIMITS[limit] else []


def _element(el: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if len(el.get("action_id", "")) > LIMITS["action_id"]:
        out.append("action_id too long")
    if el.get("type") == "button":
        out += _text(el.get("text"), "button_text", "button text")
        if len(el.get("value", "")) > LIMITS["button_value"]:
            out.append("button value over 2000 chars")
    if "placeholder" in el:
        out += _text(el["placeholder"], "placeholder", "placeholder")
    options = el.get("options") or []
    if len(options) > LIMITS["options"]:
        out.append(f"{len(options)} options (max 100)")
    for option in options:
        out += _text(option.get("text"), "option_text", "option text")
    if len(el.get("initial_value", "")) > LIMITS["initial_value"]:
        out.append("initial_value over 3000 chars")
    if el.get("type") == "plain_text_input" and el.get("max_length", 0) > LIMITS["initial_value"]:
        out.append("plain_text_input max_length over 3000")
    return out


def _block(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    out: list[str] = []
    if len(block.get("block_id", "")) > LIMITS["block_id"]:
        out.append("block_id too long")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            out.append("section needs text or fields")
        out += _text(block.get("text"), "section_text", "section text")
        fields = block.get("fields") or []
        if len(fields) > LIMITS["section_fields"]:
            out.append(f"{len(fields)} fields (max 10)")
        for field in fields:
            out += _text(field, "field_text", "field")
        if "accessory" in block:
            out += _element(block["accessory"])
    elif kind == "header":
        out += _text(block.get("text"), "header_text", "header")
        if block.get("text", {}).get("type") != "plain_text":
            out.append("header text must be plain_text")
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > LIMITS["context_elements"]:
            out.append(f"context has {len(elements)} elements (1-10)")
        for el in elements:
            out += _text(el, "section_text", "context element") if el.get("type") != "image" else []
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > LIMITS["actions_elements"]:
            out.append(f"actions has {len(elements)} elements (1-25)")
        for el in elements:
            out += _element(el)
    elif kind == "input":
        out += _text(block.get("label"), "input_label", "input label")
        out += _element(block.get("element") or {})
    elif kind not in ("divider", "image", "rich_text", "file"):
        out.append(f"unknown block type {kind!r}")
    return out
