"""FLOP counting for MFU: the formula against the matrix products TensorFlow actually runs."""

from __future__ import annotations

import math

import pytest
import tensorflow as tf

from benchmarks import flops
from bertkeras import BertBackbone, BertConfig, MaskedLMHead


def graph_matmul_flops(graph) -> int:
    """2 · m · n · k summed over every MatMul / BatchMatMul op of a graph with static shapes."""
    total = 0
    for op in graph.get_operations():
        if op.type == "MatMul":
            a = op.inputs[0].shape.as_list()
            k = a[0] if op.get_attr("transpose_a") else a[1]
        elif op.type.startswith("BatchMatMul"):
            a = op.inputs[0].shape.as_list()
            k = a[-2] if op.get_attr("adj_x") else a[-1]
        else:
            continue
        total += 2 * k * math.prod(op.outputs[0].shape.as_list())
    return total


def test_forward_flops_equal_the_products_in_the_traced_model():
    config = BertConfig.from_preset("tiny", vocabulary_size=100, max_sequence_length=64)
    # Asking for the attention probabilities selects the explicit path: plain (batch) matmuls only.
    backbone = BertBackbone.from_bert_config(config, return_attention_scores=True)
    head = MaskedLMHead(backbone.token_embedding)
    batch, length, predictions = 2, 16, 3

    @tf.function
    def forward(token_ids, segment_ids, padding_mask, positions):
        out = backbone({"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask})
        return head(out["sequence_output"], positions)

    specs = [tf.TensorSpec((batch, length), tf.int32)] * 3 + [tf.TensorSpec((batch, predictions), tf.int32)]
    graph = forward.get_concrete_function(*specs).graph
    # The pooler (one product on [CLS]) is in the graph but deliberately not in the formula.
    pooler = 2 * batch * config.hidden_dim**2
    assert graph_matmul_flops(graph) - pooler == flops.forward_flops(config, batch, length, predictions)["total"]


def test_encoder_term_is_six_n_per_token_with_n_the_encoder_kernels():
    config = BertConfig.from_preset("base")
    backbone = BertBackbone.from_bert_config(config)
    kernels = sum(math.prod(w.shape) for w in backbone.weights
                  if w.path.endswith("kernel") and "encoder_block" in w.path)
    assert kernels == 84_934_656  # 12 · (4 · 768² + 2 · 768 · 3072)
    parts = flops.forward_flops(config, batch=1, length=128, predictions=20)
    assert 3 * parts["encoder"] == 6 * kernels * 128
    assert 3 * parts["attention"] == 12 * config.num_layers * config.hidden_dim * 128**2  # PaLM's 12·L·H·T
    assert flops.training_flops(config, 1, 128, 20) == 3 * parts["total"]


def test_masked_positions_follow_bert():
    assert flops.mlm_predictions(128) == 20  # max_predictions_per_seq in BERT's length-128 phase
    assert flops.mlm_predictions(512) == 77


@pytest.mark.parametrize(("name", "peak"), [
    ("NVIDIA H100 80GB HBM3", 989.0), ("NVIDIA H100 PCIe", 756.0), ("NVIDIA H100 NVL", 835.0),
    ("NVIDIA H200", 989.0), ("NVIDIA A100-SXM4-40GB", 312.0), ("NVIDIA L40S", 362.0), ("NVIDIA L4", 121.0),
    ("Tesla T4", 65.0), ("NVIDIA A10G", None), ("Some Future GPU", None),
])
def test_peak_is_looked_up_by_the_most_specific_name(name, peak):
    assert flops.peak_tflops(name) == peak


def test_utilisation():
    assert flops.utilisation(10**15, 2.0, "NVIDIA H100 80GB HBM3") == {
        "tflops": 500.0, "peak_tflops": 989.0, "mfu": round(500 / 989, 4)}
    assert flops.utilisation(10**12, 4.0, None) == {"tflops": 0.25, "peak_tflops": None, "mfu": None}
