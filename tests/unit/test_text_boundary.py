"""The text boundary (bot/slack_text.py): people's text can neither ping nor phish through any builder,
and text Slack already escaped is kept as Slack markup, not escaped twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import blocks, slash
from bot.models import Status, Ticket
from bot.slack_text import WORD_JOINER, display, safe, scrub
from knowledge.gaps import Gap
from knowledge.results import Answer, Source
from tests.hostile import HOSTILE, broadcasts, leaks

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)

# text made of the pieces attackers combine: markup, entities, links, broadcasts, plain words
PIECES = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "|",
        "!",
        "@",
        "#",
        "^",
        "<!",
        "channel",
        "here",
        "everyone",
        "subteam^S1",
        "date^1^x",
        "https://evil.example",
        "mailto:a@evil.example",
        "&amp;",
        "&lt;",
        "&gt;",
        "<@U0AGENT001>",
        " ",
        "\n",
        "label",
        "é",
        "‮",
    ]
)
MARKUP = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKUP)
def test_safe_text_never_pings_or_disguises_a_link_and_is_stable(text: str) -> None:
    out = safe(text)
    assert not leaks(out), (text, out)
    assert safe(out) == out  # idempotent: text that passed the boundary is never escaped twice
    # The client's last line removes broadcasts from any payload (disguised links are `safe()`'s job).
    assert not broadcasts(scrub({"text": text, "blocks": [{"text": {"text": text}}]}))


@pytest.mark.parametrize(
    ("incoming", "shown"),
    [
        ("Tom &amp; Jerry", "Tom &amp; Jerry"),  # Slack-escaped stays as it is
        ("a &lt; b &gt; c", "a &lt; b &gt; c"),
        ("a < b & c", "a &lt; b &amp; c"),  # raw (a modal, the CLI) is escaped once
        ("ping <@U0AGENT001> and <@W0GRID0001>", "ping <@U0AGENT001> and <@W0GRID0001>"),
        ("in <#C0SUPPORT1|help-acme>", "in <#C0SUPPORT1|help-acme>"),
        ("see <https://acme.example/x>", "see <https://acme.example/x>"),
        ("see <https://acme.example/x|acme.example/x>", "see <https://acme.example/x>"),
        ("<https://evil.example|Reset SSO>", "Reset SSO (<https://evil.example>)"),
        ("<!channel> now", f"@{WORD_JOINER}channel now"),
        ("<!subteam^S1|@oncall>", f"@{WORD_JOINER}oncall"),
        ("<javascript:alert(1)|x>", "&lt;javascript:alert(1)|x&gt;"),
    ],
)
def test_safe_keeps_slack_markup_and_defuses_the_rest(incoming: str, shown: str) -> None:
    assert safe(incoming) == shown


def test_display_is_readable_plain_text() -> None:
    assert display("• Resolved by: <@U0AGENT001> 4") == "• Resolved by: @U0AGENT001 4"
    assert (
        display("Tom &amp; Jerry <https://evil.example|Reset>") == "Tom & Jerry Reset (https://evil.example)"
    )
    assert "<!" not in display("<!here> hi")


def _ticket(text: str) -> Ticket:
    return Ticket(
        number=7,
        title=text[:200],
        description=text,
        requester="U0CUSTOM01",
        channel="C0SUPPORT1",
        thread_ts="1.1",
        team="general",
        status=Status.WAITING,
        priority_reason=text[:300],
        created_at=NOW,
        updated_at=NOW,
    )


def _builders(text: str) -> dict[str, object]:
    """Every builder that carries people's text, with `text` in each of its slots."""
    ticket = _ticket(text)
    source = Source(title=text[:150], url="https://help.acme.example/a", doc_id="a", score=0.9)
    return {
        "ticket_card": blocks.ticket_card(ticket, None),
        "ticket_ack": blocks.ticket_ack(ticket, None),
        "relay_requester": blocks.relay("U0CUSTOM01", text, from_agent=False),
        "relay_agent": blocks.relay("U0AGENT001", text, from_agent=True),
        "abstain_related": blocks.abstain_message(query_id=1, related=[source]),
        "answer_sources": blocks.answer_message(
            Answer(text="Go to Settings.", grounded=True, sources=[source], confidence=0.9), query_id=1
        ),
        # a passage or an LLM's answer (the question is in its prompt): text, never markup
        "answer_text": blocks.answer_message(
            Answer(text=text, grounded=True, sources=[source], confidence=0.9), query_id=1
        ),
        "home": blocks.home_view(
            role="manager",
            mine=[(ticket, None)],
            queue=[(ticket, None)],
            today={"Opened": 1},
            now=NOW,
            unanswered=[Gap(wording=text, asked=2, tickets=0, offered=None)],
        ),
        "new_ticket_modal": blocks.new_ticket_modal(categories=[], title=text, description=text),
        "slash_summary": slash.summary(ticket),
    }


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_every_builder_defuses_hostile_text(text: str) -> None:
    for name, payload in _builders(text).items():
        assert not leaks(payload), (name, leaks(payload))


