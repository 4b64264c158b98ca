"""Run by test_ingest_survives_kill: ingest a folder and print a line per file, to be killed mid-run.

Arguments: the documents folder, the Chroma folder, and optionally a PostgreSQL URL for the lexical
index (default: the FTS5 file next to the Chroma folder)."""

from __future__ import annotations

import sys
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.embedding import HashEmbedder
from knowledge.lexical_pg import PostgresIndex
from knowledge.store import VectorStore


def main(docs: str, chroma: str, lexical_url: str | None = None) -> None:
    lexical = PostgresIndex(lexical_url) if lexical_url else None
    kb = KnowledgeBase(
        store=VectorStore(path=Path(chroma)), embedder=HashEmbedder(), embed_batch=32, lexical=lexical
    )
    kb.ingest([Path(docs)], progress=lambda i, n, path: print(i, flush=True))


if __name__ == "__main__":
    main(*sys.argv[1:4])
