"""The label-free half of the calibration: ask the index this KB's own pseudo-questions.

For each sampled article (`calibration.sample_docs`), its title and its partial versions
(`calibration.partial_questions`) are asked with the article held out (near misses: what an
uncovered question looks like here), and the partial versions are asked again with only the title
vector held out (found: the article reached through its body, as a real paraphrase must). A partial
question whose best article is another one counts as a near miss. Returns the decision statistic of
each group; `calibration.self_curve` fits the curve on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median_high

from knowledge import calibration
from knowledge.chunking import Chunk
from knowledge.decide import evidence, lift, spread
from knowledge.retrieve import Hit

Search = Callable[..., list[Hit]]  # (question, vector, exclude=…, exclude_titles=…) -> ranked hits


@dataclass(frozen=True)
class Pseudo:
    doc_id: str
    text: str
    partial: bool  # a paraphrase-like part of the title (also asked with the article present)


def pseudo_questions(chunks: Sequence[Chunk]) -> list[Pseudo]:
    """Each sampled article's title and its partial versions, in a stable order."""
    titles = {c.doc_id: c.title for c in chunks}
    bodies: dict[str, list[str]] = {}
    for c in chunks:
        bodies.setdefault(c.doc_id, [c.title]).append(c.text)
    frequency = calibration.document_frequency(" ".join(parts) for parts in bodies.values())
    asks = []
    for doc_id in calibration.sample_docs(list(titles)):
        title = " ".join(titles[doc_id].split())
        asks.append(Pseudo(doc_id, title, False))
        asks += [Pseudo(doc_id, p, True) for p in calibration.partial_questions(title, frequency)]
    return asks


@dataclass(frozen=True)
class PseudoEvidence:
    near_miss: list[float]  # decision statistics of the near misses
    found: list[float]  # ... of the partial questions that found their article
    background: float  # a typical runner-up score
    near_lift: float  # a typical near miss's lift
    spread: float  # a typical partial question's spread of dense scores (asked with its article)


def pseudo_evidence(
    asks: Sequence[Pseudo], vectors: Sequence, search: Search, competitors: int
) -> PseudoEvidence:
    """What the KB's pseudo-questions show (see `PseudoEvidence`)."""
    near = [search(a.text, v, exclude=frozenset([a.doc_id])) for a, v in zip(asks, vectors, strict=True)]
    partial = [
        (a, search(a.text, v, exclude_titles=frozenset([a.doc_id])))
        for a, v in zip(asks, vectors, strict=True)
        if a.partial
    ]
    near_lift = _typical([lift(h) for h in near])
    others = [h.score for hits in near for h in hits[1 : 1 + competitors]]
    # A typical runner-up score. In a KB of two articles a held-out one leaves a single document, so no
    # near miss has a runner-up: the partial questions' runner-ups stand in (with none, the padding was
    # 0 and a near miss's margin its whole score, so the curve turned over: off-topic questions answered).
    others = others or [h.score for _, hits in partial for h in hits[1 : 1 + competitors]]
    if not others:  # one article: nothing to tell a question it answers from one it does not
        return PseudoEvidence([], [], 0.0, near_lift, 0.0)
    background = _typical(others)
    wrong = [evidence(h, competitors, background) for h in near]
    right = []
    for a, hits in partial:
        found = bool(hits) and hits[0].doc_id == a.doc_id
        (right if found else wrong).append(evidence(hits, competitors, background))
    return PseudoEvidence(wrong, right, background, near_lift, _typical([spread(h) for _, h in partial]))


def _typical(values: Sequence[float]) -> float:
    """The median (the higher middle value of an even count), 0 for none."""
    return median_high(values) if values else 0.0