def test_an_answers_text_is_shown_as_written_and_pings_nobody() -> None:
    """A review: a passage's "Bearer <API_KEY>" vanished (Slack read it as a token), and an LLM's answer
    reached Slack with a disguised link, a live mention and a bidi override."""
    text = "Send `Bearer <API_KEY>` if usage > 1000 & <= limit. Ask <@U0MANAGER1>: <https://evil.example|Reset>\u202e"
    message = blocks.answer_message(Answer(text=text, grounded=True, sources=[], confidence=0.9), query_id=1)
    shown = message["blocks"][0]["text"]["text"]
    assert "Bearer &lt;API_KEY&gt;" in shown and "usage &gt; 1000 &amp; &lt;= limit" in shown
    assert "<@U0MANAGER1>" not in shown and "Reset (<https://evil.example>)" in shown
    assert "\u202e" not in shown and message["text"] == shown
    # the desk's own canned reply, written in Slack markup in its configuration, is kept as written
    canned = Answer(
        text="Ask <@U0MANAGER1> or see <https://status.acme.example|the status page>.",
        grounded=True,
        sources=[Source("canned", "Status", None, 1.0)],
        confidence=1.0,
        canned=True,
    )
    kept = blocks.answer_message(canned, query_id=1)["blocks"][0]["text"]["text"]
    assert kept == canned.text
    # an article that happens to be called canned.md is an article (a review: shown as raw markup)
    article = Answer(
        text=text, grounded=True, sources=[Source("canned", "Canned", None, 0.9)], confidence=0.9
    )
    assert "<@U0MANAGER1>" not in blocks.answer_message(article, query_id=1)["blocks"][0]["text"]["text"]


def test_bidirectional_overrides_are_removed_from_peoples_text() -> None:
    """A review: U+202E in a question reached the Home, the digest and `kb gaps`: "report\u202egnp.exe"
    showed as "reportexe.png"."""
    for text in ("report\u202egnp.exe", "a\u2066b\u2069c\u202ad\u202c", "<@U0AGENT001>\u202e"):
        for shown in (safe(text), safe(text, 10), display(text)):
            assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in shown), shown
    assert safe("مرحبا بالعالم") == "مرحبا بالعالم"  # right-to-left text itself is untouched


@pytest.mark.parametrize(
    "surface",
    ["sla_alert", "sla_breach_broadcast", "stale_nudge", "unclaimed_nudge", "digest"],
)
def test_text_quoted_again_and_again_names_people_but_never_pings_them(surface: str) -> None:
    """A review: a question or title mentioning a colleague pinged them in every daily digest, SLA
    warning and reminder that quoted it."""
    from bot import notices
    from bot.sla import Clock
    from jobs import digest

    title = "<@U0AGENT002> please look at the export <!channel>"
    ticket = _ticket(title)
    clock = Clock("first_response", 3600.0, 3660.0, 0.0, "running", NOW, NOW)
    text = {
        "sla_alert": lambda: notices.sla_alert(ticket, clock, stage="breach"),
        "sla_breach_broadcast": lambda: notices.sla_breach_broadcast(ticket, clock),
        "stale_nudge": lambda: notices.stale_nudge(ticket, hours=4),
        "unclaimed_nudge": lambda: notices.unclaimed_nudge(ticket),
        "digest": lambda: "\n".join(
            digest.quoted_questions({"top_unanswered": [(title, 2)], "not_helpful": [(title, 1, "a")]})
        ),
    }[surface]()
    assert "<@U0AGENT002>" not in text and "@\u2060U0AGENT002" in text and not leaks(text)


def test_a_slash_commands_summary_names_people_in_a_title_without_pinging_them() -> None:
    """`/ticket` summaries quoted a title's mention live (the helper's review of the quoting builders)."""
    ticket = _ticket("<@U0AGENT002> please look at the export")
    assert "<@U0AGENT002>" not in slash.summary(ticket) and "@\u2060U0AGENT002" in slash.summary(ticket)


def test_ids_slack_requires_unique_are_checked() -> None:
    """Slack refuses a block whose elements share an action_id, and a message whose blocks share a
    block_id (`invalid_blocks`); the fake Slack checks both, so no builder can ship either."""
    from bot.slack_limits import problems_in_message, problems_in_view

    twins = {
        "type": "actions",
        "block_id": "m",
        "elements": [blocks.button("A", "x", "1"), blocks.button("B", "x", "2")],
    }
    assert any(
        "action_id 'x' already exists" in p for p in problems_in_message({"text": "t", "blocks": [twins]})
    )
    same = [{"type": "divider", "block_id": "d"}, {"type": "divider", "block_id": "d"}]
    assert any("block_id 'd' already exists" in p for p in problems_in_view({"type": "home", "blocks": same}))
    apart = {"type": "actions", "elements": [blocks.button("A", "x:1", "1"), blocks.button("B", "x:2", "2")]}
    assert problems_in_message({"text": "t", "blocks": [apart]}) == []
