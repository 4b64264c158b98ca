"""A ticket in Slack: the triage card, the requester's acknowledgement, relays, CSAT, short notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks.common import (
    PRIORITY_EMOJI,
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
from bot.blocks.similar import merged_context, similar_blocks
from bot.i18n import requester_language, t, weekday_time
from bot.models import Status, Ticket
from bot.sla import SlaReport
from bot.slack_text import display, safe
from bot.verbs import VERBS


def words(text: str | None) -> str:
    """People's words quoted back (a title, a description): a person they mention is named, never pinged
    (`safe` is idempotent, so `quote` may pass it through the boundary again). A relay is not quoting:
    it delivers a message to the people it was written for, mentions and all."""
    return safe(text, mentions=False)


def verb_button(name: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A card button for a ticket verb, labelled and identified from the verbs table."""
    verb = VERBS[name]
    return button(verb.label, verb.action_id, value, style)


def card_actions(ticket: Ticket) -> list[dict[str, Any]]:
    """The card's buttons (and assignee picker) that fit the ticket's status."""
    status, value = ticket.status, str(ticket.number)
    actions: list[dict[str, Any]] = []
    if status in (Status.NEW, Status.REOPENED) or (status == Status.OPEN and not ticket.assignee):
        actions.append(verb_button("claim", value, "primary"))
    if status not in (Status.RESOLVED, Status.CLOSED):
        actions.append(
            {
                "type": "users_select",
                "action_id": "ticket_assign",
                "placeholder": plain("Assign…", 150),
                **({"initial_user": ticket.assignee} if ticket.assignee else {}),
            }
        )
        actions.append(verb_button("escalate", value))
        if status == Status.WAITING:
            actions.append(verb_button("resume", value))
        else:
            actions.append(verb_button("wait", value))
        actions.append(verb_button("resolve", value, "primary" if ticket.assignee else None))
    elif status == Status.RESOLVED:
        actions.append(verb_button("reopen", value))
        actions.append(verb_button("close", value))
    if status in (Status.RESOLVED, Status.CLOSED):
        actions.append(verb_button("article", value))  # what solved it, for the next person who asks
    return actions


def ticket_card(
    ticket: Ticket,
    report: SlaReport | None,
    *,
    notes: int = 0,
    similar: Any = None,
    merged: Sequence[int] = (),
) -> dict[str, Any]:
    """The triage card: what, who, where, the clocks, the actions that fit the status, and (for staff
    only: the card lives in the triage channel) similar tickets and likely duplicates."""
    number = ticket.number
    status = ticket.status
    header = f"#{number} {display(ticket.title)}"
    fields = [
        f"*Status*\n{STATUS_EMOJI.get(status, '')} {status.value.replace('_', ' ')}",
        f"*Priority*\n{PRIORITY_EMOJI.get(ticket.priority.value, '')} {ticket.priority.value}",
        f"*Requester*\n<@{ticket.requester}>",
        f"*Assignee*\n{f'<@{ticket.assignee}>' if ticket.assignee else '_unassigned_'}",
        f"*Team*\n{ticket.team} · {ticket.level.value}",
        f"*Category*\n{ticket.category or '_none_'}",
    ]
    blocks: list[Block] = [
        {"type": "header", "text": plain(header)},
        {"type": "section", "fields": [mrkdwn(clip(f, 1900)) for f in fields]},
    ]
    if ticket.description:
        blocks.append(section(quote(words(ticket.description), 1500)))
    facts = [sla_line(report) if status not in (Status.RESOLVED, Status.CLOSED) else ""]
    if ticket.priority_reason:
        reason = ticket.priority_reason  # already reads "priority high: matched 'outage'; category …"
        facts.append(words(reason if reason.startswith("priority") else f"priority: {reason}"))
    if ticket.csat:
        facts.append(f"CSAT {'★' * ticket.csat}{'☆' * (5 - ticket.csat)} ({ticket.csat}/5)")
    if ticket.channel and ticket.thread_ts:
        facts.append(f"asked in <#{ticket.channel}>")
    if any(facts):  # a context block needs an element (a resolved ticket opened at the CLI may have none)
        blocks.append(context(*[f for f in facts if f]))
    blocks += merged_context(ticket, merged)
    actions = card_actions(ticket)
    if actions:
        blocks.append({"type": "actions", "block_id": f"ticket:{number}", "elements": actions})
    if status not in (Status.RESOLVED, Status.CLOSED):
        blocks += similar_blocks(number or 0, similar)
    return {"text": clip(f"Ticket #{number}: {words(ticket.title)} ({status.value})", 3000), "blocks": blocks}


# what a title's own sentence marks become when the acknowledgement ends its sentence
_END_MARKS = ".?!。？！؟…"


