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
from bot.migrations import upgrade
from bot.server import make_http_server
from bot.slack_fake import FakeSlack
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


def send_load(url: str, rate: float, seconds: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """The second process: one event every 1/rate s (each on its own thread, like Slack's fan-out)."""
    from bot.slack_sim import SlackSimulator

    sim = SlackSimulator(events_url=url, secret=SECRET, fake=None)  # type: ignore[arg-type]
    results: list[tuple[str, float, float, int]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        ts = f"{1_800_000_000 + i}.000200"
        event = {
            "type": "message",
            "channel": "C0SUPPORT1",
            "channel_type": "channel",
            "user": f"U0LOAD{i % 50:04d}",
            "text": QUESTIONS[i % len(QUESTIONS)],
            "ts": ts,
        }
        sent = time.time()
        delivery = sim.event(event, event_id=f"EvLoad{int(rate)}x{i:06d}")  # unique across runs
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 25])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deskbot-bench-slack-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        config = load_support_config(SAMPLE_DIR / "support.yaml")
        kb = KnowledgeBase(store=VectorStore(path=Path(tmp) / "chroma"), embedder=LocalEmbedder())
        kb.ingest([SAMPLE_DIR / "kb"])
        kb.warm_up()
        for rate in args.rates:
            fake = FakeSlack()
            settings = Settings(
                slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=fake.url
            )
            answers = AnswerService.from_config(kb=kb, config=config, db=db, clock=utcnow)
            app = build_app(Deps(settings=settings, config=config, db=db, answers=answers))
            server = make_http_server(app, db, port=0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
            queue: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
            sender = mp.get_context("spawn").Process(target=send_load, args=(url, rate, args.seconds, queue))
            sender.start()
            results = queue.get(timeout=args.seconds * 10 + 120)
            sender.join()
            deadline = time.time() + 60
            sent_at = {ts: sent for ts, sent, _, _ in results}
            while time.time() < deadline:
                answered = {c.args.get("thread_ts"): c.at for c in fake.calls_to("chat.postMessage")}
                if len(set(sent_at) & set(answered)) >= len(sent_at):
                    break
                time.sleep(0.2)
            answer_latency = [answered[ts] - sent for ts, sent in sent_at.items() if ts in answered]
            acks = [seconds for _, _, seconds, _ in results]
            report(
                f"slack_events_{int(rate)}rps",
                "make bench-slack",
                {
                    "rate_per_s": rate,
                    "events": len(results),
                    "errors": sum(1 for *_, status in results if status != 200),
                    "ack_p50_ms": pct(acks, 0.5),
                    "ack_p99_ms": pct(acks, 0.99),
                    "acks_over_3s": sum(1 for a in acks if a > 3),
                    "answered": len(answer_latency),
                    "answer_p50_ms": pct(answer_latency, 0.5) if answer_latency else None,
                    "answer_p95_ms": pct(answer_latency, 0.95) if answer_latency else None,
                    "processes": 1,
                },
            )
            server.shutdown()
            server.server_close()
            fake.close()


if __name__ == "__main__":
    main()
