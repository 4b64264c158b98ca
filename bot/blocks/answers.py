"""What the bot says about a question: the answer with its sources, the abstention, feedback thanks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import i18n
from bot.blocks.common import (
    Block,
    button,
    clip,
    context,
    section,
)
from bot.i18n import t
from bot.slack_text import safe
from knowledge.results import Answer, Source, nearly_as_relevant


def article_link(source: Source) -> str:
    """The article's title, linked when it has a URL (the title escaped: it is never mrkdwn). Long
    titles are shortened and absurdly long URLs left out, so three links always fit one context line
    and a link is never cut in half."""
    title = safe(source.title, 150)
    return f"<{source.url}|{title}>" if source.url and len(source.url) <= 400 else title


def answer_message(answer: Answer, *, query_id: int | None, lang: str | None = None) -> dict[str, Any]:
    """A grounded answer: the passage, its sources, and Helpful / Not helpful / Talk to a human, in
    the asker's language `lang` (default: the question's); a quoted passage in another language says so."""
    lang = lang or answer.language
    value = str(query_id or "")
    sources = [article_link(s) for s in nearly_as_relevant(answer.sources[:3])]
    blocks: list[Block] = []
    quoted_in = answer.passage_language
    # every asker whose language is not the passage's is told, an English or Chinese one too (a German
    # passage quoted to an English asker said nothing); an asker of unclear language reads English
    if quoted_in and quoted_in != (lang or "en"):
        name = i18n.language_name(quoted_in, lang)
        blocks.append(
            context(
                ":speech_balloon: "
                + t(lang, "The passage below is quoted in {language} from our help centre.", language=name)
            )
        )
    # The text is literal, never markup: a passage's "Bearer <API_KEY>" vanished as a Slack token, and an
    # LLM's answer (the question is in its prompt) could carry a disguised link or ping anyone it named.
    # A canned reply is the desk's own words, written in Slack markup in its configuration: kept as
    # written (its links and mentions are meant); broadcasts are still removed by the client.
    canned = answer.canned  # set by the answer service, never read off a document id ("canned.md")
    shown = clip(answer.text, 2900) if canned else safe(answer.text, 2900, mentions=False)
    blocks.append(section(shown))
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
    return {"text": shown, "blocks": blocks}


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


FEEDBACK_BLOCKS = frozenset({"kb_feedback", "kb_thanks", "kb_after_feedback"})  # replaced on a click


def feedback_thanks(helpful: bool, *, query_id: int | None = None, lang: str | None = None) -> list[Block]:
    """What replaces the feedback buttons: thanks, and after "Not helpful" still the way to a person."""
    if helpful:
        return [{**context(":pray: " + t(lang, "Thanks for the feedback!")), "block_id": "kb_thanks"}]
    return [
        {
            **context(
                ":pray: "
                + t(lang, "Thanks — we'll use this to improve the answer. Still stuck? A person can help.")
            ),
            "block_id": "kb_thanks",
        },
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


def ask_me() -> dict[str, Any]:
    """A mention with nothing after it."""
    return {"text": "Ask me a question and I'll look in the help centre."}


def what_the_bot_found(query: Any) -> str:
    """For the ticket a 'Talk to a human' opens: what the bot answered from or offered."""
    if query is not None and query.sources:
        shown = "answered from" if query.grounded else "offered as possibly related"
        return f"\n\nThe bot {shown}: {', '.join(query.sources)} (confidence {query.confidence:.2f})"
    return "\n\nThe bot found nothing in the knowledge base."
