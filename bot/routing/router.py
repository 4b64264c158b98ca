"""Category router: which category a request belongs to — or none (out of scope).

Features are the request's sentence embedding from the shared engine (multilingual-e5-small by
default, so English examples route German or Chinese requests) next to character 2–5-gram TF-IDF
(wording: product names, error codes, misspellings); the classifier is a multinomial logistic
regression over the categories' example requests, plus an "out of scope" class when examples of
unrelated requests are configured.

The out-of-scope rule is calibrated on the configuration itself at training time: the categories are
split into five groups and each group is held out in turn (with a fifth of the other examples). A
held-out category's examples, scored by a router that never saw it, are what an unknown request looks
like for *this* desk; held-out examples of the trained categories are what a known one looks like. The
threshold on the winning category's probability is the one that best separates the two (known
requests routed right vs unknown ones refused, weighed equally), capped so that it refuses at most
1 in n + 1 of the held-out known requests routed right, n the median examples per category (at most
KNOWN_REFUSAL_CAP). Eight sparse categories and 150 well-stocked ones get different thresholds from
the same rule; nothing is fitted to an evaluation set.

A request clearly in another language than the examples' (`knowledge.language.differs`: odds, so a
short request full of names that the detector cannot place still counts as not English; xSID dev,
Italian 0.647 → 0.660) is scored across languages: the multilingual engine places a translation less
close than a same-language paraphrase, so probabilities run lower, and the threshold is halved for it. That half is not calibrated (the examples carry no
translations to measure the shift on). Calibrating it by re-running the hold-out with the character
n-grams blanked was tried and measured worse (xSID dev: threshold 0.70 instead of 0.40, accuracy 0.47
instead of 0.70): the engine's own cross-lingual shift, not the lost wording, dominates.

Trained from the support configuration at start-up (or on config change) and cached by content hash,
in memory and on disk; routing a request takes a few milliseconds on top of encoding it.
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

from knowledge.embedding import Engine

OOS = "oos"
# A product bound, not a fitted number: the out-of-scope rule never turns away more than 1 in 10 of the
# desk's own held-out example requests that the router routes right. Equal weight alone can pick a
# threshold that refuses a fifth of them when held-out categories have close siblings (fine-grained desks).
# Below that bound, the share follows the examples (`refusal_share`): 1 in (n + 1) for n a category.
KNOWN_REFUSAL_CAP = 0.10


@dataclass(frozen=True)
class RouterParams:
    c: float = 20.0  # inverse regularisation of the logistic regression
    embedding_weight: float = 3.0  # scale of the sentence embedding next to the TF-IDF block
    oos_threshold: float | None = None  # None: calibrated from the examples (see the module doc)
    folds: int = 5  # category groups held out in turn to calibrate the out-of-scope rule


@dataclass(frozen=True)
class Route:
    category: str | None  # None: out of scope (goes to the general triage team)
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    @property
    def out_of_scope(self) -> bool:
        return self.category is None

    threshold: float | None = None  # the out-of-scope threshold this decision used
    # out of scope because the configured out-of-scope examples fit best (`confidence` is theirs), not
    # because the best category fell short of `threshold`
    like_out_of_scope: bool = False

    def reason(self) -> str:
        """What the card and the audit event say: "category billing, 0.82; runner-up refunds 0.11"."""
        if self.category is None:
            closest = (
                f"closest {self.alternatives[0][0]}, {self.alternatives[0][1]:.2f}"
                if self.alternatives
                else ""
            )
            if self.like_out_of_scope:  # "closest billing, 0.25 < 0.18" said something false
                return f"out of scope (like the out-of-scope examples, {self.confidence:.2f}" + (
                    f"; {closest})" if closest else ")"
                )
            if closest and self.threshold is not None:  # "closest users, 0.29 < 0.29" said nothing
                closest = (
                    f"closest {self.alternatives[0][0]}, {below(self.alternatives[0][1], self.threshold)}"
                )
            return f"out of scope ({closest})" if closest else "out of scope"
        runner = (
            f"; runner-up {self.alternatives[0][0]} {self.alternatives[0][1]:.2f}"
            if self.alternatives
            else ""
        )
        return f"category {self.category}, {self.confidence:.2f}{runner}"


def below(score: float, threshold: float) -> str:
    """ "0.287 < 0.290": with as many digits as it takes for the two not to print equal ("0.29 < 0.29")."""
    digits = 2
    while digits < 5 and f"{score:.{digits}f}" == f"{threshold:.{digits}f}":
        digits += 1
    return f"{score:.{digits}f} < {threshold:.{digits}f}"


class CategoryRouter:
    def __init__(
        self,
        *,
        model: Any,
        vectorizer: Any,
        classes: Sequence[str],
        params: RouterParams,
        embedder: Engine,
        threshold: float = 0.0,
        language: str | None = None,
        calibration: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.vectorizer = vectorizer
        self.classes = list(classes)
        self.params = params
        self.embedder = embedder
        self.threshold = params.oos_threshold if params.oos_threshold is not None else threshold
        self.cross_threshold = self.threshold / 2
        self.language = language  # the examples' language; requests in another are scored across languages
        self.calibration = calibration or {}

    @classmethod
    def train(
        cls,
        examples: Mapping[str, Sequence[str]],
        *,
        embedder: Engine,
        params: RouterParams | None = None,
        out_of_scope: Sequence[str] = (),
        cache_dir: Path | None = None,
    ) -> CategoryRouter:
        """Fit on `examples` (category → example requests) and optional out-of-scope examples, and
        calibrate the out-of-scope rule on them."""
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
        texts, labels = labelled(examples, out_of_scope)
        vectors = embedder.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        state = _fit(texts, labels, vectors, params=params)
        if state["model"] is not None and params.oos_threshold is None:
            state["calibration"] = calibrate(texts, labels, vectors, params=params)
            state["threshold"] = state["calibration"]["threshold"]
        state["language"] = _language_of(texts)
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

    def foreign(self, text: str) -> bool:
        """Whether `text` is clearly in another language than the examples'."""
        from knowledge.language import differs

        return self.language is not None and differs(text, {self.language})

    def threshold_for(self, text: str) -> float:
        """The calibrated threshold, halved for a request in another language than the examples'."""
        if self.params.oos_threshold is not None:
            return self.threshold
        return self.cross_threshold if self.foreign(text) else self.threshold

    def route_many(self, texts: Sequence[str]) -> list[Route]:
        if not texts:
            return []
        if self.model is None:  # zero or one category: nothing to choose
            only = self.classes[0] if self.classes else None
            return [Route(only, 1.0 if only else 0.0) for _ in texts]
        vectors = self.embedder.embed(list(texts))
        probabilities = _probabilities(self.model, _features(texts, vectors, self.vectorizer, self.params))
        routes = []
        for text, row in zip(texts, probabilities, strict=True):
            threshold = self.threshold_for(text)
            ranked = [(self.classes[i], float(row[i])) for i in np.argsort(-row)[:4]]
            in_scope = [(c, p) for c, p in ranked if c != OOS][:3]
            if ranked[0][0] == OOS:
                routes.append(Route(None, ranked[0][1], tuple(in_scope), threshold, like_out_of_scope=True))
            elif ranked[0][1] < threshold:
                routes.append(Route(None, 1.0 - ranked[0][1], tuple(in_scope), threshold))
            else:
                routes.append(Route(ranked[0][0], ranked[0][1], tuple(in_scope[1:]), threshold))
        return routes


