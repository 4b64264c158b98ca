"""Article drafts: drafted from a resolved ticket by staff, sent to the knowledge owners through the
outbox, edited, published into the knowledge base's sources (and indexed) or discarded. Every step is
audited on the source ticket's trail (an event that changes no field of the ticket)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bot import access, accounts, blocks, tickets
from bot.drafts import files
from bot.drafts.build import clean_title, material, public_replies, scrub
from bot.drafts.write import ExtractiveWriter, Writer
from bot.errors import InvalidInput, NotFound
from bot.models import Account, ArticleDraft, Note, Status, Ticket, TicketEvent
from bot.outbox import enqueue
from bot.support import SupportConfig

PENDING = "draft"
DRAFTABLE = (Status.RESOLVED, Status.CLOSED)


def draft_from_ticket(
    session: Session,
    *,
    number: int,
    actor: str,
    config: SupportConfig,
    now: datetime,
    writer: Writer | None = None,
    names: Iterable[str] = (),
    group_key: str | None = None,
    why: str | None = None,
) -> ArticleDraft:
    """Draft an article from resolved ticket `number` and send its preview to the knowledge owners; the
    ticket's pending draft when it has one."""
    access.require_staff(config, actor, doing="draft articles")
    ticket = tickets.get(session, number=number)
    access.require_work(config, ticket, actor)  # another team's ticket is not there for this agent
    require_draftable(ticket)
    waiting = pending_for(session, number=number)
    if waiting is not None:
        return waiting
    notes = list(session.exec(select(Note).where(Note.ticket_number == number)))
    staff = {n.author for n in notes if access.is_staff(config, n.author)}
    replies = public_replies(notes, ticket=ticket, staff=staff)
    orgs = organisation(session, ticket)
    stuff = material(ticket, replies, names=names, orgs=orgs, ticket_tags=[ticket.category or ""])
    written = (writer or ExtractiveWriter()).write(stuff)
    draft = ArticleDraft(
        ticket_number=number,
        title=written.title,
        body=written.body,
        tags=list(stuff.tags),
        written_by=written.by,
        group_key=group_key,
        created_by=actor,
        created_at=now,
    )
    session.add(draft)
    session.flush()
    _audit(session, draft, actor=actor, action="article_draft", now=now, said=f"written by {written.by}")
    _send_preview(session, draft, config=config, now=now, to_if_nobody=actor, why=why)
    return draft


def customer_side(session: Session, *, number: int) -> list[str]:
    """The people on the customer's side of ticket `number`: its requester, then those added to it (the
    names of all of them are left out of its draft)."""
    ticket = tickets.get(session, number=number)
    added = access.participants(tickets.events_of(session, number)) - {ticket.requester}
    return [ticket.requester, *sorted(added)]


def organisation(session: Session, ticket: Ticket) -> list[str]:
    """The names of the ticket's customer organisation (its account's name, and a configured account's
    key), left out of its draft: a public article does not say who had the problem."""
    account = session.get(Account, ticket.account) if ticket.account else None
    if account is None:
        return []
    return [account.name, *([] if account.key.startswith(accounts.FOUND_PREFIX) else [account.key])]


def pending_for(session: Session, *, number: int) -> ArticleDraft | None:
    """Ticket `number`'s draft waiting for a knowledge owner, if any (a ticket has one at a time)."""
    query = select(ArticleDraft).where(ArticleDraft.ticket_number == number, ArticleDraft.status == PENDING)
    return session.exec(query).first()


def require_draftable(ticket: Ticket) -> None:
    """Articles come from tickets that were solved."""
    if ticket.status not in DRAFTABLE:
        raise InvalidInput(
            f"Ticket #{ticket.number} is {ticket.status.value.replace('_', ' ')}: resolve it first, then "
            "draft an article from how it was solved."
        )


def get(session: Session, *, draft_id: int, lock: bool = False) -> ArticleDraft:
    query = select(ArticleDraft).where(ArticleDraft.id == draft_id)
    draft = session.exec(query.with_for_update() if lock else query).first()
    if draft is None:
        raise _missing(draft_id)
    return draft


def _missing(draft_id: int) -> NotFound:
    return NotFound(f"There is no article draft {draft_id}. `deskbot kb drafts list` lists them.")


def list_drafts(session: Session, *, status: str | None = PENDING, limit: int = 50) -> list[ArticleDraft]:
    query = select(ArticleDraft).order_by(col(ArticleDraft.id).desc()).limit(limit)
    if status:
        query = query.where(ArticleDraft.status == status)
    return list(session.exec(query))


