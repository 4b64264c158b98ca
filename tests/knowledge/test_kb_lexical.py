"""Lexical search on both engines (SQLite FTS5, PostgreSQL): typos, text without spaces, the audience
filter inside the query, persistence, and the same BM25 ranking on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.chunking import Chunk
from knowledge.lexical import Fts5Index, LexicalIndex, LexicalIndexError
from knowledge.lexical_pg import PostgresIndex
from knowledge.terms import words

DOCS = {
    "slack-integration": "Connect Acme to Slack: install the Slack app from the integrations page.",
    "jira-integration": "Connect Acme to Jira: paste your Jira site URL on the integrations page.",
    "refund-policy": "Refunds go back to the original card within 5 days.",
    "zh-refund": "退款会在五个工作日内退回原来的银行卡。",
    "zh-password": "忘记密码时，请在登录页面点击重置密码链接。",
    "ja-invoice": "請求書はアカウント設定のお支払いページからダウンロードできます。",
}
CANARY = "CANARY-lexical-7Q2"
INTERNAL = {"vault-runbook": f"Vault override code {CANARY}: agents approve refunds up to 500 EUR."}


def chunk(doc_id: str, text: str, visibility: str = "public", position: int = 0) -> Chunk:
    return Chunk(f"{doc_id}#{position}", doc_id, doc_id, "", text, None, visibility, position)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LexicalIndex]:
    """An empty lexical index on each engine."""
    index: LexicalIndex
    if request.param == "sqlite":
        index = Fts5Index(tmp_path / "lexical.sqlite3")
    else:
        index = PostgresIndex(request.getfixturevalue("pg_database_url"))
    index.reset()
    yield index
    index.reset()


@pytest.fixture
def index(engine: LexicalIndex) -> LexicalIndex:
    engine.write([([chunk(d, t)], f"h-{d}") for d, t in DOCS.items()])
    engine.write([([chunk(d, t, "internal")], f"h-{d}") for d, t in INTERNAL.items()])
    return engine


def top(index: LexicalIndex, question: str, visibilities: tuple[str, ...] = ("public",)) -> str:
    return index.search(question, k=3, visibilities=visibilities)[0][0].doc_id


def test_misspelled_words_still_reach_the_article(index: LexicalIndex) -> None:
    assert top(index, "conect acme to slak") == "slack-integration"
    assert top(index, "refnud to my crad") == "refund-policy"


def test_whole_words_only_when_asked(index: LexicalIndex) -> None:
    """`typos=False` (a question in a language the articles are not written in) drops the trigrams:
    look-alike words no longer match, whole words (product names, codes) still do."""
    public = ("public",)
    assert index.search("conect to slak", k=3, visibilities=public)[0][0].doc_id == "slack-integration"
    assert index.search("conect to slak", k=3, visibilities=public, typos=False) == []
    assert index.search("¿Jira?", k=3, visibilities=public, typos=False)[0][0].doc_id == "jira-integration"


def test_statistics_are_refreshed_without_changing_a_result(index: LexicalIndex) -> None:
    """After an ingestion the engine refreshes its planner statistics (PostgreSQL: ANALYZE, which a
    database with autovacuum off never gets); the ranking is the same before and after."""
    before = index.search("conect acme to slak", k=3, visibilities=("public",))
    index.refresh_statistics()
    after = index.search("conect acme to slak", k=3, visibilities=("public",))
    assert [c for c, _ in after] == [c for c, _ in before]
    # another plan may add a chunk's term scores in another order: the same score to the last bits
    assert [s for _, s in after] == pytest.approx([s for _, s in before], rel=1e-12)
    if isinstance(index, PostgresIndex):
        with index._conn().cursor() as cur:
            cur.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'kb_lexical_chunks'")
            assert cur.fetchone()[0] is not None


def test_text_without_spaces_is_matched_by_character_bigrams(index: LexicalIndex) -> None:
    assert top(index, "怎么重置密码") == "zh-password"
    assert top(index, "退款多久到账") == "zh-refund"
    assert top(index, "請求書をダウンロードしたい") == "ja-invoice"
    assert "密码" in words("重置密码")


def test_internal_chunks_never_come_back_for_customers(index: LexicalIndex) -> None:
    for question in (CANARY, f"vault override code {CANARY}", "agents approve refunds 500 EUR"):
        found = index.search(question, k=50, visibilities=("public",))
        assert all(c.visibility == "public" and CANARY not in c.text for c, _ in found)
    assert top(index, f"vault override code {CANARY}", ("public", "internal")) == "vault-runbook"
    assert index.search(CANARY, k=5, visibilities=()) == []


def test_term_counts_for_spelling_see_only_the_askers_visibilities(index: LexicalIndex) -> None:
    # "vault" and "override" are only in the internal runbook; "connect" in two public chunks
    asked = ["vault", "override", "connect", "nowhere"]
    assert index.doc_frequencies(asked) == {"vault": 1, "override": 1, "connect": 2}
    assert index.seen_by(asked, ("public",)) == {"connect": 2}
    assert index.seen_by(asked, ("public", "internal")) == {"vault": 1, "override": 1, "connect": 2}
    assert index.seen_by(asked, ()) == {}


def test_a_document_is_replaced_and_withdrawn_as_a_whole(index: LexicalIndex) -> None:
    new = [
        chunk("refund-policy", "Refunds now take ten days."),
        chunk("refund-policy", "Ask billing.", position=1),
    ]
    index.write([(new, "h2")])
    assert index.doc_hashes()["refund-policy"] == "h2"
    found = {c.text for c, _ in index.search("refunds original card", k=9, visibilities=("public",))}
    assert "Refunds now take ten days." in found and DOCS["refund-policy"] not in found
    index.delete_doc("refund-policy", visibilities=("internal",))  # it is public: nothing to withdraw
    assert "refund-policy" in index.doc_hashes()
    index.delete_doc("refund-policy", visibilities=("public",))
    assert "refund-policy" not in index.doc_hashes() and "refund-policy" not in index.doc_ids()
    assert all(
        c.doc_id != "refund-policy" for c, _ in index.search("refunds days", k=9, visibilities=("public",))
    )


def test_the_index_persists_without_being_rebuilt(tmp_path: Path) -> None:
    first = Fts5Index(tmp_path / "kb.sqlite3")
    first.write([([chunk(d, t)], d) for d, t in DOCS.items()])
    again = Fts5Index(tmp_path / "kb.sqlite3")  # another process: opens the file, loads nothing
    assert top(again, "conect acme to slak") == "slack-integration"
    assert again.count() == len(DOCS)


def test_an_index_built_with_another_analysis_asks_for_a_rebuild(tmp_path: Path) -> None:
    import sqlite3

    Fts5Index(tmp_path / "kb.sqlite3").write([([chunk("a", "alpha")], "h")])
    with sqlite3.connect(tmp_path / "kb.sqlite3") as db:
        db.execute("UPDATE lexical_meta SET value = 'words/0' WHERE key = 'analyzer'")
    old = Fts5Index(tmp_path / "kb.sqlite3")
    with pytest.raises(LexicalIndexError, match="deskbot kb rebuild"):
        old.search("alpha", k=1, visibilities=("public",))
    old.reset()
    old.write([([chunk("a", "alpha")], "h")])
    assert top(old, "alpha") == "a"


@pytest.mark.postgres
def test_both_engines_rank_alike(tmp_path: Path, pg_database_url: str) -> None:
    docs = [([chunk(d, t)], d) for d, t in DOCS.items()] + [
        ([chunk(f"extra{i}", f"Slack refunds card page {'acme ' * i}")], f"x{i}") for i in range(6)
    ]
    lite, pg = Fts5Index(tmp_path / "kb.sqlite3"), PostgresIndex(pg_database_url)
    pg.reset()
    for engine in (lite, pg):
        engine.write(docs)
    for question in ("connect slack integrations", "refund to my card", "acme page", "重置密码"):
        a = lite.search(question, k=8, visibilities=("public",))
        b = pg.search(question, k=8, visibilities=("public",))
        assert [c.doc_id for c, _ in a] == [c.doc_id for c, _ in b], question
        assert [round(s, 3) for _, s in a] == [round(s, 3) for _, s in b], question
    pg.reset()


def test_a_search_leaves_out_only_the_commonest_terms_of_a_large_index() -> None:
    from knowledge.lexical import plan

    small = {"slack": 40, "#<sl": 300, "refund": 12}
    assert plan(small) == sorted(small)  # within the budget: exact BM25 over every term
    large = {f"rare{i}": 50 for i in range(10)} | {"#<co": 400_000, "account": 90_000, "gone": 0}
    kept = plan(large, budget=1_000)
    assert kept == sorted(f"rare{i}" for i in range(10))  # the common terms would visit most chunks
    assert plan({"#<co": 400_000, "account": 90_000}, budget=1_000) == ["account"]  # the rarest is kept


@pytest.mark.postgres
def test_an_index_of_the_older_layout_is_upgraded_in_place(pg_database_url: str) -> None:
    """Before the `tf` column, BM25 unnested each candidate's tsvector. An index written then (no
    frequencies, no layout) is upgraded by the first process that opens it: its frequencies are read
    out of the tsvectors, and it ranks as a freshly written one, with nothing rebuilt."""
    index = PostgresIndex(pg_database_url)
    index.reset()
    index.write([([chunk(d, f"{t} {t.split()[0]}")], f"h-{d}") for d, t in DOCS.items()])
    fresh = {q: index.search(q, k=6, visibilities=("public",)) for q in ("conect acme to slak", "退款")}
    with index._conn().cursor() as cur:
        cur.execute("UPDATE kb_lexical_chunks SET tf = NULL")
        cur.execute("DELETE FROM kb_lexical_meta WHERE key = 'layout'")
    upgraded = PostgresIndex(pg_database_url)
    for question, before in fresh.items():
        after = upgraded.search(question, k=6, visibilities=("public",))
        assert [c for c, _ in after] == [c for c, _ in before] and after
        assert [s for _, s in after] == pytest.approx([s for _, s in before], rel=1e-12)
    with upgraded._conn().cursor() as cur:
        cur.execute("SELECT count(*) FROM kb_lexical_chunks WHERE tf IS NULL")
        assert cur.fetchone()[0] == 0
    upgraded.reset()


@pytest.mark.postgres
def test_a_chunk_an_older_process_writes_after_the_upgrade_is_still_found(pg_database_url: str) -> None:
    """A rolling deploy (docs/scale-out.md) keeps processes of the previous release running after the
    first new one upgraded the index: they write chunks without `tf` (they do not know the column),
    e.g. an article published from a ticket. Such a chunk was invisible to every search (its `tf` is
    NULL), for good: the layout mark said the index was upgraded, so no later open repaired it."""
    index = PostgresIndex(pg_database_url)
    index.reset()
    index.write([([chunk(d, t)], f"h-{d}") for d, t in DOCS.items()])
    with index._conn().cursor() as cur:  # what the previous release's INSERT leaves: no frequencies
        cur.execute("UPDATE kb_lexical_chunks SET tf = NULL WHERE doc_id = 'refund-policy'")
    reopened = PostgresIndex(pg_database_url)
    found = [c.doc_id for c, _ in reopened.search("refunds to my card", k=3, visibilities=("public",))]
    assert found and found[0] == "refund-policy", found
    reopened.reset()


@pytest.mark.postgres
def test_opening_the_index_does_not_stop_searches(pg_database_url: str) -> None:
    """Every process start ran `ALTER TABLE kb_lexical_chunks ADD COLUMN IF NOT EXISTS tf`, which takes
    an ACCESS EXCLUSIVE lock even when the column exists: it waited for every open transaction on the
    table (a long ingestion, a search), and every other process's searches queued behind it."""
    import threading

    import psycopg

    PostgresIndex(pg_database_url).reset()
    url = pg_database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as busy:  # a transaction reading the table (an ingestion, a search)
        busy.execute("SELECT count(*) FROM kb_lexical_chunks")
        opened = threading.Event()
        threading.Thread(target=lambda: (PostgresIndex(pg_database_url), opened.set()), daemon=True).start()
        assert opened.wait(5), "opening the index waited for another transaction on kb_lexical_chunks"
        busy.rollback()


