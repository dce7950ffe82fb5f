"""The benchmark harness in its tiny mode: simulators and gateway as subprocesses, one query, a few requests.

Keeps ``make bench`` working without running it (the full run takes minutes).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from benchmarks.__main__ import main
from benchmarks.load import LoadResult, parse_upstream_calls


def test_smoke_run_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    started = time.monotonic()
    assert main(["--smoke", "--out", str(out)]) == 0
    assert time.monotonic() - started < 20
    report = out.read_text()
    for heading in ("# Benchmarks", "## Method", "## Results", "## Upstream calls: minimum and why"):
        assert heading in report
    row = next(line for line in report.splitlines() if line.startswith("| Scale jobs first 50 + jobType"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # Cold: the list and one job-type batch (the minimum); warm: the list alone.
    # The repeat comes within the freshness window (list_freshness_s): no upstream call at all.
    assert cells[1] == "2 / 0" and cells[2] == "2"
    p50, p99, rate = float(cells[3]), float(cells[4]), float(cells[5])
    assert 0 < p50 <= p99 and rate > 0
    assert cells[-1] == "0", "requests failed under load"
    assert re.search(r"at commit \S+", report)


def test_metrics_parsing_and_percentiles() -> None:
    text = """# HELP job_gateway_upstream_requests_total Upstream HTTP requests.
# TYPE job_gateway_upstream_requests_total counter
job_gateway_upstream_requests_total{operation="list_jobs",outcome="ok",source="SCALE"} 3.0
job_gateway_upstream_requests_total{operation="list_jobs",outcome="UNAVAILABLE",source="SCALE"} 2.0
job_gateway_upstream_requests_total{operation="get_job",outcome="ok",source="LEIA"} 20.0
job_gateway_upstream_requests_created{operation="get_job",outcome="ok",source="LEIA"} 1.7e9
"""
    assert parse_upstream_calls(text) == {"SCALE.list_jobs": 5, "LEIA.get_job": 20}
    result = LoadResult(latencies_s=[i / 1000 for i in range(1, 101)], elapsed_s=2.0)
    assert abs(result.percentile_ms(50) - 50.5) < 1e-9
    assert 99 <= result.percentile_ms(99) <= 100
    assert result.throughput == 50.0
