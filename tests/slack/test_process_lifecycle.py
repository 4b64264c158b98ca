"""`deskbot run --http` processes as an operator runs them: a SIGTERM (docker stop, Kubernetes,
systemd) lets the questions Slack was already told "received" get their answers before the process
exits, and a question whose process was killed outright is answered by another process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fakes.simulator import SlackSimulator, wait_for
from bot.fakes.slack import FakeSlack
from tests.slack.signing import SECRET

SUPPORT, CUSTOMER = "C0SUPPORT1", "U0CUSTOM01"
QUESTION = "How do I download my invoices as PDF?"


class Bots:
    """Start `deskbot run --http` processes sharing one database and one fake Slack."""

    def __init__(self, tmp_path: Path, fake: FakeSlack) -> None:
        self.fake = fake
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deskbot.db'}",
            "CHROMA_PATH": str(tmp_path / "chroma"),
            "RUN_SCHEDULER": "false",
            "RECOVER_EVENTS_AFTER": "4",  # above the 3 s slow call below, so only a dead process is redone
        }
        self.cwd = tmp_path
        self.procs: list[subprocess.Popen[str]] = []

    def start(self) -> tuple[subprocess.Popen[str], SlackSimulator, str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--port", "0"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if "listening on" in line:
                break
        port = re.search(r":(\d+)/slack/events", lines[-1] if lines else "")
        assert port, "".join(lines)
        url = f"http://127.0.0.1:{port[1]}/slack/events"
        return proc, SlackSimulator(events_url=url, secret=SECRET, fake=self.fake), "".join(lines)

    def answers(self, ts: str) -> list[dict]:
        return [m for m in self.fake.messages[SUPPORT] if m.get("bot_id") and m.get("thread_ts") == ts]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


@pytest.fixture
def bots(tmp_path: Path) -> Iterator[Bots]:
    fake = FakeSlack()
    started = Bots(tmp_path, fake)
    try:
        yield started
    finally:
        started.stop()
        fake.close()


def test_sigterm_finishes_acknowledged_questions_then_exits(bots: Bots) -> None:
    proc, slack, started = bots.start()
    # Slack takes 3 s to answer the :eyes: reaction, so SIGTERM lands while the question is being worked.
    bots.fake.slow("reactions.add", 3.0)
    question, delivery = slack.say(SUPPORT, CUSTOMER, QUESTION)
    assert delivery.status == 200  # acknowledged: Slack will not send it again
    wait_for(lambda: bots.fake.calls_to("reactions.add"), what="the bot to start on the question")
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, started + rest
    assert time.monotonic() - stopped_at >= 2.0, "it waited for the question in flight"
    [answer] = bots.answers(question["ts"])
    assert "Admin → Billing → Invoices" in str(answer["blocks"])
    assert "finishing 1 request(s) already acknowledged" in rest and "Stopped." in rest


def test_a_question_whose_process_was_killed_is_answered_by_another(bots: Bots) -> None:
    first, slack, _ = bots.start()
    bots.fake.slow("reactions.add", 30.0)  # the first process is stuck in the middle of the question…
    question, delivery = slack.say(SUPPORT, CUSTOMER, QUESTION)
    assert delivery.status == 200  # …which Slack has been told it received, so Slack never resends it
    wait_for(lambda: bots.fake.calls_to("reactions.add"), what="the first process to start on it")
    first.kill()  # SIGKILL: no chance to finish
    first.wait(timeout=30)
    bots.fake.slow("reactions.add", 0.0)
    assert bots.answers(question["ts"]) == []
    bots.start()  # another process (or the same one restarted) sees the question unfinished
    [answer] = wait_for(
        lambda: bots.answers(question["ts"]), timeout=60, what="the answer from the other process"
    )
    assert "Admin → Billing → Invoices" in str(answer["blocks"])
    time.sleep(5)  # two more recovery rounds: nothing is redone twice
    assert len(bots.answers(question["ts"])) == 1
