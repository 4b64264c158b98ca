"""YAML front matter, read strictly: a typo or an odd value is an error naming the key and the fix.

Fail closed: a key that is not known (`Visibility`, `visiblity`, `private`), a visibility that is neither
public nor internal, a duplicated key, a value of the wrong type, an alias or anchor (the "billion laughs"
expansion) or an unclosed block refuses the file; nothing is silently read as body and made public.
"""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

KNOWN_KEYS = ("title", "url", "visibility", "tags", "owner", "source")
# What static-site generators and help-centre exports write (Jekyll, Hugo, Docusaurus, MkDocs, Zendesk
# and Intercom exports): read and ignored, never refused — a newcomer's whole export was refused for its
# `description:` and `date:` lines (a review). Nothing here says who may read the article: a key that
# might (`private`, `draft`, `audience`, `access`, `hidden`, `published`) stays unknown and refuses the
# file, since ignoring it could publish what its writer meant to keep in.
OTHER_TOOLS_KEYS = frozenset(
    [
        "description",
        "summary",
        "excerpt",
        "date",
        "created",
        "updated",
        "modified",
        "lastmod",
        "last_updated",
        "last_modified",
        "author",
        "authors",
        "slug",
        "id",
        "permalink",
        "aliases",
        "layout",
        "weight",
        "order",
        "sidebar_position",
        "sidebar_label",
        "nav_order",
        "keywords",
        "categories",
        "category",
        "section",
        "lang",
        "language",
        "locale",
        "toc",
        "image",
        "cover",
    ]
)
MAX_BYTES = 16 * 1024  # title, url, visibility, tags, owner and source fit in far less


class FrontMatterError(ValueError):
    """The front matter cannot be trusted; the message says what is wrong and how to fix it."""


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


# "visibility" then a colon (or a look-alike: fullwidth, modifier, ratio) then public or internal, read
# after invisible characters are removed ("visi\u00adbility")
_SAYS_WHO_READS = re.compile(r"(?i)\bvisibility\s*[:\uff1a\ua789\u2236\ufe55]\s*['\"]?(?:public|internal)\b")
_PLAIN = str | int | float | bool | datetime.date | type(None)


def _swallowed(key: str, value: object) -> None:
    """Refuse a value that holds a visibility of its own. Indented under another key (`author:` then
    `  visibility: internal`), inside a block of text (`description: |`, `title: |`) or a list, a file's
    own `visibility: internal` was swallowed and a public folder rule published the article (two
    reviews). Values may be text, numbers, dates, yes/no, and lists or mappings of those (Docusaurus
    `authors`, Hugo `image`); YAML's other types (`!!set`, `!!binary`, `!!pairs`) are refused."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and _folded(k).strip().lower() == "visibility":
                raise FrontMatterError(
                    f"front matter key '{key}' holds a 'visibility' of its own; write visibility: on its "
                    "own line at the start of the front matter"
                )
            _swallowed(key, v)
        return
    if isinstance(value, list):
        for item in value:
            _swallowed(key, item)
        return
    if not isinstance(value, _PLAIN):
        raise FrontMatterError(f"front matter key '{key}' holds {_kind(value)}; write it as text")
    if isinstance(value, str) and (found := _SAYS_WHO_READS.search(_folded(value))):
        raise FrontMatterError(
            f"front matter key '{key}' holds '{found.group(0)}' in its text; write visibility: on its own "
            "line at the start of the front matter"
        )


def _folded(text: str) -> str:
    """Without invisible format characters (soft hyphens, zero-width spaces)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _as_written(block: str, key: str) -> str:
    """A top-level scalar's text as written in the YAML (`1.10`, `010`, `12:30`), not as YAML read it."""
    node = yaml.compose(block, Loader=yaml.SafeLoader)
    for k, v in getattr(node, "value", []):
        if getattr(k, "value", None) == key and isinstance(v, yaml.ScalarNode):
            return str(v.value)
    return ""


def _unknown_key(key: object) -> str:
    known = ", ".join(KNOWN_KEYS)
    by_case = [k for k in KNOWN_KEYS if isinstance(key, str) and k == key.strip().lower()]
    close = by_case or difflib.get_close_matches(str(key).lower(), KNOWN_KEYS, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else "remove it or fix its spelling. "
    return f"front matter key '{key}' is not known; {hint}Known keys: {known}"


def _text(data: dict, key: str, fix: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FrontMatterError(f"front matter key '{key}' must be text, not {_kind(value)}; {fix}")
    return value.strip() or None


def _url(data: dict) -> str | None:
    url = _text(data, "url", "write the article's address, e.g. url: https://help.example.com/article")
    if url is not None and not re.match(r"https?://[^\s/]+", url):
        raise FrontMatterError(
            f"front matter key 'url' must be an http(s) address, not '{url[:80]}'; "
            "write e.g. url: https://help.example.com/article"
        )
    return url


def _visibility(data: dict) -> str | None:
    fix = "write visibility: public (customers may see it) or visibility: internal (staff only)"
    if "visibility" not in data:
        return None
    value = data["visibility"]
    if not isinstance(value, str):
        raise FrontMatterError(f"front matter key 'visibility' must be text, not {_kind(value)}; {fix}")
    # Case and surrounding spaces are forgiven (the word is unambiguous); anything else is refused.
    word = value.strip().lower()
    if word not in ("public", "internal"):
        raise FrontMatterError(f"front matter key 'visibility' is '{value}'; {fix}")
    return word


def _tags(data: dict) -> tuple[str, ...]:
    value = data.get("tags")
    if value is None:
        return ()
    # "tags: billing, invoices" is one YAML string: the words the writer listed (it was one tag "billing,
    # invoices", which no category matches)
    items = value if isinstance(value, list) else value.split(",") if isinstance(value, str) else [value]
    items = [i.strip() if isinstance(i, str) else i for i in items]
    items = [i for i in items if i != ""]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise FrontMatterError(
                f"front matter key 'tags' must be a list of words, but holds {_kind(item)}; "
                "write e.g. tags: [billing, invoices] (quote a tag YAML reads as yes/no)"
            )
    return tuple(str(t) for t in items)


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return f"{type(value).__name__} ({value})"  # e.g. a date YAML read from 2024-01-31
