"""Read one source file (Markdown or text with front matter, HTML, PDF) into a document."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from knowledge import frontmatter
from knowledge.sources import SUFFIXES, SourceError
from knowledge.visibility import INTERNAL_UNLESS_STATED, VisibilityRules

MAX_BYTES = 20 * 1024 * 1024  # a help-centre article larger than this is an export gone wrong
HASH_VERSION = "v2:"  # content hashes also cover the visibility; older indexes lack the prefix

__all__ = ["SUFFIXES", "SourceDoc", "SourceError", "load"]


@dataclass(frozen=True)
class SourceDoc:
    doc_id: str
    path: str
    title: str
    text: str
    url: str | None = None
    visibility: str = "internal"
    tags: tuple[str, ...] = ()
    owner: str | None = None
    content_hash: str = field(default="")
    markdown: bool = False


def load(
    path: Path,
    *,
    doc_id: str | None = None,
    relative: str | None = None,
    rules: VisibilityRules = INTERNAL_UNLESS_STATED,
) -> SourceDoc:
    """Read one file into a SourceDoc (raises SourceError with the reason).

    `relative` is the path the visibility rules match (default: the file name); a file that does not
    state its visibility follows `rules`, which make it internal unless told otherwise.
    """
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceError(
                f"{path}: {size / 1024 / 1024:.0f} MB is too large for one article "
                f"(limit {MAX_BYTES // 1024 // 1024} MB); split it into several files"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
    meta = frontmatter.FrontMatter()
    if suffix == ".pdf":
        text = _pdf_text(path)
    else:
        try:
            decoded = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not UTF-8 text (a binary file?); save it as UTF-8") from None
        if "\x00" in decoded:
            raise SourceError(f"{path}: looks like a binary file (it contains NUL bytes)")
        if suffix in (".html", ".htm"):
            text, title = _html_text(decoded)
            meta = frontmatter.FrontMatter(title=title)
        else:  # Markdown and plain text: a front matter, when there is one, is read (never left as body)
            try:
                found, text = frontmatter.split(decoded)
            except frontmatter.FrontMatterError as exc:
                raise SourceError(f"{path}: {exc}") from None
            meta = found or meta
    if not text.strip():
        raise SourceError(f"{path}: no text in the file")
    visibility = rules.decide(relative or path.name, meta.visibility)
    digest = hashlib.sha256(raw + f"\0{visibility}".encode()).hexdigest()
    return SourceDoc(
        doc_id=doc_id or path.stem,
        path=str(path),
        title=meta.title or _first_heading(text) or path.stem.replace("-", " ").replace("_", " "),
        text=text,
        url=meta.url,
        visibility=visibility,
        tags=meta.tags,
        owner=meta.owner,
        content_hash=HASH_VERSION + digest,
        markdown=suffix in (".md", ".markdown"),
    )


def _first_heading(text: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", text, flags=re.M)
    return match.group(1).strip() if match else None


class _TextExtractor(HTMLParser):
    SKIP = {"script", "style", "nav", "footer"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag in ("h1", "h2", "h3"):
            self.parts.append("\n" + "#" * int(tag[1]) + " ")
        if tag in ("p", "br", "li", "div", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        if tag == "title":
            self._in_title = False
        if tag in ("h1", "h2", "h3", "p"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> tuple[str, str | None]:
    parser = _TextExtractor()
    parser.feed(html)
    text = re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()
    return text, parser.title.strip() or None


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise SourceError(f"{path}: not a readable PDF ({exc})") from None
