"""Knowledge base on real embedded Chroma with the fast fake embedder: ingest, incremental runs, audience."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.chunking import Chunk
from knowledge.embedding import HashEmbedder
from knowledge.lexical import Fts5Index
from knowledge.store import VectorStore

CANARY = "CANARY-7f3a"


def write(folder: Path, name: str, title: str, body: str, visibility: str = "public") -> Path:
    path = folder / name
    path.write_text(f'---\ntitle: "{title}"\nvisibility: {visibility}\n---\n\n# {title}\n\n{body}\n')
    return path


def make_kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=HashEmbedder())


def test_ingest_is_incremental_and_prunes(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs, "refunds.md", "Refunds", "Refunds are issued to the original card within 5 days.")
    write(docs, "sso.md", "Single sign-on", "Configure SSO with Okta under Settings, Security.")
    (docs / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody")
    (docs / "empty.txt").write_text("")
    kb = make_kb(tmp_path)
    first = kb.ingest([docs])
    assert (first.added, first.unchanged, len(first.failed)) == (2, 0, 2)
    assert any("broken.md" in f and "front matter" in f for f in first.failed)
    assert any("empty.txt" in f and "no text" in f for f in first.failed)
    again = kb.ingest([docs])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 2, 0)
    write(docs, "refunds.md", "Refunds", "Refunds now take 10 days.")
    (docs / "sso.md").unlink()
    third = kb.ingest([docs], prune=True)
    assert (third.updated, third.removed) == (1, 1)
    assert kb.stats()["documents"] == 1


def test_answers_cite_the_matching_document_and_abstain_on_nonsense(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs, "refunds.md", "Refunds", "Refunds are issued to the original card within five business days.")
    write(
        docs, "sso.md", "Single sign-on", "Configure single sign-on with Okta under Settings then Security."
    )
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    answer = kb.answer("how are refunds issued to my card", "customer")
    assert answer.ranking[0] == "refunds" and answer.sources[0].title == "Refunds"
    nothing = kb.answer("zebra quantum violin", "customer")
    assert not nothing.grounded and nothing.why_not


def test_customers_never_see_internal_documents(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(5):
        write(
            docs,
            f"internal{i}.md",
            f"Runbook {i}",
            f"Internal escalation runbook {i} for refunds. {CANARY}",
            "internal",
        )
        write(docs, f"public{i}.md", f"Guide {i}", f"Public guide {i} about refunds and invoices.")
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    for question in ["internal escalation runbook for refunds", f"{CANARY}", "refunds runbook 3", "invoices"]:
        answer = kb.answer(question, "customer")
        assert all(not s.doc_id.startswith("internal") for s in answer.sources)
        assert all(not d.startswith("internal") for d in answer.ranking)
        assert CANARY not in answer.text
    staff = kb.answer("internal escalation runbook for refunds", "staff")
    assert staff.ranking[0].startswith("internal")


def test_large_indexes_are_read_in_pages(tmp_path: Path, monkeypatch) -> None:
    import knowledge.store

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(23):
        write(docs, f"d{i}.md", f"Doc {i}", f"Body {i} about widgets.")
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    monkeypatch.setattr(knowledge.store, "PAGE", 5)  # Chroma refuses one get() of ~50k entries
    assert (
        len(kb.store.all_chunks()) == 23
        and len(kb.store.doc_hashes()) == 23
        and len(kb.store.doc_ids()) == 23
    )
    assert kb.ingest([docs]).unchanged == 23


def test_new_collections_carry_the_measured_hnsw_settings(tmp_path: Path) -> None:
    from knowledge.store import HNSW

    store = VectorStore(path=tmp_path / "chroma")
    for collection in store.collections.values():
        hnsw = collection.configuration["hnsw"]
        assert {k: hnsw[k] for k in HNSW} == HNSW  # not Chroma's defaults of the day


def refunds_and_vault(tmp_path: Path) -> KnowledgeBase:
    """A KB of a public refunds article and an internal vault runbook."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs, "refunds.md", "Refunds", "Refunds are issued to the original card within 5 days.")
    write(docs, "vault.md", "Vault", f"Override code {CANARY}.", visibility="internal")
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    return kb


