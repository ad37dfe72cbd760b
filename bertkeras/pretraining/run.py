"""Pre-train a BERT from raw text: vocabulary, NSP pairs, dynamic masking, checkpoints, resume.

:func:`pretrain` is what ``bertkeras pretrain`` and notebook 05 call. One run directory holds it all::

    OUT/vocab.txt                 the WordPiece vocabulary (trained on the training documents)
    OUT/pairs-train.npz           packed NSP pairs (made once; a resumed run reuses them)
    OUT/pairs-eval.npz            held-out pairs from documents never trained on
    OUT/checkpoints/ckpt-00001000 weights + optimizer state + step, each written atomically
    OUT/logs/                     TensorBoard logs;  OUT/history.csv  one row per checkpoint interval
    OUT/model/                    the final pretrained model (bertkeras.load_pretrained(OUT / "model"))

Training is measured in optimizer steps. Keras "epochs" are checkpoint intervals of ``checkpoint_every``
steps over an endlessly repeated, reshuffled, re-masked stream; a resumed run restores the weights and
the optimizer (its step counter included) and skips the batches already seen, so it continues where the
killed run stopped.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from bertkeras.datasets.corpus import SOURCES, pretraining_documents
from bertkeras.files import atomic_directory, atomic_write
from bertkeras.model.backbone import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.pretrainer import BertPretrainer
from bertkeras.pretrained import save_pretrained
from bertkeras.pretraining.optimization import bert_optimizer, training_precision
from bertkeras.pretraining.pipeline import make_pretraining_arrays, pretraining_dataset
from bertkeras.runtime import set_seed, versions
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

CHECKPOINT = re.compile(r"^ckpt-(\d{8})$")


def load_documents(corpus: str | list[str], *, seed: int = 42, limit: int | None = None) -> list[list[str]]:
    """Documents for pre-training from source names (``"bbc_news,imdb"``; ``bbc`` works too) or text files.

    A text file holds one sentence per line and a blank line between documents (BERT's input format).
    """
    names = corpus.split(",") if isinstance(corpus, str) else list(corpus)
    aliases = {"bbc": "bbc_news", "wikitext": "wikitext103"}
    documents: list[list[str]] = []
    for name in (n.strip() for n in names if n.strip()):
        name = aliases.get(name, name)
        if name in SOURCES:
            documents += pretraining_documents([name], seed=seed, limit=limit)
            continue
        path = Path(name).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"corpus {name!r} is neither a source ({', '.join(SOURCES)}) nor a text file; "
                                    f"pass e.g. --corpus bbc,imdb or a file with one sentence per line and "
                                    f"blank lines between documents")
        blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
        docs = [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]
        documents += [d for d in docs if len(d) >= 2][:limit]
    if len(documents) < 2:
        raise ValueError(f"corpus {corpus!r} gave {len(documents)} document(s) of 2+ sentences; NSP needs at "
                         f"least 2 documents (NotNext segments come from another document)")
    return documents


def _save_npz(path: Path, arrays: dict) -> None:
    atomic_write(path, lambda tmp: np.savez(tmp, **arrays), suffix=".npz")


def latest_checkpoint(directory) -> Path | None:
    """The newest complete checkpoint in ``directory/checkpoints`` (partial ones are never named ckpt-N)."""
    folder = Path(directory) / "checkpoints"
    found = sorted(p for p in folder.glob("ckpt-*") if CHECKPOINT.match(p.name) and (p / "state.json").is_file())
    return found[-1] if found else None


def _make_checkpoint_callback(out: Path, keep: int, extra_state: dict):
    class AtomicCheckpoint(keras.callbacks.Callback):
        """At the end of every interval: weights, optimizer variables and the step, renamed into place."""

        def on_epoch_end(self, epoch, logs=None):
            step = int(self.model.optimizer.iterations.numpy())
            save_checkpoint(out, self.model, step, {**extra_state, "logs": {k: float(v) for k, v in (logs or {}).items()}})
            for old in sorted(p for p in (out / "checkpoints").glob("ckpt-*") if CHECKPOINT.match(p.name))[:-keep]:
                shutil.rmtree(old, ignore_errors=True)

    return AtomicCheckpoint()


def save_checkpoint(out: Path, model, step: int, state: dict) -> Path:
    """Write ``out/checkpoints/ckpt-<step>`` atomically: weights and optimizer state (one file), step, config."""
    def write(tmp: Path):
        model.save_weights(tmp / "model.weights.h5")  # a compiled model's file includes its optimizer's variables
        (tmp / "state.json").write_text(json.dumps({"step": step, **state}, indent=2) + "\n", encoding="utf-8")

    return atomic_directory(out / "checkpoints" / f"ckpt-{step:08d}", write)


def restore_checkpoint(path: Path, model) -> int:
    """Load weights and optimizer state (moments and step counter) from a checkpoint; return its step."""
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    model.optimizer.build(model.trainable_variables)  # the optimizer's variables must exist to be loaded
    try:
        model.load_weights(path / "model.weights.h5")
    except ValueError as error:
        raise ValueError(f"{path} does not fit this model ({error}); resume with the preset/config and "
                         f"--mlm-only setting the run started with") from error
    step = int(model.optimizer.iterations.numpy())
    if step != int(state["step"]):
        raise ValueError(f"{path}: the optimizer state says step {step} but state.json says {state['step']}; "
                         f"the checkpoint is inconsistent, resume from an older one (delete this directory)")
    return step


def frequency_baseline(dataset) -> float:
    """MLM accuracy of always guessing the most frequent masked token of ``dataset``."""
    counts: dict[int, float] = {}
    total = 0.0
    for _, targets in dataset:
        ids = targets["mask_ids"].numpy().ravel()
        weights = targets["mask_weights"].numpy().ravel()
        for token, weight in zip(ids[weights > 0], weights[weights > 0], strict=True):
            counts[int(token)] = counts.get(int(token), 0.0) + float(weight)
        total += float(weights.sum())
    return max(counts.values()) / total if total else 0.0


def nsp_majority_baseline(nsp_labels) -> float:
    """NSP accuracy of always answering the more common label of the held-out pairs.

    Not exactly 0.5: a document with a single segment can only give a NotNext pair (as in BERT's
    ``create_pretraining_data.py``), so short documents tilt the balance towards NotNext.

    Example:
        >>> nsp_majority_baseline([1, 1, 0, 1])
        0.75
    """
    labels = np.asarray(nsp_labels).ravel()
    return float(max(labels.mean(), 1 - labels.mean())) if labels.size else 0.5


def pretrain(out, *, preset: str = "tiny", config=None, corpus="bbc_news,imdb", steps: int = 1000,
             batch_size: int = 32, max_sequence_length: int = 128, vocabulary_size: int = 16000,
             vocab: str | None = None, learning_rate: float = 5e-4, warmup_steps: int | None = None,
             checkpoint_every: int = 100, keep: int = 3, resume: bool = False, seed: int = 42,
             use_nsp: bool = True, whole_word: bool = False, eval_fraction: float = 0.02,
             max_eval_examples: int = 1024, max_documents: int | None = None, strategy=None,
             jit_compile: bool | str = "auto", verbose: int = 1, command: str | None = None) -> dict:
    """Pre-train a BERT (MLM + NSP, or MLM only) and write the run directory described above.

    Args:
        out: the run directory.
        preset: a :data:`bertkeras.PRESETS` name; ``config`` (a BertConfig or JSON path) overrides it.
        corpus: sources and/or text files, comma-separated (see :func:`load_documents`).
        steps: total optimizer steps; a multiple of ``checkpoint_every``.
        batch_size: global batch size (split across replicas under a ``strategy``).
        max_sequence_length: packed pair length.
        vocabulary_size: size of the vocabulary trained when ``vocab`` is not given.
        vocab: an existing ``vocab.txt`` to use instead of training one.
        learning_rate, warmup_steps: peak rate and warm-up (default 10 % of steps) of :func:`bert_optimizer`.
        checkpoint_every, keep: checkpoint interval in steps and how many checkpoints to keep.
        resume: continue from the newest checkpoint in ``out`` (an error if there is none).
        seed: the one seed for the document split, pairs, masks, shuffling and initialisation.
        use_nsp: False trains masked-LM only.
        whole_word: mask whole words.
        eval_fraction, max_eval_examples: documents held out for evaluation, and the eval-set cap (the held-out
            set is scored at about ten of the checkpoint intervals and at the end).
        max_documents: use at most this many documents per source (quick runs).
        strategy: a ``tf.distribute`` strategy (default: the current one).
        jit_compile: XLA; "auto" = on with a GPU.
        verbose: Keras progress bar (1), one line per interval (2) or silent (0).
        command: the command line, recorded in the model card.

    Returns:
        the metrics dict also written to ``out/model/metrics.json``.
    """
    out = Path(out).expanduser()
    if steps < 1 or checkpoint_every < 1 or steps % checkpoint_every:
        raise ValueError(f"steps={steps} must be a positive multiple of checkpoint_every={checkpoint_every} "
                         f"(training runs in checkpoint intervals); e.g. --steps "
                         f"{max(checkpoint_every, -(-steps // checkpoint_every) * checkpoint_every)}")
    start_checkpoint = latest_checkpoint(out) if resume else None
    if resume and start_checkpoint is None:
        raise FileNotFoundError(f"--resume: no complete checkpoint in {out / 'checkpoints'}; start without --resume")
    if not resume and latest_checkpoint(out) is not None:
        raise FileExistsError(f"{out} already holds checkpoints; pass --resume to continue that run or choose a "
                              f"new --out directory (nothing was overwritten)")
    out.mkdir(parents=True, exist_ok=True)
    set_seed(seed)
    t0 = time.time()

    # --- text, vocabulary, pairs (each made once and reused by a resumed run) ---
    documents = load_documents(corpus, seed=seed, limit=max_documents)
    order = np.random.default_rng(seed).permutation(len(documents))
    # NotNext partners come from another document, so the held-out pairs need at least 2 documents too.
    n_eval = max(2, int(round(len(documents) * eval_fraction)))
    if len(documents) - n_eval < 2:
        raise ValueError(f"corpus {corpus!r} gave {len(documents)} documents; pre-training needs at least 2 for "
                         f"training and {n_eval} held out (eval_fraction={eval_fraction}); pass more text")
    eval_docs = [documents[i] for i in order[:n_eval]]
    train_docs = [documents[i] for i in order[n_eval:]]
    vocab_file = out / "vocab.txt"
    if vocab_file.is_file():
        tokenizer = WordPieceTokenizer(vocab_file)
    elif vocab is not None:
        tokenizer = WordPieceTokenizer(vocab)
        tokenizer.save_vocabulary(vocab_file)
    else:
        tokenizer = WordPieceTokenizer.train((" ".join(d) for d in train_docs), vocabulary_size)
        tokenizer.save_vocabulary(vocab_file)
    arrays = {}
    for split, docs, split_seed in (("train", train_docs, seed), ("eval", eval_docs, seed + 1)):
        path = out / f"pairs-{split}.npz"
        if not path.is_file():
            _save_npz(path, make_pretraining_arrays(docs, tokenizer, seed=split_seed,
                                                    max_sequence_length=max_sequence_length, fast=True))
        with np.load(path) as f:
            arrays[split] = {k: f[k] for k in f.files}
    arrays["eval"] = {k: v[:max_eval_examples] for k, v in arrays["eval"].items()}

    # --- model, optimizer, precision ---
    if config is None:
        bert_config = BertConfig.from_preset(preset, vocabulary_size=tokenizer.vocabulary_size,
                                             max_sequence_length=max(512, max_sequence_length))
    else:
        bert_config = BertConfig.load(config) if isinstance(config, str | Path) else config
        bert_config = bert_config.replace(vocabulary_size=tokenizer.vocabulary_size)
    with training_precision() as precision:  # the caller's dtype policy comes back afterwards
        jit = precision["jit_compile"] if jit_compile == "auto" else bool(jit_compile)
        strategy = strategy or tf.distribute.get_strategy()
        replicas = strategy.num_replicas_in_sync
        with strategy.scope():
            backbone = BertBackbone.from_bert_config(bert_config)
            model = BertPretrainer(backbone, use_nsp=use_nsp)
            model.compile(optimizer=bert_optimizer(learning_rate, total_steps=steps, warmup_steps=warmup_steps),
                          jit_compile=jit)
        start_step = 0
        if start_checkpoint is not None:
            with strategy.scope():
                start_step = restore_checkpoint(start_checkpoint, model)
            # Always said, even with verbose=0: a resumed run must not be mistaken for a fresh one in a log.
            print(f"resuming from {start_checkpoint.name} at step {start_step}", file=sys.stderr)

        data_kwargs = {"batch_size": batch_size, "seed": seed, "whole_word": whole_word,
                       "max_predictions_per_seq": max(1, round(max_sequence_length * 0.15 + 0.5))}
        train_ds = pretraining_dataset(arrays["train"], tokenizer.vocabulary, training=True, drop_remainder=True,
                                       **data_kwargs).repeat().skip(start_step)
        eval_ds = pretraining_dataset(arrays["eval"], tokenizer.vocabulary, training=False, **data_kwargs)

        state = {"config": json.loads(bert_config.to_json()), "use_nsp": use_nsp, "seed": seed, "batch_size": batch_size,
                 "steps": steps}
        callbacks = [_make_checkpoint_callback(out, keep, state),
                     keras.callbacks.CSVLogger(str(out / "history.csv"), append=True)]
        try:
            import tensorboard  # noqa: F401

            callbacks.append(keras.callbacks.TensorBoard(str(out / "logs"), update_freq="epoch"))
        except ImportError:  # pragma: no cover - tensorboard ships with the package's dependencies
            pass
        intervals = steps // checkpoint_every
        history = model.fit(train_ds, steps_per_epoch=checkpoint_every, epochs=intervals,
                            initial_epoch=start_step // checkpoint_every, validation_data=eval_ds, callbacks=callbacks,
                            validation_freq=max(1, intervals // 10), verbose=verbose, shuffle=False)

        evaluation = model.evaluate(eval_ds, verbose=0, return_dict=True)
        metrics = {
            "steps": steps, "resumed_from_step": start_step, "seconds_this_run": round(time.time() - t0, 1),
            "examples_seen": steps * batch_size, "train_pairs": int(len(arrays["train"]["nsp_labels"])),
            "eval_pairs": int(len(arrays["eval"]["nsp_labels"])), "documents": len(documents),
            "vocabulary_size": tokenizer.vocabulary_size, "preset": preset if config is None else "custom",
            "max_sequence_length": max_sequence_length, "batch_size": batch_size, "learning_rate": learning_rate,
            "seed": seed, "use_nsp": use_nsp, "whole_word": whole_word, "corpus": corpus if isinstance(corpus, str)
            else ",".join(corpus), "device": precision["device"], "precision": precision["policy"], "jit_compile": jit,
            "replicas": replicas, "command": command, "versions": versions(),
            "held_out": {k: float(v) for k, v in evaluation.items()},
            "baselines": {"mlm_accuracy_most_frequent_token": frequency_baseline(eval_ds), "nsp_accuracy_chance": 0.5,
                          "nsp_accuracy_majority": nsp_majority_baseline(arrays["eval"]["nsp_labels"])},
            "history": {k: [float(x) for x in v] for k, v in history.history.items()},
        }
        save_pretrained(out / "model", model, tokenizer, metrics=metrics, model_card=model_card(metrics))
    return metrics


def model_card(m: dict) -> str:
    """A short markdown model card from the metrics of a run."""
    held, base = m["held_out"], m["baselines"]
    ratio = held["mlm_accuracy"] / max(base["mlm_accuracy_most_frequent_token"], 1e-9)
    majority = base.get("nsp_accuracy_majority", 0.5)
    nsp = (f"{held['nsp_accuracy']:.3f} (chance 0.500; always the more common label {majority:.3f})"
           if "nsp_accuracy" in held else "n/a (MLM only)")
    return f"""# bertkeras pretrained model ({m['preset']})

Pre-trained from scratch by `bertkeras pretrain` with masked-LM{' + next-sentence prediction' if m['use_nsp'] else ''}.

| | |
|---|---|
| command | `{m['command'] or 'bertkeras.pretraining.run.pretrain(...)'}` |
| data | {m['corpus']}: {m['documents']} documents, {m['train_pairs']} training pairs, {m['eval_pairs']} held-out pairs from unseen documents |
| vocabulary | {m['vocabulary_size']} WordPiece tokens trained on the training documents (uncased) |
| training | {m['steps']} steps × batch {m['batch_size']} × {m['max_sequence_length']} tokens, peak learning rate {m['learning_rate']}, AdamW (decay 0.01), warm-up + linear decay, seed {m['seed']} |
| device | {m['device']}, {m['precision']}, XLA {'on' if m['jit_compile'] else 'off'}, {m['replicas']} replica(s); {m['seconds_this_run']} s in the last run (resumed from step {m['resumed_from_step']}) |
| held-out MLM accuracy | {held['mlm_accuracy']:.3f} (most-frequent-token baseline {base['mlm_accuracy_most_frequent_token']:.3f}: {ratio:.1f}×) |
| held-out MLM perplexity | {held['mlm_perplexity']:.1f} |
| held-out NSP accuracy | {nsp} |

Versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}.

Intended use: teaching (fine-tuning and attention notebooks of the bertkeras course). It is tiny and trained
on a few million words of news and film reviews, so it is no substitute for a real BERT.
"""


def export_checkpoint(run_dir, target, checkpoint=None, metrics: dict | None = None) -> Path:
    """Turn a checkpoint of ``run_dir`` (default: the newest) into a pretrained-model directory."""
    run_dir = Path(run_dir)
    path = Path(checkpoint) if checkpoint is not None else latest_checkpoint(run_dir)
    if path is None or not (path / "state.json").is_file():
        raise FileNotFoundError(f"no complete checkpoint in {run_dir / 'checkpoints'}; run bertkeras pretrain first")
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    config = BertConfig.from_json(json.dumps(state["config"]))
    model = BertPretrainer(BertBackbone.from_bert_config(config), use_nsp=state["use_nsp"])
    model.load_weights(path / "model.weights.h5", skip_mismatch=False)
    tokenizer = WordPieceTokenizer(run_dir / "vocab.txt")
    return save_pretrained(target, model, tokenizer, metrics={"step": state["step"], **(metrics or {})})
