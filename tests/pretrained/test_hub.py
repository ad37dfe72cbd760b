"""load_keras_hub_bert: the real-preset path (keras-hub's download replaced by a stub) and the offline stand-in."""

from __future__ import annotations

import time

import keras_hub
import numpy as np
import pytest

from bertkeras.pretrained import hub as hub_module
from bertkeras.pretrained.hub import KERAS_HUB_BERT, internet_available, load_keras_hub_bert
from bertkeras.tokenization.vocabulary import SPECIAL_TOKENS

TEXTS = ["the cat sat on the mat", "a dog ran in the park", "free prize call now", "see you at lunch"] * 10


def encode(bert, text="the cat ran"):
    return bert.tokenizer(text, max_length=12, padding="max_length")


def test_offline_gives_a_random_stand_in_of_the_preset_shape():
    bert = load_keras_hub_bert("bert_tiny_en_uncased", fallback_texts=TEXTS, offline=True)
    assert not bert.real_weights and "offline=True" in bert.source and "RANDOM" in bert.describe()
    assert (bert.backbone.num_layers, bert.backbone.hidden_dim, bert.backbone.num_heads) == (2, 128, 2)
    assert bert.backbone.vocabulary_size == bert.tokenizer.vocabulary_size < 30522
    x = encode(bert)
    ours, theirs = bert.backbone(x), bert.hub_backbone(x)
    np.testing.assert_allclose(np.asarray(ours["pooled_output"]), np.asarray(theirs["pooled_output"]), atol=1e-5)


def test_environment_variable_forces_offline(monkeypatch):
    monkeypatch.setenv("BERTKERAS_OFFLINE", "1")
    monkeypatch.setattr(hub_module, "download_preset", lambda *a: pytest.fail("must not download"))
    bert = load_keras_hub_bert(fallback_texts=TEXTS)
    assert not bert.real_weights and "BERTKERAS_OFFLINE" in bert.source


def test_no_connection_falls_back_without_downloading(monkeypatch):
    monkeypatch.delenv("BERTKERAS_OFFLINE", raising=False)
    monkeypatch.setattr(hub_module, "internet_available", lambda timeout: False)
    monkeypatch.setattr(hub_module, "download_preset", lambda *a: pytest.fail("must not download"))
    bert = load_keras_hub_bert(fallback_texts=TEXTS, timeout=3)
    assert not bert.real_weights and "no connection to Kaggle within 3 s" in bert.source


def test_a_failed_download_falls_back(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("kaggle said no")

    monkeypatch.setattr(keras_hub.models.BertBackbone, "from_preset", broken)
    bert = load_keras_hub_bert(fallback_texts=TEXTS, offline=False)
    assert not bert.real_weights and "download failed: ConnectionError: kaggle said no" in bert.source


def test_downloaded_preset_is_converted_with_its_vocabulary(monkeypatch):
    vocabulary = list(SPECIAL_TOKENS) + ["the", "cat", "ran", "##s"] + [f"w{i}" for i in range(91)]
    fake = keras_hub.models.BertBackbone(vocabulary_size=len(vocabulary), num_layers=1, num_heads=2, hidden_dim=8,
                                         intermediate_dim=16, max_sequence_length=32)

    class FakeTokenizer:
        def get_vocabulary(self):
            return vocabulary

    monkeypatch.setattr(keras_hub.models.BertBackbone, "from_preset", lambda name: fake)
    monkeypatch.setattr(keras_hub.models.BertTokenizer, "from_preset", lambda name: FakeTokenizer())
    bert = load_keras_hub_bert("bert_base_en", offline=False)
    assert bert.real_weights and bert.hub_backbone is fake and "downloaded" in bert.source
    assert bert.tokenizer.vocabulary == vocabulary and not bert.tokenizer.lowercase  # bert_base_en is cased
    assert bert.tokenizer.tokenize("the cats") == ["the", "cat", "##s"]
    x = encode(bert)
    np.testing.assert_allclose(np.asarray(bert.backbone(x)["sequence_output"]),
                               np.asarray(fake(x)["sequence_output"]), atol=1e-5)


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="bert_tiny_en_uncased"):
        load_keras_hub_bert("bert_huge", offline=True)
    with pytest.raises(ValueError, match="fallback_texts"):
        load_keras_hub_bert("bert_tiny_en_uncased", offline=True)


def test_preset_table_matches_keras_hub_parameter_counts():
    from bertkeras import BertConfig

    presets = keras_hub.models.BertBackbone.presets
    for name, (size, vocabulary_size, _) in KERAS_HUB_BERT.items():
        expected = presets[name]["metadata"]["params"]
        assert BertConfig.from_preset(size, vocabulary_size=vocabulary_size).num_parameters() == expected, name


def test_connectivity_check_fails_fast(monkeypatch):
    start = time.perf_counter()
    assert internet_available("nonexistent.invalid", timeout=1.0) is False
    assert time.perf_counter() - start < 3


def test_a_hanging_resolver_cannot_block_longer_than_the_timeout(monkeypatch):
    def hang(*args, **kwargs):  # a resolver that answers only after 10 s, and then with a failure
        time.sleep(10)
        raise OSError("timed out")

    monkeypatch.setattr(hub_module.socket, "create_connection", hang)
    start = time.perf_counter()
    assert internet_available(timeout=0.5) is False
    assert time.perf_counter() - start < 2
