"""Shared bookkeeping for benchmark scripts: timing with warm-up and repeats, and result files.

Every script measures bertkeras and its peer in the same process, repeats each measurement
(median of >= 5 after warm-up) and writes one JSON file per (benchmark, machine) under
``benchmarks/results/`` with the date, the machine, the package versions and the exact command.

Each file also carries a ``summary``: a short list of rows (``summary_row``) that ``benchmarks.report``
renders into the README's results table, so the README's numbers always come from these files.
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
ROOT = RESULTS_DIR.parents[1]  # the repository: paths in results are recorded relative to it


def portable(path) -> str:
    """``path`` relative to the repository (or, for package data of an installed bertkeras, to its
    site-packages) when it lies inside it, so a results file reads the same on every clone; other paths
    are kept as given.

    >>> portable(ROOT / "bertkeras" / "pretrained" / "tiny_bert")
    'bertkeras/pretrained/tiny_bert'
    >>> portable("runs/x")
    'runs/x'
    """
    if not Path(path).is_absolute():
        return str(path)
    import bertkeras

    for base in (ROOT, Path(bertkeras.__file__).resolve().parents[1]):
        try:
            return Path(path).resolve().relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def command_line(argv: list[str] | None = None) -> str:
    """The command that ran, as one would type it in the repository: ``python -m benchmarks.NAME ...``.

    >>> command_line([str(ROOT / "benchmarks" / "finetune.py"), "--seeds", "0,1", "--from", str(ROOT / "runs/m")])
    'python -m benchmarks.finetune --seeds 0,1 --from runs/m'
    """
    script, *args = sys.argv if argv is None else argv
    where = portable(script)
    head = (f"-m {where.removesuffix('.py').replace('/', '.')}" if where.startswith("benchmarks/")
            and where.endswith(".py") else where)
    return " ".join(["python", head, *(portable(a) if Path(a).is_absolute() else a for a in args)])


def keras_backend() -> str:
    """The Keras backend a benchmark runs on (``KERAS_BACKEND``; the scripts default it to tensorflow)."""
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def jax_gpu():
    """JAX's first GPU device, or None where JAX sees none."""
    import jax

    return next((d for d in jax.devices() if d.platform == "gpu"), None)


def visible_gpu() -> str | None:
    """The model name of the first GPU that the Keras backend in use can see (None: it runs on the CPU)."""
    try:
        if keras_backend() == "jax":
            gpu = jax_gpu()
            return gpu.device_kind if gpu else None
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "gpu")
    except Exception:  # noqa: BLE001 - a benchmark must still record on odd machines
        pass
    return None


def machine_name() -> str:
    """A short, stable label for the machine: ``cpu-<cores>core`` or the GPU's model name."""
    gpu = visible_gpu()
    return gpu.replace(" ", "-") if gpu else f"cpu-{os.cpu_count()}core"


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


def speedup(ours: dict, peer: dict) -> dict[str, float]:
    """bertkeras's advantage from two ``measure`` timings (seconds, lower is better).

    ``ratio`` is peer median / ours median (above 1: bertkeras is faster); ``ratio_min`` and
    ``ratio_max`` pair the extremes (slowest of ours with fastest of the peer, and the reverse).
    """
    return {"ratio": peer["median_s"] / ours["median_s"], "ratio_min": peer["min_s"] / ours["max_s"],
            "ratio_max": peer["max_s"] / ours["min_s"]}


def summary_row(metric: str, ours: str, peer: str = "", *, ratio: float | None = None,
                ratio_min: float | None = None, ratio_max: float | None = None,
                target: float | str | None = None, met: bool | None = None, note: str = "",
                date: str | None = None) -> dict:
    """One row of a results file's ``summary`` (see ``benchmarks.report``).

    ``ratio`` is always oriented as bertkeras's advantage: above 1 means bertkeras is better.
    ``target`` is either a number (the ratio bertkeras aims for; the report says met or missed and by
    how much) or a short sentence, then with ``met`` saying whether it was reached. ``date``: when the
    row's entry was measured, if earlier than its file (an entry kept from an earlier run).
    """
    row: dict = {"metric": metric, "ours": ours, "peer": peer}
    for key, value in (("ratio", ratio), ("ratio_min", ratio_min), ("ratio_max", ratio_max),
                       ("target", target), ("met", met), ("date", date)):
        if value is not None:
            row[key] = value
    if note:
        row["note"] = note
    return row


def si(value: float, unit: str) -> str:
    """``3145702, "tokens/s"`` -> ``"3.1 M tokens/s"``; below a million, whole numbers with commas."""
    if value >= 1e6:
        return f"{value / 1e6:.1f} M {unit}"
    return f"{value:,.0f} {unit}"


def earlier_record(benchmark: str) -> dict | None:
    """This machine's results file of ``benchmark`` as written last, parsed; None if there is none."""
    path = RESULTS_DIR / f"{benchmark}_{machine_name()}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def stamped_entries(old: dict | None, field: str | None = None) -> dict:
    """The entries (dicts) of a parsed results file ``old``: its results, or ``results[field]``.

    Each is stamped with ``measured``: the date, command and versions of the run that measured it (an
    entry carried over before keeps its first stamp). A script merges these under its fresh results,
    so a run that measures less than the last one (``make bench``'s quick mode: no XLA rows, no IMDB)
    replaces what it re-measured and keeps the rest, each row with its own date.
    """
    if not old:
        return {}
    entries = old.get("results", {})
    entries = entries.get(field, {}) if field else entries
    stamp = {k: old.get(k) for k in ("date", "command", "versions")}
    return {key: {**entry, "measured": entry.get("measured", stamp)} for key, entry in entries.items()
            if isinstance(entry, dict)}


def earlier_entries(benchmark: str, field: str | None = None) -> dict:
    """``stamped_entries`` of this machine's earlier results file of ``benchmark``, or ``{}``."""
    return stamped_entries(earlier_record(benchmark), field)


def write_results(benchmark: str, results: dict, notes: str = "", summary: list[dict] | None = None) -> Path:
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
        "command": command_line(),
        "results": results,
        "notes": notes,
        "summary": summary or [],
    }
    path = RESULTS_DIR / f"{benchmark}_{record['machine']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    return path
