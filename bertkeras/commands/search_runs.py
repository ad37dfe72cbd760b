"""``bertkeras finetune --search``: BERT's hyper-parameter grid on a course task, as one run directory.

:func:`search_run` runs :func:`~bertkeras.finetuning.hparam_search.grid_search` on the task's train and validation
splits, evaluates the best trial's model on the test split - once, after the search - and writes a run
directory that ``bertkeras evaluate`` and ``bertkeras predict`` read like any other::

    RUN_DIR/classifier.json  classifier.weights.h5  vocab.txt   the best trial's model
    RUN_DIR/metrics.json     as for a single run, plus "search": objective, grid, best trial, every trial
    RUN_DIR/history.json     the best trial's training history
    RUN_DIR/search/          keras-tuner's record (oracle.json, trial_*/trial.json)

The search runs inside the run's staging folder, so the directory appears complete or not at all. Bad
options (a grid value, a fixed ``--epochs`` beside ``--search``, keras-tuner missing) are one ``error:``
line and exit status 2, before any training.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bertkeras.commands.finetune_runs import (
    UsageError,
    check_out_dir,
    history_json,
    load_pretrained_or_explain,
    load_task,
    run_metrics,
)
from bertkeras.files import atomic_directory
from bertkeras.finetuning.hparam_search import (
    GRIDS,
    OBJECTIVES,
    check_grid,
    format_trials,
    grid_search,
    import_keras_tuner,
)

# the options of a search, and the fixed values each grid axis replaces: axis -> (fixed flag, grid flag)
SEARCH_OPTIONS = {"grid": "--grid", "grid_learning_rates": "--grid-learning-rates",
                  "grid_batch_sizes": "--grid-batch-sizes", "grid_epochs": "--grid-epochs",
                  "max_trials": "--max-trials", "objective": "--objective"}
AXIS_OPTIONS = {"learning_rate": ("--learning-rate", "grid_learning_rates"),
                "batch_size": ("--batch-size", "grid_batch_sizes"), "epochs": ("--epochs", "grid_epochs")}


def search_run(task: str, *, pretrained=None, out=None, grid="paper", max_trials: int | None = None,
               objective: str = "f1", max_length: int = 128, seed: int = 42, feature_based: bool = False,
               from_scratch: bool = False, max_train_examples: int | None = None, baselines: bool = True,
               overwrite: bool = False, verbose: int = 1, command: str | None = None) -> tuple[Path, dict]:
    """Search the fine-tuning grid on validation, evaluate the best model on test once, write the run.

    Args:
        task: a task of :data:`~bertkeras.commands.finetune_runs.TASKS`.
        grid: ``"paper"``, ``"quick"`` or a dict (see :func:`~bertkeras.finetuning.hparam_search.check_grid`).
        max_trials: stop after this many trials (None: the whole grid).
        objective: the validation metric to maximise (:data:`~bertkeras.finetuning.hparam_search.OBJECTIVES`).
        verbose: Keras progress inside each trial (0, 1, 2); keras-tuner reports each trial unless 0.
        pretrained, out, max_length, seed, feature_based, from_scratch, max_train_examples, baselines,
            overwrite, command: as for :func:`~bertkeras.commands.finetune_runs.finetune_run`.

    Returns:
        ``(run_dir, metrics)``; ``metrics["search"]`` holds the grid, the best trial and every trial.
    """
    try:
        import_keras_tuner()
        grid = check_grid(grid)
    except (ImportError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if max_trials is not None and max_trials < 1:
        raise UsageError(f"--max-trials {max_trials}: pass a whole number >= 1 (or leave it out to run the "
                         "whole grid)")
    if objective not in OBJECTIVES:
        raise UsageError(f"unknown objective {objective!r}; choose one of {list(OBJECTIVES)}")
    out = Path(out) if out is not None else Path("runs") / f"search-{task}-{time.strftime('%Y%m%d-%H%M%S')}"
    check_out_dir(out, overwrite)
    data = load_task(task, seed=seed, max_train_examples=max_train_examples)
    source = load_pretrained_or_explain(pretrained)
    done = {}

    def write(tmp: Path):  # the search runs in the staging folder: a failed search leaves nothing behind
        try:
            result = grid_search(source, None, data, directory=tmp, project_name="search", grid=grid,
                                 max_trials=max_trials, objective=objective, seed=seed,
                                 verbose=int(verbose > 0), fit_verbose=verbose, max_length=max_length,
                                 feature_based=feature_based, from_scratch=from_scratch)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        classifier = result.classifier
        metrics = run_metrics(classifier, data, source, task, seed=seed, baselines=baselines, command=command)
        metrics["search"] = {**result.summary(), "project_dir": "search"}
        classifier.write(tmp)
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        (tmp / "history.json").write_text(history_json(classifier), encoding="utf-8")
        done["metrics"] = metrics

    return atomic_directory(out, write), done["metrics"]


def search_grid(args) -> dict:
    """The grid ``--grid`` names, with the axes that ``--grid-learning-rates`` etc. give replaced."""
    grid = dict(GRIDS[args.grid or "paper"])
    for axis, (fixed, name) in AXIS_OPTIONS.items():
        flag = SEARCH_OPTIONS[name]
        if getattr(args, axis) is not None:
            raise UsageError(f"--search tries every value of the grid, so {fixed} would be ignored; choose "
                             f"the values with {flag} (e.g. {flag} {' '.join(map(str, grid[axis]))})")
        if getattr(args, name) is not None:
            grid[axis] = list(getattr(args, name))
    return grid


def refuse_search_options(args) -> None:
    """Raise a UsageError when search options were given without ``--search``."""
    given = [flag for name, flag in SEARCH_OPTIONS.items() if getattr(args, name) is not None]
    if given:
        raise UsageError(f"{', '.join(given)}: options of a hyper-parameter search, but --search is missing; "
                         "add --search, or leave them out for one fine-tuning run")


def search_from_args(args, **common) -> tuple[Path, dict]:
    """Run :func:`search_run` for parsed ``bertkeras finetune --search`` arguments; print the trials."""
    run_dir, metrics = search_run(args.task, grid=search_grid(args), max_trials=args.max_trials,
                                  objective=args.objective or "f1", **common)
    search = metrics["search"]
    print(format_trials(search["trials"], search["objective"].removeprefix("val_")))
    best = search["best"]
    print(f"best trial {best['trial_id']}: learning rate {best['learning_rate']:g}, batch size "
          f"{best['batch_size']}, {best['epochs']} epochs ({search['objective']} {best['objective']:.4f}); "
          "its test metrics:")
    return run_dir, metrics


def add_search_arguments(parser) -> None:
    """Add the ``--search`` options to the ``bertkeras finetune`` parser."""
    group = parser.add_argument_group(
        'hyper-parameter search (BERT §3.5; needs keras-tuner: pip install "bertkeras[tune]")',
        "--search fine-tunes once per grid point (same seed, no early stopping), scores each run on the "
        "validation split, keeps the best and evaluates only that one on the test split. RUN_DIR/search/ "
        "keeps keras-tuner's record; metrics.json lists every trial. Default --out: "
        "runs/search-TASK-TIMESTAMP.")
    group.add_argument("--search", action="store_true", help="search the grid instead of one fine-tuning run")
    group.add_argument("--grid", choices=sorted(GRIDS), default=None,
                       help="paper (default): learning rate 5e-5 3e-5 2e-5 x batch size 16 32 x epochs 2 3 4 "
                       "(18 trials); quick: learning rate 5e-5 2e-5, batch size 32, 2 epochs (2 trials)")
    group.add_argument("--grid-learning-rates", type=float, nargs="+", metavar="LR", default=None,
                       help="replace the grid's learning rates")
    group.add_argument("--grid-batch-sizes", type=int, nargs="+", metavar="N", default=None,
                       help="replace the grid's batch sizes")
    group.add_argument("--grid-epochs", type=int, nargs="+", metavar="N", default=None,
                       help="replace the grid's epoch counts")
    group.add_argument("--max-trials", type=int, default=None, help="stop after N trials (default: all)")
    group.add_argument("--objective", choices=OBJECTIVES, default=None,
                       help="the validation metric to maximise (default: f1 - of class 1 on a binary task, "
                       "at the threshold tuned on validation; macro-F1 on a multi-class one)")


__all__ = ["add_search_arguments", "refuse_search_options", "search_from_args", "search_grid", "search_run"]
