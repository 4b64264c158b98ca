"""The knowledge base at scale: 50k / 200k / 1M chunks, both lexical engines, in one run.

Run: `make bench-kb-scale` (or `.venv/bin/python -m tests.bench.kb_scale --sizes 50000 200000
[--engines sqlite postgresql] [--pg postgresql://postgres@127.0.0.1:5432/test]`).

What is synthetic, and why it does not change what is measured: chunk vectors are random (clustered
around 2,000 topic centres, unit length, the real engine's dimension) and chunk text is words drawn
from the sample help centre's vocabulary with a Zipf law plus rare product names; meaning does not
matter for speed, memory or size. Ingestion therefore measures everything but the embedding model
(the store and lexical writes, in the product's order and batches; the model's own encode rate is
in `make bench-kb`). Questions are encoded by the real model, so "bare" is the real encode + Chroma
search and the product's answer is `KnowledgeBase.answer` in a fresh process that only opened the
indexes (start-up and RSS at rest are that process's). 10% of the chunks are internal; questions are
asked as a customer. HNSW recall@10 compares Chroma's answer for held-out query vectors drawn like
the chunks (see `recall`; fetched as retrieval does: 60 nearest, first 10 kept) with exact cosine
search over the same vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.bench.common import report
from tests.bench.kb import answer_vs_bare, asked, pct, rss_mb, vocabulary

COMMAND = "make bench-kb-scale"
PER_DOC, WORDS, CENTRES, BATCH = 5, 60, 2000, 1024
SPREAD = 0.6  # per-coordinate noise around a topic centre (cosine ~0.74 between two chunks of a topic)
PG_DB = "deskbot_bench_lexical"


def corpus(n: int, dim: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """(chunks by document, vectors) for n chunks: see the module docstring."""
    from knowledge.chunking import Chunk

    rng = np.random.default_rng(seed)
    words = vocabulary() + [f"product{i}" for i in range(20_000)]
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    centres = _centres(rng, dim)
    vectors = _around(centres[rng.integers(0, CENTRES, n)], rng)
    picks = rng.choice(len(words), size=(n, WORDS), p=weights)
    docs = []
    for d in range(n // PER_DOC):
        visibility = "internal" if d % 10 == 9 else "public"
        title = " ".join(words[i] for i in picks[d * PER_DOC, :6])
        docs.append(
            [
                Chunk(
                    f"doc{d}#{s}",
                    f"doc{d}",
                    title,
                    f"Section {s}",
                    " ".join(words[i] for i in picks[d * PER_DOC + s]),
                    None,
                    visibility,
                    s,
                )  # fmt: skip
                for s in range(PER_DOC)
            ]
        )
    return docs, vectors


def _centres(rng: np.random.Generator, dim: int) -> np.ndarray:
    """The topic centres: the first draw of the corpus's generator (so `recall` can draw them again)."""
    return rng.standard_normal((CENTRES, dim)).astype(np.float32)


