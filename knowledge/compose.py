"""Compose an answer without an LLM: the most relevant passage of the top document, within Slack's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.chunking import Chunk
from knowledge.clipping import clip
from knowledge.terms import tokens

SECTION_LIMIT = 3000


@dataclass(frozen=True)
class Composed:
    """An answer's text, and whether it quotes the article as written (in the article's language,
    labelled so for an asker of another) or was written for the asker (by a model, in their language)."""

    text: str
    quoted: bool


def best_passage(question: str, chunk: Chunk, limit: int = SECTION_LIMIT - 200) -> str:
    """The chunk's paragraphs that share most words with the question, in order, trimmed to `limit`."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", chunk.text) if p.strip()]
    if not paragraphs:
        return chunk.text[:limit]
    wanted = set(tokens(question))
    ranked = sorted(range(len(paragraphs)), key=lambda i: (-len(wanted & set(tokens(paragraphs[i]))), i))
    chosen: list[int] = []
    size = 0
    for i in ranked:
        if size + len(paragraphs[i]) > limit and chosen:
            continue
        chosen.append(i)
        size += len(paragraphs[i]) + 2
        if size >= limit * 0.6:
            break
    text = "\n\n".join(paragraphs[i] for i in sorted(chosen))
    return clip(text, limit)


SYSTEM_PROMPT = (
    "You are a support assistant. Answer the question using ONLY the numbered sources below. "
    "Cite the sources you used as [1], [2]. If the sources do not answer the question, say so in one "
    "sentence. Be brief: at most a few short paragraphs, Slack mrkdwn formatting."
)


def _in_language(code: str | None) -> str:
    """The prompt's instruction to answer in the asker's language (the sources may be in another)."""
    if not code:
        return " Answer in the language of the question."
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale("en").languages.get(code) or code
    except (UnknownLocaleError, ValueError):
        name = code
    return f" The question is in {name}: write the answer in {name}, whatever the sources' language."


class PassageComposer:
    """No LLM: the most relevant passage of the top document."""

    def compose(self, question: str, chunks: list[Chunk], *, language: str | None = None) -> Composed:
        return Composed(best_passage(question, chunks[0]), quoted=True)


class LlmComposer:
    """An answer written by a chat model from the retrieved chunks only, with citations.

    Any langchain chat model works; `from_spec("provider:model")` uses `init_chat_model` (the
    provider's package, e.g. langchain-openai, is an optional extra). If the model fails, the
    answer falls back to the passage so the user still gets one.
    """

    def __init__(self, model: object, *, sources: int = 4) -> None:
        self.model = model
        self.sources = sources
        self.fallback = PassageComposer()
        self.failures = 0

    @classmethod
    def from_spec(cls, spec: str) -> LlmComposer:
        from langchain.chat_models import init_chat_model

        return cls(init_chat_model(spec, temperature=0))

    def compose(self, question: str, chunks: list[Chunk], *, language: str | None = None) -> Composed:
        """Written in the asker's language; when the model fails, the passage, quoted (and labelled: a
        German asker got an English passage with no word that it was English, a review)."""
        context = "\n\n".join(f"[{i}] {c.title}\n{c.text}" for i, c in enumerate(chunks[: self.sources], 1))
        try:
            reply = self.model.invoke(  # type: ignore[attr-defined]
                [
                    ("system", SYSTEM_PROMPT + _in_language(language)),
                    ("human", f"Sources:\n\n{context}\n\nQuestion: {question}"),
                ]
            )
        except Exception:  # noqa: BLE001 - any provider error: fall back, never lose the answer
            self.failures += 1
            return self.fallback.compose(question, chunks)  # quoted in the article's language
        text = str(getattr(reply, "content", reply)).strip()
        return Composed(clip(text, SECTION_LIMIT - 200), quoted=False)
