"""The model half of bertkeras runs on Keras's JAX backend, without TensorFlow, with the same numbers.

One subprocess starts with ``KERAS_BACKEND=jax`` and TensorFlow made unimportable (as on a machine that
has only JAX, e.g. a GPU box with no TensorFlow wheel), loads weights this TensorFlow process saved, and
must reproduce this process's outputs; it also trains, saves and reloads a task model there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import bertkeras
from bertkeras import BertBackbone, BertConfig, BertPretrainer, load_pretrained

CHILD = textwrap.dedent("""
    import json, sys
    sys.modules["tensorflow"] = None  # `import tensorflow` now raises, as where it is not installed
    sys.modules["tensorflow_text"] = None
    import keras, numpy as np
    import bertkeras
    from bertkeras import BertBackbone, BertClassifier, BertConfig, BertPretrainer, MaskedLMHead, load_pretrained

    folder = sys.argv[1]
    report = {"backend": keras.backend.backend(), "has_tensorflow": bertkeras.HAS_TENSORFLOW}
    try:
        bertkeras.finetune
    except ImportError as error:
        report["finetune_error"] = str(error)
    inputs = dict(np.load(folder + "/inputs.npz"))
    config = BertConfig.from_json(open(folder + "/config.json").read())
    backbone = BertBackbone.from_bert_config(config, return_attention_scores=True)
    pretrainer = BertPretrainer(backbone)
    pretrainer(inputs)
    pretrainer.load_weights(folder + "/pretrainer.weights.h5")
    out = pretrainer(inputs, training=False)
    seq = backbone({k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")})
    np.savez(folder + "/jax.npz", mlm_logits=np.asarray(out["mlm_logits"]), nsp_logits=np.asarray(out["nsp_logits"]),
             sequence_output=np.asarray(seq["sequence_output"]), attention=np.asarray(seq["attention_scores"][-1]))

    shipped = load_pretrained()
    report["fill_mask"] = [w for w, _ in shipped.fill_mask("the prime [MASK] said on tuesday", top_k=5)[0]]

    # Training, saving and reloading a task model, all on JAX (fit compiles with XLA there). Seeded, and a
    # learning rate that fits 2 examples in 8 steps: 3 steps at 1e-3 sometimes left the loss where it was.
    keras.utils.set_random_seed(0)
    plain = BertBackbone.from_bert_config(config)
    classifier = BertClassifier(plain, num_classes=2)
    classifier.compile(optimizer=keras.optimizers.AdamW(1e-2),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    features = {k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    history = classifier.fit(features, np.array([0, 1]), epochs=8, verbose=0)
    report["losses"] = [float(x) for x in history.history["loss"]]
    classifier.save(folder + "/classifier.keras")
    again = keras.saving.load_model(folder + "/classifier.keras")
    report["reload_max_diff"] = float(np.max(np.abs(np.asarray(again(features)) - np.asarray(classifier(features)))))
    report["tensorflow_loaded"] = sys.modules.get("tensorflow") is not None
    print(json.dumps(report))
""")


@pytest.mark.slow
def test_the_model_runs_on_jax_without_tensorflow_and_matches_tensorflow(tmp_path):
    pytest.importorskip("jax", reason="jax is a dev dependency (pyproject [dev]); `make install` brings it")
    config = BertConfig(vocabulary_size=60, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
                        max_sequence_length=24)
    keras.utils.set_random_seed(3)
    backbone = BertBackbone.from_bert_config(config, return_attention_scores=True)
    pretrainer = BertPretrainer(backbone)
    rng = np.random.default_rng(0)
    inputs = {"token_ids": rng.integers(5, 60, (2, 12)).astype("int32"),
              "segment_ids": np.repeat((np.arange(12) >= 6).astype("int32")[None], 2, 0),
              "padding_mask": np.array([[1] * 12, [1] * 9 + [0] * 3], "int32"),
              "mask_positions": np.array([[1, 4, 7], [2, 3, 8]], "int32")}
    out = pretrainer(inputs, training=False)
    seq = backbone({k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")})
    pretrainer.save_weights(tmp_path / "pretrainer.weights.h5")
    (tmp_path / "config.json").write_text(config.to_json())
    np.savez(tmp_path / "inputs.npz", **inputs)

    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["backend"] == "jax" and report["has_tensorflow"] is False
    assert not report["tensorflow_loaded"], "the model half must not import TensorFlow"
    assert "needs TensorFlow" in report["finetune_error"] and "pip install" in report["finetune_error"]
    jax_out = np.load(tmp_path / "jax.npz")
    np.testing.assert_allclose(jax_out["sequence_output"], np.asarray(seq["sequence_output"]), atol=1e-5)
    np.testing.assert_allclose(jax_out["attention"], np.asarray(seq["attention_scores"][-1]), atol=1e-6)
    np.testing.assert_allclose(jax_out["mlm_logits"], np.asarray(out["mlm_logits"]), atol=1e-5)
    np.testing.assert_allclose(jax_out["nsp_logits"], np.asarray(out["nsp_logits"]), atol=1e-5)

    shipped = [w for w, _ in load_pretrained().fill_mask("the prime [MASK] said on tuesday", top_k=5)[0]]
    assert report["fill_mask"] == shipped, "the shipped checkpoint predicts the same words on both backends"
    # From ln 2 = 0.69 to 0.25-0.36 for seeds 0-3: the loss falls, not just wobbles.
    assert report["losses"][-1] < 0.8 * report["losses"][0], f"training on JAX lowers the loss: {report['losses']}"
    assert report["reload_max_diff"] < 1e-6


def test_the_table_of_tensorflow_names_says_where_each_comes_from():
    """The names the JAX-only import refuses, each with the module it really comes from (the error cites it)."""
    for name, module in bertkeras.TENSORFLOW_NAMES.items():
        value = getattr(bertkeras, name)
        assert getattr(value, "__name__", None) == module or value.__module__ == module, name
    model_names = {"BertBackbone", "BertPretrainer", "MaskedLMHead", "load_pretrained", "BertClassifier"}
    assert not model_names & set(bertkeras.TENSORFLOW_NAMES), "the model half never needs TensorFlow"
