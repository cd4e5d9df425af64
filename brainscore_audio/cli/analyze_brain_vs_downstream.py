"""``benchmark analyze brain-vs-downstream LEADERBOARD``: Pearson r between the downstream
overall and each brain score across the leaderboard's models (Pepino et al. 2025)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "brain-vs-downstream"
HELP = "correlate the z-scored downstream overall with each brain score across models"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("leaderboard", nargs="?", default="leaderboard/leaderboard.json",
                        help="leaderboard file (default leaderboard/leaderboard.json)")
    parser.add_argument("--suite", default="hear",
                        help="downstream suite: hear (the paper's six tasks) or mini (default hear)")
    parser.add_argument("--threshold", type=float, default=-0.75,
                        help="also correlate over models with overall above this (default -0.75)")
    parser.add_argument("--plot", default="brain-vs-downstream.png", metavar="FILE.png",
                        help="scatter plots (default ./brain-vs-downstream.png)")
    parser.add_argument("--no-plot", action="store_true", help="print the tables only")


def main(args: argparse.Namespace) -> int:
    from .. import leaderboard
    from ..downstream.analysis import analyse, plot, tables

    result = analyse(leaderboard.load(args.leaderboard), args.suite, args.threshold)
    print(tables(result))
    if not args.no_plot:
        print(f"\nplot: {plot(result, Path(args.plot))}")
    return 0
