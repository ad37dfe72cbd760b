"""vocab.txt reading/writing and the errors that name the line."""

from __future__ import annotations

import pytest

from bertkeras.tokenization.vocabulary import SPECIAL_TOKENS, load_vocabulary, save_vocabulary

GOOD = list(SPECIAL_TOKENS) + ["the", "##s", "cat"]


def test_round_trip(tmp_path):
    path = save_vocabulary(GOOD, tmp_path / "vocab.txt")
    assert path.read_text(encoding="utf-8") == "\n".join(GOOD) + "\n"
    assert load_vocabulary(path) == GOOD


def test_real_bert_layout_with_specials_elsewhere(tmp_path):
    tokens = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]", "the"]
    (tmp_path / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    assert load_vocabulary(tmp_path / "vocab.txt").index("[CLS]") == 101


@pytest.mark.parametrize(
    ("lines", "message"),
    [(GOOD[:3] + GOOD[4:], r"missing special token\(s\) \['\[SEP\]'\]"),
     (GOOD[:6] + ["", "cat"], "line 7: blank token"),
     (GOOD + ["the"], "line 9: duplicate token 'the' \\(first on line 6\\)"),
     (GOOD + ["two words"], "line 9: blank token or token containing whitespace")],
)
def test_bad_vocab_files_name_the_line(tmp_path, lines, message):
    (tmp_path / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_vocabulary(tmp_path / "vocab.txt")


def test_missing_file_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="vocab.txt path or a list of tokens"):
        load_vocabulary(tmp_path / "nope.txt")
