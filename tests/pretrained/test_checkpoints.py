"""load_checkpoint's dispatch: bertkeras directories and keras-hub presets (no network: the download is faked)."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras import BertBackbone, WordPieceTokenizer
from bertkeras.model.pretrainer import BertPretrainer
from bertkeras.pretrained.checkpoints import load_checkpoint, source_kind

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "##s", "."]


def test_bertkeras_directory_goes_to_load_pretrained(tmp_path):
    from bertkeras.pretrained import save_pretrained

    backbone = BertBackbone(vocabulary_size=len(VOCAB), num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                            max_sequence_length=16, hidden_activation="gelu_exact")
    pretrainer = BertPretrainer(backbone)
    path = save_pretrained(tmp_path / "model", pretrainer, WordPieceTokenizer(VOCAB))
    assert source_kind(path) == "bertkeras"
    loaded = load_checkpoint(path)
    assert loaded.config.hidden_activation == "gelu_exact"
    for a, b in zip(pretrainer.weights, loaded.pretrainer.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_keras_hub_preset_reuses_the_converter(monkeypatch):
    import keras_hub

    import bertkeras.pretrained.hub

    hub = keras_hub.models.BertBackbone(vocabulary_size=len(VOCAB), num_layers=2, num_heads=2, hidden_dim=16,
                                        intermediate_dim=32, max_sequence_length=16)
    calls = []

    def fake_download(preset, lowercase):
        calls.append((preset, lowercase))
        return hub, WordPieceTokenizer(VOCAB, lowercase=lowercase)

    monkeypatch.setattr(bertkeras.pretrained.hub, "download_preset", fake_download)
    assert source_kind("bert_base_en") == "keras-hub"
    loaded = load_checkpoint("bert_base_en")
    assert calls == [("bert_base_en", False)]  # the cased preset
    np.testing.assert_array_equal(np.asarray(loaded.backbone.embedding.token_embedding.embeddings),
                                  np.asarray(hub.token_embedding.embeddings))
    assert loaded.metrics["randomly_initialized"] == ["mlm_head"] and loaded.pretrainer.nsp_head is None
    x = {"token_ids": np.array([[2, 5, 6, 3, 0]]), "segment_ids": np.zeros((1, 5), "int32"),
         "padding_mask": np.array([[1, 1, 1, 1, 0]])}
    ours = np.asarray(loaded.backbone(x)["sequence_output"])
    theirs = np.asarray(hub(x)["sequence_output"])
    assert np.abs(ours - theirs)[0, :4].max() < 1e-5


@pytest.mark.parametrize("entry_point", ["load_checkpoint", "load_pretrained"])
@pytest.mark.parametrize("preset", ["bert_tiny_en_uncased", "bert_base_en"])
def test_keras_hub_download_failure_is_an_error_not_a_random_model(monkeypatch, entry_point, preset):
    import bertkeras.pretrained
    import bertkeras.pretrained.hub

    def offline(preset, lowercase):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(bertkeras.pretrained.hub, "download_preset", offline)
    with pytest.raises(OSError, match=f"could not download keras-hub preset '{preset}'.*no route"):
        getattr(bertkeras.pretrained, entry_point)(preset)


def test_bad_config_json_is_named(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        load_checkpoint(tmp_path)


def test_load_pretrained_is_the_entry_point_for_every_source(tmp_path):
    import bertkeras
    from bertkeras.pretrained import SHIPPED_TINY, load_pretrained, save_pretrained

    assert bertkeras.load_pretrained is load_pretrained
    assert load_pretrained().path == SHIPPED_TINY  # None: the shipped tiny BERT
    pretrainer = BertPretrainer(BertBackbone(vocabulary_size=len(VOCAB), num_layers=1, num_heads=2, hidden_dim=8,
                                             intermediate_dim=16, max_sequence_length=16))
    ours = save_pretrained(tmp_path / "ours", pretrainer, WordPieceTokenizer(VOCAB))
    theirs = save_pretrained(tmp_path / "hf", pretrainer, WordPieceTokenizer(VOCAB), format="huggingface",
                             metrics={"note": 1}, model_card="# tiny\n")
    assert (source_kind(ours), source_kind(theirs)) == ("bertkeras", "huggingface")
    assert (theirs / "README.md").read_text() == "# tiny\n"
    for path in (ours, theirs, str(theirs)):
        loaded = load_pretrained(path)
        for a, b in zip(pretrainer.weights, loaded.pretrainer.weights, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert load_pretrained(theirs).metrics == {"note": 1}


def test_bad_sources_name_the_problem_and_the_fix(tmp_path):
    from bertkeras.pretrained import load_pretrained, save_pretrained
    from bertkeras.pretrained.checkpoints import UnknownSourceError

    for source in (tmp_path / "missing", "no-such-model", "bert_base_uncased"):  # the last: keras-hub says _en_
        with pytest.raises(UnknownSourceError) as error:
            load_pretrained(source)
        message = str(error.value)
        assert "no pretrained model at" in message and "hf://" in message and "bert_base_en_uncased" in message
        assert isinstance(error.value, FileNotFoundError) and isinstance(error.value, ValueError)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="a file, not a directory"):
        load_pretrained(tmp_path / "file.txt")
    (tmp_path / "list").mkdir()
    (tmp_path / "list" / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON list, not an object"):
        load_pretrained(tmp_path / "list")
    pretrainer = BertPretrainer(BertBackbone(vocabulary_size=len(VOCAB), num_layers=1, num_heads=2, hidden_dim=8,
                                             intermediate_dim=16, max_sequence_length=16))
    with pytest.raises(ValueError, match="unknown format 'onnx'.*'bertkeras' or 'huggingface'"):
        save_pretrained(tmp_path / "x", pretrainer, WordPieceTokenizer(VOCAB), format="onnx")
    path = save_pretrained(tmp_path / "ours", pretrainer, WordPieceTokenizer(VOCAB, lowercase=True))
    with pytest.raises(ValueError, match="saved with lowercase=True.*leave lowercase=None"):
        load_pretrained(path, lowercase=False)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("reader, refetch", [
    ("bertkeras.pretrained.huggingface:hf_config_to_bert_config", "re-download config.json"),
    ("bertkeras.pretrained.tf1_checkpoint:tf1_config_to_bert_config", "re-download the release"),
])
def test_both_config_readers_name_a_missing_field_and_the_fix(reader, refetch):
    import importlib

    module, name = reader.split(":")
    read = getattr(importlib.import_module(module), name)
    fields = {"vocab_size": 100, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
    with pytest.raises(ValueError, match=rf"lacks 'hidden_size'.*{refetch}"):
        read(fields, "some/config.json")
    config = read({**fields, "hidden_size": 64}, "some/config.json")
    assert (config.num_layers, config.hidden_dim, config.num_segments) == (2, 64, 2 if "huggingface" in module else 16)
