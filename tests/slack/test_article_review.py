"""The knowledge owners' side of drafts in Slack: `/ticket article N`, the preview, Edit (a modal) and
Discard; requesters are refused (no real publishing here: that is tests/slack/test_articles.py)."""

from __future__ import annotations

import copy
from pathlib import Path

from sqlmodel import select

from bot import tickets
from bot.fakes.simulator import wait_for
from bot.models import ArticleDraft, TicketCreate
from tests.slack.conftest import AGENT, CUSTOMER, MANAGER, SUPPORT, TRIAGE, Running, serve

DM = "D" + MANAGER[1:]
OTHER_TEAM_AGENT = "U0AGENT004"  # team billing; the tickets below are team support's
COLLEAGUE = "U0CUSTOM02"  # added by the requester to their ticket


def _solved(running: Running, config) -> int:
    now = running.clock()
    with running.db.transaction() as s:
        number = tickets.create(
            s,
            data=TicketCreate(title="hello, how do I rotate an API key?", requester=CUSTOMER),
            actor=CUSTOMER,
            config=config,
            now=now,
        ).number
        tickets.add_note(
            s,
            number=number,
            author=AGENT,
            body="Settings → API → Rotate.",
            internal=False,
            config=config,
            now=now,
        )
        tickets.add_note(
            s, number=number, author=AGENT, body="VIP, be nice", internal=True, config=config, now=now
        )
        tickets.resolve(s, number=number, actor=AGENT, config=config, now=now)
    return number


def _dm(running: Running, word: str) -> dict:
    return wait_for(
        lambda: [m for m in running.fake.messages.get(DM, []) if word in str(m.get("blocks"))] or None,
        what=f"{word!r} in the reviewer's DM",
    )[-1]


def test_slash_article_edit_and_discard(running: Running, config) -> None:
    number = _solved(running, config)
    refused = running.slack.slash("/ticket", f"article {number}", user=CUSTOMER, channel=SUPPORT).json()
    assert "Only support agents can draft articles" in refused["text"]
    said = running.slack.slash("/ticket", f"article {number}", user=AGENT, channel=SUPPORT).json()
    assert f"Drafting an article from ticket #{number}" in said["text"] and f"<@{MANAGER}>" in said["text"]
    preview = _dm(running, "Publish as internal")
    twice = running.slack.slash("/ticket", f"article {number}", user=AGENT, channel=SUPPORT).json()
    assert f"Ticket #{number} already has article draft" in twice["text"]
    assert "How do I rotate an API key?" in str(preview["blocks"]) and "VIP" not in str(preview)

    running.slack.click(preview, "article_edit", user=CUSTOMER)  # a requester gets no form
    told = wait_for(lambda: running.fake.messages.get("D" + CUSTOMER[1:]), what="the refusal in a DM")
    assert "Only support agents can edit articles" in told[-1]["text"]
    assert not running.fake.views
    running.slack.click(preview, "article_edit", user=MANAGER)
    form = next(iter(wait_for(lambda: running.fake.views, what="the Edit modal").values()))
    assert form["blocks"][0]["element"]["initial_value"] == "How do I rotate an API key?"
    bad = running.slack.submit(form, {"body": ""}, user=MANAGER).json()
    assert bad["response_action"] == "errors" and "body" in bad["errors"]
    running.slack.submit(
        form,
        {"title": "Rotate an API key", "body": "Open Settings → API, press Rotate.", "tags": "api, security"},
        user=MANAGER,
    )
    edited = _dm(running, "Rotate an API key")
    assert "press Rotate" in str(edited["blocks"]) and "security" in str(edited["blocks"])

    running.slack.click(edited, "article_discard", user=MANAGER)
    gone = _dm(running, "Discarded by")
    assert "article_publish_public" not in str(gone)
    with running.db.session() as s:
        [draft] = s.exec(select(ArticleDraft)).all()
    assert (draft.status, draft.title, draft.tags, draft.decided_by) == (
        "discarded",
        "Rotate an API key",
        ["api", "security"],
        MANAGER,
    )


