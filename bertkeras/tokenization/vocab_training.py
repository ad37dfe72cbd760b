"""Learning a WordPiece vocabulary from a corpus.

1. Normalise and pre-tokenise every text exactly as encoding will (:class:`PreTokenizer`), so the
   vocabulary contains only pieces the tokenizer can produce.
2. Start from single characters (word-initial ``c`` and continuing ``##c``) and repeatedly merge the
   most frequent adjacent pair of pieces into a new piece, until the vocabulary has the requested size.
   That is BPE's merge rule: Hugging Face's ``WordPieceTrainer`` (what runs here, counting in Rust) wraps
   its BPE trainer, so it does not use WordPiece's likelihood score count(ab) / (count(a)·count(b))
   (Schuster & Nakajima 2012); notebook 01 computes both. Google never published how BERT's own
   vocabulary was built; the ``##`` pieces and greedy longest-match encoding are WordPiece's either way.
3. Make sure every common character (printable ASCII, Latin-1, general punctuation, currency signs),
   normalised the same way, exists both as a word start ``c`` and as a continuation ``##c``, so text
   from another source is not ``[UNK]`` just because the training corpus never used, say, ``’`` or
   ``_``; the rarest learned pieces make room for them (when that takes at most a fifth of the
   vocabulary, i.e. from about 2,000 tokens up).
4. Put the five special tokens first, so they get ids 0–4.

Example:
    >>> texts = ["the cat sat on the mat", "the cats sat", "a cat and a hat"] * 20
    >>> vocab = train_vocabulary(texts, vocabulary_size=40)
    >>> vocab[:5]
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    >>> "cat" in vocab and "the" in vocab
    True
"""

from __future__ import annotations

from collections.abc import Iterable

from bertkeras.tokenization.normalization import PreTokenizer
from bertkeras.tokenization.vocabulary import CONTINUATION, SPECIAL_TOKENS, validate_vocabulary

BASE_CHARACTERS = "".join(chr(c) for r in [(0x21, 0x7E), (0xA1, 0xFF), (0x2010, 0x2027), (0x2030, 0x205E),
                                           (0x20A0, 0x20BF)] for c in range(r[0], r[1] + 1))


def base_alphabet(lowercase: bool) -> list[str]:
    """The normalised single characters every trained vocabulary keeps (word start and ``##`` forms)."""
    pre_tokenize = PreTokenizer(lowercase)
    chars = {c for ch in BASE_CHARACTERS for piece in pre_tokenize(ch) for c in piece}
    return sorted(chars)


def train_vocabulary(
    texts: Iterable[str],
    vocabulary_size: int = 8000,
    *,
    lowercase: bool = True,
    min_frequency: int = 2,
    max_alphabet: int | None = None,
) -> list[str]:
    """Learn a WordPiece vocabulary of ``vocabulary_size`` tokens (fewer if the corpus is too small).

    Args:
        texts: the corpus, one string per document (any iterable; read once).
        vocabulary_size: the target size, special tokens included.
        lowercase: must match the tokenizer that will use the vocabulary.
        min_frequency: a merged piece must occur at least this often.
        max_alphabet: keep only the most frequent single characters of the corpus (None: all of them,
            so rare characters still get a piece instead of ``[UNK]``).

    Returns:
        The tokens, special tokens first (ids 0–4), ready for ``WordPieceTokenizer``.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    if vocabulary_size < len(SPECIAL_TOKENS) + 1:
        raise ValueError(f"vocabulary_size={vocabulary_size} is too small: the {len(SPECIAL_TOKENS)} special "
                         "tokens alone take 5 ids")
    pre_tokenize = PreTokenizer(lowercase)
    model = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix=CONTINUATION))
    model.pre_tokenizer = pre_tokenizers.WhitespaceSplit()  # the text is already pre-tokenised below
    options = {} if max_alphabet is None else {"limit_alphabet": max_alphabet}
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocabulary_size, min_frequency=min_frequency, special_tokens=list(SPECIAL_TOKENS),
        continuing_subword_prefix=CONTINUATION, show_progress=False, **options)
    model.train_from_iterator((" ".join(pre_tokenize(t)) for t in texts), trainer=trainer)
    by_id = sorted(model.get_vocab().items(), key=lambda item: item[1])
    learned = [t for t, _ in by_id if t not in SPECIAL_TOKENS]  # alphabet first, then merges, rarest last
    present = set(learned)
    missing = [t for c in base_alphabet(lowercase) for t in (c, CONTINUATION + c) if t not in present]
    room = vocabulary_size - len(SPECIAL_TOKENS)
    if len(missing) > room // 5:  # a tiny vocabulary keeps what its own corpus needs
        missing = []
    if len(learned) + len(missing) > room:
        learned = learned[: max(room - len(missing), 0)]
    return validate_vocabulary(list(SPECIAL_TOKENS) + learned + missing[: room - len(learned)])
