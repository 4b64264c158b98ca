"""The one boundary for text going to Slack.

People's text (titles, questions, descriptions, notes, names) reaches Deskbot in two forms: Slack
markup from events and slash commands (`&amp;`, `&lt;`, `<@U…>`, `<url|label>`), and raw text from
modals, the CLI and the database. `safe()` turns either into mrkdwn that shows what the person wrote
and can neither ping (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`) nor phish (a link whose
label hides where it goes); markup Slack already escaped is kept, never escaped twice. `display()` is
the same for plain_text fields. `SafeWebClient` scrubs broadcasts from every payload Deskbot sends,
whichever builder made it: Deskbot never means to ping a whole channel or group.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient

from knowledge.clipping import clip

_TOKEN = re.compile(r"<([^<>\n]{1,3000})>")
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt);)")
_USER = re.compile(r"@[UWB][A-Z0-9]{2,30}")
_CHANNEL = re.compile(r"#[CGD][A-Z0-9]{2,30}")
_URL = re.compile(r"(?i)(?:https?://|mailto:)[^\s|<>]+")
# Slack's special mentions: anything `<!…>` but a date (which only formats a timestamp)
BROADCAST = re.compile(r"<!(?!date\^)([^<>|]*)(?:\|([^<>]*))?>")
WORD_JOINER = "\u2060"  # "@\u2060here" reads as @here and never becomes a mention, even with link_names
# Bidirectional overrides, embeddings and isolates: in a question they reorder what follows ("gnp.exe"
# shown as "exe.png"); removed from people's text (ordinary right-to-left text needs none of them)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _text(piece: str) -> str:
    """Literal text as mrkdwn: a bare `&` and any angle bracket escaped, existing entities kept."""
    return _BARE_AMP.sub("&amp;", piece).replace("<", "&lt;").replace(">", "&gt;")


def _inert_broadcast(target: str, label: str | None) -> str:
    """`<!here>` → `@here` that pings nobody; a user group by its label."""
    name = (label or "").lstrip("@") or target.split("^", 1)[0]
    if name.startswith("subteam"):
        name = "group"
    return "@" + WORD_JOINER + _text(name.strip() or "here")


def _same_place(label: str, url: str) -> bool:
    """Whether a link's label shows where it goes (Slack writes `<https://a.b|a.b>` for typed URLs)."""

    def bare(u: str) -> str:
        return re.sub(r"(?i)^(https?://|mailto:)", "", u.replace("&amp;", "&")).rstrip("/").lower()

    return bare(label) == bare(url)


def _token(match: re.Match[str], mentions: bool = True) -> str:
    inner = match.group(1)
    target, bar, label = inner.partition("|")
    if _USER.fullmatch(target):
        return f"<{target}>" if mentions else "@" + WORD_JOINER + target[1:]
    if _CHANNEL.fullmatch(target):
        return f"<{target}|{_text(label)}>" if bar and label else f"<{target}>"
    if target.startswith("!"):
        if target.startswith("!date^"):
            return _text(label) if bar else ""
        return _inert_broadcast(target[1:], label if bar else None)
    if _URL.fullmatch(target):
        if not bar or not label.strip() or _same_place(label, target):
            return f"<{target}>"
        return f"{_text(label)} (<{target}>)"  # the label kept, the real address shown
    return _text(match.group(0))


# what a cut must not fall inside: a Slack token (a mention, channel, broadcast or link) or one of the
# three entities Slack writes; a literal "<" or "&" in raw text ("amount < 100", "AT&T") is neither
_SPAN = re.compile(r"<(?:[@#!]|https?://|mailto:)[^<>\n]*>|&(?:amp|lt|gt);")


def shorten(text: str | None, limit: int) -> str:
    """People's text in Slack markup cut like `clip` (at a space or CJK punctuation, with "…"), never
    inside a link, a mention or an entity: "Bauer &amp; Söhne" cut after "&amp" showed "&amp;amp"."""
    text = text or ""
    out = clip(text, limit)
    if out == text:
        return out
    kept = out.removesuffix("…")
    for span in _SPAN.finditer(text, 0, len(kept) + 3000):
        if span.start() < len(kept) < span.end():
            kept = text[: span.start()].rstrip()
            break
    return kept + "…"


def safe(text: str | None, limit: int | None = None, *, mentions: bool = True) -> str:
    """People's text as mrkdwn: mentions of one person, channels and plain links kept; broadcasts made
    inert; a disguised link shown with its real address; bidirectional overrides removed; everything
    else literal. Idempotent. With `limit`, first cut to that many characters (`shorten`).
    `mentions=False`: a person mentioned in the text is named, not notified ("@U0AGENT002"): for text
    quoted again and again (the digest, SLA warnings and reminders pinged whoever a title mentioned)."""
    text = _BIDI.sub("", shorten(text, limit) if limit is not None else text or "")
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(_text(text[last : match.start()]))
        out.append(_token(match, mentions))
        last = match.end()
    out.append(_text(text[last:]))
    return "".join(out)


def display(text: str | None) -> str:
    """People's text for a plain_text field (shown as typed, never parsed): markup made readable."""
    shown = safe(text)
    shown = re.sub(r"<(@[UWB][A-Z0-9]+)>", r"\1", shown)
    shown = re.sub(r"<#[CGD][A-Z0-9]+\|([^>]*)>", r"#\1", shown)
    shown = re.sub(r"<#([CGD][A-Z0-9]+)>", r"#\1", shown)
    shown = re.sub(r"<([^<>|]+)>", r"\1", shown)
    return neutralise_broadcasts(shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def neutralise_broadcasts(text: str) -> str:
    """`text` with every `<!channel>`, `<!here>`, `<!everyone>` and `<!subteam^…>` made inert (repeated
    until none is left: defusing `<!<!here>>` must not leave a new `<!…>` behind)."""
    while True:
        done = BROADCAST.sub(lambda m: _inert_broadcast(m.group(1), m.group(2)), text)
        if done == text:
            return done
        text = done


def scrub(value: Any) -> Any:
    """A payload (dicts, lists, strings) with no broadcast anywhere in it."""
    if isinstance(value, str):
        return neutralise_broadcasts(value) if "<!" in value else value
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class SafeWebClient(WebClient):
    """The WebClient every surface sends through (handlers, jobs, CLI, demo): no payload leaves with
    a broadcast in it, whatever produced it."""

    def api_call(  # type: ignore[override]
        self,
        api_method: str,
        *,
        json: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        return super().api_call(
            api_method, json=scrub(json), data=scrub(data), params=scrub(params), **kwargs
        )
