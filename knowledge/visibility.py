"""Who may see a document: what the file says, then the admin's folder rules, then a safe default.

A file's own `visibility:` (Markdown front matter) is read first; files that say nothing (HTML,
text, PDF, Markdown without the key) follow the rules below. Patterns are globs on the path relative
to the sources folder, with `/` separators: `*` and `?` stay inside one folder, `**` spans folders,
and a pattern ending in `/` means everything under that folder.

Order (most restrictive first): an `internal` pattern always wins (even over `visibility: public`
in the file); then the file's own word; then a `public` pattern; then `default` (internal unless
the admin wrote otherwise). Internal patterns match case-insensitively, public ones exactly, so a
case-only difference in a folder name can make a file more private, never more public.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

VALUES = ("public", "internal")


def pattern_problem(pattern: object) -> tuple[str, str] | None:
    """(problem, fix) when `pattern` is not a usable glob relative to the sources folder, else None."""
    if not isinstance(pattern, str) or not pattern.strip():
        return "a pattern must be non-empty text", "write a path glob such as 'help-centre/**'"
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", pattern):
        return (
            f"'{pattern}' is an absolute path",
            f"write it relative to the sources folder (KB_SOURCES), e.g. '{pattern.lstrip('/')}'",
        )
    if "\\" in pattern:
        return (
            f"'{pattern}' contains a backslash",
            f"use '/' between folders: '{pattern.replace(chr(92), '/')}'",
        )
    if ".." in pattern.split("/"):
        return f"'{pattern}' climbs out of the sources folder with '..'", "name a folder inside KB_SOURCES"
    return None


def _regex(pattern: str) -> str:
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/"):
        pattern += "**"
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class VisibilityRules:
    """The admin's rule for files that do not state their visibility (see the module docstring)."""

    default: str = "internal"
    public: tuple[str, ...] = ()
    internal: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.default not in VALUES:
            raise ValueError(f"default visibility must be 'public' or 'internal', not {self.default!r}")
        for pattern in (*self.public, *self.internal):
            problem = pattern_problem(pattern)
            if problem:
                raise ValueError(f"{problem[0]}; {problem[1]}")

    @cached_property
    def _public(self) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{_regex(p)})" for p in self.public)) if self.public else None

    @cached_property
    def _internal(self) -> re.Pattern[str] | None:
        joined = "|".join(f"(?:{_regex(p)})" for p in self.internal)
        return re.compile(joined, re.IGNORECASE) if self.internal else None

    def decide(self, relative_path: str, stated: str | None) -> str:
        """The visibility of the file at `relative_path` (to the sources folder) that states `stated`."""
        if self._internal and self._internal.fullmatch(relative_path):
            return "internal"
        if stated is not None:
            return stated
        if self._public and self._public.fullmatch(relative_path):
            return "public"
        return self.default


INTERNAL_UNLESS_STATED = VisibilityRules()
