"""What the knowledge base gives back: answers with their sources, ingestion reports, and the error
that says an index was built by another embedding engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str
    url: str | None
    score: float


@dataclass(frozen=True)
class Answer:
    text: str
    sources: list[Source]
    confidence: float
    grounded: bool
    why_not: str | None = None
    ranking: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    evidence: float = 0.0  # the uncalibrated decision statistic (see knowledge.decide)
    related: list[Source] = field(default_factory=list)  # on abstain: articles that may still help
    language: str | None = None  # the question's language (ISO 639-1), None when unclear
    passage_language: str | None = None  # the cited article's language, when the text is its passage
    engine: str = ""  # the embedding engine that ranked the articles
    # the question as the model read it when misspelt words were corrected (`knowledge.spelling`): for
    # staff (`kb ask`); a customer's is corrected only towards words of articles they may read
    searched_for: str | None = None
    canned: bool = False  # the desk's own configured reply (`bot.answers`), not an article's passage


class EngineMismatch(RuntimeError):
    """The index was built by another embedding engine: its vectors cannot be compared with ours."""

    def __init__(self, built: str, current: str) -> None:
        self.built, self.current = built, current
        super().__init__(
            f"The knowledge-base index was built with the embedding engine {built!r}, but this process "
            f"uses {current!r}: their vectors cannot be compared. Rebuild the index with the new engine "
            f"(`deskbot kb rebuild`), or set KB_ENGINE={built} to keep the old one."
        )


NEARLY = 0.85  # a second article is worth showing when it scores at least this share of the first


def nearly_as_relevant(sources: Sequence[Source]) -> list[Source]:
    """The first source and those scoring nearly as high ("see also" / "may be related" lists)."""
    top = sources[0].score if sources else 0.0
    return [s for s in sources if s.score >= NEARLY * top]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)  # refused files, each message names file and fix
    withdrawn: list[str] = field(default_factory=list)  # refused documents removed from customers' view
    notes: list[str] = field(default_factory=list)  # links inside the folder, skipped on purpose
    legacy: list[str] = field(default_factory=list)  # indexed by an older Deskbot: `kb rebuild` them
    gone: list[str] = field(default_factory=list)  # moved (same file name, another id): public copy withdrawn
    missing: list[str] = field(default_factory=list)  # file gone, not pruned: listed, kept
    backfilled: int = 0  # documents copied from the vector store into an empty/older lexical index
    chunks: int = 0
    seconds: float = 0.0
