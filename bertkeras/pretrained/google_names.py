"""google-research/bert's variable names: the neutral form every checkpoint reader converts to and from.

Every reader (:mod:`~bertkeras.pretrained.huggingface`, :mod:`~bertkeras.pretrained.tf1_checkpoint`) turns its
source into one ``{name: array}`` dict under **google-research/bert's own variable names and layouts**
(``bert/encoder/layer_0/attention/self/query/kernel``, kernels (in, out)), the names every later format was
derived from. :func:`pretrainer_from_google_weights` fills a :class:`~bertkeras.model.pretrainer.BertPretrainer`
from that dict and :func:`google_weights` reads one back out of it, so each format needs only its renaming, and
the layout knowledge (Q, K and V are one (H, 3H) matrix here, the decoder is tied to the token embedding)
lives in this one place.
"""

from __future__ import annotations

import numpy as np

from bertkeras.model.backbone import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.pretrainer import BertPretrainer


def _layer(i: int) -> str:
    return f"bert/encoder/layer_{i}"


def _plain_targets(pretrainer) -> list[tuple[str, object]]:
    """(google-research/bert name, bertkeras variable) for every weight stored the same way in both."""
    backbone = pretrainer.backbone
    emb = backbone.embedding
    targets = [
        ("bert/embeddings/word_embeddings", emb.token_embedding.embeddings),
        ("bert/embeddings/token_type_embeddings", emb.segment_embedding.embeddings),
        ("bert/embeddings/position_embeddings", emb.position_embeddings),
        ("bert/embeddings/LayerNorm/gamma", emb.layer_norm.gamma),
        ("bert/embeddings/LayerNorm/beta", emb.layer_norm.beta),
        ("bert/pooler/dense/kernel", backbone.pooler.kernel),
        ("bert/pooler/dense/bias", backbone.pooler.bias),
    ]
    for i, block in enumerate(backbone.encoder_blocks):
        for google, layer in (("attention/output/dense", block.attention.output_dense),
                              ("intermediate/dense", block.ffn_in), ("output/dense", block.ffn_out)):
            targets += [(f"{_layer(i)}/{google}/kernel", layer.kernel), (f"{_layer(i)}/{google}/bias", layer.bias)]
        for google, norm in (("attention/output/LayerNorm", block.attention_norm), ("output/LayerNorm", block.ffn_norm)):
            targets += [(f"{_layer(i)}/{google}/gamma", norm.gamma), (f"{_layer(i)}/{google}/beta", norm.beta)]
    head = pretrainer.mlm_head
    targets += [
        ("cls/predictions/transform/dense/kernel", head.transform.kernel),
        ("cls/predictions/transform/dense/bias", head.transform.bias),
        ("cls/predictions/transform/LayerNorm/gamma", head.layer_norm.gamma),
        ("cls/predictions/transform/LayerNorm/beta", head.layer_norm.beta),
        ("cls/predictions/output_bias", head.output_bias),
    ]
    if pretrainer.nsp_head is not None:
        # google-research/bert keeps the NSP matrix as output_weights (2, H), i.e. transposed; see below.
        targets.append(("cls/seq_relationship/output_bias", pretrainer.nsp_head.dense.bias))
    return targets


