"""`deskbot run --http` as an operator runs it: SIGTERM (docker stop, Kubernetes, systemd) lets the
questions Slack was already told "received" get their answers before the process exits."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.slack_fake import FakeSlack
from bot.slack_sim import SlackSimulator, wait_for
from tests.slack.signing import SECRET

SUPPORT, CUSTOMER = "C0SUPPORT1", "U0CUSTOM01"


def test_sigterm_finishes_acknowledged_questions_then_exits(tmp_path: Path) -> None:
    fake = FakeSlack()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deskbot.db'}",
        "CHROMA_PATH": str(tmp_path / "chroma"),
        "RUN_SCHEDULER": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if "listening on" in line:
                break
        port = re.search(r":(\d+)/slack/events", lines[-1])
        assert port, "".join(lines)
        slack = SlackSimulator(
            events_url=f"http://127.0.0.1:{port[1]}/slack/events", secret=SECRET, fake=fake
        )
        # Slack takes 3 s to answer the :eyes: reaction, so SIGTERM lands while the question is being worked.
        fake.slow("reactions.add", 3.0)
        question, delivery = slack.say(SUPPORT, CUSTOMER, "How do I download my invoices as PDF?")
        assert delivery.status == 200  # acknowledged: Slack will not send it again
        wait_for(lambda: fake.calls_to("reactions.add"), what="the bot to start on the question")
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=60)[0]
        assert proc.returncode == 0, "".join(lines) + rest
        assert time.monotonic() - stopped_at >= 2.0, "it waited for the question in flight"
        answers = [
            m for m in fake.messages[SUPPORT] if m.get("bot_id") and m.get("thread_ts") == question["ts"]
        ]
        assert len(answers) == 1 and "Admin → Billing → Invoices" in str(answers[0]["blocks"])
        assert "finishing 1 request(s) already acknowledged" in rest and "Stopped." in rest
    finally:
        if proc.poll() is None:
            proc.kill()
        fake.close()
