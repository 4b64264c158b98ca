"""Run by test_ingest_survives_kill: ingest a folder and print a line per file, to be killed mid-run."""

from __future__ import annotations

import sys
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.embedding import HashEmbedder
from knowledge.store import VectorStore


def main(docs: str, chroma: str) -> None:
    kb = KnowledgeBase(store=VectorStore(path=Path(chroma)), embedder=HashEmbedder(), embed_batch=32)
    kb.ingest([Path(docs)], progress=lambda i, n, path: print(i, flush=True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
