"""Hyper-parameter search for fine-tuning: BERT's grid, run by keras-tuner, judged on validation data.

BERT does not fine-tune with one setting: the paper (§3.5, Appendix A.3) tries every combination of ::

    learning rate   5e-5, 3e-5, 2e-5
    batch size      16, 32
    epochs          2, 3, 4                (3 x 2 x 3 = 18 fine-tuning runs)

and keeps the one that does best on the *validation* (dev) split. :func:`grid_search` does exactly that
with keras-tuner: a ``GridSearchOracle`` walks the grid (the last value changes fastest) and a small
``Tuner`` subclass whose ``run_trial`` calls :func:`~bertkeras.finetuning.classification.finetune` with the trial's three
values - everything else, the seed included, is the same for every trial, so trials differ only in the
grid values. Each trial trains for exactly its number of epochs (no early stopping, ``patience=None``,
as in the paper; pass ``patience=1`` to change that) and is scored by a validation metric, maximised:

* ``"f1"`` (default): for a binary task the F1 of class 1 at the decision threshold tuned on validation,
  for a multi-class task macro-F1 - on unbalanced data accuracy would reward predicting the majority;
* or ``"macro_f1"``, ``"accuracy"``, ``"pr_auc"`` (keys of
  :func:`~bertkeras.evaluation.metrics.classification_metrics`).

The **test split is never touched**: trials get a view of the data set without it, so it stays an
unbiased estimate for the one evaluation after the search. The best trial's classifier is *kept* (not
re-fitted: a re-fit with the same seed would only repeat it). Ties go to the earlier trial.

keras-tuner keeps its record - ``oracle.json`` and one ``trial_*/trial.json`` per trial - in
``directory/project_name``. An existing record is never resumed or mixed with a new grid: pass
``overwrite=True`` to replace it. keras-tuner is an optional dependency (``pip install "bertkeras[tune]"``).

Example:
    >>> len(grid_combinations("paper")), grid_combinations("paper")[1]
    (18, {'learning_rate': 5e-05, 'batch_size': 16, 'epochs': 3})
    >>> from bertkeras import load_pretrained, datasets
    >>> data = datasets.load("sms_spam")
    >>> result = grid_search(load_pretrained(), None, data, directory="runs/grid")  # doctest: +SKIP
    >>> result.best_hyperparameters  # doctest: +SKIP
    {'learning_rate': 5e-05, 'batch_size': 16, 'epochs': 4}
"""

from __future__ import annotations

import gc
import itertools
import math
import numbers
import time
from dataclasses import dataclass, field
from pathlib import Path

AXES = ("learning_rate", "batch_size", "epochs")
PAPER_GRID = {"learning_rate": (5e-5, 3e-5, 2e-5), "batch_size": (16, 32), "epochs": (2, 3, 4)}
QUICK_GRID = {"learning_rate": (5e-5, 2e-5), "batch_size": (32,), "epochs": (2,)}  # the rate's two ends
GRIDS = {"paper": PAPER_GRID, "quick": QUICK_GRID}
OBJECTIVES = ("f1", "macro_f1", "accuracy", "pr_auc")
INSTALL_HINT = 'pip install "bertkeras[tune]"'


def import_keras_tuner():
    """``import keras_tuner``, or an ImportError that says how to install it (it is an optional extra)."""
    try:
        import keras_tuner
    except ImportError as exc:
        raise ImportError(f"the hyper-parameter search needs keras-tuner, which is not installed; install it "
                          f"with: {INSTALL_HINT}") from exc
    return keras_tuner


