"""The pipeline benchmark (registry import -> eligibility -> notifications, docs/benchmarks/pipeline.md)
runs end to end on a small import. Slow: excluded from the default run (`-m slow` runs it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pipeline.py"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_pipeline_benchmark_reports_every_stage_in_one_run() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--mode", "bulk", "--households", "2000"],
        capture_output=True,
        text=True,
        timeout=850,
        check=True,
    )
    assert "| registry import, every event on Kafka |" in done.stdout
    assert "of import |" in done.stdout
    assert "of eligibility |" in done.stdout
    assert "CPU seconds per 1,000 households" in done.stdout
