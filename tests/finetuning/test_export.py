"""TextClassifier.export: a SavedModel that serves raw text with tensorflow + tensorflow_text only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bertkeras import BertClassifier, WordPieceTokenizer
from bertkeras.commands import cli
from bertkeras.finetuning.export import GraphTokenizer
from bertkeras.finetuning.text_classifier import TextClassifier
from bertkeras.tokenization.normalization import PreTokenizer

TEXTS = [
    "WINNER!! You have won a FREE prize, call 0800 now",
    "see you at 6?",
    "",
    "   ",
    "Café ÉTÉ naïve résumé",
    b"free \xff\xfe prize \xc3 call",  # invalid UTF-8
    "ΟΔΟΣ ΣΑΣ. ΟΔΟΣ'Σ ΑΣ\u0301 Σ",  # capital sigmas, word-final and not
    "東京 한국어 \U0001F600 tab\there\x00 ctrl\x07",
    "free prize call now " * 3000,  # very long: cut to max_length
]


@pytest.fixture(scope="module")
def classifier():
    from bertkeras.pretrained import load_pretrained

    pretrained = load_pretrained()
    model = BertClassifier(pretrained.backbone, num_classes=2, dropout=0.1)
    rng = np.random.default_rng(0)
    model.head.dense.kernel.assign(rng.normal(0, 1.0, model.head.dense.kernel.shape).astype("float32"))
    return TextClassifier(model, pretrained.tokenizer, label_names=("ham", "spam"), max_length=48, threshold=0.4)


def test_graph_words_match_python_on_final_sigma_and_more():
    texts = ["ΟΔΟΣ", "ΣΑΣ", "Σ", "AΣ.", "AΣ'B", "AΣ\u00ad", "AΣ\u0301b", "ὈΔΥΣΣΕΎΣ", "ΑΣ\x07", "ΑΣ東", "ΑΣ1",
             "x\u0345Σ", "İΣ", *[t for t in TEXTS if isinstance(t, str)]]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"]
    graph = GraphTokenizer(WordPieceTokenizer(vocab, lowercase=True), max_length=16)
    got = [[w.decode() for w in row] for row in graph.words(texts).to_list()]
    assert got == [PreTokenizer(True)(t) for t in texts]


def test_graph_ids_match_the_python_path(classifier):
    graph = GraphTokenizer(classifier.tokenizer, classifier.max_length)
    out = graph(TEXTS)
    expected = classifier.encode(TEXTS)
    longest = max(len(row) for row in expected)
    assert out["token_ids"].shape == (len(TEXTS), longest) and longest == classifier.max_length
    for row, ids, mask in zip(expected, out["token_ids"].numpy().tolist(), out["padding_mask"].numpy(), strict=True):
        assert ids[:len(row)] == row and set(ids[len(row):]) <= {classifier.tokenizer.pad_id}
        assert mask.sum() == len(row)
    short = graph(["see you", "ok"])["token_ids"]
    assert short.shape == (2, 4)  # padded to this batch's longest, not to max_length


def test_google_special_ids_are_kept():
    # Google's layout: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103.
    vocab = ["[PAD]", *[f"[unused{i}]" for i in range(99)], "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat"]
    tokenizer = WordPieceTokenizer(vocab)
    out = GraphTokenizer(tokenizer, max_length=5)(["The cat", "dog", "the cat the cat"])
    assert out["token_ids"].numpy().tolist() == [[101, 104, 105, 102, 0], [101, 100, 102, 0, 0],
                                                  [101, 104, 105, 104, 102]]
    assert out["padding_mask"].numpy().sum(1).tolist() == [4, 3, 5]


@pytest.mark.parametrize("normalize_first", [False, True])
def test_cls_only_last_block_gives_the_model_s_logits(normalize_first):
    from bertkeras import BertBackbone
    from bertkeras.finetuning.export import classifier_logits

    backbone = BertBackbone(vocabulary_size=50, num_layers=2, num_heads=4, hidden_dim=32, intermediate_dim=64,
                            max_sequence_length=16, normalize_first=normalize_first)
    model = BertClassifier(backbone, num_classes=3)
    rng = np.random.default_rng(2)
    for variable in model.weights:
        variable.assign(np.asarray(variable) + rng.normal(0, 0.2, variable.shape).astype("float32"))
    x = {"token_ids": rng.integers(5, 50, (3, 9)).astype("int32"), "segment_ids": np.zeros((3, 9), "int32"),
         "padding_mask": np.array([[1] * 9, [1] * 5 + [0] * 4, [1] * 2 + [0] * 7], "int32")}
    x["segment_ids"][0, 5:] = 1
    full = np.asarray(model(x, training=False))
    assert np.abs(np.asarray(classifier_logits(model, x)) - full).max() < 1e-5


SERVE = r"""
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the WordPiece op)
texts = [bytes.fromhex(t) for t in json.load(open(sys.argv[2]))]
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
assert [s.name for s in serve.structured_input_signature[1].values()] == ["texts"]
out = serve(texts=tf.constant(texts))
assert "bertkeras" not in sys.modules, "the SavedModel pulled in bertkeras"
print(json.dumps({"probabilities": out["probabilities"].numpy().tolist(), "labels": out["labels"].numpy().tolist(),
                  "dtypes": [out["probabilities"].dtype.name, out["labels"].dtype.name]}))
"""


def test_exported_model_serves_in_a_fresh_process(classifier, tmp_path):
    path = classifier.export(tmp_path / "spam" / "1")
    assert (path / "saved_model.pb").is_file()
    data = [t.hex() if isinstance(t, bytes) else t.encode().hex() for t in TEXTS]
    (tmp_path / "texts.json").write_text(json.dumps(data))
    (tmp_path / "serve.py").write_text(SERVE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, str(tmp_path / "serve.py"), str(path), str(tmp_path / "texts.json")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    served = json.loads(run.stdout.strip().splitlines()[-1])
    assert served["dtypes"] == ["float32", "int64"]
    probs = np.asarray(served["probabilities"])
    expected = classifier.predict_proba(TEXTS)
    diff = float(np.abs(probs - expected).max())
    print(f"served vs predict_proba: max |diff| {diff:.2e}")
    assert diff < 1e-4
    assert served["labels"] == classifier.predict(TEXTS).labels.tolist()


def test_cli_export(classifier, tmp_path, capsys):
    run_dir = classifier.save(tmp_path / "run")
    parser = cli.build_parser()  # the `bertkeras` command line itself
    args = parser.parse_args(["export", "--model", str(run_dir), "--out", str(tmp_path / "model")])
    assert args.func(args) == 0
    assert (tmp_path / "model" / "saved_model.pb").is_file()
    assert "serving_default" in capsys.readouterr().out
    assert args.func(args) == 2  # exists, no --overwrite
    assert "--overwrite" in capsys.readouterr().err
    missing = parser.parse_args(["export", "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "m2")])
    assert missing.func(missing) == 2
    assert "no fine-tuned model" in capsys.readouterr().err