def check_grid(grid) -> dict[str, tuple]:
    """The grid as ``{axis: values}``: ``"paper"``, ``"quick"`` or a dict with the three :data:`AXES`.

    Example:
        >>> check_grid({"learning_rate": [3e-5], "batch_size": [16, 32], "epochs": [3]})
        {'learning_rate': (3e-05,), 'batch_size': (16, 32), 'epochs': (3,)}
        >>> check_grid({"learning_rate": [3e-5], "batch_size": [0], "epochs": [3]})
        Traceback (most recent call last):
        ...
        ValueError: grid batch_size=[0]: use distinct whole numbers >= 1
    """
    if isinstance(grid, str):
        if grid not in GRIDS:
            raise ValueError(f"unknown grid {grid!r}; choose one of {sorted(GRIDS)} or pass a dict of {AXES}")
        grid = GRIDS[grid]
    if not isinstance(grid, dict) or set(grid) != set(AXES):
        keys = sorted(grid) if isinstance(grid, dict) else type(grid).__name__
        raise ValueError(f"a grid is 'paper', 'quick' or a dict with exactly the keys {list(AXES)}; "
                         f"got {keys}")
    out = {}
    for axis in AXES:
        raw = grid[axis]
        values = list(raw) if isinstance(raw, list | tuple) else [raw]
        if axis == "learning_rate":
            kind, fix = numbers.Real, "use distinct numbers > 0 (BERT: 5e-5, 3e-5, 2e-5)"
            ok = all(isinstance(v, kind) and not isinstance(v, bool) and 0 < v < math.inf for v in values)
            values = [float(v) for v in values] if ok else values
        else:
            kind, fix = numbers.Integral, "use distinct whole numbers >= 1"
            ok = all(isinstance(v, kind) and not isinstance(v, bool) and v >= 1 for v in values)
            values = [int(v) for v in values] if ok else values
        if not values or not ok or len(set(values)) != len(values):
            raise ValueError(f"grid {axis}={raw!r}: {fix}")
        out[axis] = tuple(values)
    return out


def grid_combinations(grid="paper") -> list[dict]:
    """Every combination of the grid, in the order the search runs them (the last axis changes fastest).

    Example:
        >>> grid = {"learning_rate": [5e-5, 2e-5], "batch_size": [32], "epochs": [2, 3]}
        >>> for trial in grid_combinations(grid):
        ...     print(trial)
        {'learning_rate': 5e-05, 'batch_size': 32, 'epochs': 2}
        {'learning_rate': 5e-05, 'batch_size': 32, 'epochs': 3}
        {'learning_rate': 2e-05, 'batch_size': 32, 'epochs': 2}
        {'learning_rate': 2e-05, 'batch_size': 32, 'epochs': 3}
    """
    grid = check_grid(grid)
    return [dict(zip(AXES, values, strict=True)) for values in itertools.product(*(grid[a] for a in AXES))]


class _WithoutTest:
    """The data set as trials see it: every attribute but ``test``, which raises."""

    def __init__(self, dataset):
        self._dataset = dataset

    def __getattr__(self, name):
        if name == "test":
            raise RuntimeError("a hyper-parameter search trial tried to read the test split; the search must "
                               "only use train and validation (evaluate the best model on test afterwards)")
        return getattr(self._dataset, name)


@dataclass
class SearchResult:
    """What :func:`grid_search` found.

    Attributes:
        best_hyperparameters: ``{"learning_rate", "batch_size", "epochs"}`` of the best trial.
        best_trial: its row of ``trials``.
        trials: one row per trial, in run order: ``trial_id``, the three values, ``epochs_run``,
            ``objective`` (the validation score) and ``seconds``.
        classifier: the best trial's :class:`~bertkeras.finetuning.text_classifier.TextClassifier` (kept, not re-fit).
        objective: the validation metric that was maximised, e.g. ``"f1"``.
        grid: the searched grid.
        project_dir: keras-tuner's record of the search.
    """

    best_hyperparameters: dict
    best_trial: dict
    trials: list[dict]
    classifier: object = field(repr=False)
    objective: str = "f1"
    grid: dict = field(default_factory=dict)
    project_dir: Path | None = None

    def summary(self) -> dict:
        """A JSON-ready record: objective, grid, best trial and every trial."""
        return {"objective": f"val_{self.objective}", "grid": {k: list(v) for k, v in self.grid.items()},
                "best": self.best_trial, "trials": self.trials, "project_dir": str(self.project_dir)}


