"""YAML front matter, read strictly: a typo or an odd value is an error naming the key and the fix.

Fail closed: a key that is not known (`Visibility`, `visiblity`, `private`), a visibility that is neither
public nor internal, a duplicated key, a value of the wrong type, an alias or anchor (the "billion laughs"
expansion) or an unclosed block refuses the file; nothing is silently read as body and made public.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from knowledge.frontmatter_values import (
    KNOWN_KEYS,
    OTHER_TOOLS_KEYS,
    FrontMatterError,
    _as_written,
    _swallowed,
    _tags,
    _text,
    _unknown_key,
    _url,
    _visibility,
)

__all__ = ["KNOWN_KEYS", "OTHER_TOOLS_KEYS", "FrontMatter", "FrontMatterError", "parse", "split"]

MAX_BYTES = 16 * 1024  # title, url, visibility, tags, owner and source fit in far less


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    url: str | None = None
    visibility: str | None = None  # None: the file does not say (the folder rule decides)
    tags: tuple[str, ...] = ()
    owner: str | None = None
    source: str | None = None  # where the article came from, e.g. "ticket #42" (drafted from a ticket)


# What an export or an editor may put before the front matter and nobody sees: format characters (BOM,
# zero-width space and joiners, word joiner, left-to-right and right-to-left marks, bidi controls, soft
# hyphen, invisible operators: Unicode category Cf) and whitespace, and HTML comments ("<!-- exported
# from Zendesk -->"): skipped before the '---', and around a fence.
def _invisible(ch: str) -> bool:
    # Cf: format characters; Mn before the fence: a variation selector or grapheme joiner joins nothing
    return ch.isspace() or unicodedata.category(ch) in ("Cf", "Mn")


_LEADING_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
LOOK_FOR_LATE = 40  # lines searched for front matter that does not open the file (refused, not ignored)


def _opening(text: str) -> str:
    """`text` without what may stand, unseen, before its front matter."""
    at = 0
    while True:
        while at < len(text) and _invisible(text[at]):
            at += 1
        comment = _LEADING_COMMENT.match(text, at)
        if comment is None:
            return text[at:]
        at = comment.end()


def _fence(line: str) -> bool:
    """A '---' line, invisible characters around it ignored ("- - -", a horizontal rule, is none)."""
    return "".join(ch for ch in line if ch.isspace() or not _invisible(ch)).strip() == "---"


def split(text: str) -> tuple[FrontMatter | None, str]:
    """(front matter or None when the file has none, body). A leading BOM, zero-width characters, blank
    lines and HTML comments are skipped. Front matter further down (a `visibility:` between two '---'
    lines after other text) is refused: read as body, the file's own `visibility: internal` was lost and
    a public folder rule published it (a review)."""
    text = _opening(text)
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, text
    opening = "---" if _fence(lines[first]) else lines[first].strip()
    if opening not in ("---", "+++"):
        _refuse_late(lines)
        return None, text
    if opening == "+++":
        raise FrontMatterError(
            "the front matter is TOML ('+++'), which is not read; write YAML between '---' lines"
        )
    size = 0
    for end in range(first + 1, len(lines)):
        if _fence(lines[end]):
            meta = parse("".join(lines[first + 1 : end]))
            return meta, "".join(lines[end + 1 :])
        size += len(lines[end].encode("utf-8"))
        if size > MAX_BYTES:
            break
    raise FrontMatterError(
        f"the front matter opened with '---' on line {first + 1} is not closed within "
        f"{MAX_BYTES // 1024} KB; end it with a line '---'"
    )


def _refuse_late(lines: list[str]) -> None:
    """FrontMatterError when front matter stands in the opening lines but not first: a '---' block
    (outside code fences) that reads as a YAML mapping whose `visibility` is public or internal, in any
    case, with comments, lists or blank lines. Prose between two rules that mentions visibility is no
    such block; a third review found the first strict version publishing `visibility: internal  # staff`."""
    fences, code = [], False
    for i, line in enumerate(lines[:LOOK_FOR_LATE]):
        if line.lstrip().startswith(("```", "~~~")):
            code = not code
        elif not code and _fence(line):
            fences.append(i)
    for start, end in zip(fences, fences[1:], strict=False):
        try:
            block = yaml.safe_load("".join(lines[start + 1 : end]))
        except yaml.YAMLError:
            continue
        if isinstance(block, dict) and any(
            str(k).strip().lower() == "visibility" and str(v).strip().lower() in ("public", "internal")
            for k, v in block.items()
        ):
            raise FrontMatterError(
                f"front matter with 'visibility' stands on line {start + 1}, after other text: it is read only "
                "at the very start of the file; move the '---' block to the top (nothing may come before it)"
            )


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses anchors, aliases, merge keys and duplicated keys (each could hide a value)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise FrontMatterError(
                "the front matter uses a YAML anchor or alias ('&' or '*'); write each value out in full"
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key == "<<":
                raise FrontMatterError("the front matter uses a YAML merge key ('<<'); write each key out")
            if key in seen:
                raise FrontMatterError(
                    f"front matter key '{key}' appears twice; keep one (which one was meant is unclear)"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(block: str) -> FrontMatter:
    """Validate the YAML between the fences into a FrontMatter."""
    if len(block.encode("utf-8")) > MAX_BYTES:
        raise FrontMatterError(
            f"the front matter is larger than {MAX_BYTES // 1024} KB; keep it to the known keys"
        )
    try:
        data = yaml.load(block, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise FrontMatterError(
            "the front matter is nested too deeply; keep it to 'key: value' lines"
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(
            f"the front matter is not valid YAML ({getattr(exc, 'problem', None) or exc}); "
            "check quoting and indentation"
        ) from None
    if data is None:
        return FrontMatter()
    if not isinstance(data, dict):
        raise FrontMatterError("the front matter must be 'key: value' lines")
    for key in data:
        if key not in KNOWN_KEYS and not (isinstance(key, str) and key in OTHER_TOOLS_KEYS):
            raise FrontMatterError(_unknown_key(key))
        if key != "visibility":  # every other value, ours or another tool's: no visibility inside it
            _swallowed(str(key), data[key])
    title = data.get("title")
    if title is not None and not isinstance(title, str | bool | list | dict):
        data["title"] = _as_written(block, "title")  # `title: 1.10` is "1.10", not 1.1
    return FrontMatter(
        title=_text(data, "title", 'quote it: title: "..."'),
        url=_url(data),
        visibility=_visibility(data),
        tags=_tags(data),
        owner=_text(data, "owner", "write the owning team or person as text"),
        source=_text(data, "source", 'write where it came from as text, e.g. source: "ticket #42"'),
    )