def test_a_giant_word_does_not_stop_an_ingest(engine: LexicalIndex) -> None:
    """A review: PostgreSQL refuses a term over 2,047 bytes, and a base64 blob or a long Cyrillic "word"
    in one article aborted the whole ingest. Such words are not indexed, on both engines."""
    blob = "QUJD" * 600  # 2,400 characters of base64
    engine.write(
        [([chunk("attachment", f"The logo is embedded as {blob} in the page. {'я' * 1100}")], "h-a")]
    )
    assert top(engine, "logo embedded page") == "attachment"
    assert not engine.search(blob, k=3, visibilities=("public",))


def test_two_writers_replace_the_same_document_one_after_the_other(engine: LexicalIndex) -> None:
    """A review: two `deskbot kb ingest` on an empty PostgreSQL index collided on the chunk ids of the
    same document (UniqueViolation, one exited with a traceback). Writers take turns."""
    import threading

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def write(n: int) -> None:
        try:
            start.wait()
            for _ in range(5):
                engine.write(
                    [
                        (
                            [chunk("doc0", f"Article about refunds, writer {n}.")],
                            f"h{n}",
                        )
                    ]
                )
                engine.write([([chunk(d, t) for d, t in DOCS.items()][:1], f"h-{n}")])
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert top(engine, "article refunds writer") == "doc0"
    assert len(engine.search("article refunds writer", k=10, visibilities=("public",))) == 1


