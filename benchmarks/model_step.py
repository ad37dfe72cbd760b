"""Training-step throughput and peak memory: bertkeras vs keras-hub, same config, same run.

Each variant is a backbone + masked-LM head trained on random token ids with an MLM loss at 15 % of
the positions, rounded up (20 at length 128, BERT's max_predictions_per_seq). Speed: one process builds
every variant and runs them in rounds (each round times a few steps of each variant, in rotating order),
so machine noise hits all of them alike and each round gives its own ratio; the ratio reported is the
median over rounds, its spread the lowest and highest round. Memory: each variant once more in a process
of its own, so its peak RSS (on a GPU: its peak GPU memory) is its own.

    python -m benchmarks.model_step                 # tiny and mini, batch 16, length 128, XLA off and on
    python -m benchmarks.model_step --presets mini --batch 64 --jit-modes on
    python -m benchmarks.model_step --onednn off     # TensorFlow's oneDNN CPU kernels off (as `make test` runs)
    python -m benchmarks.model_step --presets base --lengths 128,512 --tokens-per-step 16384 --precisions fp32,bf16
    KERAS_BACKEND=jax python -m benchmarks.model_step --presets mini,base --precisions bf16   # Keras on JAX (XLA)

Every row also carries the step's model FLOPs (``benchmarks.flops``) as TFLOP/s and, on a GPU whose
peak ``benchmarks.flops`` knows (the model read from nvidia-smi), the MFU against its dense bf16 peak.

Three more variants explain the ratio rather than measure a model anyone would train.

``head_only`` times what both models share by construction: the token embedding, the
masked-LM head with its tied 30,522-word decoder, the loss and the AdamW update, with no encoder between
embedding and head. Its step time S bounds the ratio any encoder can reach (keras-hub's step / S) and
separates the encoders' own cost: (keras-hub's step - S) / (bertkeras's step - S).

``matmul_floor`` is ``head_only`` plus every matrix product of the encoder at its real shapes
(Q/K/V, Q·Kᵀ, probabilities·V, attention output, both feed-forward layers, L times, with their biases),
joined by as many additions as BERT has residual connections, and nothing else: no LayerNorm, softmax,
scaling, mask, GELU or dropout. Every implementation of BERT's arithmetic must do all of that work, so
keras-hub's step / that step time F bounds the ratio any encoder could reach on the machine, however
the rest of its work were fused or removed.

``bertkeras-dropout`` is bertkeras with both dropout rates 0, so the difference is what dropout costs
(random masks, and the explicit attention path that dropping probabilities needs).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def build(kind: str, preset: str, attention: bool, vocab: int, dropout: bool = True):
    import keras

    from bertkeras import BertConfig

    rates = {} if dropout else {"dropout": 0.0, "attention_dropout": 0.0}
    config = BertConfig.from_preset(preset, vocabulary_size=vocab, max_sequence_length=512, **rates)
    inputs = {k: keras.Input((None,), dtype="int32", name=k) for k in ("token_ids", "segment_ids", "padding_mask")}
    positions = keras.Input((None,), dtype="int32", name="mask_positions")
    if kind == "head_only":  # the shared part: embedding -> MLM head, no encoder
        from bertkeras import MaskedLMHead

        # Only the inputs it reads: Keras 3.13 refuses a functional model with an unused input ("`inputs`
        # not connected to `outputs`"; 3.14+ allows it), and the worker feeds each model its own inputs.
        inputs = {"token_ids": inputs["token_ids"]}
        embedding = keras.layers.Embedding(vocab, config.hidden_dim, name="token_embedding")
        logits = MaskedLMHead(embedding)(embedding(inputs["token_ids"]), positions)
    elif kind == "bertkeras":
        from bertkeras import BertBackbone, MaskedLMHead

        backbone = BertBackbone.from_bert_config(config, return_attention_scores=attention)
        out = backbone(inputs)
        logits = MaskedLMHead(backbone.token_embedding)(out["sequence_output"], positions)
        extra = [keras.ops.sum(a) * 0.0 for a in out.get("attention_scores", [])]  # keep them in the graph
        if extra:
            logits = logits + sum(extra)
    elif kind == "matmul_floor":
        logits = matmul_floor(config, inputs["token_ids"], positions, vocab)
        inputs = {"token_ids": inputs["token_ids"]}
    else:
        import keras_hub

        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=vocab, num_layers=config.num_layers, num_heads=config.num_heads,
            hidden_dim=config.hidden_dim, intermediate_dim=config.intermediate_dim, max_sequence_length=512)
        head = keras_hub.layers.MaskedLMHead(token_embedding=backbone.token_embedding,
                                             intermediate_activation="gelu")
        logits = head(backbone(inputs)["sequence_output"], mask_positions=positions)
    return keras.Model({**inputs, "mask_positions": positions}, logits)


def matmul_floor(config, token_ids, positions, vocab: int):
    """``head_only`` with the encoder's matrix products between embedding and head, and nothing else.

    Every layer reads the embedded tokens rather than the layer before it: without LayerNorm and softmax a
    chain of L layers would overflow or underflow (products of cubes), and the backward pass still takes the
    gradient of every product with respect to both operands, as the real encoder does. The 2·L branches are
    summed, as many additions as the real encoder's 2·L residual connections.
    """
    import keras
    from keras import ops

    from bertkeras import MaskedLMHead

    h, a = config.hidden_dim, config.num_heads

    def heads(t):  # (B, T, H) -> (B, A, T, H/A)
        # A reshape alone pairs the wrong rows with each head (real heads need a transpose), which changes no
        # product's shape or cost and keeps the copy out of the floor.
        return keras.layers.Reshape((a, -1, h // a))(t)

    embedding = keras.layers.Embedding(vocab, h, name="token_embedding")
    x = embedding(token_ids)  # (B, T, H)
    branches = []
    for i in range(config.num_layers):
        q, k, v = (heads(t) for t in ops.split(keras.layers.Dense(3 * h, name=f"qkv_{i}")(x), 3, axis=-1))
        context = ops.matmul(ops.matmul(q, ops.swapaxes(k, -1, -2)), v)  # (B, A, T, T) @ (B, A, T, H/A)
        context = keras.layers.Reshape((-1, h))(context)  # (B, T, H)
        branches.append(keras.layers.Dense(h, name=f"attention_output_{i}")(context))
        branches.append(keras.layers.Dense(h, name=f"output_{i}")(
            keras.layers.Dense(config.intermediate_dim, name=f"intermediate_{i}")(x)))
    return MaskedLMHead(embedding)(keras.layers.Add()(branches), positions)


VARIANTS = ["keras_hub", "bertkeras", "bertkeras+attention", "bertkeras-dropout", "head_only", "matmul_floor"]
#: Variants timed only to explain the ratio (an ablation and two bounds): no memory runs or MFU of their own.
TIMED_ONLY = ("bertkeras-dropout", "head_only", "matmul_floor")
#: ``--precisions`` values and the Keras dtype policies they set (before any layer is built).
POLICIES = {"fp32": "float32", "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
PRECISION_LABELS = {"bf16": "bf16 mixed precision", "fp16": "fp16 mixed precision"}
BACKEND_LABELS = {"jax": "JAX", "torch": "PyTorch"}


def batch(args):
    import numpy as np

    from benchmarks.flops import mlm_predictions

    rng = np.random.default_rng(0)
    b, t, p = args.batch, args.length, mlm_predictions(args.length)
    x = {"token_ids": rng.integers(5, args.vocab, (b, t)).astype("int32"),
         "segment_ids": (np.arange(t) >= t // 2).astype("int32")[None].repeat(b, 0),
         "padding_mask": np.ones((b, t), "int32"),
         "mask_positions": np.sort(rng.choice(t, (b, p)), axis=1).astype("int32")}
    return x, rng.integers(5, args.vocab, (b, p)).astype("int32")


def compiled(variant: str, args):
    import keras

    keras.utils.set_random_seed(0)
    # Keras wraps the optimizer in a LossScaleOptimizer by itself under mixed_float16.
    keras.mixed_precision.set_global_policy(POLICIES[args.precision])
    kind = variant.split("+")[0].split("-")[0]  # "bertkeras+attention": return it; "bertkeras-dropout": rates 0
    model = build(kind, args.preset, variant.endswith("+attention"), args.vocab,
                  dropout=not variant.endswith("-dropout"))
    model.compile(optimizer=keras.optimizers.AdamW(1e-4), jit_compile=args.jit,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def peak_gpu_bytes() -> int | None:
    """The GPU allocator's high-water mark since start-up, from the Keras backend in use (None: no GPU)."""
    from benchmarks.record import jax_gpu, keras_backend

    if keras_backend() == "jax":
        gpu = jax_gpu()
        return gpu.memory_stats().get("peak_bytes_in_use") if gpu else None
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return tf.config.experimental.get_memory_info("GPU:0")["peak"]
    return None


