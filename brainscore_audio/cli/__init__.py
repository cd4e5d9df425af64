"""The ``benchmark`` command line. One module per subcommand; each has ``add_parser`` and
``main``. A :class:`~brainscore_audio.errors.UserError` prints as one line (exit status 2)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import progress
from ..errors import UserError
from . import (
    analyze_cmd,
    cite_cmd,
    demo_cmd,
    fetch_cmd,
    leaderboard_cmd,
    list_cmd,
    plot_cmd,
    run_cmd,
    validate_cmd,
)

SUBCOMMANDS = [list_cmd, run_cmd, demo_cmd, fetch_cmd, leaderboard_cmd, validate_cmd, analyze_cmd,
               plot_cmd, cite_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmark",
        description="Score audio models on brain and downstream benchmarks (brainscore-audio).")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "quiet", False):
        progress.set_quiet(True)
        os.environ["TQDM_DISABLE"] = "1"  # for worker processes started from this one
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; run the same command again to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
