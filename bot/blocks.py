"""Pure Block Kit builders: data in, Slack payloads out, always within Slack's limits.

Nothing here talks to Slack or the database; `bot/slack_limits.py` checks the results in tests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import i18n
from bot.i18n import t
from bot.models import Status, Ticket
from bot.sla import SlaReport
from bot.slack_text import display, safe
from knowledge.base import Answer, Source, nearly_as_relevant
from knowledge.gaps import Gap

SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_MAX = 75
INPUT_MAX = 3000
Block = dict[str, Any]

STATUS_EMOJI = {
    Status.NEW: ":new:",
    Status.OPEN: ":large_blue_circle:",
    Status.WAITING: ":hourglass_flowing_sand:",
    Status.RESOLVED: ":white_check_mark:",
    Status.CLOSED: ":lock:",
    Status.REOPENED: ":repeat:",
}
PRIORITY_EMOJI = {
    "urgent": ":red_circle:",
    "high": ":large_orange_circle:",
    "normal": ":white_circle:",
    "low": ":white_circle:",
}


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary, with an ellipsis when cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def plain(text: str, limit: int = HEADER_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_MAX) or " "}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip(t, 1900)) for t in texts[:10] if t]}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_MAX), "action_id": action_id}
    if value:
        out["value"] = clip(value, 2000)
    if style:
        out["style"] = style
    return out


def quote(text: str, limit: int = 2500) -> str:
    return "\n".join(f"> {line}" for line in safe(clip(text, limit)).splitlines() or [""])


def duration(seconds: float) -> str:
    """'2h 05m', '35m', '3d 4h' (negative values are overdue)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m" if hours else f"{mins}m"
    return text


def sla_line(report: SlaReport | None) -> str:
    """The ticket's clocks in one line: ':stopwatch: first response in 1h 20m · resolution in 2d 3h'."""
    if report is None:
        return "SLA: policy no longer configured"
    parts = []
    for label, clock in (("first response", report.first_response), ("resolution", report.resolution)):
        if clock.state == "stopped":
            parts.append(f"{label} {'met' if not clock.breached else 'breached'}")
        elif clock.breached:
            parts.append(f":rotating_light: {label} overdue by {duration(clock.left_seconds)}")
        else:
            paused = " (paused)" if clock.state == "paused" else ""
            parts.append(f"{label} in {duration(clock.left_seconds)}{paused}")
    return ":stopwatch: " + " · ".join(parts)


# ---- answers ---------------------------------------------------------------------------------------


def article_link(source: Source) -> str:
    """The article's title, linked when it has a URL (the title escaped: it is never mrkdwn). Long
    titles are shortened and absurdly long URLs left out, so three links always fit one context line
    and a link is never cut in half."""
    title = safe(clip(source.title, 150))
    return f"<{source.url}|{title}>" if source.url and len(source.url) <= 400 else title


def answer_message(answer: Answer, *, query_id: int | None, lang: str | None = None) -> dict[str, Any]:
    """A grounded answer: the passage, its sources, and Helpful / Not helpful / Talk to a human, in
    the asker's language `lang` (default: the question's); a quoted passage in another language says so."""
    lang = lang or answer.language
    value = str(query_id or "")
    sources = [article_link(s) for s in nearly_as_relevant(answer.sources[:3])]
    blocks: list[Block] = []
    quoted_in = answer.passage_language
    if quoted_in and i18n.normalize(lang) != "en" and quoted_in != lang:
        name = i18n.language_name(quoted_in, lang)
        blocks.append(
            context(
                ":speech_balloon: "
                + t(lang, "The passage below is quoted in {language} from our help centre.", language=name)
            )
        )
    blocks.append(section(answer.text))
    if sources:
        see_also = (
            " · " + t(lang, "see also {links}", links=", ".join(sources[1:])) if len(sources) > 1 else ""
        )
        blocks.append(context(":books: " + t(lang, "Source: {source}", source=sources[0]) + see_also))
    blocks.append(
        {
            "type": "actions",
            "block_id": "kb_feedback",
            "elements": [
                button(":thumbsup: " + t(lang, "Helpful"), "kb_helpful", value),
                button(":thumbsdown: " + t(lang, "Not helpful"), "kb_not_helpful", value),
                button(":raising_hand: " + t(lang, "Talk to a human"), "kb_escalate", value),
            ],
        }
    )
    return {"text": clip(answer.text, 3000), "blocks": blocks}


