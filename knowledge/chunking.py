"""Split documents by headings, then by size, keeping the title and section in every chunk."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from knowledge.documents import SourceDoc

CHUNK_CHARS = 1200
OVERLAP = 150
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
# Chinese and Japanese write no spaces: a long passage is cut at the end of a sentence, then of a clause,
# and the punctuation stays with the text it ends (the default splitter, with no such separators, cut
# at any character: an answer began "件通知您。", the tail of 邮件).
_CJK_STOPS = ["。", "！", "？", "；", "，", "、"]
_CJK = re.compile("[" + "".join(_CJK_STOPS) + "]")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    url: str | None
    visibility: str
    position: int

    @property
    def embed_text(self) -> str:
        """What gets embedded: title and section give the passage its context."""
        head = (
            self.title if not self.section or self.section == self.title else f"{self.title} — {self.section}"
        )
        return f"{head}\n{self.text}"


def split(doc: SourceDoc) -> list[Chunk]:
    """Chunks of a document, in order."""
    sizer = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP)
    if _CJK.search(doc.text):
        sizer = RecursiveCharacterTextSplitter(
            separators=["\n\n", "\n", *_CJK_STOPS, " ", ""],
            keep_separator="end",
            chunk_size=CHUNK_CHARS,
            chunk_overlap=OVERLAP,
        )
    sections: list[tuple[str, str]] = []
    if doc.markdown:
        for part in MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(doc.text):
            heading = " / ".join(v for k, v in sorted(part.metadata.items()) if k != "h1" or v != doc.title)
            sections.append((heading, part.page_content))
    else:
        sections.append(("", doc.text))
    chunks: list[Chunk] = []
    for section, body in sections:
        for piece in sizer.split_text(body):
            if piece.strip():
                chunks.append(
                    Chunk(
                        f"{doc.doc_id}#{len(chunks)}",
                        doc.doc_id,
                        doc.title,
                        section,
                        piece.strip(),
                        doc.url,
                        doc.visibility,
                        len(chunks),
                    )
                )
    if not chunks:  # a document with a title only still deserves one chunk
        chunks.append(
            Chunk(f"{doc.doc_id}#0", doc.doc_id, doc.title, "", doc.title, doc.url, doc.visibility, 0)
        )
    return chunks
