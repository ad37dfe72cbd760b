"""The training-step benchmark: its shared-part variant and the ceiling it derives from the timings."""

from __future__ import annotations

import pytest

from benchmarks import model_step


def timings(hub_tps, ours_tps, head_tps):
    return {name: {"tokens_per_s_median": tps, "tokens_per_s_min": tps, "tokens_per_s_max": tps,
                   "peak_rss_mb": 1024.0}
            for name, tps in (("keras_hub", hub_tps), ("bertkeras", ours_tps), ("head_only", head_tps))}


def test_ceiling_from_step_times():
    # keras-hub 100 ms, bertkeras 90 ms, the shared part 60 ms (tokens/s = 1000 tokens / step).
    limit = model_step.ceiling(timings(1000 / 0.100, 1000 / 0.090, 1000 / 0.060))
    assert limit["shared_share_of_keras_hub"] == pytest.approx(0.6)
    assert limit["speedup_if_encoder_free"] == pytest.approx(100 / 60, abs=1e-3)
    assert limit["encoder_speedup"] == pytest.approx(40 / 30, abs=1e-3)
    # 1.2x overall means a step of 83.3 ms: 23.3 ms left for an encoder that takes keras-hub 40 ms.
    assert limit["encoder_speedup_needed"] == pytest.approx(40 / (100 / 1.2 - 60), abs=1e-3)


def test_ceiling_compares_each_variants_fastest_round():
    """A round the shared machine slowed down is not a cost: the bounds use each variant's best round."""
    summary = timings(1000 / 0.100, 1000 / 0.090, 1000 / 0.060)
    summary["bertkeras"]["tokens_per_s_median"] = 1000 / 0.120  # most rounds slowed down, the best one not
    assert model_step.ceiling(summary)["encoder_speedup"] == pytest.approx(40 / 30, abs=1e-3)


def test_ceiling_says_when_the_target_is_out_of_reach():
    # The shared part alone (90 ms) is slower than keras-hub's step / 1.2 (83 ms): no encoder can help.
    limit = model_step.ceiling(timings(1000 / 0.100, 1000 / 0.095, 1000 / 0.090))
    assert limit["encoder_speedup_needed"] is None
    assert model_step.ceiling_note(limit).endswith("(1.2× overall is out of reach)")
    assert limit["speedup_if_encoder_free"] == pytest.approx(100 / 90, abs=1e-3)


def test_summary_rows_name_xla_onednn_and_the_ceiling():
    entry = {**timings(1000.0, 1100.0, 2000.0), "speedup_vs_keras_hub": 1.1, "speedup_min": 1.0,
             "speedup_max": 1.3}
    rows = model_step.summarize({"tiny_jiton_b16_t128_dnnoff": entry, "mini_jitoff_b16_t128": entry})
    assert rows[0]["metric"] == "training step, backbone + MLM head, tiny, batch 16 × 128, XLA, oneDNN off"
    assert rows[1]["metric"] == "training step, backbone + MLM head, mini, batch 16 × 128"
    assert "take 50% of keras-hub's step" in rows[0]["note"]
    assert rows[0]["target"] == model_step.TARGET_SPEEDUP
    assert (rows[0]["ratio"], rows[0]["ratio_min"], rows[0]["ratio_max"]) == (1.1, 1.0, 1.3)


def test_head_only_holds_exactly_the_weights_both_models_share():
    """The ``head_only`` variant is the full model minus position/segment embeddings, encoder, pooler."""
    full = model_step.build("bertkeras", "tiny", False, 120)
    head = model_step.build("head_only", "tiny", False, 120)
    shapes = sorted(tuple(w.shape) for w in head.trainable_weights)
    assert shapes == sorted([(120, 128), (128, 128), (128,), (128,), (128,), (120,)])
    full_shapes = [tuple(w.shape) for w in full.trainable_weights]
    for shape in shapes:
        assert shape in full_shapes
    assert head.output_shape == full.output_shape == (None, None, 120)


def test_matmul_floor_adds_exactly_the_encoders_matrices_to_the_shared_part():
    """``matmul_floor`` is ``head_only`` plus, per layer, the Q/K/V, attention-output and feed-forward matrices
    at BERT's shapes (with their biases), and no LayerNorm: only products, bias adds and the sums joining them."""
    from collections import Counter

    import keras
    import numpy as np

    head = model_step.build("head_only", "tiny", False, 120)
    floor = model_step.build("matmul_floor", "tiny", False, 120)
    added = Counter(tuple(w.shape) for w in floor.trainable_weights)
    added.subtract(Counter(tuple(w.shape) for w in head.trainable_weights))
    per_layer = Counter({(128, 384): 1, (384,): 1, (128, 128): 1, (128, 512): 1, (512,): 1, (512, 128): 1,
                         (128,): 2})  # 2 × (128,): the biases of the attention output and the FFN output
    assert +added == Counter({shape: 2 * n for shape, n in per_layer.items()})  # tiny: L = 2
    assert floor.output_shape == head.output_shape
    assert not [layer for layer in floor.layers if "norm" in type(layer).__name__.lower()]
    # It trains like the others: the benchmark times train_on_batch on it.
    floor.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = {"token_ids": rng.integers(0, 120, (2, 16)), "mask_positions": np.array([[1, 5, 9], [0, 2, 3]])}
    assert np.isfinite(floor.train_on_batch(x, rng.integers(0, 120, (2, 3))))


