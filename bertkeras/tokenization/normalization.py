"""BERT's text normalisation and pre-tokenisation (google-research/bert ``BasicTokenizer``).

Before WordPiece sees a word, BERT cleans the text and cuts it into words:

1. drop NUL, U+FFFD and every control or format character; turn tab, newline, CR and other spaces
   into a plain space;
2. put spaces around every CJK ideograph, so each becomes its own word (Hangul, kana and other
   scripts are *not* split this way);
3. uncased models: lower-case, decompose accented letters (NFD) and drop the accents;
4. split on whitespace, then cut every punctuation character out as its own word. "Punctuation"
   is every Unicode P* character plus the ASCII symbols ``$ + < = > ^ ` | ~`` and friends.

Example:
    >>> pre_tokenize("Héllo,   WORLD!\\tCafé")
    ['hello', ',', 'world', '!', 'cafe']
    >>> pre_tokenize("Héllo, 東京 한국어!", lowercase=False)
    ['Héllo', ',', '東', '京', '한국어', '!']

    Like BERT's uncased models, NFD also decomposes Hangul syllables into their jamo (and does not
    recompose them), so an uncased vocabulary sees Korean letter by letter-part:

    >>> [len(w) for w in pre_tokenize("한국어")], [len(w) for w in pre_tokenize("한국어", lowercase=False)]
    ([8], [3])
"""

from __future__ import annotations

import unicodedata

WHITESPACE = " \t\n\r"


def is_whitespace(ch: str) -> bool:
    """Space, tab, newline, CR and every Unicode space separator (Zs)."""
    return ch in WHITESPACE or unicodedata.category(ch) == "Zs"


def is_control(ch: str) -> bool:
    """Control, format, surrogate, private-use and unassigned characters (C*), except tab/newline/CR."""
    return ch not in WHITESPACE and unicodedata.category(ch).startswith("C")


def is_punctuation(ch: str) -> bool:
    """Unicode punctuation (P*) and the four ASCII symbol ranges BERT also treats as punctuation."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk_ideograph(cp: int) -> bool:
    """The CJK Unified Ideographs blocks BERT splits character by character (not Hangul or kana)."""
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def clean_text(text: str) -> str:
    """Step 1 and 2: drop invalid/control characters, normalise whitespace, space out CJK ideographs."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch):
            out.append(" ")
        elif is_cjk_ideograph(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return "".join(out)


def strip_accents(text: str) -> str:
    """NFD-decompose and drop combining marks: 'Café' -> 'Cafe'."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def split_on_punctuation(word: str) -> list[str]:
    """'hello,world!' -> ['hello', ',', 'world', '!']."""
    pieces: list[str] = []
    current = ""
    for ch in word:
        if is_punctuation(ch):
            if current:
                pieces.append(current)
                current = ""
            pieces.append(ch)
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def pre_tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Clean ``text`` and cut it into the words WordPiece will split further."""
    words = []
    for word in clean_text(text).split():
        if lowercase:
            word = strip_accents(word.lower())
        words.extend(split_on_punctuation(word))
    return words


class PreTokenizer:
    """:func:`pre_tokenize`, made fast with two caches; same output on every input.

    Real text repeats itself: a few thousand distinct characters and tens of thousands of distinct words
    make up millions of tokens. So step 1–2 become one ``str.translate`` with a table filled in for each new
    character, and steps 3–4 are computed once per distinct whitespace-separated word.

    Example:
        >>> PreTokenizer(lowercase=True)("Héllo,   WORLD!")
        ['hello', ',', 'world', '!']
    """

    def __init__(self, lowercase: bool = True, max_cached_words: int = 1_000_000):
        self.lowercase = lowercase
        self.max_cached_words = max_cached_words
        self._char_table: dict[int, str] = {}
        self._seen_chars: set[str] = set()
        self._words: dict[str, list[str]] = {}

    def _extend_table(self, text: str) -> None:
        for ch in set(text) - self._seen_chars:
            self._seen_chars.add(ch)
            cleaned = clean_text(ch)
            if cleaned != ch:
                self._char_table[ord(ch)] = cleaned

    def _word(self, word: str) -> list[str]:
        pieces = self._words.get(word)
        if pieces is None:
            lowered = strip_accents(word.lower()) if self.lowercase else word
            pieces = split_on_punctuation(lowered)
            if len(self._words) < self.max_cached_words:
                self._words[word] = pieces
        return pieces

    def __call__(self, text: str) -> list[str]:
        if len(self._seen_chars) < 0x110000:
            self._extend_table(text)
        out: list[str] = []
        for word in text.translate(self._char_table).split():
            out.extend(self._word(word))
        return out
