"""The citizen-attention benchmark (docs/benchmarks.md, "Citizen attention") runs end to end at a
small size: every attention is recorded and stored with its outbox row, and every query answers
with its baseline. Slow: excluded from the default run (`-m slow` runs it); it asserts outcomes,
never timings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_attention.py"


def bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=850, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_record_benchmark_stores_every_attention_with_its_event() -> None:
    out = bench("record", "--attentions", "300", "--workers", "4")
    assert "recorded through POST /v1/attentions: 300 in" in out
    assert "stored 300, outbox rows" in out
    assert re.search(r"GET /v1/municipalities/150142: n=300 p50 [\d.]+ ms", out)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_queries_benchmark_answers_every_query_with_its_baseline() -> None:
    out = bench("queries", "--records", "3000", "--small", "500", "--repeat", "3")
    assert "== 3,000 attentions" in out
    assert "== 500 attentions" in out
    for label in ("dashboard: one office, one day", "figures, 366 days", "process map S100 (SVG), 30 days"):
        assert re.search(re.escape(label) + r".*: n=\d+ p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms", out), (
            label
        )
    assert out.count("raw aggregate SQL: n=") == 8 + 1
