"""Which answer-or-abstain signal separates right answers from wrong ones best on an evaluation set?

Run: `make kb-signals` (or `.venv/bin/python -m tests.bench.kb_signals --kb DOCS --queries FILE`).

For each candidate confidence signal it prints the best the signal could do with a threshold chosen
in hindsight on this very file (an upper bound, not a setting): the highest answerable coverage with
answered precision ≥ 0.95, and the precision at coverage ≥ 0.90. The first row is the product's own
path (`KnowledgeBase.answer`, its evidence statistic); the others are recomputed from the same
ingestion, the same model and the same BM25, so each row differs from the product in one idea only.
This is how the shipped rule was chosen and how the alternatives in BENCHMARKS.md were ruled out.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from knowledge.base import KnowledgeBase
from knowledge.decide import DecisionParams
from knowledge.embedding import LocalEmbedder
from knowledge.evaluate import calibrate, read_queries
from knowledge.store import VectorStore
from knowledge.terms import tokens

COMMAND = "make kb-signals"
PRECISION, COVERAGE = 0.95, 0.90


class Views:
    """Per (question, document) scores: title cosine T, best-chunk cosine C, question-normalised BM25 L."""

    def __init__(self, kb: KnowledgeBase, questions: list[str]) -> None:
        chunks = kb.store.all_chunks()
        self.docs = sorted({c.doc_id for c in chunks})
        col = {d: i for i, d in enumerate(self.docs)}
        titles = {c.doc_id: c.title for c in chunks}
        q = kb.embedder.embed(questions)
        self.title_vectors = kb.embedder.embed([titles[d] for d in self.docs])
        self.chunk_vectors = kb.embedder.embed([c.embed_text for c in chunks])
        self.chunk_doc = owner = np.array([col[c.doc_id] for c in chunks])
        self.T = q @ self.title_vectors.T
        per_chunk = q @ self.chunk_vectors.T
        self.C = np.stack([per_chunk[:, owner == j].max(1) for j in range(len(self.docs))], axis=1)
        self.L = np.zeros_like(self.T)
        for i, text in enumerate(questions):
            for chunk, score in kb.lexical.search(text, k=len(chunks), visibilities=("public", "internal")):
                self.L[i, col[chunk.doc_id]] = max(self.L[i, col[chunk.doc_id]], score)
        self.L /= np.maximum(self.L.max(1, keepdims=True), 1e-9)
        doc_tokens = {d: set() for d in self.docs}
        for c in chunks:
            doc_tokens[c.doc_id] |= set(tokens(f"{c.title} {c.text}"))
        self.doc_tokens = [doc_tokens[d] for d in self.docs]

    def fused(self, title_share: float = 0.5, lexical: float = 0.1) -> np.ndarray:
        return title_share * self.T + (1 - title_share) * self.C + lexical * self.L


def relative(scores: np.ndarray, k: int = 5) -> np.ndarray:
    """2·top − mean(next k): the product's evidence."""
    ordered = -np.sort(-scores, axis=1)
    return 2 * ordered[:, 0] - ordered[:, 1 : 1 + k].mean(1)


def bounds(right: np.ndarray, signal: np.ndarray, answerable: int) -> tuple[float, float]:
    """(best coverage with precision ≥ 0.95, precision at coverage ≥ 0.90) over all thresholds."""
    hits = right[np.argsort(-signal, kind="stable")].astype(float)
    correct = np.cumsum(hits)
    precision = correct / np.arange(1, len(hits) + 1)
    coverage = correct / max(answerable, 1)
    best = float(coverage[precision >= PRECISION].max()) if (precision >= PRECISION).any() else 0.0
    reach = coverage >= COVERAGE
    return best, float(precision[np.argmax(reach)]) if reach.any() else 0.0


