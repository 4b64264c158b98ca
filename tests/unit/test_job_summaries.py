"""What a job says it did (`deskbot jobs run`, the scheduler's log, the demo's clock notice) reads as
English: counts agree with their nouns, ticket numbers are numbers, the digest says what it is."""

from __future__ import annotations

from jobs.scheduler import count, digest_summary, sweep_summary


def test_counts_agree_with_their_nouns() -> None:
    assert count(1, "ticket") == "1 ticket"
    assert count(0, "ticket") == "0 tickets"
    assert count(1, "breach", "breaches") == "1 breach"
    assert count(2, "breach", "breaches") == "2 breaches"


def test_the_sweep_names_escalated_tickets_by_number() -> None:
    assert sweep_summary(1, 0, 1, []) == "1 ticket checked: 0 warnings, 1 breach"
    assert (
        sweep_summary(12, 1, 2, [118, 120])
        == "12 tickets checked: 1 warning, 2 breaches; escalated #118, #120"
    )
    assert "[" not in sweep_summary(3, 0, 0, [])


def test_the_digest_summary_leads_with_the_digest_title() -> None:
    text = "*Weekly support digest* — 23 Nov – 29 Nov\n• Opened *12*"
    assert digest_summary(text, queued=True) == (
        "Weekly support digest — 23 Nov – 29 Nov: queued for the managers' channel\n• Opened *12*"
    )
    assert (
        digest_summary(text, queued=False)
        .split("\n")[0]
        .endswith("not queued (a dry run, already sent, or no managers' channel)")
    )
    assert not digest_summary(text, queued=True).startswith("queued:")
