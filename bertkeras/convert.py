"""Weight interop with keras-hub: load real pre-trained BERT checkpoints into bertkeras layers.

keras-hub publishes Google's BERT checkpoints as presets. With internet::

    import keras_hub, bertkeras
    hub = keras_hub.models.BertBackbone.from_preset("bert_tiny_en_uncased")
    backbone = bertkeras.convert.from_keras_hub(hub)        # same weights, bertkeras layers
    back = bertkeras.convert.to_keras_hub(backbone)         # and the way back

The matching vocabulary is keras-hub's ``BertTokenizer.from_preset(...)`` vocabulary; pass its list to
``bertkeras.WordPieceTokenizer``. The two models compute the same function (outputs agree to ~1e-6 in
float32): both are post-LN with the tanh-approximated GELU of google-research/bert. The only layout
difference is that bertkeras stores Q, K and V as one (H, 3H) matrix and keras-hub as three (H, A, H/A)
tensors.
"""

from __future__ import annotations

import numpy as np

from bertkeras.backbone import BertBackbone


def _assign(variable, value, name: str) -> None:
    value = np.asarray(value)
    if tuple(variable.shape) != value.shape:
        raise ValueError(
            f"weight {name!r}: the source has shape {value.shape} but the target expects {tuple(variable.shape)}; "
            "both models must be built with the same vocabulary_size, hidden_dim, num_heads, intermediate_dim, "
            "max_sequence_length and num_segments")
    variable.assign(value.astype(variable.dtype))


def _hub_config(hub) -> dict:
    return {
        "vocabulary_size": hub.vocabulary_size, "num_layers": hub.num_layers, "num_heads": hub.num_heads,
        "hidden_dim": hub.hidden_dim, "intermediate_dim": hub.intermediate_dim,
        "max_sequence_length": hub.max_sequence_length, "num_segments": hub.num_segments,
        "dropout": hub.dropout,
    }


def from_keras_hub(hub_backbone, **kwargs) -> BertBackbone:
    """A :class:`BertBackbone` with the weights of a ``keras_hub.models.BertBackbone``.

    Args:
        hub_backbone: a keras-hub BERT backbone (random or from a preset).
        **kwargs: extra :class:`BertBackbone` arguments, e.g. ``return_attention_scores=True``.
    """
    backbone = BertBackbone(**{**_hub_config(hub_backbone), **kwargs})
    copy_keras_hub_weights(hub_backbone, backbone)
    return backbone


def copy_keras_hub_weights(hub, backbone: BertBackbone) -> None:
    """Copy every weight of keras-hub backbone ``hub`` into bertkeras ``backbone`` (same sizes)."""
    emb = backbone.embedding
    _assign(emb.token_embedding.embeddings, hub.token_embedding.embeddings, "token_embedding")
    _assign(emb.segment_embedding.embeddings, hub.segment_embedding.embeddings, "segment_embedding")
    _assign(emb.position_embeddings, hub.position_embedding.position_embeddings, "position_embedding")
    _assign(emb.layer_norm.gamma, hub.embeddings_layer_norm.gamma, "embeddings_layer_norm/gamma")
    _assign(emb.layer_norm.beta, hub.embeddings_layer_norm.beta, "embeddings_layer_norm/beta")
    if len(hub.transformer_layers) != len(backbone.encoder_blocks):
        raise ValueError(f"keras-hub backbone has {len(hub.transformer_layers)} layers, bertkeras "
                         f"{len(backbone.encoder_blocks)}; build both with the same num_layers")
    for i, (src, dst) in enumerate(zip(hub.transformer_layers, backbone.encoder_blocks, strict=True)):
        att = src._self_attention_layer
        hidden = dst.attention.qkv_dense.kernel.shape[0]
        q, k, v = (np.asarray(d.kernel).reshape(hidden, -1) for d in (att._query_dense, att._key_dense, att._value_dense))
        qb, kb, vb = (np.asarray(d.bias).reshape(-1) for d in (att._query_dense, att._key_dense, att._value_dense))
        prefix = f"transformer_layer_{i}"
        _assign(dst.attention.qkv_dense.kernel, np.concatenate([q, k, v], axis=1), f"{prefix}/query,key,value kernels")
        _assign(dst.attention.qkv_dense.bias, np.concatenate([qb, kb, vb]), f"{prefix}/query,key,value biases")
        _assign(dst.attention.output_dense.kernel, np.asarray(att._output_dense.kernel).reshape(-1, hidden),
                f"{prefix}/attention_output/kernel")
        _assign(dst.attention.output_dense.bias, att._output_dense.bias, f"{prefix}/attention_output/bias")
        pairs = [
            (dst.attention_norm, src._self_attention_layer_norm, "self_attention_layer_norm"),
            (dst.ffn_norm, src._feedforward_layer_norm, "feedforward_layer_norm"),
        ]
        for target, source, name in pairs:
            _assign(target.gamma, source.gamma, f"{prefix}/{name}/gamma")
            _assign(target.beta, source.beta, f"{prefix}/{name}/beta")
        for target, source, name in [(dst.ffn_in, src._feedforward_intermediate_dense, "feedforward_intermediate"),
                                     (dst.ffn_out, src._feedforward_output_dense, "feedforward_output")]:
            _assign(target.kernel, source.kernel, f"{prefix}/{name}/kernel")
            _assign(target.bias, source.bias, f"{prefix}/{name}/bias")
    _assign(backbone.pooler.kernel, hub.pooled_dense.kernel, "pooled_dense/kernel")
    _assign(backbone.pooler.bias, hub.pooled_dense.bias, "pooled_dense/bias")


