"""What an article drafted from a ticket is made of, and the privacy filter every word of it passes.

Pure functions: the customer's question becomes the title (greetings and Slack markup dropped), the
support team's *public* replies become the body (internal notes and the requester's own messages are
never material), and the customer's names (its people's, its organisation's), every e-mail address
and every phone number are removed from both — before a writer sees them and again after (an LLM may echo what it was told)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.models import Note, Ticket
from knowledge.clipping import clip

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,}\d(?!\w)")
SLACK_MAILTO = re.compile(r"<mailto:[^>|]*(?:\|[^>]*)?>")
SLACK_TEL = re.compile(r"<tel:[^>|]*(?:\|[^>]*)?>")
SLACK_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
SLACK_CHANNEL = re.compile(r"<#[CG][A-Z0-9]+(?:\|([^>]*))?>")
SLACK_SPECIAL = re.compile(r"<![^>]*>")
SLACK_LINK = re.compile(r"<(https?://[^>|\s]+)(?:\|([^>]*))?>")
GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|bonjour|hola)\b[^\n]{0,40}?[,!:.\-–]\s*",
    re.IGNORECASE,
)
SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank you|many thanks|cheers|best|regards|kind regards|best regards|bye)\b[^\n]{0,40}$",
    re.IGNORECASE,
)
TITLE_MAX = 150


@dataclass(frozen=True)
class Material:
    """What a writer may use: the cleaned question, the team's cleaned public replies, the tags."""

    ticket: int
    question: str
    replies: tuple[str, ...]
    tags: tuple[str, ...]


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    international = text.lstrip("(").startswith(("+", "00"))
    return "[phone]" if digits >= 9 or (international and digits >= 7) else text


def scrub(text: str, *, names: Iterable[str] = ()) -> str:
    """The text without e-mail addresses, phone numbers, Slack mentions and broadcasts, nor `names`."""
    text = SLACK_MAILTO.sub("[e-mail]", text)
    text = SLACK_TEL.sub("[phone]", text)
    text = SLACK_USER.sub("", text)
    text = SLACK_SPECIAL.sub("", text)
    text = SLACK_CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "", text)
    text = SLACK_LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})" if m.group(2) else m.group(1), text)
    text = EMAIL.sub("[e-mail]", text)
    text = PHONE.sub(_phone, text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "the customer", text, flags=re.IGNORECASE)
    return text


def name_variants(names: Iterable[str]) -> list[str]:
    """A person's names as they may appear in text: the full names and each part of three letters or more."""
    out: list[str] = []
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        out.append(name)
        out += [part for part in re.split(r"[\s._-]+", name) if len(part) >= 3]
    return list(dict.fromkeys(out))


def _tidy(text: str) -> str:
    lines = [GREETING.sub("", line) for line in text.strip().splitlines()]
    lines = [line.rstrip() for line in lines if not SIGN_OFF.match(line)]
    text = "\n".join(lines).strip()
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def clean_title(title: str, *, names: Iterable[str] = ()) -> str:
    """The customer's question as an article title: one line, no greeting, no personal data."""
    text = " ".join(scrub(title, names=names).split())
    text = GREETING.sub("", text).strip()
    text = re.sub(r"^(?:please|pls|urgent|help)\b[\s:,!-]*", "", text, flags=re.IGNORECASE).strip()
    text = text.rstrip(" .!,;:-") if not text.endswith("?") else text
    text = clip(text, TITLE_MAX)
    return (text[:1].upper() + text[1:]) or "Untitled article"


def public_replies(notes: Sequence[Note], *, ticket: Ticket, staff: Iterable[str]) -> list[Note]:
    """The support team's public replies, oldest first: never an internal note, never the requester's
    words (nor those of anyone speaking for them — they are not in `staff`)."""
    team = set(staff)
    return sorted(
        (n for n in notes if not n.internal and n.author != ticket.requester and n.author in team),
        key=lambda n: (n.created_at, n.id or 0),
    )


def material(
    ticket: Ticket,
    replies: Sequence[Note],
    *,
    names: Iterable[str] = (),
    orgs: Iterable[str] = (),
    ticket_tags: Sequence[str] = (),
) -> Material:
    """The draft's material from a ticket and its team's public replies, personal data removed (people's
    `names` and each part of them; the customer's organisation, `orgs`, by its whole names only)."""
    variants = name_variants(names) + [o for o in orgs if o]
    cleaned = [_tidy(scrub(n.body, names=variants)) for n in replies]
    assert ticket.number is not None
    return Material(
        ticket=ticket.number,
        question=clean_title(ticket.title, names=variants),
        replies=tuple(r for r in cleaned if r),
        tags=tuple(dict.fromkeys(t for t in ticket_tags if t)),
    )
