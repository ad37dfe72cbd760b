"""bertkeras.viz.training: curves from a History, its dict, or TensorBoard event files (no tensorboard)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from bertkeras.viz import figure_png
from bertkeras.viz.training import as_curves, read_tensorboard, training_curves

HISTORY = {"loss": [0.9, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.0, 0.8, 0.9],
           "val_accuracy": [0.4, 0.6, 0.65], "learning_rate": [1e-3, 5e-4, 2.5e-4]}


def lines_by_label(ax):
    return {line.get_label(): (line.get_xdata().tolist(), line.get_ydata().tolist()) for line in ax.lines}


def test_curves_from_a_history_dict():
    fig = training_curves(HISTORY)
    assert figure_png(fig).startswith(b"\x89PNG")  # renders headless (Agg)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy", "learning_rate"]
    loss = lines_by_label(fig.axes[0])
    assert loss == {"train": ([1, 2, 3], HISTORY["loss"]), "validation": ([1, 2, 3], HISTORY["val_loss"])}
    assert lines_by_label(fig.axes[2]) == {"train": ([1, 2, 3], HISTORY["learning_rate"])}
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("epoch", "loss")
    only = training_curves(HISTORY, metrics=["accuracy"])
    assert [ax.get_title() for ax in only.axes] == ["accuracy"]
    with pytest.raises(ValueError, match=r"metrics \['f1'\] not in the history; available"):
        training_curves(HISTORY, metrics=["f1"])
    with pytest.raises(ValueError, match="non-empty dict"):
        training_curves({})


def test_curves_from_a_real_keras_history():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    history = model.fit(x, y, validation_split=0.25, epochs=3, batch_size=8, verbose=0)
    fig = training_curves(history)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["accuracy", "loss"] or titles[:2] == ["loss", "accuracy"]
    loss = lines_by_label(fig.axes[titles.index("loss")])
    assert loss["train"] == ([1, 2, 3], history.history["loss"])
    assert loss["validation"] == ([1, 2, 3], history.history["val_loss"])


def write_scalars(logdir, run, tag, values, first_step=0):
    with tf.summary.create_file_writer(str(logdir / run)).as_default():
        for step, value in enumerate(values, start=first_step):
            tf.summary.write(tag, tf.constant(value, tf.float32), step=step)  # what tf.summary.scalar writes
        tf.summary.write("histogram", tf.constant([1.0, 2.0, 3.0]), step=0)  # not a scalar: ignored


def test_read_tensorboard_like_keras_callback_runs(tmp_path):
    write_scalars(tmp_path, "train", "epoch_loss", [0.9, 0.6, 0.5])
    write_scalars(tmp_path, "train", "epoch_accuracy", [0.5, 0.7, 0.8])
    write_scalars(tmp_path, "validation", "epoch_loss", [1.0, 0.8, 0.9])
    write_scalars(tmp_path, "validation", "evaluation_loss_vs_iterations", [1.0], first_step=12)
    curves = read_tensorboard(tmp_path)
    assert sorted(curves) == ["accuracy", "loss", "val_evaluation_loss_vs_iterations", "val_loss"]
    steps, values = curves["val_loss"]
    assert steps.tolist() == [0, 1, 2]
    np.testing.assert_allclose(values, [1.0, 0.8, 0.9], rtol=1e-6)
    assert curves["val_evaluation_loss_vs_iterations"][0].tolist() == [12]
    fig = training_curves(tmp_path, metrics=["loss", "accuracy"])
    loss = fig.axes[0]
    assert loss.get_xlabel() == "step"
    np.testing.assert_allclose(loss.lines[1].get_ydata(), [1.0, 0.8, 0.9], rtol=1e-6)
    assert loss.lines[1].get_xdata().tolist() == [0, 1, 2]


def test_read_tensorboard_simple_values_other_runs_and_resumed_steps(tmp_path):
    (tmp_path / "finetune").mkdir()
    with tf.io.TFRecordWriter(str(tmp_path / "finetune" / "events.out.tfevents.1.host")) as writer:
        for wall_time, step, value in [(1.0, 0, 0.5), (2.0, 1, 0.4), (3.0, 1, 0.3)]:  # step 1 written again
            summary = tf.compat.v1.Summary(value=[tf.compat.v1.Summary.Value(tag="f1", simple_value=value)])
            writer.write(tf.compat.v1.Event(wall_time=wall_time, step=step, summary=summary).SerializeToString())
    steps, values = read_tensorboard(tmp_path)["finetune/f1"]
    assert steps.tolist() == [0, 1]
    np.testing.assert_allclose(values, [0.5, 0.3])  # the later value of step 1 wins


def test_read_tensorboard_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist; pass the log_dir"):
        read_tensorboard(tmp_path / "missing")
    with pytest.raises(ValueError, match="no TensorBoard event files"):
        read_tensorboard(tmp_path)
    with pytest.raises(ValueError, match="got list"):
        as_curves([0.9, 0.5])


def test_as_curves_reads_a_history_like_object_and_flattens_values():
    class Record:
        history = {"loss": np.array([[0.9], [0.5]])}

    curves, x_label = as_curves(Record())
    assert x_label == "epoch"
    assert [a.tolist() for a in curves["loss"]] == [[1, 2], [0.9, 0.5]]


def test_read_tensorboard_logs_no_deprecation_warning_and_reads_a_truncated_file(tmp_path, monkeypatch):
    import logging

    from tensorflow.python.util import deprecation

    monkeypatch.setattr(deprecation, "_PRINTED_WARNING", {})  # TF prints each deprecation once per process
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    tf.get_logger().addHandler(handler)
    try:
        write_scalars(tmp_path, "train", "epoch_loss", [0.9, 0.6])
        assert read_tensorboard(tmp_path)["loss"][1].size == 2
    finally:
        tf.get_logger().removeHandler(handler)
    assert not [r for r in records if "deprecated" in r.getMessage()]  # notebooks show no TF warning

    (file,) = (tmp_path / "train").glob("*tfevents*")
    file.write_bytes(file.read_bytes()[:-5])  # a file still being written ends mid-record (the histogram)
    steps, _ = read_tensorboard(tmp_path)["loss"]
    assert steps.tolist() == [0, 1]  # the complete records before the cut are kept
