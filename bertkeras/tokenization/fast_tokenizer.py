"""``FastWordPieceTokenizer``: the same tokenizer as a TensorFlow graph, for ``tf.data`` and ``tf.function``.

It gives exactly the ids of :class:`bertkeras.WordPieceTokenizer` (a property test checks this on arbitrary
Unicode), but runs as TensorFlow ops: no Python per string, so it works inside ``dataset.map`` and is fast.

How it stays identical to the Python reference: the character rules of BERT's normalisation (drop,
whitespace, CJK, punctuation, lower-case + accent stripping) are evaluated once **with the same Python
``unicodedata``** for every code point and stored as lookup tables. In the graph each character is then
a table lookup, and the WordPiece step is tensorflow-text's ``FastWordpieceTokenizer`` (a linear-time
implementation of the same greedy longest-match-first), fed the already-split words. Plain-ASCII texts
take a shortcut through three regular expressions; uncased texts with a capital sigma (whose
lower-casing depends on its neighbours) take the Python pre-tokenizer through ``tf.py_function``.
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from bertkeras.runtime import check_tensorflow_text
from bertkeras.tokenization.normalization import PreTokenizer, clean_text, is_punctuation, strip_accents
from bertkeras.tokenization.vocabulary import SPECIAL_TOKENS, load_vocabulary, validate_vocabulary

MAX_CODEPOINT = 0x10FFFF
SPACE = 32


@functools.lru_cache(maxsize=2)
def character_tables(lowercase: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every code point, the code points it becomes, with spaces already placed around lone words.

    Returns ``(start, length, flat)``: code point ``c`` becomes ``flat[start[c]:start[c] + length[c]]``.
    Dropped characters become nothing, whitespace a space, a CJK ideograph or a punctuation character
    ``" c "`` (so it ends up as its own word), anything else its lower-cased, accent-stripped form.
    """
    start = np.zeros(MAX_CODEPOINT + 2, np.int32)
    length = np.zeros(MAX_CODEPOINT + 2, np.int32)
    flat: list[int] = []
    for cp in range(MAX_CODEPOINT + 1):
        if 0xD800 <= cp <= 0xDFFF:  # surrogates never come out of UTF-8 decoding
            continue
        ch = chr(cp)
        cleaned = clean_text(ch)  # "", " ", ch or " ch " (CJK)
        if cleaned == "" or cleaned == " " or ch.isspace():  # str.split() also splits on U+2028 etc.
            out = [] if cleaned == "" else [SPACE]
        elif cleaned != ch:  # a CJK ideograph: its own word
            out = [SPACE, cp, SPACE]
        else:
            out = []
            for c in (strip_accents(ch.lower()) if lowercase else ch):
                out.extend([SPACE, ord(c), SPACE] if is_punctuation(c) else [ord(c)])
        start[cp], length[cp] = len(flat), len(out)
        flat.extend(out)
    return start, length, np.asarray(flat, np.int32)


