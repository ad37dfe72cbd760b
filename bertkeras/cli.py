"""bertkeras, learn BERT by building it: fetch the data, run the demo, pre-train, fine-tune, evaluate, predict.

Each sub-command lives next to the code it drives; this module only parses arguments, so
``bertkeras --help`` stays fast (TensorFlow is imported only by the command that needs it).
"""

from __future__ import annotations

import argparse
import sys


def _data_fetch(args: argparse.Namespace) -> int:
    from bertkeras import datasets

    return datasets.fetch_command(args.names)


def _pretrain(args: argparse.Namespace) -> int:
    from bertkeras.config import PRESETS

    if args.config is None and args.preset not in PRESETS:
        print(f"bertkeras pretrain: unknown preset {args.preset!r}; choose from {', '.join(PRESETS)} "
              f"or pass --config CONFIG.json", file=sys.stderr)
        return 2
    from bertkeras.pretraining import pretrain

    try:
        metrics = pretrain(
            args.out, preset=args.preset, config=args.config, corpus=args.corpus, steps=args.steps,
            batch_size=args.batch_size, max_sequence_length=args.max_length, vocabulary_size=args.vocabulary_size,
            vocab=args.vocab, learning_rate=args.learning_rate, warmup_steps=args.warmup_steps,
            checkpoint_every=args.checkpoint_every, keep=args.keep, resume=args.resume, seed=args.seed,
            use_nsp=not args.mlm_only, whole_word=args.whole_word, max_documents=args.max_documents,
            jit_compile={"auto": "auto", "on": True, "off": False}[args.jit_compile],
            verbose=args.verbose, command="bertkeras " + " ".join(sys.argv[1:]))
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        print(f"bertkeras pretrain: {error}", file=sys.stderr)
        return 2
    held, base = metrics["held_out"], metrics["baselines"]
    print(f"held-out MLM accuracy {held['mlm_accuracy']:.3f} (most-frequent-token baseline "
          f"{base['mlm_accuracy_most_frequent_token']:.3f})"
          + (f", NSP accuracy {held['nsp_accuracy']:.3f} (chance 0.5)" if "nsp_accuracy" in held else ""))
    print(f"model written to {args.out}/model  (load it with bertkeras.load_pretrained)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bertkeras", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = sub.add_parser("data", help="download or locate the course data sets")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = data_sub.add_parser("fetch", help="fetch data sets into the cache ahead of time")
    fetch.add_argument("names", nargs="*", default=["all"], help="data set names, or 'all' (default)")
    fetch.set_defaults(func=_data_fetch, needs_tensorflow=False)

    pre = sub.add_parser("pretrain", help="pre-train a BERT from scratch (MLM + NSP) with checkpoints",
                         description="Pre-train a BERT on raw text: trains a WordPiece vocabulary, builds NSP "
                         "pairs, masks dynamically, checkpoints atomically, resumes with --resume.")
    pre.add_argument("--out", required=True, help="run directory (checkpoints, logs, final model in OUT/model)")
    pre.add_argument("--preset", default="tiny", help="model size: tiny, mini, small, medium, base, large")
    pre.add_argument("--config", default=None, help="a BertConfig JSON file instead of a preset")
    pre.add_argument("--corpus", default="bbc,imdb",
                     help="comma-separated sources (bbc, imdb, wikitext) and/or text files (default: bbc,imdb)")
    pre.add_argument("--steps", type=int, default=1000, help="optimizer steps (a multiple of --checkpoint-every)")
    pre.add_argument("--batch-size", type=int, default=32)
    pre.add_argument("--max-length", type=int, default=128, help="tokens per packed pair")
    pre.add_argument("--vocabulary-size", type=int, default=16000, help="size of the trained vocabulary")
    pre.add_argument("--vocab", default=None, help="use this vocab.txt instead of training one")
    pre.add_argument("--learning-rate", type=float, default=5e-4, help="peak learning rate")
    pre.add_argument("--warmup-steps", type=int, default=None, help="default: 10%% of --steps")
    pre.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints")
    pre.add_argument("--keep", type=int, default=3, help="checkpoints to keep")
    pre.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    pre.add_argument("--seed", type=int, default=42)
    pre.add_argument("--mlm-only", action="store_true", help="no NSP head or loss (RoBERTa-style)")
    pre.add_argument("--whole-word", action="store_true", help="whole-word masking")
    pre.add_argument("--max-documents", type=int, default=None, help="at most this many documents per source")
    pre.add_argument("--jit-compile", default="auto", choices=("auto", "on", "off"),
                     help="XLA compilation: auto = on with a GPU; 'on' also speeds up a CPU run (~1.6x for tiny)")
    pre.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras progress output")
    pre.set_defaults(func=_pretrain)

    from bertkeras import demo, finetune_runs

    demo.add_command(sub)
    finetune_runs.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_tensorflow", True):
        from bertkeras import runtime

        try:  # now, quietly, rather than noisily or with a stack trace inside the command
            runtime.import_tensorflow()
        except runtime.TensorFlowMissingError as error:
            print(f"bertkeras {args.command}: {error}", file=sys.stderr)
            return 2
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
