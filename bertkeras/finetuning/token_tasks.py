"""Fine-tune BERT's token heads: a tagger (one label per word) and a span extractor (answer start and end).

The recipe is :func:`bertkeras.finetuning.classification.finetune`'s (copy the pre-trained backbone, add one output layer,
train everything with :func:`~bertkeras.pretraining.optimization.bert_optimizer`), with the output and the loss moved
from ``[CLS]`` to the tokens (paper §4.3, §5.3):

* :func:`finetune_tagger` puts a :class:`~bertkeras.model.task_models.BertTokenTagger` on every piece and
  trains cross-entropy on the first piece of each labelled word only (weight 0 on ``##`` pieces,
  ``[CLS]``, ``[SEP]`` and padding; :func:`~bertkeras.tokenization.alignment.align_word_labels`);
* :func:`finetune_span_extractor` packs ``[CLS] question [SEP] context [SEP]``, puts a
  :class:`~bertkeras.model.task_models.BertSpanExtractor` on it and trains the mean of two cross-entropies, over
  the positions, for the answer's first and last piece. An answer is decoded as the best span that starts
  no later than it ends, in the context, at most ``max_answer_length`` pieces long
  (:func:`~bertkeras.tokenization.alignment.best_span`).

Both return a small object, :class:`TextTagger` or :class:`SpanExtractor`, with ``predict`` on new text,
``evaluate`` on a split (:mod:`bertkeras.evaluation.token_metrics`), the Keras ``history`` and the run's ``info``.

Example:
    >>> from bertkeras import load_pretrained, derived_tasks
    >>> tagger = finetune_tagger(load_pretrained(), None, derived_tasks.proper_noun_tagging())  # doctest: +SKIP
    >>> tagger.predict("tony blair met the bbc in london")  # doctest: +SKIP
    [[('tony', 'capitalised'), ('blair', 'capitalised'), ('met', 'lower'), ..., ('london', 'capitalised')]]
"""

from __future__ import annotations

import time

import keras
import numpy as np

from bertkeras.datasets.derived_tasks import QUESTION
from bertkeras.evaluation.token_metrics import IGNORE, Answer, span_metrics, tagging_metrics
from bertkeras.finetuning.classification import resolve_backbone
from bertkeras.finetuning.training import fit, length_batches
from bertkeras.model.backbone import BertBackbone
from bertkeras.model.task_models import BertSpanExtractor, BertTokenTagger
from bertkeras.pretraining.optimization import training_precision
from bertkeras.runtime import set_seed
from bertkeras.tokenization.alignment import align_word_labels, best_span, encode_span
from bertkeras.tokenization.normalization import PreTokenizer
from bertkeras.tokenization.packing import pad_batch


def _softmax(logits: np.ndarray) -> np.ndarray:
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    return probs / probs.sum(-1, keepdims=True)


