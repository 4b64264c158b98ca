"""`deskbot eval route`: how the category router would route a labelled set, trained on another."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

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
    if not examples:
        fail(f"{train}: no category examples (every row is 'oos'); a router needs labelled categories")
    for warning in _warnings(examples, test_rows):
        err_console.print(f"[yellow]Note:[/] {escape(warning)}", highlight=False)
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


def _warnings(examples: dict[str, list[str]], test_rows: list[tuple[str, str]]) -> list[str]:
    """What makes the figures mean less than they seem: categories the test names but training never
    taught (always wrong), and too few categories to calibrate the out-of-scope rule on."""
    notes = []
    unseen = sorted({label for _, label in test_rows} - set(examples) - {"oos"})
    if unseen:
        shown = ", ".join(unseen[:10]) + (f" … and {len(unseen) - 10} more" if len(unseen) > 10 else "")
        notes.append(f"test labels never seen in training (always counted wrong): {shown}")
    if len(examples) < 3:
        notes.append(
            f"{len(examples)} categor{'y' if len(examples) == 1 else 'ies'} in training: the out-of-scope rule "
            "threshold needs at least 3 to calibrate (it holds categories out in turn), so only 'oos' examples "
            "in training can refuse a request"
        )
    return notes
