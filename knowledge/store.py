"""The vector store: Chroma, embedded (PersistentClient) or a server (CHROMA_URL). Only module importing chromadb."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from knowledge.chunking import Chunk

COLLECTION = "deskbot_kb"
PAGE = 5000
META_ID = "index"


VISIBILITIES = ("public", "internal")
# Written down rather than left to Chroma's defaults (0.x searched with ef 10; 1.5 with 100, M 16,
# construction ef 100). Measured at 200k chunks (BENCHMARKS, issue 20): recall@10 against exact search
# 1.0 with search ef 100, 0.84 with 10 when fetching 10; retrieval fetches 60, so search ef >= 60.
HNSW = {"space": "cosine", "ef_search": 100, "ef_construction": 100, "max_neighbors": 16}


class VectorStore:
    """Chunks with their vectors and metadata, one Chroma collection per visibility.

    A customer's question is searched in the public collection only, so an internal chunk cannot be
    retrieved for it whatever the query; staff questions search both and merge by similarity. (One
    collection with a metadata `where` filter gave the same guarantee but was 20× slower at 50k chunks.)
    """

    def __init__(
        self, *, path: Path | None = None, url: str | None = None, collection: str = COLLECTION
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        self.path = None if url else path  # the embedded index's folder (None for a server)
        if url:
            parsed = urlparse(url)
            self.client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        else:
            assert path is not None
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        # embedding_function=None plus explicit vectors: Chroma never downloads its default model.
        self.collections = {
            v: self.client.get_or_create_collection(
                f"{collection}_{v}",
                embedding_function=None,
                metadata={"hnsw:space": "cosine"},
                configuration={"hnsw": HNSW},  # for new collections only (Chroma keeps an existing one's)
            )
            for v in VISIBILITIES
        }
        # One entry describing the index: which engine built it, its self-calibration (see base.py).
        self.meta_collection = self.client.get_or_create_collection(
            f"{collection}_meta", embedding_function=None
        )

    def read_meta(self) -> dict[str, Any]:
        """What the index records about itself ({} for a new index)."""
        got = self.meta_collection.get(ids=[META_ID], include=["documents"])
        docs = got.get("documents") or []
        return json.loads(docs[0]) if got["ids"] and docs and docs[0] else {}

    def write_meta(self, meta: dict[str, Any]) -> None:
        self.meta_collection.upsert(ids=[META_ID], embeddings=[[1.0]], documents=[json.dumps(meta)])

    def upsert(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, content_hash: str, title_vector: np.ndarray
    ) -> None:
        """Store one document's chunks and its title vector (see `upsert_many`)."""
        self.upsert_many([(chunks, vectors, content_hash, title_vector)])

    def upsert_many(
        self,
        docs: Sequence[tuple[Sequence[Chunk], np.ndarray, str, np.ndarray]],
        *,
        before_titles: Callable[[], None] | None = None,
    ) -> None:
        """Store documents: all their chunks, then `before_titles()` (the lexical index's write), then
        their title vectors (kind "title", searched next to the chunks).

        Titles are written last: a document counts as indexed (`doc_hashes`) only once its chunks
        are in, so an interrupted run re-indexes it next time instead of leaving it half-written.
        """
        docs = [d for d in docs if d[0]]
        mine = {v: [d for d in docs if d[0][0].visibility == v] for v in self.collections}
        for visibility, collection in self.collections.items():
            if mine[visibility]:
                _write_chunks(collection, mine[visibility])
        if before_titles is not None:
            before_titles()
        for visibility, collection in self.collections.items():
            if mine[visibility]:
                _write_titles(collection, mine[visibility])

    def reset(self) -> None:
        """Remove every entry but keep the collections, so other processes' handles stay valid."""
        for collection in self.collections.values():
            while ids := collection.get(limit=5000, include=[])["ids"]:
                collection.delete(ids=ids)
        self.meta_collection.delete(ids=[META_ID])

    def delete_doc(self, doc_id: str, *, visibilities: Sequence[str] | None = None) -> None:
        """Remove a document from the given visibilities' collections (default: all of them).

        By id when its title entry says how many chunks it has (a complete document); by a metadata
        filter only for an incomplete one (a kill mid-write), which took ~0.5 s a collection at 1M."""
        for visibility, collection in self.collections.items():  # its visibility may have changed
            if visibilities is None or visibility in visibilities:
                title = collection.get(ids=[f"{doc_id}#title"], include=["metadatas"])
                chunks = (title["metadatas"] or [{}])[0].get("chunks") if title["ids"] else None
                if isinstance(chunks, int):
                    collection.delete(ids=[f"{doc_id}#title", *(f"{doc_id}#{i}" for i in range(chunks))])
                else:
                    collection.delete(where={"doc_id": doc_id})

    def _pages(self, visibilities: Sequence[str] | None = None, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """`collection.get` in pages (one call for a large collection exceeds SQLite's variable limit), of
        every collection or of `visibilities`' only."""
        for visibility, collection in self.collections.items():
            if visibilities is not None and visibility not in visibilities:
                continue
            offset = 0
            while True:
                got = collection.get(limit=PAGE, offset=offset, **kwargs)
                if not got["ids"]:
                    break
                yield dict(got)
                offset += len(got["ids"])

    def doc_hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every completely indexed document."""
        return {
            m["doc_id"]: str(m["hash"])
            for page in self._pages(where={"kind": "title"}, include=["metadatas"])
            for m in page["metadatas"] or []
        }

    def doc_ids(self, visibilities: Sequence[str] | None = None) -> set[str]:
        """Every document with anything in the index (in `visibilities`' collections), complete or not."""
        return {
            str(m["doc_id"])
            for page in self._pages(visibilities, include=["metadatas"])
            for m in page["metadatas"] or []
        }

    def all_chunks(self) -> list[Chunk]:
        return [
            _chunk(i, d, m)
            for page in self._pages(where={"kind": "chunk"}, include=["metadatas", "documents"])
            for i, d, m in zip(page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True)
        ]

    def first_chunk(self, doc_id: str, *, visibility: str) -> Chunk | None:
        """A document's first passage, read by its id (`<doc_id>#0`) from `visibility`'s collection only
        (the one its hit came from: the document may have changed audience since the search). A
        metadata filter took 0.4-0.5 s at 1M chunks (26 s on a cold cache)."""
        return self.first_chunks([doc_id], visibility=visibility).get(doc_id)

    def first_chunks(self, doc_ids: Sequence[str], *, visibility: str) -> dict[str, Chunk]:
        """Documents' first passages in `visibility`'s collection, read by id in one call."""
        got = self.fetch([_reference(f"{d}#0", visibility) for d in doc_ids]) if doc_ids else []
        return {c.doc_id: c for c in got if c.text}

    def count(self) -> int:
        return sum(c.count() for c in self.collections.values())

    def recorded_engine(self) -> str:
        """The engine the index records (or that there is none yet): a cheap proof that the store
        answers, for health checks. Counting vectors took 53-71 ms at 1M chunks (7 s on a cold cache),
        and embedded Chroma serves one call at a time, so a probe must not queue answers behind it."""
        return str(self.read_meta().get("engine") or "no index yet")

    def query(self, vector: np.ndarray, *, k: int, visibilities: Sequence[str]) -> list[tuple[Chunk, float]]:
        """Nearest chunks and titles (position -1) with cosine similarity, from the allowed visibilities
        only, as *references*: document, position and visibility (read from the id), no title or text.
        Ranking needs no more; `fetch` reads the few an answer shows. (Reading every candidate's
        metadata and text doubled the query: at 1M chunks k=60 took p50 8.2 / p95 14.1 ms with them,
        1.9 / 2.5 ms without, and fetching 4 chunks by id 0.9 / 1.2 ms; BENCHMARKS.)"""
        found: list[tuple[Chunk, float]] = []
        for visibility in visibilities:
            # No count() first: Chroma (>= 1.0) returns what it has, and counting took 25 ms at 200k chunks
            got = self.collections[visibility].query(
                query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
            )
            found += [
                (_reference(i, visibility), 1.0 - float(dist))
                for i, dist in zip(got["ids"][0], got["distances"][0], strict=True)
            ]
        found.sort(key=lambda pair: -pair[1])
        return found[:k]

    def fetch(self, chunks: Sequence[Chunk]) -> list[Chunk]:
        """These chunks complete (title, section, text, URL): references from `query` are read by id,
        complete ones (the lexical index returns them so) kept. A reference whose document went in the
        meantime stays a reference."""
        wanted: dict[str, list[str]] = {}
        for c in chunks:
            if not c.text:
                wanted.setdefault(c.visibility, []).append(c.chunk_id)
        read: dict[str, Chunk] = {}
        for visibility, ids in wanted.items():
            got = self.collections[visibility].get(ids=ids, include=["metadatas", "documents"])
            for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                read[i] = _chunk(i, d, m)
        return [read.get(c.chunk_id, c) for c in chunks]


def _write_chunks(
    collection: Any, docs: Sequence[tuple[Sequence[Chunk], np.ndarray, str, np.ndarray]]
) -> None:
    chunks = [c for d in docs for c in d[0]]
    collection.upsert(
        ids=[c.chunk_id for c in chunks],
        embeddings=np.concatenate([d[1] for d in docs]).tolist(),
        documents=[c.text for c in chunks],
        metadatas=[
            {
                "doc_id": c.doc_id,
                "title": c.title,
                "section": c.section,
                "url": c.url or "",
                "visibility": c.visibility,
                "position": c.position,
                "kind": "chunk",
            }
            for c in chunks
        ],
    )


def _write_titles(
    collection: Any, docs: Sequence[tuple[Sequence[Chunk], np.ndarray, str, np.ndarray]]
) -> None:
    """A document's title vector, written after its chunks: it makes the document complete."""
    firsts = [d[0][0] for d in docs]
    collection.upsert(
        ids=[f"{c.doc_id}#title" for c in firsts],
        embeddings=[d[3].tolist() for d in docs],
        documents=[c.title for c in firsts],
        metadatas=[
            {
                "doc_id": c.doc_id,
                "title": c.title,
                "section": "",
                "url": c.url or "",
                "visibility": c.visibility,
                "position": -1,
                "kind": "title",
                "hash": h,
                "chunks": len(cs),
            }
            for c, (cs, _, h, _) in zip(firsts, docs, strict=True)
        ],
    )


def _reference(chunk_id: str, visibility: str) -> Chunk:
    """A chunk or title known by its id alone (`<doc_id>#<position>`, `<doc_id>#title`)."""
    doc_id, _, part = chunk_id.rpartition("#")
    return Chunk(chunk_id, doc_id, "", "", "", None, visibility, -1 if part == "title" else int(part))


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id,
        meta["doc_id"],
        meta["title"],
        meta["section"],
        text,
        meta["url"] or None,
        meta["visibility"],
        int(meta["position"]),
    )