def config_from_fields(fields: dict, source: str, *, hidden_activation: str, default_segments: int,
                       refetch: str) -> BertConfig:
    """A :class:`BertConfig` from the field names that google-research/bert's ``bert_config.json`` and Hugging
    Face's ``config.json`` share (``vocab_size``, ``num_hidden_layers``, ...); a missing field is an error
    that names it, and ``refetch`` says how to get a complete file.

    Example:
        >>> fields = {"vocab_size": 100, "num_hidden_layers": 2, "num_attention_heads": 2, "hidden_size": 64,
        ...           "intermediate_size": 128}
        >>> config_from_fields(fields, "x", hidden_activation="gelu_exact", default_segments=2, refetch="").num_layers
        2
    """
    try:
        return BertConfig(
            vocabulary_size=fields["vocab_size"], num_layers=fields["num_hidden_layers"],
            num_heads=fields["num_attention_heads"], hidden_dim=fields["hidden_size"],
            intermediate_dim=fields["intermediate_size"],
            max_sequence_length=fields.get("max_position_embeddings", 512),
            num_segments=fields.get("type_vocab_size", default_segments),
            dropout=fields.get("hidden_dropout_prob", 0.1),
            attention_dropout=fields.get("attention_probs_dropout_prob", 0.1),
            initializer_range=fields.get("initializer_range", 0.02),
            layer_norm_epsilon=fields.get("layer_norm_eps", 1e-12),  # google-research/bert: tf.contrib's 1e-12
            hidden_activation=hidden_activation)
    except KeyError as error:
        raise ValueError(f"{source}: lacks {error.args[0]!r}; it is not a complete BERT config ({refetch})") from None


def expected_names(config: BertConfig, use_nsp: bool = True) -> list[str]:
    """Every google-research/bert variable name a checkpoint of ``config`` holds (optimizer slots aside).

    Example:
        >>> names = expected_names(BertConfig.from_preset("tiny"))
        >>> len(names), names[0], names[-1]
        (46, 'bert/embeddings/word_embeddings', 'cls/seq_relationship/output_weights')
    """
    names = ["bert/embeddings/word_embeddings", "bert/embeddings/token_type_embeddings",
             "bert/embeddings/position_embeddings", "bert/embeddings/LayerNorm/gamma",
             "bert/embeddings/LayerNorm/beta"]
    for i in range(config.num_layers):
        for part in ("query", "key", "value"):
            names += [f"{_layer(i)}/attention/self/{part}/kernel", f"{_layer(i)}/attention/self/{part}/bias"]
        names += [f"{_layer(i)}/attention/output/dense/kernel", f"{_layer(i)}/attention/output/dense/bias",
                  f"{_layer(i)}/attention/output/LayerNorm/gamma", f"{_layer(i)}/attention/output/LayerNorm/beta",
                  f"{_layer(i)}/intermediate/dense/kernel", f"{_layer(i)}/intermediate/dense/bias",
                  f"{_layer(i)}/output/dense/kernel", f"{_layer(i)}/output/dense/bias",
                  f"{_layer(i)}/output/LayerNorm/gamma", f"{_layer(i)}/output/LayerNorm/beta"]
    names += ["bert/pooler/dense/kernel", "bert/pooler/dense/bias",
              "cls/predictions/transform/dense/kernel", "cls/predictions/transform/dense/bias",
              "cls/predictions/transform/LayerNorm/gamma", "cls/predictions/transform/LayerNorm/beta",
              "cls/predictions/output_bias"]
    if use_nsp:
        names += ["cls/seq_relationship/output_bias", "cls/seq_relationship/output_weights"]
    return names


def _put(variable, value, name: str, source: str) -> None:
    value = np.asarray(value)
    if tuple(variable.shape) != value.shape:
        raise ValueError(
            f"{source}: variable {name!r} has shape {value.shape} but the model built from the checkpoint's "
            f"config expects {tuple(variable.shape)}; the config file and the weights come from different "
            "models: use the config.json / bert_config.json that was saved with these weights")
    variable.assign(value.astype(variable.dtype))


