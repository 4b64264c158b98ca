"""The reliability suite's long part: faults against a scaled-out Deskbot, with the counts printed.

Run: `make reliability` (or `.venv/bin/python -m tests.bench.reliability [--only NAME ...]`).
Each scenario prints one JSON line and appends it to BENCHMARKS.md. The fast part runs in `make test`
(duplicate and concurrent deliveries, leader failover with SIGKILL and 429s, crash between send and
mark-sent, outbox storms).

Scenarios, all on PostgreSQL + a Chroma server + 3 `deskbot run --http` processes:
- duplicates: every event delivered three times at once, to three different processes;
- kill9: a process is frozen mid-request (SIGSTOP, so the ack never comes), Slack's retry goes to
  another process, then the frozen one is SIGKILLed;
- kill_after_ack: a process acknowledges a question, starts on it and is SIGKILLed (Slack never
  resends an acknowledged event; another process's recovery must answer it);
- outbox_storm: 300 notifications through a Slack answering 30% 429 and 20% 500;
- postgres_restart: PostgreSQL restarted under a steady load (the bots are not restarted);
- chroma_restart: the Chroma server killed and started again under load.
Counted per event: answered once, answered more than once, told "something went wrong" (never
silent), or nothing at all (lost).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.cluster import Cluster, cluster, healthy
from tests.bench.common import report

QUESTION = "How do I download my invoice?"


def _event(i: int, base: int) -> tuple[dict[str, Any], str]:
    ts = f"{base + i}.000300"
    event = {
        "type": "message",
        "channel": "C0SUPPORT1",
        "channel_type": "channel",
        "user": f"U0REL{i % 40:04d}",
        "text": QUESTION,
        "ts": ts,
    }
    return event, ts


def _outcomes(c: Cluster, sent: list[str], *, wait: float = 60) -> Counter[str]:
    """answered_once / answered_twice_or_more / error_reply / lost, per event ts."""
    deadline = time.time() + wait
    while True:
        answers = Counter(
            call.args.get("thread_ts")
            for call in c.fake.calls_to("chat.postMessage")
            if call.args.get("thread_ts") in set(sent)
        )
        if len(answers) >= len(sent) or time.time() > deadline:
            break
        time.sleep(0.5)
    errors = {
        call.args.get("thread_ts")
        for call in c.fake.calls_to("chat.postEphemeral")
        if "ref `" in call.args.get("text", "")
    }
    out: Counter[str] = Counter()
    for ts in sent:
        n = answers.get(ts, 0)
        out[
            "answered_once"
            if n == 1
            else "answered_more_than_once"
            if n > 1
            else "error_reply"
            if ts in errors
            else "lost"
        ] += 1
    return out


def duplicates(c: Cluster) -> dict[str, Any]:
    sent = []
    for i in range(30):
        event, ts = _event(i, 1_810_000_000)
        threads = [
            threading.Thread(
                target=lambda bot=bot, r=r, event=event, i=i: c.sim(bot).event(
                    event, event_id=f"EvDup{i}", retry=r
                )
            )
            for r, bot in enumerate(c.live_bots()[:3])
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent.append(ts)
    return {"events": len(sent), "deliveries_per_event": 3, **_outcomes(c, sent)}


def kill9(c: Cluster) -> dict[str, Any]:
    sent, kills, statuses = [], 0, []
    for i in range(5):
        victim = c.live_bots()[0]
        victim.proc.send_signal(signal.SIGSTOP)  # mid-request: the request is accepted, never answered
        event, ts = _event(i, 1_820_000_000)
        with contextlib.suppress(OSError):  # Slack sees no ack within 3 s
            c.sim(victim).event(event, event_id=f"EvKill{i}", timeout=3.0)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        kills += 1
        retries = c.deliver_like_slack(event, event_id=f"EvKill{i}")  # Slack's retries reach a live process
        statuses.append([d.status for d in retries])
        sent.append(ts)
        c.start_bot()  # the orchestrator replaces the dead process
    return {"events": len(sent), "processes_killed": kills, "retry_statuses": statuses, **_outcomes(c, sent)}


def outbox_storm(_: Cluster | None = None) -> dict[str, Any]:
    from bot.db import Database
    from bot.fakes.slack import FakeSlack
    from bot.migrations import upgrade
    from tests.bench.cluster import postgres_database
    from tests.outbox_storm import storm

    with postgres_database() as url:
        db = Database(url)
        upgrade(db)
        fake = FakeSlack()
        fake.fail_randomly(0.3, server_errors=0.2)
        now = datetime(2026, 12, 1, 9, tzinfo=UTC)
        keys, rounds = storm(db, fake, count=300, now=now, limit=100, max_rounds=1000)
        calls = len(fake.calls_to("chat.postMessage"))
        fake.close()
        db.dispose()
    return {
        "notifications": 300,
        "slack_calls": calls,
        "refused_calls": calls - sum(keys.values()),
        "delivered_once": sum(1 for n in keys.values() if n == 1),
        "delivered_more_than_once": sum(1 for n in keys.values() if n > 1),
        "lost": 300 - len(keys),
        "delivery_rounds": rounds,
    }


def _steady_load(
    c: Cluster, *, base: int, seconds: float, rate: float, fault_at: float, fault: Any
) -> list[str]:
    sent: list[str] = []
    threads = []
    start = time.perf_counter()
    fault_thread = threading.Thread(target=lambda: (time.sleep(fault_at), fault()))
    fault_thread.start()
    for i in range(int(seconds * rate)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        event, ts = _event(i, base)
        t = threading.Thread(target=c.deliver_like_slack, args=(event,), kwargs={"event_id": f"Ev{base}x{i}"})
        t.start()
        threads.append(t)
        sent.append(ts)
    for t in threads:
        t.join()
    fault_thread.join()
    return sent


def postgres_restart(c: Cluster) -> dict[str, Any]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]

    def restart() -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            capture_output=True,
        )

    sent = _steady_load(c, base=1_830_000_000, seconds=20, rate=5, fault_at=6, fault=restart)
    return {
        "events": len(sent),
        "bots_restarted": 0,
        "bots_healthy_after": sum(map(healthy, c.live_bots())),
        **_outcomes(c, sent),
    }


def chroma_restart(c: Cluster) -> dict[str, Any]:
    def bounce() -> None:
        c.chroma.kill()
        time.sleep(3)
        c.chroma.start()

    sent = _steady_load(c, base=1_840_000_000, seconds=20, rate=5, fault_at=6, fault=bounce)
    late = sent[-25:]  # the last 5 s, well after the restart
    unavailable = {
        call.args.get("thread_ts")
        for call in c.fake.calls_to("chat.postMessage")
        if "can't search our help centre" in call.args.get("text", "")
    }
    return {
        "events": len(sent),
        "told_search_unavailable": len(unavailable & set(sent)),
        **_outcomes(c, sent),
        "answered_once_in_last_5s": _outcomes(c, late, wait=1)["answered_once"],
    }


def kill_after_ack(c: Cluster) -> dict[str, Any]:
    """A process acknowledges a question, starts on it, and is SIGKILLed: Slack never resends it, so
    only Deskbot's own recovery can answer it."""
    sent, kills = [], 0
    for i in range(5):
        victim = c.live_bots()[0]
        c.fake.slow("reactions.add", 60.0)  # the victim gets stuck in the middle of the question
        started = len(c.fake.calls_to("reactions.add"))
        event, ts = _event(i, 1_830_000_000)
        assert c.sim(victim).event(event, event_id=f"EvAcked{i}").status == 200  # acked: never resent
        deadline = time.time() + 30
        while len(c.fake.calls_to("reactions.add")) == started and time.time() < deadline:
            time.sleep(0.05)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        kills += 1
        c.fake.slow("reactions.add", 0.0)
        sent.append(ts)
        c.start_bot()
    return {"events": len(sent), "processes_killed_after_ack": kills, **_outcomes(c, sent, wait=90)}


SCENARIOS = {
    "duplicates": duplicates,
    "outbox_storm": outbox_storm,
    "postgres_restart": postgres_restart,
    "chroma_restart": chroma_restart,
    "kill9": kill9,
    "kill_after_ack": kill_after_ack,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS))
    args = parser.parse_args()
    chosen = args.only or list(SCENARIOS)
    if "outbox_storm" in chosen:
        report("reliability_outbox_storm", "make reliability", outbox_storm())
    rest = [name for name in chosen if name != "outbox_storm"]
    if not rest:
        return
    with cluster(3) as c:
        for name in rest:
            report(f"reliability_{name}", "make reliability", SCENARIOS[name](c))


if __name__ == "__main__":
    main()