@pytest.mark.postgres
def test_a_database_that_cannot_be_opened_is_named_with_the_fix(pg_database_url: str) -> None:
    """A review: a missing database or a user without the CREATE right was reported as "cannot open the
    vector store", naming no setting; a user with only read and write rights could not open an index
    that already existed (CREATE TABLE IF NOT EXISTS needs the right)."""
    import psycopg

    base, _, name = pg_database_url.rpartition("/")
    with pytest.raises(
        LexicalIndexError, match=r"lexical index in the PostgreSQL database .*DATABASE_URL.*Fix: create"
    ):
        PostgresIndex(f"{base}/deskbot_no_such_database")
    PostgresIndex(pg_database_url)  # the tables exist now
    admin = pg_database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS deskbot_rw_test")
        conn.execute("CREATE ROLE deskbot_rw_test LOGIN")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO deskbot_rw_test")
        conn.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO deskbot_rw_test")
    try:
        user_url = admin.replace("postgres@", "deskbot_rw_test@", 1) if "postgres@" in admin else admin
        index = PostgresIndex(user_url)
        index.write([([chunk("rw", "Read and write rights are enough for an existing index.")], "h-rw")])
        assert top(index, "existing index rights") == "rw"
        index.delete_doc("rw")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
            conn.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM deskbot_rw_test")
            conn.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM deskbot_rw_test")
            conn.execute("DROP ROLE deskbot_rw_test")