def pretrainer_from_google_weights(weights: dict[str, np.ndarray], config: BertConfig, *, source: str,
                                   **backbone_kwargs):
    """A :class:`BertPretrainer` of ``config`` holding ``weights`` (google-research/bert names and layouts).

    The NSP head is built when the weights have one (``cls/seq_relationship/*``). Any other missing
    variable is an error that names it, as is a shape that does not fit.
    """
    use_nsp = "cls/seq_relationship/output_weights" in weights
    missing = [name for name in expected_names(config, use_nsp) if name not in weights]
    if missing:
        raise ValueError(
            f"{source}: {len(missing)} variable(s) missing, e.g. {missing[:4]}; a BERT pre-training checkpoint "
            "holds the backbone and the masked-LM head (a BertModel / fine-tuned checkpoint without "
            "cls/predictions/* cannot fill BertPretrainer): load one saved from BertForPreTraining or "
            "BertForMaskedLM, or the original google-research/bert release")
    backbone = BertBackbone.from_bert_config(config, **backbone_kwargs)
    pretrainer = BertPretrainer(backbone, use_nsp=use_nsp)
    for name, variable in _plain_targets(pretrainer):
        _put(variable, weights[name], name, source)
    hidden = config.hidden_dim
    for i, block in enumerate(backbone.encoder_blocks):
        kernels, biases = [], []
        for part in ("query", "key", "value"):
            name = f"{_layer(i)}/attention/self/{part}"
            kernel, bias = np.asarray(weights[f"{name}/kernel"]), np.asarray(weights[f"{name}/bias"])
            if kernel.shape != (hidden, hidden) or bias.shape != (hidden,):
                raise ValueError(
                    f"{source}: variable {name + '/kernel'!r} / {name + '/bias'!r} have shapes {kernel.shape} / "
                    f"{bias.shape} but the model built from the checkpoint's config expects {(hidden, hidden)} / "
                    f"{(hidden,)}; use the config file that was saved with these weights")
            kernels.append(kernel)
            biases.append(bias)
        # Our one (H, 3H) matrix is [Q | K | V] side by side, each (H, A·H/A) in google's head order.
        _put(block.attention.qkv_dense.kernel, np.concatenate(kernels, axis=1), f"{_layer(i)}/attention/self/*/kernel",
             source)
        _put(block.attention.qkv_dense.bias, np.concatenate(biases), f"{_layer(i)}/attention/self/*/bias", source)
    if use_nsp:
        nsp = np.asarray(weights["cls/seq_relationship/output_weights"])
        expected = (2, hidden)
        if nsp.shape != expected:
            raise ValueError(
                f"{source}: variable 'cls/seq_relationship/output_weights' has shape {nsp.shape} but the model built "
                f"from the checkpoint's config expects {expected} (google-research/bert stores it as [2, H], "
                "the transpose of a Dense kernel); use the config file that was saved with these weights")
        _put(pretrainer.nsp_head.dense.kernel, nsp.T, "cls/seq_relationship/output_weights", source)
    return pretrainer


def google_weights(pretrainer) -> dict[str, np.ndarray]:
    """The weights of a :class:`BertPretrainer` under google-research/bert's names and layouts (float32)."""
    if pretrainer.backbone.normalize_first:
        raise ValueError("this backbone is pre-LN (normalize_first=True); BERT checkpoints are post-LN, so no "
                         "BERT format can hold it: export a normalize_first=False model")
    out = {name: np.asarray(variable, np.float32) for name, variable in _plain_targets(pretrainer)}
    hidden = pretrainer.backbone.hidden_dim
    for i, block in enumerate(pretrainer.backbone.encoder_blocks):
        kernel = np.asarray(block.attention.qkv_dense.kernel, np.float32)
        bias = np.asarray(block.attention.qkv_dense.bias, np.float32)
        for j, part in enumerate(("query", "key", "value")):
            out[f"{_layer(i)}/attention/self/{part}/kernel"] = kernel[:, j * hidden:(j + 1) * hidden]
            out[f"{_layer(i)}/attention/self/{part}/bias"] = bias[j * hidden:(j + 1) * hidden]
    if pretrainer.nsp_head is not None:
        out["cls/seq_relationship/output_weights"] = np.asarray(pretrainer.nsp_head.dense.kernel, np.float32).T
    return out


__all__ = ["expected_names", "google_weights", "pretrainer_from_google_weights"]