def test_warm_up_loads_the_vectors_beside_the_start(tmp_path: Path) -> None:
    """Chroma reads a collection's HNSW index on its first query (seconds at a million chunks): the
    warm-up asks every collection once on a worker thread, so neither the start nor the first
    customer's question waits for it."""
    kb = refunds_and_vault(tmp_path)
    asked: list[tuple[str, tuple[str, ...]]] = []
    query = kb.store.query

    def recording(vector, *, k, visibilities):  # type: ignore[no-untyped-def]
        import threading

        asked.append((threading.current_thread().name, tuple(visibilities)))
        return query(vector, k=k, visibilities=visibilities)

    kb.store.query = recording  # type: ignore[method-assign]
    kb.warm_up()
    assert kb.vectors_loading is not None and kb.vectors_loading.result(timeout=30)
    assert asked == [(asked[0][0], ("public", "internal"))]
    assert asked[0][0].startswith("kb-search")  # the knowledge base's worker threads, not the caller's


def test_the_vector_search_ranks_by_id_and_an_answer_reads_only_what_it_shows(tmp_path: Path) -> None:
    """The store's nearest chunks come as references (document and position from the id, no text):
    reading sixty candidates' texts doubled the query at 1M chunks. What an answer shows (its sources'
    titles and URLs, the passage) is read by id; a reference whose document went meanwhile stays one."""
    kb = refunds_and_vault(tmp_path)
    vector = kb.embedder.queries(["refunds card"])[0]
    nearest = kb.store.query(vector, k=10, visibilities=("public", "internal"))
    assert {(c.doc_id, c.position, c.visibility) for c, _ in nearest} == {
        ("refunds", 0, "public"), ("refunds", -1, "public"), ("vault", 0, "internal"), ("vault", -1, "internal")
    }  # fmt: skip
    assert all(c.text == "" and c.title == "" for c, _ in nearest)
    full = kb.store.fetch([c for c, _ in nearest])
    by_id = {c.chunk_id: c for c in full}
    assert (
        by_id["refunds#0"].text.startswith("Refunds are issued") and by_id["refunds#title"].title == "Refunds"
    )
    assert CANARY in by_id["vault#0"].text and by_id["vault#0"].visibility == "internal"
    lexical = kb.lexical.search("refunds", k=1, visibilities=("public",))[0][0]
    assert kb.store.fetch([lexical]) == [lexical]  # complete already
    answer = kb.answer("How long do refunds to my card take?")
    assert answer.sources and answer.sources[0].title == "Refunds"
    reference = next(c for c, _ in nearest if c.chunk_id == "refunds#0")
    kb.store.delete_doc("refunds")
    assert kb.store.fetch([reference]) == [reference]


def test_a_documents_first_passage_is_read_by_id(tmp_path: Path) -> None:
    """An article found by its title alone is answered from its first passage: read by its id
    (`<doc>#0`) from the collection its hit came from, not by a metadata filter (0.4 s a question at
    1M chunks)."""
    kb = refunds_and_vault(tmp_path)
    first = kb.store.first_chunk("refunds", visibility="public")
    assert first is not None and first.position == 0 and first.text.startswith("Refunds are issued")
    vault = kb.store.first_chunk("vault", visibility="internal")
    assert vault is not None and vault.visibility == "internal" and CANARY in vault.text
    assert kb.store.first_chunk("no-such-article", visibility="public") is None
    assert kb.store.first_chunk("vault", visibility="public") is None  # never from another audience


def test_the_health_probe_reads_the_index_record_not_every_vector(tmp_path: Path) -> None:
    """`/healthz` proves the vector store answers by reading the index's record (its engine); counting
    every vector took 53-71 ms at 1M chunks and queued answers behind it."""
    empty = make_kb(tmp_path / "empty")
    assert empty.store.recorded_engine() == "no index yet"
    kb = refunds_and_vault(tmp_path)
    assert kb.store.recorded_engine() == kb.embedder.name


def test_removing_a_document_leaves_nothing_of_it_complete_or_half_written(tmp_path: Path) -> None:
    """A complete document is removed by its ids (its title entry counts its chunks); one a kill left
    without its title (chunks written, title not yet) by a metadata filter. Either way none of its
    chunks can be retrieved afterwards."""
    store = VectorStore(path=tmp_path / "chroma")
    rng = np.random.default_rng(0)

    def doc(doc_id: str, n: int) -> tuple[list[Chunk], np.ndarray, str, np.ndarray]:
        chunks = [
            Chunk(f"{doc_id}#{i}", doc_id, doc_id, "", f"part {i}", None, "public", i) for i in range(n)
        ]
        return chunks, rng.standard_normal((n, 8)).astype(np.float32), f"h-{doc_id}", rng.standard_normal(8)

    store.upsert_many([doc("whole", 3), doc("kept", 2)])

    def killed() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.upsert_many([doc("half", 4)], before_titles=killed)
    assert store.doc_hashes() == {"whole": "h-whole", "kept": "h-kept"}
    store.delete_doc("whole")
    store.delete_doc("half")
    left = store.collections["public"].get(include=["metadatas"])
    assert sorted(left["ids"]) == ["kept#0", "kept#1", "kept#title"]


