"""Pre-training: the pretrainer's loss and metrics, the run directory, atomic checkpoints, resume after
kill -9, two-replica training, the CLI's error messages and the saved pretrained model."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import bertkeras  # noqa: F401  (sets TF's log level)
from bertkeras.model.backbone import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.pretrainer import BertPretrainer
from bertkeras.pretrained import load_pretrained, save_pretrained
from bertkeras.pretraining.run import latest_checkpoint, load_documents, pretrain
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

ROOT = Path(__file__).resolve().parents[2]
TINY = BertConfig(vocabulary_size=100, num_layers=1, num_heads=2, hidden_dim=16, intermediate_dim=32,
                  max_sequence_length=32)
WORDS = ("the cat dog sat ran on under a mat rug big small red blue house tree river quickly slowly "
         "and then it was very happy sad old new").split()


def write_corpus(path: Path, documents: int = 40, seed: int = 0) -> Path:
    rng = random.Random(seed)
    blocks = []
    for _ in range(documents):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + "." for _ in range(rng.randint(3, 6))]
        blocks.append("\n".join(sentences))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.txt")


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.json"
    TINY.save(path)
    return path


def batch(seed=0, batch_size=4, length=12, predictions=3, vocabulary=100):
    rng = np.random.default_rng(seed)
    x = {"token_ids": rng.integers(5, vocabulary, (batch_size, length)).astype("int32"),
         "segment_ids": np.zeros((batch_size, length), "int32"), "padding_mask": np.ones((batch_size, length), "int32"),
         "mask_positions": np.sort([rng.choice(np.arange(1, length), predictions, replace=False)  # distinct, as BERT's
                                    for _ in range(batch_size)], axis=1).astype("int32")}
    y = {"mask_ids": rng.integers(5, vocabulary, (batch_size, predictions)).astype("int32"),
         "mask_weights": np.ones((batch_size, predictions), "float32"),
         "nsp_labels": rng.integers(0, 2, batch_size).astype("int32")}
    return x, y


def test_pretrainer_loss_is_mlm_plus_nsp_and_metrics_are_reported():
    model = BertPretrainer(BertBackbone.from_bert_config(TINY.replace(dropout=0.0, attention_dropout=0.0)))
    model.compile(optimizer="adam")
    x, y = batch()
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(result["mlm_loss"] + result["nsp_loss"], rel=1e-5)
    assert result["mlm_perplexity"] == pytest.approx(np.exp(result["mlm_loss"]), rel=1e-4)
    assert 0.0 <= result["mlm_accuracy"] <= 1.0 and 0.0 <= result["nsp_accuracy"] <= 1.0
    # An untrained model is close to uniform over the vocabulary: cross-entropy ~ log(100).
    assert abs(result["mlm_loss"] - np.log(100)) < 0.5


def test_padding_prediction_slots_do_not_count():
    model = BertPretrainer(BertBackbone.from_bert_config(TINY.replace(dropout=0.0, attention_dropout=0.0)))
    model.compile(optimizer="adam")
    x, y = batch()
    base = model.evaluate(x, y, verbose=0, return_dict=True)
    y2 = dict(y, mask_weights=y["mask_weights"].copy(), mask_ids=y["mask_ids"].copy())
    x2 = dict(x, mask_positions=np.concatenate([x["mask_positions"], np.zeros((4, 2), "int32")], axis=1))
    y2["mask_ids"] = np.concatenate([y["mask_ids"], np.full((4, 2), 7, "int32")], axis=1)
    y2["mask_weights"] = np.concatenate([y["mask_weights"], np.zeros((4, 2), "float32")], axis=1)
    padded = model.evaluate(x2, y2, verbose=0, return_dict=True)
    for key in ("mlm_loss", "mlm_accuracy", "mlm_perplexity"):
        assert padded[key] == pytest.approx(base[key], rel=1e-5), key


def test_mlm_only_mode_has_no_nsp_head_and_learns_a_batch():
    model = BertPretrainer(BertBackbone.from_bert_config(TINY.replace(dropout=0.0, attention_dropout=0.0)),
                           use_nsp=False)
    assert set(model.output) == {"mlm_logits"}
    model.compile(optimizer=bertkeras.pretraining.optimization.bert_optimizer(1e-2, total_steps=120, warmup_steps=5))
    x, y = batch()
    history = model.fit(x, y, epochs=120, verbose=0).history
    assert "nsp_loss" not in history
    assert history["mlm_loss"][-1] < 0.2 * history["mlm_loss"][0]
    assert history["mlm_accuracy"][-1] == 1.0


def test_pretrainer_config_round_trip():
    model = BertPretrainer(BertBackbone.from_bert_config(TINY), use_nsp=False)
    clone = BertPretrainer.from_config(model.get_config())
    assert clone.use_nsp is False and clone.backbone.bert_config == TINY
    assert clone.count_params() == model.count_params()


def test_load_documents_reads_text_files_and_rejects_bad_sources(tmp_path, corpus):
    docs = load_documents(str(corpus))
    assert len(docs) == 40 and all(len(d) >= 3 for d in docs)
    with pytest.raises(FileNotFoundError, match="neither a source"):
        load_documents("no_such_corpus")
    (tmp_path / "one.txt").write_text("just one sentence.\n")
    with pytest.raises(ValueError, match="at least 2 documents"):
        load_documents(str(tmp_path / "one.txt"))


def test_pretrain_writes_a_complete_run_and_a_loadable_model(tmp_path, corpus):
    out = tmp_path / "run"
    metrics = pretrain(out, config=TINY, corpus=str(corpus), steps=20, checkpoint_every=10, batch_size=8,
                       max_sequence_length=32, vocabulary_size=100, learning_rate=1e-3, keep=1, verbose=0,
                       eval_fraction=0.2)
    assert (out / "vocab.txt").is_file() and (out / "pairs-train.npz").is_file() and (out / "history.csv").is_file()
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["ckpt-00000020"]  # keep=1
    assert any((out / "logs").rglob("events.out.tfevents.*")), "no TensorBoard log written"
    assert metrics["steps"] == 20 and metrics["replicas"] == 1 and metrics["device"] == "cpu"
    assert set(metrics["held_out"]) >= {"mlm_accuracy", "mlm_perplexity", "nsp_accuracy"}
    assert 0 < metrics["baselines"]["mlm_accuracy_most_frequent_token"] < 1
    with np.load(out / "pairs-eval.npz") as held_out:   # NSP's baseline: the majority class of these pairs
        labels = held_out["nsp_labels"]
    assert metrics["baselines"]["nsp_accuracy_majority"] == max(labels.mean(), 1 - labels.mean())
    assert len(metrics["history"]["loss"]) == 2
    model = load_pretrained(out / "model")
    assert model.config.num_layers == 1 and model.config.vocabulary_size == model.tokenizer.vocabulary_size
    assert model.metrics["steps"] == 20
    assert "held-out MLM accuracy" in (out / "model" / "MODEL_CARD.md").read_text()
    guesses = model.fill_mask("the cat [MASK] on the mat.", top_k=3)
    assert len(guesses) == 1 and len(guesses[0]) == 3 and guesses[0][0][1] >= guesses[0][1][1]
    # The pretrained model has the backbone's and heads' weights only, not Adam's moments; the checkpoint has both.
    import h5py

    with h5py.File(out / "model" / "pretrainer.weights.h5", "r") as model_file:
        assert "optimizer" not in model_file
    with h5py.File(out / "checkpoints" / "ckpt-00000020" / "model.weights.h5", "r") as checkpoint_file:
        assert "optimizer" in checkpoint_file


def test_pretrain_refuses_to_overwrite_and_to_resume_nothing(tmp_path, corpus):
    out = tmp_path / "run"
    with pytest.raises(FileNotFoundError, match="no complete checkpoint"):
        pretrain(out, config=TINY, corpus=str(corpus), steps=10, checkpoint_every=10, resume=True, verbose=0)
    with pytest.raises(ValueError, match="multiple of checkpoint_every"):
        pretrain(out, config=TINY, corpus=str(corpus), steps=15, checkpoint_every=10, verbose=0)
    pretrain(out, config=TINY, corpus=str(corpus), steps=10, checkpoint_every=10, batch_size=8,
             max_sequence_length=32, vocabulary_size=100, verbose=0)
    with pytest.raises(FileExistsError, match="--resume"):
        pretrain(out, config=TINY, corpus=str(corpus), steps=10, checkpoint_every=10, verbose=0)


def cli(*args, **kwargs):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", PYTHONHASHSEED="0")
    return subprocess.Popen([sys.executable, "-m", "bertkeras.commands.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_resume_after_kill_minus_nine_continues_at_the_right_step(tmp_path, corpus, config_file):
    out = tmp_path / "run"
    args = ["pretrain", "--out", str(out), "--config", str(config_file), "--corpus", str(corpus), "--steps", "400",
            "--checkpoint-every", "10", "--batch-size", "8", "--max-length", "32", "--vocabulary-size", "100",
            "--keep", "2", "--verbose", "0"]
    proc = cli(*args)
    deadline = time.time() + 240
    while time.time() < deadline and (latest_checkpoint(out) is None or latest_checkpoint(out).name < "ckpt-00000030"):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # at an arbitrary moment, possibly in the middle of a checkpoint write
    proc.wait()
    killed_at = latest_checkpoint(out)
    assert killed_at is not None and not (out / "model").exists()
    step = int(killed_at.name.split("-")[1])
    assert step >= 30 and json.loads((killed_at / "state.json").read_text())["step"] == step
    # Only complete checkpoints carry the final name; a partial write stays a hidden temp directory.
    for path in (out / "checkpoints").iterdir():
        assert path.name.startswith(".") or (path / "state.json").is_file()

    resumed = subprocess.run([sys.executable, "-m", "bertkeras.commands.cli", *args[:7], "--steps", str(step + 20), *args[9:],
                              "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                             env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    latest = resumed.stderr.find(f"resuming from ckpt-{step:08d} at step {step}")
    assert latest >= 0, resumed.stderr[-2000:]
    model = load_pretrained(out / "model")
    assert model.metrics["resumed_from_step"] == step and model.metrics["steps"] == step + 20
    history = (out / "history.csv").read_text().splitlines()
    assert history[-1].split(",")[0] == str((step + 20) // 10 - 1)  # epoch index continues, not restarts
    final = latest_checkpoint(out)
    assert final.name == f"ckpt-{step + 20:08d}"


@pytest.mark.parametrize("args, message", [
    (["--preset", "gigantic"], "unknown preset 'gigantic'"),
    (["--corpus", "/no/such/file.txt"], "neither a source"),
    (["--steps", "15", "--checkpoint-every", "10"], "multiple of checkpoint_every"),
    (["--resume"], "no complete checkpoint"),
])
def test_cli_errors_name_the_problem(tmp_path, args, message):
    proc = cli("pretrain", "--out", str(tmp_path / "run"), *args)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and message in err, err[-1500:]
    assert "Traceback" not in err


def test_two_replicas_train_like_one_device(tmp_path):
    """MirroredStrategy over two logical CPUs: two steps on a batch equal two steps on one device (the loss
    is divided among the replicas, so the summed gradient is the full batch's gradient)."""
    script = tmp_path / "mirrored.py"
    script.write_text(f"""
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from bertkeras import BertBackbone, BertConfig
from bertkeras.model.pretrainer import BertPretrainer
from bertkeras.pretraining.optimization import bert_optimizer
from tests.pretraining.test_run import batch
config = BertConfig.from_json('''{TINY.to_json()}''').replace(dropout=0.0, attention_dropout=0.0)
x, y = batch(batch_size=8)
weights = []
for strategy in (tf.distribute.get_strategy(), tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])):
    keras.utils.set_random_seed(1)
    with strategy.scope():
        model = BertPretrainer(BertBackbone.from_bert_config(config))
        # No clipping here: Keras clips each replica's gradient before the replicas are summed (as
        # google-research/bert did per TPU core), which is allowed to differ from one device.
        model.compile(optimizer=bert_optimizer(1e-3, total_steps=10, warmup_steps=0, clip_norm=None))
    assert strategy.num_replicas_in_sync in (1, 2)
    ds = tf.data.Dataset.from_tensors((x, y))
    model.fit(ds, epochs=2, verbose=0)
    weights.append([np.asarray(w) for w in model.get_weights()])
diff = max(float(np.max(np.abs(a - b))) for a, b in zip(*weights))
print("MAXDIFF", diff)
""")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    diff = float(result.stdout.split("MAXDIFF")[1])
    assert diff < 1e-5, f"two replicas moved the weights differently from one device by {diff}"


def test_save_and_load_errors_name_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pretrained model"):
        load_pretrained(tmp_path / "missing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="not a complete pretrained model"):
        load_pretrained(tmp_path / "half")
    tokenizer = WordPieceTokenizer.train(["the cat sat on the mat"] * 5, 40)
    model = BertPretrainer(BertBackbone.from_bert_config(TINY))
    with pytest.raises(ValueError, match="vocabulary_size"):
        save_pretrained(tmp_path / "bad", model, tokenizer)
    assert not (tmp_path / "bad").exists()
    small = BertPretrainer(BertBackbone.from_bert_config(TINY.replace(vocabulary_size=tokenizer.vocabulary_size)))
    path = save_pretrained(tmp_path / "ok", small, tokenizer)
    config = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps(dict(config, format="something-else")))
    with pytest.raises(ValueError, match="not a bertkeras pretrained config"):
        load_pretrained(path)
    with pytest.raises(ValueError, match=r"\[MASK\]"):
        (path / "config.json").write_text(json.dumps(config))
        load_pretrained(path).fill_mask("no mask here")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half", "ok"]  # no temporary directories left


def test_export_checkpoint_turns_a_stopped_run_into_a_loadable_model(tmp_path, corpus):
    from bertkeras.pretraining.run import export_checkpoint

    out = tmp_path / "run"
    pretrain(out, config=TINY, corpus=str(corpus), steps=20, checkpoint_every=10, batch_size=8,
             max_sequence_length=32, vocabulary_size=100, keep=2, verbose=0)
    first = out / "checkpoints" / "ckpt-00000010"
    model = load_pretrained(export_checkpoint(out, tmp_path / "at10", checkpoint=first, metrics={"note": "x"}))
    assert model.metrics == {"step": 10, "note": "x"}
    newest = load_pretrained(export_checkpoint(out, tmp_path / "newest"))
    assert newest.metrics["step"] == 20
    final = load_pretrained(out / "model")  # the run's own final model = its newest checkpoint's weights
    for a, b in zip(newest.backbone.get_weights(), final.backbone.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(model.backbone.get_weights(),
                                                         final.backbone.get_weights(), strict=True))
    with pytest.raises(FileNotFoundError, match="no complete checkpoint"):
        export_checkpoint(tmp_path / "empty", tmp_path / "never")
    assert not (tmp_path / "never").exists()
