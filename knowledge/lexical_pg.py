"""The lexical index in PostgreSQL: one index every bot process shares (the scaled-out set-up).

PostgreSQL's full-text search finds the candidates (a `tsvector` per chunk, a GIN index, the
audience's visibilities in the same WHERE clause); it has no BM25 ranking of its own (`ts_rank`
ignores how rare a term is), so the statement ranks the candidates with the same Okapi BM25 as
FTS5 (k1=1.2, b=0.75, FTS5's idf), from document frequencies kept in `kb_lexical_terms` by the
same transaction that writes the chunks, and each chunk's term frequencies (`tf`, jsonb term ->
count). The terms are `knowledge.terms.tokens`, written as a `tsvector` literal (for the GIN
index) and as that map, so both engines index exactly the same terms and rank alike (tests compare
them).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from knowledge.chunking import Chunk
from knowledge.lexical import (
    K1,
    SEEN_CAP,
    B,
    LexicalIndexError,
    analysed,
    outdated,
    plan,
    search_terms,
)
from knowledge.terms import ANALYZER

log = logging.getLogger("deskbot.kb")
LAYOUT = "tf/1"  # kb_lexical_meta 'layout': each chunk's term frequencies in `tf` (jsonb term -> count)

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS kb_lexical_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kb_lexical_docs (doc_id TEXT PRIMARY KEY, hash TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS kb_lexical_chunks (
        id BIGSERIAL PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, title TEXT NOT NULL,
        section TEXT NOT NULL, text TEXT NOT NULL, url TEXT, visibility TEXT NOT NULL,
        position INTEGER NOT NULL, terms TSVECTOR NOT NULL, len INTEGER NOT NULL, tf JSONB)""",
    "CREATE INDEX IF NOT EXISTS kb_lexical_chunks_terms ON kb_lexical_chunks USING gin (terms)",
    "CREATE INDEX IF NOT EXISTS kb_lexical_chunks_doc ON kb_lexical_chunks (doc_id)",
    "CREATE TABLE IF NOT EXISTS kb_lexical_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS kb_lexical_stats (
        id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL, total_len BIGINT NOT NULL)""",
    "INSERT INTO kb_lexical_stats VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
    "INSERT INTO kb_lexical_meta VALUES ('analyzer', %(analyzer)s) ON CONFLICT DO NOTHING",
]
# a chunk's term frequencies read out of its tsvector: for a chunk a process of an older release wrote
# (no `tf`: during a rolling deploy it still writes after the upgrade) and for the upgrade itself
_TF_OF_TERMS = "(SELECT jsonb_object_agg(u.lexeme, cardinality(u.positions)) FROM unnest(terms) AS u)"
_COLUMNS = "c.chunk_id, c.doc_id, c.title, c.section, c.text, c.url, c.visibility, c.position"
# BM25 reads a candidate's frequencies of the question's few terms from `tf` (jsonb): unnesting each
# candidate's whole tsvector (~176 terms with trigrams) instead took 2.3x as long (BENCHMARKS).
# `tf || '{}'` decompresses each candidate's map once into the CTE: read as stored, every `->>` of
# every term decompressed it again (50k chunks: search p50 47 -> 24 ms, same results).
# MATERIALIZED: the candidates come from the GIN index first, whatever the planner estimates (without
# statistics it scanned every chunk in primary-key order to feed the GROUP BY: 50k chunks, p50 512 ms
# against 249 ms so, 116 ms with statistics; BENCHMARKS)
_SEARCH = f"""
WITH s AS MATERIALIZED (SELECT n, total_len::float8 / greatest(n, 1) AS avglen FROM kb_lexical_stats),
q AS MATERIALIZED (SELECT t.term, greatest(ln((s.n - t.df + 0.5) / (t.df + 0.5)), 1e-6) AS idf
      FROM kb_lexical_terms AS t, s WHERE t.term = ANY(%(terms)s) AND t.df > 0),
cand AS MATERIALIZED (SELECT id, coalesce(tf, {_TF_OF_TERMS}) || '{{}}'::jsonb AS tf, len FROM kb_lexical_chunks
         WHERE terms @@ %(query)s::tsquery AND visibility = ANY(%(visibilities)s)),
