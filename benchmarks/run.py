"""Run the benchmark scripts in turn, then rewrite the README's results table.

    make bench        # python -m benchmarks.run --device cpu --quick   (13.1 min on 2 cores, 2026-12-07)
    make bench-full   # python -m benchmarks.run --device cpu           (every script at its defaults, ~1 hour)
    make bench-gpu    # python -m benchmarks.run --device gpu   (TensorFlow with CUDA)
    bash benchmarks/gpu_jax.sh   # a GPU machine with JAX and no TensorFlow: the step benchmark on Keras/JAX

Each script records its own results file under ``benchmarks/results/``; ``benchmarks.report --write``
then renders every results file into README.md. ``--quick`` keeps every script and peer but measures
less: keras-hub's vocabulary trainer (about a minute a run) once instead of three times; the
training-step comparison in fp32 without XLA, three timing rounds instead of seven (about 3 min for
tiny and mini on 2 cores, memory processes included; the full comparison with XLA and bf16 takes
about 17 min); fine-tuning quality on SMS spam only (IMDB, 3 seeds x 3 variants, takes another
~20 min). What a quick run does not re-measure stays in the results files with its own date
(``record.earlier_entries``). The GPU set adds the 30-minute mini pre-training
(``benchmarks.pretrain_recipe``) and fine-tunes that model on SMS spam and all of IMDB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

CPU = [
    ["benchmarks.tokenizer"],
    ["benchmarks.pretraining_pipeline"],
    ["benchmarks.model_step", "--presets", "tiny,mini", "--precisions", "fp32,bf16"],
    ["benchmarks.finetune"],
]
GPU = [
    # Issue 9's GPU grid: mini and base, lengths 128 and 512 (16,384 tokens a step), fp32 and bf16, XLA
    # off and on, each row with its MFU against the card's dense bf16 peak.
    ["benchmarks.model_step", "--presets", "mini,base", "--lengths", "128,512", "--tokens-per-step", "16384",
     "--precisions", "fp32,bf16", "--jit-modes", "both"],
    # Issue 5's recipe: mini pre-trained within 30 GPU-minutes (the file says if the run took longer).
    ["benchmarks.pretrain_recipe", "--preset", "mini", "--steps", "20000", "--checkpoint-every", "2000",
     "--batch-size", "128", "--out", "runs/bench_gpu_mini"],
    # Issue 7's full recipe: that mini model fine-tuned on SMS spam and on all of IMDB (reviews cut to 512
    # pieces), 3 seeds, against TF-IDF and the same model from random weights.
    ["benchmarks.finetune", "--from", "runs/bench_gpu_mini/model", "--imdb-train", "0", "--imdb-test", "0",
     "--imdb-max-length", "512"],
]
#: Extra arguments under ``--quick``, by module (later arguments win in argparse).
QUICK = {
    "benchmarks.tokenizer": ["--peer-training-repeats", "1"],
    "benchmarks.model_step": ["--repeats", "3", "--jit-modes", "off", "--precisions", "fp32"],
    "benchmarks.finetune": ["--tasks", "sms_spam"],
}


def plan(device: str, quick: bool) -> list[list[str]]:
    """The module command lines ``main`` runs, in order."""
    return [[*m, *(QUICK.get(m[0], []) if quick else [])] for m in (CPU if device == "cpu" else GPU)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer repeats of the slowest measurements")
    args = parser.parse_args(argv)
    if args.device == "gpu":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            print("error: no GPU visible to TensorFlow; run `make bench` for the CPU set (on a GPU machine with "
                  "JAX but no TensorFlow: bash benchmarks/gpu_jax.sh)", file=sys.stderr)
            return 2
    failed = 0
    start = time.perf_counter()
    for module in plan(args.device, args.quick):
        print(f"== python -m {' '.join(module)}", flush=True)
        t0 = time.perf_counter()
        failed += subprocess.run([sys.executable, "-m", *module]).returncode != 0
        print(f"== {module[0]}: {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"== all benchmarks: {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    failed += subprocess.run([sys.executable, "-m", "benchmarks.report", "--write"]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
