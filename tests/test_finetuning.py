"""finetune(): a tiny random BERT learns a separable toy task, copies (never changes) its source, freezes
for feature-based use, starts from random weights for the ablation, and round-trips through save/load."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras.finetuning import balanced_class_weights, finetune
from bertkeras.pretrained import load_pretrained
from bertkeras.text_classifier import TextClassifier, length_batches, pad_batch
from tests.tiny_pretrained import make_tiny_pretrained, toy_spam_dataset


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    return load_pretrained(make_tiny_pretrained(tmp_path_factory.mktemp("tiny") / "tiny_bert"))


@pytest.fixture(scope="module")
def trained(pretrained):
    data = toy_spam_dataset()
    before = [w.copy() for w in pretrained.backbone.get_weights()]
    clf = finetune(pretrained, None, data, learning_rate=3e-2, epochs=4, batch_size=16, seed=0, verbose=0)
    return clf, data, before


def test_separable_toy_task_is_learned_perfectly(trained):
    clf, data, _ = trained
    metrics = clf.evaluate(data.test.texts, data.test.labels)
    assert metrics["accuracy"] == 1.0 and metrics["f1"] == 1.0 and metrics["pr_auc"] == 1.0
    labels, probs = clf.predict(["free prize claim now", "see you later love"])
    assert labels.tolist() == [1, 0] and probs.shape == (2, 2)
    assert probs[0, 1] > 0.9 and probs[1, 0] > 0.9
    history = clf.history.history
    assert history["loss"][-1] < 0.3 * history["loss"][0] and "val_loss" in history
    assert clf.info["epochs_run"] == 4 and clf.info["steps_per_epoch"] == 10 and clf.info["precision"] == "float32"
    assert clf.info["class_weights"] == pytest.approx(balanced_class_weights(data.train.labels, 2).tolist())
    assert clf.info["validation"]["accuracy"] == 1.0
    assert 0.0 < clf.threshold < 1.0  # tuned on validation


def test_source_backbone_is_copied_not_changed(trained, pretrained):
    clf, _, before = trained
    after = pretrained.backbone.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert clf.model.backbone is not pretrained.backbone
    assert not all(np.array_equal(a, b) for a, b in zip(before, clf.model.backbone.get_weights(), strict=True))


def test_save_load_round_trip_predicts_the_same(trained, tmp_path):
    clf, data, _ = trained
    run = clf.save(tmp_path / "run", metrics={"test": {"f1": 1.0}})
    assert sorted(p.name for p in run.iterdir()) == ["classifier.json", "classifier.weights.h5", "metrics.json",
                                                     "vocab.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dir left behind
    clone = TextClassifier.load(run)
    np.testing.assert_allclose(clone.predict_proba(data.test.texts), clf.predict_proba(data.test.texts), atol=1e-6)
    assert clone.threshold == clf.threshold and clone.label_names == ("ham", "spam") and clone.max_length == 128
    with pytest.raises(FileNotFoundError, match="bertkeras finetune"):
        TextClassifier.load(tmp_path / "nope")


def test_feature_based_trains_only_the_head_and_scratch_starts_random(pretrained):
    data = toy_spam_dataset()
    frozen = finetune(pretrained, None, data, feature_based=True, learning_rate=1e-2, epochs=1,
                      max_steps_per_epoch=3, seed=1, verbose=0)
    for a, b in zip(frozen.model.backbone.get_weights(), pretrained.backbone.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert {v.path for v in frozen.model.trainable_weights} == {v.path for v in frozen.model.head.trainable_weights}
    scratch = finetune(pretrained.backbone, pretrained.tokenizer, data, from_scratch=True, epochs=1,
                       max_steps_per_epoch=1, seed=1, verbose=0, tune=False)
    embedding = scratch.model.backbone.token_embedding.embeddings.numpy()
    assert not np.allclose(embedding, pretrained.backbone.token_embedding.embeddings.numpy(), atol=1e-3)
    assert scratch.threshold is None and scratch.info["from_scratch"] and scratch.info["total_steps"] == 1


def pretrained_classifier_stub():
    from types import SimpleNamespace

    return SimpleNamespace(num_classes=3, backbone=SimpleNamespace(max_sequence_length=128))


def test_bad_arguments_name_the_fix(pretrained):
    data = toy_spam_dataset()
    with pytest.raises(ValueError, match="max_length <= 128"):
        finetune(pretrained, None, data, max_length=512, verbose=0)
    with pytest.raises(ValueError, match="no tokenizer"):
        finetune(pretrained.backbone, None, data, verbose=0)
    with pytest.raises(ValueError, match="'balanced' or None"):
        finetune(pretrained, None, data, class_weight="auto", verbose=0)
    with pytest.raises(FileNotFoundError, match="no pretrained model"):
        finetune("/nonexistent/model", None, data, verbose=0)
    with pytest.raises(ValueError, match="one name per class"):
        TextClassifier(pretrained_classifier_stub(), None, label_names=("a", "b"))


def test_length_batches_cover_every_example_once_and_are_seeded():
    lengths = np.random.default_rng(0).integers(3, 60, 1000)
    a = length_batches(lengths, 32, np.random.default_rng(5))
    b = length_batches(lengths, 32, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert sorted(np.concatenate(a).tolist()) == list(range(1000))
    assert len(a) == 32  # ceil(1000 / 32): the step count per epoch is fixed
    spread = np.mean([np.ptp(lengths[batch]) for batch in a])
    assert spread < 5  # batches are of similar length (random batches: ~55)
    assert pad_batch([[2, 3]] * 2, 0)["token_ids"].shape == (2, 16)
