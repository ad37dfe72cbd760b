"""IMDB accuracy against the number of labelled training reviews: pre-trained tiny BERT, the same model from
random weights, and TF-IDF + logistic regression (issue #21, item 1; drawn in notebook 08).

    python -m benchmarks.label_efficiency                  # sizes 250..8,000, seeds 0,1,2, 5,000 test reviews
    python -m benchmarks.label_efficiency --quick          # sizes 250,1000, seeds 0,1, 1,000 test reviews
    python -m benchmarks.label_efficiency --sizes 250,2000 --seeds 0,1,2,3,4 --test 0   # 0: the whole test split

Measured run time (2 CPU cores shared with other jobs, load 5-8, 2026-12-07): ``--sizes 250,500,1000,2000
--test 2000`` (3 seeds, 24 fine-tuning runs) took 46 min, 1-3 min per run, most of a small run being the
model's set-up and its validation and test passes; the default sizes add 4,000 and 8,000 (18 more runs, each
2-6x the training of the 2,000 runs) and 5,000 test reviews: about 2 hours on such a machine. The recorded
curve is ``benchmarks/results/label_efficiency_cpu-2core.json``.

For every training size and seed the seed picks BOTH the labelled subset (``labelled_subset``: stratified,
so every subset has the training split's share of positive reviews) and the fine-tuning randomness, so the
spread over seeds includes which reviews happened to be labelled. For one seed the smaller subsets are
prefixes of the same per-class shuffle (250 of the 500, 500 of the 1,000, ...). Every point is scored on one
fixed test subset (``--test`` reviews, seed 42) and early-stops (best of the 2 epochs) and tunes its decision
threshold on one fixed validation subset (``--validation`` reviews, default 500, seed 42; ``benchmarks.finetune``
uses the whole 2,479: each epoch's pass over it is most of a small run's time). Variants, all on the same subset:
  * ``pretrained``: the shipped tiny BERT (``load_pretrained()``, or ``--from``) fine-tuned with
    ``bertkeras.finetune`` and ``benchmarks.finetune.IMDB_RECIPE`` (2e-4, batch 32, 2 epochs, 128 pieces);
  * ``random_init``: the same architecture from random weights (``from_scratch=True``), same recipe;
  * ``tfidf_logreg``: TF-IDF + logistic regression (``bertkeras.baselines.run_baselines``) fit on the subset.
The point "all 22,310" is not re-run (9-16 min per fine-tuning run on 2 cores): it is the entry
``imdb_train-all_test-all`` of this machine's ``benchmarks/finetune.py`` results, marked as such in the file
(its test split is the whole 24,789 reviews, not the subset). It is left out when that entry is missing or
was measured from another pre-trained model or recipe.

Results are written after every size, with ``complete: false`` until the last one is done, so an interrupted
run still records the sizes it finished. Each setting (sizes, seeds, test size, model) is its own entry
(``curve_key``): a ``--quick`` run sits beside the default curve instead of replacing it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402 - after the environment defaults, as in the other scripts

from benchmarks.finetune import IMDB_RECIPE, KEYS, entry_key, spread  # noqa: E402

SIZES = (250, 500, 1000, 2000, 4000, 8000)
SEEDS = (0, 1, 2)
TEST = 5000
VALIDATION = 500
TEST_SEED = 42
QUICK = {"sizes": (250, 1000), "seeds": (0, 1), "test": 1000}
VARIANTS = ("pretrained", "random_init", "tfidf_logreg")
LABELS = {"pretrained": "pre-trained BERT, fine-tuned", "random_init": "same model from random weights",
          "tfidf_logreg": "TF-IDF + logistic regression"}
FULL_DATA_ENTRY = entry_key("imdb", 0, 0)  # 'imdb_train-all_test-all' in benchmarks/finetune.py's results
METRIC = "accuracy"


def labelled_subset(labels, size: int, seed: int) -> np.ndarray:
    """Sorted indices of ``size`` training examples, stratified by label and picked by ``seed``.

    Each class gets its share of ``size`` (largest remainders round), taken from the front of one seeded
    shuffle of that class, so for one seed a smaller subset lies inside a larger one.

    Example:
        >>> labels = np.array([0] * 60 + [1] * 40)
        >>> picked = labelled_subset(labels, 10, seed=0)
        >>> len(picked), int(labels[picked].sum())
        (10, 4)
        >>> set(labelled_subset(labels, 5, seed=0)) <= set(picked)
        True
    """
    labels = np.asarray(labels)
    if not 1 <= size <= len(labels):
        raise ValueError(f"a labelled subset needs 1 to {len(labels)} examples; got {size}")
    classes, counts = np.unique(labels, return_counts=True)
    exact = size * counts / len(labels)
    take = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - take), kind="stable")[: size - take.sum()]:
        take[i] += 1
    rng = np.random.default_rng(seed)
    picked = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take, strict=True)]
    return np.sort(np.concatenate(picked))


def with_training_subset(data, size: int, seed: int):
    """``data`` with its training split cut to ``labelled_subset(..., size, seed)`` (the rest unchanged)."""
    keep = labelled_subset(data.train.labels, size, seed)
    train = dataclasses.replace(data.train, texts=[data.train.texts[i] for i in keep], labels=data.train.labels[keep])
    return dataclasses.replace(data, train=train)


def summarize_runs(runs: dict[str, list[dict]]) -> dict:
    """Per variant and metric: mean, sample std, min, max and the per-seed values (``finetune.spread``)."""
    return {name: {k: spread([r[k] for r in rows]) for k in KEYS} for name, rows in runs.items() if rows}


def run_point(data, pretrained, size: int, seeds: list[int], variants=VARIANTS, recipe=None) -> dict:
    """Every variant and seed at one training size; the seed picks the subset and the fine-tuning randomness."""
    from bertkeras import baselines, finetune  # attributes of the package, wherever the modules live

    recipe = dict(IMDB_RECIPE if recipe is None else recipe)
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    counts = {}
    for seed in seeds:
        subset = with_training_subset(data, size, seed)
        counts[str(seed)] = subset.class_counts("train")
        for name in variants:
            t0 = time.perf_counter()
            if name == "tfidf_logreg":
                scores = baselines.run_baselines(subset, seed=seed)["tfidf_logreg"]["test"]
                facts = {}
            else:
                extra = {"from_scratch": True} if name == "random_init" else {}
                classifier = finetune(pretrained, None, subset, **recipe, **extra, seed=seed, verbose=0)
                scores = classifier.evaluate(subset.test.texts, subset.test.labels)
                facts = {"epochs_run": classifier.info["epochs_run"]}
            runs[name].append({"seed": seed, "seconds": round(time.perf_counter() - t0, 1), **facts,
                               **{k: float(scores[k]) for k in KEYS}})
            print(f"train {size:>6,} seed {seed} {name:13s} {METRIC} {scores[METRIC]:.4f} "
                  f"({runs[name][-1]['seconds']:.0f} s)", flush=True)
    return {"train": size, "class_counts": counts, "runs": runs, "summary": summarize_runs(runs)}


def full_data_point(pretraining: dict, recipe: dict, old: dict | None = None) -> dict | None:
    """The "all" point, read from ``benchmarks/finetune.py``'s full-data entry on this machine (not re-run).

    ``old``: that script's parsed results file (default: ``record.earlier_record("finetune")``). None when
    the entry is missing or came from another pre-trained model (``pretraining``) or another ``recipe``.
    """
    from benchmarks import record

    old = record.earlier_record("finetune") if old is None else old
    entry = record.stamped_entries(old, "tasks").get(FULL_DATA_ENTRY)
    if (entry is None or old["results"].get("pretraining") != pretraining or entry.get("recipe") != recipe
            or not {"pretrained", "random_init"} <= set(entry.get("summary", {}))):
        return None
    measured = entry["measured"]
    summary = {name: entry["summary"][name] for name in ("pretrained", "random_init")}
    summary["tfidf_logreg"] = {k: spread([float(entry["baselines"]["tfidf_logreg"][k])]) for k in KEYS}
    return {"train": entry["train"], "validation": entry["validation"], "test": entry["test"],
            "seeds": entry["seeds"], "summary": summary, "measured": measured,
            "source": f"from benchmarks/finetune.py (entry {FULL_DATA_ENTRY}), full test split "
                      f"({entry['test']:,} reviews), date {measured.get('date')}; not re-run here; its TF-IDF "
                      f"is one fit (seed 42), the fine-tuning seeds vary initialisation and order only"}


def curve_key(sizes, seeds, test: int | None, model: str | None = None, validation: int | None = VALIDATION) -> str:
    """The results entry of one setting: ``imdb`` at the defaults, otherwise the setting spelled out
    (``model``: the ``--from`` path; None is the shipped model).

    Example:
        >>> curve_key(SIZES, SEEDS, TEST), curve_key((250, 1000), (0, 1), 1000)
        ('imdb', 'imdb_sizes-250-1000_seeds-2_test-1000')
        >>> curve_key(SIZES, SEEDS, TEST, validation=0)
        'imdb_sizes-250-500-1000-2000-4000-8000_seeds-3_test-5000_val-all'
    """
    default = (tuple(sizes) == SIZES and tuple(seeds) == SEEDS and test == TEST and model is None
               and validation == VALIDATION)
    if default:
        return "imdb"
    key = f"imdb_sizes-{'-'.join(map(str, sizes))}_seeds-{len(seeds)}_test-{test or 'all'}"
    if validation != VALIDATION:
        key += f"_val-{validation or 'all'}"
    return key if model is None else f"{key}_from-{model.replace('/', '-')}"


def gain_points(point: dict, metric: str = METRIC) -> float:
    """Pre-training's gain at one point: pretrained mean minus random-weights mean, in points."""
    return 100 * (point["summary"]["pretrained"][metric]["mean"] - point["summary"]["random_init"][metric]["mean"])


