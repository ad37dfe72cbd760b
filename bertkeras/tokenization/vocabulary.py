"""WordPiece vocabularies: the five special tokens and the standard one-token-per-line ``vocab.txt``.

Line *n* of ``vocab.txt`` (counting from 0) is the token with id *n*, so Google's released BERT
vocabularies load unchanged. Continuation pieces start with ``##`` ("##ing" continues a word,
"ing" starts one).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bertkeras.files import atomic_write_text

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
CONTINUATION = "##"


def validate_vocabulary(tokens: Sequence[str], source: str = "vocabulary") -> list[str]:
    """Check a token list: no blanks, no duplicates, all five special tokens present.

    Raises:
        ValueError: naming the offending line (1-based, as an editor shows it) and the fix.

    Example:
        >>> validate_vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "##s"])[-1]
        '##s'
        >>> validate_vocabulary(["[PAD]", "[UNK]", "the", "the"])
        Traceback (most recent call last):
        ...
        ValueError: vocabulary line 4: duplicate token 'the' (first on line 3); every token must appear once
    """
    tokens = list(tokens)
    first_line: dict[str, int] = {}
    for i, token in enumerate(tokens, start=1):
        if not token or token != token.strip() or any(c.isspace() for c in token):
            raise ValueError(f"{source} line {i}: blank token or token containing whitespace ({token!r}); "
                             "vocab.txt holds exactly one token per line")
        if token in first_line:
            raise ValueError(f"{source} line {i}: duplicate token {token!r} (first on line {first_line[token]}); "
                             "every token must appear once")
        first_line[token] = i
    missing = [t for t in SPECIAL_TOKENS if t not in first_line]
    if missing:
        raise ValueError(f"{source}: missing special token(s) {missing}; a BERT vocabulary needs all of "
                         f"{list(SPECIAL_TOKENS)} (a trained vocabulary puts them on lines 1-5)")
    return tokens


def load_vocabulary(path: str | Path) -> list[str]:
    """Read a one-token-per-line ``vocab.txt`` (UTF-8) and validate it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"vocabulary file {path} not found; pass a vocab.txt path or a list of tokens")
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":  # the usual trailing newline
        lines.pop()
    return validate_vocabulary([line.rstrip("\r") for line in lines], source=str(path))


def save_vocabulary(tokens: Sequence[str], path: str | Path) -> Path:
    """Write ``tokens`` one per line, atomically (temporary file, then rename)."""
    tokens = validate_vocabulary(tokens)
    return atomic_write_text(path, "\n".join(tokens) + "\n")
