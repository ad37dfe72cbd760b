"""google-research/bert TF1 checkpoints: written here under Google's exact variable names, read back."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

from bertkeras.pretrained.checkpoints import load_checkpoint, source_kind
from bertkeras.pretrained.google_names import expected_names, google_weights
from bertkeras.pretrained.tf1_checkpoint import infer_lowercase

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "##s", "##ing", "in", "park", ".", ",", "!"]
VOCAB = ["[PAD]", *[f"[unused{i}]" for i in range(99)], "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
SIZES = {"vocab_size": len(VOCAB), "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
         "intermediate_size": 128, "max_position_embeddings": 32, "type_vocab_size": 2}


def write_tf1(directory, weights: dict, sizes=SIZES):
    """A release directory as google-research/bert wrote it: bert_config.json, vocab.txt, bert_model.ckpt.*.

    The checkpoint is a TF V2 checkpoint under the exact variable names, with Adam slots and global_step
    as run_pretraining.py leaves them (the reader must skip those).
    """
    directory.mkdir(parents=True, exist_ok=True)
    config = {**sizes, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
              "initializer_range": 0.02}
    (directory / "bert_config.json").write_text(json.dumps(config, indent=2))
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tensors = {name: np.asarray(value, np.float32) for name, value in weights.items()}
    for name in list(tensors)[:3]:
        tensors[f"{name}/adam_m"] = np.zeros_like(tensors[name])
        tensors[f"{name}/adam_v"] = np.zeros_like(tensors[name])
    tensors["global_step"] = np.int64(1000)
    names = sorted(tensors)
    tf.raw_ops.SaveV2(prefix=str(directory / "bert_model.ckpt"), tensor_names=names,
                      shape_and_slices=[""] * len(names), tensors=[tf.constant(tensors[n]) for n in names])
    return directory


def random_pretrainer(seed=0):
    from bertkeras import BertBackbone
    from bertkeras.model.config import BertConfig
    from bertkeras.model.pretrainer import BertPretrainer

    config = BertConfig(vocabulary_size=len(VOCAB), num_layers=2, num_heads=2, hidden_dim=64, intermediate_dim=128,
                        max_sequence_length=32)
    pretrainer = BertPretrainer(BertBackbone.from_bert_config(config))
    rng = np.random.default_rng(seed)
    for variable in pretrainer.weights:
        variable.assign(np.asarray(variable) + rng.normal(0, 0.1, variable.shape).astype("float32"))
    return pretrainer


def test_google_names_round_trip_bit_for_bit(tmp_path):
    pretrainer = random_pretrainer()
    weights = google_weights(pretrainer)
    assert sorted(weights) == sorted(expected_names(pretrainer.backbone.bert_config))
    assert weights["cls/seq_relationship/output_weights"].shape == (2, 64)  # Google's [2, H], transposed
    assert weights["bert/encoder/layer_0/attention/self/query/kernel"].shape == (64, 64)
    directory = write_tf1(tmp_path / "uncased_L-2_H-64_A-2", weights)
    assert source_kind(directory) == "tf1"
    loaded = load_checkpoint(directory)
    assert loaded.tokenizer.lowercase is True and loaded.config.hidden_activation == "gelu_approximate"
    tok = loaded.tokenizer
    assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id, tok.mask_id) == (0, 100, 101, 102, 103)
    assert tok.encode("the cats ran", max_length=6)["token_ids"] == [101, 104, 105, 112, 111, 102]
    for a, b in zip(pretrainer.weights, loaded.pretrainer.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_matches_transformers_on_the_same_weights(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from bertkeras.pretrained.huggingface import hf_name
    from tests.pretrained.test_huggingface import assert_same, batch, bertkeras_outputs, hf_model, hf_outputs

    model = hf_model("gelu_new", seed=7)  # transformers' name for google-research/bert's tanh GELU
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    weights = {}
    for name in expected_names(load_config()):
        key, transpose = hf_name(name)
        weights[name] = state[key].T if transpose else state[key]
    directory = write_tf1(tmp_path / "cased_L-2_H-64_A-2", weights)
    loaded = load_checkpoint(directory)
    assert loaded.tokenizer.lowercase is False
    x = batch()
    assert_same(bertkeras_outputs(loaded, x), hf_outputs(model, x), x["padding_mask"])


def load_config():
    from bertkeras.model.config import BertConfig

    return BertConfig(vocabulary_size=len(VOCAB), num_layers=2, num_heads=2, hidden_dim=64, intermediate_dim=128,
                      max_sequence_length=32)


def test_shape_mismatch_names_variable_both_shapes_and_the_fix(tmp_path):
    weights = google_weights(random_pretrainer())
    directory = write_tf1(tmp_path / "uncased_L-2_H-64_A-2", weights, {**SIZES, "intermediate_size": 96})
    with pytest.raises(ValueError) as error:
        load_checkpoint(directory)
    message = str(error.value)
    assert "'bert/encoder/layer_0/intermediate/dense/kernel'" in message
    assert "(64, 128)" in message and "(64, 96)" in message and "bert_config.json" in message


def test_nsp_output_weights_shape_is_checked(tmp_path):
    weights = google_weights(random_pretrainer())
    weights["cls/seq_relationship/output_weights"] = weights["cls/seq_relationship/output_weights"].T  # (H, 2)
    directory = write_tf1(tmp_path / "uncased_L-2_H-64_A-2", weights)
    with pytest.raises(ValueError, match=r"'cls/seq_relationship/output_weights' has shape \(64, 2\).*\(2, 64\)"):
        load_checkpoint(directory)


def test_missing_variable_and_casing_errors(tmp_path):
    weights = google_weights(random_pretrainer())
    del weights["cls/predictions/output_bias"]
    directory = write_tf1(tmp_path / "my_bert", weights)
    with pytest.raises(ValueError, match="pass lowercase=True for an uncased model"):
        load_checkpoint(directory)
    with pytest.raises(ValueError, match=r"missing, e.g. \['cls/predictions/output_bias'\]"):
        load_checkpoint(directory, lowercase=True)
    assert infer_lowercase("x/uncased_L-4_H-256_A-4") is True
    assert infer_lowercase("x/wwm_cased_L-24_H-1024_A-16") is False
