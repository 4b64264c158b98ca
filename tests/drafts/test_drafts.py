"""Articles from resolved tickets, below Slack: the privacy filter, what is material (never internal
notes), who may draft and publish, editing, discarding, and where a published article may be written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot import tickets
from bot.db import Database
from bot.drafts import files, service
from bot.drafts.build import clean_title, name_variants, scrub
from bot.drafts.write import ExtractiveWriter, LlmWriter
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.models import Account, ArticleDraft, Notification, TicketCreate, TicketEvent
from bot.support import SupportConfig
from knowledge import frontmatter
from tests.hostile import HOSTILE, leaks

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CUSTOMER, AGENT, OTHER_AGENT, MANAGER = "U0CUSTOM01", "U0AGENT001", "U0AGENT002", "U0MANAGER1"
SECRET_NOTE = "INTERNAL: customer is on the watch list, refund code ZX-99"


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (
            "Write to anna.berg@example.com or ops+billing@acme.co.uk",
            ["anna.berg@", "ops+billing@"],
            ["Write to"],
        ),
        ("<mailto:anna@example.com|anna@example.com> wrote", ["anna@example.com"], ["wrote"]),
        ("Call me on +49 30 1234 5678 or (030) 123-45678", ["1234 5678", "123-45678"], ["Call me on"]),
        ("<tel:+4930123456|call> me", ["+4930123456"], ["me"]),
        ("Invoice dated 2026-12-01 for 1 200 EUR, plan 12", [], ["2026-12-01", "1 200 EUR", "plan 12"]),
        ("Thanks Anna Berg, I reset Anna's key", ["Anna", "Berg"], ["I reset"]),
        ("<@U0CUSTOM01> has admin rights", ["U0CUSTOM01"], ["has admin rights"]),
        ("<!channel> reset <https://evil.example|Reset SSO>", ["<!channel>"], ["Reset SSO"]),
    ],
)
def test_personal_data_is_removed(text: str, gone: list[str], kept: list[str]) -> None:
    out = scrub(text, names=name_variants(["Anna Berg", "anna.berg"]))
    for fragment in gone:
        assert fragment not in out, out
    for fragment in kept:
        assert fragment in out, out


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_leaves_no_broadcast_and_no_disguised_link(hostile: str) -> None:
    assert not leaks(scrub(hostile)) and not leaks(clean_title(hostile))


def test_titles_are_cleaned() -> None:
    assert (
        clean_title("hi team, how do I export invoices as CSV???  ") == "How do I export invoices as CSV???"
    )
    assert clean_title("Hello Anna - please: reset my SSO.", names=["Anna"]) == "Reset my SSO"
    assert len(clean_title("word " * 100)) <= 150


def _resolved_ticket(
    db: Database, config: SupportConfig, *, title: str = "Hi, how do I export invoices?"
) -> int:
    with db.transaction() as s:
        data = TicketCreate(
            title=title,
            description="I need them for Anna's accountant",
            requester=CUSTOMER,
            category="billing",
        )
        number = tickets.create(s, data=data, actor=CUSTOMER, config=config, now=T0).number
        tickets.claim(s, number=number, agent=AGENT, config=config, now=T0)
        say = dict(number=number, config=config, now=T0)
        tickets.add_note(s, author=CUSTOMER, body="my mail is anna.berg@example.com", internal=False, **say)
        tickets.add_note(s, author=AGENT, body=SECRET_NOTE, internal=True, **say)
        tickets.add_note(
            s,
            author=AGENT,
            body="Hi Anna,\nOpen Billing → Invoices and press Export CSV.\nThanks, Sam",
            internal=False,
            **say,
        )
        tickets.add_note(
            s,
            author=OTHER_AGENT,
            body="Invoices older than 2 years are under Archive.",
            internal=False,
            **say,
        )
        tickets.resolve(s, number=number, actor=AGENT, config=config, now=T0)
    return number


def _draft(db: Database, config: SupportConfig, number: int, **kw) -> ArticleDraft:
    with db.transaction() as s:
        draft = service.draft_from_ticket(
            s, number=number, actor=AGENT, config=config, now=T0, names=["Anna Berg"], **kw
        )
        s.expunge(draft)
    return draft


def test_a_draft_is_the_teams_public_replies_without_internal_notes_or_the_requesters_data(
    db: Database, config: SupportConfig
) -> None:
    draft = _draft(db, config, _resolved_ticket(db, config))
    assert draft.title == "How do I export invoices?"
    assert "Open Billing → Invoices and press Export CSV." in draft.body
    assert "Archive" in draft.body  # every agent's public reply, in order
    assert draft.body.index("Export CSV") < draft.body.index("Archive")
    for never in ("INTERNAL", "ZX-99", "watch list", "anna.berg", "Anna", "Hi ", "Thanks, Sam"):
        assert never not in draft.body, never
    assert draft.tags == ["billing"] and draft.written_by == "extract"
    with db.session() as s:
        sent = s.exec(select(Notification)).all()
        audit = [
            e.action
            for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_number == draft.ticket_number))
        ]
    previews = [n for n in sent if ":article:" in n.dedupe_key]
    assert [n.channel for n in previews] == config.knowledge.reviewers  # to the knowledge owners
    assert "ZX-99" not in str(previews[0].payload)
    assert "article_draft" in audit


def test_the_llm_writes_from_the_same_cleaned_material(sqlite_db: Database, config: SupportConfig) -> None:
    class Model:
        seen: list = []

        def invoke(self, messages):
            self.seen.append(messages)
            return type(
                "Reply", (), {"content": "1. Open Billing.\n2. Export CSV. Mail anna.berg@example.com"}
            )()

    model = Model()
    draft = _draft(sqlite_db, config, _resolved_ticket(sqlite_db, config), writer=LlmWriter(model))
    told = str(model.seen)
    assert "Export CSV" in told and "ZX-99" not in told and "anna.berg" not in told and "Anna" not in told
    assert draft.written_by == "llm" and draft.body.startswith("1. Open Billing.")
    assert "anna.berg" not in draft.body  # what the model wrote is filtered again


def test_a_failing_llm_still_gives_the_extractive_draft(sqlite_db: Database, config: SupportConfig) -> None:
    class Down:
        def invoke(self, messages):
            raise TimeoutError("provider down")

    draft = _draft(sqlite_db, config, _resolved_ticket(sqlite_db, config), writer=LlmWriter(Down()))
    assert draft.written_by == "extract" and "Export CSV" in draft.body


def test_requesters_cannot_draft_publish_edit_or_discard(
    sqlite_db: Database, config: SupportConfig, tmp_path: Path
) -> None:
    number = _resolved_ticket(sqlite_db, config)
    with pytest.raises(PermissionDenied), sqlite_db.transaction() as s:
        service.draft_from_ticket(s, number=number, actor=CUSTOMER, config=config, now=T0)
    draft = _draft(sqlite_db, config, number)
    common = dict(draft_id=draft.id, actor=CUSTOMER, config=config, now=T0)
    for attempt in (
        lambda s: service.publish(s, **common, visibility="public", sources=tmp_path, ingest=lambda p: None),
        lambda s: service.edit(s, **common, title="x", body="y"),
        lambda s: service.discard(s, **common),
    ):
        with pytest.raises(PermissionDenied), sqlite_db.transaction() as s:
            attempt(s)
    assert not list(tmp_path.rglob("*.md"))


def test_only_solved_tickets_are_drafted_and_a_pending_draft_is_not_doubled(
    sqlite_db: Database, config: SupportConfig
) -> None:
    with sqlite_db.transaction() as s:
        number = tickets.create(
            s, data=TicketCreate(title="Open one", requester=CUSTOMER), actor=CUSTOMER, config=config, now=T0
        ).number
    with pytest.raises(InvalidInput, match="resolve it first"), sqlite_db.transaction() as s:
        service.draft_from_ticket(s, number=number, actor=AGENT, config=config, now=T0)
    solved = _resolved_ticket(sqlite_db, config)
    assert _draft(sqlite_db, config, solved).id == _draft(sqlite_db, config, solved).id


def test_publish_writes_strict_front_matter_and_never_overwrites(
    db: Database, config: SupportConfig, tmp_path: Path
) -> None:
    ingested: list[Path] = []
    paths = []
    for _ in range(2):
        draft = _draft(db, config, _resolved_ticket(db, config))
        with db.transaction() as s:
            done = service.publish(
                s,
                draft_id=draft.id,
                actor=MANAGER,
                config=config,
                now=T0,
                visibility="internal",
                sources=tmp_path,
                ingest=ingested.append,
            )
            paths.append(done.path)
    assert paths == ["from-tickets/how-do-i-export-invoices.md", "from-tickets/how-do-i-export-invoices-2.md"]
    meta, body = frontmatter.split((tmp_path / paths[0]).read_text())
    assert meta.visibility == "internal" and meta.title == "How do I export invoices?"
    assert meta.tags == ("billing",) and meta.source.startswith("ticket #") and meta.owner
    assert "Export CSV" in body and ingested == [tmp_path.resolve() / p for p in paths]
    with pytest.raises(InvalidInput, match="already published"), db.transaction() as s:
        service.discard(s, draft_id=draft.id, actor=MANAGER, config=config, now=T0)


def test_a_failed_ingest_publishes_nothing(
    sqlite_db: Database, config: SupportConfig, tmp_path: Path
) -> None:
    draft = _draft(sqlite_db, config, _resolved_ticket(sqlite_db, config))

    def refuse(path: Path) -> None:
        raise InvalidInput("refused")

    with pytest.raises(InvalidInput), sqlite_db.transaction() as s:
        service.publish(
            s,
            draft_id=draft.id,
            actor=MANAGER,
            config=config,
            now=T0,
            visibility="public",
            sources=tmp_path,
            ingest=refuse,
        )
    assert not list(tmp_path.rglob("*.md"))
    with sqlite_db.session() as s:
        assert service.get(s, draft_id=draft.id).status == "draft"


def test_edit_and_discard_are_audited(sqlite_db: Database, config: SupportConfig) -> None:
    draft = _draft(sqlite_db, config, _resolved_ticket(sqlite_db, config))
    with sqlite_db.transaction() as s:
        edited = service.edit(
            s,
            draft_id=draft.id,
            actor=MANAGER,
            config=config,
            now=T0,
            title="Export invoices",
            body="Press Export. Questions: help@acme.example",
            tags=["billing", " csv "],
        )
        assert (edited.title, edited.tags) == ("Export invoices", ["billing", "csv"])
        assert "help@acme.example" not in edited.body
        service.discard(s, draft_id=draft.id, actor=MANAGER, config=config, now=T0)
    with sqlite_db.session() as s:
        actions = [
            e.action
            for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_number == draft.ticket_number))
        ]
        assert service.get(s, draft_id=draft.id).status == "discarded"
        assert service.list_drafts(s) == []
    assert actions[-3:] == ["article_draft", "article_edit", "article_discard"]
    with sqlite_db.session() as s:  # audit events of drafts change no field: the replay still equals the row
        assert tickets.replay(tickets.events_of(s, draft.ticket_number)) == tickets.snapshot(
            tickets.get(s, number=draft.ticket_number)
        )


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", "a/../../b", "/abs", "~/x", "C:evil"])
def test_the_drafts_folder_must_stay_inside_the_sources(name: str, config: SupportConfig) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="inside KB_SOURCES"):
        type(config.knowledge)(drafts_folder=name)


def test_a_symlinked_drafts_folder_leading_out_is_refused(tmp_path: Path) -> None:
    sources, outside = tmp_path / "kb", tmp_path / "outside"
    sources.mkdir()
    outside.mkdir()
    (sources / "from-tickets").symlink_to(outside)
    with pytest.raises(InvalidInput, match="outside KB_SOURCES"):
        files.folder_of(sources, "from-tickets")


def test_file_names_are_safe_and_existing_documents_are_kept(tmp_path: Path) -> None:
    assert files.slug("../../Können wir in CHF zahlen?", fallback="x") == "konnen-wir-in-chf-zahlen"
    assert files.slug("???", fallback="ticket-7") == "ticket-7"
    (tmp_path / "same.txt").write_text("an existing document with the same id")
    path = files.write_new(tmp_path, name="same", text="new")
    assert path.name == "same-2.md" and (tmp_path / "same.txt").read_text().startswith("an existing")


def test_the_extractive_writer_says_when_there_is_no_reply() -> None:
    from bot.drafts.build import Material

    assert "not written" in ExtractiveWriter().write(Material(1, "Q?", (), ())).body


def test_the_source_key_is_text_in_strict_front_matter() -> None:
    meta, _ = frontmatter.split("---\nsource: 'ticket #7'\n---\nbody")
    assert meta.source == "ticket #7"
    with pytest.raises(frontmatter.FrontMatterError, match="'source' must be text"):
        frontmatter.split("---\nsource: 7\n---\nbody")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_previews_of_hostile_drafts_stay_within_slack_and_ping_nobody(hostile: str) -> None:
    from bot import blocks
    from bot.slack_limits import problems_in_message, problems_in_view

    draft = ArticleDraft(
        id=1,
        ticket_number=1,
        title=clean_title(hostile),
        body=scrub(hostile)[:3000],
        tags=[hostile[:50]],
        created_by=AGENT,
        created_at=T0,
    )
    for message in (blocks.draft_preview(draft, why=hostile[:80]), blocks.draft_decided(draft)):
        assert not leaks(message) and not problems_in_message(message)
    modal = blocks.draft_edit_modal(draft, metadata={"channel": "D1", "ts": "1.2"})
    assert not leaks(modal) and not problems_in_view(modal)


def test_a_draft_leaves_out_the_customers_organisation(db: Database, config: SupportConfig) -> None:
    """A public article must not tell every customer which organisation had the problem: the name of the
    ticket's account is left out of the title and the body, as the requester's names are."""
    number = _resolved_ticket(db, config, title="SSO login fails for all BigCorp Industries users")
    with db.transaction() as s:
        s.add(Account(key="bigcorp", name="BigCorp Industries", created_at=T0))
        tickets.get(s, number=number).account = "bigcorp"
        reply = "bigcorp industries' SSO connector needs the new certificate: upload it under Settings → SSO."
        tickets.add_note(s, number=number, author=AGENT, body=reply, internal=False, config=config, now=T0)
    draft = _draft(db, config, number)
    assert "Settings → SSO" in draft.body and "Industries" not in draft.title, draft.title
    assert "bigcorp" not in (draft.title + draft.body).lower(), (draft.title, draft.body)


def test_a_draft_is_decided_by_knowledge_owners_and_the_tickets_team(
    sqlite_db: Database, config: SupportConfig
) -> None:
    """Another team's agent may not decide on a draft of this team's ticket, unless they press in the
    review channel the preview went to (whoever is there reviews)."""
    channel = "C0KNOWLEDGE"
    reviewed = config.model_copy(
        update={"knowledge": config.knowledge.model_copy(update={"review_channel": channel})}
    )
    first, second = (_draft(sqlite_db, config, _resolved_ticket(sqlite_db, config)) for _ in range(2))
    outsider = OTHER_AGENT  # team support; the tickets are team billing's (and assigned to AGENT)
    with pytest.raises(NotFound), sqlite_db.transaction() as s:
        service.discard(s, draft_id=first.id, actor=outsider, config=reviewed, now=T0, via="D0AGENT002")
    with sqlite_db.transaction() as s:
        service.discard(s, draft_id=first.id, actor=outsider, config=reviewed, now=T0, via=channel)
        service.discard(s, draft_id=second.id, actor="U0AGENT004", config=config, now=T0)  # billing's agent
