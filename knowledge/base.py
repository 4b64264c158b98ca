"""`KnowledgeBase`: the one object the rest of Deskbot uses (ingest, answer, stats)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, Protocol

from knowledge import batches, calibration, chunking, indexes, language, selfcal, spelling
from knowledge.calibration import Curve
from knowledge.compose import Composed, PassageComposer
from knowledge.decide import STATISTIC, DecisionParams, lift, weighed
from knowledge.embedding import Engine
from knowledge.lexical import LexicalIndex
from knowledge.results import Answer, EngineMismatch, IngestReport, Source, nearly_as_relevant
from knowledge.retrieve import Hit, RetrievalParams, retrieve, retrieve_while_encoding
from knowledge.store import VectorStore
from knowledge.visibility import INTERNAL_UNLESS_STATED, VisibilityRules

log = logging.getLogger("deskbot.kb")

Audience = Literal["customer", "staff"]


class Composer(Protocol):
    def compose(
        self, question: str, chunks: list[chunking.Chunk], *, language: str | None = None
    ) -> Composed: ...


EMBED_BATCH = (
    1024  # texts per embedding call during ingestion (the model sorts each call by length: fewer pads)
)
VISIBILITY: dict[str, tuple[str, ...]] = {"customer": ("public",), "staff": ("public", "internal")}
Verdict = calibration.Said | str  # a bare question: answered for staff, from an article not recorded


def stored(verdict: Verdict) -> list[str | None]:
    """A verdict as kept with the index, its question cut to VERDICT_CHARS."""
    said = calibration.Said.of(verdict)
    return replace(said, question=said.question[:VERDICT_CHARS]).stored()


# lexical searches beside their questions' encoding (answers run on several threads); the vectors' load
LEXICAL_THREADS = 4
VERDICT_CHARS = 1000  # of each verdict's question kept with the index (the engine reads ~1,000 characters)
# verdicts of each kind a recalibration relearns (as many as the articles it samples): each costs an
# encode and a search (~20-40 ms), and an ingestion must not wait minutes for a busy desk's 5,000. The
# hourly `kb_recalibrate` job, which counts them all, relearns the rest within the hour.
VERDICTS_KEPT = calibration.SAMPLE
CURVE_REFRESH = 60.0  # seconds a process trusts its copy of the curve before reading the index again


class KnowledgeBase:
    def __init__(
        self,
        *,
        store: VectorStore,
        embedder: Engine,
        retrieval: RetrievalParams | None = None,
        decision: DecisionParams | None = None,
        composer: Composer | None = None,
        embed_batch: int = EMBED_BATCH,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.store = store
        # BM25 on an engine that keeps its index on disk: nothing proportional to the KB is loaded here
        self.lexical = lexical if lexical is not None else indexes.default_lexical(store)
        self.embedder = embedder
        self.retrieval = retrieval or RetrievalParams()
        self.decision = decision or DecisionParams()
        self.composer: Composer = composer or PassageComposer()
        self.embed_batch = embed_batch
        self._checked = False
        self._curve: Curve | None = None
        self._curve_read = 0.0
        self._languages: frozenset[str] = frozenset()  # the articles' languages (`calibrate` detects them)
        self._searches = ThreadPoolExecutor(LEXICAL_THREADS, thread_name_prefix="kb-search")
        self.vectors_loading: Future[Any] | None = None  # `warm_up`'s load of the vector indexes

    @property
    def engine(self) -> Engine:
        return self.embedder

    def check_engine(self) -> dict[str, Any]:
        """The index's record of itself; EngineMismatch when another engine built it.

        An index from before engines were recorded was built by all-MiniLM-L6-v2, the only engine then."""
        meta = self.store.read_meta()
        built = meta.get("engine") or ("all-MiniLM-L6-v2" if self.store.count() else None)
        if built and built != self.embedder.name and self.store.count():
            raise EngineMismatch(built, self.embedder.name)
        self._checked = True
        return meta

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
        root: Path | None = None,
        rules: VisibilityRules = INTERNAL_UNLESS_STATED,
        links: bool = False,
    ) -> IngestReport:
        """Index new and changed files, skip unchanged ones, remove deleted ones with `prune`.

        Document ids are paths relative to `root` (the sources folder) for paths inside it, else to
        the folder given. Files that do not state their visibility follow `rules` (internal unless
        told otherwise). A refused file is reported and its previous copy is withdrawn from customers;
        `prune` removes only documents under the paths given. `links`: a link to a file is read as the
        file (only for a private index: `deskbot eval kb`).
        """
        return batches.ingest(
            self, paths, prune=prune, progress=progress, root=root, rules=rules, links=links
        )

    def calibrate(self) -> Curve:
        """Fit this KB's own confidence curve without labels (see knowledge.selfcal) and store it
        with the index. People's verdicts are relearned from their questions (stored by `learn`), not
        carried over as the evidence they showed on the KB as it was: a KB of one article, with no
        runner-ups, stored raw scores ten times any margin a larger one shows, and once it grew the bot
        abstained on everything."""
        self.check_engine()  # another engine's vectors: a curve of meaningless scores (EngineMismatch)
        chunks = self.store.all_chunks()
        asks = selfcal.pseudo_questions(chunks)
        vectors = self.embedder.queries([a.text for a in asks]) if asks else []
        every = tuple(VISIBILITY["staff"])

        def search(question: str, vector: Any, **exclude: frozenset[str]) -> list[Hit]:
            return retrieve(
                question,
                vector,
                store=self.store,
                lexical=self.lexical,
                visibilities=every,
                params=self.retrieval,
                **exclude,
            )

        seen = selfcal.pseudo_evidence(asks, vectors, search, self.decision.competitors)
        curve = calibration.self_curve(
            seen.near_miss, seen.found, seen.background, STATISTIC, seen.near_lift, seen.spread
        )
        if not curve.found and chunks:
            n = len({c.doc_id for c in chunks})
            log.info(  # `deskbot kb ingest` says it in its own words; `deskbot run` logs it
                "knowledge base: could not calibrate its answers on %d article%s (too few to tell a question "
                "it answers from one it does not); the bot abstains and offers a ticket until more are added",
                n,
                "" if n == 1 else "s",
            )
        meta = self.store.read_meta()
        languages = language.written_in([f"{c.title}. {c.text[:500]}" for c in chunks if c.position == 0])
        self._languages = frozenset(languages)
        said = meta.get("verdicts") or {}
        if said.get("right") or said.get("wrong"):
            right, wrong = said.get("right", []), said.get("wrong", [])
            curve = calibration.with_feedback(
                curve, self._evidence(right, curve), self._evidence(wrong, curve)
            )
        self.store.write_meta(
            {
                **meta,
                "engine": self.embedder.name,
                "calibration": curve.to_json(),
                "languages": languages,
                # the documents' state the last ingestion recorded (`indexes.mark`): `batches.ingest`
                # recalibrates when it changes, without reading every document's hash again here
                "calibrated_for": meta.get("documents"),
            }
        )
        self._curve = curve
        return curve

    def learn(self, positives: Sequence[Verdict], negatives: Sequence[Verdict]) -> tuple[Curve, Curve]:
        """Refit the curve with people's verdicts on answers (questions that were answered right /
        wrong; `calibration.Said`), on top of the self-calibration; the verdicts are stored with the
        index so a recalibration relearns them. Returns (before, after)."""
        self.check_engine()  # the hourly refit with KB_ENGINE changed wrote a curve of mixed vectors
        self._curve = None  # the stored curve, not this process's copy (another may have recalibrated)
        before = self.curve
        after = calibration.with_feedback(
            before, self._evidence(positives, before), self._evidence(negatives, before)
        )
        said = {  # the newest first (`bot.answers.verdicts`), as many as a recalibration can afford
            "right": [stored(v) for v in positives[:VERDICTS_KEPT]],
            "wrong": [stored(v) for v in negatives[:VERDICTS_KEPT]],
        }
        self.store.write_meta({**self.store.read_meta(), "calibration": after.to_json(), "verdicts": said})
        self._curve = after
        return before, after

    def _evidence(self, verdicts: Sequence[Verdict], curve: Curve) -> list[float]:
        """Each verdict's evidence as `answer` weighs it for its audience (in its language's terms), on
        today's KB; verdicts on an article that is gone are left out."""
        still: dict[tuple[str | None, str], bool] = {}  # one read per article and audience, not per verdict
        said = []
        for s in map(calibration.Said.of, verdicts):
            key = (s.article, s.audience)
            if key not in still:
                still[key] = self._still_shown(s)
            if s.question.strip() and still[key]:
                said.append(replace(s, question=" ".join(spelling.normalised(s.question).split())))
        if not said:
            return []
        shown = [VISIBILITY.get(s.audience, VISIBILITY["staff"]) for s in said]
        searched = [self.as_searched(s.question, seen) for s, seen in zip(said, shown, strict=True)]
        vectors = self.embedder.queries([q for q, _ in searched])
        out = []
        for s, seen, (_, foreign), v in zip(said, shown, searched, vectors, strict=True):
            hits = retrieve(
                s.question, v, store=self.store, lexical=self.lexical, visibilities=seen,
                params=self.retrieval, typos=not foreign,
            )  # fmt: skip
            out.append(weighed(hits, self.decision.competitors, curve, foreign=foreign))
        return out

    def _still_shown(self, said: calibration.Said) -> bool:
        """Whether the article a verdict was answered from is still there for its audience (one read by
        id per visibility, whatever the KB's size): made internal since, it is gone for a customer."""
        if said.article is None:
            return True
        seen = VISIBILITY.get(said.audience, VISIBILITY["staff"])
        return any(self.store.first_chunk(said.article, visibility=v) is not None for v in seen)

    @property
    def curve(self) -> Curve:
        """This KB's confidence curve (calibrated now if the index has none yet), re-read from the index
        every `CURVE_REFRESH` seconds: another process (the scheduler's leader) may have refitted it."""
        if self._curve is not None and time.monotonic() - self._curve_read > CURVE_REFRESH:
            self._curve = None
        if self._curve is None:
            self._curve_read = time.monotonic()
            meta = self.store.read_meta()
            self._languages = frozenset(meta.get("languages") or ())
            stored = meta.get("calibration")
            current = stored and stored.get("statistic") == STATISTIC  # an older version's curve: refit
            self._curve = Curve.from_json(stored) if current else self.calibrate()
        return self._curve

    def warm_up(self) -> float:
        """Load the model and open the lexical index now (not on the first question); returns seconds.

        The vectors load beside it (`vectors_loading`): Chroma reads a collection's HNSW index on its
        first query, which took 3.7–42 s at 1M chunks (BENCHMARKS) and would otherwise fall on the
        first customer's question, or hold up the start of the process. It starts last: embedded Chroma
        serves one call at a time, and reading the curve behind the load held a cold 1M start for 4 s."""
        started = time.perf_counter()
        self.check_engine()  # EngineMismatch: nothing is served (or refitted) from another engine's vectors
        vector = self.embedder.queries(["warm up"])[0]
        self.lexical.search("warm up", k=1, visibilities=("public",))
        _ = self.curve
        language.warm_up()
        spelling.warm_up(self._languages)
        every = tuple(VISIBILITY["staff"])
        self.vectors_loading = self._searches.submit(self.store.query, vector, k=1, visibilities=every)
        return time.perf_counter() - started

    def reset(self) -> None:
        """Empty both indexes (`deskbot kb rebuild`); the collections and tables stay for other processes."""
        indexes.reset(self.store, self.lexical)

    def answer(self, question: str, audience: Audience = "customer") -> Answer:
        """Answer from the documents this audience may see, or abstain and say why."""
        started = time.perf_counter()
        # NFC, without zero-width characters: "p\u200bassword" is one word for the model and the index
        question = " ".join(spelling.normalised(question).split())
        if not question:
            return Answer("", [], 0.0, False, "The question is empty.", engine=self.embedder.name)
        if not self._checked:
            self.check_engine()
            indexes.check(self.store, self.lexical)
        curve = self.curve
        asked_in = language.detect(question)
        searched, foreign = self.as_searched(question, VISIBILITY[audience])
        hits = retrieve_while_encoding(
            question,
            lambda q: self.embedder.queries([q])[0],
            store=self.store,
            lexical=self.lexical,
            visibilities=VISIBILITY[audience],
            params=self.retrieval,
            pool=self._searches,
            typos=not foreign,
            encoded=searched,
        )
        stat = weighed(hits, self.decision.competitors, curve, foreign=foreign)
        conf = curve.probability(stat) if hits else 0.0
        ranking = [h.doc_id for h in hits[:10]]
        meta = {
            "language": asked_in,
            "engine": self.embedder.name,
            "searched_for": searched if searched != question else None,
        }
        elapsed = (time.perf_counter() - started) * 1000
        if not hits:
            why = "The knowledge base has no documents for this audience."
            return Answer("", [], 0.0, False, why, ranking, elapsed, **meta)  # type: ignore[arg-type]
        shown = self.store.fetch([h.chunk for h in hits[:4]])  # the vectors gave references only
        sources = [
            Source(h.doc_id, c.title, c.url, round(h.score, 4))
            for h, c in zip(hits[:3], shown[:3], strict=True)
        ]
        if conf < self.decision.threshold:
            why = (
                f"No document matches closely enough (confidence {conf:.2f} < {self.decision.threshold:.2f})."
                if curve.calibrated
                else f"The knowledge base {calibration.UNCALIBRATED}: it abstains; see `deskbot kb calibrate`."
            )
            worth = self._worth_a_look(conf, stat, curve) and lift(hits) >= curve.near_lift
            titled = [s for s in sources if s.title]  # not one whose document went since the search
            related = nearly_as_relevant(titled) if worth else []
            return Answer("", sources, conf, False, why, ranking, elapsed, stat, related, **meta)  # type: ignore[arg-type]
        chunks = shown
        if chunks[0].position < 0:  # found by its title only: compose from its first passage
            chunks[0] = self.store.first_chunk(hits[0].doc_id, visibility=chunks[0].visibility) or chunks[0]
        if not chunks[0].text:  # its document went between the search and the read (another ingestion)
            why = "The best matching document changed while this question was answered."
            return Answer("", sources, conf, False, why, ranking, elapsed, stat, **meta)  # type: ignore[arg-type]
        composed = self.composer.compose(question, chunks, language=asked_in)  # never reached on abstain
        # a quoted passage is in its article's language; an LLM writes in the asker's
        passage_language = language.detect(chunks[0].text[:500]) if composed.quoted else None
        return Answer(
            composed.text,
            sources,
            conf,
            True,
            None,
            ranking,
            (time.perf_counter() - started) * 1000,
            stat,
            passage_language=passage_language,
            **meta,  # type: ignore[arg-type]
        )

    def as_searched(self, question: str, visibilities: Sequence[str]) -> tuple[str, bool]:
        """(the question as the model reads it, whether it is in another language than the articles):
        in the articles' language its misspelt words are corrected to words the articles of these
        `visibilities` use (`knowledge.spelling`); in another, its words are unknown to the KB by nature
        and stay as asked. The lexical search always gets the words as typed."""
        if self.foreign(question):
            return question, True
        try:
            searched = spelling.correct(
                question,
                languages=self._languages,
                known=self.lexical.doc_frequencies,
                seen=lambda terms: self.lexical.seen_by(terms, visibilities),
            )
        except Exception:  # noqa: BLE001 - a help, not a step an answer may fail on
            log.exception("spelling correction failed; the question is searched as typed")
            searched = question
        return searched, False

    def foreign(self, question: str) -> bool:
        """Whether a question is clearly in a language none of the articles is written in (`calibrate`
        records theirs; `knowledge.language.differs`). Such a question's lexical search matches whole
        words only: trigrams would match look-alike words of another language, not misspellings
        (`knowledge.lexical.search_terms`; dev sets, Spanish questions to English articles: precision
        0.896 → 0.922 at coverage 0.358 → 0.328, German 0.882 → 0.899 at 0.293 → 0.307; same-language
        sets unchanged)."""
        return language.differs(question, self._languages)

    def _worth_a_look(self, conf: float, stat: float, curve: Curve) -> bool:
        """On abstain, list the closest articles when the confidence reaches `suggest_threshold`, or
        when the question is at least as close to an article as this KB's typical near miss (a
        question whose own article is missing but a sibling exists) — and in both cases only when its
        top article stands out from the rest as much as a typical near miss's does (`answer` checks the
        lift: a question about nothing here is equally far from everything). Off when suggest ≥ answer threshold."""
        if self.decision.suggest_threshold >= self.decision.threshold:
            return False
        near = sorted(curve.near_miss)
        return conf >= self.decision.suggest_threshold or bool(near) and stat >= near[len(near) // 2]

    def stats(self) -> dict[str, int]:
        chunks = self.store.all_chunks()
        return {
            "documents": len({c.doc_id for c in chunks}),
            "chunks": len(chunks),
            "internal_documents": len({c.doc_id for c in chunks if c.visibility == "internal"}),
        }
