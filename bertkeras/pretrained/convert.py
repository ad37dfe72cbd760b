"""Weight interop with keras-hub: load real pre-trained BERT checkpoints into bertkeras layers.

keras-hub publishes Google's BERT checkpoints as presets. With internet::

    import keras_hub, bertkeras
    hub = keras_hub.models.BertBackbone.from_preset("bert_tiny_en_uncased")
    backbone = bertkeras.pretrained.convert.from_keras_hub(hub)        # same weights, bertkeras layers
    back = bertkeras.pretrained.convert.to_keras_hub(backbone)         # and the way back

The matching vocabulary is keras-hub's ``BertTokenizer.from_preset(...)`` vocabulary; pass its list to
``bertkeras.WordPieceTokenizer``. The two models compute the same function (outputs agree to ~1e-6 in
float32): both are post-LN with the tanh-approximated GELU of google-research/bert. The only layout
difference is that bertkeras stores Q, K and V as one (H, 3H) matrix and keras-hub as three (H, A, H/A)
tensors.
"""

from __future__ import annotations

import numpy as np

from bertkeras.model.backbone import BertBackbone


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


def _plain_pairs(hub, backbone: BertBackbone) -> list[tuple[object, object, str]]:
    """(bertkeras variable, keras-hub variable, name) for every weight stored the same way in both."""
    emb = backbone.embedding
    pairs = [
        (emb.token_embedding.embeddings, hub.token_embedding.embeddings, "token_embedding"),
        (emb.segment_embedding.embeddings, hub.segment_embedding.embeddings, "segment_embedding"),
        (emb.position_embeddings, hub.position_embedding.position_embeddings, "position_embedding"),
        (emb.layer_norm.gamma, hub.embeddings_layer_norm.gamma, "embeddings_layer_norm/gamma"),
        (emb.layer_norm.beta, hub.embeddings_layer_norm.beta, "embeddings_layer_norm/beta"),
        (backbone.pooler.kernel, hub.pooled_dense.kernel, "pooled_dense/kernel"),
        (backbone.pooler.bias, hub.pooled_dense.bias, "pooled_dense/bias"),
    ]
    for i, (ours, theirs) in enumerate(zip(backbone.encoder_blocks, hub.transformer_layers, strict=True)):
        att = theirs._self_attention_layer
        for mine, other, name in [
            (ours.attention_norm, theirs._self_attention_layer_norm, "self_attention_layer_norm"),
            (ours.ffn_norm, theirs._feedforward_layer_norm, "feedforward_layer_norm"),
        ]:
            pairs += [(mine.gamma, other.gamma, f"transformer_layer_{i}/{name}/gamma"),
                      (mine.beta, other.beta, f"transformer_layer_{i}/{name}/beta")]
        for mine, other, name in [
            (ours.ffn_in, theirs._feedforward_intermediate_dense, "feedforward_intermediate_dense"),
            (ours.ffn_out, theirs._feedforward_output_dense, "feedforward_output_dense"),
            (ours.attention.output_dense, att._output_dense, "attention_output"),
        ]:
            pairs += [(mine.kernel, other.kernel, f"transformer_layer_{i}/{name}/kernel"),
                      (mine.bias, other.bias, f"transformer_layer_{i}/{name}/bias")]
    return pairs


def _check_depth(hub, backbone: BertBackbone) -> None:
    if len(hub.transformer_layers) != len(backbone.encoder_blocks):
        raise ValueError(f"keras-hub backbone has {len(hub.transformer_layers)} layers, bertkeras "
                         f"{len(backbone.encoder_blocks)}; build both with the same num_layers")


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
    _check_depth(hub, backbone)
    for ours, theirs, name in _plain_pairs(hub, backbone):
        # keras-hub keeps the attention output kernel as (A, H/A, H); ours is (H, H).
        _assign(ours, np.asarray(theirs).reshape(-1, ours.shape[-1]) if len(theirs.shape) == 3 else theirs, name)
    hidden = backbone.hidden_dim
    for i, (ours, theirs) in enumerate(zip(backbone.encoder_blocks, hub.transformer_layers, strict=True)):
        att = theirs._self_attention_layer
        dense = (att._query_dense, att._key_dense, att._value_dense)  # kernels (H, A, H/A), biases (A, H/A)
        kernel = np.concatenate([np.asarray(d.kernel).reshape(hidden, -1) for d in dense], axis=1)  # (H, 3H)
        bias = np.concatenate([np.asarray(d.bias).reshape(-1) for d in dense])  # (3H,)
        _assign(ours.attention.qkv_dense.kernel, kernel, f"transformer_layer_{i}/query,key,value kernels")
        _assign(ours.attention.qkv_dense.bias, bias, f"transformer_layer_{i}/query,key,value biases")


def to_keras_hub(backbone: BertBackbone):
    """A ``keras_hub.models.BertBackbone`` with the weights of a bertkeras post-LN, tanh-GELU backbone.

    Raises:
        ValueError: the backbone is pre-LN (``normalize_first=True``) or uses the exact GELU
            (``hidden_activation="gelu_exact"``, e.g. loaded from Hugging Face's ``"gelu"``): keras-hub's
            BERT has neither, so the converted model would compute a different function.
    """
    if backbone.normalize_first:
        raise ValueError("keras-hub's BertBackbone is post-LN; a normalize_first=True backbone has no equivalent")
    if backbone.hidden_activation != "gelu_approximate":
        raise ValueError(
            f"keras-hub's BertBackbone has only the tanh GELU (gelu_approximate), this backbone uses "
            f"hidden_activation={backbone.hidden_activation!r}, so the converted model would compute another "
            "function; keep the bertkeras model, or save it for transformers with "
            "save_pretrained(..., format='huggingface') (which records the exact GELU as hidden_act 'gelu')")
    # keras-hub is heavy and loads TensorFlow: imported only when a conversion is asked for.
    import keras_hub

    hub = keras_hub.models.BertBackbone(**_hub_config(backbone))
    _check_depth(hub, backbone)
    for ours, theirs, name in _plain_pairs(hub, backbone):
        _assign(theirs, np.asarray(ours).reshape(theirs.shape), name)
    heads, hidden = backbone.num_heads, backbone.hidden_dim
    for i, (ours, theirs) in enumerate(zip(backbone.encoder_blocks, hub.transformer_layers, strict=True)):
        att = theirs._self_attention_layer
        kernel = np.asarray(ours.attention.qkv_dense.kernel).reshape(hidden, 3, heads, hidden // heads)
        bias = np.asarray(ours.attention.qkv_dense.bias).reshape(3, heads, hidden // heads)
        for j, dense in enumerate((att._query_dense, att._key_dense, att._value_dense)):
            _assign(dense.kernel, kernel[:, j], f"encoder_block_{i}/qkv/kernel[{'qkv'[j]}]")
            _assign(dense.bias, bias[j], f"encoder_block_{i}/qkv/bias[{'qkv'[j]}]")
    return hub
