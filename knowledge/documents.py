"""Read source files (Markdown with front matter, text, HTML, PDF) into documents."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}
MAX_BYTES = 20 * 1024 * 1024  # a help-centre article larger than this is an export gone wrong


class SourceError(Exception):
    """A source file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class SourceDoc:
    doc_id: str
    path: str
    title: str
    text: str
    url: str | None = None
    visibility: str = "public"
    tags: tuple[str, ...] = ()
    owner: str | None = None
    content_hash: str = field(default="")
    markdown: bool = False


def discover(paths: list[Path]) -> list[Path]:
    """Every supported file under the given files and folders, sorted."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            found.add(path)
        else:
            raise SourceError(f"{path}: no such file or folder")
    return sorted(found)


def load(path: Path) -> SourceDoc:
    """Read one file into a SourceDoc (raises SourceError with the reason)."""
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
    digest = hashlib.sha256(raw).hexdigest()
    if suffix == ".pdf":
        text, meta = _pdf_text(path), {}
    else:
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not UTF-8 text (a binary file?); save it as UTF-8") from None
        if "\x00" in decoded:
            raise SourceError(f"{path}: looks like a binary file (it contains NUL bytes)")
        if suffix in (".html", ".htm"):
            text, meta = _html_text(decoded)
        elif suffix in (".md", ".markdown"):
            meta, text = _front_matter(path, decoded)
        else:
            text, meta = decoded, {}
    if not text.strip():
        raise SourceError(f"{path}: no text in the file")
    visibility = str(meta.get("visibility", "public")).lower()
    if visibility not in ("public", "internal"):
        raise SourceError(f"{path}: visibility must be 'public' or 'internal', not '{visibility}'")
    title = str(meta.get("title") or _first_heading(text) or path.stem.replace("-", " ").replace("_", " "))
    tags = meta.get("tags") or ()
    return SourceDoc(
        doc_id=path.stem,
        path=str(path),
        title=title,
        text=text,
        url=meta.get("url"),
        visibility=visibility,
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        owner=meta.get("owner"),
        content_hash=digest,
        markdown=suffix in (".md", ".markdown"),
    )


def _front_matter(path: Path, text: str) -> tuple[dict, str]:
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n?", text, flags=re.S)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise SourceError(
            f"{path}: the front matter is not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    if not isinstance(meta, dict):
        raise SourceError(f"{path}: the front matter must be key: value lines")
    return meta, text[match.end() :]


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


def _html_text(html: str) -> tuple[str, dict]:
    parser = _TextExtractor()
    parser.feed(html)
    text = re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()
    return text, ({"title": parser.title.strip()} if parser.title.strip() else {})


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise SourceError(f"{path}: not a readable PDF ({exc})") from None
