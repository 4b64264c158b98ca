"""Everything Deskbot says to a requester after the acknowledgement speaks their language (German,
Spanish, French, Portuguese; English otherwise): the nudge when the team waits on them, the follow-ups
and their buttons, the auto-resolve notice, the merge notices, the thanks for answering a follow-up,
the DM when their channel refuses the bot, the team's label on a relayed reply, the refusal in someone
else's thread and the CSAT comment modal. All of it was English for everyone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot import blocks, i18n, notices
from bot.blocks.similar import merged_away, merged_in, original_resolved
from bot.models import Status, Ticket
from bot.slack_limits import LIMITS, problems_in_message, problems_in_view

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TITLES = {
    "en": "The export has been stuck since yesterday and no file arrives",
    "de": "Der Export bleibt seit gestern hängen und keine Datei kommt an",
    "es": "La exportación lleva bloqueada desde ayer y no llega ningún archivo",
    "fr": "L'export est bloqué depuis hier et aucun fichier n'arrive",
    "pt": "A exportação está travada desde ontem e nenhum arquivo chega",
}
LANGS = sorted(TITLES)


def _ticket(lang: str) -> Ticket:
    return Ticket(
        number=7,
        title=TITLES[lang],
        requester="U0CUSTOM01",
        channel="C0SUPPORT1",
        thread_ts="1.1",
        team="general",
        status=Status.WAITING,
        merged_into=3,
        created_at=NOW,
        updated_at=NOW,
    )


def _said(lang: str, msgid: str) -> str:
    """The longest stretch of `msgid` without a placeholder, as `lang`'s catalogue says it."""
    text = msgid if lang == "en" else i18n.entries(lang)[msgid]
    return max((piece.split("}")[-1] for piece in text.split("{")), key=len).strip()


# builder, what it is given (a ticket in the language, or the language), and a message it must say
TO_THE_REQUESTER: dict[str, tuple[Any, str]] = {
    "waiting_on_you": (
        lambda tk, lang: blocks.waiting_on_you(tk),
        "The team is waiting for your reply on ticket #{number}: answer in this thread and it goes straight back to them.",
    ),
    "followup": (
        lambda tk, lang: notices.followup(tk, last=False),
        "Hi {requester}, the team is waiting for your reply on ticket *#{number}* ({title}). Still need help?",
    ),
    "followup_last": (
        lambda tk, lang: notices.followup(tk, last=True),
        "If we don't hear back, we'll mark it resolved — you can always reply here to reopen it.",
    ),
    "followup_help_button": (lambda tk, lang: notices.followup(tk, last=False), "Still need help"),
    "followup_resolved_button": (lambda tk, lang: notices.followup(tk, last=False), "It's resolved"),
    "auto_resolved": (
        lambda tk, lang: notices.auto_resolved(tk),
        "Ticket #{number} was resolved as we didn't hear back. Reply here any time to reopen it.",
    ),
    "merged_away": (
        lambda tk, lang: merged_away(tk),
        "Your ticket *#{number}* is about the same problem as ticket *#{original}*, which the team is already working on, so we've joined them. We'll tell you here when it's solved.",
    ),
    "merged_in": (
        lambda tk, lang: merged_in(tk),
        "Someone else reported the same problem, so their request was joined to your ticket *#{number}*. Nothing changes for you: the team keeps working on it here.",
    ),
    "original_resolved": (
        lambda tk, lang: original_resolved(tk),
        "Ticket *#{original}*, which your request *#{number}* joined, is resolved. If it's still not fixed for you, open a new request and mention #{number}.",
    ),
    "followup_thanks_resolved": (
        lambda tk, lang: blocks.followup_thanks(True, lang=lang),
        "Thanks — we've marked it resolved.",
    ),
    "followup_thanks_help": (
        lambda tk, lang: blocks.followup_thanks(False, lang=lang),
        "Thanks — the team has been told you still need help.",
    ),
    "not_in_channel": (
        lambda tk, lang: blocks.not_in_channel("C0OUTSIDE1", 7, lang=lang),
        "I'm not in {channel}, so I'll keep you posted on ticket #{number} here. Reply in this thread to reach the team.",
    ),
    "not_your_thread": (
        lambda tk, lang: blocks.not_your_thread(lang=lang),
        "This thread belongs to someone else's request, so your message was not passed to the support team. To ask for help yourself, use `/ticket new` or ask me in a DM.",
    ),
    "relay_to_the_requester": (
        lambda tk, lang: blocks.relay("U0AGENT001", "Try again now", from_agent=True, lang=lang),
        "(support)",
    ),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TO_THE_REQUESTER))
def test_the_requester_is_told_in_their_language(name: str, lang: str) -> None:
    build, msgid = TO_THE_REQUESTER[name]
    payload = build(_ticket(lang), lang)
    assert _said(lang, msgid) in str(payload), (lang, payload)
    assert not problems_in_message(payload), problems_in_message(payload)
    if lang != "en":  # and none of it in English
        assert _said("en", msgid) not in str(payload) or _said("en", msgid) == _said(lang, msgid)


def test_english_is_as_it_was() -> None:
    """The English text is the msgid: what English requesters saw before, placeholders filled."""
    ticket = _ticket("en")
    assert blocks.not_in_channel("C0OUTSIDE1", 7)["text"] == (
        "I'm not in <#C0OUTSIDE1>, so I'll keep you posted on ticket #7 here. Reply in this thread to reach "
        "the team."
    )
    assert notices.followup(ticket, last=True)["text"] == (
        "Hi <@U0CUSTOM01>, the team is waiting for your reply on ticket *#7* (The export has been stuck since "
        "yesterday and no file arrives). Still need help? If we don't hear back, we'll mark it resolved — "
        "you can always reply here to reopen it."
    )
    assert blocks.relay("U0AGENT001", "hi", from_agent=True)["blocks"][0]["text"]["text"].startswith(
        "<@U0AGENT001> (support):"
    )
    assert blocks.relay("U0CUSTOM01", "hi", from_agent=False, lang="de")["blocks"][0]["text"][
        "text"
    ].startswith("<@U0CUSTOM01> (requester):")  # the card thread is the team's: English


@pytest.mark.parametrize("lang", LANGS)
def test_the_csat_comment_modal_speaks_the_requesters_language(lang: str) -> None:
    view = blocks.csat_comment_modal(7, lang=lang)
    assert not problems_in_view(view), problems_in_view(view)
    shown = (view["title"]["text"], view["submit"]["text"], view["close"]["text"])
    assert shown == tuple(i18n.t(lang, m) for m in ("Your feedback", "Send", "Cancel"))
    label = view["blocks"][0]["label"]["text"]
    assert label == i18n.t(lang, "Anything to add about ticket #{number}?", number=7)
    if lang == "de":
        assert shown == ("Ihr Feedback", "Senden", "Abbrechen") and "Ticket #7" in label


@pytest.mark.parametrize("lang", LANGS)
def test_translations_fit_slacks_limits_unclipped(lang: str) -> None:
    """A modal's title and buttons are clipped to 24 characters, a button's text to 75: a translation
    must fit whole (emoji and a space before a button's text included)."""
    for msgid in ("Your feedback", "Send", "Cancel"):
        assert len(i18n.t(lang, msgid)) <= LIMITS["modal_title"], (lang, msgid)
    for msgid in ("Still need help", "It's resolved", "Add a comment"):
        assert len(":speech_balloon: " + i18n.t(lang, msgid)) <= LIMITS["button_text"], (lang, msgid)
