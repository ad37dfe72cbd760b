"""Task models learn with fit, freeze for feature-based use, and reload without custom_objects."""

from __future__ import annotations

import keras
import numpy as np

from bertkeras import BertBackbone, BertClassifier, BertSpanExtractor, BertTokenTagger

SMALL = dict(vocabulary_size=30, num_layers=1, num_heads=2, hidden_dim=16, intermediate_dim=32,
             max_sequence_length=16, dropout=0.0, attention_dropout=0.0)


def toy(n=64, t=8, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, 30, (n, t)).astype("int32")
    return {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": np.ones_like(ids)}


def test_classifier_learns_a_token_rule_and_round_trips(tmp_path):
    x = toy()
    y = (x["token_ids"] == 7).any(axis=1).astype("int32")  # "does token 7 occur?"
    model = BertClassifier(BertBackbone(**SMALL), num_classes=2)
    model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=12, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    model.save(tmp_path / "clf.keras")
    clone = keras.saving.load_model(tmp_path / "clf.keras")
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), atol=1e-6)
    assert clone.num_classes == 2 and isinstance(clone.backbone, BertBackbone)


def test_feature_based_use_trains_only_the_head():
    backbone = BertBackbone(**SMALL)
    backbone.trainable = False
    model = BertClassifier(backbone, num_classes=3)
    assert {v.path for v in model.trainable_weights} == {v.path for v in model.head.trainable_weights}
    before = [np.asarray(w).copy() for w in backbone.weights]
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(toy(), np.arange(64) % 3, epochs=1, verbose=0)
    for a, w in zip(before, backbone.weights, strict=True):
        np.testing.assert_array_equal(a, np.asarray(w))


def test_token_tagger_and_span_extractor_fit():
    x = toy(n=32)
    tags = (x["token_ids"] > 17).astype("int32")  # a per-token label
    tagger = BertTokenTagger(BertBackbone(**SMALL), num_labels=2)
    tagger.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = tagger.fit(x, tags, sample_weight=x["padding_mask"], epochs=8, batch_size=8, verbose=0)
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]

    starts = np.argmax(x["token_ids"] == x["token_ids"].max(axis=1, keepdims=True), axis=1)
    span = BertSpanExtractor(BertBackbone(**SMALL))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    span.compile(keras.optimizers.Adam(3e-3), loss={"start_logits": loss, "end_logits": loss})
    h = span.fit(x, {"start_logits": starts, "end_logits": starts}, epochs=8, batch_size=8, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
