"""The label-efficiency benchmark: seeded stratified subsets, the summary's arithmetic, the reused full-data
point, the plot, and one end-to-end run on a tiny model and a toy data set."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import finetune, label_efficiency, record
from bertkeras.viz.label_efficiency import label_efficiency_plot, load_label_efficiency_results
from tests.tiny_pretrained import make_tiny_pretrained, toy_spam_dataset

LABELS = np.random.default_rng(7).permutation(np.array([0] * 700 + [1] * 300))
MODEL = {"steps": 16000, "held_out": {"mlm_accuracy": 0.266}, "baselines": {"frequency": 0.049}}


# --- which examples are labelled ------------------------------------------------------------------------------

def test_the_seed_picks_the_subset_and_the_same_seed_picks_it_again():
    a, b = label_efficiency.labelled_subset(LABELS, 100, seed=0), label_efficiency.labelled_subset(LABELS, 100, seed=1)
    assert len(a) == len(b) == 100 and len(set(a)) == 100
    assert set(a) != set(b), "another seed labels other examples"
    assert len(set(a) & set(b)) < 60, "and not nearly the same ones"
    np.testing.assert_array_equal(a, label_efficiency.labelled_subset(LABELS, 100, seed=0))


@pytest.mark.parametrize("size", [1, 3, 10, 99, 250, 1000])
def test_every_size_keeps_the_label_shares(size):
    picked = label_efficiency.labelled_subset(LABELS, size, seed=3)
    assert len(picked) == size and np.all(np.diff(picked) > 0), "sorted, no repeats"
    assert abs(int(LABELS[picked].sum()) - 0.3 * size) < 1, "30 % positives, to the nearest example"


def test_for_one_seed_a_smaller_subset_lies_inside_a_larger_one():
    subsets = [set(label_efficiency.labelled_subset(LABELS, n, seed=2)) for n in (10, 50, 250, 1000)]
    assert all(small <= large for small, large in zip(subsets, subsets[1:], strict=False))


def test_impossible_sizes_are_refused():
    for size in (0, 1001):
        with pytest.raises(ValueError, match="1 to 1000"):
            label_efficiency.labelled_subset(LABELS, size, seed=0)


def test_only_the_training_split_is_cut():
    data = toy_spam_dataset()
    cut = label_efficiency.with_training_subset(data, 40, seed=5)
    assert len(cut.train) == 40 and cut.validation is data.validation and cut.test is data.test
    keep = label_efficiency.labelled_subset(data.train.labels, 40, seed=5)
    assert cut.train.texts == [data.train.texts[i] for i in keep]
    np.testing.assert_array_equal(cut.train.labels, data.train.labels[keep])


# --- the summary --------------------------------------------------------------------------------------------------

def scores(*values):
    return {"accuracy": finetune.spread(list(values))}


def point(n, pretrained, random_init, tfidf):
    return {"train": n, "summary": {"pretrained": scores(*pretrained), "random_init": scores(*random_init),
                                    "tfidf_logreg": scores(*tfidf)}}


def curve(**extra):
    return {"test": 5000, "seeds": [0, 1, 2], "complete": True, "points": {
        "250": point(250, (0.55, 0.60, 0.65), (0.50, 0.52, 0.60), (0.70, 0.71, 0.72)),
        "1000": point(1000, (0.70, 0.71, 0.72), (0.60, 0.62, 0.64), (0.80, 0.81, 0.82)),
        "4000": point(4000, (0.74, 0.75, 0.76), (0.66, 0.67, 0.68), (0.85, 0.86, 0.87))}, **extra}


def test_gain_and_separation_arithmetic():
    p250, p1000 = curve()["points"]["250"], curve()["points"]["1000"]
    assert label_efficiency.gain_points(p250) == pytest.approx(100 * (0.60 - 0.54))
    assert not label_efficiency.separated(p250), "worst pre-trained 0.55 < best random 0.60: within the spread"
    assert label_efficiency.separated(p1000), "worst pre-trained 0.70 > best random 0.64"


def test_the_readme_row_names_the_first_clear_size_and_the_gains():
    (row,) = label_efficiency.summarize({"model": "BERT L=2 H=128", "curves": {"imdb": curve()}})
    assert "250, 1,000, 4,000 labelled reviews" in row["metric"] and "5,000 reviews" in row["metric"]
    assert row["ours"].startswith("0.600 ± 0.050 at 250 (random weights 0.540 ± 0.053: +6.0 points)")
    assert row["ours"].endswith("+8.0 points at 4,000")
    assert row["peer"] == "TF-IDF + logistic regression 0.710 at 250, 0.860 at 4,000"
    assert row["note"].endswith("(worst pre-trained seed > best random): 1,000")
    assert "incomplete" not in row["metric"] and "finetune.py" not in row["note"]


def test_an_interrupted_run_and_the_all_point_say_so():
    full = {**point(22310, (0.80, 0.82, 0.82), (0.82, 0.83, 0.83), (0.90,)),
            "measured": {"date": "2026-12-07 02:20 UTC"}}
    (row,) = label_efficiency.summarize({"model": "m", "curves": {"x": curve(complete=False, all=full)}})
    assert "(run incomplete)" in row["metric"]
    assert row["note"].endswith("; all 22,310 (benchmarks/finetune.py, full test split, 2026-12-07): -1.3 points")


# --- the full-data point is read, not re-run ---------------------------------------------------------------------

def full_entry(**changes):
    summary = {"pretrained": scores(0.82, 0.82, 0.80), "random_init": scores(0.82, 0.83, 0.82)}
    keys = finetune.KEYS
    summary = {v: {k: s["accuracy"] for k in keys} for v, s in summary.items()}
    return {"task": "imdb", "metric": "accuracy", "recipe": dict(finetune.IMDB_RECIPE), "train": 22310,
            "validation": 2479, "test": 24789, "seeds": [0, 1, 2], "summary": summary,
            "baselines": {"tfidf_logreg": dict.fromkeys(keys, 0.903), "majority": dict.fromkeys(keys, 0.5)}, **changes}


def test_the_all_point_comes_from_the_finetune_results_with_its_date(results_dir):
    record.write_results("finetune", {"pretraining": MODEL, "tasks": {"imdb_train-all_test-all": full_entry()}})
    full = label_efficiency.full_data_point(MODEL, dict(finetune.IMDB_RECIPE))
    assert full["train"] == 22310 and full["test"] == 24789
    assert full["summary"]["pretrained"]["accuracy"]["mean"] == pytest.approx(0.81333, abs=1e-4)
    assert full["summary"]["tfidf_logreg"]["accuracy"] == {"mean": 0.903, "std": 0.0, "min": 0.903, "max": 0.903,
                                                           "values": [0.903]}
    written = json.loads((results_dir / "finetune_cpu-test.json").read_text())
    assert full["measured"]["date"] == written["date"]
    assert full["source"].startswith("from benchmarks/finetune.py (entry imdb_train-all_test-all), full test split "
                                     f"(24,789 reviews), date {written['date']}")


def test_no_all_point_from_another_model_another_recipe_or_none_at_all(results_dir):
    assert label_efficiency.full_data_point(MODEL, dict(finetune.IMDB_RECIPE)) is None, "no finetune file"
    record.write_results("finetune", {"pretraining": MODEL, "tasks": {"imdb": full_entry(train=4000)}})
    assert label_efficiency.full_data_point(MODEL, dict(finetune.IMDB_RECIPE)) is None, "no full-data entry"
    record.write_results("finetune", {"pretraining": MODEL, "tasks": {"imdb_train-all_test-all": full_entry()}})
    assert label_efficiency.full_data_point({**MODEL, "steps": 32000}, dict(finetune.IMDB_RECIPE)) is None
    assert label_efficiency.full_data_point(MODEL, {**finetune.IMDB_RECIPE, "max_length": 512}) is None


def test_the_recorded_full_data_run_is_read_as_recorded():
    old = json.loads((record.RESULTS_DIR / "finetune_cpu-2core.json").read_text())
    full = label_efficiency.full_data_point(old["results"]["pretraining"], dict(finetune.IMDB_RECIPE), old)
    entry = old["results"]["tasks"]["imdb_train-all_test-all"]
    assert (full["train"], full["test"]) == (entry["train"], entry["test"])
    assert full["summary"]["random_init"]["accuracy"] == entry["summary"]["random_init"]["accuracy"]
    assert full["summary"]["tfidf_logreg"]["accuracy"]["mean"] == entry["baselines"]["tfidf_logreg"]["accuracy"]


# --- the plot and the loader -----------------------------------------------------------------------------------------

def test_the_plot_draws_one_line_per_variant_and_marks_the_all_point():
    full = {**point(22310, (0.80, 0.82, 0.82), (0.82, 0.83, 0.83), (0.90,)), "test": 24789,
            "measured": {"date": "2026-12-07 02:20 UTC"}}
    fig = label_efficiency_plot({**curve(all=full), "model": "BERT L=2 H=128",
                                 "variants": ["pretrained", "random_init", "tfidf_logreg"]})
    ax = fig.axes[0]
    shown = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in shown] == ["pre-trained BERT, fine-tuned", "same model from random weights",
                                                    "TF-IDF + logistic regression"]
    assert shown[0].get_xdata().tolist() == [250, 1000, 4000]
    assert shown[0].get_ydata().tolist() == pytest.approx([0.60, 0.71, 0.75])
    joins = [line for line in ax.get_lines() if line.get_label().startswith("_all")]
    assert len(joins) == 3 and all(line.get_xdata()[-1] == 22310 for line in joins)
    assert ax.get_xscale() == "log" and ax.get_xlabel() and ax.get_ylabel() == "test accuracy" and ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "all\n22,310"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(legend) == 4 and legend[-1] == "all 22,310 labelled (another run, 24,789 test, 2026-12-07)"
    assert len(ax.collections) >= 3, "a ± std band per variant"
    width, height = fig.get_size_inches()
    assert width >= 7 and height >= 4.5


def test_the_plot_draws_into_given_axes_and_without_an_all_point():
    from bertkeras.viz.style import new_figure

    fig, axes = new_figure(1, 2, figsize=(10, 4))
    assert label_efficiency_plot(curve(), ax=axes[0, 1]) is fig
    assert len(axes[0, 1].get_lines()) == 3 and not axes[0, 0].get_lines()
    with pytest.raises(ValueError, match="points"):
        label_efficiency_plot({})


def test_the_loader_reads_a_curve_and_its_provenance(results_dir):
    path = record.write_results("label_efficiency", {"model": "BERT L=2 H=128", "curves": {"imdb": curve()}})
    loaded = load_label_efficiency_results(path)
    assert loaded["points"] == json.loads(json.dumps(curve()["points"]))
    assert loaded["model"] == "BERT L=2 H=128" and loaded["recorded"]["machine"] == "cpu-test"
    assert loaded["recorded"]["file"] == "label_efficiency_cpu-test.json"
    with pytest.raises(FileNotFoundError):
        load_label_efficiency_results(results_dir / "missing.json")


# --- end to end ------------------------------------------------------------------------------------------------------

def test_quick_mode_settings(monkeypatch):
    import bertkeras

    calls = {}

    def fake_run(model, sizes, seeds, **kw):
        calls.update(model=model, sizes=sizes, seeds=seeds, **kw)
        key = label_efficiency.curve_key(sizes, seeds, kw["test"], kw["source"], kw["validation"])
        return {"pretrained": "bertkeras/tiny_bert", "curves": {key: {**curve(), "variants": ["pretrained"]}}}

    monkeypatch.setattr(bertkeras, "load_pretrained", lambda path=None: "model")
    monkeypatch.setattr(label_efficiency, "run", fake_run)
    label_efficiency.main(["--quick"])
    assert calls == {"model": "model", "sizes": (250, 1000), "seeds": (0, 1), "test": 1000, "validation": 500,
                     "source": None}
    label_efficiency.main(["--sizes", "500,2000", "--seeds", "4", "--test", "0"])
    assert (calls["sizes"], calls["seeds"], calls["test"]) == ((500, 2000), (4,), 0)
    with pytest.raises(SystemExit):
        label_efficiency.main(["--sizes", "2000,500"])


def test_a_tiny_run_records_every_seed_and_variant(results_dir, tmp_path):
    from bertkeras import load_pretrained

    record.write_results("label_efficiency", {"pretraining": None, "curves": {"imdb": {"kept": True}}})
    model = load_pretrained(make_tiny_pretrained(tmp_path / "tiny_bert"))
    results = label_efficiency.run(model, (20, 40), (0, 1), test=30, validation=20, data=toy_spam_dataset(),
                                   source=str(tmp_path / "tiny_bert"))
    key = label_efficiency.curve_key((20, 40), (0, 1), 30, results["pretrained"], 20)
    assert key.endswith("_from-" + results["pretrained"].replace("/", "-"))
    written = json.loads((results_dir / "label_efficiency_cpu-test.json").read_text())
    assert written["results"] == json.loads(json.dumps(results))
    assert written["command"].startswith("python")
    assert set(written["results"]["curves"]) == {key}, "an earlier curve of another model is not kept"
    curve_ = written["results"]["curves"][key]
    assert curve_["complete"] and curve_["all"] is None and curve_["seconds"] > 0
    assert (curve_["validation"], curve_["test"]) == (20, 30)
    assert curve_["recipe"] == finetune.IMDB_RECIPE
    for size in (20, 40):
        p = curve_["points"][str(size)]
        assert p["train"] == size and set(p["runs"]) == set(label_efficiency.VARIANTS)
        for name, rows in p["runs"].items():
            assert [r["seed"] for r in rows] == [0, 1]
            accuracy = [r["accuracy"] for r in rows]
            assert all(0 <= a <= 1 for a in accuracy)
            assert p["summary"][name]["accuracy"]["mean"] == pytest.approx(np.mean(accuracy))
        assert sum(p["class_counts"]["0"].values()) == size
    (row,) = written["summary"]
    assert "20, 40 labelled reviews" in row["metric"] and "30 reviews" in row["metric"]
    fig = label_efficiency_plot(load_label_efficiency_results(results_dir / "label_efficiency_cpu-test.json", key))
    assert len([line for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")]) == 3

    again = label_efficiency.run(model, (20,), (0,), test=30, validation=20, variants=("tfidf_logreg",),
                                 data=toy_spam_dataset(), source=str(tmp_path / "tiny_bert"))
    assert set(again["curves"]) == {key, label_efficiency.curve_key((20,), (0,), 30, results["pretrained"], 20)}, \
        "a run with other settings sits beside the earlier curve of the same model"
