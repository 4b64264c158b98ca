"""Answer or abstain: a logistic confidence from retrieval signals, with a threshold.

Signals: the top document's cosine, its margin over the runner-up (fused score), and whether the
dense and lexical retrievers agree on the top document. The default coefficients and threshold were
fitted on the development split of the evaluation data (`deskbot eval kb --calibrate`) and ship as
product defaults; override them in settings for a knowledge base that behaves differently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.retrieve import Hit


@dataclass(frozen=True)
class DecisionParams:
    bias: float = -14.0
    w_dense: float = 20.0
    w_margin: float = 12.0
    w_agree: float = 1.0
    threshold: float = 0.5


def features(hits: Sequence[Hit]) -> tuple[float, float, float]:
    """(top cosine, fused margin to the runner-up, retrievers agree on the top document)."""
    if not hits:
        return 0.0, 0.0, 0.0
    top = hits[0]
    margin = top.score - hits[1].score if len(hits) > 1 else top.score
    lexical_top = max(hits, key=lambda h: h.lexical)
    dense_top = max(hits, key=lambda h: h.dense)
    agree = 1.0 if lexical_top.doc_id == top.doc_id == dense_top.doc_id else 0.0
    return top.dense, margin, agree


def confidence(hits: Sequence[Hit], params: DecisionParams) -> float:
    """Probability-like confidence that the top document answers the question."""
    if not hits:
        return 0.0
    dense, margin, agree = features(hits)
    z = params.bias + params.w_dense * dense + params.w_margin * margin + params.w_agree * agree
    return 1.0 / (1.0 + math.exp(-z))
