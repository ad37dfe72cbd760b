"""bertkeras finetune / evaluate / predict / demo: complete atomic run directories, and exit status 2 with
a message naming the fix (never a traceback) for a bad task, path or model."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest

from bertkeras import datasets
from bertkeras.commands import cli, demo
from bertkeras.finetuning.text_classifier import TextClassifier
from tests.tiny_pretrained import make_tiny_pretrained

MODEL_FILES = {"classifier.json", "classifier.weights.h5", "vocab.txt", "metrics.json"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_pretrained(tmp_path_factory.mktemp("tiny") / "tiny_bert")


@pytest.fixture(scope="module")
def run_dir(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "spam"
    code = cli.main(["finetune", "--task", "sms_spam", "--from", str(tiny), "--epochs", "1", "--max-length", "32",
                     "--max-train-examples", "64", "--batch-size", "16", "--out", str(out), "--verbose", "0"])
    assert code == 0
    return out


def test_finetune_writes_a_complete_run_atomically(run_dir):
    assert MODEL_FILES | {"history.json"} == {p.name for p in run_dir.iterdir()}
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".")]  # no partial dir left
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["task"] == "sms_spam" and metrics["train_examples"] == 64
    assert metrics["test"]["num_examples"] == 453 and metrics["validation"]["num_examples"] == 454
    assert metrics["settings"]["epochs_run"] == 1 and metrics["settings"]["max_length"] == 32
    assert metrics["baselines"]["majority"]["test"]["accuracy"] == pytest.approx(1 - 56 / 453)
    assert metrics["baselines"]["tfidf_logreg"]["test"]["f1"] > 0.7
    assert set(json.loads((run_dir / "history.json").read_text())) >= {"loss", "val_loss"}
    assert TextClassifier.load(run_dir).info["task"] == "sms_spam"


def test_evaluate_and_predict_read_the_run(run_dir, capsys):
    capsys.readouterr()
    assert cli.main(["evaluate", "--model", str(run_dir)]) == 0
    printed = json.loads(capsys.readouterr().out)
    stored = json.loads((run_dir / "metrics.json").read_text())["test"]
    assert printed["task"] == "sms_spam" and printed["split"] == "test"
    assert printed["accuracy"] == pytest.approx(stored["accuracy"]) and printed["pr_auc"] == pytest.approx(
        stored["pr_auc"])
    assert cli.main(["predict", "--model", str(run_dir), "--json", "free prize", "see you at home"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["text"] for x in lines] == ["free prize", "see you at home"]
    for x in lines:
        assert x["label"] in ("ham", "spam") and sum(x["probabilities"].values()) == pytest.approx(1.0)
        assert x["probability"] == pytest.approx(x["probabilities"][x["label"]])


def test_errors_exit_2_with_a_message(run_dir, tiny, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:  # argparse rejects the unknown task before any work
        cli.main(["finetune", "--task", "spam_mails"])
    assert exc.value.code == 2 and "invalid choice: 'spam_mails'" in capsys.readouterr().err
    cases = [
        (["finetune", "--task", "sms_spam", "--from", str(tmp_path / "missing")], "no pretrained model at"),
        (["finetune", "--task", "sms_spam", "--from", str(tiny), "--max-length", "999", "--out",
          str(tmp_path / "r"), "--max-train-examples", "8"], "max_length <= 128"),
        (["finetune", "--task", "sms_spam", "--from", str(tiny), "--out", str(run_dir)], "--overwrite"),
        (["finetune", "--task", "sms_spam", "--from", str(tiny), "--out", str(tmp_path.parent)], "never replaced"),
        (["evaluate", "--model", str(tmp_path / "nothing")], "bertkeras finetune --out"),
        (["evaluate", "--model", str(run_dir), "--task", "tweets"], "the task it was fine-tuned for"),
        (["predict", "--model", str(tiny), "hello"], "not a complete fine-tuned model"),
        (["demo", "--quick", "--from", str(tmp_path / "missing")], "bertkeras pretrain"),
        (["demo", "--quick", "--full"], "exclude each other"),
    ]
    for argv, message in cases:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and "Traceback" not in err, (argv, err)
    assert not (tmp_path / "r").exists() and (run_dir / "classifier.json").is_file()


def test_damaged_install_names_the_missing_file_and_says_reinstall(monkeypatch, tmp_path, capsys):
    import shutil

    from bertkeras import pretrained

    damaged = tmp_path / "site-packages" / "bertkeras" / "tiny_bert"
    shutil.copytree(pretrained.SHIPPED_TINY, damaged)
    (damaged / "vocab.txt").unlink()
    monkeypatch.setattr(pretrained, "SHIPPED_TINY", damaged)
    assert cli.main(["demo", "--quick", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "installation is damaged" in err and "vocab.txt is missing" in err and "reinstall" in err.lower(), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "run").exists()
    with pytest.raises(FileNotFoundError, match="vocab.txt is missing"):
        pretrained.load_pretrained()


def test_demo_quick_writes_report_plots_and_a_usable_model(tiny, tmp_path, capsys):
    out = tmp_path / "demo-run"
    assert cli.main(["demo", "--quick", "--from", str(tiny), "--out", str(out), "--verbose", "0"]) == 0
    printed = capsys.readouterr().out
    assert MODEL_FILES | {"history.json", "report.txt", "pr_curve.png", "confusion_matrix.png"} == {
        p.name for p in out.iterdir()}
    for png in ("pr_curve.png", "confusion_matrix.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.txt").read_text()
    assert report in printed and "TF-IDF + logistic regr." in report and "majority class" in report
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["mode"] == "quick" and metrics["settings"]["total_steps"] == 8
    assert len(metrics["examples"]) == 6 and {r["true"] for r in metrics["examples"]} == {"ham", "spam"}
    test_texts = set(datasets.load("sms_spam", seed=42).test.texts)  # examples come from the held-out split
    assert all(r["text"] in test_texts for r in metrics["examples"])
    cues = metrics["spam_cues"]
    assert 0 < len(cues) <= demo.TOP_WORDS and all(c["messages"] >= 3 for c in cues), cues
    assert [c["mean_change"] for c in cues] == sorted((c["mean_change"] for c in cues), reverse=True)
    assert "what the filter relies on" in report and cues[0]["word"] in report
    spam = next(r for r in metrics["examples"] if r["true"] == "spam")
    assert f"bertkeras predict --model {shlex.quote(str(out))} {shlex.quote(spam['text'])}" in printed
    assert metrics["baselines"]["majority"]["test"]["f1"] == 0.0
    clf = TextClassifier.load(out)
    probs = clf.predict_proba([r["text"] for r in metrics["examples"]])[:, 1]
    np.testing.assert_allclose(probs, [r["spam_probability"] for r in metrics["examples"]], atol=1e-6)


def test_console_script_exit_status_is_2_for_a_bad_model(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-m", "bertkeras.commands.cli", "predict", "--model", str(tmp_path / "x"), "hi"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and "error: no fine-tuned model at" in result.stderr
    assert "Traceback" not in result.stderr
