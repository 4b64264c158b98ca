"""Compose an answer without an LLM: the most relevant passage of the top document, within Slack's limits."""

from __future__ import annotations

import re

from knowledge.chunking import Chunk
from knowledge.lexical import tokens

SECTION_LIMIT = 3000


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
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
