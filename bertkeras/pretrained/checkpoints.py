"""Which reader a BERT checkpoint needs, and the dispatch to it: :func:`source_kind`, :func:`load_checkpoint`.

============================================  ==========================================================
source                                        what is read
============================================  ==========================================================
a bertkeras directory (``config.json`` with   :func:`bertkeras.pretrained.directory.load_directory`
``"format": "bertkeras-pretrained"``)
a Hugging Face BERT directory                 ``config.json`` + ``model.safetensors`` (or
                                              ``pytorch_model.bin`` with torch, or ``tf_model.h5``), ``vocab.txt``,
                                              ``tokenizer_config.json`` (:mod:`bertkeras.pretrained.huggingface`)
``hf://org/name``                             the same files, downloaded once by ``huggingface_hub``
a google-research/bert TF1 directory          ``bert_config.json``, ``bert_model.ckpt.*``, ``vocab.txt``
                                              (:mod:`bertkeras.pretrained.tf1_checkpoint`)
a keras-hub preset name                       ``bert_base_en_uncased`` etc., via :mod:`bertkeras.pretrained.hub`
============================================  ==========================================================

The readers share google-research/bert's variable names (:mod:`bertkeras.pretrained.google_names`); the
names this module offered before the split (``expected_names``, ``google_weights``,
``pretrainer_from_google_weights``, ``HF_PREFIX``) are re-exported from there.
"""

from __future__ import annotations

import json
from pathlib import Path

from bertkeras.pretrained.directory import PretrainedBert, load_directory
from bertkeras.pretrained.google_names import expected_names, google_weights, pretrainer_from_google_weights
from bertkeras.pretrained.hub import KERAS_HUB_BERT, load_keras_hub_preset
from bertkeras.pretrained.huggingface import HF_PREFIX, download, load_huggingface
from bertkeras.pretrained.tf1_checkpoint import load_tf1_checkpoint

KINDS = ("bertkeras", "huggingface", "hf-hub", "tf1", "keras-hub")


class UnknownSourceError(FileNotFoundError, ValueError):
    """A source that is no directory, no ``hf://`` address and no keras-hub preset.

    Both a missing file (``except FileNotFoundError``, as for a bertkeras directory that is not there) and a
    bad argument (``except ValueError``), like :class:`io.UnsupportedOperation` is both an ``OSError`` and a
    ``ValueError``.
    """


def _config_kind(config: Path) -> str:
    """``bertkeras`` or ``huggingface``, from a directory's ``config.json``."""
    try:
        meta = json.loads(config.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{config} is not valid JSON ({error}); re-download or re-save the model") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{config} holds a JSON {type(meta).__name__}, not an object; re-download or re-save the "
                         "model")
    # A Hugging Face config always has vocab_size (and usually model_type) and never bertkeras's "format";
    # anything else goes to the bertkeras reader, whose errors say what is missing.
    if "format" not in meta and ("model_type" in meta or "vocab_size" in meta):
        return "huggingface"
    return "bertkeras"


def source_kind(source) -> str:
    """Which reader a ``source`` needs: ``bertkeras``, ``huggingface``, ``hf-hub``, ``tf1`` or ``keras-hub``.

    Raises:
        UnknownSourceError: ``source`` is not a directory, an ``hf://`` address or a keras-hub preset.
        ValueError: a directory without a config file BERT checkpoints have, or with an unreadable one.

    Example:
        >>> source_kind("hf://google-bert/bert-base-uncased"), source_kind("bert_base_en_uncased")
        ('hf-hub', 'keras-hub')
    """
    text = str(source)
    if text.startswith(HF_PREFIX):
        return "hf-hub"
    path = Path(text).expanduser()
    if path.is_dir():
        if (path / "config.json").is_file():
            return _config_kind(path / "config.json")
        if (path / "bert_config.json").is_file():
            return "tf1"
        raise ValueError(
            f"{path} holds neither a config.json (bertkeras or Hugging Face) nor a bert_config.json "
            "(google-research/bert): pass the directory that contains the model's config file")
    if text in KERAS_HUB_BERT:
        return "keras-hub"
    what = "a file, not a directory" if path.is_file() else "not a directory"
    raise UnknownSourceError(
        f"no pretrained model at {text!r}: it is {what}, not an hf://org/name address and not a keras-hub BERT "
        f"preset ({', '.join(KERAS_HUB_BERT)}); pass the directory that `bertkeras pretrain --out` wrote (or a "
        f"Hugging Face / google-research/bert directory), check the path, or write hf://{text} for a Hugging "
        "Face Hub model")


def load_checkpoint(source, *, lowercase: bool | None = None, **backbone_kwargs) -> PretrainedBert:
    """Load any public BERT checkpoint into a :class:`~bertkeras.pretrained.PretrainedBert`.

    :func:`bertkeras.pretrained.load_pretrained` is the same with ``source=None`` for the shipped model.

    Args:
        source: a bertkeras pretrained directory, a Hugging Face BERT directory, ``hf://org/name``, a
            google-research/bert TF1 checkpoint directory or a keras-hub preset name (see the table above).
        lowercase: uncased (True) or cased (False) tokenization; None takes it from the source
            (``tokenizer_config.json``'s ``do_lower_case``, a TF1 directory's name, the preset). A bertkeras
            directory records it in its ``config.json``, and ``lowercase`` must then be None or agree.
        **backbone_kwargs: extra backbone options, e.g. ``return_attention_scores=True``.

    Returns:
        :class:`PretrainedBert` with the backbone, the pre-training heads (masked-LM always, NSP when the
        checkpoint has it), the tokenizer with the checkpoint's own vocabulary and special-token ids, and
        the config (with the checkpoint's GELU: ``gelu_exact`` for Hugging Face's ``"gelu"``).
    """
    kind = source_kind(source)
    if kind == "bertkeras":
        pretrained = load_directory(source, **backbone_kwargs)
        if lowercase is not None and lowercase != pretrained.tokenizer.lowercase:
            raise ValueError(f"{source} was saved with lowercase={pretrained.tokenizer.lowercase} and its "
                             f"vocabulary fits that; leave lowercase=None for a bertkeras directory")
        return pretrained
    if kind == "huggingface":
        return load_huggingface(source, lowercase=lowercase, **backbone_kwargs)
    if kind == "hf-hub":
        return load_huggingface(download(str(source)), lowercase=lowercase, **backbone_kwargs)
    if kind == "tf1":
        return load_tf1_checkpoint(source, lowercase=lowercase, **backbone_kwargs)
    return load_keras_hub_preset(str(source), lowercase=lowercase, **backbone_kwargs)


__all__ = ["HF_PREFIX", "KINDS", "UnknownSourceError", "expected_names", "google_weights", "load_checkpoint",
           "pretrainer_from_google_weights", "source_kind"]
