"""Ingestion survives kill -9; the Chroma server mode works against a real `chroma run`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import chunking, documents, indexes
from knowledge.base import KnowledgeBase
from knowledge.embedding import HashEmbedder
from knowledge.lexical import Fts5Index, LexicalIndexError
from knowledge.lexical_pg import PostgresIndex
from knowledge.store import VectorStore

ROOT = Path(__file__).resolve().parents[2]


def write_docs(folder: Path, n: int) -> int:
    """n multi-section articles; returns how many chunks a complete index holds."""
    folder.mkdir()
    for i in range(n):
        sections = "\n\n".join(
            f"## Step {s}\n\n" + f"Article {i} step {s} explains widget {i * s}. " * 30 for s in range(4)
        )
        (folder / f"a{i:04d}.md").write_text(f"---\ntitle: Article {i}\n---\n\n# Article {i}\n\n{sections}\n")
    return sum(len(chunking.split(documents.load(p))) for p in folder.glob("*.md"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def lexical_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Where the lexical index lives: None for the FTS5 file next to Chroma, else a PostgreSQL URL."""
    if request.param == "sqlite":
        yield None
        return
    url = request.getfixturevalue("pg_database_url")
    PostgresIndex(url).reset()
    yield url
    PostgresIndex(url).reset()


def both_consistent(kb: KnowledgeBase) -> None:
    """Every chunk once in each index, the same documents complete (same hash) in both."""
    chunks = {c.chunk_id for c in kb.store.all_chunks()}
    assert kb.lexical.count() == len(chunks)
    assert kb.lexical.doc_hashes() == kb.store.doc_hashes()
    assert kb.lexical.doc_ids() == kb.store.doc_ids()


def test_ingest_survives_kill_9_without_duplicates(tmp_path: Path, lexical_url: str | None) -> None:
    docs = tmp_path / "docs"
    expected_chunks = write_docs(docs, 300)
    chroma = tmp_path / "chroma"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.knowledge.ingest_worker",
            str(docs),
            str(chroma),
            *([lexical_url] if lexical_url else []),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    for line in worker.stdout:
        if int(line) >= 60:  # well into the run, mid-write
            break
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    lexical = PostgresIndex(lexical_url) if lexical_url else None
    kb = KnowledgeBase(store=VectorStore(path=chroma), embedder=HashEmbedder(), lexical=lexical)
    partial = len(indexes.complete(kb.store, kb.lexical))
    assert 0 < partial < 300, "the kill should land mid-run"
    # whatever the kill left, a document complete in Chroma is complete in the lexical index
    assert set(kb.store.doc_hashes()) <= set(kb.lexical.doc_hashes())
    report = kb.ingest([docs])
    assert report.unchanged == partial and report.added == 300 - partial and not report.failed
    assert kb.store.count() == expected_chunks + 300  # every chunk once, plus one title vector a document
    assert len(kb.store.doc_hashes()) == 300
    both_consistent(kb)
    assert kb.ingest([docs]).unchanged == 300


def test_an_index_from_before_the_lexical_index_is_upgraded_not_broken(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 12)
    kb = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=HashEmbedder())
    kb.ingest([docs])
    kb.lexical.reset()  # what an older Deskbot left: Chroma only
    old = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=HashEmbedder())
    with pytest.raises(LexicalIndexError, match="deskbot kb ingest"):
        old.answer("widget 7 step 2")
    report = old.ingest([docs])
    assert report.backfilled == 12 and report.unchanged == 12 and report.added == 0  # nothing re-embedded
    both_consistent(old)
    assert old.answer("Article 7 step 2 explains widget 14", "staff").ranking[0] == "a0007"  # answers again


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the `chroma` CLI (from the chromadb package) is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_chroma_server_mode(chroma_server: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "refunds.md").write_text(
        "---\ntitle: Refunds\nvisibility: public\n---\n\nRefunds reach the original card in five days.\n"
    )
    (docs / "runbook.md").write_text(
        "---\ntitle: Refund runbook\nvisibility: internal\n---\n\nAgents approve refunds up to 500 EUR.\n"
    )
    shared = tmp_path / "lexical.sqlite3"  # one lexical index for both processes, as for the vectors
    kb = KnowledgeBase(
        store=VectorStore(url=chroma_server), embedder=HashEmbedder(), lexical=Fts5Index(shared)
    )
    first = kb.ingest([docs])
    assert first.added == 2
    # A second client (another bot process) sees the same index and skips unchanged files.
    other = KnowledgeBase(
        store=VectorStore(url=chroma_server), embedder=HashEmbedder(), lexical=Fts5Index(shared)
    )
    assert other.ingest([docs]).unchanged == 2
    assert other.answer("refunds runbook approve", "customer").ranking == ["refunds"]
    assert other.answer("refunds runbook approve", "staff").ranking[0] == "runbook"
    other.reset()
    assert kb.store.count() == 0 and kb.lexical.count() == 0