def abstain_message(
    *,
    query_id: int | None,
    opened: int | None = None,
    unavailable: bool = False,
    related: Sequence[Source] = (),
    lang: str | None = None,
) -> dict[str, Any]:
    """The bot does not know (or cannot search right now): say so plainly, list the closest articles
    when there are some worth a look (never as the answer), and offer a ticket (or say one was opened),
    in the asker's language `lang`."""
    looked = t(
        lang,
        "I can't search our help centre right now"
        if unavailable
        else "I couldn't find this in our help centre",
    )
    maybe = (
        [
            context(
                ":mag: "
                + t(lang, "These articles may be related:")
                + " "
                + " · ".join(article_link(s) for s in related)
            )
        ]
        if related
        else []
    )
    if opened is not None:
        text = t(
            lang,
            "{looked}, so I opened ticket *#{number}* for the team. They will reply in this thread.",
            looked=looked,
            number=opened,
        )
        return {"text": text, "blocks": [section(text), *maybe]}
    text = t(
        lang,
        "I can't search our help centre right now. A person from the support team can help."
        if unavailable
        else "I couldn't find an answer to this in our help centre. A person from the support team can help.",
    )
    return {
        "text": text,
        "blocks": [
            section(f":thinking_face: {text}"),
            *maybe,
            {
                "type": "actions",
                "block_id": "kb_abstain",
                "elements": [
                    button(
                        ":ticket: " + t(lang, "Open a ticket"), "kb_escalate", str(query_id or ""), "primary"
                    )
                ],
            },
        ],
    }


def feedback_thanks(helpful: bool, *, query_id: int | None = None, lang: str | None = None) -> list[Block]:
    """What replaces the feedback buttons: thanks, and after "Not helpful" still the way to a person."""
    if helpful:
        return [context(":pray: " + t(lang, "Thanks for the feedback!"))]
    return [
        context(
            ":pray: "
            + t(lang, "Thanks — we'll use this to improve the answer. Still stuck? A person can help.")
        ),
        {
            "type": "actions",
            "block_id": "kb_after_feedback",
            "elements": [
                button(
                    ":raising_hand: " + t(lang, "Talk to a human"),
                    "kb_escalate",
                    str(query_id or ""),
                    "primary",
                )
            ],
        },
    ]


# ---- tickets ---------------------------------------------------------------------------------------


def ticket_card(ticket: Ticket, report: SlaReport | None, *, notes: int = 0) -> dict[str, Any]:
    """The triage card: what, who, where, the clocks, and the actions that fit the status."""
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
        blocks.append(section(quote(ticket.description, 1500)))
    facts = [sla_line(report) if status not in (Status.RESOLVED, Status.CLOSED) else ""]
    if ticket.priority_reason:
        reason = ticket.priority_reason  # already reads "priority high: matched 'outage'; category …"
        facts.append(safe(reason if reason.startswith("priority") else f"priority: {reason}"))
    if ticket.csat:
        facts.append(f"CSAT {'★' * ticket.csat}{'☆' * (5 - ticket.csat)} ({ticket.csat}/5)")
    if ticket.channel and ticket.thread_ts:
        facts.append(f"asked in <#{ticket.channel}>")
    blocks.append(context(*[f for f in facts if f]))
    value = str(number)
    actions: list[dict[str, Any]] = []
    if status in (Status.NEW, Status.REOPENED) or (status == Status.OPEN and not ticket.assignee):
        actions.append(button("Claim", "ticket_claim", value, "primary"))
    if status not in (Status.RESOLVED, Status.CLOSED):
        actions.append(
            {
                "type": "users_select",
                "action_id": "ticket_assign",
                "placeholder": plain("Assign…", 150),
                **({"initial_user": ticket.assignee} if ticket.assignee else {}),
            }
        )
        actions.append(button("Escalate", "ticket_escalate", value))
        if status == Status.WAITING:
            actions.append(button("Customer replied", "ticket_resume", value))
        else:
            actions.append(button("Wait on customer", "ticket_wait", value))
        actions.append(button("Resolve", "ticket_resolve", value, "primary" if ticket.assignee else None))
    elif status == Status.RESOLVED:
        actions.append(button("Reopen", "ticket_reopen", value))
        actions.append(button("Close", "ticket_close", value))
    if actions:
        blocks.append({"type": "actions", "block_id": f"ticket:{number}", "elements": actions})
    return {"text": clip(f"Ticket #{number}: {safe(ticket.title)} ({status.value})", 3000), "blocks": blocks}


