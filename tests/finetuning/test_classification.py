"""finetune(): a tiny random BERT learns a separable toy task, copies (never changes) its source, freezes
for feature-based use, starts from random weights for the ablation, and round-trips through save/load."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras.finetuning.classification import balanced_class_weights, finetune
from bertkeras.finetuning.text_classifier import TextClassifier
from bertkeras.finetuning.training import length_batches
from bertkeras.pretrained import load_pretrained
from bertkeras.tokenization.packing import pad_batch
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


# --- feature-based use with other layers' [CLS] vectors (BERT §5.3) ------------------------------------------

@pytest.fixture(scope="module")
def deep_backbone(pretrained):
    """A random 4-layer backbone with the tiny model's vocabulary: enough layers for the last-four features."""
    import keras

    from bertkeras import BertBackbone

    keras.utils.set_random_seed(3)
    return BertBackbone(vocabulary_size=pretrained.tokenizer.vocabulary_size, num_layers=4, num_heads=2,
                        hidden_dim=8, intermediate_dim=16, max_sequence_length=128)


def manual_logits(model, x, features):
    """The classifier's logits recomputed in NumPy from ``backbone.internals(x)["hidden_states"]``."""
    cls = [np.asarray(h)[:, 0, :] for h in model.backbone.internals(x)["hidden_states"]]  # L+1 of (B, H)
    vector = {"last": cls[-1], "second_to_last": cls[-2], "last4_sum": cls[-4] + cls[-3] + cls[-2] + cls[-1],
              "last4_concat": np.concatenate(cls[-4:], axis=-1), "last2_concat": np.concatenate(cls[-2:], axis=-1)}[features]
    return vector @ model.head.dense.kernel.numpy() + model.head.dense.bias.numpy()


@pytest.fixture(scope="module")
def last4(pretrained, deep_backbone):
    data = toy_spam_dataset()
    before = [w.copy() for w in deep_backbone.get_weights()]
    clf = finetune(deep_backbone, pretrained.tokenizer, data, feature_based=True, features="last4_concat",
                   learning_rate=1e-2, epochs=2, seed=0, verbose=0)
    return clf, data, before


def test_last4_concat_reads_the_hidden_states_and_trains_only_the_head(last4, deep_backbone):
    clf, data, before = last4
    assert clf.info["features"] == "last4_concat" and clf.info["feature_based"] is True
    assert clf.model.backbone is not deep_backbone and clf.model.features == "last4_concat"
    assert tuple(clf.model.head.dense.kernel.shape) == (4 * 8, 2)  # four H=8 [CLS] vectors side by side
    assert {v.path for v in clf.model.trainable_weights} == {v.path for v in clf.model.head.trainable_weights}
    for a, b, c in zip(before, deep_backbone.get_weights(), clf.model.backbone.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the source is untouched ...
        np.testing.assert_array_equal(a, c)  # ... and so is the frozen copy, after two epochs of training
    history = clf.history.history
    assert len(history["loss"]) == 2 and history["loss"][-1] < history["loss"][0]  # the head did learn
    x = pad_batch(clf.encode(data.test.texts[:12]), clf.tokenizer.pad_id)
    np.testing.assert_allclose(np.asarray(clf.model.predict_on_batch(x)), manual_logits(clf.model, x, "last4_concat"),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("features", ["last", "second_to_last", "last4_sum", "last2_concat"])
def test_other_features_equal_their_manual_computation(deep_backbone, features):
    from bertkeras import BertBackbone, BertClassifier

    backbone = BertBackbone.from_bert_config(deep_backbone.bert_config, return_hidden_states=True)
    backbone.set_weights(deep_backbone.get_weights())
    model = BertClassifier(backbone, 3, features=features)
    assert tuple(model.head.dense.kernel.shape) == ((16, 3) if features == "last2_concat" else (8, 3))
    x = pad_batch([[2, 40, 41, 42, 3], [2, 50, 3]], 0)
    np.testing.assert_allclose(np.asarray(model(x)), manual_logits(model, x, features), rtol=1e-5, atol=1e-6)


def test_feature_model_reloads_in_a_fresh_process_without_custom_objects(last4, tmp_path):
    import json
    import os
    import subprocess
    import sys

    clf, data, _ = last4
    clf.model.save(tmp_path / "model.keras")
    x = pad_batch(clf.encode(data.test.texts[:6]), clf.tokenizer.pad_id)
    np.savez(tmp_path / "x.npz", **x)
    script = ("import json, sys, keras, numpy as np, bertkeras\n"
              "model = keras.saving.load_model(sys.argv[1])\n"
              "x = dict(np.load(sys.argv[2]))\n"
              "np.save(sys.argv[3], np.asarray(model.predict_on_batch(x)))\n"
              "print(json.dumps([model.features, model.backbone.trainable, type(model).__name__]))\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model.keras"), str(tmp_path / "x.npz"),
                           str(tmp_path / "out.npy")], capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["last4_concat", False, "BertClassifier"]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), np.asarray(clf.model.predict_on_batch(x)), atol=1e-6)


def test_bad_feature_choices_name_the_fix(pretrained, deep_backbone):
    from bertkeras import BertClassifier

    data = toy_spam_dataset()
    with pytest.raises(ValueError, match="pass feature_based=True"):
        finetune(deep_backbone, pretrained.tokenizer, data, features="last4_concat", verbose=0)
    with pytest.raises(ValueError, match=r"choose one of \['pooled', 'last', 'second_to_last', 'last2_concat', 'last4_sum'"):
        finetune(deep_backbone, pretrained.tokenizer, data, feature_based=True, features="cls", verbose=0)
    with pytest.raises(ValueError, match=r"the backbone has 1; choose one of \['pooled', 'last'\]"):
        finetune(pretrained, None, data, feature_based=True, features="last4_concat", verbose=0)
    with pytest.raises(ValueError, match="return_hidden_states=True"):
        BertClassifier(deep_backbone, 2, features="last")  # built without hidden states


@pytest.mark.parametrize("features", ["last4_concat", "last4_sum", "last2_concat"])
def test_feature_classifier_round_trips_through_text_classifier(pretrained, deep_backbone, tmp_path, features):
    data = toy_spam_dataset()
    clf = finetune(deep_backbone, pretrained.tokenizer, data, feature_based=True, features=features,
                   learning_rate=1e-2, epochs=1, max_steps_per_epoch=3, seed=0, verbose=0)
    clone = TextClassifier.load(clf.save(tmp_path / "run"))
    assert clone.model.features == features and clone.info["features"] == features
    np.testing.assert_allclose(clone.predict_proba(data.test.texts), clf.predict_proba(data.test.texts), atol=1e-6)