scored AS (
    SELECT cand.id, sum(q.idf * f.tf * {K1 + 1} / (f.tf + {K1} * (1 - {B} + {B} * cand.len / s.avglen))) AS score
    FROM cand CROSS JOIN s CROSS JOIN q CROSS JOIN LATERAL (SELECT (cand.tf ->> q.term)::float8 AS tf) AS f
    WHERE f.tf IS NOT NULL
    GROUP BY cand.id ORDER BY score DESC, cand.id LIMIT %(k)s)
SELECT {_COLUMNS}, scored.score FROM scored JOIN kb_lexical_chunks AS c USING (id)
ORDER BY scored.score DESC, c.id
"""
_RELATIONS = (  # what _SCHEMA creates: all there, nothing is created (no CREATE right needed)
    "kb_lexical_meta",
    "kb_lexical_docs",
    "kb_lexical_chunks",
    "kb_lexical_chunks_terms",
    "kb_lexical_chunks_doc",
    "kb_lexical_terms",
    "kb_lexical_stats",
)
_WRITING = "SELECT pg_advisory_xact_lock(hashtext('deskbot kb_lexical write'))"
_DELETE = """
WITH gone AS (DELETE FROM kb_lexical_chunks WHERE doc_id = %(doc_id)s
              AND (%(visibilities)s::text[] IS NULL OR visibility = ANY(%(visibilities)s)) RETURNING terms, len),
d AS (SELECT u.lexeme, count(*) AS n FROM gone, unnest(gone.terms) AS u GROUP BY u.lexeme),
upd AS (UPDATE kb_lexical_terms AS t SET df = t.df - d.n FROM d WHERE t.term = d.lexeme)
UPDATE kb_lexical_stats SET n = n - (SELECT count(*) FROM gone),
    total_len = total_len - (SELECT coalesce(sum(len), 0) FROM gone)
