"""Who writes a draft from its material: the extractive writer (the team's replies as they were
written), or a chat model when one is configured (LLM_MODEL). Both see only the cleaned material,
and what a model writes is filtered again; if the model fails, the extractive draft is used."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from bot.drafts.build import Material, scrub

log = logging.getLogger("deskbot.drafts")
BODY_MAX = 3000  # what the Edit modal holds (Slack's input limit): editing never cuts an article
PROMPT = (
    "You write help-centre articles. From the support team's replies below, write a short article "
    "that answers the customer's question for anyone who asks it again: plain steps, Markdown, no "
    "greeting, no sign-off, no names, no e-mail addresses or phone numbers, nothing that is not in "
    "the replies. Reply with the article body only."
)


@dataclass(frozen=True)
class Written:
    title: str
    body: str
    by: str  # extract | llm


class Writer(Protocol):
    def write(self, material: Material) -> Written: ...


class ExtractiveWriter:
    """The team's public replies, in order, as the body."""

    def write(self, material: Material) -> Written:
        body = "\n\n".join(material.replies) or "_The team's reply was not written in the ticket's thread._"
        return Written(material.question, body[:BODY_MAX], "extract")


class LlmWriter:
    """A chat model (anything with langchain's `invoke(messages)`) writes the body from the material."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.fallback = ExtractiveWriter()

    def write(self, material: Material) -> Written:
        if not material.replies:
            return self.fallback.write(material)
        replies = "\n\n".join(f"Reply {i}:\n{r}" for i, r in enumerate(material.replies, 1))
        try:
            reply = self.model.invoke(
                [("system", PROMPT), ("human", f"Question: {material.question}\n\n{replies}")]
            )
        except Exception:  # noqa: BLE001 - any provider error: the extractive draft, never none
            log.exception("the LLM could not write the draft of ticket #%s", material.ticket)
            return self.fallback.write(material)
        body = scrub(str(getattr(reply, "content", reply)).strip())
        if not body:
            return self.fallback.write(material)
        return Written(material.question, body[:BODY_MAX], "llm")


def writer_for(composer: object) -> Writer:
    """The LLM writer when the knowledge base answers with a chat model, else the extractive one."""
    model = getattr(composer, "model", None)
    return LlmWriter(model) if model is not None else ExtractiveWriter()
