"""`deskbot kb …` (ingest, stats, rebuild, ask) and `deskbot eval kb`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from bot.cli.context import Runtime, console, err_console, fail, require_indexed, runtime
from bot.cli.kb_relearn import relearn
from bot.cli.route_eval import eval_route

app = typer.Typer(
    help="Build and query the knowledge base (Chroma + local embeddings).", no_args_is_help=True
)
eval_app = typer.Typer(help="Measure answer quality and routing on labelled data.", no_args_is_help=True)

AUDIENCE = typer.Option("customer", "--audience", "-a", help="customer (public docs only) or staff (all).")


def _kb(rt: Runtime):  # type: ignore[no-untyped-def]
    from bot.answers import build_knowledge_base
    from knowledge.lexical import LexicalIndexError

    try:
        return build_knowledge_base(rt.settings)
    except LexicalIndexError as exc:
        fail(str(exc))
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. Chroma server unreachable
        where = rt.settings.chroma_url or rt.settings.chroma_path
        fail(f"cannot open the vector store at {where}: {exc}")
        raise


def _checked(knowledge, *, lexical: bool = False):  # type: ignore[no-untyped-def]
    """The knowledge base, if its index was built by this engine (else the error says how to rebuild);
    with `lexical`, also if its lexical index is there and current (ingestion fills an empty one)."""
    from knowledge import indexes
    from knowledge.lexical import LexicalIndexError
    from knowledge.results import EngineMismatch

    try:
        knowledge.check_engine()
        if lexical or knowledge.lexical.problem:
            indexes.check(knowledge.store, knowledge.lexical)
    except (EngineMismatch, LexicalIndexError) as exc:
        fail(str(exc))
    return knowledge


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on stderr (when it is a terminal) and the callback that moves it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}", style="dim"),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, what: str = "") -> None:
            bar.update(task, completed=done, total=total, description=Path(what).name if what else "")

        yield update


def _ingest(rt: Runtime, paths: list[Path], *, prune: bool) -> None:
    from knowledge.documents import SourceError

    rules = rt.config.knowledge.visibility.rules()  # a config that cannot be read stops here
    kb = _checked(_kb(rt))
    with _progress("Indexing") as progress:
        try:
            report = kb.ingest(
                paths, prune=prune, progress=progress, root=rt.settings.kb_sources, rules=rules
            )
        except SourceError as exc:
            fail(str(exc))
            return
    if report.backfilled:
        err_console.print(
            f"[yellow]lexical index upgraded:[/] {report.backfilled} documents copied from the vector store "
            f"into {kb.lexical.where} (not re-embedded)",
            highlight=False,
            soft_wrap=True,
        )
    for note in report.notes:  # file names are people's text: never read as markup ("faq [draft].md")
        err_console.print(f"[dim]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    for problem in report.failed:
        err_console.print(f"[yellow]refused[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if report.withdrawn:
        err_console.print(
            f"[yellow]withdrawn from customers until fixed:[/] {', '.join(report.withdrawn)}",
            highlight=False,
            soft_wrap=True,
        )
    if report.gone:
        err_console.print(
            f"[yellow]{len(report.gone)} document(s) moved[/] ({escape(', '.join(report.gone[:10]))}"
            f"{' …' if len(report.gone) > 10 else ''}): their old copies are withdrawn from customers; "
            "`deskbot kb ingest --prune` removes them for staff too",
            highlight=False,
            soft_wrap=True,
        )
    if report.missing:
        err_console.print(
            f"[yellow]{len(report.missing)} document(s) have no file here any more[/] "
            f"({escape(', '.join(report.missing[:10]))}{' …' if len(report.missing) > 10 else ''}): still "
            "answered from; `deskbot kb ingest --prune` removes them (documents from a folder outside "
            "KB_SOURCES are listed too: ingest that folder with --prune instead)",
            highlight=False,
            soft_wrap=True,
        )
    if report.legacy:
        err_console.print(
            f"[yellow]{len(report.legacy)} documents were indexed by an older Deskbot[/] (ids by file "
            "name, visibility not fail-closed): run `deskbot kb rebuild` so none stays public by mistake",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"[green]✓[/] {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {len(report.failed)} failed — {report.chunks} chunks in "
        f"{report.seconds:.1f} s",
        highlight=False,
    )
    if report.added or report.updated or report.removed:
        relearn(rt, kb)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: KB_SOURCES)."),
    prune: bool = typer.Option(False, "--prune", help="Remove documents whose source file is gone."),
) -> None:
    """Index Markdown (YAML front matter), text, HTML and PDF files; unchanged files are skipped."""
    rt = runtime(ctx)
    _ingest(rt, paths or [rt.settings.kb_sources], prune=prune)


@app.command()
def rebuild(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: KB_SOURCES)."),
) -> None:
    """Drop the index and build it again from the source files."""
    rt = runtime(ctx)
    _kb(rt).reset()  # both indexes; also forgets which engine built it: the new index records the current one
    _ingest(rt, paths or [rt.settings.kb_sources], prune=True)


@app.command()
def stats(ctx: typer.Context) -> None:
    """Documents and chunks in the index."""
    rt = runtime(ctx)
    knowledge = _kb(rt)
    figures = knowledge.stats()
    built = knowledge.store.read_meta().get("engine") or "unrecorded"
    where = rt.settings.chroma_url or rt.settings.chroma_path
    console.print(
        f"{where}: {figures['documents']} documents ({figures['internal_documents']} internal), "
        f"{figures['chunks']} chunks; built with {built} (this process uses {knowledge.embedder.name}); "
        f"lexical index {knowledge.lexical.where}: {knowledge.lexical.count()} chunks",
        highlight=False,
    )


@app.command()
def ask(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question, in quotes."),
    audience: str = AUDIENCE,
) -> None:
    """Answer a question exactly as the bot would in Slack: answer, sources, confidence, timing."""
    from bot.answers import AnswerService

    if audience not in ("customer", "staff"):
        fail(f"--audience must be customer or staff, not {audience!r}")
    rt = runtime(ctx)
    knowledge = _kb(rt)
    require_indexed(rt.settings, knowledge)  # a fresh clone: say what to run, not "no documents"
    _checked(knowledge, lexical=True)
    loaded = knowledge.warm_up()
    # not logged: an operator trying questions is not the desk's traffic (a review's eight tries of one
    # question counted as eight right answers in the next refit, in `kb gaps` and in the deflection KPI)
    service = AnswerService.from_config(kb=knowledge, config=rt.config, db=None, clock=rt.clock)
    answer = service.answer(question, audience=audience, user=rt.actor).answer  # type: ignore[arg-type]
    if answer.searched_for:
        console.print(
            f"Searched for: {answer.searched_for}  (misspelt words corrected)", highlight=False, markup=False
        )
    if answer.grounded:
        console.print(answer.text, highlight=False, markup=False)
    else:
        console.print(f"[yellow]Abstained:[/] {answer.why_not}", highlight=False)
        if answer.related:
            offered = ", ".join(f"{s.title} ({s.doc_id})" for s in answer.related)
            console.print(
                f"Offered as possibly related, not as the answer: {offered}", highlight=False, markup=False
            )
    for i, source in enumerate(answer.sources, 1):
        console.print(
            f"  [{i}] {source.title}  ({source.doc_id}, score {source.score:.3f})"
            + (f"  {source.url}" if source.url else ""),
            highlight=False,
            markup=False,
        )
    console.print(
        f"confidence {answer.confidence:.2f} · answered in {answer.elapsed_ms:.0f} ms "
        f"(model and index loaded in {loaded:.1f} s) · question language {answer.language or 'unclear'}"
        + (f" · passage in {answer.passage_language}" if answer.passage_language else "")
        + f" · engine {answer.engine}",
        highlight=False,
    )


@app.command()
def calibrate(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the curves as JSON."),
) -> None:
    """Refit the answer/abstain curve with people's verdicts; show the curve and what changed."""
    from bot.answers import verdicts
    from knowledge.calibration import UNCALIBRATED, compare

    rt = runtime(ctx)
    knowledge = _checked(_kb(rt))
    with rt.db.session() as s:
        right, wrong = verdicts(s, now=rt.clock())
    before, after = knowledge.learn(right, wrong)
    threshold = knowledge.decision.threshold
    summary = {"engine": knowledge.embedder.name, **compare(before, after, threshold)}
    summary["feedback"] = {"right": len(right), "wrong": len(wrong)}
    rows = summary["curve"]
    if as_json:
        print(json.dumps(summary))
        return
    console.print(
        f"Engine {summary['engine']}; self-calibrated on {len(after.near_miss)} near misses and "
        f"{len(after.found)} found articles (the KB's titles and partial titles asked as questions); "
        f"feedback: {len(right)} answers right, {len(wrong)} wrong.",
        highlight=False,
    )
    console.print(" P(right)  evidence before → after   near misses answered   titles found answered")
    for r in rows:
        console.print(
            f"   {r['probability']:.2f}     {_evidence(r['evidence_before'])} → {_evidence(r['evidence_after'])}"
            f"        {r['near_misses_answered']:.2f}                  {r['found_answered']:.2f}",
            highlight=False,
        )
    b, a = summary["answers_above_evidence"]["before"], summary["answers_above_evidence"]["after"]
    if a is None:
        console.print(
            f"The knowledge base {UNCALIBRATED}: the bot abstains and offers a ticket. Add articles, then "
            "run `deskbot kb ingest`.",
            highlight=False,
        )
        return
    change = "more permissive" if b is None or a < b - 1e-4 else ("stricter" if a > b + 1e-4 else "unchanged")
    console.print(
        f"At KB_ANSWER_THRESHOLD={threshold:.2f} the bot answers above evidence {a:.3f} "
        f"(was {_evidence(b).strip()}: {change}).",
        highlight=False,
    )


def _evidence(value: float | None) -> str:
    """An evidence level for the curve table; "never" where the curve does not reach it."""
    return f"{value:7.3f}" if value is not None else "  never"


@app.command()
def gaps(
    ctx: typer.Context,
    days: int = typer.Option(7, min=1, max=366, help="How far back to look."),
    limit: int = typer.Option(20, min=1, max=500, help="How many questions to list."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead."),
) -> None:
    """The questions the bot could not answer, most asked first: what to write next."""
    from bot.cli.kb_gaps import report

    report(runtime(ctx), days=days, limit=limit, as_json=as_json)


INDEX_HELP = (
    "Keep the index in this folder and reuse it next time (unchanged files are not embedded again; the KB "
    "recalibrates itself when this version decides differently). Default: a fresh temporary index."
)


@eval_app.command("kb")
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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="kb")
    root.add_typer(eval_app, name="eval")


eval_app.command("route")(eval_route)