def ticket_ack(
    ticket: Ticket, report: SlaReport | None, *, opens_at: datetime | None = None, working_time: bool = True
) -> dict[str, Any]:
    """What the requester sees in their thread when a ticket is opened. A promise matches the clock:
    outside the team's hours it says when the team starts (`opens_at`, in the team's time zone), and a
    24x7 policy promises wall-clock time."""
    title = safe(ticket.title).rstrip(".?!") or "your request"
    expect = ""
    if report is not None and report.first_response.due_at is not None:
        within = duration(report.first_response.target_seconds)
        kind = " of working time" if working_time else ""
        expect = f" We aim to reply within *{within}*{kind} ({ticket.priority.value} priority)."
        if opens_at is not None:
            zone = str(opens_at.tzinfo).split("/")[-1].replace("_", " ")
            expect = (
                f" The team will look at it from *{opens_at:%a %H:%M}* {zone} time; first reply within"
                f" *{within}* of working time ({ticket.priority.value} priority)."
            )
    text = f":ticket: Ticket *#{ticket.number}* is open — {title}.{expect} Replies from the team will appear in this thread."
    return {"text": clip(text, 3000), "blocks": [section(text)]}


def relay(author: str, text: str, *, from_agent: bool) -> dict[str, Any]:
    """A message copied between the requester's thread and the card's thread."""
    who = f"<@{author}>" + (" (support)" if from_agent else " (requester)")
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
    """The requester's nudge when the team waits on them."""
    text = f"The team is waiting for your reply on ticket #{ticket.number}: answer in this thread and it goes straight back to them."
    return {"text": text, "blocks": [section(text)]}


def csat_thanks(score: int, lang: str | None = None) -> dict[str, Any]:
    text = ":pray: " + t(lang, "Thanks! You rated this {score}/5.", score=score)
    return {"text": text, "blocks": [section(text)]}


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


