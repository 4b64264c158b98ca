"""Find the source files to ingest: their document ids, the links not followed, what a prune may touch.

A document's id is its path relative to the sources folder, without the suffix (`ops/vault` for
`ops/vault.md`), so files with the same name in different folders are different documents.

Symbolic links are never followed: one leading out of the sources folder is refused (a link to a
deployment's `.env` must not become an article), one leading inside is skipped with a note (its target
is indexed under its own path; following it would index it twice, possibly under a public folder's rule).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}


class SourceError(Exception):
    """A source file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class SourceFile:
    path: Path  # where to read it (inside the sources folder)
    doc_id: str  # relative path without its suffix, '/' between folders
    relative: str  # relative path with its suffix: what the visibility patterns match


@dataclass(frozen=True)
class Refusal:
    doc_id: str | None  # the document it would have been, when there is one
    message: str  # names the file, the problem and the fix
    foreign: bool = False  # a link out of the folder: not a document of this knowledge base at all


@dataclass
class Scan:
    files: list[SourceFile] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # links inside the folder, skipped on purpose
    folders: set[str] = field(default_factory=set)  # scanned folders, relative ("" = a whole root)
    singles: set[str] = field(default_factory=set)  # doc ids of files named one by one
    links: bool = False  # links to files are read as their targets (`scan`)

    def in_scope(self, doc_id: str) -> bool:
        """Whether this run looked where `doc_id` would be (only such documents may be pruned)."""
        return doc_id in self.singles or any(
            not folder or doc_id.startswith(folder + "/") for folder in self.folders
        )


def doc_id_of(relative: Path) -> str:
    return relative.with_suffix("").as_posix() if relative.suffix else relative.as_posix()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _base(path: Path, root: Path | None) -> Path:
    """The sources folder a path belongs to: `root` when it is inside it, else the folder itself."""
    where = path.resolve() if path.is_dir() else path.parent.resolve() / path.name
    if root is not None and _inside(where, root):
        return root
    return path.resolve() if path.is_dir() else path.parent.resolve()


def scan(paths: list[Path], root: Path | None = None, *, links: bool = False) -> Scan:
    """Every supported file under the given files and folders (ids relative to `root` when inside it).
    `links`: a link to a file is read as that file (`deskbot eval kb`, whose index is private: data
    sets kept by git-annex or DVC are links into a store; a bot's sources never follow links)."""
    result = Scan(links=links)
    found: dict[str, dict[Path, SourceFile]] = {}
    resolved_root = root.resolve() if root is not None else None
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise SourceError(f"{path}: no such file or folder")
        base = _base(path, resolved_root)
        if path.is_dir() and (not path.is_symlink() or path.resolve() == base):
            folder = path.resolve()
            outside = resolved_root is not None and base != resolved_root
            if not outside:  # a folder outside the sources folder is no scope to find gone files in
                result.folders.add("" if folder == base else folder.relative_to(base).as_posix())
            refused = len(result.refused)
            for file in _walk(folder, path, base, result):
                found.setdefault(file.doc_id, {})[file.path.resolve()] = file
                if outside:  # only its own files (ids relative to it): "" made every document gone (a review)
                    result.singles.add(file.doc_id)
            if outside:  # its ids may be the sources folder's: a refusal there withdraws nothing of theirs
                result.refused[refused:] = [replace(r, doc_id=None) for r in result.refused[refused:]]
        else:
            relative = (path.parent.resolve() / path.name).relative_to(base)
            file = _file(path, relative, base, result)
            result.singles.add(doc_id_of(relative))
            if file:
                found.setdefault(file.doc_id, {})[file.path.resolve()] = file
    for doc_id, by_path in sorted(found.items()):
        if len(by_path) == 1:
            result.files.extend(by_path.values())
            continue
        names = " and ".join(sorted(f.relative for f in by_path.values()))
        result.refused.append(
            Refusal(
                doc_id,
                f"{names} would both be document '{doc_id}'; rename one of them (ids ignore the suffix)",
            )
        )
    result.files.sort(key=lambda f: f.relative)
    return result


def _walk(folder: Path, shown: Path, base: Path, result: Scan) -> list[SourceFile]:
    """The files under `folder` (resolved); messages name them under `shown`, the path as given."""
    files: list[SourceFile] = []

    def unreadable(error: OSError) -> None:
        result.refused.append(Refusal(None, f"{error.filename}: cannot read the folder ({error.strerror})"))

    hidden = 0
    for directory, subfolders, names in os.walk(folder, onerror=unreadable, followlinks=False):
        here = Path(directory)
        # Hidden entries are tools' copies and settings, not articles: a notebook's
        # `.ipynb_checkpoints/reset-password-checkpoint.md` outranked the article it copies (a review),
        # and `.git`, `.github` and `.obsidian` hold Markdown nobody wrote for customers.
        hidden += sum(1 for n in subfolders if n.startswith(".")) + sum(1 for n in names if n.startswith("."))
        subfolders[:] = [n for n in subfolders if not n.startswith(".")]
        names = [n for n in names if not n.startswith(".")]
        for name in sorted(subfolders):
            if (here / name).is_symlink():
                link = here / name
                _link(
                    shown / link.relative_to(folder), link.relative_to(base), base, result, folder_link=True
                )
        for name in sorted(names):
            path = here / name
            if path.suffix.lower() in SUFFIXES:
                file = _file(shown / path.relative_to(folder), path.relative_to(base), base, result)
                if file:
                    files.append(file)
    if hidden:
        result.notes.append(
            f"{shown}: {hidden} hidden file(s) or folder(s) (names starting with '.') are not read; "
            "rename one without the dot if it is an article"
        )
    return files


def _file(path: Path, relative: Path, base: Path, result: Scan) -> SourceFile | None:
    try:
        relative.as_posix().encode("utf-8")
    except UnicodeEncodeError:  # a name in another encoding: its id could not be stored (ingest aborted)
        shown = relative.as_posix().encode("utf-8", "replace").decode("utf-8")
        result.refused.append(Refusal(None, f"{base / shown}: the file name is not UTF-8; rename the file"))
        return None
    if path.is_symlink() and result.links and _resolves_to_file(path):
        return SourceFile(path, doc_id_of(relative), relative.as_posix())
    if path.is_symlink():
        _link(path, relative, base, result, folder_link=False)
        return None
    if not path.is_file():
        result.refused.append(Refusal(doc_id_of(relative), f"{path}: not a regular file"))
        return None
    return SourceFile(path, doc_id_of(relative), relative.as_posix())


def _resolves_to_file(path: Path) -> bool:
    """Whether a link ends at a regular file (False for a loop, which `_link` then refuses)."""
    try:
        return path.resolve(strict=True).is_file()
    except (RuntimeError, OSError):
        return False


def _link(path: Path, relative: Path, base: Path, result: Scan, *, folder_link: bool) -> None:
    what = "a link to a folder" if folder_link else "a link"
    try:
        target = path.resolve()
    except (RuntimeError, OSError):
        result.refused.append(
            Refusal(
                None if folder_link else doc_id_of(relative), f"{path}: {what} that loops; remove it", True
            )
        )
        return
    if _inside(target, base):
        result.notes.append(
            f"{path}: {what} inside the sources folder (to {target.relative_to(base).as_posix()}) is not "
            "followed; the target is indexed under its own path"
        )
        return
    result.refused.append(
        Refusal(
            None if folder_link else doc_id_of(relative),
            f"{path}: {what} leading out of the sources folder (to {target}) is not followed; "
            "copy the file into the folder if it belongs in the knowledge base",
            foreign=True,
        )
    )