def worker(args) -> None:
    """In a fresh process: ``--memory``: one variant's peak RSS; otherwise per-round step times of all."""
    from benchmarks.record import measure

    x, y = batch(args)
    variants = args.variants.split(",")
    models = {v: compiled(v, args) for v in variants}
    feeds = {v: {t.name: x[t.name] for t in model.inputs} for v, model in models.items()}  # head_only: 2 of 4
    for v, model in models.items():
        for _ in range(3):  # warm-up: tracing and compilation
            model.train_on_batch(feeds[v], y)
    if args.memory:
        for _ in range(args.steps):
            models[variants[0]].train_on_batch(feeds[variants[0]], y)
        peak = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        if (gpu_peak := peak_gpu_bytes()) is not None:
            peak["peak_gpu_mb"] = gpu_peak / 2**20
        print(json.dumps(peak))
        return
    rounds: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(args.repeats):
        for v in variants[r % len(variants):] + variants[:r % len(variants)]:  # rotate who goes first
            step = functools.partial(models[v].train_on_batch, feeds[v], y)
            rounds[v].append(measure(step, repeats=args.steps, warmup=0)["median_s"])
    print(json.dumps(rounds))


def run_worker(preset, jit, args, onednn: bool, variants: list[str], memory: bool = False):
    cmd = [sys.executable, "-m", "benchmarks.model_step", "--worker", "--preset", preset,
           "--variants", ",".join(variants), "--batch", str(args.batch), "--length", str(args.length),
           "--steps", str(args.steps), "--repeats", str(args.repeats), "--vocab", str(args.vocab),
           "--precision", args.precision]
    cmd += (["--jit"] if jit else []) + (["--memory"] if memory else [])
    # Set explicitly either way: `make` exports TF_ENABLE_ONEDNN_OPTS=0 for reproducible test numerics.
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1" if onednn else "0"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ceiling(summary: dict) -> dict:
    """What the shared part (``head_only``, step time S) leaves to the encoders, from step times.

    Each variant's step time here is its fastest round: these are costs compared with each other, and a
    round the machine slowed down (on a shared 2-core machine some are 20% slower) says nothing about cost.

    ``speedup_if_encoder_free``: keras-hub's step / S, the most any encoder could give.
    ``encoder_speedup``: (keras-hub's step - S) / (bertkeras's step - S), the encoders compared alone.
    ``encoder_speedup_needed``: what that would have to be for ``TARGET_SPEEDUP`` overall (None if
    even a free encoder cannot reach it).
    Where ``matmul_floor`` (step time F) was timed too:
    ``speedup_if_only_matmuls``: keras-hub's step / F, the most an encoder doing BERT's matrix products
    could give on this machine, with everything else it does free.
    ``keras_hub_encoder_matmul_share``: (F - S) / (keras-hub's step - S), how much of keras-hub's encoder
    time those products alone take.
    ``rest_budget``: (keras-hub's step / target - F) / (keras-hub's step - F): the share of the time
    keras-hub spends on the rest of its encoder (LayerNorm, softmax, scaling, mask, GELU, dropout) that
    a ``TARGET_SPEEDUP`` step leaves for all of that (negative: matrix products alone exceed the target).
    ``our_dropout_of_rest``: with ``bertkeras-dropout`` timed (step D), (bertkeras's step - D) / (keras-hub's
    step - F), what our dropout alone costs on the same scale.
    """
    step = {k: 1 / summary[k]["tokens_per_s_max"] for k in ("keras_hub", "bertkeras", *TIMED_ONLY)
            if k in summary}
    shared, hub, ours = step["head_only"], step["keras_hub"], step["bertkeras"]
    allowed = hub / TARGET_SPEEDUP - shared
    limit = {
        "shared_share_of_keras_hub": round(shared / hub, 3),
        "speedup_if_encoder_free": round(hub / shared, 3),
        "encoder_speedup": round((hub - shared) / (ours - shared), 3) if ours > shared else None,
        "encoder_speedup_needed": round((hub - shared) / allowed, 3) if allowed > 0 else None,
    }
    if "matmul_floor" in step:
        floor = step["matmul_floor"]
        limit["speedup_if_only_matmuls"] = round(hub / floor, 3)
        limit["keras_hub_encoder_matmul_share"] = round((floor - shared) / (hub - shared), 3)
        limit["rest_budget"] = round((hub / TARGET_SPEEDUP - floor) / (hub - floor), 3)
        if "bertkeras-dropout" in step:
            limit["our_dropout_of_rest"] = round((ours - step["bertkeras-dropout"]) / (hub - floor), 3)
    return limit


