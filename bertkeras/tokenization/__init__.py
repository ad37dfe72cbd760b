"""Tokenization (notebook 01): from raw text to WordPiece ids and packed BERT inputs.

``vocabulary`` (the special tokens, ``vocab.txt``), ``normalization`` (BERT's BasicTokenizer: clean, lower-case,
strip accents, split punctuation and CJK), ``wordpiece`` (:class:`~bertkeras.tokenization.wordpiece.WordPieceTokenizer`,
greedy longest match), ``vocab_training`` (learn a vocabulary from text), ``packing`` (the one place that builds
``[CLS] A [SEP] B [SEP]`` with segment ids and truncates a pair, for fine-tuning and pre-training alike),
``alignment`` (word labels and character spans onto WordPiece positions) and ``fast_tokenizer`` (the same ids
inside ``tf.data``, TensorFlow Text).

Everything here but ``fast_tokenizer`` is plain Python and NumPy.
"""
