"""The out-of-scope rule calibrates itself on the configuration it is trained on: a generated 8-category
desk and a 150-category one (fake embeddings: each category a cluster; unknown requests come from
clusters no category has) each get a threshold that routes known requests and refuses unknown ones."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pytest

from bot.routing.router import (
    KNOWN_REFUSAL_CAP,
    CategoryRouter,
    RouterParams,
    calibrate,
    labelled,
    refusal_share,
)


class ClusterEngine:
    """Vectors looked up by text: the generated examples carry their own (unit length)."""

    name = "clusters"
    dim = 32

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts]).astype(np.float32)

    queries = passages = embed


def _desk(categories: int, per: int, spread: float, seed: int, siblings: float | None = None):  # type: ignore[no-untyped-def]
    """`siblings`: categories come in pairs this far apart (fine-grained intents, each with a twin)."""
    rng = np.random.default_rng(seed)
    engine = ClusterEngine()

    def sample(center: np.ndarray, tag: str, n: int) -> list[str]:
        texts = []
        for _ in range(n):
            v = center + rng.normal(scale=spread, size=engine.dim)
            text = f"{tag} {rng.integers(1e9)}"  # no words shared with the label: the vector decides
            engine.vectors[text] = v / np.linalg.norm(v)
            texts.append(text)
        return texts

    centers = rng.normal(size=(categories + 20, engine.dim))
    if siblings is not None:
        centers[:categories] = np.repeat(centers[: categories // 2], 2, axis=0)[:categories] + rng.normal(
            scale=siblings, size=(categories, engine.dim)
        )
    examples = {f"c{i}": sample(centers[i], "ex", per) for i in range(categories)}
    known = [(t, f"c{i}") for i in range(categories) for t in sample(centers[i], "req", 3)]
    unknown = [t for j in range(categories, categories + 20) for t in sample(centers[j], "req", 3)]
    return engine, examples, known, unknown


@pytest.mark.parametrize(("categories", "per"), [(8, 10), (150, 12)])
def test_each_desk_gets_a_fitting_rule(categories: int, per: int) -> None:
    engine, examples, known, unknown = _desk(categories, per, spread=0.12, seed=categories)
    router = CategoryRouter.train(examples, embedder=engine)
    assert router.calibration["unknown"] > 0 and 0 < router.threshold < 1
    routed = router.route_many([t for t, _ in known])
    right = sum(r.category == label for r, (_, label) in zip(routed, known, strict=True)) / len(known)
    refused = sum(r.out_of_scope for r in router.route_many(unknown)) / len(unknown)
    assert right >= 0.9, (categories, router.threshold, right)
    assert refused >= 0.8, (categories, router.threshold, refused)


def test_the_threshold_follows_the_configuration() -> None:
    """Same rule, different desks: 8 distinct categories and 150 crowded ones end up with different
    thresholds (one fixed number would fit one and not the other)."""
    small = _desk(8, 10, spread=0.12, seed=1)
    large = _desk(150, 12, spread=0.3, seed=2)
    thresholds = []
    for engine, examples, _, _ in (small, large):
        texts, labels = labelled(examples)
        thresholds.append(calibrate(texts, labels, engine.embed(texts), params=RouterParams())["threshold"])
    assert abs(thresholds[0] - thresholds[1]) > 0.05, thresholds


def test_the_share_of_known_requests_it_may_refuse_follows_the_examples() -> None:
    """1 in n + 1 for n examples per category (median), never above KNOWN_REFUSAL_CAP."""
    assert refusal_share(["a"] * 10 + ["b"] * 10 + ["oos"] * 50) == pytest.approx(1 / 11)
    assert refusal_share([f"c{i % 150}" for i in range(150 * 100)]) == pytest.approx(1 / 101)
    assert refusal_share(["a", "a", "b", "b", "c"]) == KNOWN_REFUSAL_CAP  # 2 examples: the bound


def test_a_well_stocked_desk_of_twins_turns_away_few_of_its_own_requests() -> None:
    """Twins again, but 60 examples each: the rule may refuse about 1 in 61 of the known requests."""
    engine, examples, known, _ = _desk(16, 60, spread=0.1, seed=6, siblings=0.3)
    router = CategoryRouter.train(examples, embedder=engine)
    assert router.calibration["refusal_share"] == pytest.approx(1 / 61, abs=1e-4)
    requests = [t for t, _ in known]
    refused = sum(r.out_of_scope for r in router.route_many(requests)) / len(requests)
    assert refused <= 0.05, (refused, router.calibration)


def test_a_desk_of_twin_categories_does_not_turn_away_its_own_requests() -> None:
    """Every category has a close twin, so a held-out category looks known and equal weight alone picks
    a threshold that refuses most of the desk's own requests; the cap (1 in 11 for 10 examples a
    category) keeps refusals to about 1 in 10."""
    engine, examples, known, _ = _desk(16, 10, spread=0.1, seed=6, siblings=0.3)
    router = CategoryRouter.train(examples, embedder=engine)
    cal = router.calibration
    assert cal["capped"] and router.threshold < cal["balanced_threshold"], cal
    assert cal["known_routed"] >= 0.85, cal
    requests = [t for t, _ in known]
    refused = sum(r.out_of_scope for r in router.route_many(requests)) / len(requests)
    uncapped = CategoryRouter.train(
        examples, embedder=engine, params=RouterParams(oos_threshold=cal["balanced_threshold"])
    )
    refused_uncapped = sum(r.out_of_scope for r in uncapped.route_many(requests)) / len(requests)
    assert refused <= 0.15 < 0.5 <= refused_uncapped, (refused, refused_uncapped)


def test_a_fixed_threshold_still_overrides() -> None:
    engine, examples, _, _ = _desk(8, 10, spread=0.12, seed=3)
    router = CategoryRouter.train(examples, embedder=engine, params=RouterParams(oos_threshold=0.5))
    assert router.threshold == 0.5 and router.calibration == {}


def test_route_reason_names_confidence_and_runner_up() -> None:
    engine, examples, known, unknown = _desk(8, 10, spread=0.12, seed=4)
    router = CategoryRouter.train(examples, embedder=engine)
    route = router.route(known[0][0])
    assert re.match(rf"category {route.category}, [01]\.\d\d; runner-up c", route.reason()), route.reason()
    out = router.route_many(unknown)
    assert any(r.reason().startswith("out of scope (closest c") for r in out)


def test_an_out_of_scope_reason_never_says_something_false() -> None:
    """When the configured out-of-scope examples win, the reason says so: it said "closest billing, 0.25
    < 0.18" (0.25 is not below 0.18) on the card and in the audit event."""
    engine, examples, _, unknown = _desk(8, 10, spread=0.12, seed=4)
    oos, like_oos = unknown[:30:2], unknown[1:30:2]  # out-of-scope examples, and requests like them
    router = CategoryRouter.train(examples, embedder=engine, out_of_scope=oos)
    routes = router.route_many(unknown)
    assert any(r.like_out_of_scope for r in router.route_many(like_oos))
    for route in routes:
        if not route.out_of_scope:
            continue
        why = route.reason()
        for left, right in re.findall(r"(\d\.\d+) < (\d\.\d+)", why):
            assert float(left) < float(right), why  # never "0.29 < 0.29" either
        if route.like_out_of_scope:
            assert why.startswith(f"out of scope (like the out-of-scope examples, {route.confidence:.2f}"), (
                why
            )


