"""Lexical search: BM25 over chunk title + section + text, on an engine that keeps its index on disk.

Two engines behind one interface (`LexicalIndex`): SQLite FTS5 (`Fts5Index`, a file next to the
embedded Chroma index, the default) and PostgreSQL full-text search (`knowledge.lexical_pg`, one
index every process shares). Both rank with Okapi BM25 (k1=1.2, b=0.75) and take the audience's
visibilities inside the query, so a customer's search cannot return an internal chunk.

The terms, the same for both engines, are made by `knowledge.terms` (words, typo trigrams, bigrams for
scripts without spaces).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from knowledge.chunking import Chunk
from knowledge.terms import ANALYZER, GRAM_MARK, tokens

K1, B = 1.2, 0.75


def analysed(chunk: Chunk) -> list[str]:
    """The terms a chunk is indexed under (its title and section count as its text)."""
    return tokens(f"{chunk.title} {chunk.section} {chunk.text}")


class LexicalIndexError(RuntimeError):
    """The lexical index cannot be used as it is; the message says what to run."""


def outdated(where: str, built: str) -> str | None:
    """Why an index built with the analysis `built` cannot be searched by this version (None: it can)."""
    if built == ANALYZER:
        return None
    return (
        f"The lexical index {where} was built with another term analysis ({built!r}; this version uses "
        f"{ANALYZER!r}): run `deskbot kb rebuild` to build it again."
    )


class LexicalIndex(Protocol):
    """What the knowledge base needs from a lexical engine (FTS5 here, PostgreSQL in lexical_pg)."""

    where: str  # for messages: the file or database holding the index
    problem: str | None  # why it cannot be used until rebuilt (another term analysis), else None

    def search(
        self, question: str, *, k: int, visibilities: Sequence[str], typos: bool = True
    ) -> list[tuple[Chunk, float]]: ...
    def write(self, docs: Sequence[tuple[Sequence[Chunk], str]]) -> None: ...
    def doc_frequencies(self, terms: Sequence[str]) -> dict[str, int]: ...  # chunks using each (> 0 only)
    def seen_by(
        self, terms: Sequence[str], visibilities: Sequence[str]
    ) -> dict[str, int]: ...  # see Fts5Index
    def refresh_statistics(self) -> None: ...  # after an ingestion: the engine's planner statistics
    def delete_doc(self, doc_id: str, *, visibilities: Sequence[str] | None = None) -> None: ...
    def doc_hashes(self) -> dict[str, str]: ...
    def doc_ids(self) -> set[str]: ...
    def mirrors(
        self,
    ) -> str | None: ...  # the vector store's `indexes.fingerprint` it was last brought in step with
    def set_mirrors(self, fingerprint: str) -> None: ...
    def count(self) -> int: ...
    def is_empty(self) -> bool: ...
    def reset(self) -> None: ...


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS lexical_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lexical_docs (doc_id TEXT PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lexical_chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, title TEXT NOT NULL,
    section TEXT NOT NULL, text TEXT NOT NULL, url TEXT, visibility TEXT NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lexical_chunks_doc ON lexical_chunks (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS lexical_fts USING fts5(
    terms, visibility UNINDEXED, tokenize = "ascii tokenchars '#<>_'"
);
CREATE TABLE IF NOT EXISTS lexical_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO lexical_meta VALUES ('analyzer', '{ANALYZER}');
"""
_COLUMNS = "c.chunk_id, c.doc_id, c.title, c.section, c.text, c.url, c.visibility, c.position"


# Postings a search may visit; past it the most common terms are left out. A posting costs ~10 µs of
# FTS5 work (its BM25 and its row) at 200k chunks on a loaded 2-core machine: 4,000 keep a search
# (p50 39 ms there) near one question's encoding (~50 ms there), which it runs beside (retrieve.py).
MATCH_BUDGET = 4_000
KEEP_RAREST = 1  # however common, the rarest term of a question is kept
WIDEN = 4  # a search ranks this many times k chunks of every audience, then keeps its audience's
SEEN_CAP = 50  # `seen_by` counts a term's chunks up to this: enough to rank a few words, bounded cost


def plan(df: dict[str, int], budget: int = MATCH_BUDGET) -> list[str]:
    """The terms a search matches and scores: the question's indexed terms, rarest first, while their
    postings fit the budget (the KEEP_RAREST rarest always). Every chunk a search matches costs a
    BM25 evaluation, and a question's common terms (most trigrams) match most of a large KB while
    adding almost nothing to its score (their idf is near zero): this bounds the cost of a search
    whatever the KB's size. A small KB is searched with all its terms, exactly Okapi BM25.

    Only the single rarest term is kept past the budget: keeping the 8 rarest cost up to 109k
    postings a search at 200k chunks (their postings grow with the KB), 5x the budget."""
    kept, visited = [], 0
    for term, n in sorted(((t, n) for t, n in df.items() if n > 0), key=lambda p: (p[1], p[0])):
        if len(kept) >= KEEP_RAREST and visited + n > budget:
            break
        kept.append(term)
        visited += n
    return sorted(kept)