@keras.saving.register_keras_serializable(package="bertkeras")
class FastWordPieceTokenizer(keras.layers.Layer):
    """BERT tokenization and packing in the TensorFlow graph.

    Args:
        vocabulary: list of tokens or path to ``vocab.txt`` (as for ``WordPieceTokenizer``).
        lowercase: uncased (True) or cased (False) normalisation.
        max_chars_per_word: longer words become ``[UNK]`` (BERT: 200).
        sequence_length: length of the packed outputs.
        **kwargs: passed to ``keras.layers.Layer``.

    Call: ``layer(texts)`` or ``layer((texts_a, texts_b))`` with 1-D string tensors returns a dict of
    int32 (batch, sequence_length) tensors ``token_ids``, ``segment_ids``, ``padding_mask``;
    ``layer.tokenize(texts)`` returns the ragged WordPiece ids without special tokens.

    Example:
        >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "the", "cat", "!"]
        >>> layer = FastWordPieceTokenizer(vocab, sequence_length=8)
        >>> layer.tokenize(["The unaffable cat!"]).to_list()
        [[8, 5, 6, 7, 9, 10]]
        >>> out = layer((["the cat"], ["unaffable!"]))
        >>> out["token_ids"].numpy().tolist(), out["segment_ids"].numpy().tolist()
        ([[2, 8, 9, 3, 5, 6, 7, 3]], [[0, 0, 0, 0, 1, 1, 1, 1]])
    """

    def __init__(self, vocabulary, lowercase=True, max_chars_per_word=200, sequence_length=128, **kwargs):
        kwargs.setdefault("dtype", "int32")
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        tokens = load_vocabulary(vocabulary) if isinstance(vocabulary, str) else validate_vocabulary(vocabulary)
        if sequence_length < 3:
            raise ValueError(f"sequence_length={sequence_length} is too short for [CLS] A [SEP] B [SEP] (needs 3)")
        self.vocabulary = list(tokens)
        self.lowercase = lowercase
        self.max_chars_per_word = max_chars_per_word
        self.sequence_length = sequence_length
        self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id = (tokens.index(t) for t in SPECIAL_TOKENS)
        # Strings are not numbers: keep Keras from converting the inputs to the layer's dtype.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        # Built now, eagerly, so that tf.function and tf.data only ever capture finished tables.
        self._build_graph_parts()

    def _build_graph_parts(self):
        import tensorflow as tf

        check_tensorflow_text()  # a TF / tf-text minor mismatch fails here with the fix, not deep in an op
        import tensorflow_text as tf_text

        start, length, flat = character_tables(self.lowercase)
        self._graph = {
            "start": tf.constant(start), "length": tf.constant(length), "flat": tf.constant(flat),
            "wordpiece": tf_text.FastWordpieceTokenizer(
                self.vocabulary, suffix_indicator="##", max_bytes_per_word=4 * self.max_chars_per_word + 4,
                token_out_type=tf.int32, unknown_token="[UNK]", no_pretokenization=True),
        }

    def _normalise_ascii(self, texts):
        """ASCII texts: drop control characters, space out punctuation, lower-case (if uncased)."""
        import tensorflow as tf

        texts = tf.strings.regex_replace(texts, r"[\t\n\r]", " ")
        texts = tf.strings.regex_replace(texts, r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "")
        texts = tf.strings.regex_replace(texts, r"([!-/:-@\[-`{-~])", r" \1 ")
        return tf.strings.lower(texts) if self.lowercase else texts

    def _normalise_unicode(self, texts):
        """Any text: every code point replaced through the lookup tables (see ``character_tables``)."""
        import tensorflow as tf

        g = self._graph
        cps = tf.strings.unicode_decode(texts, "UTF-8", errors="replace", replacement_char=0xFFFD)  # (B, C)
        v = cps.flat_values  # (N,) every code point of the batch
        starts, lengths = tf.gather(g["start"], v), tf.gather(g["length"], v)  # (N,)
        out = tf.gather(g["flat"], tf.ragged.range(starts, starts + lengths).flat_values)  # (M,) normalised
        # Where each text's characters start in ``out``: a running total of the lengths at the text starts.
        ends = tf.concat([[0], tf.cumsum(lengths)], axis=0)  # (N+1,)
        splits = tf.gather(ends, cps.row_splits)  # (B+1,)
        strings = tf.strings.unicode_encode(tf.RaggedTensor.from_row_splits(out, splits), "UTF-8")  # (B,)
        if not self.lowercase:
            return strings
        # A capital sigma lower-cases by context (see ``words``): those texts take the Python route.
        has_sigma = tf.cast(tf.reduce_any(tf.equal(cps, 0x3A3), axis=1), tf.int32)
        positions = tf.dynamic_partition(tf.range(tf.shape(texts)[0]), has_sigma, 2)
        sigma_texts = tf.dynamic_partition(texts, has_sigma, 2)[1]
        return tf.dynamic_stitch(positions, [tf.dynamic_partition(strings, has_sigma, 2)[0],
                                             self._normalise_python(sigma_texts)])

    def _normalise_python(self, texts):
        """The Python pre-tokenizer, for the few texts the tables cannot handle (see ``words``)."""
        import tensorflow as tf

        pre_tokenize = PreTokenizer(self.lowercase)

        def run(batch):
            out = [" ".join(pre_tokenize(t.decode("utf-8", errors="replace"))) for t in batch.numpy()]
            return tf.constant(out, dtype=tf.string, shape=[len(out)])

        out = tf.py_function(run, [texts], tf.string)
        out.set_shape(texts.shape)
        return out

    def words(self, texts):
        """BERT's pre-tokenisation in the graph: (batch,) strings -> ragged (batch, words) strings."""
        import tensorflow as tf

        texts = tf.convert_to_tensor(texts, tf.string)
        # Most text is plain ASCII, where BERT's rules are three byte-level regular expressions; other
        # text goes through the code-point tables. One case no per-character table can express: Python's
        # lower() turns a capital sigma at the end of a word into "ς", elsewhere into "σ". The rare uncased
        # texts with a capital sigma therefore take the Python pre-tokenizer (a tf.py_function).
        # All three routes give exactly the reference's words.
        is_ascii = tf.cast(tf.strings.regex_full_match(texts, r"[\x00-\x7f]*"), tf.int32)
        parts = tf.dynamic_partition(texts, is_ascii, 2)
        positions = tf.dynamic_partition(tf.range(tf.shape(texts)[0]), is_ascii, 2)
        strings = tf.dynamic_stitch(positions, [self._normalise_unicode(parts[0]), self._normalise_ascii(parts[1])])
        words = tf.strings.split(strings)  # (B, W) split on runs of spaces
        too_long = tf.strings.length(words.flat_values, unit="UTF8_CHAR") > self.max_chars_per_word
        return words.with_flat_values(tf.where(too_long, "[UNK]", words.flat_values))

    def tokenize(self, texts):
        """Ragged (batch, tokens) int32 WordPiece ids, no special tokens."""
        words = self.words(texts)
        pieces = self._graph["wordpiece"].tokenize(words)  # (B, W, P)
        return pieces.merge_dims(1, 2)

    def call(self, inputs):
        import tensorflow as tf

        pair = isinstance(inputs, tuple | list) and len(inputs) == 2 and not isinstance(inputs[0], str)
        a = self.tokenize(inputs[0] if pair else inputs)
        b = self.tokenize(inputs[1]) if pair else None
        room = self.sequence_length - (3 if pair else 2)
        la = a.row_lengths()
        if pair:
            lb = b.row_lengths()
            # BERT's truncate_seq_pair, in closed form: pop from the longer segment (ties: from B).
            shorter = tf.minimum(la, lb)
            half_down, half_up = room // 2, room - room // 2
            fits = la + lb <= room
            keep_short = shorter <= half_down
            new_a = tf.where(fits, la, tf.where(keep_short, tf.where(la <= lb, la, room - lb), half_up))
            new_b = tf.where(fits, lb, tf.where(keep_short, tf.where(la <= lb, room - la, lb), half_down))
            new_a = tf.cast(tf.minimum(new_a, la), tf.int64)
            new_b = tf.cast(tf.minimum(new_b, lb), tf.int64)
        else:
            new_a = tf.minimum(la, room)
        a = tf.ragged.boolean_mask(a, tf.ragged.range(la) < new_a[:, None])
        batch = tf.shape(a.row_lengths())[0]
        cls = tf.fill([batch, 1], self.cls_id)
        sep = tf.fill([batch, 1], self.sep_id)
        pieces = [cls, a, sep]
        segments = [tf.zeros_like(cls), tf.zeros_like(a), tf.zeros_like(sep)]
        if pair:
            b = tf.ragged.boolean_mask(b, tf.ragged.range(lb) < new_b[:, None])
            pieces += [b, sep]
            segments += [tf.ones_like(b), tf.ones_like(sep)]
        ids = tf.concat(pieces, axis=1)
        shape = [None, self.sequence_length]
        return {
            "token_ids": ids.to_tensor(default_value=self.pad_id, shape=shape),
            "segment_ids": tf.concat(segments, axis=1).to_tensor(default_value=0, shape=shape),
            "padding_mask": tf.ones_like(ids).to_tensor(default_value=0, shape=shape),
        }

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": self.vocabulary, "lowercase": self.lowercase,
                       "max_chars_per_word": self.max_chars_per_word, "sequence_length": self.sequence_length})
        return config

    @classmethod
    def from_reference(cls, tokenizer, sequence_length=128, **kwargs) -> FastWordPieceTokenizer:
        """The graph version of a :class:`bertkeras.WordPieceTokenizer` (same vocabulary and options)."""
        return cls(tokenizer.vocabulary, lowercase=tokenizer.lowercase,
                   max_chars_per_word=tokenizer.max_chars_per_word, sequence_length=sequence_length, **kwargs)
