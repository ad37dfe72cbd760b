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


def test_ceiling_says_when_the_target_is_out_of_reach():
    # The shared part alone (90 ms) is slower than keras-hub's step / 1.2 (83 ms): no encoder can help.
    limit = model_step.ceiling(timings(1000 / 0.100, 1000 / 0.095, 1000 / 0.090))
    assert limit["encoder_speedup_needed"] is None
    assert model_step.ceiling_note(limit).endswith("(1.2× overall is out of reach)")
    assert limit["speedup_if_encoder_free"] == pytest.approx(100 / 90, abs=1e-3)


def test_summary_rows_name_xla_onednn_and_the_ceiling():
    entry = {**timings(1000.0, 1100.0, 2000.0), "speedup_vs_keras_hub": 1.1, "speedup_min": 1.0,
             "speedup_max": 1.3}
    entry["ceiling"] = model_step.ceiling(entry)
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
