"""Public BERT checkpoints into the readable bertkeras layers: one entry point, :func:`load_checkpoint`.

============================================  ==========================================================
source                                        what is read
============================================  ==========================================================
a bertkeras directory (``config.json`` with   :func:`bertkeras.pretrained.load_pretrained`
``"format": "bertkeras-pretrained"``)
a Hugging Face BERT directory                 ``config.json`` + ``model.safetensors`` (or
                                              ``pytorch_model.bin`` with torch), ``vocab.txt``,
                                              ``tokenizer_config.json`` (:mod:`bertkeras.pretrained.huggingface`)
``hf://org/name``                             the same files, downloaded once by ``huggingface_hub``
a google-research/bert TF1 directory          ``bert_config.json``, ``bert_model.ckpt.*``, ``vocab.txt``
                                              (:mod:`bertkeras.pretrained.tf1_checkpoint`)
a keras-hub preset name                       ``bert_base_en_uncased`` etc., via :mod:`bertkeras.pretrained.hub`
============================================  ==========================================================

Every reader turns its source into one neutral form: a ``{name: array}`` dict under **google-research/bert's
own variable names and layouts** (``bert/encoder/layer_0/attention/self/query/kernel``, kernels
(in, out)), the names every later format was derived from. :func:`pretrainer_from_google_weights` then
fills a :class:`~bertkeras.model.pretrainer.BertPretrainer` from that dict and :func:`google_weights` reads one
back into it, so each format needs only its renaming, and the layout knowledge (Q, K and V are one
(H, 3H) matrix here, the decoder is tied to the token embedding) lives in this one place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bertkeras.model.config import BertConfig

HF_PREFIX = "hf://"


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
    from bertkeras.model.backbone import BertBackbone
    from bertkeras.model.pretrainer import BertPretrainer

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


def source_kind(source) -> str:
    """Which reader a ``source`` needs: ``bertkeras``, ``huggingface``, ``hf-hub``, ``tf1`` or ``keras-hub``.

    Example:
        >>> source_kind("hf://google-bert/bert-base-uncased"), source_kind("bert_base_en_uncased")
        ('hf-hub', 'keras-hub')
    """
    text = str(source)
    if text.startswith(HF_PREFIX):
        return "hf-hub"
    path = Path(text).expanduser()
    if path.is_dir():
        from bertkeras.pretrained import FORMAT

        config = path / "config.json"
        if config.is_file():
            import json

            try:
                meta = json.loads(config.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise ValueError(f"{config} is not valid JSON ({error}); re-download or re-save the model") from None
            return "bertkeras" if meta.get("format") == FORMAT else "huggingface"
        if (path / "bert_config.json").is_file():
            return "tf1"
        raise ValueError(
            f"{path} holds neither a config.json (bertkeras or Hugging Face) nor a bert_config.json "
            "(google-research/bert): pass the directory that contains the model's config file")
    from bertkeras.pretrained.hub import KERAS_HUB_BERT

    if text in KERAS_HUB_BERT:
        return "keras-hub"
    raise ValueError(
        f"cannot load {text!r}: it is not a directory, not an hf://org/name address and not a keras-hub BERT "
        f"preset ({', '.join(KERAS_HUB_BERT)}); check the path, or write hf://{text} for a Hugging Face Hub model")


def _from_keras_hub(preset: str, lowercase: bool | None, **backbone_kwargs):
    """A keras-hub preset: the backbone converted by :mod:`bertkeras.pretrained.convert`; the heads stay random."""
    from bertkeras.model.pretrainer import BertPretrainer
    from bertkeras.pretrained import PretrainedBert
    from bertkeras.pretrained.hub import KERAS_HUB_BERT, _download

    _, _, preset_lowercase = KERAS_HUB_BERT[preset]
    lowercase = preset_lowercase if lowercase is None else lowercase
    try:
        hub, tokenizer = _download(preset, lowercase)
    except Exception as error:  # noqa: BLE001  (any network or format failure: say so, never a random stand-in)
        raise OSError(f"could not download keras-hub preset {preset!r} ({type(error).__name__}: {str(error)[:200]}); "
                      "connect to the internet (Kaggle) once so keras-hub caches it, or pass a local "
                      "directory") from None
    from bertkeras.pretrained.convert import from_keras_hub

    backbone = from_keras_hub(hub, **backbone_kwargs)
    # keras-hub's BERT presets ship the backbone only: the pre-training heads are freshly initialised.
    pretrainer = BertPretrainer(backbone, use_nsp=False)
    return PretrainedBert(backbone, pretrainer, tokenizer, backbone.bert_config, Path(preset),
                          {"randomly_initialized": ["mlm_head"], "source": f"keras-hub preset {preset}"})


def load_checkpoint(source, *, lowercase: bool | None = None, **backbone_kwargs):
    """Load any public BERT checkpoint into a :class:`~bertkeras.pretrained.PretrainedBert`.

    Args:
        source: a bertkeras pretrained directory, a Hugging Face BERT directory, ``hf://org/name``, a
            google-research/bert TF1 checkpoint directory or a keras-hub preset name (see the table above).
        lowercase: uncased (True) or cased (False) tokenization; None takes it from the source
            (``tokenizer_config.json``'s ``do_lower_case``, a TF1 directory's name, the preset).
        **backbone_kwargs: extra backbone options, e.g. ``return_attention_scores=True``.

    Returns:
        :class:`PretrainedBert` with the backbone, the pre-training heads (masked-LM always, NSP when the
        checkpoint has it), the tokenizer with the checkpoint's own vocabulary and special-token ids, and
        the config (with the checkpoint's GELU: ``gelu_exact`` for Hugging Face's ``"gelu"``).
    """
    kind = source_kind(source)
    if kind == "bertkeras":
        from bertkeras.pretrained import load_pretrained

        return load_pretrained(source, **backbone_kwargs)
    if kind == "huggingface":
        from bertkeras.pretrained.huggingface import load_huggingface

        return load_huggingface(source, lowercase=lowercase, **backbone_kwargs)
    if kind == "hf-hub":
        from bertkeras.pretrained.huggingface import download, load_huggingface

        return load_huggingface(download(str(source)), lowercase=lowercase, **backbone_kwargs)
    if kind == "tf1":
        from bertkeras.pretrained.tf1_checkpoint import load_tf1_checkpoint

        return load_tf1_checkpoint(source, lowercase=lowercase, **backbone_kwargs)
    return _from_keras_hub(str(source), lowercase, **backbone_kwargs)


__all__ = ["expected_names", "google_weights", "load_checkpoint", "pretrainer_from_google_weights", "source_kind"]
