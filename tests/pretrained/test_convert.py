"""keras-hub interop: random keras-hub backbones (never a hub download) converted both ways."""

from __future__ import annotations

import keras_hub
import numpy as np
import pytest

from bertkeras import BertBackbone, BertConfig, convert


def inputs(vocab, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.array([[1] * 24, [1] * 15 + [0] * 9], "int32")
    return {"token_ids": (rng.integers(0, vocab, (2, 24)) * mask).astype("int32"),
            "segment_ids": (np.arange(24) >= 10).astype("int32")[None].repeat(2, 0), "padding_mask": mask}


def close(a, b, mask):
    diff = np.abs(np.asarray(a) - np.asarray(b))
    return float(diff[mask.astype(bool)].max()) if diff.ndim == 3 else float(diff.max())


@pytest.mark.parametrize("preset", ["tiny", "mini", "small"])
def test_outputs_agree_both_ways(preset):
    config = BertConfig.from_preset(preset, vocabulary_size=2000, max_sequence_length=64)
    hub = keras_hub.models.BertBackbone(**{k: getattr(config, k) for k in (
        "vocabulary_size", "num_layers", "num_heads", "hidden_dim", "intermediate_dim", "max_sequence_length",
        "num_segments")})
    x = inputs(config.vocabulary_size)
    ours = convert.from_keras_hub(hub)
    for key in ("sequence_output", "pooled_output"):
        assert close(hub(x)[key], ours(x)[key], x["padding_mask"]) < 1e-5
    back = convert.to_keras_hub(ours)
    for key in ("sequence_output", "pooled_output"):
        assert close(back(x)[key], ours(x)[key], x["padding_mask"]) < 1e-5
    assert ours.count_params() == hub.count_params()


def test_shape_mismatch_names_the_weight():
    hub = keras_hub.models.BertBackbone(vocabulary_size=100, num_layers=1, num_heads=2, hidden_dim=8,
                                        intermediate_dim=16, max_sequence_length=16)
    ours = BertBackbone(vocabulary_size=120, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                        max_sequence_length=16)
    with pytest.raises(ValueError, match="weight 'token_embedding'.*vocabulary_size"):
        convert.copy_keras_hub_weights(hub, ours)


def test_pre_ln_has_no_keras_hub_equivalent():
    ours = BertBackbone(vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                        max_sequence_length=16, normalize_first=True)
    with pytest.raises(ValueError, match="post-LN"):
        convert.to_keras_hub(ours)


def test_exact_gelu_has_no_keras_hub_equivalent():
    ours = BertBackbone(vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                        max_sequence_length=16, hidden_activation="gelu_exact")
    with pytest.raises(ValueError, match=r"only the tanh GELU.*'gelu_exact'.*format='huggingface'"):
        convert.to_keras_hub(ours)
