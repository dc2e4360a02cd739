"""The DCI benchmark (docs/benchmarks/dci.md) runs end to end at a small size: every search is
answered, and during an import every subscriber receives every notification once per message id.
Slow: excluded from the default run (`-m slow` runs it); it asserts outcomes, never timings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dci.py"


def bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=850, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_search_benchmark_answers_by_document_and_by_predicate_with_its_baseline() -> None:
    out = bench("search", "--households", "3000")  # the script asserts each answer is `succ`
    assert "| by document (UIN), 300 requests |" in out
    assert re.search(r"\| by predicate .* requests \| p50 [\d.]+ ms, p95 [\d.]+ ms \| p50 [\d.]+ ms", out)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_fanout_benchmark_delivers_every_notification_to_every_subscriber_once() -> None:
    out = bench("fanout", "--households", "150", "--subscribers", "3")
    # 150 events x 3 subscribers, each delivered (at least once: a repeat keeps its message id).
    received = re.search(r"received ([\d,]+) POSTs for 450 notifications", out)
    assert received, out
    assert int(received.group(1).replace(",", "")) >= 450
    assert "| events applied to the projection |" in out
