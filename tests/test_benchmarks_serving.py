"""benchmarks.serving's README rows, from a synthetic results dict (the benchmark itself is not run here)."""

from __future__ import annotations

from benchmarks.serving import summarize


def timing(seconds):
    return {"median_s": seconds, "min_s": seconds * 0.9, "max_s": seconds * 1.1, "repeats": 2}


def test_summary_rows_have_targets_and_ratios():
    datasets = {}
    for name, (ours, hub) in {"imdb": (10.0, 11.0), "sms_spam": (2.0, 8.0)}.items():
        timings = {"exported": timing(ours), "keras_hub": timing(hub), "predict_proba": timing(3.0)}
        datasets[name] = {"texts": 2000, "timings": timings,
                          "texts_per_s": {k: 2000 / v["median_s"] for k, v in timings.items()}}
    rows = summarize({"max_length": 128, "datasets": datasets})
    assert [r["target"] for r in rows] == [1.2, 3.0]
    assert [round(r["ratio"], 2) for r in rows] == [1.1, 4.0]
    assert rows[0]["metric"].startswith("serving raw text -> probabilities, 2,000 IMDB reviews")
    assert "200 texts/s (exported SavedModel)" in rows[0]["ours"]