def search_terms(
    problem: str | None, question: str, *, k: int, visibilities: Sequence[str], typos: bool = True
) -> list[str]:
    """The question's distinct terms, sorted, for an engine's `search` (none when there is nothing to
    search); LexicalIndexError when the index must be rebuilt first (`problem`).

    `typos=False` leaves the character trigrams out: whole words only. For a question in a language
    the knowledge base is not written in, trigrams match look-alike words, not misspellings
    ("facturas" shares "fac", "act" with "factor" and ranked *two-factor authentication* first for a
    Spanish question about invoices), while its whole words still find product names and codes."""
    if problem:
        raise LexicalIndexError(problem)
    if k <= 0 or not visibilities:
        return []
    terms = sorted(set(tokens(question)))
    return terms if typos else [t for t in terms if not t.startswith(GRAM_MARK)]


def match_expression(terms: Sequence[str]) -> str | None:
    """An FTS5 query: any of these terms (each quoted, so no term is read as an operator)."""
    return " OR ".join(f'"{t}"' for t in terms) if terms else None


class Fts5Index:
    """The lexical index in an SQLite file, searched with FTS5 and ranked by its `bm25()`.

    The terms (see `tokens`) are written space-separated and FTS5's `ascii` tokenizer splits them on
    spaces only, so the index holds exactly this module's terms. A search ranks the best chunks of
    every audience and keeps its audience's, or, when those are too few, asks again with the
    visibilities inside the statement: either way an internal chunk never reaches a customer. Each write is one transaction (WAL journal: bot
    processes keep reading while `deskbot kb ingest` writes)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.where = self.path
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None  # ":memory:" is one database per connection
        db = self._db()
        if self.path != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        built = db.execute("SELECT value FROM lexical_meta WHERE key = 'analyzer'").fetchone()[0]
        self.problem = outdated(self.where, built)

    def _db(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._shared is None:
                self._shared = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:  # one connection per thread: answers run on several threads
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def search(
        self, question: str, *, k: int, visibilities: Sequence[str], typos: bool = True
    ) -> list[tuple[Chunk, float]]:
        """The k best chunks among `visibilities` for the question's terms, best first (score > 0);
        `typos=False`: whole words only (see `search_terms`)."""
        terms = search_terms(self.problem, question, k=k, visibilities=visibilities, typos=typos)
        if not terms:
            return []
        match = match_expression(plan(self.doc_frequencies(terms)))
        if match is None:
            return []
        rows = self._ranked(match, k * WIDEN, None)
        allowed = [r for r in rows if r[6] in visibilities][:k]
        if len(allowed) < k and len(rows) == k * WIDEN:  # the audience's k best lie deeper: ask exactly
            allowed = self._ranked(match, k, visibilities)
        return [(Chunk(*row[:8]), float(row[8])) for row in allowed]

    def doc_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks use each of `terms` (terms no chunk uses are left out)."""
        found: dict[str, int] = {}
        for start in range(0, len(terms), 500):  # well under SQLite's limit on a statement's parameters
            part = terms[start : start + 500]
            # FTS5 does not store document frequencies (fts5vocab counts them by reading the postings)
            rows = self._db().execute(
                f"SELECT term, df FROM lexical_terms WHERE df > 0 AND term IN ({', '.join('?' for _ in part)})",
                part,
            )
            found.update(rows.fetchall())
        return found

    def seen_by(self, terms: Sequence[str], visibilities: Sequence[str]) -> dict[str, int]:
        """How many chunks of these visibilities use each of a few `terms`, counted up to `SEEN_CAP`
        (terms none of them uses are left out). Each term is one bounded query: for the handful of
        candidate corrections of a question (`knowledge.spelling`), never for a whole question."""
        if not visibilities:
            return {}
        allowed = ", ".join("?" for _ in visibilities)
        found = {}
        for term in terms:
            (n,) = (
                self._db()
                .execute(
                    "SELECT count(*) FROM (SELECT 1 FROM lexical_fts WHERE lexical_fts MATCH ? "
                    f"AND visibility IN ({allowed}) LIMIT ?)",
                    (match_expression([term]), *visibilities, SEEN_CAP),
                )
                .fetchone()
            )
            if n:
                found[term] = n
        return found

    def _ranked(self, match: str, limit: int, visibilities: Sequence[str] | None) -> list[tuple]:
        """The best `limit` chunks for the MATCH expression with their BM25 score, among `visibilities`
        (None: all). The condition costs a read of each matched row's stored terms (kilobytes: the
        visibility column is stored after them), so `search` ranks without it first."""
        allowed = (
            "" if visibilities is None else f"AND visibility IN ({', '.join('?' for _ in visibilities)}) "
        )
        return (
            self._db()
            .execute(
                f"SELECT {_COLUMNS}, -f.score FROM (SELECT rowid, bm25(lexical_fts) AS score FROM lexical_fts "
                f"WHERE lexical_fts MATCH ? {allowed}ORDER BY score LIMIT ?) AS f "
                "JOIN lexical_chunks AS c ON c.id = f.rowid ORDER BY f.score, c.id",
                (match, *(visibilities or ()), limit),
            )
            .fetchall()
        )

    def write(self, docs: Sequence[tuple[Sequence[Chunk], str]]) -> None:
        """Replace these documents (chunks, content hash) in one transaction."""
        if self.problem:
            raise LexicalIndexError(self.problem)
        df: Counter[str] = Counter()
        with self._tx() as db:
            for chunks, content_hash in docs:
                if not chunks:
                    continue
                _delete(db, chunks[0].doc_id, None)
                for c in chunks:
                    terms = analysed(c)
                    df.update(set(terms))
                    cur = db.execute(
                        "INSERT INTO lexical_chunks (chunk_id, doc_id, title, section, text, url, visibility, "
                        "position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (c.chunk_id, c.doc_id, c.title, c.section, c.text, c.url, c.visibility, c.position),
                    )
                    db.execute(
                        "INSERT INTO lexical_fts (rowid, terms, visibility) VALUES (?, ?, ?)",
                        (cur.lastrowid, " ".join(terms), c.visibility),
                    )
                db.execute(
                    "INSERT INTO lexical_docs (doc_id, hash) VALUES (?, ?)", (chunks[0].doc_id, content_hash)
                )
            db.executemany(
                "INSERT INTO lexical_terms (term, df) VALUES (?, ?) "
                "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
                sorted(df.items()),
            )

    def refresh_statistics(self) -> None:
        """After an ingestion: SQLite's `PRAGMA optimize` (ANALYZE where the planner's statistics are
        missing or stale; FTS5 itself keeps none)."""
        self._db().execute("PRAGMA optimize")

    def delete_doc(self, doc_id: str, *, visibilities: Sequence[str] | None = None) -> None:
        with self._tx() as db:
            _delete(db, doc_id, visibilities)

    def doc_hashes(self) -> dict[str, str]:
        return dict(self._db().execute("SELECT doc_id, hash FROM lexical_docs").fetchall())

    def mirrors(self) -> str | None:
        row = self._db().execute("SELECT value FROM lexical_meta WHERE key = 'mirrors'").fetchone()
        return row[0] if row else None

    def set_mirrors(self, fingerprint: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO lexical_meta VALUES ('mirrors', ?)", (fingerprint,))

    def doc_ids(self) -> set[str]:
        got = self._db().execute("SELECT doc_id FROM lexical_docs UNION SELECT doc_id FROM lexical_chunks")
        return {row[0] for row in got}

    def count(self) -> int:
        return int(self._db().execute("SELECT count(*) FROM lexical_chunks").fetchone()[0])

    def is_empty(self) -> bool:
        return self._db().execute("SELECT 1 FROM lexical_docs LIMIT 1").fetchone() is None

    def reset(self) -> None:
        with self._tx() as db:
            for table in ("lexical_fts", "lexical_chunks", "lexical_docs", "lexical_terms"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            db.execute("UPDATE lexical_meta SET value = ? WHERE key = 'analyzer'", (ANALYZER,))
            db.execute("DELETE FROM lexical_meta WHERE key = 'mirrors'")  # empty: it mirrors nothing
        self.problem = None


def _delete(db: sqlite3.Connection, doc_id: str, visibilities: Sequence[str] | None) -> None:
    """Remove a document's chunks (of these visibilities) and, if any went, its completeness record."""
    where, args = "doc_id = ?", [doc_id]
    if visibilities is not None:
        where += f" AND visibility IN ({', '.join('?' for _ in visibilities)})"
        args += list(visibilities)
    rows = f"rowid IN (SELECT id FROM lexical_chunks WHERE {where})"
    gone: Counter[str] = Counter()
    for (terms,) in db.execute(f"SELECT terms FROM lexical_fts WHERE {rows}", args):
        gone.update(set(terms.split()))
    db.executemany("UPDATE lexical_terms SET df = df - ? WHERE term = ?", [(n, t) for t, n in gone.items()])
    db.execute(f"DELETE FROM lexical_fts WHERE {rows}", args)
    removed = db.execute(f"DELETE FROM lexical_chunks WHERE {where}", args).rowcount
    if removed or visibilities is None:
        db.execute("DELETE FROM lexical_docs WHERE doc_id = ?", (doc_id,))


def lexical_path(chroma_path: Path) -> Path:
    """Where the embedded lexical index lives: next to the Chroma folder (`.deskbot/chroma` ->
    `.deskbot/chroma-lexical.sqlite3`), so the two are moved, backed up and removed together."""
    return chroma_path.parent / f"{chroma_path.name}-lexical.sqlite3"