_LOCK = threading.Lock()
_MEMORY: dict[str, dict[str, Any]] = {}
_VERSION = 5  # bump when the fitted state or the rule changes (old disk caches are then not read)


def labelled(
    examples: Mapping[str, Sequence[str]], out_of_scope: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
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
    return texts, labels


def _key(examples: Mapping[str, Sequence[str]], oos: Sequence[str], params: RouterParams, model: str) -> str:
    blob = json.dumps(
        [sorted((k, list(v)) for k, v in examples.items()), list(oos), params.__dict__, model, _VERSION]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _language_of(texts: Sequence[str]) -> str | None:
    """The examples' language: the one most examples are detected in (None when unclear)."""
    from collections import Counter

    from knowledge.language import detect

    counts = Counter(lang for lang in (detect(t) for t in texts[:400]) if lang)
    if not counts:
        return None
    lang, n = counts.most_common(1)[0]
    return lang if n >= 0.5 * sum(counts.values()) else None


def _features(texts: Sequence[str], vectors: np.ndarray, vectorizer: Any, params: RouterParams) -> Any:
    import scipy.sparse as sp

    return sp.hstack(
        [sp.csr_matrix(np.asarray(vectors) * params.embedding_weight), vectorizer.transform(list(texts))]
    ).tocsr()


def _probabilities(model: Any, features: Any) -> np.ndarray:
    """`model.predict_proba` without scikit-learn's per-call input checks (most of a request's time
    outside the encoder): the multinomial softmax of the linear scores."""
    if len(model.classes_) < 3:
        return model.predict_proba(features)
    scores = np.asarray(features @ model.coef_.T) + model.intercept_
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


def _fit(texts: list[str], labels: list[str], vectors: np.ndarray, *, params: RouterParams) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    classes = sorted(set(labels))
    if len(classes) < 2:
        return {"model": None, "vectorizer": None, "classes": [c for c in classes if c != OOS]}
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1 if len(texts) < 500 else 2
    )
    vectorizer.fit(texts)
    model = LogisticRegression(C=params.c, max_iter=3000)
    # One BLAS thread: the solver's vectors are small, and OpenBLAS threads spinning for a core on a
    # busy machine made one fit of 194 examples take 35-52 s instead of 2.5-2.9 s (BENCHMARKS).
    with threadpool_limits(1, user_api="blas"):
        model.fit(_features(texts, vectors, vectorizer, params), labels)
    return {"model": model, "vectorizer": vectorizer, "classes": list(model.classes_)}


def _scores(state: dict[str, Any], texts: list[str], vectors: np.ndarray, params: RouterParams):  # type: ignore[no-untyped-def]
    """(best in-scope category, its probability, whether the out-of-scope class won) per text."""
    probabilities = _probabilities(state["model"], _features(texts, vectors, state["vectorizer"], params))
    classes = np.array(state["classes"])
    inside = classes != OOS
    best = probabilities[:, inside].argmax(axis=1)
    top = probabilities[:, inside].max(axis=1)
    oos_won = (
        (classes[probabilities.argmax(axis=1)] == OOS) if (~inside).any() else np.zeros(len(texts), bool)
    )
    return classes[inside][best], top, oos_won


def _held_out(texts: list[str], labels: list[str], vectors: np.ndarray, *, params: RouterParams, seed: int):  # type: ignore[no-untyped-def]
    """(known scores, known routed right, unknown scores) of the held-out rows: each group of
    categories is held out in turn, with a fifth of the other categories' examples."""
    y = np.array(labels)
    categories = sorted(set(labels) - {OOS})
    rng = np.random.RandomState(seed)
    folds = max(2, min(params.folds, len(categories)))
    group = {c: i % folds for i, c in enumerate(rng.permutation(categories))}
    fold = rng.permutation(np.arange(len(y)) % folds)
    grouped = np.array([group.get(label, -1) for label in labels])
    known: list[float] = []
    right: list[bool] = []
    unknown: list[float] = []
    for f in range(folds):
        train = (fold != f) & (grouped != f)
        if len(set(y[train]) - {OOS}) < 2:
            continue
        idx = np.flatnonzero(train)
        state = _fit([texts[i] for i in idx], list(y[idx]), vectors[idx], params=params)
        for mask, is_known in (((fold == f) & (grouped != f) & (y != OOS), True), (grouped == f, False)):
            rows = np.flatnonzero(mask)
            if not len(rows):
                continue
            best, top, oos_won = _scores(state, [texts[i] for i in rows], vectors[rows], params)
            score = np.where(oos_won, 0.0, top)
            if is_known:
                known.extend(score)
                right.extend(best == y[rows])
            else:
                unknown.extend(score)
    return np.array(known), np.array(right, dtype=bool), np.array(unknown)


def _separating(k: np.ndarray, r: np.ndarray, u: np.ndarray) -> tuple[float, float, float, float]:
    """(threshold, balanced accuracy, known routed, unknown refused): the threshold that best separates
    known requests routed right from unknown ones refused, both weighed equally."""
    candidates = np.unique(np.concatenate([k, u]))
    routed = (r.sum() - np.searchsorted(np.sort(k[r]), candidates, side="left")) / len(k)  # right and >= t
    refused = np.searchsorted(np.sort(u), candidates, side="left") / len(u)  # < t
    at = int(np.argmax(0.5 * routed + 0.5 * refused))
    return float(candidates[at]), 0.5 * float(routed[at] + refused[at]), float(routed[at]), float(refused[at])


def _refusal_cap(k: np.ndarray, r: np.ndarray, share: float) -> float:
    """The highest threshold that refuses at most `share` of the held-out known requests routed right."""
    right = np.sort(k[r])
    return float(right[int(share * len(right))]) if len(right) else 1.0


def refusal_share(labels: Sequence[str]) -> float:
    """The share of held-out known requests the rule may turn away: 1 / (n + 1) for n the median
    examples per category, at most KNOWN_REFUSAL_CAP. A new request of a category seen n times falls
    below all n of them about once in n + 1 (a rank argument): a desk with a handful of examples per
    category cannot tell its own rarer phrasings from unknown requests and may refuse up to 1 in 10;
    one with a hundred has seen its phrasings and refuses about 1 in 100."""
    from collections import Counter

    counts = sorted(Counter(label for label in labels if label != OOS).values())
    if not counts:
        return KNOWN_REFUSAL_CAP
    return min(KNOWN_REFUSAL_CAP, 1.0 / (1.0 + float(np.median(counts))))


def calibrate(
    texts: list[str], labels: list[str], vectors: np.ndarray, *, params: RouterParams, seed: int = 0
) -> dict[str, Any]:
    """Hold each group of categories out in turn; pick the threshold that best separates held-out
    examples of trained categories (routed right) from examples of the held-out categories."""
    k, r, u = _held_out(texts, labels, vectors, params=params, seed=seed)
    if not len(k) or not len(u):
        return {"threshold": 0.0, "known": len(k), "unknown": len(u), "separation": None}
    balanced = _separating(k, r, u)[0]
    share = refusal_share(labels)
    threshold = min(balanced, _refusal_cap(k, r, share))
    routed = float(((k >= threshold) & r).sum() / len(k))
    refused = float((u < threshold).sum() / len(u))
    return {
        "threshold": threshold,
        "known": len(k),
        "unknown": len(u),
        "separation": round(0.5 * (routed + refused), 4),  # balanced accuracy of the rule, held out
        "known_routed": round(routed, 4),
        "unknown_refused": round(refused, 4),
        "balanced_threshold": balanced,  # what equal weight alone would pick
        "capped": threshold < balanced,  # lowered so no more than `share` of known requests are refused
        "refusal_share": round(share, 4),
    }
