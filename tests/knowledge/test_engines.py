"""The engine interface: one process-wide engine per name, asymmetric e5, symmetric MiniLM/hash."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.embedding import LocalEmbedder, engine_name, get_engine


def test_engines_are_cached_per_process_by_canonical_name() -> None:
    assert get_engine("hash") is get_engine("HASH")
    assert get_engine("e5-small") is get_engine("multilingual-e5-small")
    assert LocalEmbedder() is get_engine("minilm")
    assert engine_name("st:/models/my-model") == "st:/models/my-model"
    with pytest.raises(ValueError, match="unknown embedding engine"):
        engine_name("word2vec")


def test_symmetric_engine_returns_the_same_vectors_for_queries_and_passages() -> None:
    hash_engine = get_engine("hash")
    texts = ["reset my password", "billing"]
    assert np.array_equal(hash_engine.queries(texts), hash_engine.passages(texts))
    assert hash_engine.dim == hash_engine.embed(texts).shape[1]


def test_e5_prefixes_queries_and_passages_and_crosses_languages() -> None:
    e5 = get_engine("e5-small")
    passages = e5.passages(
        ["To cancel your subscription, open Billing and press Cancel.", "Reset a password."]
    )
    question = e5.queries(["¿Cómo cancelo mi suscripción?"])
    assert passages.shape == (2, e5.dim) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert not np.allclose(e5.queries(["Reset a password."]), passages[1:])  # the prefix matters
    scores = passages @ question[0]
    assert scores[0] > scores[1]  # a Spanish question finds the English article
    assert e5.queries([]).shape == (0, e5.dim)


def test_an_index_built_by_another_engine_is_refused_with_the_fix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from knowledge.base import KnowledgeBase
    from knowledge.embedding import HashEmbedder
    from knowledge.results import EngineMismatch
    from knowledge.store import VectorStore

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "refunds.md").write_text(
        "---\ntitle: Refunds\nvisibility: public\n---\nWe refund within 14 days.\n"
    )

    class OtherEngine(HashEmbedder):
        name = "other-engine"

    built = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=get_engine("hash"))
    built.ingest([tmp_path / "docs"])
    assert built.store.read_meta()["engine"] == "hash"
    assert built.answer("refund").sources[0].doc_id == "refunds"

    other = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=OtherEngine())
    with pytest.raises(EngineMismatch, match=r"built with the embedding engine 'hash'.*deskbot kb rebuild"):
        other.answer("refund")
    with pytest.raises(EngineMismatch):
        other.ingest([tmp_path / "docs"])
    # a review: `deskbot run` warmed up and served "unavailable" to everyone, and the hourly refit wrote a
    # curve of the new engine's questions searched among the old engine's vectors into the index
    curve = built.store.read_meta()["calibration"]
    for step in (other.warm_up, lambda: other.learn(["refund"], []), other.calibrate):
        with pytest.raises(EngineMismatch):
            step()
    assert built.store.read_meta()["calibration"] == curve
    other.store.reset()  # what `deskbot kb rebuild` does first
    other.ingest([tmp_path / "docs"])
    assert other.store.read_meta()["engine"] == "other-engine"
    assert other.answer("refund").sources[0].doc_id == "refunds"


def test_e5_encodes_one_request_once_for_the_router_the_cues_and_the_answer() -> None:
    """A new request is encoded by the router, then by the priority cues and the knowledge base; the
    engine keeps its last single-text vectors, so the model runs once (and a batch always runs)."""
    from knowledge.embedding import E5Engine

    calls: list[tuple[tuple[str, ...], bool]] = []

    class Model:
        dim = 4

        def encode(self, texts, is_query):  # type: ignore[no-untyped-def]
            calls.append((tuple(texts), is_query))
            return np.array([[len(t), int(is_query), 0, 1] for t in texts], dtype=np.float32)

    engine = E5Engine()
    engine._model = Model()  # the seam: a loaded model is not loaded again
    first = engine.embed(["my invoice is wrong"])
    first[0, 0] = -1  # a caller changing its copy does not change what the next caller gets
    again = engine.queries(["my invoice is wrong"])
    as_passage = engine.passages(["my invoice is wrong"])
    engine.embed(["my invoice is wrong", "another"])
    assert again[0, 0] == len("my invoice is wrong") and as_passage[0, 1] == 0
    assert calls == [
        (("my invoice is wrong",), True),
        (("my invoice is wrong",), False),
        (("my invoice is wrong", "another"), True),
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, ("PASSIVE", "1000")),
        ({"GOMP_SPINCOUNT": "0"}, ("PASSIVE", "0")),
        # GNU OpenMP's spin count overrides its policy: an operator's ACTIVE must not get a default one
        ({"OMP_WAIT_POLICY": "ACTIVE"}, ("ACTIVE", "unset")),
        ({"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": "0"}, ("ACTIVE", "0")),
    ],
)
def test_e5_threads_spin_briefly_then_sleep_unless_the_operator_says_otherwise(
    given: dict[str, str], expected: tuple[str, str]
) -> None:
    """Read by the OpenMP runtime when the engine loads, so asked of a fresh process: a short spin
    halves a one-request encode, sleeping after it keeps a busy machine responsive (BENCHMARKS)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    code = (
        "import os; from knowledge.embedding import get_engine; get_engine('e5-small').queries(['hi']); "
        "print(os.environ['OMP_WAIT_POLICY'], os.environ.get('GOMP_SPINCOUNT', 'unset'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={**env, **given}, capture_output=True, text=True, check=True
    )
    assert tuple(out.stdout.split()) == expected


def test_e5_reads_the_opening_of_a_long_question_only() -> None:
    """A pasted log after a question costs seconds of encoder time that every other answer waits
    behind (one call at a time); the model reads the first QUERY_TOKENS tokens, cut at a word."""
    from knowledge.embedding import QUERY_TOKENS

    e5 = get_engine("e5-small")
    opening = "The invoice export fails with error 502 when I click Download. " * 40  # > QUERY_TOKENS
    one, other = e5.queries([opening + "x" * 30_000, opening + " ".join(["stack trace line"] * 5_000)])
    assert np.allclose(one, other)  # what follows the opening is not read
    read = e5.bounded(opening + "tail")
    assert e5._load().token_count(read, True) <= QUERY_TOKENS and opening.startswith(read)
    short = "How do I download my invoices?"
    assert e5.bounded(short) == short  # a question of ordinary length is read whole
    for text in (
        "发票" * 2_000,  # no spaces
        " " * 1_500 + "😀🎉" * 600,  # blank first, then characters of several tokens each (crashed once)
        "hello\n\n" + " " * 300 + "x" + "😀" * 700,  # cut back to "hello" once
        "palabra\u00a0" * 800,  # no-break spaces between words
    ):
        read = e5.bounded(text)
        count = e5._load().token_count(read, True)
        assert text.startswith(read) and QUERY_TOKENS - 16 <= count <= QUERY_TOKENS, (len(read), count)
        assert e5.queries([text]).shape == (1, e5.dim)
    within = " ".join(["password"] * 250)  # ~9 characters a token: within the limit, read whole
    assert e5.bounded(within) == within