def signals(v: Views, questions: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, ranking scores, confidence) for each alternative."""
    rows: list[tuple[str, np.ndarray, np.ndarray]] = []
    base = v.fused()
    top = base.argmax(1)
    at_top = np.arange(len(top)), top
    rows.append(("top score alone (max-similarity baseline)", base, base.max(1)))
    rows.append(("gap to the runner-up", base, -np.diff(-np.sort(-base, 1)[:, :2], axis=1)[:, 0]))
    for k in (1, 3, 10, 20):
        rows.append((f"2·top − mean(next {k})", base, relative(base, k)))
    for share in (0.3, 0.4, 0.6, 0.7):
        f = v.fused(title_share=share)
        rows.append((f"title share {share} in the dense score", f, relative(f)))
    for weight in (0.0, 0.05, 0.15, 0.2):
        f = v.fused(lexical=weight)
        rows.append((f"BM25 weight {weight}", f, relative(f)))
    for tau in (0.02, 0.05, 0.08):
        p = np.exp((base - base.max(1, keepdims=True)) / tau)
        rows.append(
            (f"softmax probability of the top document (τ={tau})", base, (p / p.sum(1, keepdims=True)).max(1))
        )
    # CSLS's document side: a document close to many other documents' titles is a hub.
    pseudo_title = v.title_vectors @ v.title_vectors.T
    per_chunk = v.title_vectors @ v.chunk_vectors.T
    pseudo_chunk = np.stack([per_chunk[:, v.chunk_doc == j].max(1) for j in range(len(v.docs))], axis=1)
    pseudo = (pseudo_title + pseudo_chunk) / 2
    np.fill_diagonal(pseudo, -np.inf)
    hubness = (-np.sort(-pseudo, axis=0))[:5].mean(0)
    for lam in (0.25, 0.5):
        rows.append((f"full CSLS, document hubness × {lam}", base, relative(base) - lam * hubness[top]))
    idf = _idf(v)
    coverage = np.array([_covered(questions[i], v.doc_tokens[top[i]], idf) for i in range(len(top))])
    rows.append(
        (
            "+ 0.1 × share of the question's IDF mass in the top document",
            base,
            relative(base) + 0.1 * coverage,
        )
    )
    ev = relative(base)
    for name, extra in (("title cosine", v.T[at_top]), ("chunk cosine", v.C[at_top]), ("BM25", v.L[at_top])):
        for w in (-0.2, 0.2):
            rows.append((f"evidence {'+' if w > 0 else '−'} {abs(w)} × top {name}", base, ev + w * extra))
    return rows


def _idf(v: Views) -> Callable[[str], float]:
    n = len(v.docs)
    df: dict[str, int] = {}
    for toks in v.doc_tokens:
        for t in toks:
            df[t] = df.get(t, 0) + 1
    return lambda t: float(np.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)))


def _covered(question: str, doc_tokens: set[str], idf: Callable[[str], float]) -> float:
    terms = set(tokens(question))
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if t in doc_tokens) / total if total else 1.0


def cross_validated(rows: list[dict], answers: list, folds: int = 5) -> tuple[float, float]:  # type: ignore[type-arg]
    """Precision and coverage of "fit Platt scaling, answer at the shipped threshold" on threads the
    fit never saw: queries are grouped by their source thread (the id before `_q`), so no rephrasing
    of a test question is in the training folds."""
    threads = sorted({str(r["id"]).split("_q")[0] for r in rows})
    fold_of = {t: i % folds for i, t in enumerate(threads)}
    right = given = answerable = 0
    for k in range(folds):
        train = [
            (r, a) for r, a in zip(rows, answers, strict=True) if fold_of[str(r["id"]).split("_q")[0]] != k
        ]
        test = [
            (r, a) for r, a in zip(rows, answers, strict=True) if fold_of[str(r["id"]).split("_q")[0]] == k
        ]
        fit = calibrate(train)
        for r, a in test:
            answerable += bool(r["expected"])
            if (
                1 / (1 + np.exp(-(fit["slope"] * a.evidence + fit["intercept"])))
                >= DecisionParams().threshold
            ):
                given += 1
                right += bool(r["expected"]) and a.ranking[:1] == [r["expected"]]
    return right / max(given, 1), right / max(answerable, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path("../shared/data/kb/stackfaq/docs"))
    parser.add_argument("--queries", type=Path, default=Path("../shared/data/kb/stackfaq/queries_dev.jsonl"))
    args = parser.parse_args()
    rows = read_queries(args.queries)
    questions = [" ".join(r["text"].split()) for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(store=VectorStore(path=Path(tmp) / "chroma"), embedder=LocalEmbedder())
        kb.ingest([args.kb])
        answers = [kb.answer(q, "staff") for q in questions]
        views = Views(kb, questions)
    expected = [r["expected"] for r in rows]
    answerable = sum(1 for e in expected if e)
    product_right = np.array(
        [bool(e) and a.ranking[:1] == [e] for e, a in zip(expected, answers, strict=True)]
    )
    product = np.array([a.evidence for a in answers])
    print(f"{COMMAND}: {args.queries} ({len(rows)} questions, {answerable} answerable)")
    print(f"{'signal':62s} cov@prec≥{PRECISION}  prec@cov≥{COVERAGE}")
    table = [("the product (KnowledgeBase.answer), 2·top − mean(next 5)", product_right, product)]
    col = {d: i for i, d in enumerate(views.docs)}
    want = np.array([col.get(e, -1) if e else -1 for e in expected])
    table += [(name, scores.argmax(1) == want, conf) for name, scores, conf in signals(views, questions)]
    for name, right, conf in table:
        best, at90 = bounds(right, conf, answerable)
        print(f"{name:62s} {best:14.3f}  {at90:12.3f}")
    cv_precision, cv_coverage = cross_validated(rows, answers)
    print(
        f"the shipped procedure out of sample (Platt fit on 4/5 of the threads, threshold "
        f"{DecisionParams().threshold} on the rest, 5 folds): precision {cv_precision:.3f}, coverage {cv_coverage:.3f}"
    )
    abstained = [(e, a) for e, a in zip(expected, answers, strict=True) if not a.grounded]
    missed = [(e, a) for e, a in abstained if e]
    helped = sum(1 for e, a in missed if e in {s.doc_id for s in a.related})
    linked = sum(1 for e, a in abstained if not e and a.related)
    print(
        f"related articles on abstain (KB_SUGGEST_THRESHOLD default): {helped} of {len(missed)} answerable "
        f"abstentions list the right article; {linked} of {len(rows) - answerable} unanswerable get links"
    )


if __name__ == "__main__":
    main()
