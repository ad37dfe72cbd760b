"""BertBackbone: outputs, internals without a rebuild, users' own models, saving, mixed precision."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from bertkeras import BertBackbone, BertConfig

SMALL = dict(vocabulary_size=60, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
             max_sequence_length=24)


def batch(b=3, t=9, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.ones((b, t), "int32")
    if b > 1:
        mask[1, 6:] = 0
    return {"token_ids": rng.integers(5, 60, (b, t)).astype("int32") * mask,
            "segment_ids": (np.arange(t) >= t // 2).astype("int32")[None].repeat(b, 0),
            "padding_mask": mask}


def test_optional_outputs_and_internals_agree():
    x = batch()
    full = BertBackbone(**SMALL, return_hidden_states=True, return_attention_scores=True, dropout=0.0)
    out = full(x)
    assert len(out["hidden_states"]) == 3 and len(out["attention_scores"]) == 2
    assert tuple(out["attention_scores"][0].shape) == (3, 2, 9, 9)
    inner = full.internals(x)
    for a, b in zip(out["attention_scores"], inner["attention_scores"], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    np.testing.assert_allclose(np.asarray(out["sequence_output"]), np.asarray(inner["sequence_output"]), atol=1e-5)
    np.testing.assert_allclose(np.asarray(out["hidden_states"][-1]), np.asarray(out["sequence_output"]))


def test_internals_of_a_plain_backbone_use_its_trained_weights():
    plain = BertBackbone(**SMALL)
    x = batch()
    before = np.asarray(plain.internals(x)["attention_scores"][0])
    kernel = plain.encoder_blocks[0].attention.qkv_dense.kernel
    kernel.assign(np.asarray(kernel) * 3.0)
    after = np.asarray(plain.internals(x)["attention_scores"][0])
    assert not np.allclose(before, after), "internals() must read the model's own (changed) weights"
    np.testing.assert_allclose(np.asarray(plain.internals(x)["pooled_output"]),
                               np.asarray(plain(x)["pooled_output"]), atol=1e-5)


def test_padding_does_not_change_real_tokens():
    backbone = BertBackbone(**SMALL, dropout=0.0)
    x = batch(b=1, t=6)
    padded = {k: np.pad(v, ((0, 0), (0, 4))) for k, v in x.items()}
    a = np.asarray(backbone(x)["sequence_output"])
    b = np.asarray(backbone(padded)["sequence_output"])[:, :6]
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_bert_config_round_trip():
    config = BertConfig.from_preset("tiny", vocabulary_size=100, max_sequence_length=64)
    assert BertBackbone.from_bert_config(config).bert_config == config


def test_works_inside_a_users_functional_model_and_reloads_in_a_fresh_process(tmp_path):
    backbone = BertBackbone(**SMALL)
    inputs = {k: keras.Input(shape=(None,), dtype="int32", name=k) for k in ("token_ids", "segment_ids", "padding_mask")}
    pooled = backbone(inputs)["pooled_output"]
    logits = keras.layers.Dense(2, name="my_head")(pooled)
    model = keras.Model(inputs, logits)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = batch(b=16, t=8)
    y = (x["token_ids"][:, 1] > 30).astype("int32")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x["token_ids"])
    expected = np.asarray(model(x, training=False))
    np.save(tmp_path / "expected.npy", expected)
    script = textwrap.dedent(f"""
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        import numpy as np, keras
        import bertkeras  # registers the layers; no custom_objects needed
        model = keras.saving.load_model({str(path)!r})
        ids = np.load({str(tmp_path / "x.npy")!r})
        x = {{"token_ids": ids, "segment_ids": {x["segment_ids"].tolist()!r}, "padding_mask": {x["padding_mask"].tolist()!r}}}
        x = {{k: np.asarray(v, "int32") for k, v in x.items()}}
        out = np.asarray(model(x, training=False))
        np.testing.assert_allclose(out, np.load({str(tmp_path / "expected.npy")!r}), atol=1e-6)
        print("reloaded ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "reloaded ok" in result.stdout, result.stderr[-2000:]


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_a_training_step_runs_under_mixed_precision(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        backbone = BertBackbone(**SMALL)
        inputs = {k: keras.Input(shape=(None,), dtype="int32", name=k) for k in ("token_ids", "segment_ids", "padding_mask")}
        logits = keras.layers.Dense(2, dtype="float32")(backbone(inputs)["pooled_output"])
        model = keras.Model(inputs, logits)
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        x = batch(b=8, t=8)
        loss = model.train_on_batch(x, np.zeros(8, "int32"))
        assert np.isfinite(loss)
        assert keras.backend.standardize_dtype(backbone(x)["sequence_output"].dtype) == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")