def to_keras_hub(backbone: BertBackbone):
    """A ``keras_hub.models.BertBackbone`` with the weights of a bertkeras post-LN backbone."""
    import keras_hub

    if backbone.normalize_first:
        raise ValueError("keras-hub's BertBackbone is post-LN; a normalize_first=True backbone has no equivalent")
    hub = keras_hub.models.BertBackbone(**_hub_config(backbone))
    emb = backbone.embedding
    _assign(hub.token_embedding.embeddings, emb.token_embedding.embeddings, "token_embedding")
    _assign(hub.segment_embedding.embeddings, emb.segment_embedding.embeddings, "segment_embedding")
    _assign(hub.position_embedding.position_embeddings, emb.position_embeddings, "position_embedding")
    _assign(hub.embeddings_layer_norm.gamma, emb.layer_norm.gamma, "embedding/layer_norm/gamma")
    _assign(hub.embeddings_layer_norm.beta, emb.layer_norm.beta, "embedding/layer_norm/beta")
    heads = backbone.num_heads
    for i, (src, dst) in enumerate(zip(backbone.encoder_blocks, hub.transformer_layers, strict=True)):
        att = dst._self_attention_layer
        hidden = src.attention.qkv_dense.kernel.shape[0]
        kernel = np.asarray(src.attention.qkv_dense.kernel).reshape(hidden, 3, heads, hidden // heads)
        bias = np.asarray(src.attention.qkv_dense.bias).reshape(3, heads, hidden // heads)
        prefix = f"encoder_block_{i}"
        for j, dense in enumerate((att._query_dense, att._key_dense, att._value_dense)):
            _assign(dense.kernel, kernel[:, j], f"{prefix}/qkv/kernel[{'qkv'[j]}]")
            _assign(dense.bias, bias[j], f"{prefix}/qkv/bias[{'qkv'[j]}]")
        _assign(att._output_dense.kernel,
                np.asarray(src.attention.output_dense.kernel).reshape(heads, hidden // heads, hidden),
                f"{prefix}/attention_output/kernel")
        _assign(att._output_dense.bias, src.attention.output_dense.bias, f"{prefix}/attention_output/bias")
        for target, source, name in [(dst._self_attention_layer_norm, src.attention_norm, "attention_layer_norm"),
                                     (dst._feedforward_layer_norm, src.ffn_norm, "ffn_layer_norm")]:
            _assign(target.gamma, source.gamma, f"{prefix}/{name}/gamma")
            _assign(target.beta, source.beta, f"{prefix}/{name}/beta")
        for target, source, name in [(dst._feedforward_intermediate_dense, src.ffn_in, "ffn_intermediate"),
                                     (dst._feedforward_output_dense, src.ffn_out, "ffn_output")]:
            _assign(target.kernel, source.kernel, f"{prefix}/{name}/kernel")
            _assign(target.bias, source.bias, f"{prefix}/{name}/bias")
    _assign(hub.pooled_dense.kernel, backbone.pooler.kernel, "pooled_dense/kernel")
    _assign(hub.pooled_dense.bias, backbone.pooler.bias, "pooled_dense/bias")
    return hub