def test_ceiling_with_the_matmul_floor_and_the_dropout_ablation():
    # keras-hub 100 ms, bertkeras 98, shared part 60, matrix products on top of it 75, bertkeras without dropout 90.
    summary = timings(1000 / 0.100, 1000 / 0.098, 1000 / 0.060)
    summary["matmul_floor"] = {"tokens_per_s_max": 1000 / 0.075}
    summary["bertkeras-dropout"] = {"tokens_per_s_max": 1000 / 0.090}
    limit = model_step.ceiling(summary)
    assert limit["speedup_if_only_matmuls"] == pytest.approx(100 / 75, abs=1e-3)
    assert limit["keras_hub_encoder_matmul_share"] == pytest.approx(15 / 40, abs=1e-3)
    # 1.2x: 83.3 ms, 8.3 ms of it for what keras-hub does in 25 ms besides the products; dropout alone costs 8.
    assert limit["rest_budget"] == pytest.approx((100 / 1.2 - 75) / 25, abs=1e-3)
    assert limit["our_dropout_of_rest"] == pytest.approx(8 / 25, abs=1e-3)
    note = model_step.ceiling_note(limit)
    assert note.endswith("; matrix products are 38% of keras-hub's encoder time: an encoder doing nothing else "
                         "would give 1.33×, so 1.2× leaves 33% of keras-hub's time on LayerNorm, softmax, GELU "
                         "and dropout for all of them (our dropout alone takes 32%)")


def test_the_note_says_when_matrix_products_alone_miss_the_target():
    summary = timings(1000 / 0.100, 1000 / 0.098, 1000 / 0.060)
    summary["matmul_floor"] = {"tokens_per_s_max": 1000 / 0.090}
    limit = model_step.ceiling(summary)
    assert limit["rest_budget"] < 0
    assert model_step.ceiling_note(limit).endswith("would give 1.11×, so 1.2× is out of reach on this machine")


def test_keys_and_labels_name_precision_and_onednn():
    key = model_step.config_key("base", True, 32, 512, "bf16", onednn=False)
    assert key == "base_jiton_b32_t512_bf16_dnnoff"
    assert model_step.row_label(key) == ("training step, backbone + MLM head, base, batch 32 × 512, XLA, "
                                         "bf16 mixed precision, oneDNN off")
    assert model_step.config_key("tiny", False, 16, 128) == "tiny_jitoff_b16_t128"


def test_gpu_rows_show_gpu_memory_mfu_and_the_cost_of_attention_output():
    entry = {**timings(1000.0, 1100.0, 2000.0), "speedup_vs_keras_hub": 1.1, "speedup_min": 1.0,
             "speedup_max": 1.3, "attention_output_cost": 0.123}
    for name in ("keras_hub", "bertkeras"):
        entry[name]["peak_gpu_mb"] = 2048.0
    entry["bertkeras"]["utilisation"] = {"tflops": 400.0, "peak_tflops": 989.0, "mfu": 0.4045}
    (row,) = model_step.summarize({"base_jiton_b128_t128_bf16": entry})
    assert row["ours"] == "1,100 tokens/s, 2.00 GiB peak GPU memory, MFU 40.5%"
    assert row["peer"] == "keras-hub 1,000 tokens/s, 2.00 GiB"
    assert row["note"].endswith("returning the attention probabilities costs 12% of the step")


def test_rows_without_memory_runs():
    entry = {name: {"tokens_per_s_median": tps} for name, tps in (("keras_hub", 900.0), ("bertkeras", 1000.0))}
    entry.update(speedup_vs_keras_hub=1.11, speedup_min=1.0, speedup_max=1.2)
    (row,) = model_step.summarize({"mini_jitoff_b16_t128": entry})
    assert (row["ours"], row["peer"], row.get("note", "")) == ("1,000 tokens/s", "keras-hub 900 tokens/s", "")


def test_a_configuration_kept_from_an_earlier_run_keeps_its_date():
    entry = {**timings(1000.0, 1100.0, 2000.0), "speedup_vs_keras_hub": 1.1, "speedup_min": 1.0,
             "speedup_max": 1.3, "measured": {"date": "2026-12-01 10:00 UTC"}}
    (row,) = model_step.summarize({"tiny_jiton_b16_t128": entry})
    assert row["date"] == "2026-12-01 10:00 UTC"


def test_a_jax_run_has_its_own_key_and_label():
    key = model_step.config_key("base", True, 32, 512, "bf16", backend="jax")
    assert key == "base_jiton_b32_t512_bf16_jax"
    assert model_step.row_label(key).endswith(", XLA, bf16 mixed precision, Keras on JAX")
    assert model_step.config_key("base", True, 32, 512, "bf16") == "base_jiton_b32_t512_bf16"


def test_the_gpu_script_calls_model_step_only_with_flags_it_has():
    """benchmarks/gpu_jax.sh runs on a lent GPU machine in one short go: a renamed flag must fail here."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_jax.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    lines = script.read_text().replace("\\\n", " ").splitlines()
    used = {flag for line in lines if line.startswith(("stage ", "common="))
            for flag in re.findall(r"(--[a-z][a-z-]*)", line)}
    assert {"--presets", "--precisions", "--tokens-per-step"} <= used
    usage = subprocess.run([sys.executable, "-m", "benchmarks.model_step", "--help"], capture_output=True,
                           text=True, cwd=script.parents[1]).stdout
    assert used <= set(re.findall(r"(--[a-z][a-z-]*)", usage)), used - set(re.findall(r"(--[a-z][a-z-]*)", usage))
