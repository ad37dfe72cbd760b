"""Tokenizer speed and quality against keras-hub and raw tensorflow-text, in one run.

    python -m benchmarks.tokenizer            # BBC News (about 5 MB), vocabulary 8,000

Measures, on the same corpus and machine, in one process:
  * vocabulary training: bertkeras ``train_vocabulary`` vs ``keras_hub.tokenizers.compute_word_piece_vocabulary``
    (lowercase, strip accents, 8,000 tokens), and the quality of each vocabulary on held-out IMDB reviews
    (tokens per word, share of ``[UNK]``), each vocabulary with its own tokenizer;
  * batch encoding throughput (tokens/s) of ``FastWordPieceTokenizer`` (in a ``tf.function``), the Python
    reference, keras-hub's ``WordPieceTokenizer`` called directly, and raw ``tensorflow_text.FastBertTokenizer``;
  * peak memory (RSS) of vocabulary training on all IMDB reviews (about 65 MB), in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def peak_memory_worker() -> None:
    from bertkeras import datasets, train_vocabulary

    imdb = datasets.load("imdb")
    texts = imdb.train.texts + imdb.validation.texts + imdb.test.texts
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    train_vocabulary(texts, vocabulary_size=8000)
    print(json.dumps({"text_mb": sum(len(t.encode()) for t in texts) / 1e6, "seconds": time.perf_counter() - start,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_before_training_mb": before}))


def summarize(results: dict) -> list[dict]:
    """The README rows for this benchmark (see ``benchmarks.report``)."""
    from benchmarks.record import si, speedup, summary_row

    corpus = results["corpus"]
    training = results["vocabulary_training"]
    ours_t, hub_t = training["bertkeras_s"], training["keras_hub_s"]
    tpw, unk = training["tokens_per_word"], training["unk_share"]
    encoding = results["encoding"]
    timings, rates = encoding["timings"], encoding["tokens_per_s"]
    memory = results["imdb_training_memory"]
    size = training["vocabulary_sizes"]["bertkeras"]
    return [
        summary_row(f"WordPiece vocabulary training, BBC News ({corpus['megabytes']:.1f} MB), {size:,} tokens",
                    f"{ours_t['median_s']:.1f} s",
                    f"keras-hub `compute_word_piece_vocabulary` {hub_t['median_s']:.1f} s",
                    **speedup(ours_t, hub_t)),
        summary_row("held-out IMDB with that vocabulary: tokens per word / `[UNK]` share",
                    f"{tpw['bertkeras']:.3f} / {unk['bertkeras']:.4%}",
                    f"keras-hub vocabulary {tpw['keras_hub']:.3f} / {unk['keras_hub']:.3%}",
                    note="lower is better for both"),
        summary_row(f"batch encoding, BBC News ({encoding['tokens'] / 1e6:.1f} M tokens)",
                    f"{si(rates['bertkeras_fast'], 'tokens/s')} (`FastWordPieceTokenizer`)",
                    f"keras-hub `WordPieceTokenizer` {si(rates['keras_hub_WordPieceTokenizer'], 'tokens/s')}",
                    **speedup(timings["bertkeras_fast"], timings["keras_hub_WordPieceTokenizer"])),
        summary_row("batch encoding, the same", f"{si(rates['bertkeras_fast'], 'tokens/s')}",
                    f"raw tf-text `FastBertTokenizer` {si(rates['tensorflow_text_FastBertTokenizer'], 'tokens/s')}",
                    **speedup(timings["bertkeras_fast"], timings["tensorflow_text_FastBertTokenizer"]),
                    note="the cost of bertkeras's wrapper over the raw op"),
        summary_row(f"vocabulary training on all IMDB reviews ({memory['text_mb']:.0f} MB)",
                    f"{memory['seconds']:.0f} s, peak RSS {memory['peak_rss_mb'] / 1024:.2f} GiB",
                    target="peak RSS under 2 GiB (the loaded data included)",
                    met=memory["peak_rss_mb"] < 2048),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabulary-size", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer-training-repeats", type=int, default=3,
                        help="keras-hub's trainer takes about a minute per run")
    parser.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_worker:
        peak_memory_worker()
        return

    import keras_hub
    import tensorflow as tf
    import tensorflow_text as tf_text

    from benchmarks.record import measure, write_results
    from bertkeras import FastWordPieceTokenizer, WordPieceTokenizer, datasets, train_vocabulary
    from bertkeras.tokenization.normalization import pre_tokenize

    bbc = datasets.load("bbc_news")
    corpus = bbc.train.texts + bbc.validation.texts + bbc.test.texts
    held_out = datasets.load("imdb").test.texts[:2000]
    results: dict = {"corpus": {"name": "bbc_news (all splits)", "texts": len(corpus),
                                "megabytes": sum(len(t.encode()) for t in corpus) / 1e6}}

    # --- vocabulary training -------------------------------------------------------------------------
    ours_vocab: list[str] = []

    def train_ours():
        ours_vocab[:] = train_vocabulary(corpus, vocabulary_size=args.vocabulary_size)

    hub_vocab: list[str] = []

    def train_hub():
        hub_vocab[:] = keras_hub.tokenizers.compute_word_piece_vocabulary(
            tf.data.Dataset.from_tensor_slices(corpus).batch(1000), args.vocabulary_size, lowercase=True,
            strip_accents=True)

    ours_t = measure(train_ours, repeats=args.repeats, warmup=1)
    hub_t = measure(train_hub, repeats=args.peer_training_repeats, warmup=0)
    ours = WordPieceTokenizer(ours_vocab)
    hub = keras_hub.tokenizers.WordPieceTokenizer(vocabulary=hub_vocab, lowercase=True, strip_accents=True)
    words = sum(len(pre_tokenize(t)) for t in held_out)
    ours_ids = [i for t in held_out for i in ours.encode_ids(t)]
    hub_out = hub(tf.constant(held_out))
    hub_ids = [i for row in (hub_out.to_list() if hasattr(hub_out, "to_list") else hub_out) for i in row]
    hub_unk = hub_vocab.index("[UNK]")
    results["vocabulary_training"] = {
        "bertkeras_s": ours_t, "keras_hub_s": hub_t, "speedup": hub_t["median_s"] / ours_t["median_s"],
        "vocabulary_sizes": {"bertkeras": len(ours_vocab), "keras_hub": len(hub_vocab)},
        "held_out": "first 2,000 IMDB test reviews (seed 42 split)",
        "tokens_per_word": {"bertkeras": len(ours_ids) / words, "keras_hub": len(hub_ids) / words},
        "unk_share": {"bertkeras": ours_ids.count(ours.unk_id) / len(ours_ids),
                      "keras_hub": hub_ids.count(hub_unk) / len(hub_ids)},
    }
    print(json.dumps(results["vocabulary_training"], indent=1), flush=True)

    # --- encoding throughput (same vocabulary for everyone: ours) -------------------------------------
    texts = tf.constant(corpus)
    fast = FastWordPieceTokenizer(ours_vocab)
    fast_fn = tf.function(lambda x: fast.tokenize(x).flat_values)
    raw = tf_text.FastBertTokenizer(ours_vocab, token_out_type=tf.int32, lower_case_nfd_strip_accents=True)
    raw_fn = tf.function(lambda x: raw.tokenize(x).flat_values)
    hub_same = keras_hub.tokenizers.WordPieceTokenizer(vocabulary=ours_vocab, lowercase=True, strip_accents=True)
    n_tokens = int(fast_fn(texts).shape[0])
    timings = {
        "bertkeras_fast": measure(lambda: fast_fn(texts).numpy(), repeats=args.repeats),
        "tensorflow_text_FastBertTokenizer": measure(lambda: raw_fn(texts).numpy(), repeats=args.repeats),
        "keras_hub_WordPieceTokenizer": measure(lambda: hub_same(texts), repeats=args.repeats),  # eager, as documented
        "bertkeras_reference_python": measure(lambda: [ours.encode_ids(t) for t in corpus], repeats=args.repeats),
    }
    throughput = {k: n_tokens / v["median_s"] for k, v in timings.items()}
    results["encoding"] = {
        "tokens": n_tokens, "timings": timings, "tokens_per_s": throughput,
        "fast_vs_keras_hub": throughput["bertkeras_fast"] / throughput["keras_hub_WordPieceTokenizer"],
        "raw_tf_text_vs_fast": throughput["tensorflow_text_FastBertTokenizer"] / throughput["bertkeras_fast"],
    }
    print(json.dumps(results["encoding"], indent=1), flush=True)

    # --- peak memory of training on IMDB ----------------------------------------------------------------
    out = subprocess.run([sys.executable, "-m", "benchmarks.tokenizer", "--memory-worker"], capture_output=True,
                         text=True, check=True)
    results["imdb_training_memory"] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(results["imdb_training_memory"], indent=1), flush=True)
    path = write_results("tokenizer", results, notes=(
        "median of repeats after one warm-up (keras-hub vocabulary training: no warm-up, fewer repeats, "
        "about a minute per run); the fast tokenizer and tensorflow-text run inside tf.function on one "
        "batch of all texts; keras-hub's WordPieceTokenizer is called directly as its docs show"),
        summary=summarize(results))
    print("wrote", path)


if __name__ == "__main__":
    main()