def separated(point: dict, metric: str = METRIC) -> bool:
    """Whether pre-training's gain exceeds the seed spread: the worst pre-trained seed beats the best
    random-weights seed."""
    return point["summary"]["pretrained"][metric]["min"] > point["summary"]["random_init"][metric]["max"]


def ordered_points(curve: dict) -> list[dict]:
    """The measured points by training size, then the "all" point if there is one."""
    points = sorted(curve["points"].values(), key=lambda p: p["train"])
    return points + ([curve["all"]] if curve.get("all") else [])


def summarize(results: dict) -> list[dict]:
    """The README rows (see ``benchmarks.report``): one per curve."""
    from benchmarks.record import summary_row

    rows = []
    for curve in results["curves"].values():
        points = sorted(curve["points"].values(), key=lambda p: p["train"])
        if not points or not all({"pretrained", "random_init"} <= set(p["summary"]) for p in points):
            continue
        first, last = points[0], points[-1]
        clear = [p["train"] for p in points if separated(p)]
        first_clear = f"{clear[0]:,}" if clear else "none of the measured sizes"
        pre, scratch = (first["summary"][v][METRIC] for v in ("pretrained", "random_init"))
        sizes = ", ".join(f"{p['train']:,}" for p in points)
        text = (f"IMDB label efficiency: test accuracy ({curve['test']:,} reviews) of {results['model']} fine-tuned on "
                f"{sizes} labelled reviews ({len(curve['seeds'])} seeds, each its own stratified subset) vs the same "
                f"model from random weights{'' if curve.get('complete', True) else ' (run incomplete)'}")
        ours = (f"{pre['mean']:.3f} ± {pre['std']:.3f} at {first['train']:,} (random weights {scratch['mean']:.3f} "
                f"± {scratch['std']:.3f}: {gain_points(first):+.1f} points); {gain_points(last):+.1f} points at "
                f"{last['train']:,}")
        tfidf = [p["summary"].get("tfidf_logreg", {}).get(METRIC) for p in (first, last)]
        peer = (f"TF-IDF + logistic regression {tfidf[0]['mean']:.3f} at {first['train']:,}, "
                f"{tfidf[1]['mean']:.3f} at {last['train']:,}" if all(tfidf) else "")
        note = ("smallest size where the gain exceeds the seed spread (worst pre-trained seed > best random): "
                + first_clear)
        if curve.get("all"):
            full = curve["all"]
            note += (f"; all {full['train']:,} (benchmarks/finetune.py, full test split, "
                     f"{str(full['measured'].get('date'))[:10]}): {gain_points(full):+.1f} points")
        rows.append(summary_row(text, ours, peer, note=note, date=curve.get("measured", {}).get("date")))
    return rows


