"""``benchmark demo``: every built-in model on every embedded benchmark, then the table."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import leaderboard, registry
from ..runner import run_models
from .common import add_cache_options, add_device_option


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="score the built-in models on the embedded demo and print the leaderboard",
        description="Runs every model tagged 'builtin' on every benchmark tagged 'embedded' "
                    "(no download), builds a leaderboard and prints it.")
    parser.add_argument("--output", default="demo-output", metavar="DIR",
                        help="folder for records and leaderboard.json (default: ./demo-output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser)
    add_cache_options(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    output = Path(args.output)
    run_models(registry.models.ids(tag="builtin"), registry.benchmarks.ids(tag="embedded"),
               output / "scores", None, args.cache_dir, args.device, progress=not args.quiet)
    board_path = output / "leaderboard.json"
    base = leaderboard.load(board_path) if board_path.is_file() else None
    board = leaderboard.build(leaderboard.read_scores(output / "scores"), base)
    leaderboard.save(board, board_path)
    print()
    print(leaderboard.table(board))
    print(f"\nrecords: {output / 'scores'}   leaderboard: {board_path}")
    return 0
