"""A fine-tuned classifier as a self-contained TensorFlow SavedModel: raw text in, probabilities out.

:meth:`TextClassifier.export` (and ``bertkeras export --model RUN --out DIR``) writes a SavedModel whose
``serving_default`` signature takes ``texts`` (``tf.string``, shape ``[None]``) and returns

* ``probabilities``: ``[None, classes]`` float32, the softmax of the logits;
* ``labels``: ``[None]`` int64, the class ids (a binary classifier applies its tuned threshold).

Everything runs in the graph: BERT's normalisation (the code-point tables of
:class:`~bertkeras.tokenization.fast_tokenizer.FastWordPieceTokenizer`), tensorflow-text's ``FastWordpieceTokenizer``,
``[CLS] pieces [SEP]`` packing with the same truncation as :meth:`TextClassifier.encode`, and the model.
Each request is padded only to its own longest text, and the last encoder block runs for ``[CLS]`` alone
(:func:`classifier_logits`: a pooled classifier reads nothing else of it), which gives the same
probabilities for less work. Loading needs ``tensorflow`` and ``tensorflow_text``
(for the WordPiece op), not bertkeras::

    import tensorflow as tf, tensorflow_text  # noqa: F401  (registers the op)
    serve = tf.saved_model.load("spam_model").signatures["serving_default"]
    serve(texts=tf.constant(["WIN a free prize now!", "see you at 6"]))["probabilities"]

One case needs more than a per-character table: Python lower-cases a capital sigma at the end of a word to
"ς" and elsewhere to "σ" (Unicode's Final_Sigma rule). :class:`FastWordPieceTokenizer` hands such texts to
Python (``tf.py_function``), which a SavedModel cannot carry, so here the rule is evaluated in the graph
(:func:`final_sigma_tables`), and the exported tokenizer gives the Python tokenizer's ids on every text.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

CAPITAL_SIGMA, FINAL_SIGMA = 0x3A3, 0x3C2
SIGNATURE = "serving_default"


@functools.lru_cache(maxsize=1)
def final_sigma_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: ``(skipped, cased)`` as Python's ``str.lower`` sees them around a capital sigma.

    CPython lower-cases Σ to ς when, skipping case-ignorable characters, a cased character comes before it
    and none comes after it. Rather than re-deriving Unicode's properties, both flags are read off
    ``str.lower`` itself: ``(c + "Σ").lower()`` ends in ς exactly when ``c`` is cased and not ignorable,
    ``("A" + c + "Σ")`` when ``c`` is cased or ignorable. Characters BERT drops (controls, U+FFFD) are
    never in the word ``lower`` sees, so they count as skipped too.
    """
    from bertkeras.tokenization.fast_tokenizer import MAX_CODEPOINT, character_tables

    _, length, _ = character_tables(True)
    cased = np.zeros(MAX_CODEPOINT + 2, bool)
    either = np.zeros(MAX_CODEPOINT + 2, bool)
    for cp in range(MAX_CODEPOINT + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        cased[cp] = (ch + "Σ").lower()[-1] == "ς"
        either[cp] = ("A" + ch + "Σ").lower()[-1] == "ς"
    skipped = (either & ~cased) | (length == 0)
    skipped[0xD800:0xE000] = False
    return skipped, cased & ~skipped


class GraphTokenizer:
    """BERT tokenization for one classifier, as pure TensorFlow ops (no ``tf.py_function``).

    Args:
        tokenizer: the classifier's :class:`~bertkeras.tokenization.wordpiece.WordPieceTokenizer`.
        max_length: WordPieces per text, ``[CLS]`` and ``[SEP]`` included.

    Example:
        >>> from bertkeras import WordPieceTokenizer
        >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "!"]
        >>> graph = GraphTokenizer(WordPieceTokenizer(vocab), max_length=4)
        >>> graph(["The cat!", ""])["token_ids"].numpy().tolist()
        [[2, 5, 6, 3], [2, 3, 0, 0]]
    """

    def __init__(self, tokenizer, max_length: int):
        import tensorflow as tf

        from bertkeras.tokenization.fast_tokenizer import FastWordPieceTokenizer

        if max_length < 2:
            raise ValueError(f"max_length={max_length} leaves no room for [CLS] and [SEP]; use max_length >= 2")
        self.layer = FastWordPieceTokenizer.from_reference(tokenizer, sequence_length=max(max_length, 3))
        self.lowercase = tokenizer.lowercase
        self.max_length = max_length
        self.pad_id, self.cls_id, self.sep_id = tokenizer.pad_id, tokenizer.cls_id, tokenizer.sep_id
        if self.lowercase:
            skipped, cased = final_sigma_tables()
            self.skipped, self.cased = tf.constant(skipped), tf.constant(cased)

    def _final_sigma(self, cps):
        """Ragged code points with every word-final capital sigma replaced by "ς" (see the module doc)."""
        import tensorflow as tf

        v = cps.flat_values  # (N,)
        rows = cps.value_rowids()  # (N,) which text each code point is in
        kept = tf.logical_not(tf.gather(self.skipped, v))  # (N,) what lower() looks at
        kept_at = tf.cast(tf.where(kept)[:, 0], tf.int32)  # (K,) positions of those
        before = tf.cumsum(tf.cast(kept, tf.int32), exclusive=True)  # (N,) kept characters before each
        count = tf.shape(kept_at)[0]

        def cased_at(rank):  # is the rank-th kept character cased and in the same text?
            valid = (rank >= 0) & (rank < count)
            pos = tf.gather(kept_at, tf.clip_by_value(rank, 0, tf.maximum(count - 1, 0)))
            same_text = tf.gather(rows, pos) == rows
            return valid & same_text & tf.gather(self.cased, tf.gather(v, pos))

        after = before + tf.cast(kept, tf.int32)  # rank of the next kept character after each position
        final = (v == CAPITAL_SIGMA) & cased_at(before - 1) & tf.logical_not(cased_at(after))
        return cps.with_flat_values(tf.where(final, FINAL_SIGMA, v))

    def _normalise_unicode(self, texts):
        """FastWordPieceTokenizer's table normalisation, with the final-sigma rule in the graph."""
        import tensorflow as tf

        g = self.layer._graph
        cps = tf.strings.unicode_decode(texts, "UTF-8", errors="replace", replacement_char=0xFFFD)  # (B, C)
        if self.lowercase:
            cps = self._final_sigma(cps)
        v = cps.flat_values
        starts, lengths = tf.gather(g["start"], v), tf.gather(g["length"], v)
        out = tf.gather(g["flat"], tf.ragged.range(starts, starts + lengths).flat_values)
        ends = tf.concat([[0], tf.cumsum(lengths)], axis=0)
        splits = tf.gather(ends, cps.row_splits)
        return tf.strings.unicode_encode(tf.RaggedTensor.from_row_splits(out, splits), "UTF-8")

    def words(self, texts):
        """(B,) strings -> ragged (B, words): exactly the words of the Python pre-tokenizer."""
        import tensorflow as tf

        texts = tf.convert_to_tensor(texts, tf.string)
        is_ascii = tf.cast(tf.strings.regex_full_match(texts, r"[\x00-\x7f]*"), tf.int32)
        parts = tf.dynamic_partition(texts, is_ascii, 2)
        positions = tf.dynamic_partition(tf.range(tf.shape(texts)[0]), is_ascii, 2)
        strings = tf.dynamic_stitch(positions, [self._normalise_unicode(parts[0]),
                                                self.layer._normalise_ascii(parts[1])])
        words = tf.strings.split(strings)
        too_long = tf.strings.length(words.flat_values, unit="UTF8_CHAR") > self.layer.max_chars_per_word
        return words.with_flat_values(tf.where(too_long, "[UNK]", words.flat_values))

    def __call__(self, texts) -> dict:
        """Model inputs for a batch of texts, padded to the batch's longest (at most ``max_length``)."""
        import tensorflow as tf

        pieces = self.layer._graph["wordpiece"].tokenize(self.words(texts)).merge_dims(1, 2)  # (B, P)
        pieces = pieces[:, :self.max_length - 2]  # the cut of TextClassifier.encode: from the end
        batch = pieces.nrows(out_type=tf.int32)
        cls = tf.fill([batch, 1], self.cls_id)
        sep = tf.fill([batch, 1], self.sep_id)
        ids = tf.concat([cls, pieces, sep], axis=1)  # ragged (B, 2 + P)
        token_ids = ids.to_tensor(default_value=self.pad_id)  # (B, longest)
        mask = tf.ones_like(ids).to_tensor(default_value=0)
        return {"token_ids": token_ids, "segment_ids": tf.zeros_like(token_ids), "padding_mask": mask}


def _last_block_cls(block, x, padding_mask):
    """The last encoder block's output at ``[CLS]`` only: (B, T, H) -> (B, 1, H).

    A pooled-output classifier reads nothing of the last block but its ``[CLS]`` row, and every step of a
    block after attention is row by row. So the last block needs keys and values of all tokens but the
    query, the attention, the output projection and the feed-forward network of one token: the same
    function with about 1/T of that block's work after the key/value projection (for the tiny model at
    128 pieces, ~40 % of the whole forward pass). The weights are the block's own.
    """
    from keras import ops

    att = block.attention
    dtype = att.compute_dtype
    hidden = ops.shape(x)[-1]
    h = block.attention_norm(x) if block.normalize_first else x  # (B, T, H)
    kernel, bias = ops.cast(att.qkv_dense.kernel, dtype), ops.cast(att.qkv_dense.bias, dtype)
    width = kernel.shape[0]
    q = ops.matmul(ops.cast(h[:, :1], dtype), kernel[:, :width]) + bias[:width]  # (B, 1, H)
    kv = ops.matmul(ops.cast(h, dtype), kernel[:, width:]) + bias[width:]  # (B, T, 2H)
    batch, seq = ops.shape(h)[0], ops.shape(h)[1]
    q = ops.reshape(q, (batch, 1, att.num_heads, att.head_dim))
    k, v = ops.unstack(ops.reshape(kv, (batch, seq, 2, att.num_heads, att.head_dim)), 2, axis=2)
    key_mask = ops.cast(padding_mask, "bool")[:, None, None, :]  # (B, 1, 1, T)
    context = ops.dot_product_attention(q, k, v, mask=key_mask)  # (B, 1, A, H/A)
    attended = att.output_dense(ops.reshape(context, (batch, 1, hidden)))  # (B, 1, H)
    y = ops.add(x[:, :1], attended)
    if not block.normalize_first:
        y = block.attention_norm(y)
    f = block.ffn_norm(y) if block.normalize_first else y
    y = ops.add(y, block.ffn_out(block.ffn_in(f)))
    return y if block.normalize_first else block.ffn_norm(y)


def classifier_logits(model, inputs):
    """(B, K) logits of a :class:`BertClassifier` in inference mode, its last block computed at ``[CLS]`` only.

    Classifiers that read other layers' features (``features != "pooled"``) run the whole model.
    """
    if getattr(model, "features", "pooled") != "pooled":
        return model(inputs, training=False)
    backbone = model.backbone
    x = backbone.embedding(inputs["token_ids"], inputs["segment_ids"], training=False)  # (B, T, H)
    for block in backbone.encoder_blocks[:-1]:
        x = block(x, padding_mask=inputs["padding_mask"], training=False)
    x = _last_block_cls(backbone.encoder_blocks[-1], x, inputs["padding_mask"])  # (B, 1, H)
    if backbone.final_layer_norm is not None:
        x = backbone.final_layer_norm(x)
    return model.head(backbone.pooler(x[:, 0, :]), training=False)  # (B, K)


def serving_function(classifier):
    """The ``tf.function`` of the ``serving_default`` signature: texts -> probabilities and labels."""
    import tensorflow as tf

    tokenize = GraphTokenizer(classifier.tokenizer, classifier.max_length)
    model, threshold = classifier.model, classifier.threshold
    if threshold is not None and classifier.num_classes != 2:
        raise ValueError(f"a decision threshold only applies to two classes; this classifier has "
                         f"{classifier.num_classes}: set classifier.threshold = None to export the argmax")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def serve(texts):
        logits = tf.cast(classifier_logits(model, tokenize(texts)), tf.float32)  # (B, K)
        probabilities = tf.nn.softmax(logits, axis=-1)
        if threshold is None:
            labels = tf.argmax(probabilities, axis=-1)
        else:  # the rule of bertkeras.evaluation.predict_labels
            labels = tf.cast(probabilities[:, 1] >= threshold, tf.int64)
        return {"probabilities": probabilities, "labels": labels}

    return serve


def export_classifier(classifier, path) -> Path:
    """Write ``classifier`` (a :class:`~bertkeras.finetuning.text_classifier.TextClassifier`) as a SavedModel at ``path``.

    The directory is written next to ``path`` and renamed into place. TF Serving wants a numbered version
    directory (``models/spam/1``): pass that as ``path``.
    """
    import keras

    from bertkeras.files import atomic_directory

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"exporting a SavedModel needs the TensorFlow backend (KERAS_BACKEND={keras.backend.backend()}"
                           "); run with KERAS_BACKEND=tensorflow")
    serve = serving_function(classifier)

    def write(tmp: Path):
        archive = keras.export.ExportArchive()
        archive.track(classifier.model)
        archive.add_endpoint(SIGNATURE, serve)
        archive.write_out(str(tmp), verbose=False)

    return atomic_directory(Path(path), write)


__all__ = ["GraphTokenizer", "classifier_logits", "export_classifier", "final_sigma_tables",
           "serving_function"]
