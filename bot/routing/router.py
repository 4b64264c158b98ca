"""Category router: which category a request belongs to — or none (out of scope).

Features are the request's MiniLM sentence embedding (meaning) next to character 2–5-gram TF-IDF
(wording: product names, error codes, misspellings); the classifier is a multinomial logistic
regression over the categories' example requests, plus an "out of scope" class when examples of
unrelated requests are configured. A request is out of scope when that class wins or when the winning
category's probability is below the threshold — one probability threshold, nothing fitted per data set.

Trained from the support configuration at start-up (or on config change) and cached by content hash,
in memory and on disk; routing a request takes a few milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedding import Embedder

OOS = "oos"


@dataclass(frozen=True)
class RouterParams:
    c: float = 20.0  # inverse regularisation of the logistic regression
    embedding_weight: float = 1.5  # scale of the sentence embedding next to the TF-IDF block
    oos_threshold: float = 0.33  # below this top probability a request is out of scope


@dataclass(frozen=True)
class Route:
    category: str | None  # None: out of scope (goes to the general triage team)
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    @property
    def out_of_scope(self) -> bool:
        return self.category is None

    def reason(self) -> str:
        if self.category is None:
            best = (
                f" (closest: {self.alternatives[0][0]} {self.alternatives[0][1]:.2f})"
                if self.alternatives
                else ""
            )
            return f"out of scope{best}"
        return f"category {self.category} ({self.confidence:.2f})"


class CategoryRouter:
    def __init__(
        self, *, model: Any, vectorizer: Any, classes: Sequence[str], params: RouterParams, embedder: Embedder
    ) -> None:
        self.model = model
        self.vectorizer = vectorizer
        self.classes = list(classes)
        self.params = params
        self.embedder = embedder

    @classmethod
    def train(
        cls,
        examples: Mapping[str, Sequence[str]],
        *,
        embedder: Embedder,
        params: RouterParams | None = None,
        out_of_scope: Sequence[str] = (),
        cache_dir: Path | None = None,
    ) -> CategoryRouter:
        """Fit on `examples` (category → example requests) and optional out-of-scope examples."""
        params = params or RouterParams()
        key = _key(examples, out_of_scope, params, embedder.name)
        with _LOCK:
            cached = _MEMORY.get(key)
        if cached is not None:
            return cls(**cached, params=params, embedder=embedder)
        if cache_dir is not None and (cache_dir / f"router-{key}.pkl").exists():
            try:
                state = pickle.loads((cache_dir / f"router-{key}.pkl").read_bytes())
                with _LOCK:
                    _MEMORY[key] = state
                return cls(**state, params=params, embedder=embedder)
            except Exception:  # noqa: BLE001 - a stale or broken cache is retrained
                pass
        texts: list[str] = []
        labels: list[str] = []
        for category, items in examples.items():
            for text in items:
                if text.strip():
                    texts.append(text)
                    labels.append(category)
        for text in out_of_scope:
            if text.strip():
                texts.append(text)
                labels.append(OOS)
        state = _fit(texts, labels, embedder=embedder, params=params)
        with _LOCK:
            _MEMORY[key] = state
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cache_dir / f"router-{key}.pkl.tmp"
            tmp.write_bytes(pickle.dumps(state))
            tmp.replace(cache_dir / f"router-{key}.pkl")
        return cls(**state, params=params, embedder=embedder)

    def route(self, text: str) -> Route:
        return self.route_many([text])[0]

    def route_many(self, texts: Sequence[str]) -> list[Route]:
        if not texts:
            return []
        if self.model is None:  # zero or one category: nothing to choose
            only = self.classes[0] if self.classes else None
            return [Route(only, 1.0 if only else 0.0) for _ in texts]
        probabilities = self.model.predict_proba(
            _features(texts, self.vectorizer, self.embedder, self.params)
        )
        order = np.argsort(-probabilities, axis=1)
        routes = []
        for row, ranked in zip(probabilities, order, strict=True):
            top = [(self.classes[i], float(row[i])) for i in ranked[:3]]
            in_scope = [(c, p) for c, p in top if c != OOS]
            best, p = top[0]
            if best == OOS or p < self.params.oos_threshold:
                routes.append(Route(None, 1.0 - p if best != OOS else p, tuple(in_scope)))
            else:
                routes.append(Route(best, p, tuple(in_scope[1:])))
        return routes


_LOCK = threading.Lock()
_MEMORY: dict[str, dict[str, Any]] = {}


def _key(examples: Mapping[str, Sequence[str]], oos: Sequence[str], params: RouterParams, model: str) -> str:
    blob = json.dumps([sorted((k, list(v)) for k, v in examples.items()), list(oos), params.__dict__, model])
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _features(texts: Sequence[str], vectorizer: Any, embedder: Embedder, params: RouterParams) -> Any:
    import scipy.sparse as sp

    dense = embedder.embed(list(texts)) * params.embedding_weight
    return sp.hstack([sp.csr_matrix(dense), vectorizer.transform(texts)]).tocsr()


def _fit(texts: list[str], labels: list[str], *, embedder: Embedder, params: RouterParams) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(labels))
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1 if len(texts) < 500 else 2
    )
    if len(classes) < 2:
        return {"model": None, "vectorizer": None, "classes": [c for c in classes if c != OOS]}
    vectorizer.fit(texts)
    model = LogisticRegression(C=params.c, max_iter=3000)
    model.fit(_features(texts, vectorizer, embedder, params), labels)
    return {"model": model, "vectorizer": vectorizer, "classes": list(model.classes_)}