#: bertkeras's training step should be at least this many times keras-hub's throughput.
TARGET_SPEEDUP = 1.2


def ceiling_note(limit: dict) -> str:
    """The README note that says, from ``ceiling``, how far a faster encoder alone could move the ratio."""
    needed = limit["encoder_speedup_needed"]
    reach = (f"{TARGET_SPEEDUP:g}× overall needs {needed:.1f}×" if needed
             else f"{TARGET_SPEEDUP:g}× overall is out of reach")
    note = (f"the shared MLM head, loss and AdamW take {limit['shared_share_of_keras_hub']:.0%} of keras-hub's "
            f"step; our embeddings + encoder alone run {limit['encoder_speedup'] or 0:.2f}× theirs ({reach})")
    if "speedup_if_only_matmuls" in limit:
        best = limit["speedup_if_only_matmuls"]
        note += (f"; matrix products are {limit['keras_hub_encoder_matmul_share']:.0%} of keras-hub's encoder time: "
                 f"an encoder doing nothing else would give {best:.2f}×")
        if best < TARGET_SPEEDUP:
            note += f", so {TARGET_SPEEDUP:g}× is out of reach on this machine"
        else:
            note += (f", so {TARGET_SPEEDUP:g}× leaves {limit['rest_budget']:.0%} of keras-hub's time on LayerNorm, "
                     "softmax, GELU and dropout for all of them")
            if "our_dropout_of_rest" in limit:
                note += f" (our dropout alone takes {limit['our_dropout_of_rest']:.0%})"
    return note