def format_trials(trials: list[dict], objective: str = "f1") -> str:
    """The trials as a text table, the best (first maximum) marked with ``*``.

    Example:
        >>> rows = [{"trial_id": "0", "learning_rate": 5e-5, "batch_size": 16, "epochs": 2, "epochs_run": 2,
        ...          "objective": 0.81, "seconds": 12.0},
        ...         {"trial_id": "1", "learning_rate": 3e-5, "batch_size": 16, "epochs": 2, "epochs_run": 2,
        ...          "objective": 0.86, "seconds": 11.5}]
        >>> print(format_trials(rows))
          trial  learning_rate  batch_size  epochs  epochs_run  val_f1  seconds
              0          5e-05          16       2           2  0.8100     12.0
        *     1          3e-05          16       2           2  0.8600     11.5
    """
    best = max(range(len(trials)), key=lambda i: trials[i]["objective"]) if trials else None
    name = f"val_{objective}"
    lines = [f"  trial  learning_rate  batch_size  epochs  epochs_run  {name}  seconds"]
    for i, t in enumerate(trials):
        lines.append(f"{'*' if i == best else ' '} {t['trial_id']:>5s}  {t['learning_rate']:>13g}  "
                     f"{t['batch_size']:>10d}  {t['epochs']:>6d}  {t['epochs_run']:>10d}  "
                     f"{t['objective']:>{len(name)}.4f}  {t['seconds']:>7.1f}")
    return "\n".join(lines)


def _tuner_class(kt):
    """A keras-tuner ``Tuner`` whose trial is one fine-tuning run (defined here: keras-tuner is optional)."""

    class FinetuneTuner(kt.Tuner):
        def run_trial(self, trial, run, **search_kwargs):  # search() also passes verbose=
            try:
                return run(trial)
            except Exception as exc:  # keras-tuner would log a failed trial and go on; stop with the cause
                raise kt.errors.FatalError(str(exc)) from exc

    return FinetuneTuner