def test_a_score_just_below_the_threshold_never_prints_equal_to_it() -> None:
    from bot.routing.router import Route

    assert (
        Route(None, 0.7, (("users", 0.2874),), 0.2901).reason()
        == "out of scope (closest users, 0.287 < 0.290)"
    )
    assert Route(None, 0.7, (("users", 0.25),), 0.36).reason() == "out of scope (closest users, 0.25 < 0.36)"


def test_a_request_in_another_language_meets_the_lower_cross_language_threshold() -> None:
    """The examples are English; a German request is compared with the cross-language threshold (a
    translation sits less close than a paraphrase), an English one with the calibrated threshold."""
    engine, examples, _, _ = _desk(8, 10, spread=0.12, seed=5)
    english = {}
    for category, texts in examples.items():
        english[category] = []
        for text in texts:
            sentence = f"please help me with my account, the invoice number is {text.split()[1]}"
            engine.vectors[sentence] = engine.vectors[text]
            english[category].append(sentence)
    router = CategoryRouter.train(english, embedder=engine)
    assert router.language == "en" and 0 < router.cross_threshold < router.threshold
    german = "Ich kann mich seit gestern nicht mehr in mein Konto einloggen, bitte helfen Sie mir"
    assert router.threshold_for(german) == router.cross_threshold
    # short and full of names: the detector cannot say which language, only that it is not English
    assert router.threshold_for("Rirpoduci un po' di David Mallett su last fm") == router.cross_threshold
    assert (
        router.threshold_for("I cannot log into my account since yesterday, please help") == router.threshold
    )
    fixed = CategoryRouter.train(english, embedder=engine, params=RouterParams(oos_threshold=0.5))
    assert fixed.threshold_for(german) == 0.5  # a configured threshold is used as given
