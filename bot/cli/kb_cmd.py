"""`deskbot kb …` (ingest, stats, rebuild, ask) and `deskbot eval kb`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from bot.cli.context import AUDIENCE, Runtime, console, err_console, fail, require_indexed, runtime
from bot.cli.kb_eval import eval_kb
from bot.cli.kb_relearn import relearn
from bot.cli.progress import progress as _progress
from bot.cli.route_eval import eval_route

app = typer.Typer(
    help="Build and query the knowledge base (Chroma + local embeddings).", no_args_is_help=True
)
eval_app = typer.Typer(help="Measure answer quality and routing on labelled data.", no_args_is_help=True)


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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="kb")
    root.add_typer(eval_app, name="eval")


eval_app.command("kb")(eval_kb)
eval_app.command("route")(eval_route)