def config_key(preset: str, jit: bool, batch: int, length: int, precision: str = "fp32",
               onednn: bool = True, backend: str = "tensorflow") -> str:
    """The results key of one configuration, e.g. ``mini_jiton_b16_t128`` or ``base_jitoff_b32_t512_bf16``
    (``_jax``/``_torch`` at the end for a Keras backend other than TensorFlow)."""
    key = f"{preset}_jit{'on' if jit else 'off'}_b{batch}_t{length}"
    return (key + ("" if precision == "fp32" else f"_{precision}") + ("" if onednn else "_dnnoff")
            + ("" if backend == "tensorflow" else f"_{backend}"))


def row_label(key: str) -> str:
    """The README's description of the configuration ``config_key`` named ``key``."""
    preset, jit, batch, length, *rest = key.split("_")
    return (f"training step, backbone + MLM head, {preset}, batch {batch[1:]} × {length[1:]}"
            + (", XLA" if jit == "jiton" else "")
            + "".join(f", {PRECISION_LABELS[r]}" for r in rest if r in PRECISION_LABELS)
            + (", oneDNN off" if "dnnoff" in rest else "")
            + "".join(f", Keras on {BACKEND_LABELS[r]}" for r in rest if r in BACKEND_LABELS))


def summarize(results: dict) -> list[dict]:
    """The README rows for this benchmark (see ``benchmarks.report``): one per configuration."""
    from benchmarks.record import summary_row

    rows = []
    for key, r in results.items():
        ours, hub = r["bertkeras"], r["keras_hub"]
        memory = "peak_gpu_mb" if "peak_gpu_mb" in ours else "peak_rss_mb"
        unit = {"peak_gpu_mb": "peak GPU memory", "peak_rss_mb": "peak RSS"}[memory]
        mfu = ours.get("utilisation", {}).get("mfu")
        notes = [ceiling_note(ceiling(r))] if "head_only" in r else []  # derived here: older entries get it too
        if "attention_output_cost" in r:
            cost = r["attention_output_cost"]
            notes.append(f"returning the attention probabilities costs {cost:.0%} of the step" if cost >= 0.005
                         else f"returning the attention probabilities costs nothing measurable ({cost:+.1%})")
        rows.append(summary_row(
            row_label(key),
            f"{ours['tokens_per_s_median']:,.0f} tokens/s"
            + (f", {ours[memory] / 1024:.2f} GiB {unit}" if memory in ours else "")
            + (f", MFU {mfu:.1%}" if mfu is not None else ""),
            f"keras-hub {hub['tokens_per_s_median']:,.0f} tokens/s"
            + (f", {hub[memory] / 1024:.2f} GiB" if memory in hub else ""),
            ratio=r["speedup_vs_keras_hub"], ratio_min=r["speedup_min"], ratio_max=r["speedup_max"],
            target=TARGET_SPEEDUP, note="; ".join(notes), date=r.get("measured", {}).get("date")))
    return rows