def keep_earlier_curves(results: dict) -> dict:
    """``results`` plus the curves this machine recorded before from the same pre-trained model, each with
    its own date (a quick run keeps the default curve)."""
    from benchmarks import record

    old = record.earlier_record("label_efficiency")
    if old is None or old["results"].get("pretraining") != results["pretraining"]:
        return results
    return {**results, "curves": {**record.stamped_entries(old, "curves"), **results["curves"]}}


def run(pretrained, sizes, seeds, *, test: int | None, validation: int | None = VALIDATION, variants=VARIANTS,
        data=None, source: str | None = None, notes: str = "") -> dict:
    """Measure the curve, writing the results file after every size; return the results.

    ``source``: the ``--from`` path the model was loaded from (None: the shipped model), for the entry's key."""
    from benchmarks.record import portable, write_results
    from bertkeras import datasets

    t_start = time.perf_counter()
    data = datasets.load("imdb", seed=42) if data is None else data
    data = data.subset(validation=validation or None, test=test or None, seed=TEST_SEED)
    config = pretrained.config
    recipe = dict(IMDB_RECIPE)
    pretraining = {k: pretrained.metrics.get(k) for k in ("steps", "held_out", "baselines")}
    model = portable(pretrained.path)
    curve = {"task": "imdb", "metric": METRIC, "recipe": recipe, "sizes": list(sizes), "seeds": list(seeds),
             "variants": list(variants), "labels": {v: LABELS[v] for v in variants},
             "train_pool": len(data.train), "validation": len(data.validation), "test": len(data.test),
             "test_seed": TEST_SEED, "points": {}, "all": full_data_point(pretraining, recipe),
             "complete": False, "seconds": 0.0}
    key = curve_key(sizes, seeds, test, None if source is None else portable(source), validation)
    for size in sizes:
        curve["points"][str(size)] = run_point(data, pretrained, size, list(seeds), variants, recipe)
        curve["complete"] = size == sizes[-1]
        curve["seconds"] = round(time.perf_counter() - t_start, 1)
        results = keep_earlier_curves({"model": f"BERT L={config.num_layers} H={config.hidden_dim}",
                                       "pretrained": model, "pretraining": pretraining, "curves": {key: curve}})
        path = write_results("label_efficiency", results, summary=summarize(results), notes=notes or NOTES)
        print(f"wrote {path} ({size:,} done, {curve['seconds'] / 60:.1f} min so far)", flush=True)
    return results


