"""A scaled-out Deskbot on 127.0.0.1 for the load and reliability benchmarks: a fresh PostgreSQL
database, a real `chroma run` server holding the sample help centre, N `deskbot run --http` processes
(as operators start them), the fake Slack Web API in this process, and a sender that behaves like
Slack (signed requests, a 3 s ack timeout, retries with X-Slack-Retry-Num)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import SAMPLE_DIR
from bot.fakes.simulator import Delivery, SlackSimulator
from bot.fakes.slack import FakeSlack

PG_ADMIN_URL = os.environ.get("DESKBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "cluster-secret"
SLACK_ACK_TIMEOUT = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on {port} within {timeout:.0f} s")


@dataclass
class Chroma:
    path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        wait_port(self.port, timeout=60, what="chroma run")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Bot:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


class Cluster:
    """Start with `with cluster(n) as c:`; `c.bots` are the bot processes, `c.fake` the Slack Web API."""

    def __init__(self, tmp: Path, database_url: str) -> None:
        self.tmp = tmp
        self.database_url = database_url
        self.fake = FakeSlack()
        self.chroma = Chroma(path=tmp / "chroma-server")
        self.bots: list[Bot] = []
        self.cold_start_s = 0.0  # seconds from starting the bot processes to listening, per process
        self._rr = 0
        self._lock = threading.Lock()

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CHROMA_URL": self.chroma.url,
            "SLACK_API_URL": self.fake.url,
            "SLACK_BOT_TOKEN": self.fake.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "RUN_SCHEDULER": "false",
            "RECOVER_EVENTS_AFTER": "5",  # an event a killed process left is redone after 5 s
            "KB_SOURCES": str(SAMPLE_DIR / "kb"),
            "LOG_FORMAT": "json",
            "ANONYMIZED_TELEMETRY": "False",
            "HF_HUB_OFFLINE": "1",
        }

    def deskbot(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], env=self.env(), capture_output=True, text=True, check=True
        )

    def start_bot(self) -> Bot:
        port = free_port()
        log = self.tmp / f"bot-{port}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--port", str(port)],
            env=self.env(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            cwd=self.tmp,
        )
        bot = Bot(port, proc, log)
        wait_port(port, timeout=180, what=f"deskbot run (log: {log})")
        self.bots.append(bot)
        return bot

    def live_bots(self) -> list[Bot]:
        return [b for b in self.bots if b.proc.poll() is None]

    def next_bot(self) -> Bot:
        with self._lock:
            live = self.live_bots()
            self._rr += 1
            return live[self._rr % len(live)]

    def sim(self, bot: Bot) -> SlackSimulator:
        return SlackSimulator(events_url=bot.url, secret=SECRET, fake=self.fake)

    def deliver_like_slack(self, event: dict[str, Any], *, event_id: str, retries: int = 3) -> list[Delivery]:
        """Send an event to the next bot as Slack does: on a failed or late ack (3 s), retry up to
        three times (X-Slack-Retry-Num), each time to whichever process the load balancer picks."""
        out = []
        for attempt in range(retries + 1):
            sim = self.sim(self.next_bot())
            try:
                delivery = sim.event(event, event_id=event_id, retry=attempt, timeout=SLACK_ACK_TIMEOUT)
            except OSError as exc:  # refused, reset or timed out: Slack treats it as a failed ack
                delivery = Delivery(0, type(exc).__name__, SLACK_ACK_TIMEOUT)
            out.append(delivery)
            if delivery.status == 200 and delivery.seconds <= SLACK_ACK_TIMEOUT:
                break
            time.sleep(min(2**attempt, 4) * 0.25)  # Slack backs off; compressed here
        return out

    def stop(self) -> None:
        for bot in self.bots:
            if bot.proc.poll() is None:
                bot.proc.send_signal(signal.SIGINT)
        for bot in self.bots:
            try:
                bot.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                bot.proc.kill()
        self.chroma.kill()
        self.fake.close()
        keep = os.environ.get("DESKBOT_CLUSTER_LOGS")  # keep the bots' JSON logs for a post-mortem
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for bot in self.bots:
                shutil.copy(bot.log, Path(keep) / bot.log.name)


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"deskbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def cluster(processes: int) -> Iterator[Cluster]:
    """PostgreSQL + a Chroma server with the sample KB + `processes` bot processes."""
    with tempfile.TemporaryDirectory(prefix="deskbot-cluster-") as tmp, postgres_database() as url:
        c = Cluster(Path(tmp), url)
        try:
            c.chroma.start()
            c.deskbot("db", "upgrade")
            c.deskbot("kb", "ingest", str(SAMPLE_DIR / "kb"))
            started = time.perf_counter()
            for _ in range(processes):
                c.start_bot()
            c.cold_start_s = (time.perf_counter() - started) / processes
            yield c
        finally:
            c.stop()


def healthy(bot: Bot) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
