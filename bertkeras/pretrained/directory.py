"""The bertkeras on-disk format of a pre-trained BERT: save it after pre-training, load it to fine-tune.

A bertkeras pretrained directory holds everything needed to use the model again, and nothing else::

    config.json            {"format": "bertkeras-pretrained", "version": 1, "bert_config": {...},
                            "lowercase": true, "use_nsp": true}
    vocab.txt              the WordPiece vocabulary, one token per line (BERT's format)
    pretrainer.weights.h5  backbone + masked-LM head (+ NSP head) weights
    metrics.json           held-out numbers written by ``bertkeras pretrain`` (optional)
    MODEL_CARD.md          how it was made (optional)

It is written to a temporary directory next to the target and renamed into place, so a crash never
leaves a half-written model under the final name. The tiny model shipped inside the package
(``bertkeras/pretrained/tiny_bert``: :data:`bertkeras.pretrained.SHIPPED_TINY`) is such a directory.

:func:`bertkeras.pretrained.load_pretrained` and :func:`bertkeras.pretrained.save_pretrained` are the entry
points; they call :func:`load_directory` and :func:`save_directory` for this format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bertkeras.files import atomic_directory
from bertkeras.model.backbone import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.pretrainer import BertPretrainer
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

FORMAT = "bertkeras-pretrained"
WEIGHTS_FILE = "pretrainer.weights.h5"
def save_directory(directory, pretrainer, tokenizer: WordPieceTokenizer, *, metrics: dict | None = None,
                   model_card: str | None = None) -> Path:
    """Write ``pretrainer`` (a :class:`~bertkeras.model.pretrainer.BertPretrainer`) and its vocabulary as a
    bertkeras pretrained directory (see the module docstring)."""
    config = {"format": FORMAT, "version": 1, "bert_config": json.loads(pretrainer.backbone.bert_config.to_json()),
              "lowercase": tokenizer.lowercase, "use_nsp": pretrainer.use_nsp}
    if len(tokenizer.vocabulary) != pretrainer.backbone.vocabulary_size:
        raise ValueError(f"the tokenizer has {len(tokenizer.vocabulary)} tokens but the model's vocabulary_size "
                         f"is {pretrainer.backbone.vocabulary_size}; save the tokenizer the model was trained with")

    def write(tmp: Path):
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        tokenizer.save_vocabulary(tmp / "vocab.txt")
        _weights_only(pretrainer).save_weights(tmp / WEIGHTS_FILE)
        if metrics is not None:
            (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        if model_card is not None:
            (tmp / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")

    return atomic_directory(Path(directory), write)


def _weights_only(pretrainer):
    """A copy of ``pretrainer`` without an optimizer: Keras would save a compiled model's Adam moments
    too (3x the size), which a pretrained model handed to fine-tuning does not need."""
    if getattr(pretrainer, "optimizer", None) is None:
        return pretrainer
    clean = BertPretrainer(BertBackbone.from_bert_config(pretrainer.backbone.bert_config),
                           use_nsp=pretrainer.use_nsp)
    clean.set_weights(pretrainer.get_weights())
    return clean


@dataclass
class PretrainedBert:
    """What :func:`load_pretrained` returns: the pieces a notebook or a fine-tuning run needs."""

    backbone: object  # BertBackbone
    pretrainer: object  # BertPretrainer (backbone + heads), for fill-in-the-blank
    tokenizer: WordPieceTokenizer
    config: BertConfig
    path: Path
    metrics: dict = field(default_factory=dict)

    def fill_mask(self, text: str, top_k: int = 5) -> list[list[tuple[str, float]]]:
        """Top-``k`` (token, probability) guesses for every ``[MASK]`` in ``text``."""
        if "[MASK]" not in text:
            raise ValueError("fill_mask needs at least one [MASK] in the text, e.g. 'the cat sat on the [MASK].'")
        parts = text.split("[MASK]")
        ids = [self.tokenizer.cls_id]
        positions = []
        for i, part in enumerate(parts):
            ids += self.tokenizer.encode_ids(part) if part.strip() else []
            if i < len(parts) - 1:
                positions.append(len(ids))
                ids.append(self.tokenizer.mask_id)
        ids.append(self.tokenizer.sep_id)
        if len(ids) > self.config.max_sequence_length:
            raise ValueError(f"the text is {len(ids)} tokens; this model reads at most "
                             f"{self.config.max_sequence_length}")
        x = {"token_ids": np.array([ids], "int32"), "segment_ids": np.zeros((1, len(ids)), "int32"),
             "padding_mask": np.ones((1, len(ids)), "int32"), "mask_positions": np.array([positions], "int32")}
        logits = np.asarray(self.pretrainer(x, training=False)["mlm_logits"])[0]  # (P, V)
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        out = []
        for row in probs:
            best = np.argsort(-row)[:top_k]
            out.append([(self.tokenizer.vocabulary[i], float(row[i])) for i in best])
        return out


def load_directory(path, **backbone_kwargs) -> PretrainedBert:
    """Load a directory written by :func:`save_directory`.

    Args:
        path: the directory.
        **backbone_kwargs: extra backbone options, e.g. ``return_attention_scores=True``, ``dropout=0.1``.

    Example:
        >>> from bertkeras.pretrained import SHIPPED_TINY
        >>> model = load_directory(SHIPPED_TINY)
        >>> model.config.num_layers, model.tokenizer.vocabulary_size == model.config.vocabulary_size
        (2, True)
    """
    path = Path(path).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"no pretrained model at {path}: pass the directory that "
                                f"`bertkeras pretrain --out` wrote")
    missing = [name for name in ("config.json", "vocab.txt", WEIGHTS_FILE) if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{path} is not a complete pretrained model: {missing} missing; re-run "
                                f"`bertkeras pretrain` or copy the whole directory")
    meta = json.loads((path / "config.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path / 'config.json'} is not a bertkeras pretrained config (format="
                         f"{meta.get('format')!r}, expected {FORMAT!r}); re-save the model with save_pretrained, "
                         "or pass a Hugging Face / google-research/bert directory or keras-hub preset to "
                         "bertkeras.load_pretrained")
    config = BertConfig.from_json(json.dumps(meta["bert_config"]))
    tokenizer = WordPieceTokenizer(path / "vocab.txt", lowercase=meta.get("lowercase", True))
    if tokenizer.vocabulary_size != config.vocabulary_size:
        raise ValueError(f"{path}: vocab.txt has {tokenizer.vocabulary_size} tokens but config.json says "
                         f"vocabulary_size={config.vocabulary_size}; the two files come from different models")
    backbone = BertBackbone.from_bert_config(config, **backbone_kwargs)
    pretrainer = BertPretrainer(backbone, use_nsp=meta.get("use_nsp", True))
    pretrainer.load_weights(path / WEIGHTS_FILE)
    metrics_file = path / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else {}
    return PretrainedBert(backbone, pretrainer, tokenizer, config, path, metrics)


__all__ = ["FORMAT", "WEIGHTS_FILE", "PretrainedBert", "load_directory", "save_directory"]
