"""A pre-trained BERT on disk: load one (ours, Hugging Face's, Google's, keras-hub's), save one.

The entry points are :func:`load_pretrained` and :func:`save_pretrained`; the modules behind them:

==================  ===================================================================================
``directory``       the bertkeras format (``config.json`` + ``vocab.txt`` + ``pretrainer.weights.h5``),
                    :class:`PretrainedBert` (the shipped tiny model, :data:`SHIPPED_TINY`, is one)
``google_names``    google-research/bert's variable names: the neutral form every reader converts to
``huggingface``     Hugging Face BERT directories in and out, ``hf://org/name`` downloads
``tf1_checkpoint``  google-research/bert's original TF1 checkpoints
``convert``         keras-hub's ``BertBackbone`` to and from these layers
``hub``             keras-hub BERT presets (with an offline stand-in for notebook 10)
``checkpoints``     which reader a source needs (:func:`source_kind`) and the dispatch (``load_checkpoint``)
==================  ===================================================================================

Imports go down that table and never back up (``checkpoints`` imports the readers, the readers import
``directory`` and ``google_names``), so there is no cycle and nothing is imported inside a function to
hide one; only optional or heavy libraries (torch, huggingface_hub, keras-hub, TensorFlow for TF1
checkpoints) are imported where they are used.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from bertkeras.pretrained.checkpoints import load_checkpoint, source_kind
from bertkeras.pretrained.directory import FORMAT, WEIGHTS_FILE, PretrainedBert, save_directory
from bertkeras.pretrained.huggingface import save_huggingface

SAVE_FORMATS = ("bertkeras", "huggingface")

# The shipped tiny BERT is package data: inside the wheel, the sdist and a checkout alike. A regular
# (unzipped) install is a real directory, which Keras's HDF5 loader needs.
SHIPPED_TINY = Path(str(importlib.resources.files(__name__) / "tiny_bert"))
SHIPPED_FILES = ("config.json", "vocab.txt", WEIGHTS_FILE, "metrics.json", "MODEL_CARD.md")


def shipped_model_dir() -> Path:
    """The shipped tiny BERT's directory, checked file by file.

    Raises:
        FileNotFoundError: a file of it is missing, i.e. the installation is damaged; the message names
            the file and says to reinstall.

    Example:
        >>> sorted(p.name for p in shipped_model_dir().iterdir())
        ['MODEL_CARD.md', 'config.json', 'metrics.json', 'pretrainer.weights.h5', 'vocab.txt']
    """
    for name in SHIPPED_FILES:
        if not (SHIPPED_TINY / name).is_file():
            raise FileNotFoundError(
                f"the bertkeras installation is damaged: the shipped tiny BERT's {name} is missing from "
                f"{SHIPPED_TINY}. Reinstall the package (pip install --force-reinstall bertkeras, or "
                f"pip install -e . in a clone)")
    return SHIPPED_TINY


def load_pretrained(source=None, *, lowercase: bool | None = None, **backbone_kwargs) -> PretrainedBert:
    """Load a pre-trained BERT from any of the sources below (default: the tiny model shipped inside the package).

    =============================================  =====================================================
    ``source``                                     what is read
    =============================================  =====================================================
    ``None``                                       the shipped tiny BERT (:data:`SHIPPED_TINY`)
    a bertkeras directory                          what :func:`save_pretrained` / ``bertkeras pretrain``
                                                   wrote (``config.json`` with ``"format": "bertkeras-pretrained"``)
    a Hugging Face BERT directory                  ``config.json``, ``model.safetensors`` (or
                                                   ``pytorch_model.bin`` with torch, or ``tf_model.h5``),
                                                   ``vocab.txt`` / ``tokenizer.json``, ``tokenizer_config.json``
    ``"hf://org/name[@revision]"``                 the same, downloaded once with ``huggingface_hub``
    a google-research/bert TF1 directory           ``bert_config.json``, ``bert_model.ckpt.*``, ``vocab.txt``
    a keras-hub preset name                        e.g. ``bert_base_en_uncased``: the backbone (the masked-LM
                                                   head is freshly initialised)
    =============================================  =====================================================

    Args:
        source: one of the above (a ``str`` or a :class:`~pathlib.Path`).
        lowercase: uncased (True) or cased (False) tokenization; None (the default) reads it from the source
            (``tokenizer_config.json``'s ``do_lower_case``, the TF1 directory's name, the preset, the bertkeras
            config).
        **backbone_kwargs: extra backbone options, e.g. ``return_attention_scores=True``, ``dropout=0.1``.

    Returns:
        :class:`PretrainedBert`: backbone, pretrainer (masked-LM head, plus NSP when the source has it),
        tokenizer with the source's own vocabulary, config (its GELU too: Hugging Face's ``"gelu"`` loads as
        ``hidden_activation="gelu_exact"``, google-research/bert's as ``"gelu_approximate"``), metrics.

    Raises:
        FileNotFoundError: a path that does not exist (the message lists what ``source`` may be), or a
            directory that lacks a file the format needs (named).
        ValueError: a directory without a BERT config file, or one whose files do not fit together (the
            message names the file and the fix).
        OSError: an ``hf://`` or keras-hub download that failed.

    Example:
        >>> model = load_pretrained()
        >>> model.config.num_layers, model.pretrainer.nsp_head is not None
        (2, True)
        >>> model.fill_mask("the prime [MASK] said")[0][0][0]  # doctest: +SKIP
        'minister'
    """
    return load_checkpoint(shipped_model_dir() if source is None else source, lowercase=lowercase, **backbone_kwargs)


def save_pretrained(directory, pretrainer, tokenizer, *, format: str = "bertkeras",  # noqa: A002  (the file format)
                    metrics: dict | None = None, model_card: str | None = None) -> Path:
    """Write ``pretrainer`` (a :class:`~bertkeras.model.pretrainer.BertPretrainer`) and its tokenizer.

    Args:
        directory: where to write; written atomically (a temporary directory renamed into place).
        pretrainer: the model (backbone + masked-LM head, + NSP head if it has one).
        tokenizer: the :class:`~bertkeras.tokenization.wordpiece.WordPieceTokenizer` it was trained with.
        format: ``"bertkeras"`` (the default; :mod:`bertkeras.pretrained.directory`) or ``"huggingface"``,
            a directory ``transformers`` opens (``BertForPreTraining.from_pretrained``, ``BertTokenizer``).
        metrics: written to ``metrics.json``.
        model_card: written to ``MODEL_CARD.md`` (bertkeras) or ``README.md`` (Hugging Face's model card).

    Returns:
        The directory. Both formats load back with :func:`load_pretrained`.
    """
    if format == "bertkeras":
        return save_directory(directory, pretrainer, tokenizer, metrics=metrics, model_card=model_card)
    if format == "huggingface":
        return save_huggingface(pretrainer, directory, tokenizer=tokenizer, metrics=metrics, model_card=model_card)
    raise ValueError(f"unknown format {format!r}; save_pretrained writes {' or '.join(map(repr, SAVE_FORMATS))}")


__all__ = ["FORMAT", "SAVE_FORMATS", "SHIPPED_FILES", "SHIPPED_TINY", "WEIGHTS_FILE", "PretrainedBert",
           "load_checkpoint", "load_pretrained", "save_pretrained", "shipped_model_dir", "source_kind"]
