"""``TextClassifier``: a fine-tuned BERT you can hand raw text, save to a directory and load back.

It bundles what a trained classifier needs at prediction time: the tokenizer, the
:class:`~bertkeras.task_models.BertClassifier`, the class names, the maximum length and, for a binary
task, the decision threshold tuned on validation data. :func:`bertkeras.finetuning.finetune` returns one.

Texts are batched by length (:func:`length_batches`): each batch is padded only to its own longest
message (rounded up to a multiple of 16), not to ``max_length``. SMS messages are 19 WordPieces long
on median, so this makes training and prediction several times faster than padding everything to 128.

A text item may also be a sentence pair ``(text_a, text_b)`` (does B continue A? does B answer A?). It is
packed as BERT packs pairs, ``[CLS] A [SEP] B [SEP]`` with segment id 0 for ``[CLS]``, A and its ``[SEP]``
and 1 for B and the final ``[SEP]``, and a pair that is too long loses WordPieces from the end of its
longer side first (:func:`~bertkeras.tokenizer.truncate_pair`). Single texts and pairs share one model:
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

from bertkeras.evaluation import classification_metrics, predict_labels
from bertkeras.tokenizer import truncate_pair

FORMAT = "bertkeras-classifier"
CONFIG_FILE = "classifier.json"
WEIGHTS_FILE = "classifier.weights.h5"
PAD_MULTIPLE = 16


class Predictions(NamedTuple):
    """``labels`` (n,) class ids and ``probabilities`` (n, classes); unpacks as ``labels, probs = ...``."""

    labels: np.ndarray
    probabilities: np.ndarray


def length_batches(lengths, batch_size: int, rng: np.random.Generator | None = None,
                   pool_batches: int = 50) -> list[np.ndarray]:
    """Index batches of similar length, so little padding is needed.

    Without ``rng``: all examples sorted by length (prediction; order is restored afterwards). With
    ``rng``: shuffle, sort within pools of ``pool_batches`` batches, cut into batches, shuffle the batch
    order (training: every epoch differs, every batch is still homogeneous).

    Example:
        >>> [b.tolist() for b in length_batches([5, 1, 4, 2, 3], batch_size=2)]
        [[1, 3], [4, 2], [0]]
    """
    lengths = np.asarray(lengths)
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}; it must be >= 1")
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    order = rng.permutation(len(lengths))
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def pad_batch(ids: list[list[int]], pad_id: int, multiple: int = PAD_MULTIPLE,
              segment_ids: list[list[int]] | None = None) -> dict[str, np.ndarray]:
    """Pad id lists (already with ``[CLS]``/``[SEP]``) to the longest, rounded up to ``multiple``.

    ``segment_ids`` gives one 0/1 list per row (sentence pairs: 0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``);
    without it every segment id is 0. Padding gets segment 0 and mask 0.

    Example:
        >>> batch = pad_batch([[2, 7, 3], [2, 3]], pad_id=0, multiple=4)
        >>> batch["token_ids"].tolist(), batch["padding_mask"].tolist()
        ([[2, 7, 3, 0], [2, 3, 0, 0]], [[1, 1, 1, 0], [1, 1, 0, 0]])
        >>> pad_batch([[2, 7, 3, 8, 3]], 0, 4, segment_ids=[[0, 0, 0, 1, 1]])["segment_ids"].tolist()
        [[0, 0, 0, 1, 1, 0, 0, 0]]
    """
    if segment_ids is not None and [len(r) for r in segment_ids] != [len(r) for r in ids]:
        raise ValueError("segment_ids must have one list per row of ids, each as long as its row; got row "
                         f"lengths {[len(r) for r in segment_ids][:8]} for ids of {[len(r) for r in ids][:8]}")
    length = -(-max(len(row) for row in ids) // multiple) * multiple
    token_ids = np.full((len(ids), length), pad_id, np.int32)
    segments = np.zeros((len(ids), length), np.int32)
    mask = np.zeros((len(ids), length), np.int32)
    for i, row in enumerate(ids):
        token_ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
        if segment_ids is not None:
            segments[i, :len(row)] = segment_ids[i]
    return {"token_ids": token_ids, "segment_ids": segments, "padding_mask": mask}


def pair_segment_ids(ids: list[list[int]], sep_id: int) -> list[list[int]]:
    """Segment ids of packed rows: 0 up to and including the first ``[SEP]``, 1 after it.

    The tokenizer never produces ``[SEP]`` from text, so the first one always ends segment A; a single
    text ``[CLS] A [SEP]`` is all 0.

    Example:
        >>> pair_segment_ids([[2, 7, 3, 8, 9, 3], [2, 7, 3]], sep_id=3)
        [[0, 0, 0, 1, 1, 1], [0, 0, 0]]
    """
    out = []
    for row in ids:
        end_a = row.index(sep_id) + 1 if sep_id in row else len(row)
        out.append([0] * end_a + [1] * (len(row) - end_a))
    return out


def _pair(item) -> tuple:
    if isinstance(item, tuple | list) and len(item) == 2 and all(isinstance(t, str | bytes) for t in item):
        return item[0], item[1]
    raise TypeError(f"a text item must be a string or a (text_a, text_b) pair of strings; got {item!r:.80}. "
                    "Pass plain texts or 2-tuples of texts")


class TextClassifier:
    """Tokenizer + :class:`BertClassifier` + class names (+ binary threshold): text in, labels out.

    Args:
        model: a :class:`~bertkeras.task_models.BertClassifier`.
        tokenizer: the :class:`~bertkeras.tokenizer.WordPieceTokenizer` of its backbone.
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
        room = self.max_length - 2
        out = []
        for text in texts:
            if isinstance(text, str | bytes):
                out.append([tok.cls_id, *tok.encode_ids(text)[:room], tok.sep_id])
                continue
            a, b = (tok.encode_ids(t) for t in _pair(text))
            if self.max_length < 3:
                raise ValueError(f"max_length={self.max_length} leaves no room for [CLS] A [SEP] B [SEP]; "
                                 "use max_length >= 3 for sentence pairs")
            truncate_pair(a, b, self.max_length - 3)
            out.append([tok.cls_id, *a, tok.sep_id, *b, tok.sep_id])
        return out

    def pad(self, ids: list[list[int]]) -> dict[str, np.ndarray]:
        """Model inputs for encoded rows: padded (:func:`pad_batch`), segment 1 after the first ``[SEP]``."""
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
        """The metric dict of :func:`bertkeras.evaluation.classification_metrics` on ``texts``."""
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
        from bertkeras.pretrained import atomic_directory

        def write(tmp: Path):
            self.write(tmp)
            if metrics is not None:
                (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
            for name, content in (extra_files or {}).items():
                path = tmp / name
                path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, "utf-8")

        return atomic_directory(Path(directory), write)

    def export(self, path) -> Path:
        """Write a TensorFlow SavedModel that classifies raw text (see :mod:`bertkeras.export`).

        Its ``serving_default`` signature takes ``texts`` (``tf.string [batch]``) and returns
        ``probabilities`` (float32 ``[batch, classes]``) and ``labels`` (int64 ``[batch]``, the tuned threshold
        applied for a binary task); tokenization runs in the graph, so serving needs only ``tensorflow`` and
        ``tensorflow_text``. Single texts only (no sentence pairs).
        """
        from bertkeras.export import export_classifier

        return export_classifier(self, path)

    @classmethod
    def load(cls, directory) -> TextClassifier:
        """Load a directory written by :meth:`save` (e.g. a ``bertkeras finetune`` run directory)."""
        from bertkeras.backbone import BertBackbone
        from bertkeras.config import BertConfig
        from bertkeras.task_models import BertClassifier
        from bertkeras.tokenizer import WordPieceTokenizer

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


__all__ = ["Predictions", "TextClassifier", "length_batches", "pad_batch", "pair_segment_ids"]
