"""How often `knowledge.language.detect` names a text's language, says it cannot tell, or names another:
the reply language of a question and of a ticket's requester.

Run: `.venv/bin/python -m tests.bench.language FILE:LANG [FILE:LANG ...] [--before REV]`, each FILE a
JSONL file of objects with a `text` (the development questions and requests in `../shared/data`, not
part of the project), LANG the language they are all written in. `--before REV` runs the same files
through `knowledge/language.py` as it was at a git revision, for a before/after pair in one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.bench.common import ROOT


def _detector_at(rev: str) -> Callable[[str], str | None]:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:knowledge/language.py"], check=True, capture_output=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "language_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("language_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.detect  # type: ignore[no-any-return]


def shares(detect: Callable[[str], str | None], texts: list[str], language: str) -> dict[str, float]:
    found = Counter(detect(text) for text in texts)
    wrong = len(texts) - found[language] - found[None]
    return {
        name: round(n / len(texts), 3)
        for name, n in (("right", found[language]), ("none", found[None]), ("wrong", wrong))
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="+", help="FILE:LANG")
    parser.add_argument("--before", help="also run knowledge/language.py as of this git revision")
    args = parser.parse_args(argv)
    from knowledge.language import detect

    before = _detector_at(args.before) if args.before else None
    for spec in args.sets:
        file, _, language = spec.rpartition(":")
        texts = [
            json.loads(line)["text"]
            for line in Path(file).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        row: dict[str, object] = {"set": file, "language": language, "texts": len(texts)}
        row["now"] = shares(detect, texts, language)
        if before is not None:
            row[f"at {args.before}"] = shares(before, texts, language)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