def edit(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    config: SupportConfig,
    now: datetime,
    title: str,
    body: str,
    tags: Sequence[str] = (),
    via: str | None = None,
) -> ArticleDraft:
    """Change a pending draft's title, body and tags (personal data is filtered again)."""
    draft = pending(session, draft_id=draft_id, actor=actor, config=config, doing="edit articles", via=via)
    title, body = clean_title(title), scrub(body).strip()
    if not body:
        raise InvalidInput("The article is empty: write what solves the question.")
    draft.title, draft.body = title, body[:40000]
    draft.tags = [t.strip() for t in tags if t.strip()][:20]
    session.add(draft)
    _audit(session, draft, actor=actor, action="article_edit", now=now, said="edited")
    return draft


def publish(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    config: SupportConfig,
    now: datetime,
    visibility: str,
    sources: Path,
    ingest: Callable[[Path], None],
    via: str | None = None,
) -> ArticleDraft:
    """Write the draft as a Markdown article under KB_SOURCES/<drafts_folder> and index it (`ingest`);
    if indexing fails the file is removed and the draft stays pending."""
    if visibility not in ("public", "internal"):
        raise InvalidInput("Publish as public (customers see it) or internal (staff only).")
    draft = pending(session, draft_id=draft_id, actor=actor, config=config, doing="publish articles", via=via)
    ticket = tickets.get(session, number=draft.ticket_number)
    text = files.render(
        title=draft.title,
        body=draft.body,
        visibility=visibility,
        owner=ticket.team,
        tags=list(draft.tags),
        source=f"ticket #{draft.ticket_number}",
    )
    folder = files.folder_of(sources, config.knowledge.drafts_folder)
    name = files.slug(draft.title, fallback=f"ticket-{draft.ticket_number}")
    path = files.write_new(folder, name=name, text=text)
    try:
        ingest(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    draft.status, draft.visibility = "published", visibility
    draft.decided_by, draft.decided_at = actor, now
    draft.path = path.relative_to(sources.resolve()).as_posix()
    session.add(draft)
    _audit(session, draft, actor=actor, action="article_publish", now=now, said=f"{visibility}: {draft.path}")
    return draft


def discard(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    config: SupportConfig,
    now: datetime,
    via: str | None = None,
) -> ArticleDraft:
    """Drop a pending draft (it stays in the audit trail)."""
    draft = pending(session, draft_id=draft_id, actor=actor, config=config, doing="discard articles", via=via)
    draft.status, draft.decided_by, draft.decided_at = "discarded", actor, now
    session.add(draft)
    _audit(session, draft, actor=actor, action="article_discard", now=now, said="discarded")
    return draft


def indexer(kb: Any, *, sources: Path, rules: Any) -> Callable[[Path], None]:
    """What `publish` calls to index the new file into `kb` (the knowledge base); refuses what ingest refused."""

    def ingest(path: Path) -> None:
        report = kb.ingest([path], root=sources, rules=rules)
        if report.failed:
            raise InvalidInput(
                f"The article could not be indexed, so it was not published: {report.failed[0]}"
            )

    return ingest


def reviewers(config: SupportConfig) -> list[str]:
    """Where drafts go: the knowledge owners (by DM) and the review channel."""
    knowledge = config.knowledge
    return [*knowledge.reviewers, *([knowledge.review_channel] if knowledge.review_channel else [])]


def pending(
    session: Session, *, draft_id: int, actor: str, config: SupportConfig, doing: str, via: str | None = None
) -> ArticleDraft:
    """A draft waiting for a decision, for a knowledge owner or the staff working its ticket (`via`: the
    channel of the preview pressed); to anyone else it does not exist."""
    access.require_staff(config, actor, doing=doing)
    draft = get(session, draft_id=draft_id, lock=True)
    if not access.may_review(config, tickets.get(session, number=draft.ticket_number), actor, via=via):
        raise _missing(draft_id)
    if draft.status != PENDING:
        who = f" by <@{draft.decided_by}>" if draft.decided_by and draft.decided_by[:1] in "UW" else ""
        raise InvalidInput(f"Article draft {draft_id} was already {draft.status}{who}.")
    return draft


def _send_preview(
    session: Session,
    draft: ArticleDraft,
    *,
    config: SupportConfig,
    now: datetime,
    to_if_nobody: str,
    why: str | None,
) -> None:
    targets = reviewers(config) or ([to_if_nobody] if to_if_nobody[:1] in "UW" else [])
    for target in targets:
        enqueue(
            session,
            key=f"ticket:{draft.ticket_number}:article:{draft.id}:{target}",
            channel=target,
            payload=blocks.draft_preview(draft, why=why),
            now=now,
        )


def _audit(
    session: Session, draft: ArticleDraft, *, actor: str, action: str, now: datetime, said: str
) -> None:
    session.add(
        TicketEvent(
            ticket_number=draft.ticket_number,
            actor=actor,
            action=action,
            reason=f"article draft {draft.id}: {said}"[:500],
            at=now,
        )
    )
    session.flush()