RETURNING (SELECT count(*) FROM gone)
"""


def tsvector(terms: Sequence[str]) -> str:
    """A tsvector literal holding exactly these terms, each with as many positions as occurrences."""
    counts = Counter(terms)
    return " ".join(
        f"'{t}':" + ",".join(str(p) for p in range(1, min(n, 256) + 1)) for t, n in sorted(counts.items())
    )


class PostgresIndex:
    """Lexical search in PostgreSQL (see the module docstring); tables `kb_lexical_*` of DATABASE_URL."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.where = "the PostgreSQL database (tables kb_lexical_*)"
        self._local = threading.local()
        import psycopg

        try:
            built = self._open()
        except psycopg.Error as exc:  # it blamed "the vector store", named no setting and no fix (a review)
            raise LexicalIndexError(_cannot_open(self.url, exc)) from None
        self.problem = outdated(self.where, built)

    def _open(self) -> str:
        """Create the tables where they are missing (an existing index needs no CREATE right) and bring an
        older layout up to date; the analysis the index was built with."""
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('deskbot kb_lexical schema'))")
            cur.execute(
                "SELECT bool_and(to_regclass(t) IS NOT NULL) FROM unnest(%s::text[]) AS t",
                (list(_RELATIONS),),
            )
            if not cur.fetchone()[0]:  # type: ignore[index]
                for statement in _SCHEMA:
                    cur.execute(statement, {"analyzer": ANALYZER})
            cur.execute("SELECT value FROM kb_lexical_meta WHERE key = 'analyzer'")
            built = cur.fetchone()[0]  # type: ignore[index]
            _upgrade(cur)
        return str(built)

    def _conn(self) -> Any:
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:  # one connection per thread: answers run on several threads
            conn = psycopg.connect(self.url, autocommit=True)
            # the search's cost estimate is large enough to trigger JIT compilation, which alone took
            # ~300 ms of a 50k-chunk search (the statement runs in milliseconds without it)
            conn.execute("SET jit = off")
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        conn = self._conn()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def search(
        self, question: str, *, k: int, visibilities: Sequence[str], typos: bool = True
    ) -> list[tuple[Chunk, float]]:
        asked = search_terms(self.problem, question, k=k, visibilities=visibilities, typos=typos)
        if not asked:
            return []
        terms = plan(self.doc_frequencies(asked))  # the same terms FTS5 would match (see lexical.plan)
        if not terms:
            return []
        args = {"terms": terms, "query": " | ".join(f"'{t}'" for t in terms), "k": k}
        with self._conn().cursor() as cur:
            cur.execute(_SEARCH, {**args, "visibilities": list(visibilities)})
            rows = cur.fetchall()
        return [(Chunk(*row[:8]), float(row[8])) for row in rows]

    def doc_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks use each of `terms` (terms no chunk uses are left out)."""
        with self._conn().cursor() as cur:
            cur.execute(
                "SELECT term, df FROM kb_lexical_terms WHERE term = ANY(%s) AND df > 0", (list(terms),)
            )
            return dict(cur.fetchall())

    def seen_by(self, terms: Sequence[str], visibilities: Sequence[str]) -> dict[str, int]:
        """How many chunks of these visibilities use each of a few `terms`, up to `SEEN_CAP` (see
        `knowledge.lexical.Fts5Index.seen_by`)."""
        if not visibilities:
            return {}
        found = {}
        with self._conn().cursor() as cur:
            for term in terms:
                literal = "'" + term.replace("'", "''") + "'"  # one lexeme, as the search quotes them
                cur.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM kb_lexical_chunks WHERE terms @@ %s::tsquery "
                    "AND visibility = ANY(%s) LIMIT %s) AS seen",
                    (literal, list(visibilities), SEEN_CAP),
                )
                (n,) = cur.fetchone()
                if n:
                    found[term] = n
        return found

    def refresh_statistics(self) -> None:
        """ANALYZE the index's tables (after an ingestion): the search's plan depends on them, and a
        database with autovacuum off, or a minute after a large ingestion, has none or stale ones."""
        with self._conn().cursor() as cur:
            cur.execute("ANALYZE kb_lexical_chunks, kb_lexical_terms, kb_lexical_stats")

    def write(self, docs: Sequence[tuple[Sequence[Chunk], str]]) -> None:
        """Replace these documents (chunks, content hash) in one transaction."""
        if self.problem:
            raise LexicalIndexError(self.problem)
        docs = [d for d in docs if d[0]]
        if not docs:
            return
        rows, df, total = [], Counter[str](), 0
        for chunks, _ in docs:
            for c in chunks:
                terms = analysed(c)
                df.update(set(terms))
                total += len(terms)
                rows.append((c.chunk_id, c.doc_id, c.title, c.section, c.text, c.url, c.visibility,
                             c.position, tsvector(terms), len(terms), json.dumps(Counter(terms))))  # fmt: skip
        with self._tx() as cur:
            # one writer at a time, as FTS5's BEGIN IMMEDIATE: two ingests deleting then inserting the same
            # document under READ COMMITTED collided on its chunk ids (UniqueViolation, a review)
            cur.execute(_WRITING)
            for chunks, _ in docs:
                _delete(cur, chunks[0].doc_id, None)
            cur.executemany(
                "INSERT INTO kb_lexical_chunks (chunk_id, doc_id, title, section, text, url, visibility, "
                "position, terms, len, tf) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector, %s, %s::jsonb)",
                rows,
            )
            terms = sorted(df)
            cur.execute(
                "INSERT INTO kb_lexical_terms (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                "ON CONFLICT (term) DO UPDATE SET df = kb_lexical_terms.df + EXCLUDED.df",
                (terms, [df[t] for t in terms]),
            )
            cur.execute(
                "UPDATE kb_lexical_stats SET n = n + %s, total_len = total_len + %s", (len(rows), total)
            )
            cur.executemany(
                "INSERT INTO kb_lexical_docs (doc_id, hash) VALUES (%s, %s)",
                [(chunks[0].doc_id, content_hash) for chunks, content_hash in docs],
            )

    def delete_doc(self, doc_id: str, *, visibilities: Sequence[str] | None = None) -> None:
        with self._tx() as cur:
            cur.execute(_WRITING)
            _delete(cur, doc_id, visibilities)

    def doc_hashes(self) -> dict[str, str]:
        with self._conn().cursor() as cur:
            cur.execute("SELECT doc_id, hash FROM kb_lexical_docs")
            return dict(cur.fetchall())

    def mirrors(self) -> str | None:
        with self._conn().cursor() as cur:
            cur.execute("SELECT value FROM kb_lexical_meta WHERE key = 'mirrors'")
            row = cur.fetchone()
            return row[0] if row else None

    def set_mirrors(self, fingerprint: str) -> None:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO kb_lexical_meta VALUES ('mirrors', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (fingerprint,),
            )

    def doc_ids(self) -> set[str]:
        with self._conn().cursor() as cur:
            cur.execute(
                "SELECT doc_id FROM kb_lexical_docs UNION SELECT DISTINCT doc_id FROM kb_lexical_chunks"
            )
            return {row[0] for row in cur.fetchall()}

    def count(self) -> int:
        with self._conn().cursor() as cur:
            cur.execute("SELECT n FROM kb_lexical_stats")
            return int(cur.fetchone()[0])

    def is_empty(self) -> bool:
        with self._conn().cursor() as cur:
            cur.execute("SELECT 1 FROM kb_lexical_docs LIMIT 1")
            return cur.fetchone() is None

    def reset(self) -> None:
        with self._tx() as cur:
            cur.execute("TRUNCATE kb_lexical_chunks, kb_lexical_docs, kb_lexical_terms")
            cur.execute("DELETE FROM kb_lexical_meta WHERE key = 'mirrors'")  # empty: it mirrors nothing
            cur.execute("UPDATE kb_lexical_stats SET n = 0, total_len = 0")
            cur.execute("UPDATE kb_lexical_meta SET value = %s WHERE key = 'analyzer'", (ANALYZER,))
        self.problem = None


def _cannot_open(url: str, exc: Exception) -> str:
    """What `deskbot` says when the lexical index's database cannot be opened: the setting and the fix."""
    where = url.split("@")[-1]  # never the password
    reason = " ".join(str(exc).split())[:300]
    return (
        f"cannot open the lexical index in the PostgreSQL database {where} (DATABASE_URL; KB_LEXICAL picks "
        f"PostgreSQL for it): {reason}. Fix: create the database and give DATABASE_URL's user the right to "
        "create tables in it once (later starts need only read and write), or set KB_LEXICAL=sqlite to keep "
        "the lexical index in a file next to the vector store"
    )


