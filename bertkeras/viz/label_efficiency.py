"""Label efficiency: test accuracy against the number of labelled training examples, one line per model.

What pre-training buys is clearest when labels are scarce: the pre-trained model, the same model from
random weights and TF-IDF + logistic regression, each trained on 250, 500, ... labelled reviews, several
seeds per point (the seed also picks which reviews are labelled), the band one standard deviation over the
seeds. The curve is measured by ``benchmarks/label_efficiency.py`` and recorded as JSON; read it with
:func:`load_label_efficiency_results` (pass the file's path: the package never looks for the repository).
A point trained on all the data, taken from another run, is drawn apart (hollow markers) and labelled so.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from bertkeras.viz.style import OKABE_ITO, new_figure

#: Legend labels of the variants the benchmark records (any other variant is labelled by its own name).
VARIANT_LABELS = {"pretrained": "pre-trained BERT, fine-tuned", "random_init": "same model from random weights",
                  "tfidf_logreg": "TF-IDF + logistic regression"}
_COLOURS = {"pretrained": OKABE_ITO[0], "random_init": OKABE_ITO[1], "tfidf_logreg": OKABE_ITO[2]}
_MARKERS = {"pretrained": "o", "random_init": "s", "tfidf_logreg": "^"}


def load_label_efficiency_results(path, curve: str = "imdb") -> dict:
    """One recorded curve from a ``label_efficiency`` results file, with the file's provenance.

    Args:
        path: the JSON file ``benchmarks/label_efficiency.py`` wrote (e.g.
            ``benchmarks/results/label_efficiency_cpu-2core.json``).
        curve: which entry of ``results["curves"]``: ``"imdb"`` is the default setting; a file with one
            curve returns that one whatever its name.

    Returns:
        The curve's dict (``points``, ``all``, ``sizes``, ``seeds``, ``test``, ``metric``, ...) plus
        ``model`` and ``recorded``: ``{file, date, machine, command}`` of the run that wrote the file.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no label-efficiency results at {path}; run `python -m benchmarks.label_efficiency` "
                                f"in the repository, or pass the recorded file's path")
    record = json.loads(path.read_text(encoding="utf-8"))
    curves = record.get("results", {}).get("curves")
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"{path} holds no label-efficiency curves (results.curves); is it a label_efficiency file?")
    if curve not in curves and len(curves) != 1:
        raise ValueError(f"{path} has no curve {curve!r}; it has {sorted(curves)}")
    chosen = curves[curve] if curve in curves else next(iter(curves.values()))
    provenance = {"file": path.name, **{k: record.get(k) for k in ("date", "machine", "command")}}
    # a curve kept from an earlier run carries its own date and command ("measured")
    recorded = {**provenance, **{k: v for k, v in chosen.get("measured", {}).items() if k in ("date", "command")}}
    return {**chosen, "model": record["results"].get("model"), "recorded": recorded}


def _mean_std(point: Mapping, variant: str, metric: str) -> tuple[float, float] | None:
    scores = point.get("summary", {}).get(variant, {}).get(metric)
    return None if scores is None else (float(scores["mean"]), float(scores.get("std", 0.0)))


