"""BertConfig.hidden_activation: the GELU of the encoder FFN and the masked-LM transform."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bertkeras import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.pretrainer import BertPretrainer


def test_default_is_the_tanh_gelu_and_old_configs_still_load():
    assert BertConfig().hidden_activation == "gelu_approximate"
    old = json.loads(BertConfig.from_preset("tiny").to_json())
    del old["hidden_activation"]  # a config saved before the field existed
    assert BertConfig.from_json(json.dumps(old)).hidden_activation == "gelu_approximate"
    backbone = BertBackbone(vocabulary_size=30, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)
    config = backbone.get_config()
    assert config["hidden_activation"] == "gelu_approximate"
    del config["hidden_activation"]
    assert BertBackbone.from_config(config).hidden_activation == "gelu_approximate"


def test_bad_name_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match=r"hidden_activation must be one of \['gelu_approximate', 'gelu_exact'\]"):
        BertConfig(hidden_activation="gelu")


def test_exact_gelu_reaches_the_ffn_and_the_mlm_transform_and_round_trips():
    config = BertConfig(vocabulary_size=30, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                        max_sequence_length=8, hidden_activation="gelu_exact")
    backbone = BertBackbone.from_bert_config(config)
    assert backbone.bert_config == config
    pretrainer = BertPretrainer(backbone)
    assert backbone.encoder_blocks[0].hidden_activation == "gelu_exact"
    assert pretrainer.mlm_head.hidden_activation == "gelu_exact"
    x = np.linspace(-3, 3, 7, dtype="float32")
    exact = 0.5 * x * (1 + np.vectorize(__import__("math").erf)(x / np.sqrt(2)))
    np.testing.assert_allclose(np.asarray(backbone.encoder_blocks[0].ffn_in.activation(x)), exact, atol=1e-6)
    np.testing.assert_allclose(np.asarray(pretrainer.mlm_head.transform.activation(x)), exact, atol=1e-6)
    clone = BertPretrainer.from_config(pretrainer.get_config())
    assert clone.backbone.hidden_activation == "gelu_exact" and clone.mlm_head.hidden_activation == "gelu_exact"