def test_another_teams_agent_hears_nothing_of_a_ticket_they_would_draft_from(
    running: Running, config
) -> None:
    """`/ticket article N` from another team's agent is answered as for a ticket that does not exist:
    not its status, not the draft waiting for it."""
    with running.db.transaction() as s:
        data = TicketCreate(title="GDPR deletion request for a former employee", requester=CUSTOMER)
        unsolved = tickets.create(s, data=data, actor=CUSTOMER, config=config, now=running.clock()).number
    number = _solved(running, config)
    running.slack.slash("/ticket", f"article {number}", user=AGENT, channel=TRIAGE)
    _dm(running, "Publish as internal")
    for n in (unsolved, number):
        said = running.slack.slash("/ticket", f"article {n}", user=OTHER_TEAM_AGENT, channel=TRIAGE).json()
        assert f"There is no ticket #{n}" in said["text"], said
        assert "resolve it first" not in said["text"] and "article draft" not in said["text"], said


def test_another_teams_agent_cannot_read_edit_publish_or_discard_a_draft(
    sqlite_db, config, clock, sample_kb, tmp_path: Path
) -> None:
    """The preview's buttons, pressed by another team's agent (on a preview they were never sent, as a
    replayed or forged payload would): no Edit form with the draft's text, nothing published, edited or
    discarded, and the draft is answered as one that does not exist."""
    with serve(sqlite_db, config, clock, sample_kb, kb_sources=tmp_path / "kb") as running:
        number = _solved(running, config)
        running.slack.slash("/ticket", f"article {number}", user=AGENT, channel=TRIAGE)
        preview = copy.deepcopy(_dm(running, "Publish as internal"))  # as sent, whatever happens to it
        for button in ("article_edit", "article_discard", "article_publish_public"):
            running.slack.click(preview, button, user=OTHER_TEAM_AGENT)
        told = wait_for(
            lambda: (m := running.fake.messages.get("D" + OTHER_TEAM_AGENT[1:], []))[2:] and m,
            what="three refusals in a DM",
        )
        assert all("There is no article draft" in m["text"] for m in told), told
        assert not running.fake.views, "another team's agent got the Edit form with the draft's text"
        with running.db.session() as s:
            [draft] = s.exec(select(ArticleDraft)).all()
        assert (draft.status, draft.decided_by) == ("draft", None)
        assert not list(tmp_path.rglob("*.md"))
        # The knowledge owner still decides (the preview in their DM).
        running.slack.click(preview, "article_discard", user=MANAGER)
        _dm(running, "Discarded by")


def test_a_draft_leaves_out_the_names_of_the_people_the_requester_added(
    sqlite_db, config, clock, sample_kb, tmp_path: Path
) -> None:
    """The requester's colleague (added to the ticket, answered by name) is the customer's side too: their
    names are left out of the draft like the requester's."""
    users = {
        CUSTOMER: {"name": "anna.berg", "real_name": "Anna Berg"},
        COLLEAGUE: {"name": "bob.stone", "real_name": "Bob Stone", "profile": {"display_name": "Bobby"}},
    }
    with serve(sqlite_db, config, clock, sample_kb, kb_sources=tmp_path / "kb", users=users) as running:
        with running.db.transaction() as s:
            data = TicketCreate(title="How do I rotate an API key?", requester=CUSTOMER)
            number = tickets.create(s, data=data, actor=CUSTOMER, config=config, now=clock()).number
            say = dict(number=number, config=config, now=clock())
            tickets.add_participant(s, participant=COLLEAGUE, actor=CUSTOMER, **say)
            reply = "Bob, open Settings → API and press Rotate (Bobby Stone can do it too)."
            tickets.add_note(s, author=AGENT, body=reply, internal=False, **say)
            tickets.resolve(s, actor=AGENT, **say)
        running.slack.slash("/ticket", f"article {number}", user=AGENT, channel=TRIAGE)
        shown = str(_dm(running, "Publish as internal")["blocks"])
    assert "press Rotate" in shown
    for name in ("Bob", "Stone"):
        assert name not in shown, shown