class TextTagger:
    """Tokenizer + :class:`~bertkeras.model.task_models.BertTokenTagger` + label names: words in, word labels out.

    Example:
        >>> from bertkeras import BertBackbone, BertTokenTagger, WordPieceTokenizer
        >>> tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "tony", "blair", "spoke"])
        >>> backbone = BertBackbone(vocabulary_size=8, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> tagger = TextTagger(BertTokenTagger(backbone, 3), tokenizer, label_names=("lower", "capitalised",
        ...                     "acronym"), max_length=16)
        >>> tags = tagger.predict("Tony Blair spoke")[0]  # an untrained model: any label, one per word
        >>> [word for word, _ in tags], all(label in tagger.label_names for _, label in tags)
        (['Tony', 'Blair', 'spoke'], True)
    """

    def __init__(self, model, tokenizer, *, label_names, max_length: int = 128, history=None, info=None):
        if len(label_names) != model.num_labels:
            raise ValueError(f"{len(label_names)} label names for a tagger of {model.num_labels} labels; pass one "
                             "name per label")
        self.model, self.tokenizer, self.label_names = model, tokenizer, tuple(label_names)
        self.max_length, self.history, self.info = max_length, history, dict(info or {})
        self._words = PreTokenizer(lowercase=False)

    def word_probabilities(self, word_lists, batch_size: int = 64) -> list[np.ndarray]:
        """(words, labels) probabilities per sentence, read at each word's first piece; NaN rows for words
        that ``max_length`` cut off."""
        encoded = [align_word_labels(self.tokenizer, words, max_length=self.max_length) for words in word_lists]
        ids = [e["token_ids"] for e in encoded]
        out = [np.full((len(words), len(self.label_names)), np.nan) for words in word_lists]
        for batch in length_batches([len(row) for row in ids], batch_size):
            logits = np.asarray(self.model.predict_on_batch(pad_batch([ids[i] for i in batch], self.tokenizer.pad_id)),
                                np.float64)  # (B, T, K)
            for row, i in enumerate(batch):
                positions = np.asarray(encoded[i]["word_positions"], np.int64)
                fits = positions >= 0
                out[i][fits] = _softmax(logits[row, positions[fits]])
        return out

    def predict(self, texts, batch_size: int = 64) -> list[list[tuple[str, str | None]]]:
        """``(word, label name)`` for every word of each text (label None where ``max_length`` cut it)."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        words = [self._words(t) for t in texts]
        probs = self.word_probabilities([[w.lower() for w in ws] for ws in words], batch_size)
        return [[(w, None if np.isnan(p[0]) else self.label_names[int(np.argmax(p))]) for w, p in zip(ws, ps, strict=True)]
                for ws, ps in zip(words, probs, strict=True)]

    def evaluate(self, split, batch_size: int = 64) -> dict:
        """:func:`~bertkeras.evaluation.token_metrics.tagging_metrics` on a :class:`~bertkeras.datasets.derived_tasks.TaggedSplit`;
        ``truncated_words`` counts labelled words cut by ``max_length`` (left out of the scores)."""
        if not len(split):
            raise ValueError("no sentences to evaluate: pass a non-empty TaggedSplit")
        probs = np.concatenate([p.reshape(-1, len(self.label_names)) for p in self.word_probabilities(split.words,
                                                                                                     batch_size)])
        labels = np.concatenate([np.asarray(y, np.int64).reshape(-1) for y in split.labels])
        cut = np.isnan(probs[:, 0])
        metrics = tagging_metrics(np.where(cut, IGNORE, labels), np.nan_to_num(probs), self.label_names)
        metrics["truncated_words"] = int((cut & (labels != IGNORE)).sum())
        return metrics


class SpanExtractor:
    """Tokenizer + :class:`~bertkeras.model.task_models.BertSpanExtractor`: question and context in, answer out.

    Example:
        >>> from bertkeras import BertBackbone, BertSpanExtractor, WordPieceTokenizer
        >>> tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "how", "much", "money",
        ...                                 "?", "it", "paid", "£", "##5", "##m"])
        >>> backbone = BertBackbone(vocabulary_size=14, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> extractor = SpanExtractor(BertSpanExtractor(backbone), tokenizer, max_length=16)
        >>> answer = extractor.predict("It paid £5m")[0]  # untrained: some span of the context, never the question
        >>> answer.text == "It paid £5m"[answer.start:answer.end] and answer.start >= 0
        True
    """

    def __init__(self, model, tokenizer, *, question: str = QUESTION, max_length: int = 128,
                 max_answer_length: int = 30, history=None, info=None):
        self.model, self.tokenizer, self.question = model, tokenizer, question
        self.max_length, self.max_answer_length = max_length, max_answer_length
        self.history, self.info = history, dict(info or {})

    def predict(self, contexts, questions=None, batch_size: int = 64) -> list[Answer]:
        """The best answer span in each context (:func:`~bertkeras.tokenization.alignment.best_span`), as an
        :class:`~bertkeras.evaluation.token_metrics.Answer`; ``questions`` default to the task's question."""
        contexts = [contexts] if isinstance(contexts, str) else list(contexts)
        questions = ([self.question] * len(contexts) if questions is None
                     else [questions] * len(contexts) if isinstance(questions, str) else list(questions))
        encoded = [encode_span(self.tokenizer, q, c, max_length=self.max_length)
                   for q, c in zip(questions, contexts, strict=True)]
        answers: list[Answer] = [None] * len(contexts)  # type: ignore[list-item]
        for batch in length_batches([len(e["token_ids"]) for e in encoded], batch_size):
            rows = [encoded[i] for i in batch]
            out = self.model.predict_on_batch(pad_batch([r["token_ids"] for r in rows], self.tokenizer.pad_id,
                                                        segment_ids=[r["segment_ids"] for r in rows]))
            starts, ends = np.asarray(out["start_logits"]), np.asarray(out["end_logits"])
            for row, i in enumerate(batch):
                offsets = np.asarray(encoded[i]["offsets"])
                n = len(offsets)
                s, e, score = best_span(starts[row, :n], ends[row, :n], offsets[:, 0] >= 0, self.max_answer_length)
                begin, end = int(offsets[s, 0]), int(offsets[e, 1])
                answers[i] = Answer(contexts[i][begin:end], begin, end, score)
        return answers

    def evaluate(self, split, batch_size: int = 64) -> dict:
        """SQuAD exact match and F1 on a :class:`~bertkeras.datasets.derived_tasks.SpanSplit`; ``truncated_answers``
        counts answers ``max_length`` cut (they are scored, and can only be partly right)."""
        metrics = span_metrics(self.predict(split.contexts, split.questions, batch_size), split.answers)
        metrics["truncated_answers"] = sum(
            encode_span(self.tokenizer, q, c, int(s), int(e), max_length=self.max_length)["answer_truncated"]
            for q, c, s, e in zip(split.questions, split.contexts, split.answer_starts, split.answer_ends, strict=True))
        return metrics


# --- training --------------------------------------------------------------------------------------------

def _copy_backbone(pretrained_or_backbone, tokenizer, max_length, from_scratch):
    """A trainable copy of the source backbone (random weights with ``from_scratch``), and its tokenizer."""
    source, tokenizer = resolve_backbone(pretrained_or_backbone, tokenizer, max_length)
    backbone = BertBackbone.from_bert_config(source.bert_config)  # built under the precision policy
    if not from_scratch:
        backbone.set_weights(source.get_weights())
    backbone.pooler.trainable = False  # token heads read the sequence output: the pooled [CLS] gets no gradient
    return backbone, tokenizer


def _fit(model, loss, make_batch, signature, train_rows, val_rows, *, precision, **kwargs):
    """:func:`~bertkeras.finetuning.training.fit` on encoded rows, batched by their length."""
    def feed(rows):
        return [len(r["token_ids"]) for r in rows], lambda batch: make_batch([rows[i] for i in batch])

    history, fitted = fit(model, loss, train=feed(train_rows), validation=feed(val_rows), signature=signature,
                          jit_compile=precision["jit_compile"], **kwargs)
    return history, {**fitted, "learning_rate": kwargs["learning_rate"], "batch_size": kwargs["batch_size"],
                     "seed": kwargs["seed"], "precision": precision["policy"], "jit_compile": precision["jit_compile"],
                     "device": precision["device"]}


def _tagging_batch(pad_id):
    def make(rows):
        x = pad_batch([r["token_ids"] for r in rows], pad_id)
        labels = np.zeros_like(x["token_ids"])
        weights = np.zeros(labels.shape, np.float32)
        for i, r in enumerate(rows):
            labels[i, :len(r["labels"])] = np.maximum(r["labels"], 0)  # -1 -> any class id: its weight is 0
            weights[i, :len(r["weights"])] = r["weights"]
        # the loss divides by B·T: rescale so it is the mean over the labelled words of the batch
        total = weights.sum()
        return x, labels, weights * (weights.size / total) if total else weights
    return make


def finetune_tagger(pretrained_or_backbone, tokenizer, task, *, learning_rate: float = 5e-5, batch_size: int = 32,
                    epochs: int = 3, max_length: int = 128, from_scratch: bool = False, seed: int = 42,
                    patience: int | None = 1, warmup_fraction: float = 0.1, dropout: float = 0.1,
                    max_steps_per_epoch: int | None = None, callbacks=None, verbose: int = 1) -> TextTagger:
    """Fine-tune BERT to tag words (a :class:`~bertkeras.datasets.derived_tasks.TaggingDataset`) and return a
    :class:`TextTagger`.

    Arguments as :func:`bertkeras.finetuning.classification.finetune`'s (``pretrained_or_backbone`` is copied, not
    changed; ``from_scratch`` starts from random weights; ``seed`` seeds weights, dropout and batch order);
    ``info["validation"]`` holds the validation split's metrics.
    """
    import tensorflow as tf

    start = time.time()
    set_seed(seed)
    with training_precision() as precision:  # the caller's dtype policy comes back afterwards
        backbone, tokenizer = _copy_backbone(pretrained_or_backbone, tokenizer, max_length, from_scratch)
        num_labels = len(task.label_names)
        labels = [np.asarray(y, np.int64) for y in task.train.labels]
        if not labels or max(int(y.max(initial=IGNORE)) for y in labels) < 0:
            raise ValueError("the training split has no labelled word; pass a TaggingDataset with labels >= 0")
        if max(int(y.max(initial=IGNORE)) for y in labels) >= num_labels:
            raise ValueError(f"word labels must be -1 (none) or in [0, {num_labels}) for {num_labels} label names")
        tagger = TextTagger(BertTokenTagger(backbone, num_labels, dropout=dropout), tokenizer,
                            label_names=task.label_names, max_length=max_length)

        def rows(split):
            return [align_word_labels(tokenizer, w, y, max_length=max_length)
                    for w, y in zip(split.words, split.labels, strict=True)]

        matrix = tf.TensorSpec((None, None), tf.int32)
        signature = ({"token_ids": matrix, "segment_ids": matrix, "padding_mask": matrix}, matrix,
                     tf.TensorSpec((None, None), tf.float32))
        history, info = _fit(tagger.model, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                             _tagging_batch(tokenizer.pad_id), signature, rows(task.train), rows(task.validation),
                             learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, seed=seed,
                             patience=patience, warmup_fraction=warmup_fraction, max_steps_per_epoch=max_steps_per_epoch,
                             callbacks=callbacks, verbose=verbose, precision=precision, weighted_metrics=["accuracy"])
    tagger.history = history
    tagger.info = {**info, "train_sentences": len(task.train), "max_length": max_length, "dropout": dropout,
                   "from_scratch": from_scratch, "task": task.name, "seconds": round(time.time() - start, 1),
                   "validation": tagger.evaluate(task.validation) if len(task.validation) else None}
    return tagger


def finetune_span_extractor(pretrained_or_backbone, tokenizer, task, *, learning_rate: float = 5e-5,
                            batch_size: int = 32, epochs: int = 3, max_length: int = 128, max_answer_length: int = 30,
                            from_scratch: bool = False, seed: int = 42, patience: int | None = 1,
                            warmup_fraction: float = 0.1, dropout: float = 0.1, max_steps_per_epoch: int | None = None,
                            callbacks=None, verbose: int = 1) -> SpanExtractor:
    """Fine-tune BERT to extract answer spans (a :class:`~bertkeras.datasets.derived_tasks.SpanDataset`) and return a
    :class:`SpanExtractor`.

    Arguments as :func:`finetune_tagger`'s, plus ``max_answer_length`` (pieces) for decoding. Training
    examples whose answer ``max_length`` cuts are dropped (``info["dropped_truncated"]``).
    """
    import tensorflow as tf

    start = time.time()
    set_seed(seed)
    with training_precision() as precision:  # the caller's dtype policy comes back afterwards
        backbone, tokenizer = _copy_backbone(pretrained_or_backbone, tokenizer, max_length, from_scratch)
        question = task.train.questions[0] if len(task.train) else QUESTION
        extractor = SpanExtractor(BertSpanExtractor(backbone, dropout=dropout), tokenizer, question=question,
                                  max_length=max_length, max_answer_length=max_answer_length)

        def rows(split):
            encoded = [encode_span(tokenizer, q, c, int(s), int(e), max_length=max_length)
                       for q, c, s, e in zip(split.questions, split.contexts, split.answer_starts, split.answer_ends,
                                             strict=True)]
            return [r for r in encoded if not r["answer_truncated"]], sum(r["answer_truncated"] for r in encoded)

        def make_batch(batch):
            x = pad_batch([r["token_ids"] for r in batch], tokenizer.pad_id, segment_ids=[r["segment_ids"] for r in batch])
            return x, {"start_logits": np.array([r["start_position"] for r in batch], np.int32),
                       "end_logits": np.array([r["end_position"] for r in batch], np.int32)}

        train_rows, dropped = rows(task.train)
        if not train_rows:
            raise ValueError(f"no training example left ({dropped} answers cut by max_length={max_length}); pass "
                             "training examples, or raise max_length")
        matrix, vector = tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), tf.int32)
        signature = ({"token_ids": matrix, "segment_ids": matrix, "padding_mask": matrix},
                     {"start_logits": vector, "end_logits": vector})
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        history, info = _fit(extractor.model, {"start_logits": loss, "end_logits": loss}, make_batch, signature,
                             train_rows, rows(task.validation)[0], learning_rate=learning_rate, batch_size=batch_size,
                             epochs=epochs, seed=seed, patience=patience, warmup_fraction=warmup_fraction,
                             max_steps_per_epoch=max_steps_per_epoch, callbacks=callbacks, verbose=verbose,
                             precision=precision, loss_weights={"start_logits": 0.5, "end_logits": 0.5},
                             metrics={"start_logits": ["accuracy"], "end_logits": ["accuracy"]})
    extractor.history = history
    extractor.info = {**info, "train_examples": len(train_rows), "dropped_truncated": dropped,
                      "max_length": max_length, "max_answer_length": max_answer_length, "dropout": dropout,
                      "from_scratch": from_scratch, "task": task.name, "seconds": round(time.time() - start, 1),
                      "validation": extractor.evaluate(task.validation) if len(task.validation) else None}
    return extractor


__all__ = ["SpanExtractor", "TextTagger", "finetune_span_extractor", "finetune_tagger"]
