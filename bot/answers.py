"""Answering service: canned answers, then the knowledge base; every question logged for the KPIs.

This is the one path Slack, the CLI (`deskbot kb ask`) and the evaluation (`deskbot eval kb`) use.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bot import accounts
from bot.config import Settings, lexical_location
from bot.db import Database
from bot.models import Feedback, KbQuery
from bot.observability import METRICS
from bot.support import SupportConfig
from bot.support.models import CannedAnswer
from bot.timeutil import Clock, utcnow
from knowledge import language
from knowledge.base import VERDICTS_KEPT, Audience, KnowledgeBase, stored
from knowledge.calibration import Said
from knowledge.clipping import clip
from knowledge.decide import DecisionParams
from knowledge.embedding import Engine, encodable
from knowledge.gaps import Gap, gaps, group_key
from knowledge.lexical import LexicalIndexError
from knowledge.results import Answer, EngineMismatch, Source

CANNED_ID = "canned"
UNANSWERED_SCAN = 5000
SETTLED = timedelta(
    days=3
)  # an answer with no ticket and no complaint after this long counts as resolved  # at most this many of a period's latest unanswered questions are grouped
UNAVAILABLE = "the knowledge base is unavailable"  # why_not when the vector store cannot be reached
log = logging.getLogger("deskbot.answers")


@dataclass(frozen=True)
class Reply:
    answer: Answer
    query_id: int | None  # the kb_query row, for feedback and "talk to a human" tickets


def build_knowledge_base(
    settings: Settings, *, embedder: Engine | None = None, chroma_path: Path | None = None
) -> KnowledgeBase:
    """The product's knowledge base from settings: Chroma (embedded or server), the KB_ENGINE embedding
    engine (default `knowledge.embedding.DEFAULT_ENGINE`), optional LLM."""
    from knowledge.compose import LlmComposer
    from knowledge.embedding import get_engine
    from knowledge.lexical import Fts5Index, lexical_path
    from knowledge.lexical_pg import PostgresIndex
    from knowledge.store import VectorStore

    if chroma_path is not None:  # a private index (deskbot eval kb): its lexical file sits next to it
        store, engine, where = VectorStore(path=chroma_path), "sqlite", str(lexical_path(chroma_path))
    else:
        store = (
            VectorStore(url=settings.chroma_url)
            if settings.chroma_url
            else VectorStore(path=settings.chroma_path)
        )
        engine, where = lexical_location(settings)
    return KnowledgeBase(
        store=store,
        lexical=PostgresIndex(where) if engine == "postgresql" else Fts5Index(where),
        embedder=embedder or get_engine(settings.kb_engine),
        decision=DecisionParams(
            threshold=settings.kb_answer_threshold, suggest_threshold=settings.kb_suggest_threshold
        ),
        composer=LlmComposer.from_spec(settings.llm_model) if settings.llm_model else None,
    )


class AnswerService:
    def __init__(
        self,
        *,
        kb: KnowledgeBase,
        canned: Sequence[CannedAnswer] = (),
        db: Database | None = None,
        clock: Clock = utcnow,
        config: SupportConfig | None = None,
    ) -> None:
        self.kb = kb
        self.canned = list(canned)
        self.db = db
        self.clock = clock
        self.config = config  # which account a question belongs to

    @classmethod
    def from_config(
        cls, *, kb: KnowledgeBase, config: SupportConfig, db: Database | None, clock: Clock
    ) -> AnswerService:
        return cls(kb=kb, canned=config.canned_answers, db=db, clock=clock, config=config)

    def answer(
        self, question: str, *, audience: Audience, user: str | None = None, channel: str | None = None
    ) -> Reply:
        """A canned reply if one matches, else the knowledge base's answer or abstention; logged."""
        canned = next((c for c in self.canned if c.matches(question)), None)
        if canned is not None:  # the bot's words in the asker's language, the reply labelled with its own
            answer = Answer(
                canned.reply,
                [Source(CANNED_ID, canned.title, canned.url, 1.0)],
                1.0,
                True,
                language=language.detect(question),
                passage_language=language.detect(canned.reply),
                canned=True,
            )
        else:
            try:
                answer = self.kb.answer(question, audience)
            except (
                EngineMismatch,
                LexicalIndexError,
            ) as exc:  # the operator must rebuild; a person is offered
                log.error("%s", exc)
                answer = Answer("", [], 0.0, False, why_not=UNAVAILABLE, language=language.detect(question))
            except Exception:  # noqa: BLE001 - the vector store is down: say so, offer a person
                log.exception("knowledge base unavailable")
                answer = Answer("", [], 0.0, False, why_not=UNAVAILABLE, language=language.detect(question))
        METRICS.answers.labels(
            "canned"
            if canned
            else "answered"
            if answer.grounded
            else "unavailable"
            if answer.why_not == UNAVAILABLE
            else "abstained"
        ).inc()
        return Reply(answer, self._log(question, answer, audience=audience, user=user, channel=channel))

    def _log(
        self, question: str, answer: Answer, *, audience: str, user: str | None, channel: str | None
    ) -> int | None:
        if self.db is None:
            return None
        with self.db.transaction() as session:
            row = KbQuery(
                question=clip(encodable([question])[0], 4000),  # cut with "…"; storable (no half characters)
                searched_for=clip(answer.searched_for, 4000) if answer.searched_for else None,
                user=user,
                channel=channel,
                audience=audience,
                grounded=answer.grounded,
                unavailable=answer.why_not == UNAVAILABLE,
                confidence=round(answer.confidence, 4),
                # what the person was shown: the cited articles, or those offered as possibly related
                sources=[s.doc_id for s in (answer.sources if answer.grounded else answer.related)],
                created_at=self.clock(),
                account=accounts.account_for(session, config=self.config, channel=channel, user=user)
                if self.config is not None
                else None,
            )
            session.add(row)
            session.flush()
            return row.id


