"""Ingestion survives kill -9; the Chroma server mode works against a real `chroma run`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knowledge import chunking, documents
from knowledge.base import KnowledgeBase
from knowledge.embedding import HashEmbedder
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


def test_ingest_survives_kill_9_without_duplicates(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    expected_chunks = write_docs(docs, 300)
    chroma = tmp_path / "chroma"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.knowledge.ingest_worker", str(docs), str(chroma)],
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
    kb = KnowledgeBase(store=VectorStore(path=chroma), embedder=HashEmbedder())
    partial = len(kb.store.doc_hashes())
    assert 0 < partial < 300, "the kill should land mid-run"
    report = kb.ingest([docs])
    assert report.unchanged == partial and report.added == 300 - partial and not report.failed
    assert kb.store.count() == expected_chunks + 300  # every chunk once, plus one title vector a document
    assert len(kb.store.doc_hashes()) == 300
    assert kb.ingest([docs]).unchanged == 300


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
    kb = KnowledgeBase(store=VectorStore(url=chroma_server), embedder=HashEmbedder())
    first = kb.ingest([docs])
    assert first.added == 2
    # A second client (another bot process) sees the same index and skips unchanged files.
    other = KnowledgeBase(store=VectorStore(url=chroma_server), embedder=HashEmbedder())
    assert other.ingest([docs]).unchanged == 2
    assert other.answer("refunds runbook approve", "customer").ranking == ["refunds"]
    assert other.answer("refunds runbook approve", "staff").ranking[0] == "runbook"
    other.store.reset()
    assert kb.store.count() == 0