def measure_config(preset: str, jit: bool, onednn: bool, args) -> dict:
    """Rounds of all variants in one process, then each variant's peak memory in its own process."""
    from benchmarks.flops import gpu_model, mlm_predictions, training_flops, utilisation
    from bertkeras import BertConfig

    rounds = run_worker(preset, jit, args, onednn, VARIANTS)
    tokens = args.batch * args.length
    config = BertConfig.from_preset(preset, vocabulary_size=args.vocab, max_sequence_length=512)
    flops = training_flops(config, args.batch, args.length, mlm_predictions(args.length))
    device = gpu_model()
    summary: dict = {"flops_per_step": flops, "device_model": device, "rounds": args.repeats,
                     "steps_per_round": args.steps}
    for v, times in rounds.items():
        summary[v] = {"tokens_per_s_median": tokens / statistics.median(times),
                      "tokens_per_s_min": tokens / max(times), "tokens_per_s_max": tokens / min(times),
                      "step_s_per_round": [round(t, 5) for t in times]}
        if v not in TIMED_ONLY:
            summary[v]["utilisation"] = utilisation(flops, statistics.median(times), device)
            if args.memory_processes:
                summary[v].update(run_worker(preset, jit, args, onednn, [v], memory=True))
    per_round = [h / o for h, o in zip(rounds["keras_hub"], rounds["bertkeras"], strict=True)]
    summary["speedup_vs_keras_hub"] = statistics.median(per_round)
    summary["speedup_min"], summary["speedup_max"] = min(per_round), max(per_round)
    summary["attention_output_cost"] = statistics.median(
        1 - o / a for o, a in zip(rounds["bertkeras"], rounds["bertkeras+attention"], strict=True))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--preset", default="tiny", help=argparse.SUPPRESS)
    parser.add_argument("--jit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--length", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--precision", default="fp32", choices=sorted(POLICIES), help=argparse.SUPPRESS)
    parser.add_argument("--presets", default="tiny,mini")
    parser.add_argument("--lengths", default="128", help="sequence lengths, comma-separated")
    parser.add_argument("--precisions", default="fp32",
                        help="comma-separated: fp32, bf16 (mixed_bfloat16), fp16 (mixed_float16, loss scaling)")
    parser.add_argument("--jit-modes", default="both", help="off, on or both")
    parser.add_argument("--onednn", default="on", help="TensorFlow's oneDNN CPU kernels: on (its default), off or both")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--tokens-per-step", type=int, default=None,
                        help="instead of --batch: batch = this // length, so every length gets the same tokens")
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per variant per round")
    parser.add_argument("--repeats", type=int, default=7, help="rounds (each variant's median step per round)")
    parser.add_argument("--no-memory", dest="memory_processes", action="store_false",
                        help="skip the one-process-per-variant peak memory runs (they compile every model again)")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    from benchmarks.record import earlier_entries, keras_backend, write_results

    precisions = args.precisions.split(",")
    if unknown := set(precisions) - set(POLICIES):
        parser.error(f"unknown precision {sorted(unknown)}; choose from {sorted(POLICIES)}")
    jit_modes = {"off": [False], "on": [True], "both": [False, True]}[args.jit_modes]
    dnn_modes = {"on": [True], "off": [False], "both": [True, False]}[args.onednn]
    backend = keras_backend()
    if backend == "jax":  # Keras on JAX always compiles with XLA (jit off would run op by op); no oneDNN
        jit_modes, dnn_modes = [True], [True]
    results = {}
    for preset in args.presets.split(","):
        for length in map(int, args.lengths.split(",")):
            args.length = length
            args.batch = args.tokens_per_step // length if args.tokens_per_step else args.batch
            for args.precision in precisions:
                for onednn in dnn_modes:
                    for jit in jit_modes:
                        key = config_key(preset, jit, args.batch, length, args.precision, onednn, backend)
                        results[key] = measure_config(preset, jit, onednn, args)
                        print(key, json.dumps(results[key], indent=1), flush=True)
    # Configurations measured before on this machine and not now (e.g. XLA, skipped by `make bench`) stay.
    results = {**earlier_entries("model_step"), **results}
    path = write_results("model_step", results, notes=(
        "'rounds' rounds in one process, each timing 'steps_per_round' steps of every variant (rotating order) "
        "after 3 warm-up steps; tokens/s from the median round, ratio = median of the per-round ratios, spread = "
        "lowest/highest round; peak RSS (GPU: peak GPU memory) from one more process per variant; MLM loss at "
        "ceil(15 %) of the positions; vocabulary 30,522; "
        "TF_ENABLE_ONEDNN_OPTS=1 unless the key ends in _dnnoff; keys ending in _bf16/_fp16 ran under Keras's "
        "mixed_bfloat16/mixed_float16 policy. 'utilisation': model TFLOP/s from benchmarks.flops (matmuls only, "
        "3x forward) and MFU against the device's dense bf16 peak where known. The README note's ceiling() compares "
        "each variant's fastest round with head_only (embedding -> MLM head, loss, AdamW: the part both libraries "
        "share), matmul_floor (head_only plus the encoder's matrix products and nothing else) and bertkeras-dropout "
        "(dropout rates 0)"),
        summary=summarize(results))
    print("wrote", path)


if __name__ == "__main__":
    main()
