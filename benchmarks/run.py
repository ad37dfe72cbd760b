"""Run the benchmark scripts in turn: ``make bench`` (CPU) and ``make bench-gpu``.

Each script records its own results file under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CPU = [
    ["benchmarks.tokenizer"],
    ["benchmarks.pretraining_pipeline"],
    ["benchmarks.model_step", "--presets", "tiny,mini"],
]
GPU = [
    ["benchmarks.model_step", "--presets", "mini,base", "--batch", "64", "--jit-modes", "both"],
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    args = parser.parse_args()
    if args.device == "gpu":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            print("error: no GPU visible to TensorFlow; run `make bench` for the CPU set", file=sys.stderr)
            return 2
    failed = 0
    for module in CPU if args.device == "cpu" else GPU:
        print(f"== python -m {' '.join(module)}", flush=True)
        failed += subprocess.run([sys.executable, "-m", *module]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