def unanswered(
    session: Session, *, since: datetime, until: datetime | None = None, limit: int | None = 5
) -> list[Gap]:
    """The most asked questions the knowledge base could not answer since `since` (until `until`),
    rephrasings with the same words counted together (digest, manager's Home, `deskbot kb gaps`)."""
    # an outage (the store down, the engine changed) is not a gap in the articles (a review saw every
    # question of an outage listed as one)
    where = [
        col(KbQuery.created_at) >= since,
        col(KbQuery.grounded).is_(False),
        col(KbQuery.unavailable).is_(False),
    ]
    if until is not None:
        where.append(col(KbQuery.created_at) < until)
    rows = session.exec(
        select(KbQuery.question, KbQuery.sources, KbQuery.ticket_number, KbQuery.searched_for)
        .where(*where)
        .order_by(col(KbQuery.created_at).desc())
        .limit(UNANSWERED_SCAN)
    ).all()
    return _gaps(rows, limit=limit)


def not_helpful(
    session: Session, *, since: datetime, until: datetime | None = None, limit: int | None = 5
) -> list[Gap]:
    """Answers people said didn't help since `since`, grouped by question (rephrasings with the same
    words together), most reported first; `offered` is the article the answer used (digest, manager's
    Home, `deskbot kb gaps`). Didn't help: marked Not helpful (each person's latest verdict on it), or
    followed by "Talk to a human" (the answer became a ticket). Each answer counts once."""
    marked = [col(Feedback.created_at) >= since, col(Feedback.helpful).is_(False)]
    escalated = [
        col(KbQuery.created_at) >= since,
        col(KbQuery.grounded).is_(True),
        col(KbQuery.ticket_number).is_not(None),
    ]
    if until is not None:
        marked.append(col(Feedback.created_at) < until)
        escalated.append(col(KbQuery.created_at) < until)
    columns = (KbQuery.id, KbQuery.question, KbQuery.sources, KbQuery.ticket_number, KbQuery.searched_for)
    rows = [
        *session.exec(
            select(*columns)
            .join(Feedback, col(Feedback.query_id) == col(KbQuery.id))
            .where(*marked)
            .order_by(col(Feedback.created_at).desc())
            .limit(UNANSWERED_SCAN)
        ).all(),
        *session.exec(
            select(*columns).where(*escalated).order_by(col(KbQuery.created_at).desc()).limit(UNANSWERED_SCAN)
        ).all(),
    ]
    # an answer marked and escalated counts once; a canned reply is the configuration's, not the KB's
    once = {row[0]: row[1:] for row in reversed(rows) if CANNED_ID not in (row[2] or [])}
    return _gaps(list(once.values()), limit=limit)


