"""The ``bertkeras`` command line: course plumbing, off the learner's path.

``cli`` (the argument parser and ``data fetch`` / ``pretrain``; it imports nothing heavy, so
``bertkeras --help`` is fast), ``demo`` (``bertkeras demo``), ``finetune_runs`` (``finetune``, ``evaluate``,
``predict``: one run directory each) and ``search_runs`` (``finetune --search``). Nothing in the library
imports this package.
"""
