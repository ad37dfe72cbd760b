"""Training-step throughput and peak memory: bertkeras vs keras-hub, same config, same run.

Each variant is a backbone + masked-LM head trained on random token ids with an MLM loss at 20
masked positions per sequence (BERT's max_predictions_per_seq for length 128). Every variant runs in its
own subprocess (so peak RSS is its own); the parent runs them in turn and repeats.

    python -m benchmarks.model_step                 # tiny and mini, batch 16, length 128, CPU
    python -m benchmarks.model_step --presets mini --batch 64 --jit both
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def build(kind: str, preset: str, attention: bool, vocab: int):
    import keras

    from bertkeras import BertConfig

    config = BertConfig.from_preset(preset, vocabulary_size=vocab, max_sequence_length=512)
    inputs = {k: keras.Input((None,), dtype="int32", name=k) for k in ("token_ids", "segment_ids", "padding_mask")}
    positions = keras.Input((None,), dtype="int32", name="mask_positions")
    if kind == "bertkeras":
        from bertkeras import BertBackbone, MaskedLMHead

        backbone = BertBackbone.from_bert_config(config, return_attention_scores=attention)
        out = backbone(inputs)
        logits = MaskedLMHead(backbone.token_embedding)(out["sequence_output"], positions)
        extra = [keras.ops.sum(a) * 0.0 for a in out.get("attention_scores", [])]  # keep them in the graph
        if extra:
            logits = logits + sum(extra)
    else:
        import keras_hub

        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=vocab, num_layers=config.num_layers, num_heads=config.num_heads,
            hidden_dim=config.hidden_dim, intermediate_dim=config.intermediate_dim, max_sequence_length=512)
        head = keras_hub.layers.MaskedLMHead(token_embedding=backbone.token_embedding,
                                             intermediate_activation="gelu")
        logits = head(backbone(inputs)["sequence_output"], mask_positions=positions)
    return keras.Model({**inputs, "mask_positions": positions}, logits)


def worker(args) -> None:
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = build(args.kind, args.preset, args.attention, args.vocab)
    model.compile(optimizer=keras.optimizers.AdamW(1e-4), jit_compile=args.jit,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    b, t, p = args.batch, args.length, 20
    x = {"token_ids": rng.integers(5, args.vocab, (b, t)).astype("int32"),
         "segment_ids": (np.arange(t) >= t // 2).astype("int32")[None].repeat(b, 0),
         "padding_mask": np.ones((b, t), "int32"),
         "mask_positions": np.sort(rng.choice(t, (b, p)), axis=1).astype("int32")}
    y = rng.integers(5, args.vocab, (b, p)).astype("int32")
    for _ in range(3):  # warm-up: tracing and compilation
        model.train_on_batch(x, y)
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"step_s": statistics.median(times), "peak_rss_mb": peak_mb,
                      "tokens_per_s": b * t / statistics.median(times)}))


def run_variant(kind, preset, attention, jit, args) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.model_step", "--worker", "--kind", kind, "--preset", preset,
           "--batch", str(args.batch), "--length", str(args.length), "--steps", str(args.steps),
           "--vocab", str(args.vocab)] + (["--attention"] if attention else []) + (["--jit"] if jit else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


#: bertkeras's training step should be at least this many times keras-hub's throughput.
TARGET_SPEEDUP = 1.2


def summarize(results: dict) -> list[dict]:
    """The README rows for this benchmark (see ``benchmarks.report``): one per preset/jit/batch."""
    from benchmarks.record import summary_row

    rows = []
    for key, r in results.items():
        preset, jit, batch, length = key.split("_")
        ours, hub = r["bertkeras"], r["keras_hub"]
        rows.append(summary_row(
            f"training step, backbone + MLM head, {preset}, batch {batch[1:]} × {length[1:]}"
            + (", XLA" if jit == "jiton" else ""),
            f"{ours['tokens_per_s_median']:,.0f} tokens/s, {ours['peak_rss_mb_median'] / 1024:.2f} GiB peak RSS",
            f"keras-hub {hub['tokens_per_s_median']:,.0f} tokens/s, {hub['peak_rss_mb_median'] / 1024:.2f} GiB",
            ratio=r["speedup_vs_keras_hub"],
            ratio_min=ours["tokens_per_s_min"] / hub["tokens_per_s_max"],
            ratio_max=ours["tokens_per_s_max"] / hub["tokens_per_s_min"],
            target=TARGET_SPEEDUP))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="bertkeras")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--attention", action="store_true")
    parser.add_argument("--jit", action="store_true")
    parser.add_argument("--presets", default="tiny,mini")
    parser.add_argument("--jit-modes", default="off", help="off, on or both")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    from benchmarks.record import write_results

    jit_modes = {"off": [False], "on": [True], "both": [False, True]}[args.jit_modes]
    results = {}
    for preset in args.presets.split(","):
        for jit in jit_modes:
            variants = [("keras_hub", False), ("bertkeras", False), ("bertkeras", True)]
            runs: dict[str, list[dict]] = {f"{k}{'+attention' if a else ''}": [] for k, a in variants}
            for _ in range(args.repeats):
                for kind, attention in variants:
                    runs[f"{kind}{'+attention' if attention else ''}"].append(run_variant(kind, preset, attention, jit, args))
            summary = {}
            for name, rs in runs.items():
                tps = [r["tokens_per_s"] for r in rs]
                summary[name] = {"tokens_per_s_median": statistics.median(tps), "tokens_per_s_min": min(tps),
                                 "tokens_per_s_max": max(tps),
                                 "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in rs)}
            hub = summary["keras_hub"]["tokens_per_s_median"]
            summary["speedup_vs_keras_hub"] = summary["bertkeras"]["tokens_per_s_median"] / hub
            summary["attention_output_cost"] = 1 - summary["bertkeras+attention"]["tokens_per_s_median"] / summary["bertkeras"]["tokens_per_s_median"]
            key = f"{preset}_jit{'on' if jit else 'off'}_b{args.batch}_t{args.length}"
            results[key] = summary
            print(key, json.dumps(summary, indent=1), flush=True)
    path = write_results("model_step", results, notes=(
        f"median over {args.repeats} repeats of the median of {args.steps} steps after 3 warm-up steps; "
        "each variant in its own subprocess, run in turn; MLM loss at 20 positions; vocabulary 30,522"),
        summary=summarize(results))
    print("wrote", path)


if __name__ == "__main__":
    main()