def _upgrade(cur: Any) -> None:
    """Bring an index written by an older Deskbot to `LAYOUT`, in place: its chunks' term frequencies
    are read out of their tsvectors (nothing is re-analysed or re-embedded). Runs once, under the
    schema lock, in the first process that opens the index."""
    cur.execute("SELECT value FROM kb_lexical_meta WHERE key = 'layout'")
    row = cur.fetchone()
    if row is not None and row[0] == LAYOUT:
        return
    # only when missing: ALTER TABLE takes an ACCESS EXCLUSIVE lock even with IF NOT EXISTS, which would
    # wait for every transaction on the table at each process start, and stop every search meanwhile
    cur.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = 'kb_lexical_chunks'::regclass AND attname = 'tf'"
    )
    if cur.fetchone() is None:
        cur.execute("ALTER TABLE kb_lexical_chunks ADD COLUMN tf JSONB")
    cur.execute("SELECT EXISTS (SELECT 1 FROM kb_lexical_chunks WHERE tf IS NULL)")
    if cur.fetchone()[0]:
        log.warning("lexical index: upgrading to layout %s, once (about 13 s per 50,000 chunks)", LAYOUT)
        cur.execute(f"UPDATE kb_lexical_chunks SET tf = coalesce({_TF_OF_TERMS}, '{{}}') WHERE tf IS NULL")
    cur.execute(
        "INSERT INTO kb_lexical_meta VALUES ('layout', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        (LAYOUT,),
    )


def _delete(cur: Any, doc_id: str, visibilities: Sequence[str] | None) -> None:
    """Remove a document's chunks (of these visibilities), their term counts and, if any went (or
    all were asked for), its completeness record."""
    cur.execute(
        _DELETE, {"doc_id": doc_id, "visibilities": None if visibilities is None else list(visibilities)}
    )
    removed = cur.fetchone()[0]
    if removed or visibilities is None:
        cur.execute("DELETE FROM kb_lexical_docs WHERE doc_id = %s", (doc_id,))
