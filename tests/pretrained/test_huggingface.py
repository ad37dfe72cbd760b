"""Hugging Face BERT directories in and out, checked against transformers itself (torch, CPU)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("safetensors")

from bertkeras.pretrained import load_pretrained, save_pretrained  # noqa: E402
from bertkeras.pretrained.checkpoints import load_checkpoint, source_kind  # noqa: E402
from bertkeras.pretrained.huggingface import download, save_huggingface  # noqa: E402
from tests.pretrained.google_layout import VOCAB, batch  # noqa: E402

TOLERANCE = 2e-5


def hf_model(hidden_act="gelu", seed=0):
    """A small random BertForPreTraining with every weight (LayerNorms and biases too) moved off its init."""
    torch.manual_seed(seed)
    config = transformers.BertConfig(vocab_size=len(VOCAB), hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=128, max_position_embeddings=32,
                                     hidden_act=hidden_act)
    model = transformers.BertForPreTraining(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model


def write_tokenizer(directory, lowercase=True):
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(str(directory / "vocab.txt"), do_lower_case=lowercase)
    tokenizer.save_pretrained(str(directory))


def hf_outputs(model, x):
    with torch.no_grad():
        args = {"input_ids": torch.tensor(x["token_ids"], dtype=torch.long),
                "token_type_ids": torch.tensor(x["segment_ids"], dtype=torch.long),
                "attention_mask": torch.tensor(x["padding_mask"], dtype=torch.long)}
        inner = model.bert(**args)
        out = model(**args)
    return {"sequence_output": inner.last_hidden_state.numpy(), "pooled_output": inner.pooler_output.numpy(),
            "mlm_logits": out.prediction_logits.numpy(), "nsp_logits": out.seq_relationship_logits.numpy()}


def bertkeras_outputs(pretrained, x):
    backbone = pretrained.backbone(x, training=False)
    positions = np.tile(np.arange(x["token_ids"].shape[1], dtype=np.int32), (len(x["token_ids"]), 1))
    heads = pretrained.pretrainer({**x, "mask_positions": positions}, training=False)
    return {"sequence_output": np.asarray(backbone["sequence_output"]),
            "pooled_output": np.asarray(backbone["pooled_output"]),
            "mlm_logits": np.asarray(heads["mlm_logits"]), "nsp_logits": np.asarray(heads["nsp_logits"])}


def assert_same(ours, theirs, mask):
    real = mask.astype(bool)
    for name in ("sequence_output", "pooled_output", "mlm_logits", "nsp_logits"):
        a, b = ours[name], theirs[name]
        assert a.shape == b.shape, name
        if name in ("sequence_output", "mlm_logits"):  # per token: the real tokens are what anyone reads
            a, b = a[real], b[real]
        diff = float(np.abs(a - b).max())
        print(f"{name}: max |diff| {diff:.2e}")
        assert diff < TOLERANCE, f"{name}: max abs diff {diff:.3g}"


@pytest.mark.parametrize("hidden_act, activation", [("gelu", "gelu_exact"), ("gelu_pytorch_tanh", "gelu_approximate")])
def test_transformers_safetensors_into_bertkeras(tmp_path, hidden_act, activation):
    model = hf_model(hidden_act)
    model.save_pretrained(str(tmp_path))
    write_tokenizer(tmp_path)
    assert (tmp_path / "model.safetensors").is_file() and source_kind(tmp_path) == "huggingface"
    pretrained = load_checkpoint(tmp_path)
    assert pretrained.config.hidden_activation == activation
    tok = pretrained.tokenizer
    assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id, tok.mask_id) == (0, 100, 101, 102, 103)
    x = batch()
    assert_same(bertkeras_outputs(pretrained, x), hf_outputs(model, x), x["padding_mask"])


def test_pytorch_bin_into_bertkeras(tmp_path):
    model = hf_model(seed=3)
    model.config.save_pretrained(str(tmp_path))
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    write_tokenizer(tmp_path, lowercase=False)
    assert not (tmp_path / "model.safetensors").exists()
    pretrained = load_checkpoint(tmp_path)
    assert pretrained.tokenizer.lowercase is False
    x = batch()
    assert_same(bertkeras_outputs(pretrained, x), hf_outputs(model, x), x["padding_mask"])


@pytest.mark.parametrize("activation", ["gelu_exact", "gelu_approximate"])
def test_bertkeras_into_transformers(tmp_path, activation):
    from bertkeras import BertBackbone, WordPieceTokenizer
    from bertkeras.model.config import BertConfig
    from bertkeras.model.pretrainer import BertPretrainer
    from bertkeras.pretrained import PretrainedBert

    config = BertConfig(vocabulary_size=len(VOCAB), num_layers=2, num_heads=2, hidden_dim=64, intermediate_dim=128,
                        max_sequence_length=32, hidden_activation=activation)
    pretrainer = BertPretrainer(BertBackbone.from_bert_config(config))
    rng = np.random.default_rng(5)
    for variable in pretrainer.weights:
        variable.assign(np.asarray(variable) + rng.normal(0, 0.1, variable.shape).astype("float32"))
    tokenizer = WordPieceTokenizer(VOCAB, lowercase=True)
    pretrained = PretrainedBert(pretrainer.backbone, pretrainer, tokenizer, config, tmp_path)
    out = save_huggingface(pretrained, tmp_path / "hf")
    assert json.loads((out / "config.json").read_text())["hidden_act"] == {"gelu_exact": "gelu",
                                                                          "gelu_approximate": "gelu_new"}[activation]
    model = transformers.BertForPreTraining.from_pretrained(str(out)).eval()
    hf_tokenizer = transformers.BertTokenizer.from_pretrained(str(out))
    assert hf_tokenizer.do_lower_case is True
    text = "The cats sat on the mat, the dog ran!"
    assert hf_tokenizer(text)["input_ids"] == [101, *tokenizer.encode_ids(text), 102]
    x = batch()
    assert_same(bertkeras_outputs(pretrained, x), hf_outputs(model, x), x["padding_mask"])
    # ... and back into bertkeras: the same weights, bit for bit.
    again = load_checkpoint(out)
    for a, b in zip(pretrainer.weights, again.pretrainer.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # The pretrainer and its tokenizer, without a PretrainedBert around them, write the same files; so does
    # the entry point, save_pretrained(..., format="huggingface"), which load_pretrained reads back.
    other = save_huggingface(pretrainer, tmp_path / "hf2", tokenizer=tokenizer)
    assert (other / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()
    entry = save_pretrained(tmp_path / "hf3", pretrainer, tokenizer, format="huggingface")
    assert (entry / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()
    model = transformers.BertForPreTraining.from_pretrained(str(entry)).eval()
    assert_same(bertkeras_outputs(pretrained, x), hf_outputs(model, x), x["padding_mask"])
    assert_same(bertkeras_outputs(load_pretrained(entry), x), hf_outputs(model, x), x["padding_mask"])


def test_shape_mismatch_names_variable_shapes_and_fix(tmp_path):
    model = hf_model()
    model.save_pretrained(str(tmp_path))
    write_tokenizer(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["intermediate_size"] = 96
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError) as error:
        load_checkpoint(tmp_path)
    message = str(error.value)
    assert "bert/encoder/layer_0/intermediate/dense/kernel" in message
    assert "(64, 128)" in message and "(64, 96)" in message and "config" in message


def test_missing_head_and_bad_activation_are_named(tmp_path):
    from safetensors.numpy import load_file, save_file

    model = hf_model()
    model.save_pretrained(str(tmp_path))
    write_tokenizer(tmp_path)
    state = load_file(str(tmp_path / "model.safetensors"))
    save_file({k: v for k, v in state.items() if not k.startswith("cls.predictions")},
              str(tmp_path / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ValueError, match=r"missing.*cls/predictions/transform/dense/kernel.*BertForPreTraining"):
        load_checkpoint(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "hidden_act": "relu"}))
    with pytest.raises(ValueError, match="hidden_act 'relu' is not supported"):
        load_checkpoint(tmp_path)


def test_vocabulary_size_mismatch(tmp_path):
    hf_model().save_pretrained(str(tmp_path))
    (tmp_path / "vocab.txt").write_text("\n".join(VOCAB[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"vocabulary has 118 tokens but config.json says vocab_size=119"):
        load_checkpoint(tmp_path)


def test_hf_address_downloads_only_the_needed_files(tmp_path, monkeypatch):
    import huggingface_hub

    model = hf_model()
    model.save_pretrained(str(tmp_path))
    write_tokenizer(tmp_path)
    calls = []

    def fake_snapshot(repo, revision=None, cache_dir=None, allow_patterns=None):
        calls.append((repo, revision, tuple(allow_patterns)))
        return str(tmp_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    assert source_kind("hf://org/tiny-bert") == "hf-hub"
    assert download("hf://org/tiny-bert@v1") == tmp_path
    repo, revision, patterns = calls[0]
    assert (repo, revision) == ("org/tiny-bert", "v1")
    assert "model.safetensors" in patterns and "vocab.txt" in patterns and "tf_model.h5" not in patterns
    assert "pytorch_model.bin" not in patterns
    pretrained = load_checkpoint("hf://org/tiny-bert")
    x = batch()
    assert_same(bertkeras_outputs(pretrained, x), hf_outputs(model, x), x["padding_mask"])


def test_unknown_source_says_what_is_accepted(tmp_path):
    with pytest.raises(ValueError, match="not a directory, not an hf://org/name address.*hf://no-such-model"):
        load_checkpoint("no-such-model")
    with pytest.raises(ValueError, match="neither a config.json"):
        load_checkpoint(tmp_path)
