"""The ``bertkeras`` command line: ``data fetch``, ``demo`` and, as they land, ``pretrain``,
``finetune`` and ``evaluate``.

Each sub-command lives next to the code it drives; this module only parses arguments, so
``bertkeras --help`` stays fast (TensorFlow is imported only by the command that needs it).
"""

from __future__ import annotations

import argparse
import sys


def _data_fetch(args: argparse.Namespace) -> int:
    from bertkeras import datasets

    return datasets.fetch_command(args.names)


def _demo(args: argparse.Namespace) -> int:
    print(
        "bertkeras demo: the fine-tuning demo (pretrained tiny BERT -> SMS spam filter) is not built yet.\n"
        "Until it lands, run the notebooks in notebooks/ (see README.md) or `make test`.",
        file=sys.stderr,
    )
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bertkeras", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = sub.add_parser("data", help="download or locate the course data sets")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = data_sub.add_parser("fetch", help="fetch data sets into the cache ahead of time")
    fetch.add_argument("names", nargs="*", default=["all"], help="data set names, or 'all' (default)")
    fetch.set_defaults(func=_data_fetch)

    demo = sub.add_parser("demo", help="the main job: fine-tune the shipped tiny BERT on SMS spam")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