def _gaps(rows: Sequence[Any], *, limit: int | None) -> list[Gap]:
    """(question, sources, ticket number, searched for) rows of `kb_query` → `knowledge.gaps.gaps`."""
    return gaps(
        [(question, sources or [], ticket, searched) for question, sources, ticket, searched in rows],
        limit=limit,
    )


def verdicts(
    session: Session, *, now: datetime, scan: int = UNANSWERED_SCAN
) -> tuple[list[Said], list[Said]]:
    """People's verdicts on the bot's answers, as (questions answered right, questions answered wrong).

    Right: marked Helpful, or answered and never turned into a ticket nor marked Not helpful within
    `SETTLED`. Wrong: marked Not helpful, or followed by a ticket (Talk to a human; a ticket that was
    reopened came from such an answer too). Canned replies are not the knowledge base's and are left out.
    One person's verdicts on one question (by its words, `knowledge.gaps.group_key`) count once."""
    answers = session.exec(
        select(
            KbQuery.id,
            KbQuery.question,
            KbQuery.ticket_number,
            KbQuery.created_at,
            KbQuery.sources,
            KbQuery.user,
            KbQuery.audience,
        )
        .where(col(KbQuery.grounded).is_(True))
        .order_by(col(KbQuery.created_at).desc())
        .limit(scan)
    ).all()
    ids = [row[0] for row in answers]
    votes: dict[int, bool] = {}
    if ids:
        for query_id, helpful, _ in session.exec(
            select(Feedback.query_id, Feedback.helpful, Feedback.created_at)
            .where(col(Feedback.query_id).in_(ids))
            .order_by(col(Feedback.created_at))
        ).all():
            if query_id is not None:
                votes[query_id] = helpful  # the latest vote counts
    right: list[Said] = []
    wrong: list[Said] = []
    # one verdict per person and question: a review's ten "Not helpful" clicks by one person on the same
    # question moved the desk's threshold as ten people would have. Their latest explicit one (a vote, a
    # ticket) wins over a later silence: asking again without clicking must not turn "Not helpful" into
    # "right" once settled (a second review).
    chosen: dict[tuple[str | None, tuple[str, ...]], tuple[Any, bool]] = {}
    for row in answers:  # the newest first
        query_id, question, ticket, _, sources, user, _ = row
        if CANNED_ID in (sources or []):
            continue
        key = (user, group_key(question))
        explicit = votes.get(query_id) is not None or ticket is not None
        if key not in chosen or (explicit and not chosen[key][1]):
            chosen[key] = (row, explicit)
    for row, _ in chosen.values():  # in the order each person's question was first met: the newest first
        query_id, question, ticket, created_at, sources, _, audience = row
        vote = votes.get(query_id)
        said = Said(question, audience or "customer", (sources or [None])[0])
        if vote is False or ticket is not None:
            wrong.append(said)
        elif vote is True or created_at <= now - SETTLED:
            right.append(said)
    return right, wrong


def recalibrate(*, db: Database, kb: KnowledgeBase, now: datetime, dry_run: bool = False) -> str:
    """Refit the knowledge base's answer curve with people's verdicts (`verdicts`), unless they are the
    ones it was last fitted with; a one-line summary of what changed (the `kb_recalibrate` job)."""
    with db.session() as s:
        right, wrong = verdicts(s, now=now)
    curve = kb.curve
    kept = kb.store.read_meta().get("verdicts") or {}
    # the same counts and the same newest verdicts: once the scan window slides, the counts alone stay
    # equal while the verdicts change (a review)
    if (
        (len(right), len(wrong)) == (len(curve.positives), len(curve.negatives))
        and [stored(v) for v in right[:VERDICTS_KEPT]] == kept.get("right", [])
        and [stored(v) for v in wrong[:VERDICTS_KEPT]] == kept.get("wrong", [])
    ):
        return f"unchanged: {len(right)} right and {len(wrong)} wrong answers, as at the last refit"
    if dry_run:
        return f"would refit with {len(right)} right and {len(wrong)} wrong answers"
    before, after = kb.learn(right, wrong)
    t = kb.decision.threshold
    return (
        f"refitted with {len(right)} right and {len(wrong)} wrong answers: the bot answers above evidence "
        f"{_level(after.evidence_at(t))} (was {_level(before.evidence_at(t))})"
    )


def _level(evidence: float) -> str:
    return f"{evidence:.3f}" if math.isfinite(evidence) else "none, it cannot tell right from wrong"
