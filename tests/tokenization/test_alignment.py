"""Word labels onto WordPieces, answer characters onto piece positions and back, and the span decoding rule,
all on hand-made examples with exact expected outputs (plus the offsets of every BBC money context)."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras.tokenization.alignment import align_word_labels, best_span, encode_span, piece_offsets
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TOK = WordPieceTokenizer(SPECIALS + ["tony", "blair", "visited", "wo", "##king", "##ham", ".", "how", "much", "?",
                                     "it", "paid", "£", "##5", "##m", "for", "cafe", "$", "2", "##bn"])
ID = TOK.token_to_id


def test_labels_go_on_first_pieces_and_everything_else_weighs_zero():
    out = align_word_labels(TOK, ["tony", "blair", "visited", "wokingham", "."], [-1, 1, 0, 1, 0])
    assert out["token_ids"] == [2, ID["tony"], ID["blair"], ID["visited"], ID["wo"], ID["##king"], ID["##ham"],
                                ID["."], 3]
    assert out["labels"] == [-1, -1, 1, 0, 1, -1, -1, 0, -1]  # "tony" has no label (-1): weight 0 as well
    assert out["weights"] == [0, 0, 1, 1, 1, 0, 0, 1, 0]
    assert out["word_positions"] == [1, 2, 3, 4, 7]
    unknown = align_word_labels(TOK, ["zzz", "\u0301", "blair"], [0, 1, 1])  # no piece: [UNK], keeps its label
    assert unknown["token_ids"] == [2, 1, 1, ID["blair"], 3] and unknown["labels"] == [-1, 0, 1, 1, -1]


def test_truncation_cuts_words_and_their_labels():
    out = align_word_labels(TOK, ["blair", "wokingham", "visited"], [1, 1, 0], max_length=4)
    assert out["token_ids"] == [2, ID["blair"], ID["wo"], 3]  # room for 2 pieces: "wo" stays, "##king" goes
    assert out["labels"] == [-1, 1, 1, -1] and out["word_positions"] == [1, 2, -1]
    assert align_word_labels(TOK, ["blair"], max_length=3)["labels"] == [-1, -1, -1]  # no labels: all -1
    with pytest.raises(ValueError, match="one label per word"):
        align_word_labels(TOK, ["blair", "visited"], [1])
    with pytest.raises(ValueError, match="max_length=2"):
        align_word_labels(TOK, ["blair"], [1], max_length=2)


def test_piece_offsets_cover_the_characters_each_piece_came_from():
    text = "Tony  Blair\tvisited Café, Wokingham\u200b £5m"
    pieces, offsets = piece_offsets(TOK, text)
    assert pieces == TOK.tokenize(text)
    assert [text[s:e] for s, e in offsets] == ["Tony", "Blair", "visited", "Café", ",", "Wo", "king",
                                               "ham", "£", "5", "m"]


def test_answer_span_maps_to_its_first_and_last_piece_and_back():
    context = "It paid £5m for Wokingham."
    enc = encode_span(TOK, "How much?", context, 8, 11)
    assert enc["token_ids"] == [2, ID["how"], ID["much"], ID["?"], 3, ID["it"], ID["paid"], ID["£"], ID["##5"],
                                ID["##m"], ID["for"], ID["wo"], ID["##king"], ID["##ham"], ID["."], 3]
    assert enc["segment_ids"] == [0] * 5 + [1] * 11
    assert (enc["start_position"], enc["end_position"], enc["answer_truncated"]) == (7, 9, False)
    offsets = enc["offsets"]
    assert offsets[:5] == [(-1, -1)] * 5 and offsets[-1] == (-1, -1)
    assert context[offsets[7][0]:offsets[9][1]] == "£5m"
    inner = encode_span(TOK, "How much?", context, 19, 22)  # "ing": inside a word, on the piece it overlaps
    assert (inner["start_position"], inner["end_position"]) == (12, 12)
    last = encode_span(TOK, "How much?", context, 16, 25)  # a name of three pieces
    assert (last["start_position"], last["end_position"]) == (11, 13)


def test_an_answer_cut_by_truncation_is_flagged_not_mislabelled():
    context = "It paid £5m for Wokingham."
    cut = encode_span(TOK, "How much?", context, 8, 11, max_length=12)  # 12 - 3 - 3 question pieces = 6 left
    assert cut["token_ids"][5:] == [ID["it"], ID["paid"], ID["£"], ID["##5"], ID["##m"], ID["for"], 3]
    assert (cut["start_position"], cut["end_position"], cut["answer_truncated"]) == (7, 9, False)
    partly = encode_span(TOK, "How much?", context, 8, 11, max_length=10)  # keeps "it paid £ ##5": "##m" is cut
    assert partly["token_ids"][5:] == [ID["it"], ID["paid"], ID["£"], ID["##5"], 3]
    assert (partly["start_position"], partly["end_position"], partly["answer_truncated"]) == (-1, -1, True)
    gone = encode_span(TOK, "How much?", context, 16, 25, max_length=12)
    assert gone["answer_truncated"] and gone["start_position"] == -1
    question_only = encode_span(TOK, "How much?", context, max_length=12)
    assert question_only["start_position"] == -1 and not question_only["answer_truncated"]
    with pytest.raises(ValueError, match="leaves no room for the context"):
        encode_span(TOK, "How much?", context, 8, 11, max_length=6)
    with pytest.raises(ValueError, match="covers no WordPiece"):
        encode_span(TOK, "How much?", "It  paid", 2, 3)
    with pytest.raises(ValueError, match="0 <= start < end"):
        encode_span(TOK, "How much?", context, 11, 8)


def test_best_span_stays_in_the_context_runs_forward_and_is_short_enough():
    start = np.array([9.0, 0.0, 4.0, 1.0, 0.0, 0.0])
    end = np.array([9.0, 0.0, 0.0, 3.0, 5.0, 0.0])
    allowed = np.array([0, 0, 1, 1, 1, 0], bool)  # [CLS] and the question (0-1) and the last [SEP] (5) excluded
    assert best_span(start, end, allowed) == (2, 4, 9.0)
    assert best_span(start, end, allowed, max_answer_length=2) == (2, 3, 7.0)
    assert best_span(start, end, allowed, max_answer_length=1) == (4, 4, 5.0)
    backwards = best_span([0, 0, 1, 8], [0, 0, 9, 1], [0, 0, 1, 1])  # 3..2 would score 17 but runs backwards
    assert backwards == (2, 2, 10.0)
    with pytest.raises(ValueError, match="no allowed position"):
        best_span([1.0], [1.0], [False])


def test_offsets_reproduce_the_tokenizer_on_every_bbc_money_context():
    from bertkeras.datasets import derived_tasks
    from bertkeras.tokenization.normalization import strip_accents
    from tests.tiny_pretrained import sms_texts

    tokenizer = WordPieceTokenizer.train(sms_texts(), 400)
    spans = derived_tasks.money_span_extraction()
    for context, start, end in zip(spans.train.contexts, spans.train.answer_starts, spans.train.answer_ends,
                                   strict=True):
        pieces, offsets = piece_offsets(tokenizer, context)
        assert pieces == tokenizer.tokenize(context)
        for piece, (s, e) in zip(pieces, offsets, strict=True):
            assert piece == "[UNK]" or strip_accents(context[s:e].lower()) == piece.removeprefix("##")
        enc = encode_span(tokenizer, "How much money?", context, int(start), int(end), max_length=512)
        got = enc["offsets"][enc["start_position"]][0], enc["offsets"][enc["end_position"]][1]
        assert got == (start, end)  # money amounts start and end on piece boundaries