def ticket_ack(
    ticket: Ticket,
    report: SlaReport | None,
    *,
    opens_at: datetime | None = None,
    working_time: bool = True,
    lang: str | None = None,
) -> dict[str, Any]:
    """What the requester sees in their thread when a ticket is opened, in their language (`lang`). A
    promise matches the clock: outside the team's hours it says when the team starts (`opens_at`, in the
    team's time zone), and a 24x7 policy promises wall-clock time."""
    title = words(ticket.title).rstrip(_END_MARKS + " \u00a0").lstrip("¿¡") or t(lang, "your request")
    priority = t(lang, ticket.priority.value)
    expect = ""
    if report is not None and report.first_response.due_at is not None:
        within = duration(report.first_response.target_seconds)
        promise = (
            "We aim to reply within *{within}* of working time ({priority} priority)."
            if working_time
            else "We aim to reply within *{within}* ({priority} priority)."
        )
        expect = " " + t(lang, promise, within=within, priority=priority)
        if opens_at is not None:
            zone = str(opens_at.tzinfo).split("/")[-1].replace("_", " ")
            expect = " " + t(
                lang,
                "The team will look at it from *{when}* {zone} time; first reply within *{within}* of working time ({priority} priority).",
                when=weekday_time(opens_at, lang),
                zone=zone,
                within=within,
                priority=priority,
            )
    text = ":ticket: " + t(
        lang,
        "Ticket *#{number}* is open — {title}.{expect} Replies from the team will appear in this thread.",
        number=ticket.number,
        title=title,
        expect=expect,
    )
    return {"text": clip(text, 3000), "blocks": [section(text)]}


def relay(author: str, text: str, *, from_agent: bool, lang: str | None = None) -> dict[str, Any]:
    """A message copied between the requester's thread and the card's thread; the team's label in the
    requester's language (`lang`) when it goes to them (the card thread is the team's: English)."""
    who = f"<@{author}> " + (t(lang, "(support)") if from_agent else "(requester)")
    body = f"{who}:\n{quote(text, 2800)}"
    return {"text": clip(f"<@{author}>: {safe(text)}", 3000), "blocks": [section(body)]}


def csat_prompt(ticket: Ticket, lang: str | None = None) -> dict[str, Any]:
    text = ":white_check_mark: " + t(
        lang, "Ticket *#{number}* is resolved. How did we do?", number=ticket.number
    )
    faces = [
        ":disappointed:",
        ":slightly_frowning_face:",
        ":neutral_face:",
        ":slightly_smiling_face:",
        ":star-struck:",
    ]
    return {
        "text": clip(text, 3000),
        "blocks": [
            section(text + " " + t(lang, "Reply in this thread within the reopen window if it's not fixed.")),
            {
                "type": "actions",
                "block_id": f"csat:{ticket.number}",
                "elements": [
                    button(f"{faces[i - 1]} {i}", f"csat_{i}", str(ticket.number)) for i in range(1, 6)
                ]
                + [button(t(lang, "Add a comment"), "csat_comment", str(ticket.number))],
            },
        ],
    }


def waiting_on_you(ticket: Ticket) -> dict[str, Any]:
    """The requester's nudge when the team waits on them, in the requester's language."""
    text = t(
        requester_language(ticket),
        "The team is waiting for your reply on ticket #{number}: answer in this thread and it goes straight back to them.",
        number=ticket.number,
    )
    return {"text": text, "blocks": [section(text)]}


def csat_thanks(score: int, lang: str | None = None) -> dict[str, Any]:
    text = ":pray: " + t(lang, "Thanks! You rated this {score}/5.", score=score)
    return {"text": text, "blocks": [section(text)]}


def not_in_channel(channel: str, number: int | None, lang: str | None = None) -> dict[str, Any]:
    """The requester's DM when the channel they asked in refuses the bot, in their language (`lang`)."""
    return {
        "text": t(
            lang,
            "I'm not in {channel}, so I'll keep you posted on ticket #{number} here. Reply in this thread to reach the team.",
            channel=f"<#{channel}>",
            number=number,
        )
    }


def followup_thanks(resolved: bool, lang: str | None = None) -> dict[str, Any]:
    """The requester's answer to a follow-up, acknowledged in their language (`lang`)."""
    return short_message(
        t(lang, "Thanks — we've marked it resolved.")
        if resolved
        else t(lang, "Thanks — the team has been told you still need help.")
    )


def followup_said(resolved: bool) -> str:
    """What the requester's follow-up answer says in the card thread."""
    return "It's resolved, thanks." if resolved else "I still need help."


def not_your_thread(lang: str | None = None) -> dict[str, Any]:
    """Someone who is not the requester (nor added by them) wrote in a ticket's requester thread; told in
    the language they wrote in (`lang`)."""
    return {
        "text": t(
            lang,
            "This thread belongs to someone else's request, so your message was not passed to the support team. To ask for help yourself, use `/ticket new` or ask me in a DM.",
        )
    }


def outside_your_teams(number: int, team: str) -> dict[str, Any]:
    """An agent wrote in the card thread of a ticket another team works: nothing was relayed or changed."""
    return {
        "text": f"Ticket #{number} is worked by team {safe(team)}, not yours, so your message was not passed "
        "to the requester and nothing changed. Ask the team in their channel, or a manager to move it."
    }


def thread_command_refused(word: str, rest: str) -> dict[str, Any]:
    """A `!word` in a card thread that is not a command (or has words after it): refused, with help."""
    from bot.verbs import THREAD_VERBS, thread_help

    problem = (
        f"`!{word}` takes nothing after it"
        if word in THREAD_VERBS
        else "`!note` needs the note after it"
        if word == "note"
        else f"I don't know `!{words(word[:30])}`"
    )
    return {"text": f":warning: {problem}, so nothing was sent to the requester.\n{thread_help()}"}
