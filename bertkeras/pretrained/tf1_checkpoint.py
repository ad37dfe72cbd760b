"""google-research/bert's original TF1 checkpoints (``uncased_L-12_H-768_A-12`` and friends), read directly.

A release directory holds::

    bert_config.json                 {"hidden_size": 768, "hidden_act": "gelu", "vocab_size": 30522, ...}
    bert_model.ckpt.index            the variable directory of the checkpoint
    bert_model.ckpt.data-00000-of-00001
    vocab.txt                        the WordPiece vocabulary ([PAD] 0, [UNK] 100, [CLS] 101, ...)

The checkpoint is read variable by variable with ``tf.train.load_checkpoint`` (no TF1 graph, no session).
Its names are google-research/bert's own, the neutral names of :mod:`bertkeras.pretrained.google_names`, so nothing is
renamed; optimizer slots (``.../adam_m``, ``.../adam_v``) and ``global_step`` are skipped. Google's
``"gelu"`` is the tanh approximation (``modeling.gelu``), so it loads as ``gelu_approximate``.

Whether the model is cased is not in the checkpoint: Google put it in the directory name
(``uncased_L-2_H-128_A-2``, ``cased_L-12_H-768_A-12``, ``multi_cased_L-12_H-768_A-12``); pass
``lowercase=`` when the directory was renamed.
"""

from __future__ import annotations

import json
from pathlib import Path

from bertkeras.model.config import BertConfig
from bertkeras.pretrained.directory import PretrainedBert
from bertkeras.pretrained.google_names import (
    config_from_fields,
    expected_names,
    pretrainer_from_google_weights,
)
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

# google-research/bert's hidden_act -> BertConfig.hidden_activation (its "gelu" is the tanh form)
TF1_ACTIVATIONS = {"gelu": "gelu_approximate"}


def infer_lowercase(directory) -> bool:
    """Uncased or cased from a release directory's name, as Google named them.

    Example:
        >>> infer_lowercase("models/uncased_L-12_H-768_A-12"), infer_lowercase("multi_cased_L-12_H-768_A-12")
        (True, False)
    """
    name = Path(directory).expanduser().resolve().name.lower()
    if "uncased" in name:
        return True
    if "cased" in name:
        return False
    raise ValueError(f"cannot tell from the directory name {Path(directory).name!r} whether this checkpoint is "
                     "cased: Google's releases say it in the name (uncased_L-12_H-768_A-12, cased_L-12_H-768_A-12); "
                     "pass lowercase=True for an uncased model or lowercase=False for a cased one")


def tf1_config_to_bert_config(data: dict, source: str) -> BertConfig:
    """A :class:`BertConfig` from google-research/bert's ``bert_config.json``."""
    act = data.get("hidden_act", "gelu")
    if act not in TF1_ACTIVATIONS:
        raise ValueError(f"{source}: hidden_act {act!r} is not supported; bertkeras loads google-research/bert's "
                         "'gelu' (its tanh approximation)")
    return config_from_fields(data, source, hidden_activation=TF1_ACTIVATIONS[act], default_segments=16,
                              refetch="re-download the release")


def checkpoint_prefix(directory: Path) -> str:
    """The checkpoint prefix in ``directory``: ``bert_model.ckpt``, else the only ``*.index`` there."""
    directory = Path(directory)
    if (directory / "bert_model.ckpt.index").is_file():
        return str(directory / "bert_model.ckpt")
    indexes = sorted(directory.glob("*.index"))
    if len(indexes) == 1:
        return str(indexes[0])[:-len(".index")]
    if not indexes:
        raise FileNotFoundError(f"{directory} has no bert_model.ckpt.index (or other *.index): copy the whole "
                                "release, the .index and .data-* files belong together")
    raise ValueError(f"{directory} holds several checkpoints ({[p.name for p in indexes]}); keep only one, or "
                     "rename the one to load to bert_model.ckpt.*")


def read_tf1_weights(prefix: str, config: BertConfig) -> dict:
    """The BERT variables of a TF1 checkpoint (optimizer slots skipped), as numpy arrays."""
    # Imported here, not at the top: reading a TF1 checkpoint is the only use of TensorFlow in
    # bertkeras.pretrained, which otherwise also runs on Keras's JAX backend without it (tests/test_backends.py).
    import tensorflow as tf

    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    wanted = expected_names(config, use_nsp=True)
    weights = {name: reader.get_tensor(name) for name in wanted if name in shapes}
    if "bert/embeddings/word_embeddings" not in weights:
        sample = sorted(shapes)[:5]
        raise ValueError(f"{prefix}: no variable 'bert/embeddings/word_embeddings'; this is not a google-research/"
                         f"bert checkpoint (its first variables: {sample}). A TF2 / Keras checkpoint loads "
                         "through keras-hub or its own code, not this reader")
    return weights


def load_tf1_checkpoint(directory, *, lowercase: bool | None = None, **backbone_kwargs):
    """Load a google-research/bert release directory into a :class:`~bertkeras.pretrained.PretrainedBert`.

    Args:
        directory: holds ``bert_config.json``, ``bert_model.ckpt.*`` and ``vocab.txt``.
        lowercase: uncased (True) or cased (False); None infers it from the directory name.
        **backbone_kwargs: extra backbone options, e.g. ``return_attention_scores=True``.
    """
    directory = Path(directory).expanduser()
    config_file = directory / "bert_config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"no bert_config.json in {directory}; pass the unzipped release directory")
    config = tf1_config_to_bert_config(json.loads(config_file.read_text(encoding="utf-8")), str(config_file))
    if not (directory / "vocab.txt").is_file():
        raise FileNotFoundError(f"no vocab.txt in {directory}; it ships in the same release zip as the checkpoint")
    tokenizer = WordPieceTokenizer(directory / "vocab.txt",
                                   lowercase=infer_lowercase(directory) if lowercase is None else lowercase)
    if tokenizer.vocabulary_size != config.vocabulary_size:
        raise ValueError(f"{directory}: vocab.txt has {tokenizer.vocabulary_size} tokens but bert_config.json says "
                         f"vocab_size={config.vocabulary_size}; the two files come from different releases")
    prefix = checkpoint_prefix(directory)
    pretrainer = pretrainer_from_google_weights(read_tf1_weights(prefix, config), config, source=prefix,
                                                **backbone_kwargs)
    return PretrainedBert(pretrainer.backbone, pretrainer, tokenizer, config, directory, {})


__all__ = ["checkpoint_prefix", "infer_lowercase", "load_tf1_checkpoint", "read_tf1_weights",
           "tf1_config_to_bert_config"]
