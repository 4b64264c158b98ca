"""A published draft as a Markdown file under KB_SOURCES/<drafts_folder>: strict front matter that
`knowledge.frontmatter` reads back (checked before writing), a safe file name, never an existing
article overwritten, never a path outside the folder."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import yaml

from bot.errors import InvalidInput
from knowledge import frontmatter
from knowledge.sources import SUFFIXES

NAME_MAX = 60


def slug(title: str, *, fallback: str) -> str:
    """A file name from a title: ASCII letters, digits and dashes only (`Can I pay in CHF?` → `can-i-pay-in-chf`)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    words = words[:NAME_MAX].rsplit("-", 1)[0] if len(words) > NAME_MAX else words
    return words or fallback


def render(*, title: str, body: str, visibility: str, owner: str, tags: list[str], source: str) -> str:
    """The Markdown file: front matter (checked by the knowledge base's own strict reader), then the body."""
    meta = {"title": title, "visibility": visibility, "owner": owner, "tags": tags, "source": source}
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None).strip()
    text = f"---\n{head}\n---\n\n# {title}\n\n{body.strip()}\n"
    try:  # never write what ingest would refuse
        parsed, _ = frontmatter.split(text)
    except frontmatter.FrontMatterError as exc:
        raise InvalidInput(f"The article cannot be written ({exc}); edit its title or tags.") from None
    if parsed is None or parsed.visibility != visibility or parsed.title != title.strip():
        raise InvalidInput("The article's front matter would not read back as written; edit its title.")
    return text


def folder_of(sources: Path, drafts_folder: str) -> Path:
    """KB_SOURCES/<drafts_folder>, created if needed; refused if it resolves outside KB_SOURCES."""
    root = sources.resolve()
    folder = (root / drafts_folder).resolve()
    if folder != root and root not in folder.parents:
        raise InvalidInput(
            f"knowledge.drafts_folder '{drafts_folder}' leads outside KB_SOURCES ({root}); "
            "point it at a folder inside it"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_new(folder: Path, *, name: str, text: str) -> Path:
    """Write `text` to `folder/name.md`, or `name-2.md`… when a document of that name exists (any
    suffix: ids ignore it); created exclusively, so an existing article is never overwritten."""
    for n in range(1, 1000):
        stem = name if n == 1 else f"{name}-{n}"
        path = folder / f"{stem}.md"
        if path.resolve().parent != folder or any((folder / f"{stem}{s}").exists() for s in SUFFIXES):
            continue
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path
    raise InvalidInput(f"too many articles named '{name}' in {folder}; edit the draft's title")
