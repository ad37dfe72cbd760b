"""`bertkeras pretrain` ends with each held-out accuracy next to the baseline it must beat."""

from __future__ import annotations

import pytest

from bertkeras.commands import cli

METRICS = {
    "held_out": {"mlm_accuracy": 0.2663, "nsp_accuracy": 0.6387},
    "baselines": {"mlm_accuracy_most_frequent_token": 0.0487, "nsp_accuracy_chance": 0.5,
                  "nsp_accuracy_majority": 0.5986},
}


@pytest.fixture
def fake_pretrain(monkeypatch):
    from bertkeras.pretraining import run

    calls = []

    def pretrain(out, **kwargs):
        calls.append((out, kwargs))
        held = dict(METRICS["held_out"]) if kwargs["use_nsp"] else {"mlm_accuracy": 0.2663}
        return {"held_out": held, "baselines": METRICS["baselines"]}

    monkeypatch.setattr(run, "pretrain", pretrain)
    return calls


def test_pretrain_compares_nsp_with_the_majority_class_of_the_held_out_pairs(tmp_path, fake_pretrain, capsys):
    assert cli.main(["pretrain", "--out", str(tmp_path / "run"), "--steps", "10"]) == 0
    printed = capsys.readouterr().out
    assert "MLM accuracy 0.266 (most-frequent-token baseline 0.049)" in printed
    assert "NSP accuracy 0.639 (majority class of the held-out pairs 0.599)" in printed
    assert "chance 0.5" not in printed and len(fake_pretrain) == 1


def test_pretrain_mlm_only_prints_no_nsp_line(tmp_path, fake_pretrain, capsys):
    assert cli.main(["pretrain", "--out", str(tmp_path / "run"), "--steps", "10", "--mlm-only"]) == 0
    printed = capsys.readouterr().out
    assert "MLM accuracy 0.266" in printed and "NSP" not in printed
