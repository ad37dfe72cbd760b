"""finetune_tagger / finetune_span_extractor: a tiny random BERT learns separable toy versions end to end,
the source backbone is copied, predictions and scores read the right pieces, and the baselines score alike."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras.datasets.derived_tasks import SpanDataset, SpanSplit, TaggedSplit, TaggingDataset
from bertkeras.evaluation.token_baselines import (
    FirstNumberSpanBaseline,
    MajorityTagBaseline,
    WordLookupTagBaseline,
)
from bertkeras.evaluation.token_metrics import span_metrics, tagging_metrics
from bertkeras.finetuning.token_tasks import (
    SpanExtractor,
    TextTagger,
    finetune_span_extractor,
    finetune_tagger,
)
from bertkeras.pretrained import load_pretrained
from tests.tiny_pretrained import HAM_WORDS, SPAM_WORDS, make_tiny_pretrained


def toy_tagging(seed=0, sizes=(160, 40, 40)):
    """Each word is tagged 1 when it is a spam word, 0 when a ham word: separable word by word."""
    rng = np.random.default_rng(seed)

    def split(n):
        words, labels = [], []
        for _ in range(n):
            y = (rng.random(rng.integers(3, 9)) < 0.3).astype(np.int64)
            words.append([str(rng.choice(SPAM_WORDS if v else HAM_WORDS)) for v in y])
            labels.append(y)
        return TaggedSplit(words, labels, [" ".join(w) for w in words], np.arange(n))

    return TaggingDataset("toy_tags", ("ham", "spam"), *(split(n) for n in sizes))


def toy_spans(seed=0, sizes=(160, 40, 40)):
    """Ham words with one spam word somewhere: the answer is the spam word."""
    rng = np.random.default_rng(seed)

    def split(n):
        contexts, starts, ends = [], [], []
        for _ in range(n):
            words = [str(w) for w in rng.choice(HAM_WORDS, rng.integers(3, 9))]
            k = int(rng.integers(len(words) + 1))
            answer = str(rng.choice(SPAM_WORDS))
            words.insert(k, answer)
            start = len(" ".join(words[:k])) + (1 if k else 0)
            contexts.append(" ".join(words))
            starts.append(start)
            ends.append(start + len(answer))
        return SpanSplit(["which word?"] * n, contexts, np.array(starts), np.array(ends), np.arange(n))

    return SpanDataset("toy_spans", *(split(n) for n in sizes))


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    return load_pretrained(make_tiny_pretrained(tmp_path_factory.mktemp("tiny") / "tiny_bert"))


@pytest.fixture(scope="module")
def tagger(pretrained):
    before = [w.copy() for w in pretrained.backbone.get_weights()]
    data = toy_tagging()
    return finetune_tagger(pretrained, None, data, learning_rate=3e-2, epochs=4, batch_size=16, seed=0,
                           verbose=0), data, before


@pytest.fixture(scope="module")
def extractor(pretrained):
    data = toy_spans()
    return finetune_span_extractor(pretrained, None, data, learning_rate=3e-2, epochs=4, batch_size=16, seed=0,
                                   verbose=0), data


def test_tagger_learns_the_toy_task_and_beats_the_majority_baseline(tagger, pretrained):
    model, data, before = tagger
    metrics = model.evaluate(data.test)
    assert metrics["macro_f1"] == 1.0 and metrics["per_class"]["spam"]["f1"] == 1.0
    assert metrics["num_examples"] == sum(map(len, data.test.words)) and metrics["truncated_words"] == 0
    loss = model.history.history["loss"]
    assert loss[-1] < 0.3 * loss[0] and "val_loss" in model.history.history
    assert model.predict("Free prize see you later")[0] == [("Free", "spam"), ("prize", "spam"), ("see", "ham"),
                                                            ("you", "ham"), ("later", "ham")]
    assert model.info["steps_per_epoch"] == 10 and model.info["epochs_run"] == 4
    assert model.info["validation"]["macro_f1"] == 1.0 and model.info["precision"] == "float32"
    majority = MajorityTagBaseline(data.label_names).fit(data.train).evaluate(data.test)
    assert majority["per_class"]["spam"]["f1"] == 0.0 and majority["macro_f1"] < 0.5
    assert WordLookupTagBaseline(data.label_names).fit(data.train).evaluate(data.test)["macro_f1"] == 1.0
    for a, b in zip(before, pretrained.backbone.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the source backbone was copied, not trained
    assert model.model.backbone is not pretrained.backbone


def test_span_extractor_learns_the_toy_task(extractor):
    model, data = extractor
    metrics = model.evaluate(data.test)
    assert metrics["exact_match"] >= 0.95 and metrics["f1"] >= 0.95 and metrics["truncated_answers"] == 0
    history = model.history.history
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert {"start_logits_loss", "end_logits_loss", "val_loss"} <= set(history)
    answers = model.predict(["see you free later", "love home lunch claim"])
    assert [a.text for a in answers] == ["free", "claim"] and (answers[0].start, answers[0].end) == (8, 12)
    assert model.info["train_examples"] == 160 and model.info["dropped_truncated"] == 0
    assert model.question == "which word?"
    assert FirstNumberSpanBaseline().evaluate(data.test)["exact_match"] == 0.0  # no digits in the toy contexts


def test_from_scratch_starts_random_and_the_unused_pooler_is_frozen(pretrained):
    data = toy_tagging(sizes=(32, 8, 8))
    scratch = finetune_tagger(pretrained.backbone, pretrained.tokenizer, data, from_scratch=True, epochs=1,
                              max_steps_per_epoch=1, seed=1, verbose=0)
    embedding = scratch.model.backbone.token_embedding.embeddings.numpy()
    assert not np.allclose(embedding, pretrained.backbone.token_embedding.embeddings.numpy(), atol=1e-3)
    assert scratch.info["from_scratch"] and scratch.info["total_steps"] == 1
    trainable = {v.path for v in scratch.model.trainable_weights}
    assert not any("pooled_dense" in p for p in trainable) and any("token_tagging_head" in p for p in trainable)


def test_tagger_scores_only_words_that_fit(pretrained):
    from bertkeras import BertTokenTagger

    tagger = TextTagger(BertTokenTagger(pretrained.backbone, 2), pretrained.tokenizer, label_names=("a", "b"),
                        max_length=4)
    words = [["ok", "home", "love", "later"]]  # room for 2 pieces: the last two words are cut
    probs = tagger.word_probabilities(words)[0]
    assert probs.shape == (4, 2) and np.isnan(probs[2:]).all() and np.allclose(probs[:2].sum(1), 1.0)
    split = TaggedSplit(words, [np.array([0, -1, 1, 0])], ["ok home love later"], np.array([0]))
    metrics = tagger.evaluate(split)
    assert metrics["num_examples"] == 1 and metrics["truncated_words"] == 2 and metrics["num_ignored"] == 3
    assert [label for _, label in tagger.predict("ok home love later")[0]][2:] == [None, None]


class StubSpanModel:
    """Logits that favour the question, a backward span and a too-long one, so only the rule picks right."""

    def predict_on_batch(self, x):
        segments, mask = x["segment_ids"], x["padding_mask"]
        start = np.where(segments == 0, 50.0, 0.0) * mask  # [CLS] and the question look best: not allowed
        end = np.zeros_like(start)
        for i in range(len(start)):
            last = int(mask[i].sum()) - 1  # the final [SEP]: not allowed either
            first = int(np.argmax(segments[i]))  # first context piece
            start[i, last], end[i, last] = 99.0, 99.0
            start[i, first + 1], end[i, first + 1] = 5.0, 4.0  # the answer: one piece, context word 2
            end[i, first] = 8.0  # ends before it starts: 13 points, but backwards
        return {"start_logits": start, "end_logits": end}


def test_span_decoding_keeps_to_the_context_forwards_and_in_input_order(pretrained):
    model = SpanExtractor(StubSpanModel(), pretrained.tokenizer, question="what?")
    contexts = ["ok home love see you going now", "home love", "ok see"]  # one WordPiece per word
    answers = model.predict(contexts)  # length batching sorts them: answers come back in input order
    assert [a.text for a in answers] == ["home", "love", "see"]
    assert [(a.start, a.end, a.score) for a in answers] == [(3, 7, 9.0), (5, 9, 9.0), (3, 6, 9.0)]
    split = SpanSplit(["what?"] * 3, contexts, np.array([3, 5, 0]), np.array([7, 9, 2]), np.arange(3))
    assert model.evaluate(split) == {"exact_match": 2 / 3, "f1": 2 / 3, "num_examples": 3, "truncated_answers": 0}


def test_metric_helpers_and_bad_inputs(pretrained):
    with pytest.raises(ValueError, match="one row per word"):
        tagging_metrics([0, 1], np.ones((3, 2)) / 2, ("a", "b"))
    with pytest.raises(ValueError, match="one prediction each"):
        span_metrics(["a"], ["a", "b"])
    with pytest.raises(RuntimeError, match="not fitted"):
        MajorityTagBaseline(("a", "b")).predict([["x"]])
    bad = toy_tagging(sizes=(8, 4, 4))
    bad.train.labels[0][0] = 5
    with pytest.raises(ValueError, match=r"-1 \(none\) or in \[0, 2\)"):
        finetune_tagger(pretrained, None, bad, verbose=0)
    with pytest.raises(ValueError, match="max_length <= 128"):
        finetune_span_extractor(pretrained, None, toy_spans(sizes=(8, 4, 4)), max_length=512, verbose=0)
    late = SpanSplit(["what?"] * 2, ["ok home love free"] * 2, np.array([13] * 2), np.array([17] * 2), np.arange(2))
    with pytest.raises(ValueError, match="no training example left"):  # room for "ok home" only
        finetune_span_extractor(pretrained, None, SpanDataset("late", late, late, late), max_length=7, verbose=0)
    with pytest.raises(ValueError, match="one name per label"):
        TextTagger(type("M", (), {"num_labels": 3})(), pretrained.tokenizer, label_names=("a", "b"))