NOTES = ("Quality, not speed: test accuracy against the number of labelled training reviews. The seed picks the "
         "stratified training subset and the fine-tuning randomness; one fixed test subset (seed 42) for every "
         "measured point. The 'all' point is copied from benchmarks/finetune.py's full-data entry (full test "
         "split), not re-run.")


def table(curve: dict) -> str:
    """The curve as text: one line per size, mean ± std per variant."""
    variants = curve["variants"]
    lines = ["labelled  " + "  ".join(f"{v:>20s}" for v in variants)]
    for point in ordered_points(curve):
        label = f"{point['train']:,}" + (" (all)" if point is curve.get("all") else "")
        cells = [f"{point['summary'][v][METRIC]['mean']:.4f} ± {point['summary'][v][METRIC]['std']:.4f}"
                 if v in point["summary"] else "-" for v in variants]
        lines.append(f"{label:>14s}  " + "  ".join(f"{c:>20s}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="labelled training reviews per point")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="each seed picks a subset and a run")
    parser.add_argument("--test", type=int, default=TEST, help="test reviews, one fixed subset (0: all)")
    parser.add_argument("--validation", type=int, default=VALIDATION,
                        help="validation reviews (early stopping, threshold), one fixed subset (0: all)")
    parser.add_argument("--from", dest="pretrained", default=None, help="pretrained model (default: shipped tiny)")
    parser.add_argument("--quick", action="store_true", help="sizes 250,1000; seeds 0,1; 1,000 test reviews")
    args = parser.parse_args(argv)
    sizes = QUICK["sizes"] if args.quick else tuple(int(s) for s in args.sizes.split(","))
    seeds = QUICK["seeds"] if args.quick else tuple(int(s) for s in args.seeds.split(","))
    test = QUICK["test"] if args.quick else args.test
    if list(sizes) != sorted(set(sizes)) or min(sizes) < 1:
        parser.error(f"--sizes: increasing positive numbers; got {args.sizes!r}")

    from benchmarks.record import portable
    from bertkeras import load_pretrained

    results = run(load_pretrained(args.pretrained), sizes, seeds, test=test, validation=args.validation,
                  source=args.pretrained)
    source = None if args.pretrained is None else portable(args.pretrained)
    print(table(results["curves"][curve_key(sizes, seeds, test, source, args.validation)]))


if __name__ == "__main__":
    main()
