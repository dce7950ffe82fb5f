"""Gateway benchmark: upstream calls per query against the minimum, latency and throughput under load.

Run with ``make bench`` (``python -m benchmarks``). The simulators and the gateway each
run in their own subprocess, started through the ``job-gateway`` CLI, so the load
generator here never shares a GIL with the gateway. See ``benchmarks.__main__``.
"""
