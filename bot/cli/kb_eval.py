"""`deskbot eval kb`: the product's own ingestion, retrieval, audience filter and decision on a labelled
query file, in a private index (a temporary folder, or --index, reused only while an evaluation left it
so)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from bot.cli.context import AUDIENCE, Runtime, console, err_console, fail, runtime
from bot.cli.progress import progress as _progress

INDEX_HELP = (
    "Keep the index in this folder and reuse it next time (unchanged files are not embedded again; the KB "
    "recalibrates itself when this version decides differently). Default: a fresh temporary index."
)


def eval_kb(
    ctx: typer.Context,
    kb: Path = typer.Option(..., "--kb", help="Folder of documents to index (a fresh, temporary index)."),
    queries: Path = typer.Option(..., "--queries", help="JSONL: {id, text, expected: doc id or null}."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the metrics."),
    audience: str = AUDIENCE,
    fit: bool = typer.Option(
        False, "--calibrate", help="Also fit the confidence (Platt scaling) and print the threshold curve."
    ),
    unlabelled: str = typer.Option(
        "public",
        "--unlabelled",
        help="Visibility of documents that do not state one (public: an evaluation set is help-centre text).",
    ),
    index: Path | None = typer.Option(None, "--index", help=INDEX_HELP),
) -> None:
    """Index DOCS with the product's defaults, answer every query through the bot's path, score it."""
    import tempfile

    from bot.answers import UNAVAILABLE, AnswerService
    from knowledge import indexes
    from knowledge.base import EngineMismatch
    from knowledge.evaluate import calibrate, evaluate, read_queries
    from knowledge.lexical import LexicalIndexError
    from knowledge.visibility import VisibilityRules

    rt = runtime(ctx)
    if not kb.is_dir():
        fail(f"--kb {kb}: not a folder of documents")
    if unlabelled not in ("public", "internal"):
        fail(f"--unlabelled must be public or internal, not {unlabelled!r}")
    if audience not in ("customer", "staff"):
        fail(f"--audience must be customer or staff, not {audience!r}")
    try:
        rows = read_queries(queries)
    except (OSError, ValueError) as exc:
        fail(str(exc))
        return
    if index is not None and index.exists() and not index.is_dir():
        fail(f"--index {index}: a file, not a folder; give a folder for the evaluation's index")
    if index is not None and _holds_configured_index(index, rt.settings):
        fail(
            f"--index {index}: this is the bot's own index (CHROMA_PATH); an evaluation would replace its "
            "documents. Give another folder"
        )
    with tempfile.TemporaryDirectory(prefix="deskbot-eval-") as tmp:  # unused when --index keeps one
        knowledge = _eval_index(rt, index, Path(tmp))
        with _progress("Indexing") as progress:
            # Stated explicitly, not left to a default: the product's default (internal) would hide an
            # unlabelled evaluation set from the customer audience; a document saying internal stays so.
            # Ids relative to --kb whatever KB_SOURCES says, and a kept index holds exactly these
            # documents (a reused --index kept an earlier run's articles and cited them).
            try:
                report = knowledge.ingest(
                    [kb],
                    progress=progress,
                    root=kb,
                    prune=True,
                    rules=VisibilityRules(default=unlabelled),
                    links=True,  # a private index: a data set's files may be links into a store
                )
            except EngineMismatch as exc:
                fail(
                    f"--index {index} was built with another embedding engine ({exc}); give an empty "
                    "folder, or delete this one"
                )
                return
            except LexicalIndexError as exc:
                fail(f"--index {index}: its lexical index cannot be used ({exc}); give an empty folder")
                return
        for doc_id in report.withdrawn:  # a private index: a refused document leaves it entirely
            indexes.delete_doc(knowledge.store, knowledge.lexical, doc_id)
        if report.withdrawn:
            indexes.mark(knowledge.store, knowledge.lexical)
        meta = knowledge.store.read_meta()
        knowledge.store.write_meta({**meta, EVAL_MARK: meta.get("documents")})
        _report_refusals(report.failed)
        for note in report.notes:
            err_console.print(f"[dim]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
        present = knowledge.store.doc_ids()
        if not present:
            fail(f"--kb {kb}: no document could be indexed; nothing to evaluate")
        _check_expected(rows, present, knowledge, audience)
        # as `deskbot run` starts: the model, the curve, the detector and the word lists of the KB's
        # languages (the first question in a Chinese KB's language paid 250-420 ms for its list: p95 of a
        # small set), and the vectors loaded before the clock starts
        knowledge.warm_up()
        if knowledge.vectors_loading is not None:
            knowledge.vectors_loading.result()
        service = AnswerService(kb=knowledge)  # no canned answers, no logging: only this KB is measured

        def answer(text: str):  # type: ignore[no-untyped-def]
            return service.answer(text, audience=audience).answer  # type: ignore[arg-type]

        with _progress("Answering") as progress:
            figures, answered = evaluate(answer, rows, progress=progress)
    from collections import Counter

    figures["engine"] = knowledge.embedder.name
    figures["answer_threshold"] = knowledge.decision.threshold
    failed = sum(1 for _, a in answered if a.why_not == UNAVAILABLE)
    figures["unavailable"] = failed  # questions the KB could not search (an error): counted as abstentions
    if failed:
        err_console.print(
            f"[bold red]{failed} question(s) could not be answered because of an error[/] (see the log "
            "above); they count as abstentions in these figures",
            highlight=False,
        )
    figures["languages"] = dict(Counter(a.language or "unclear" for _, a in answered).most_common())
    if fit:
        figures["calibration"] = calibrate(answered)
    if as_json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        console.print(f"{key:>22}  {value}", highlight=False)


# Recorded in an index `deskbot eval kb` made, with the documents' fingerprint it left: an index is
# reused only while both say so (a bot that ingested into it since changed the fingerprint).
EVAL_MARK = "made_by_eval"


def _eval_index(rt: Runtime, index: Path | None, tmp: Path) -> Any:
    """The evaluation's knowledge base: in `tmp`, or in --index when that is new, empty or made by an
    evaluation before. Any other index is refused: an evaluation replaces its documents (the bot's
    own, found from another folder or with CHROMA_PATH set elsewhere, was emptied: a review)."""
    from bot.answers import build_knowledge_base

    try:
        knowledge = build_knowledge_base(rt.settings, chroma_path=(index or tmp) / "chroma")
        meta = knowledge.store.read_meta()
        ours = meta.get(EVAL_MARK) is not None and meta.get(EVAL_MARK) == meta.get("documents")
        made_elsewhere = knowledge.store.count() > 0 and not ours
    except Exception as exc:  # noqa: BLE001 - whatever is in the folder, one line and the fix
        fail(f"--index {index}: cannot open an index there ({exc}); give an empty or new folder")
        raise
    if made_elsewhere:
        fail(
            f"--index {index}: it holds an index that an evaluation did not leave as it is (the bot's "
            "own, or one the bot has ingested into); an evaluation would replace its documents. Give an "
            "empty or new folder"
        )
    return knowledge


def _holds_configured_index(index: Path, settings: Any) -> bool:
    """Whether the evaluation's index under --index would be, or nest with, the bot's own (CHROMA_PATH)."""
    own, ours = Path(settings.chroma_path).resolve(), (index / "chroma").resolve()
    return own == ours or own in ours.parents or ours in own.parents


def _report_refusals(failed: list[str]) -> None:
    """Every document the evaluation could not index (its queries can only miss), people's file names
    shown as they are (never read as markup)."""
    if not failed:
        return
    err_console.print(f"[yellow]{len(failed)} document(s) skipped[/] (their queries can only miss):")
    for message in failed[:20]:
        err_console.print(f"  • {message}", markup=False, highlight=False, soft_wrap=True)
    if len(failed) > 20:
        err_console.print(f"  … and {len(failed) - 20} more", highlight=False)


def _check_expected(rows: list[dict[str, Any]], present: set[str], knowledge: Any, audience: str) -> None:
    """Queries whose expected document is not in the index (a typo, a file stem with its suffix), or is
    internal when measuring for customers: they can only miss, so say so before the figures."""
    unknown = sorted({q["expected"] for q in rows if q["expected"] and q["expected"] not in present})
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" … and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        err_console.print(
            f"[yellow]{len(unknown)} expected document id(s) are not in --kb[/] (their queries can only "
            f"miss; an id is the file name without its suffix): {escape(shown)}",
            highlight=False,
        )
    if audience == "customer":
        public = knowledge.store.doc_ids(("public",))
        hidden = sorted({q["expected"] for q in rows if q["expected"] in present} - public)
        if hidden:
            err_console.print(
                f"[yellow]{len(hidden)} expected document(s) are internal[/]: a customer is never answered "
                f"from them (use --audience staff to measure staff): {escape(', '.join(hidden[:10]))}",
                highlight=False,
            )
