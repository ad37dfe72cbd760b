"""BERT's BasicTokenizer rules, and the cached fast pre-tokenizer agreeing with them on any text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bertkeras.tokenization.normalization import PreTokenizer, clean_text, is_punctuation, pre_tokenize


def test_cleaning_drops_control_and_format_characters():
    assert clean_text("a\x00b\ufffdc\u200bd\u200de\x07f") == "abcdef"  # NUL, U+FFFD, zero-width, BEL
    assert clean_text("a\tb\nc\rd\u00a0e") == "a b c d e"  # whitespace becomes a plain space


def test_ascii_symbols_count_as_punctuation():
    assert all(is_punctuation(c) for c in "$+<=>^`|~!?,.")
    assert not any(is_punctuation(c) for c in "aZ09 é")
    assert pre_tokenize("a$b+c=d") == ["a", "$", "b", "+", "c", "=", "d"]


def test_cjk_ideographs_are_split_but_hangul_and_kana_are_not():
    assert pre_tokenize("東京タワー 서울", lowercase=False) == ["東", "京", "タワー", "서울"]


def test_uncased_lowers_and_strips_accents_cased_keeps_both():
    assert pre_tokenize("Crème Brûlée") == ["creme", "brulee"]
    assert pre_tokenize("Crème Brûlée", lowercase=False) == ["Crème", "Brûlée"]


def test_hard_inputs_do_not_crash():
    for text in ["", "   \n\t ", "x" * 1_000_000, "🙂👍🏽", "e\u0301\u0301", "שלום עולם", "مرحبا", "\x00\u200b\u200f"]:
        pre_tokenize(text)
        PreTokenizer()(text)
    assert pre_tokenize("") == [] and pre_tokenize(" \n\t") == []
    assert pre_tokenize("\u200b\x00") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60), st.booleans())
def test_fast_pre_tokenizer_equals_the_reference(text, lowercase):
    assert PreTokenizer(lowercase)(text) == pre_tokenize(text, lowercase)


def test_greek_final_sigma_is_lowered_per_word_like_bert():
    # Python's str.lower() is context sensitive; BERT lowers each whitespace-separated word.
    assert pre_tokenize("ΟΔΟΣ.ΑΣ") == [unicodedata.normalize("NFD", w) for w in ["οδοσ", ".", "ας"]]
    assert PreTokenizer()("ΟΔΟΣ.ΑΣ") == pre_tokenize("ΟΔΟΣ.ΑΣ")
