"""Shared bookkeeping for benchmark scripts: timing with warm-up and repeats, and result files.

Every script measures bertkeras and its peer in the same process, repeats each measurement
(median of >= 5 after warm-up) and writes one JSON file per (benchmark, machine) under
``benchmarks/results/`` with the date, the machine, the package versions and the exact command.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine_name() -> str:
    """A short, stable label for the machine: ``cpu-<cores>core`` or the GPU's model name."""
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", "gpu").replace(" ", "-")
    except Exception:  # noqa: BLE001 - a benchmark must still record on odd machines
        pass
    return f"cpu-{os.cpu_count()}core"


def measure(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> dict[str, float]:
    """Run ``fn`` ``warmup`` times untimed, then ``repeats`` times; return median/min/max seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "repeats": repeats,
    }


def write_results(benchmark: str, results: dict, notes: str = "") -> Path:
    """Write ``results`` with provenance to ``benchmarks/results/<benchmark>_<machine>.json``."""
    from bertkeras.runtime import versions

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": benchmark,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_name(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "versions": versions(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "results": results,
        "notes": notes,
    }
    path = RESULTS_DIR / f"{benchmark}_{record['machine']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    return path
