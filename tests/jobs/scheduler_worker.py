"""One scheduler process for the failover test: `python -m tests.jobs.scheduler_worker DB SLACK T0 START SPEED`.

It runs `jobs.scheduler.serve` exactly as `deskbot scheduler` does, on a clock that runs SPEED times
faster than real time from virtual time T0 at real time START (shared by every worker, so all agree on
"now"). SIGTERM stops it cleanly; the test also kills workers with SIGKILL.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.config import SAMPLE_DIR
from bot.db import Database
from bot.support import load_support_config
from jobs.scheduler import JobContext, serve


def main(db_url: str, slack_url: str, t0: str, start: str, speed: str) -> None:
    virtual_start, real_start, factor = datetime.fromisoformat(t0), float(start), float(speed)

    def clock() -> datetime:
        return virtual_start + timedelta(seconds=(time.time() - real_start) * factor)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ctx = JobContext(
        db=Database(db_url),
        config=load_support_config(SAMPLE_DIR / "support.yaml"),
        client=WebClient(token="xoxb-test", base_url=slack_url),  # 429s are the outbox's to handle
        clock=clock,
    )
    serve(
        ctx, stop=stop, poll=0.2, speed=factor, on_leader=lambda leader: print(f"leader={leader}", flush=True)
    )


if __name__ == "__main__":
    main(*sys.argv[1:6])
