"""After `deskbot kb ingest` changed the knowledge base: say whether it calibrated, learn new verdicts."""

from __future__ import annotations

from typing import Any

from bot.cli.context import Runtime, console, err_console


def relearn(rt: Runtime, kb: Any) -> None:
    """The KB recalibrated itself on its new content (relearning the verdicts it was last taught, see
    `KnowledgeBase.calibrate`); verdicts given since are learned now, not at the next hourly
    `kb_recalibrate` run. Says so when the KB could not calibrate at all."""
    from bot.answers import recalibrate

    if not kb.curve.calibrated:
        err_console.print(
            "[yellow]not calibrated[/]: too few articles (or nothing in them) to tell a question the knowledge "
            "base answers from one it does not; the bot abstains and offers a ticket until more are added",
            highlight=False,
            soft_wrap=True,
        )
    try:
        line = recalibrate(db=rt.db, kb=kb, now=rt.clock())
    except Exception as exc:  # noqa: BLE001 - the index is written; the job relearns the verdicts later
        err_console.print(
            f"[yellow]verdicts not relearned yet[/] ({exc}): the hourly kb_recalibrate job will",
            highlight=False,
            soft_wrap=True,
        )
        return
    if line.startswith("refitted"):
        console.print(f"people's verdicts learned: {line}", highlight=False)
