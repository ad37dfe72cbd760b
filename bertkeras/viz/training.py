"""Training curves from a Keras ``History``, its ``.history`` dict, or a TensorBoard log directory.

One panel per metric, the training curve and (when there is one) the ``val_`` curve together, so
over-fitting shows as the two lines parting. TensorBoard event files are read with TensorFlow's own
``tf.data.TFRecordDataset`` and ``Event`` protocol buffer, so reading needs no tensorboard package. (Writing does:
TensorFlow 2.21 no longer installs tensorboard, and Keras' ``TensorBoard`` callback needs it;
``pip install tensorboard``.) The callback writes ``train/`` and ``validation/`` runs whose
``epoch_loss`` becomes ``loss`` and ``val_loss`` here, as in ``History.history``.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bertkeras.viz.style import OKABE_ITO, new_figure

Curves = dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (steps, values)


def read_tensorboard(logdir) -> Curves:
    """Every scalar in a TensorBoard log directory, as ``name -> (steps, values)`` sorted by step.

    Runs are the sub-folders holding event files: ``validation`` becomes the prefix ``val_``, ``train``
    (or the folder itself) no prefix, any other run ``<run>/``; Keras' ``epoch_`` prefix is dropped.
    When a step was written twice (a resumed run), the later value wins.

    Example:
        >>> import tempfile, tensorflow as tf
        >>> logdir = tempfile.mkdtemp()
        >>> with tf.summary.create_file_writer(f"{logdir}/validation").as_default():
        ...     for step, value in enumerate([0.9, 0.5]):
        ...         _ = tf.summary.write("epoch_loss", value, step=step)  # what tf.summary.scalar writes
        >>> steps, values = read_tensorboard(logdir)["val_loss"]
        >>> steps.tolist(), values.round(2).tolist()
        ([0, 1], [0.9, 0.5])
    """
    import tensorflow as tf  # only here: the rest of bertkeras.viz does not need TensorFlow

    root = pathlib.Path(logdir)
    if not root.is_dir():
        raise ValueError(f"TensorBoard log directory {root} does not exist; pass the log_dir given to "
                         f"keras.callbacks.TensorBoard")
    files = sorted(root.rglob("*tfevents*"))
    if not files:
        raise ValueError(f"no TensorBoard event files (events.out.tfevents.*) under {root}; did training run "
                         f"with the TensorBoard callback writing there?")
    points: dict[str, dict[int, tuple[float, float]]] = {}  # name -> step -> (wall_time, value)
    for file in files:
        run = file.parent.relative_to(root).as_posix()
        prefix = {".": "", "train": "", "validation": "val_"}.get(run, f"{run}/")
        try:
            # tf.data reads the records (summary_iterator would log a deprecation warning into notebooks)
            for record in tf.data.TFRecordDataset(str(file)):
                event = tf.compat.v1.Event.FromString(record.numpy())
                for value in event.summary.value:
                    number = _scalar(value, tf)
                    if number is None:
                        continue
                    tag = value.tag.removeprefix("epoch_")
                    steps = points.setdefault(prefix + tag, {})
                    if event.step not in steps or steps[event.step][0] <= event.wall_time:
                        steps[event.step] = (event.wall_time, number)
        except tf.errors.DataLossError as error:  # a file still being written ends mid-record
            if not points:
                raise ValueError(f"TensorBoard event file {file} is corrupt or truncated: {error}") from error
    return {name: (np.array(sorted(steps)), np.array([steps[s][1] for s in sorted(steps)]))
            for name, steps in points.items()}


def _scalar(value, tf) -> float | None:
    if value.HasField("simple_value"):
        return float(value.simple_value)
    if value.HasField("tensor"):
        array = tf.make_ndarray(value.tensor)
        if array.shape == () and np.issubdtype(array.dtype, np.number):
            return float(array)
    return None


def as_curves(history) -> tuple[Curves, str]:
    """``name -> (steps, values)`` and the x-axis name, from a History, a dict of lists, or a log directory.

    Example:
        >>> curves, x_label = as_curves({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        >>> curves["val_loss"][0].tolist(), x_label
        ([1, 2], 'epoch')
    """
    if isinstance(history, str | os.PathLike):
        return read_tensorboard(history), "step"
    history = getattr(history, "history", history)  # keras.callbacks.History -> its dict
    if not isinstance(history, Mapping) or not history:
        raise ValueError(f"expected a keras History, a non-empty dict of metric lists or a TensorBoard log "
                         f"directory; got {type(history).__name__}")
    curves = {}
    for name, values in history.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        curves[str(name)] = (np.arange(1, len(values) + 1), values)
    return curves, "epoch"


def training_curves(history, *, metrics: Sequence[str] | None = None) -> Figure:
    """One panel per metric with its training and validation curves.

    Args:
        history: ``model.fit(...)``'s History, its ``.history`` dict, or a TensorBoard log directory.
        metrics: which metrics (names without ``val_``) to draw, in order; default all.

    Returns:
        The Figure with one axes per metric; its lines are labelled ``train`` and ``validation``.

    Example:
        >>> fig = training_curves({"loss": [0.9, 0.5], "accuracy": [0.6, 0.8], "val_loss": [1.0, 0.7]})
        >>> [ax.get_title() for ax in fig.axes], [line.get_label() for line in fig.axes[0].lines]
        (['loss', 'accuracy'], ['train', 'validation'])
        >>> fig.axes[0].lines[1].get_ydata().tolist()
        [1.0, 0.7]
    """
    curves, x_label = as_curves(history)
    names = list(dict.fromkeys(n.removeprefix("val_") for n in curves))
    if metrics is not None:
        unknown = [m for m in metrics if m not in names]
        if unknown or not metrics:
            raise ValueError(f"metrics {unknown or list(metrics)} not in the history; available: {names}")
        names = list(metrics)
    ncols = min(3, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(4.0 * ncols, 3.0 * nrows))
    for ax in axes.flat[len(names):]:
        fig.delaxes(ax)
    for ax, name in zip(axes.flat, names, strict=False):
        for key, label, colour in ((name, "train", OKABE_ITO[0]), (f"val_{name}", "validation", OKABE_ITO[1])):
            if key in curves:
                steps, values = curves[key]
                ax.plot(steps, values, marker="o" if len(values) <= 30 else None, markersize=3, color=colour,
                        label=label)
        ax.set_title(name)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and steps are whole numbers
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig
