"""A noisy copy of a question file, for measuring how answers hold up against typing as people type.

    python -m tests.bench.kb_noisy QUERIES.jsonl OUT.jsonl [--rate 0.2] [--seed 7]

Each question is lower-cased, loses its final punctuation, and each word of four letters or more gets
one typo with probability `rate`: two neighbouring letters swapped, a letter dropped, doubled or
replaced by a random one. Seeded: the same file always gives the same copy. Then run
`deskbot eval kb --kb DOCS --queries OUT.jsonl --json` (BENCHMARKS.md, "Misspelt words").
"""

from __future__ import annotations

import argparse
import json
import random
import string
from pathlib import Path


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]


def noisy(text: str, rng: random.Random, rate: float) -> str:
    words = text.lower().rstrip("?.!").split()
    return " ".join(typo(w, rng) if len(w) >= 4 and rng.random() < rate else w for w in words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queries", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with args.queries.open() as src, args.out.open("w") as out:
        for line in src:
            row = json.loads(line)
            row["text"] = noisy(row["text"], rng, args.rate)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