def home_view(
    *,
    role: str,
    mine: Sequence[tuple[Ticket, SlaReport | None]],
    queue: Sequence[tuple[Ticket, SlaReport | None]],
    today: dict[str, Any] | None,
    now: datetime,
    unanswered: Sequence[Gap] = (),
    unhelpful: Sequence[Gap] = (),
) -> dict[str, Any]:
    """App Home: agents see their tickets and the unassigned queue with SLA countdowns; managers see
    today's figures and the week's questions the help centre could not answer."""
    blocks: list[Block] = [{"type": "header", "text": plain("Deskbot")}]
    if role == "requester":
        blocks.append(
            section(
                "Ask me anything in a DM, or use `/ticket new` to reach the support team. Your open tickets:"
            )
        )
    if today is not None:
        blocks.append({"type": "header", "text": plain(f"Today ({now:%a %d %b})")})
        blocks.append(
            {
                "type": "section",
                "fields": [mrkdwn(f"*{label}*\n{value}") for label, value in list(today.items())[:10]],
            }
        )
        blocks.append({"type": "header", "text": plain("Not answered by the help centre (7 days)")})
        blocks.append(
            section("\n".join(f"• {safe(clip(g.wording, 150))} ×{g.asked}" for g in unanswered))
            if unanswered
            else context("Every question this week found an answer. :tada:")
        )
        if unhelpful:
            blocks.append({"type": "header", "text": plain("Answers people said didn't help (7 days)")})
            blocks.append(
                section(
                    "\n".join(
                        f"• {safe(clip(g.wording, 150))} ×{g.asked}"
                        + (f" — article: {safe(clip(g.offered, 100))}" if g.offered else "")
                        for g in unhelpful
                    )
                )
            )

    def rows(title: str, items: Sequence[tuple[Ticket, SlaReport | None]], empty: str) -> None:
        blocks.append({"type": "header", "text": plain(title)})
        if not items:
            blocks.append(context(empty))
            return
        for ticket, report in items[:15]:
            blocks.append(
                {
                    "type": "section",
                    "text": mrkdwn(
                        f"*#{ticket.number}* {safe(clip(ticket.title, 120))}\n"
                        f"{PRIORITY_EMOJI.get(ticket.priority.value, '')} {ticket.priority.value} · "
                        f"{ticket.status.value.replace('_', ' ')} · {ticket.team} · {sla_line(report)}"
                    ),
                    **(
                        {"accessory": button("Claim", "ticket_claim", str(ticket.number))}
                        if not ticket.assignee and role != "requester"
                        else {}
                    ),
                }
            )
        if len(items) > 15:
            blocks.append(context(f"…and {len(items) - 15} more: `/ticket list`"))

    rows("Your tickets" if role != "requester" else "Your requests", mine, "Nothing assigned to you. :tada:")
    if role != "requester":
        rows("Unassigned queue", queue, "The queue is empty.")
    return {"type": "home", "blocks": blocks[:100]}


# ---- short messages --------------------------------------------------------------------------------


def _message(text: str) -> dict[str, Any]:
    return {"text": clip(text, 3000), "blocks": [section(text)]}


def ask_me() -> dict[str, Any]:
    """A mention with nothing after it."""
    return {"text": "Ask me a question and I'll look in the help centre."}


def what_the_bot_found(query: Any) -> str:
    """For the ticket a 'Talk to a human' opens: what the bot answered from or offered."""
    if query is not None and query.sources:
        shown = "answered from" if query.grounded else "offered as possibly related"
        return f"\n\nThe bot {shown}: {', '.join(query.sources)} (confidence {query.confidence:.2f})"
    return "\n\nThe bot found nothing in the knowledge base."


def not_in_channel(channel: str, number: int | None) -> dict[str, Any]:
    """The requester's DM when the channel they asked in refuses the bot."""
    return {
        "text": f"I'm not in <#{channel}>, so I'll keep you posted on ticket #{number} here. "
        "Reply in this thread to reach the team."
    }


def followup_thanks(resolved: bool) -> dict[str, Any]:
    return _message(
        "Thanks — we've marked it resolved." if resolved else "Thanks — the team has been told you still need help."
    )


def followup_said(resolved: bool) -> str:
    """What the requester's follow-up answer says in the card thread."""
    return "It's resolved, thanks." if resolved else "I still need help."


def not_your_thread() -> dict[str, Any]:
    """Someone who is not the requester (nor added by them) wrote in a ticket's requester thread."""
    return {
        "text": "This thread belongs to someone else's request, so your message was not passed to the "
        "support team. To ask for help yourself, use `/ticket new` or ask me in a DM."
    }


def thread_command_refused(word: str, rest: str) -> dict[str, Any]:
    """A `!word` in a card thread that is not a command (or has words after it): refused, with help."""
    from bot.verbs import THREAD_VERBS, thread_help

    problem = (
        f"`!{word}` takes nothing after it"
        if word in THREAD_VERBS
        else "`!note` needs the note after it"
        if word == "note"
        else f"I don't know `!{safe(word[:30])}`"
    )
    return {"text": f":warning: {problem}, so nothing was sent to the requester.\n{thread_help()}"}