def label_efficiency_plot(results: Mapping, ax=None) -> Figure:
    """Accuracy against labelled examples (log x axis): one line per variant, the band ± one std over seeds.

    Args:
        results: one curve as :func:`load_label_efficiency_results` returns it: ``points`` maps each size to
            ``{"train": n, "summary": {variant: {metric: {"mean", "std"}}}}``; ``all`` (optional) is the
            all-data point of the same shape, drawn with hollow markers and a dashed join.
        ax: draw into these axes; default a new (7.5, 4.8) figure.

    Returns:
        The Figure. Its axes hold one solid line per variant (labelled for the legend) and, with an
        ``all`` point, one dashed line per variant labelled ``_all ...`` (kept out of the legend; one legend
        entry explains the hollow markers).

    Example:
        >>> point = lambda n, a, b: {"train": n, "summary": {
        ...     "pretrained": {"accuracy": {"mean": a, "std": 0.01}},
        ...     "random_init": {"accuracy": {"mean": b, "std": 0.02}}}}
        >>> fig = label_efficiency_plot({"points": {"250": point(250, 0.6, 0.5), "1000": point(1000, 0.7, 0.6)},
        ...                              "all": point(20000, 0.8, 0.8)})
        >>> ax = fig.axes[0]
        >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        ['pre-trained BERT, fine-tuned', 'same model from random weights']
        >>> ax.get_xscale(), ax.get_lines()[0].get_xdata().tolist()
        ('log', [250, 1000])
    """
    points = results.get("points")
    if not isinstance(points, Mapping) or not points:
        raise ValueError("results needs 'points': {size: {'train': n, 'summary': {variant: {metric: {...}}}}}; "
                         "load a recorded file with load_label_efficiency_results(path)")
    metric = results.get("metric", "accuracy")
    measured = sorted(points.values(), key=lambda p: p["train"])
    full = results.get("all")
    variants = list(results.get("variants") or dict.fromkeys(v for p in measured for v in p["summary"]))
    if ax is None:
        fig, axes = new_figure(figsize=(7.5, 4.8))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    handles = []
    for i, variant in enumerate(variants):
        colour = _COLOURS.get(variant, OKABE_ITO[(3 + i) % len(OKABE_ITO)])
        marker = _MARKERS.get(variant, "D")
        rows = [(p["train"], *ms) for p in measured if (ms := _mean_std(p, variant, metric)) is not None]
        if not rows:
            continue
        x, mean, std = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
        label = VARIANT_LABELS.get(variant, variant)
        (line,) = ax.plot(x.astype(int).tolist(), mean, marker=marker, markersize=5, color=colour, label=label)
        ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.18, linewidth=0)
        handles.append(line)
        at_all = _mean_std(full, variant, metric) if full else None
        if at_all is not None:
            ax.plot([x[-1], full["train"]], [mean[-1], at_all[0]], linestyle="--", marker=marker,
                    markevery=[1], markerfacecolor="white", markersize=7, color=colour, label=f"_all {label}")
            ax.errorbar([full["train"]], [at_all[0]], yerr=[at_all[1]], fmt="none", ecolor=colour, capsize=3)
    if full:
        handles.append(Line2D([], [], linestyle="--", marker="o", markerfacecolor="white", color="0.35",
                              label=f"all {full['train']:,} labelled ({_all_source(full)})"))
    sizes = [int(p["train"]) for p in measured] + ([int(full["train"])] if full else [])
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sizes))
    ax.set_xticks(sizes, [f"{n:,}" if not (full and n == full["train"] and i == len(sizes) - 1) else f"all\n{n:,}"
                          for i, n in enumerate(sizes)])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("labelled training examples (log scale)")
    ax.set_ylabel(f"test {metric}")
    seeds = results.get("seeds")
    spread = (f"mean ± std over {len(seeds)} seeds (each seed its own labelled subset)" if seeds
              else "mean ± std over seeds")
    recorded = results.get("recorded")
    lines = [f"{results.get('model') or 'BERT'}: {metric} vs labelled training examples",
             spread + (f"; {results['test']:,} test examples" if results.get("test") else ""),
             f"recorded {str(recorded.get('date'))[:10]} on {recorded.get('machine')}"
             if isinstance(recorded, Mapping) and recorded.get("machine") else ""]
    ax.set_title("\n".join(filter(None, lines)), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return fig


def _all_source(full: Mapping) -> str:
    date = str(full.get("measured", {}).get("date") or "")[:10]
    test = f"{full['test']:,} test" if full.get("test") else "full test split"
    return ", ".join(filter(None, ["another run", test, date]))
