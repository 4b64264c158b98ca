"""The Slack desk: the flows behind every handler (answer, open a ticket, work it, sync threads, CSAT, Home).

Handlers parse Slack's payload and call one method here; this module runs the ticket service and the
answer service, then tells Slack what changed through the WebClient. Keyword-only arguments throughout.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, func, select

from bot import access, blocks, tickets
from bot.answers import UNAVAILABLE, AnswerService, not_helpful, unanswered
from bot.db import Database
from bot.errors import InvalidInput, PermissionDenied
from bot.models import ACTIVE_STATUSES, Feedback, KbQuery, Status, Ticket, TicketCreate
from bot.routing.assign import EveryoneHere, Presence, auto_assign
from bot.routing.triage import Triager
from bot.slack_text import safe
from bot.support import Priority, SupportConfig
from bot.timeutil import Clock
from knowledge import language
from knowledge.base import Audience

log = logging.getLogger("deskbot.desk")
THREAD_WORD = re.compile(r"^\s*!(\S*)(.*)$", re.S)  # a message starting with `!` is a command, never a reply
THREAD_HELP = (
    "In a ticket card's thread, `!claim`, `!unassign`, `!escalate`, `!wait`, `!resume`, `!resolve`, "
    "`!close` and `!reopen` act on the ticket; `!note text` adds an internal note. Anything else you "
    "write here goes to the requester."
)

ACTIONS: dict[str, Callable[..., Ticket]] = {
    "claim": lambda s, number, actor, **kw: tickets.claim(s, number=number, agent=actor, **kw),
    "unassign": lambda s, number, actor, **kw: tickets.unassign(s, number=number, actor=actor, **kw),
    "escalate": lambda s, number, actor, **kw: tickets.escalate(s, number=number, actor=actor, **kw),
    "wait": lambda s, number, actor, **kw: tickets.wait_on_customer(s, number=number, actor=actor, **kw),
    "resume": lambda s, number, actor, **kw: tickets.resume(s, number=number, actor=actor, **kw),
    "resolve": lambda s, number, actor, **kw: tickets.resolve(s, number=number, actor=actor, **kw),
    "close": lambda s, number, actor, **kw: tickets.close(s, number=number, actor=actor, **kw),
    "reopen": lambda s, number, actor, **kw: tickets.reopen(s, number=number, actor=actor, **kw),
}


@dataclass
class Desk:
    config: SupportConfig
    db: Database
    client: WebClient
    answers: Callable[[], AnswerService]  # built on first use: the model loads once, not per request
    clock: Clock
    triager: Triager | None = None  # category, priority and team for new requests
    presence: Presence = field(default_factory=EveryoneHere)

    # ---- who may see what ----------------------------------------------------------------------

    def audience_for(self, *, channel: str, user: str) -> Audience:
        """Customer channels see public documents; staff channels, and staff in DMs, see internal ones too."""
        spec = self.config.channels.get(channel)
        if spec is not None:
            return spec.audience
        staff = self.config.role_of(user) != "requester"
        return "staff" if staff and channel.startswith("D") else "customer"

    def wants_answer(self, *, channel: str, channel_type: str | None, mentioned: bool) -> bool:
        """Per-channel mode: DMs always; configured channels by mode; elsewhere only when mentioned."""
        if channel_type == "im" or channel.startswith("D"):
            return True
        spec = self.config.channels.get(channel)
        if spec is None or spec.mode == "mention_only":
            return mentioned
        return spec.mode == "answer_all" or mentioned and spec.mode != "tickets_only"

    # ---- answering -----------------------------------------------------------------------------

    def answer_question(self, *, channel: str, user: str, text: str, ts: str, thread_ts: str | None) -> None:
        """:eyes: while working, then the answer (or the abstention and a ticket offer) in the thread."""
        question = re.sub(r"<@[UW][A-Z0-9]+(\|[^>]*)?>", "", text).strip()
        thread = thread_ts or ts
        if not question:
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread, text="Ask me a question and I'll look in the help centre."
            )
            return
        self._react(channel, ts, "eyes", add=True)
        try:
            audience = self.audience_for(channel=channel, user=user)
            reply = self.answers().answer(question, audience=audience, user=user, channel=channel)
            if reply.answer.grounded:
                payload = blocks.answer_message(
                    reply.answer, query_id=reply.query_id, lang=reply.answer.language
                )
            else:
                spec = self.config.channels.get(channel)
                opened = None
                if spec is not None and spec.on_abstain == "open_ticket":
                    ticket = self._open(
                        title=question,
                        description=question,
                        requester=user,
                        where=(channel, thread),
                        actor=user,
                        reason="the knowledge base had no answer",
                        query_id=reply.query_id,
                    )
                    opened = ticket.number
                payload = blocks.abstain_message(
                    query_id=reply.query_id,
                    opened=opened,
                    unavailable=reply.answer.why_not == UNAVAILABLE,
                    related=reply.answer.related,
                    lang=reply.answer.language,
                )
            self.client.chat_postMessage(channel=channel, thread_ts=thread, **payload)
        finally:
            self._react(channel, ts, "eyes", add=False)

    def feedback(
        self,
        *,
        query_id: int | None,
        user: str,
        helpful: bool,
        channel: str,
        ts: str,
        message: dict[str, Any],
    ) -> None:
        asked = self._own_question(query_id, user=user)
        lang = language.detect(asked.question) if asked is not None else None
        with self.db.transaction() as s:
            s.add(Feedback(query_id=query_id, user=user, helpful=helpful, created_at=self.clock()))
        kept = [b for b in message.get("blocks", []) if b.get("block_id") != "kb_feedback"]
        self.client.chat_update(
            channel=channel,
            ts=ts,
            text=message.get("text", "Thanks!"),
            blocks=[*kept, *blocks.feedback_thanks(helpful, query_id=query_id, lang=lang)],
        )

    def escalate_question(
        self, *, query_id: int | None, user: str, channel: str, message_ts: str, thread_ts: str | None
    ) -> Ticket:
        """'Talk to a human': a ticket carrying the question and what the bot found."""
        query = self._own_question(query_id, user=user)
        if query is not None and query.ticket_number is not None:
            raise InvalidInput(f"This question already has ticket #{query.ticket_number}.")
        question = query.question if query else "Question from Slack"
        if query and query.sources:
            shown = "answered from" if query.grounded else "offered as possibly related"
            found = f"\n\nThe bot {shown}: {', '.join(query.sources)} (confidence {query.confidence:.2f})"
        else:
            found = "\n\nThe bot found nothing in the knowledge base."
        ticket = self._open(
            title=question,
            description=question + found,
            requester=user,
            where=(channel, thread_ts or message_ts),
            actor=user,
            reason="requester asked for a human",
            query_id=query_id,
        )
        return ticket

    def _own_question(self, query_id: int | None, *, user: str) -> KbQuery | None:
        """The question behind an answer's buttons; only its asker (or staff) may rate it or escalate it."""
        with self.db.session() as s:
            query = s.get(KbQuery, query_id) if query_id else None
        if query is not None and query.user and query.user != user and not access.is_staff(self.config, user):
            raise PermissionDenied(
                "Only the person who asked can rate this answer or turn it into a ticket. "
                "Ask me your own question, or use `/ticket new`."
            )
        return query

    # ---- tickets -------------------------------------------------------------------------------

    def open_ticket(
        self,
        *,
        title: str,
        description: str,
        requester: str,
        channel: str | None,
        thread_ts: str | None,
        priority: Priority | None = None,
        category: str | None = None,
        actor: str,
        reason: str | None = None,
    ) -> Ticket:
        """Open a ticket from any surface: acknowledgement for the requester, card for the team."""
        where = (channel, thread_ts) if channel else None
        return self._open(
            title=title,
            description=description,
            requester=requester,
            where=where,
            actor=actor,
            priority=priority,
            category=category,
            reason=reason,
        )

    def _open(
        self,
        *,
        title: str,
        description: str,
        requester: str,
        where: tuple[str, str | None] | None,
        actor: str,
        priority: Priority | None = None,
        category: str | None = None,
        reason: str | None = None,
        query_id: int | None = None,
    ) -> Ticket:
        """Create, auto-assign, acknowledge in the requester's thread, post the triage card. A question
        the ticket comes from (`query_id`) is linked in the creating transaction, under a row lock, so
        two clicks on "Talk to a human" can never open two tickets for it."""
        channel, thread_ts = where if where else (None, None)
        if channel is None:
            channel = self._dm(requester)
        team = None
        if self.triager is not None:
            triage = self.triager.triage(
                f"{title}\n{description}",
                channel=channel,
                category=category,
                asked=priority,
                by_staff=access.is_staff(self.config, actor),
            )
            category, team, priority = triage.category, triage.team, triage.priority
            reason = f"{reason}; {triage.reason}" if reason else triage.reason
        elif priority is not None and not access.is_staff(self.config, actor):
            reason = f"{reason + '; ' if reason else ''}the requester asked for {priority.value}"
            priority = None
        data = TicketCreate(
            title=title[:200],
            description=description[:40000],
            requester=requester,
            channel=channel,
            thread_ts=thread_ts,
            priority=priority or Priority.NORMAL,
            category=category,
            team=team,
            priority_reason=reason[:300] if reason else None,
        )
        now = self.clock()
        with self.db.transaction() as s:
            query = s.get(KbQuery, query_id, with_for_update=True) if query_id else None
            if query is not None and query.ticket_number is not None:
                raise InvalidInput(f"This question already has ticket #{query.ticket_number}.")
            ticket = tickets.create(s, data=data, actor=actor, config=self.config, now=now)
            report = tickets.report_for(self.config, ticket, tickets.events_of(s, ticket.number), now)
            number = ticket.number
            if query is not None:
                query.ticket_number = number
                s.add(query)
        assert number is not None
        ticket = (
            auto_assign(self.db, number=number, config=self.config, now=now, presence=self.presence) or ticket
        )
        posted = self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, **blocks.ticket_ack(ticket, report)
        )
        requester_thread = (channel, thread_ts or posted["ts"])
        card = self._post_card(ticket, report)
        with self.db.transaction() as s:
            return tickets.link_messages(s, number=number, triage=card, requester_thread=requester_thread)

    def change(self, action: str, *, number: int, actor: str, **extra: Any) -> Ticket:
        """Run a ticket action for an agent, then update the card (and ask for CSAT on resolve)."""
        ticket = self.apply_change(action, number=number, actor=actor, **extra)
        self.announce_change(action, ticket)
        return ticket

    def apply_change(self, action: str, *, number: int, actor: str, **extra: Any) -> Ticket:
        """The database half of `change` (fast: one transaction), so a slash command can ack with it."""
        self.require_agent(actor)
        now = self.clock()
        with self.db.transaction() as s:
            if action == "assign":
                ticket = tickets.assign(
                    s, number=number, assignee=extra["assignee"], actor=actor, config=self.config, now=now
                )
            elif action == "priority":
                ticket = tickets.set_priority(
                    s, number=number, priority=extra["priority"], actor=actor, config=self.config, now=now
                )
            else:
                ticket = ACTIONS[action](s, number, actor, config=self.config, now=now)
        return ticket

    def announce_change(self, action: str, ticket: Ticket) -> None:
        """The Slack half of `change`: card updated in place, requester told what they need to know."""
        number = ticket.number
        assert number is not None
        self.refresh_card(number)
        if action == "resolve" and ticket.channel:
            self.client.chat_postMessage(
                channel=ticket.channel,
                thread_ts=ticket.thread_ts,
                **blocks.csat_prompt(ticket, lang=language.detect(ticket.description or ticket.title)),
            )
        if action == "wait" and ticket.channel:
            self.client.chat_postMessage(
                channel=ticket.channel,
                thread_ts=ticket.thread_ts,
                text=f"The team is waiting for your reply on ticket #{number}: answer in this thread and it goes straight back to them.",
            )

    def require_agent(self, user: str) -> None:
        access.require_staff(self.config, user)

    def rate(self, *, number: int, score: int, user: str, channel: str, ts: str) -> None:
        with self.db.transaction() as s:
            tickets.rate(s, number=number, score=score, actor=user, config=self.config, now=self.clock())
        self.client.chat_update(channel=channel, ts=ts, **blocks.csat_thanks(score))
        self.refresh_card(number)

    def followup(self, *, number: int, user: str, resolved: bool, channel: str, ts: str) -> None:
        """The requester's answer to a waiting-on-customer follow-up."""
        now = self.clock()
        with self.db.transaction() as s:
            ticket = tickets.get(s, number=number, lock=True)
            if ticket.requester != user:
                raise PermissionDenied(f"Only the requester of ticket #{number} can answer this.")
            if ticket.status == Status.WAITING:
                tickets.resume(s, number=number, actor=user, config=self.config, now=now)
            if resolved:
                tickets.resolve(
                    s,
                    number=number,
                    actor=user,
                    config=self.config,
                    now=now,
                    reason="requester confirmed it is resolved",
                )
        text = (
            "Thanks — we've marked it resolved."
            if resolved
            else "Thanks — the team has been told you still need help."
        )
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=[blocks.section(text)])
        self._post_in_card_thread(
            number,
            blocks.relay(
                user, "It's resolved, thanks." if resolved else "I still need help.", from_agent=False
            ),
        )
        self.refresh_card(number)

    def csat_comment(self, *, number: int, user: str, comment: str) -> None:
        with self.db.transaction() as s:
            ticket = tickets.get(s, number=number)
            if ticket.requester != user:
                raise PermissionDenied(f"Only the requester of ticket #{number} can comment on its rating.")
            tickets.add_note(
                s,
                number=number,
                author=user,
                body=f"CSAT comment: {comment}",
                internal=True,
                config=self.config,
                now=self.clock(),
            )
        self._post_in_card_thread(number, blocks.relay(user, f"CSAT comment: {comment}", from_agent=False))

    def refresh_card(self, number: int) -> None:
        """Update the triage card in place (`chat.update`); post it if it was never posted."""
        now = self.clock()
        with self.db.session() as s:
            ticket = tickets.get(s, number=number)
            report = tickets.report_for(self.config, ticket, tickets.events_of(s, number), now)
        payload = blocks.ticket_card(ticket, report)
        if ticket.triage_channel and ticket.triage_ts:
            self.client.chat_update(channel=ticket.triage_channel, ts=ticket.triage_ts, **payload)
            return
        card = self._post_card(ticket, report)
        with self.db.transaction() as s:
            tickets.link_messages(s, number=number, triage=card)

    def _post_card(self, ticket: Ticket, report: Any) -> tuple[str, str]:
        team = self.config.teams.get(ticket.team) or self.config.teams[self.config.general_team]
        posted = self.client.chat_postMessage(
            channel=team.triage_channel, **blocks.ticket_card(ticket, report)
        )
        return posted["channel"], posted["ts"]

    # ---- thread sync ---------------------------------------------------------------------------

    def thread_message(self, *, channel: str, thread_ts: str, user: str, text: str) -> bool:
        """Relay a message between the card's thread and the requester's thread; False if not a ticket thread."""
        with self.db.session() as s:
            found = tickets.by_thread(s, channel=channel, thread_ts=thread_ts)
        if found is None:
            return False
        ticket, side = found
        assert ticket.number is not None
        now = self.clock()
        if side == "card":
            if not access.is_staff(self.config, user):
                return True  # only the team talks in the card thread
            internal, body = self._card_thread_command(
                ticket.number, user=user, text=text, where=(channel, thread_ts)
            )
            if body is None:
                return True
            with self.db.transaction() as s:
                tickets.add_note(
                    s,
                    number=ticket.number,
                    author=user,
                    body=body,
                    internal=internal,
                    config=self.config,
                    now=now,
                )
            if not internal and ticket.channel:
                self.client.chat_postMessage(
                    channel=ticket.channel,
                    thread_ts=ticket.thread_ts,
                    **blocks.relay(user, body, from_agent=True),
                )
            self.refresh_card(ticket.number)
            return True
        if access.is_staff(self.config, user):
            return True  # an agent in the requester's thread speaks to the requester directly
        with self.db.session() as s:
            added = access.participants(tickets.events_of(s, ticket.number))
        if not access.speaks_for_requester(ticket, user, added):
            self.tell(
                user=user,
                channel=channel,
                thread_ts=thread_ts,
                text="This thread belongs to someone else's request, so your message was not passed to the "
                "support team. To ask for help yourself, use `/ticket new` or ask me in a DM.",
            )
            return True
        with self.db.transaction() as s:
            current = tickets.get(s, number=ticket.number, lock=True)
            tickets.add_note(
                s, number=ticket.number, author=user, body=text, internal=False, config=self.config, now=now
            )
            window = timedelta(days=self.config.reopen_window_days)
            if current.status == Status.WAITING:
                tickets.resume(s, number=ticket.number, actor=user, config=self.config, now=now)
            elif (
                current.status == Status.RESOLVED
                and current.resolved_at
                and now - current.resolved_at <= window
            ):
                tickets.reopen(
                    s,
                    number=ticket.number,
                    actor=user,
                    config=self.config,
                    now=now,
                    reason="requester replied after resolve",
                )
        self._post_in_card_thread(ticket.number, blocks.relay(user, text, from_agent=False))
        self.refresh_card(ticket.number)
        return True

    def _card_thread_command(
        self, number: int, *, user: str, text: str, where: tuple[str, str]
    ) -> tuple[bool, str | None]:
        """A staff message in the card thread: run a `!verb` (None: nothing to relay), take `!note …` as
        an internal note, refuse any other `!word` with help; (internal, body) for the rest."""
        found = THREAD_WORD.match(text)
        if found is None:
            return False, text
        word, rest = found.group(1).lower(), found.group(2).strip()
        if word == "note" and rest.lstrip(":").strip():
            return True, rest.lstrip(":").strip()
        if word in ACTIONS and not rest:
            self.change(word, number=number, actor=user)
            return False, None
        problem = (
            f"`!{word}` takes nothing after it"
            if word in ACTIONS
            else "`!note` needs the note after it"
            if word == "note"
            else f"I don't know `!{safe(word[:30])}`"
        )
        self.tell(
            user=user,
            channel=where[0],
            thread_ts=where[1],
            text=f":warning: {problem}, so nothing was sent to the requester.\n{THREAD_HELP}",
        )
        return False, None

    def _post_in_card_thread(self, number: int, payload: dict[str, Any]) -> None:
        with self.db.session() as s:
            ticket = tickets.get(s, number=number)
        if ticket.triage_channel and ticket.triage_ts:
            self.client.chat_postMessage(channel=ticket.triage_channel, thread_ts=ticket.triage_ts, **payload)

    # ---- App Home ------------------------------------------------------------------------------

    def publish_home(self, *, user: str) -> None:
        self.client.views_publish(user_id=user, view=self.home_view_for(user=user))

    def home_view_for(self, *, user: str) -> dict[str, Any]:
        """The App Home view `user` sees: their tickets, their teams' queue, and today's figures for managers."""
        role = self.config.role_of(user)
        now = self.clock()
        teams = [name for name, team in self.config.teams.items() if user in team.members]
        with self.db.session() as s:
            if role == "requester":
                mine = list(
                    s.exec(
                        select(Ticket)
                        .where(Ticket.requester == user, col(Ticket.status).in_(ACTIVE_STATUSES))
                        .limit(20)
                    )
                )
                queue: list[Ticket] = []
            else:
                mine = list(tickets.list_tickets(s, view="mine", user=user, limit=20))
                queue = [
                    t
                    for team in teams or list(self.config.teams)
                    for t in tickets.list_tickets(s, view="queue", team=team, limit=20)
                ]
            with_reports = [
                (t, tickets.report_for(self.config, t, tickets.events_of(s, t.number), now)) for t in mine
            ]
            queue_reports = [
                (t, tickets.report_for(self.config, t, tickets.events_of(s, t.number), now)) for t in queue
            ]
            local = now.astimezone(ZoneInfo(self.config.managers.timezone))
            manager = role in ("manager", "admin")
            today = self._today(s, local) if manager else None
            gaps = unanswered(s, since=now - timedelta(days=7)) if manager else []
            disliked = not_helpful(s, since=now - timedelta(days=7)) if manager else []
        return blocks.home_view(
            role=role,
            mine=with_reports,
            queue=queue_reports,
            today=today,
            unanswered=gaps,
            unhelpful=disliked,
            now=local,
        )

    def _today(self, s: Session, local: datetime) -> dict[str, Any]:
        """Figures since midnight in the managers' time zone (`local` is now, in that zone)."""
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        opened = s.exec(select(func.count()).select_from(Ticket).where(Ticket.created_at >= start)).one()
        resolved = s.exec(
            select(func.count()).select_from(Ticket).where(col(Ticket.resolved_at) >= start)
        ).one()
        backlog = s.exec(
            select(func.count()).select_from(Ticket).where(col(Ticket.status).in_(ACTIVE_STATUSES))
        ).one()
        asked = s.exec(select(func.count()).select_from(KbQuery).where(KbQuery.created_at >= start)).one()
        answered = s.exec(
            select(func.count())
            .select_from(KbQuery)
            .where(KbQuery.created_at >= start, KbQuery.grounded == True)  # noqa: E712
        ).one()
        csat = s.exec(select(func.avg(Ticket.csat)).where(col(Ticket.resolved_at) >= start)).one()
        return {
            "Opened": opened,
            "Resolved": resolved,
            "Open backlog": backlog,
            "Questions answered by the bot": f"{answered} of {asked}",
            "CSAT today": f"{csat:.1f}/5" if csat else "no ratings yet",
        }

    # ---- Slack helpers -------------------------------------------------------------------------

    def tell(self, *, user: str, text: str, channel: str | None = None, thread_ts: str | None = None) -> None:
        """A short message only `user` sees (ephemeral where possible, else a DM)."""
        try:
            if channel and not channel.startswith("D"):
                self.client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
                return
            self.client.chat_postMessage(channel=channel or self._dm(user), text=text)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user, exc.response.get("error"))

    def _dm(self, user: str) -> str:
        return str(self.client.conversations_open(users=user)["channel"]["id"])

    def _react(self, channel: str, ts: str, name: str, *, add: bool) -> None:
        try:
            if add:
                self.client.reactions_add(channel=channel, timestamp=ts, name=name)
            else:
                self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:  # a missing reaction is cosmetic
            log.info("reaction %s on %s/%s: %s", name, channel, ts, exc.response.get("error"))

    def ticket_in_thread(self, *, channel: str, thread_ts: str) -> int | None:
        with self.db.session() as s:
            found = tickets.by_thread(s, channel=channel, thread_ts=thread_ts)
        return found[0].number if found else None

    def message_text(self, *, channel: str, ts: str) -> dict[str, Any] | None:
        """The message at (channel, ts), read back from Slack (for :ticket: reactions)."""
        try:
            got = self.client.conversations_replies(channel=channel, ts=ts, limit=1, inclusive=True)
        except SlackApiError:
            return None
        messages = got.get("messages") or []
        return messages[0] if messages else None

    def permalink(self, *, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError:
            return None
