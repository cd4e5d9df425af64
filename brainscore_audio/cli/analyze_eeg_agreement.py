"""``benchmark analyze metric-agreement``: do the eight metrics rank models alike?"""

from __future__ import annotations

import argparse

from tabulate import tabulate

from ..errors import UserError
from .analyze_eeg_common import write_output

NAME = "metric-agreement"
HELP = "rank correlations between the model rankings of the eight EEG metrics, and Kendall's W"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--scores", metavar="DIR", help="folder of score records (*.json)")
    source.add_argument("--leaderboard", metavar="FILE", help="a leaderboard JSON file")
    parser.add_argument("--dataset", help="only this data set (e.g. alice2019)")
    parser.add_argument("--output", metavar="FILE.json", help="also write the result as JSON")


def main(args: argparse.Namespace) -> int:
    from .. import leaderboard
    from ..eeg.agreement import agreement, collect

    if args.scores:
        records = leaderboard.read_scores(args.scores)
    else:
        board = leaderboard.load(args.leaderboard)
        records = [r for model in board.models.values() for r in model.scores.values()]
    tables = collect(records)
    if args.dataset:
        tables = {k: v for k, v in tables.items() if k == args.dataset}
    if not tables:
        raise UserError(f"{args.scores or args.leaderboard}: no records of EEG metric benchmarks "
                        "(<data set>.<metric>, e.g. alice2019.cka-linear)")
    out = {}
    for dataset, table in sorted(tables.items()):
        result = agreement(dataset, table)
        print(f"{dataset}: {len(result.models)} models scored by all of {len(result.metrics)} "
              f"metrics; Kendall's W = {result.w:.3f}")
        if len(result.models) < 3:
            print("  (rank correlations need at least 3 models)")
        print(tabulate([[m, *[f"{v:.2f}" for v in row]]
                        for m, row in zip(result.metrics, result.spearman, strict=True)],
                       headers=["Spearman", *result.metrics]))
        print("  note: rv and cka-linear are the same number on centred data (always rho = 1)")
        out[dataset] = {"metrics": result.metrics, "models": result.models,
                        "scores": result.scores.tolist(), "spearman": result.spearman.tolist(),
                        "kendalls_w": result.w}
    write_output(args.output, out)
    return 0
