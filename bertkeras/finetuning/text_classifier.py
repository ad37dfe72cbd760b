"""``TextClassifier``: a fine-tuned BERT you can hand raw text, save to a directory and load back.

It bundles what a trained classifier needs at prediction time: the tokenizer, the
:class:`~bertkeras.model.task_models.BertClassifier`, the class names, the maximum length and, for a binary
task, the decision threshold tuned on validation data. :func:`bertkeras.finetuning.classification.finetune` returns one.

Texts are batched by length (:func:`~bertkeras.finetuning.training.length_batches`): each batch is padded only to its own longest
message (rounded up to a multiple of 16), not to ``max_length``. SMS messages are 19 WordPieces long
on median, so this makes training and prediction several times faster than padding everything to 128.

A text item may also be a sentence pair ``(text_a, text_b)`` (does B continue A? does B answer A?). It is
packed as BERT packs pairs, ``[CLS] A [SEP] B [SEP]`` with segment id 0 for ``[CLS]``, A and its ``[SEP]``
and 1 for B and the final ``[SEP]``, and a pair that is too long loses WordPieces from the end of its
longer side first (:func:`~bertkeras.tokenization.packing.pack`). Single texts and pairs share one model:
the segment ids are what tells the encoder which side a token is on.

A saved classifier is one directory (written atomically)::

    classifier.json          {"format": "bertkeras-classifier", "bert_config": {...}, "label_names": [...],
                              "max_length": 128, "threshold": 0.43, "lowercase": true, ...}
    vocab.txt                the WordPiece vocabulary
    classifier.weights.h5    backbone + classification-head weights
    metrics.json             (optional) the numbers of the run that made it
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bertkeras.evaluation.metrics import classification_metrics, predict_labels
from bertkeras.files import atomic_directory
from bertkeras.finetuning.training import length_batches
from bertkeras.model.backbone import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.task_models import BertClassifier
from bertkeras.tokenization.packing import pack, pad_batch, pair_segment_ids
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

FORMAT = "bertkeras-classifier"
CONFIG_FILE = "classifier.json"
WEIGHTS_FILE = "classifier.weights.h5"


class Predictions(NamedTuple):
    """``labels`` (n,) class ids and ``probabilities`` (n, classes); unpacks as ``labels, probs = ...``."""

    labels: np.ndarray
    probabilities: np.ndarray


def _pair(item) -> tuple:
    if isinstance(item, tuple | list) and len(item) == 2 and all(isinstance(t, str | bytes) for t in item):
        return item[0], item[1]
    raise TypeError(f"a text item must be a string or a (text_a, text_b) pair of strings; got {item!r:.80}. "
                    "Pass plain texts or 2-tuples of texts")


class TextClassifier:
    """Tokenizer + :class:`BertClassifier` + class names (+ binary threshold): text in, labels out.

    Args:
        model: a :class:`~bertkeras.model.task_models.BertClassifier`.
        tokenizer: the :class:`~bertkeras.tokenization.wordpiece.WordPieceTokenizer` of its backbone.
        label_names: one name per class.
        max_length: texts are cut to this many WordPieces, ``[CLS]`` and ``[SEP]`` included.
        threshold: binary tasks: predict class 1 when its probability >= threshold; None = argmax.
        history: the Keras ``History`` of the fine-tuning run, if any.
        info: facts about the run (epochs, seconds, precision policy, ...).

    Example:
        >>> from bertkeras import BertBackbone, BertClassifier, WordPieceTokenizer
        >>> tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "free", "prize", "hi"])
        >>> backbone = BertBackbone(vocabulary_size=8, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> clf = TextClassifier(BertClassifier(backbone, 2), tokenizer, label_names=("ham", "spam"), max_length=16)
        >>> labels, probs = clf.predict(["free prize", "hi"])
        >>> labels.shape, probs.shape, bool(np.allclose(probs.sum(1), 1.0))
        ((2,), (2, 2), True)

        Sentence pairs are 2-tuples (one pair alone still goes in a list):

        >>> clf.encode([("free prize", "hi")])
        [[2, 5, 6, 3, 7, 3]]
        >>> clf.pad(clf.encode([("free prize", "hi")]))["segment_ids"].tolist()
        [[0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]
        >>> clf.predict([("free prize", "hi")]).probabilities.shape
        (1, 2)
    """

    def __init__(self, model, tokenizer, *, label_names, max_length: int = 128, threshold: float | None = None,
                 history=None, info: dict | None = None):
        if len(label_names) != model.num_classes:
            raise ValueError(f"{len(label_names)} label names for a model with {model.num_classes} classes; "
                             "pass one name per class")
        if max_length > model.backbone.max_sequence_length:
            raise ValueError(f"max_length={max_length} exceeds the backbone's max_sequence_length="
                             f"{model.backbone.max_sequence_length}; pass max_length <= that")
        self.model = model
        self.tokenizer = tokenizer
        self.label_names = tuple(label_names)
        self.max_length = max_length
        self.threshold = threshold
        self.history = history
        self.info = dict(info or {})

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def encode(self, texts) -> list[list[int]]:
        """``[CLS] pieces [SEP]`` id lists, or ``[CLS] A [SEP] B [SEP]`` for ``(text_a, text_b)`` pairs.

        A text is cut to ``max_length`` WordPieces from its end; a pair loses pieces from the end of its
        longer side first (BERT's longest-first rule).
        """
        tok = self.tokenizer
        out = []
        for text in texts:
            if isinstance(text, str | bytes):
                out.append(pack(tok.encode_ids(text), cls_id=tok.cls_id, sep_id=tok.sep_id,
                                max_length=self.max_length)[0])
                continue
            a, b = (tok.encode_ids(t) for t in _pair(text))
            if self.max_length < 3:
                raise ValueError(f"max_length={self.max_length} leaves no room for [CLS] A [SEP] B [SEP]; "
                                 "use max_length >= 3 for sentence pairs")
            out.append(pack(a, b, cls_id=tok.cls_id, sep_id=tok.sep_id, max_length=self.max_length)[0])
        return out

    def pad(self, ids: list[list[int]]) -> dict[str, np.ndarray]:
        """Model inputs for encoded rows: padded (:func:`~bertkeras.tokenization.packing.pad_batch`), segment 1 after the first ``[SEP]``."""
        return pad_batch(ids, self.tokenizer.pad_id, segment_ids=pair_segment_ids(ids, self.tokenizer.sep_id))

    def logits_for_ids(self, ids: list[list[int]], batch_size: int = 64) -> np.ndarray:
        """(n, classes) float64 logits of encoded texts, batched by length, in the input order."""
        out = np.zeros((len(ids), self.num_classes), np.float64)
        for batch in length_batches([len(row) for row in ids], batch_size):
            x = self.pad([ids[i] for i in batch])
            out[batch] = np.asarray(self.model.predict_on_batch(x), np.float64)
        return out

    def predict_proba(self, texts, batch_size: int = 64) -> np.ndarray:
        """(n, classes) class probabilities (softmax of the logits) of texts or ``(text_a, text_b)`` pairs."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            return np.zeros((0, self.num_classes))
        logits = self.logits_for_ids(self.encode(texts), batch_size)
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        return probs / probs.sum(-1, keepdims=True)

    def predict(self, texts, batch_size: int = 64) -> Predictions:
        """Class ids (with the tuned threshold for a binary task) and the class probabilities."""
        probs = self.predict_proba(texts, batch_size)
        return Predictions(predict_labels(probs, self.threshold), probs)

    def evaluate(self, texts, labels, batch_size: int = 64) -> dict:
        """The metric dict of :func:`bertkeras.evaluation.metrics.classification_metrics` on ``texts``."""
        return classification_metrics(np.asarray(labels, np.int64), self.predict_proba(texts, batch_size),
                                      threshold=self.threshold)

    # --- saving ----------------------------------------------------------------------------------------
    def write(self, directory: Path) -> None:
        """Write the classifier's files into an existing ``directory`` (see :meth:`save`)."""
        directory = Path(directory)
        config = {"format": FORMAT, "version": 1,
                  "bert_config": json.loads(self.model.backbone.bert_config.to_json()),
                  "lowercase": self.tokenizer.lowercase, "num_classes": self.num_classes,
                  "label_names": list(self.label_names), "max_length": self.max_length,
                  "threshold": self.threshold, "dropout": self.model.dropout,
                  "features": getattr(self.model, "features", "pooled"), "info": self.info}
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        self.tokenizer.save_vocabulary(directory / "vocab.txt")
        self.model.save_weights(directory / WEIGHTS_FILE)

    def save(self, directory, *, metrics: dict | None = None, extra_files: dict | None = None) -> Path:
        """Write the classifier (+ ``metrics.json`` and ``{name: str | bytes}`` files) atomically."""
        def write(tmp: Path):
            self.write(tmp)
            if metrics is not None:
                (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
            for name, content in (extra_files or {}).items():
                path = tmp / name
                path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, "utf-8")

        return atomic_directory(Path(directory), write)

    def export(self, path) -> Path:
        """Write a TensorFlow SavedModel that classifies raw text (see :mod:`bertkeras.finetuning.export`).

        Its ``serving_default`` signature takes ``texts`` (``tf.string [batch]``) and returns
        ``probabilities`` (float32 ``[batch, classes]``) and ``labels`` (int64 ``[batch]``, the tuned threshold
        applied for a binary task); tokenization runs in the graph, so serving needs only ``tensorflow`` and
        ``tensorflow_text``. Single texts only (no sentence pairs).
        """
        from bertkeras.finetuning.export import export_classifier

        return export_classifier(self, path)

    @classmethod
    def load(cls, directory) -> TextClassifier:
        """Load a directory written by :meth:`save` (e.g. a ``bertkeras finetune`` run directory)."""
        directory = Path(directory).expanduser()
        if not directory.is_dir():
            raise FileNotFoundError(f"no fine-tuned model at {directory}: pass the run directory that "
                                    "`bertkeras finetune --out` wrote")
        missing = [n for n in (CONFIG_FILE, "vocab.txt", WEIGHTS_FILE) if not (directory / n).is_file()]
        if missing:
            raise FileNotFoundError(f"{directory} is not a complete fine-tuned model: {missing} missing; re-run "
                                    "`bertkeras finetune` (a pretrained model loads with load_pretrained instead)")
        config = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        if config.get("format") != FORMAT:
            raise ValueError(f"{directory / CONFIG_FILE} is not a bertkeras classifier config "
                             f"(format={config.get('format')!r})")
        bert_config = BertConfig.from_json(json.dumps(config["bert_config"]))
        features = config.get("features", "pooled")  # older files: the pooled [CLS] vector
        backbone = BertBackbone.from_bert_config(bert_config, return_hidden_states=features != "pooled")
        model = BertClassifier(backbone, config["num_classes"], dropout=config.get("dropout", 0.1),
                               features=features)
        model.load_weights(directory / WEIGHTS_FILE)
        tokenizer = WordPieceTokenizer(directory / "vocab.txt", lowercase=config.get("lowercase", True))
        return cls(model, tokenizer, label_names=config["label_names"], max_length=config["max_length"],
                   threshold=config.get("threshold"), info=config.get("info"))

    def __repr__(self) -> str:
        c = self.model.backbone.bert_config
        return (f"TextClassifier(classes={list(self.label_names)}, L={c.num_layers}, H={c.hidden_dim}, "
                f"max_length={self.max_length}, threshold={self.threshold})")


__all__ = ["FORMAT", "Predictions", "TextClassifier"]