def test_a_title_only_hit_is_completed_from_its_own_audiences_collection_only(tmp_path: Path) -> None:
    """A customer's article found by its title alone is composed from its first passage, read from
    the collection the hit came from: if the article turned internal between the search and that read
    (an ingestion by another process), its internal passage must not reach the customer."""
    import dataclasses

    kb = refunds_and_vault(tmp_path)
    kb.decision = dataclasses.replace(kb.decision, threshold=0.0)  # answer whatever the confidence
    query = kb.store.query

    def titles_then_turned_internal(vector: np.ndarray, *, k: int, visibilities: tuple[str, ...]) -> list:
        found = [(c, s) for c, s in query(vector, k=k, visibilities=visibilities) if c.position < 0]
        kb.store.delete_doc("refunds")
        moved = Chunk("refunds#0", "refunds", "Refunds", "", f"Staff only: {CANARY}", None, "internal", 0)
        vector_of = np.ones((1, kb.embedder.dim), dtype=np.float32)
        kb.store.upsert([moved], vector_of, "h2", vector_of[0])
        return found

    kb.store.query = titles_then_turned_internal  # type: ignore[method-assign]
    kb.lexical.search = lambda *a, **kw: []  # type: ignore[method-assign]
    answer = kb.answer("How long do refunds to my card take?", "customer")
    assert CANARY not in answer.text
    assert kb.store.first_chunk("refunds", visibility="public") is None
    assert kb.store.first_chunk("refunds", visibility="internal") is not None


def test_an_article_removed_between_the_search_and_the_read_is_not_answered_from_nothing(
    tmp_path: Path,
) -> None:
    """The search gives references; if the article went before its passage was read (another
    process's ingestion), the answer abstains rather than send a grounded answer with no text."""
    import dataclasses

    kb = refunds_and_vault(tmp_path)
    kb.decision = dataclasses.replace(kb.decision, threshold=0.0)  # answer whatever the confidence
    query = kb.store.query

    def then_removed(vector: np.ndarray, *, k: int, visibilities: tuple[str, ...]) -> list:
        found = query(vector, k=k, visibilities=visibilities)
        kb.store.delete_doc("refunds")
        return found

    kb.store.query = then_removed  # type: ignore[method-assign]
    kb.lexical.search = lambda *a, **kw: []  # type: ignore[method-assign]
    answer = kb.answer("How long do refunds to my card take?", "customer")
    assert not (answer.grounded and not answer.text.strip())


class _BrokenCounts(Fts5Index):
    """A lexical index whose per-audience term counts fail (only the spelling step asks for them)."""

    def seen_by(self, terms, visibilities):  # type: ignore[no-untyped-def]
        raise RuntimeError("term counts unavailable")


def test_a_failing_spelling_step_never_costs_an_answer(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(
        docs, "refunds.md", "Refunds", "Refunds are issued to the original card within 5 days of the request."
    )
    write(docs, "sso.md", "Single sign-on", "Configure single sign-on with Okta under Settings, Security.")
    lexical = _BrokenCounts(tmp_path / "lexical.sqlite3")
    kb = KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=HashEmbedder(), lexical=lexical)
    kb.ingest([docs])
    answer = kb.answer("when are refnuds issued to my card")  # "refnuds": a word nobody knows
    assert answer.ranking and answer.searched_for is None  # searched as typed


def test_a_chinese_knowledge_base_is_searched_as_asked(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs, "refund.md", "退款政策", "年度套餐在购买后三十天内可以全额退款。月度套餐不退款。")
    write(docs, "invoice.md", "下载发票", "在账户设置的付款页面可以下载所有发票。")
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    assert kb.store.read_meta()["languages"] == ["zh"]
    answer = kb.answer("我怎么下载发票呢")  # no word list lookup of a sentence-long "word" (it needed jieba)
    assert answer.ranking and answer.searched_for is None
