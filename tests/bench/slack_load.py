"""Slack event load: signed message events at a fixed rate from a second process into the bolt app
(HTTP mode, real knowledge base), answers posted to the fake Slack Web API.

Run: `make bench-slack` (or `.venv/bin/python -m tests.bench.slack_load [--rates 10 25] [--seconds 20]`).
Ack latency = HTTP response time seen by the sender; answer latency = event sent → chat.postMessage
with the answer recorded by the fake Slack.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import threading
import time
from pathlib import Path

from bot.answers import AnswerService
from bot.app import Deps, build_app
from bot.config import SAMPLE_DIR, Settings
from bot.db import Database
from bot.fakes.slack import FakeSlack
from bot.migrations import upgrade
from bot.server import make_http_server
from bot.support import load_support_config
from bot.timeutil import utcnow
from knowledge.base import KnowledgeBase
from knowledge.embedding import LocalEmbedder
from knowledge.store import VectorStore
from tests.bench.common import report

SECRET = "bench-secret"
QUESTIONS = [
    "How do I download my invoice?",
    "I lost my phone, how do I get past two-factor authentication?",
    "What are the API rate limits?",
    "How can I export all our data?",
    "Our card was declined, what now?",
    "How do I connect Slack notifications?",
    "Can I get a refund on the annual plan?",
    "Where do I enter our VAT number?",
]


def send_load(
    url: str | list[str],
    rate: float,
    seconds: float,
    out: mp.Queue,
    secret: str = SECRET,  # type: ignore[type-arg]
) -> None:
    """The second process: one event every 1/rate s (each on its own thread, like Slack's fan-out),
    spread round-robin over `url` when it lists several bot processes (the load balancer)."""
    from bot.fakes.simulator import SlackSimulator

    urls = [url] if isinstance(url, str) else url
    sims = [SlackSimulator(events_url=u, secret=secret, fake=None) for u in urls]  # type: ignore[arg-type]
    results: list[tuple[str, float, float, int]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        ts = f"{1_800_000_000 + int(rate) * 100_000 + i}.000200"  # unique across rates
        event = {
            "type": "message",
            "channel": "C0SUPPORT1",
            "channel_type": "channel",
            "user": f"U0LOAD{i % 50:04d}",
            "text": QUESTIONS[i % len(QUESTIONS)],
            "ts": ts,
        }
        sent = time.time()
        delivery = sims[i % len(sims)].event(
            event, event_id=f"EvLoad{int(rate)}x{i:06d}"
        )  # unique across runs
        with lock:
            results.append((ts, sent, delivery.seconds, delivery.status))

    threads = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one, args=(i,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    out.put(results)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def measure(fake: FakeSlack, urls: list[str], rate: float, seconds: float, secret: str = SECRET) -> dict:
    """Load from a second process; ack and answer latencies as seen by Slack."""
    queue: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
    sender = mp.get_context("spawn").Process(target=send_load, args=(urls, rate, seconds, queue, secret))
    sender.start()
    results = queue.get(timeout=seconds * 10 + 120)
    sender.join()
    deadline = time.time() + 90
    sent_at = {ts: sent for ts, sent, _, _ in results}
    while time.time() < deadline:
        answered = {c.args.get("thread_ts"): c.at for c in fake.calls_to("chat.postMessage")}
        if len(set(sent_at) & set(answered)) >= len(sent_at):
            break
        time.sleep(0.2)
    answer_latency = [answered[ts] - sent for ts, sent in sent_at.items() if ts in answered]
    acks = [seconds for _, _, seconds, _ in results]
    finished = max((answered[ts] for ts in sent_at if ts in answered), default=0.0)
    served_per_s = len(answer_latency) / (finished - min(sent_at.values())) if answer_latency else 0.0
    told_error = {
        c.args.get("thread_ts")
        for c in fake.calls_to("chat.postEphemeral")
        if "ref `" in c.args.get("text", "")
    } & set(sent_at)
    return {
        "rate_per_s": rate,
        "events": len(results),
        "errors": sum(1 for *_, status in results if status != 200),
        "ack_p50_ms": pct(acks, 0.5),
        "ack_p99_ms": pct(acks, 0.99),
        "acks_over_3s": sum(1 for a in acks if a > 3),
        "answered": len(answer_latency),
        "told_something_went_wrong": len(told_error),
        "answers_per_s": round(served_per_s, 1),  # from the first event sent to the last answer posted
        "answer_p50_ms": pct(answer_latency, 0.5) if answer_latency else None,
        "answer_p95_ms": pct(answer_latency, 0.95) if answer_latency else None,
    }


def in_process(rates: list[float], seconds: float) -> None:
    """The bolt app in this process on SQLite and the embedded store (the single-process figure)."""
    with tempfile.TemporaryDirectory(prefix="deskbot-bench-slack-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        config = load_support_config(SAMPLE_DIR / "support.yaml")
        kb = KnowledgeBase(store=VectorStore(path=Path(tmp) / "chroma"), embedder=LocalEmbedder())
        kb.ingest([SAMPLE_DIR / "kb"])
        kb.warm_up()
        for rate in rates:
            fake = FakeSlack()
            settings = Settings(
                slack_bot_token=fake.token, slack_signing_secret=SECRET, slack_api_url=fake.url
            )
            answers = AnswerService.from_config(kb=kb, config=config, db=db, clock=utcnow)
            app = build_app(Deps(settings=settings, config=config, db=db, answers=answers))
            server = make_http_server(app, db, port=0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
            figures = measure(fake, [url], rate, seconds)
            report(f"slack_events_{int(rate)}rps", "make bench-slack", {**figures, "processes": 1})
            server.shutdown()
            server.server_close()
            fake.close()


def scaled_out(processes: list[int], rates: list[float], seconds: float) -> None:
    """N `deskbot run --http` processes on PostgreSQL and a Chroma server, the load spread round-robin."""
    from tests.bench.cluster import SECRET as CLUSTER_SECRET
    from tests.bench.cluster import cluster

    for n in processes:
        with cluster(n) as c:
            report(
                f"cold_start_{n}proc",
                "make bench-scale",
                {"processes": n, "seconds_to_ready_per_process": round(c.cold_start_s, 1)},
            )
            for rate in rates:
                figures = measure(c.fake, [b.url for b in c.bots], rate, seconds, CLUSTER_SECRET)
                report(
                    f"slack_events_{int(rate)}rps_{n}proc",
                    "make bench-scale",
                    {**figures, "processes": n, "database": "postgresql", "vectors": "chroma server"},
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 25])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        help="scale out: N `deskbot run --http` processes on PostgreSQL + a Chroma server (e.g. 1 3)",
    )
    args = parser.parse_args()
    if args.processes:
        scaled_out(args.processes, args.rates, args.seconds)
    else:
        in_process(args.rates, args.seconds)


if __name__ == "__main__":
    main()