def test_the_state_it_mirrors_is_recorded_and_persists(engine: LexicalIndex) -> None:
    assert engine.mirrors() is None
    engine.set_mirrors("abc")
    engine.set_mirrors("def")
    assert engine.mirrors() == "def"


def test_scripts_with_vowel_signs_and_fullwidth_letters_keep_their_words(engine: LexicalIndex) -> None:
    """A review: `\\w` does not count combining marks, so Thai "ลืมรหัสผ่าน" (forgot password) fell apart
    into ล, มร, รห, สผ, าน and Hindi "पासवर्ड" into प, सवर, ड; fullwidth "ｐａｓｓｗｏｒｄ" never met
    "password", nor halfwidth "ﾊﾟｽﾜｰﾄﾞ" "パスワード"."""
    assert words("पासवर्ड बदलें") == ["पासवर्ड", "बदलें"]
    assert words("ｐａｓｓｗｏｒｄ") == ["password"] and words("ﾊﾟｽﾜｰﾄﾞ") == words("パスワード")
    assert "หั" in words("ลืมรหัสผ่าน")  # bigrams keep the vowel sign with its consonant
    engine.write(
        [
            ([chunk("th-password", "หากลืมรหัสผ่าน ให้กดลิงก์รีเซ็ตในหน้าเข้าสู่ระบบ")], "h-th"),
            ([chunk("hi-password", "पासवर्ड बदलने के लिए सेटिंग्स खोलें")], "h-hi"),
            ([chunk("ja-password", "パスワードを忘れた場合はリセットしてください")], "h-ja"),
            ([chunk("en-password", "Reset your password from the sign-in page")], "h-en"),
        ]
    )
    assert top(engine, "ลืมรหัสผ่าน") == "th-password"
    assert top(engine, "मैं अपना पासवर्ड भूल गया") == "hi-password"
    assert top(engine, "ﾊﾟｽﾜｰﾄﾞ") == "ja-password"
    assert top(engine, "ｐａｓｓｗｏｒｄ") == "en-password"