def _around(centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One unit vector near each of these centres, as every chunk vector is drawn."""
    vectors = centres + SPREAD * rng.standard_normal(centres.shape).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def lexical_for(engine: str, folder: Path, pg: str):  # type: ignore[no-untyped-def]
    from knowledge.lexical import Fts5Index, lexical_path
    from knowledge.lexical_pg import PostgresIndex

    return PostgresIndex(pg) if engine == "postgresql" else Fts5Index(lexical_path(folder / "chroma"))


def build(folder: Path, n: int, engine: str, engine_name: str, dim: int, pg: str) -> dict[str, object]:
    """Write n chunks to Chroma and the lexical index as ingestion does; returns rates and sizes."""
    from knowledge.base import KnowledgeBase
    from knowledge.store import VectorStore

    docs, vectors = corpus(n, dim)
    store, lexical = VectorStore(path=folder / "chroma"), lexical_for(engine, folder, pg)
    lexical.reset()
    store.write_meta({"engine": engine_name, "dim": dim})
    started, at, batch = time.perf_counter(), 0, []
    for chunks in docs:
        own = vectors[at : at + len(chunks)]
        at += len(chunks)
        if at % 100_000 < len(chunks):  # a 1M build takes about an hour: say how far it got
            print(f"{n}: {at} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        batch.append((chunks, own, f"h{chunks[0].doc_id}", own.mean(0)))
        if sum(len(b[0]) for b in batch) >= BATCH:
            store.upsert_many(
                batch, before_titles=lambda b=batch: lexical.write([(c, h) for c, _, h, _ in b])
            )
            batch = []
    store.upsert_many(batch, before_titles=lambda: lexical.write([(c, h) for c, _, h, _ in batch]))
    lexical.refresh_statistics()  # as `KnowledgeBase.ingest` does at its end
    written = time.perf_counter() - started

    started = time.perf_counter()
    kb = KnowledgeBase(store=store, embedder=_RandomQueries(engine_name, dim), lexical=lexical)
    kb.calibrate()
    calibrated = time.perf_counter() - started
    np.save(folder / "vectors.npy", vectors)
    return {
        "ingest_chunks_per_s": round(n / written, 1),
        "calibration_s": round(calibrated, 1),
        "chroma_mb": round(_du(folder / "chroma") / 2**20, 1),
        "lexical_mb": round(_lexical_bytes(engine, folder, pg) / 2**20, 1),
    }


def built_in(folder: Path, n: int, engine: str, engine_name: str, dim: int, pg: str) -> dict[str, object]:
    """`build` into folder, or a finished build's figures when folder already holds one (--keep)."""
    done = folder / "build.json"
    if done.exists() and engine == "sqlite":  # the PostgreSQL database is made anew by every run
        return dict(json.loads(done.read_text()), reused=True)
    folder.mkdir(parents=True, exist_ok=True)
    figures = build(folder, n, engine, engine_name, dim, pg)
    done.write_text(json.dumps(figures))
    return figures


class _RandomQueries:
    """Stands in for the model during the build's self-calibration (meaning does not matter here)."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim
        self.rng = np.random.default_rng(1)

    def queries(self, texts: list[str]) -> np.ndarray:
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    passages = embed = queries


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _lexical_bytes(engine: str, folder: Path, pg: str) -> int:
    if engine == "sqlite":
        from knowledge.lexical import lexical_path

        base = lexical_path(folder / "chroma")
        return sum(p.stat().st_size for p in base.parent.glob(base.name + "*"))
    import psycopg

    with psycopg.connect(pg) as conn:
        row = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relname LIKE 'kb_lexical_%' AND c.relkind = 'r'"
        ).fetchone()
    return int(row[0] or 0)  # type: ignore[index]


def serve(
    folder: str, engine: str, engine_name: str, pg: str, questions: int, chroma_url: str | None
) -> None:
    """In a fresh process: open the KB as a bot process does (embedded Chroma, or the scaled-out
    set-up's Chroma server at `chroma_url`), then answer and compare with bare."""
    from knowledge.base import KnowledgeBase
    from knowledge.embedding import get_engine
    from knowledge.store import VectorStore

    embedder = get_engine(engine_name)
    embedder.queries(["load the model first"])  # model load is not the index's start-up
    model_rss = rss_mb()
    started = time.perf_counter()
    store = VectorStore(url=chroma_url) if chroma_url else VectorStore(path=Path(folder) / "chroma")
    kb = KnowledgeBase(store=store, embedder=embedder, lexical=lexical_for(engine, Path(folder), pg))
    kb.warm_up()
    start_s = time.perf_counter() - started
    rest = rss_mb()
    product, bare = answer_vs_bare(kb, asked(vocabulary(), questions))
    # Chroma loads a collection's HNSW index on its first query, not at start: the first answer pays
    # for it and the memory after answering holds it (both said, so "at rest" is not read as the peak)
    answering = rss_mb()
    vectors = np.load(Path(folder) / "vectors.npy", mmap_mode="r")
    print(json.dumps({
        "start_s": round(start_s, 2), "rss_model_loaded_mb": model_rss, "rss_at_rest_mb": rest,
        "first_answer_ms": round(product[0], 1), "rss_after_answers_mb": answering,
        "answer_p50_ms": round(statistics.median(product), 1), "answer_p95_ms": pct(product, 0.95),
        "bare_p50_ms": round(statistics.median(bare), 1), "bare_p95_ms": pct(bare, 0.95),
        "p95_ratio": round(pct(product, 0.95) / pct(bare, 0.95), 2),
        "hnsw": recall(store, np.asarray(vectors)),
    }))  # fmt: skip


def recall(store, vectors: np.ndarray, sample: int = 100) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """HNSW recall@10 against exact cosine search over everything in the public collection (its chunk
    vectors and its documents' title vectors, the mean of their chunks as `build` wrote), at the
    collection's own settings, with Chroma's query time.

    The queries are held-out points of the corpus's own distribution (a topic centre plus the same
    noise as a chunk), as ANN benchmarks query with held-out points of the data set: a question is
    near some chunks. (The first version added noise of norm ~12 to a unit vector, i.e. asked a
    random direction, for which the exact top 10 barely differ from the next 100: any approximate
    index scores low on it, and the 0.34 it gave at 200k said nothing about real questions.)"""
    docs = len(vectors) // PER_DOC
    public = [d for d in range(docs) if d % 10 != 9]
    titles = np.asarray(vectors[: docs * PER_DOC]).reshape(docs, PER_DOC, -1).mean(1)[public]
    titles /= np.linalg.norm(titles, axis=1, keepdims=True)
    rows = [i for d in public for i in range(d * PER_DOC, (d + 1) * PER_DOC)]
    matrix = np.concatenate([np.asarray(vectors[rows]), titles])
    names = np.array([f"doc{i // PER_DOC}#{i % PER_DOC}" for i in rows] + [f"doc{d}#title" for d in public])
    rng = np.random.default_rng(11)
    centres = _centres(np.random.default_rng(7), vectors.shape[1])  # corpus()'s, drawn again
    queries = _around(centres[rng.integers(0, CENTRES, sample)], rng)
    exact = [set(names[np.argsort(-(matrix @ q))[:10]]) for q in queries]
    collection = store.collections["public"]
    # the collection's own settings only: modify(configuration=…) reaches a loaded index only in the
    # next process (measured: recall unchanged in-process), so other breadths need a process each
    configured = dict(collection.configuration.get("hnsw") or {})
    return {"settings": configured, "queries": sample, **_recall_at(collection, queries, exact)}


def _recall_at(collection, queries: np.ndarray, exact: list[set[str]]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Recall@10 fetching 10 and fetching 60 as retrieval does (with its include), and that query's time."""
    found: dict[int, list[float]] = {10: [], 60: []}
    times = []
    for q, best in zip(queries, exact, strict=True):
        for k in found:
            started = time.perf_counter()
            got = collection.query(
                query_embeddings=[q.tolist()],
                n_results=k,
                include=["metadatas", "documents", "distances"] if k == 60 else [],
            )
            if k == 60:
                times.append((time.perf_counter() - started) * 1000)
            found[k].append(len(best & set(got["ids"][0][:10])) / 10)
    return {
        "recall_at_10_fetch_10": round(float(np.mean(found[10])), 3),
        "recall_at_10_fetch_60": round(float(np.mean(found[60])), 3),
        "query_60_p50_ms": round(statistics.median(times), 2),
        "query_60_p95_ms": pct(times, 0.95),
    }


def lexical_only(n: int, engine: str, folder: Path, pg: str, questions: int) -> dict[str, object]:
    """The lexical engines alone (no model, no Chroma): write rate, size, search p50/p95, open time."""
    docs, _ = corpus(n, 8)
    lexical = lexical_for(engine, folder, pg)
    lexical.reset()
    started = time.perf_counter()
    for i in range(0, len(docs), BATCH // PER_DOC):
        lexical.write([(chunks, f"h{chunks[0].doc_id}") for chunks in docs[i : i + BATCH // PER_DOC]])
    lexical.refresh_statistics()  # as `KnowledgeBase.ingest` does at its end
    written = time.perf_counter() - started
    started = time.perf_counter()
    reopened = lexical_for(engine, folder, pg)
    reopened.search("warm up", k=1, visibilities=("public",))
    opened = time.perf_counter() - started
    times = []
    for question in asked(vocabulary(), questions):
        t = time.perf_counter()
        reopened.search(question, k=40, visibilities=("public",))
        times.append((time.perf_counter() - t) * 1000)
    return {
        "write_chunks_per_s": round(n / written, 1),
        "lexical_mb": round(_lexical_bytes(engine, folder, pg) / 2**20, 1),
        "open_s": round(opened, 3),
        "search_p50_ms": round(statistics.median(times), 1),
        "search_p95_ms": pct(times, 0.95),
    }


def _pg_database(admin: str) -> str:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return admin.rsplit("/", 1)[0] + f"/{PG_DB}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--engine", default="e5-small", help="embedding engine for the questions")
    parser.add_argument(
        "--pg", default=os.environ.get("DESKBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--lexical-only", action="store_true", help="time the lexical engines alone")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build in KEEP/<size>-<engine> and keep it; a later run with the same KEEP reuses a finished "
        "build and only serves (a 1M build takes hours: serve it again when the machine is quiet)",
    )
    parser.add_argument(
        "--chroma-server",
        action="store_true",
        help="serve the built index from a `chroma run` server, as the scaled-out set-up does (the bot "
        "process's RSS no longer holds the vectors; the server's RSS is reported beside it)",
    )
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)  # internal: folder, lexical engine
    parser.add_argument("--chroma-url", help=argparse.SUPPRESS)  # internal: the server --serve opens
    args = parser.parse_args()
    from knowledge.embedding import get_engine

    if args.serve:
        serve(args.serve[0], args.serve[1], args.engine, args.pg, args.questions, args.chroma_url)
        return
    pg = _pg_database(args.pg) if "postgresql" in args.engines else ""
    if args.lexical_only:
        for n in args.sizes:
            for lexical in args.engines:
                with tempfile.TemporaryDirectory(prefix="deskbot-kb-lexical-") as tmp:
                    figures = lexical_only(n, lexical, Path(tmp), pg, args.questions)
                report(
                    f"kb_lexical_{n}_{lexical}",
                    COMMAND + " --lexical-only",
                    {"chunks": n, "lexical": lexical, **figures},
                )
        return
    embedder = get_engine(args.engine)
    for n in args.sizes:
        for lexical in args.engines:
            with tempfile.TemporaryDirectory(prefix="deskbot-kb-scale-") as tmp:
                folder = args.keep / f"{n}-{lexical}" if args.keep else Path(tmp)
                built = built_in(folder, n, lexical, embedder.name, int(embedder.dim), pg)
                served = served_from(folder, lexical, args, pg)
                name = f"kb_scale_{n}_{lexical}" + ("_chroma_server" if args.chroma_server else "")
                report(name, COMMAND, {"chunks": n, "lexical": lexical, **built, **served})


def served_from(folder: Path, lexical: str, args: argparse.Namespace, pg: str) -> dict[str, object]:
    """`serve` in a fresh process, beside a Chroma server on the build when --chroma-server."""
    from tests.bench.cluster import Chroma

    command = [sys.executable, "-m", "tests.bench.kb_scale", "--serve", str(folder), lexical,
               "--engine", args.engine, "--pg", pg, "--questions", str(args.questions)]  # fmt: skip
    if not args.chroma_server:
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    server = Chroma(path=folder / "chroma")
    server.start()
    try:
        out = subprocess.run(
            [*command, "--chroma-url", server.url], capture_output=True, text=True, check=True
        )
        assert server.proc is not None
        status = Path(f"/proc/{server.proc.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    finally:
        server.kill()
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "chroma_server_rss_mb": round(rss / 1024, 1)}


if __name__ == "__main__":
    main()
