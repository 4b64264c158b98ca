"""`deskbot eval route`: how the category router would route a labelled set, trained on another."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bot.cli.context import console, err_console, fail, runtime


def eval_route(
    ctx: typer.Context,
    train: Path = typer.Option(
        ..., "--train", help="JSONL {text, label}; label 'oos' = out-of-scope example."
    ),
    test: Path = typer.Option(..., "--test", help="JSONL {text, label} to score."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the metrics."),
) -> None:
    """Train the router exactly as from category examples (calibrated out-of-scope rule), then score the test file."""
    from bot.routing.evaluate import evaluate_router, read_labelled
    from bot.routing.router import CategoryRouter, RouterParams
    from knowledge.embedding import get_engine

    try:
        train_rows, test_rows = read_labelled(train), read_labelled(test)
    except (OSError, ValueError) as exc:
        fail(str(exc))
        return
    examples: dict[str, list[str]] = {}
    for text, label in train_rows:
        examples.setdefault(label, []).append(text)
    out_of_scope = examples.pop("oos", [])
    with err_console.status(f"Training on {len(train_rows)} examples…"):
        router = CategoryRouter.train(
            examples,
            embedder=get_engine(runtime(ctx).settings.kb_engine),
            params=RouterParams(),
            out_of_scope=out_of_scope,
        )
    figures = evaluate_router(router, test_rows)
    figures["oos_threshold"] = round(router.threshold, 4)
    # requests clearly in another language than the examples' are held to this one (router.threshold_for)
    figures["cross_language_threshold"] = round(router.cross_threshold, 4)
    figures["examples_language"] = router.language
    figures["other_language_requests"] = sum(router.foreign(text) for text, _ in test_rows)
    if as_json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        console.print(f"{key:>18}  {value}", highlight=False)