def grid_search(pretrained_or_backbone, tokenizer, dataset, *, directory, project_name: str = "search",
                grid="paper", max_trials: int | None = None, objective: str = "f1", overwrite: bool = False,
                seed: int = 42, verbose: int = 1, fit_verbose: int = 0, **finetune_kwargs) -> SearchResult:
    """Fine-tune once per grid point, score each on validation, return the best (test split untouched).

    Args:
        pretrained_or_backbone: as for :func:`~bertkeras.finetuning.classification.finetune` (a PretrainedBert, its
            directory or a backbone + ``tokenizer``); loaded once, copied by every trial.
        tokenizer: the backbone's tokenizer; None takes the pretrained model's.
        dataset: a :class:`~bertkeras.datasets.TextDataset`; only ``train`` and ``validation`` are read.
        directory: where keras-tuner writes its record (``directory/project_name``), e.g. a run directory.
        project_name: the record's folder name.
        grid: ``"paper"`` (18 trials), ``"quick"`` (:data:`QUICK_GRID`, 2 trials) or a dict of
            :data:`AXES` to value lists.
        max_trials: stop after this many trials (None: the whole grid).
        objective: the validation metric to maximise, one of :data:`OBJECTIVES`.
        overwrite: replace an earlier search at ``directory/project_name``; without it that is an error.
        seed: the same seed for every trial (weights, dropout, batch order).
        verbose: 1: keras-tuner reports each trial; 0: silent.
        fit_verbose: Keras progress output inside each trial (0 silent, 1 bar, 2 a line per epoch).
        **finetune_kwargs: further :func:`~bertkeras.finetuning.classification.finetune` arguments, the same for every
            trial (``max_length``, ``feature_based``, ``patience`` - default None here -, ...).

    Returns:
        A :class:`SearchResult`; its classifier's ``info["search"]`` records the search too.
    """
    grid = check_grid(grid)
    if objective not in OBJECTIVES:
        raise ValueError(f"objective={objective!r}; choose one of {list(OBJECTIVES)} (all are maximised)")
    searched = sorted(set(finetune_kwargs) & {*AXES, "seed", "verbose"})
    if searched:
        raise ValueError(f"{searched} cannot be passed through to finetune: put learning rates, batch sizes "
                         "and epochs in grid=, and use grid_search's own seed= and fit_verbose=")
    if max_trials is not None and (isinstance(max_trials, bool) or not isinstance(max_trials, int)
                                   or max_trials < 1):
        raise ValueError(f"max_trials={max_trials!r}; pass a whole number >= 1, or None for the whole grid")
    if len(dataset.validation.labels) == 0:
        raise ValueError("the data set's validation split is empty, but the search scores every trial on it; "
                         "give the data set a validation split")
    project_dir = Path(directory) / project_name
    if project_dir.exists() and any(project_dir.iterdir()) and not overwrite:
        raise FileExistsError(f"{project_dir} already holds a search; pass overwrite=True to replace it, or "
                              "choose another directory or project_name")
    kt = import_keras_tuner()

    # TensorFlow and Keras: imported when a search runs, so the CLI can read GRIDS without them
    from bertkeras.finetuning import classification
    from bertkeras.pretrained import load_pretrained

    source = pretrained_or_backbone
    if isinstance(source, str | Path):
        source = load_pretrained(source)
    finetune_kwargs.setdefault("patience", None)
    trial_data = _WithoutTest(dataset)
    rows: list[dict] = []
    kept = {}

    def run(trial):
        values = dict(trial.hyperparameters.values)
        start = time.time()
        classifier = classification.finetune(source, tokenizer, trial_data, **values, seed=seed, verbose=fit_verbose,
                              **finetune_kwargs)
        score = float(classifier.info["validation"][objective])
        if math.isnan(score):
            raise ValueError(f"validation {objective} is undefined (the validation split lacks a class); "
                             "choose objective='f1' or 'accuracy'")
        rows.append({"trial_id": trial.trial_id, **values, "epochs_run": classifier.info["epochs_run"],
                     "objective": score, "seconds": round(time.time() - start, 1)})
        if not kept or score > kept["score"]:  # ties keep the earlier trial
            kept.update(score=score, classifier=classifier, row=rows[-1])
        del classifier
        gc.collect()
        return {f"val_{objective}": score}

    space = kt.HyperParameters()
    for axis in AXES:
        space.Choice(axis, list(grid[axis]))
    oracle = kt.oracles.GridSearchOracle(objective=kt.Objective(f"val_{objective}", direction="max"),
                                         max_trials=max_trials, seed=seed, hyperparameters=space,
                                         allow_new_entries=False, tune_new_entries=False)
    tuner = _tuner_class(kt)(oracle, directory=str(directory), project_name=project_name, overwrite=overwrite)
    failure = None
    try:
        tuner.search(run, verbose=verbose)
    except kt.errors.FatalError as stop:
        failure = stop.__cause__ or stop
    if failure is not None:  # raised out here, so the traceback is the trial's, not keras-tuner's wrapper
        raise failure
    if not rows:  # keras-tuner swallowed an error outside run_trial's guard
        messages = [t.message for t in tuner.oracle.trials.values() if t.message]
        raise RuntimeError(f"no trial of the search in {project_dir} completed; keras-tuner reported: "
                           f"{messages[0] if messages else 'nothing'}")
    best_row = kept["row"]
    best = {axis: best_row[axis] for axis in AXES}
    classifier = kept["classifier"]
    classifier.info["search"] = {"objective": f"val_{objective}", "best_trial": best_row["trial_id"],
                                 "trials": len(rows), "grid": {k: list(v) for k, v in grid.items()}}
    return SearchResult(best, best_row, rows, classifier, objective, grid, project_dir)


__all__ = ["AXES", "GRIDS", "OBJECTIVES", "PAPER_GRID", "QUICK_GRID", "SearchResult", "check_grid",
           "format_trials", "grid_combinations", "grid_search", "import_keras_tuner"]
