"""``benchmark analyze eeg-permutation``: permutation (Mantel) tests per window, with FDR."""

from __future__ import annotations

import argparse

from tabulate import tabulate
from threadpoolctl import threadpool_limits

from ..errors import UserError
from .analyze_eeg_common import add_inputs, load_inputs, write_output

NAME = "eeg-permutation"
HELP = "permutation test (frame order shuffled) of an EEG benchmark per window, FDR over windows"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_inputs(parser)
    parser.add_argument("--permutations", type=int, default=500,
                        help="number of permutations (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--alpha", type=float, default=0.05, help="FDR level (default 0.05)")


def main(args: argparse.Namespace) -> int:
    from ..eeg.permutation import permutation_test

    if args.permutations < 1:
        raise UserError(f"--permutations must be >= 1, got {args.permutations}")
    inputs = load_inputs(args, ("default",), "the permutation test")
    benchmark = inputs.benchmark
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices (see eeg/benchmark.py)
        tests = permutation_test(benchmark.metric, inputs.model_side, benchmark.dataset,
                                 inputs.layer, benchmark.windows, args.permutations, args.seed)
    rows = [[t.window.name, f"{t.window.start_ms:g}-{t.window.end_ms:g}", t.n_sentences,
             f"{t.observed:.4f}", f"{t.null_mean:.4f}", f"{t.p:.4f}", f"{t.q:.4f}",
             "*" if t.q <= args.alpha else ""] for t in tests]
    print(f"{benchmark.identifier}, model {inputs.activations.model_id or args.activations}, "
          f"layer {inputs.layer}: {args.permutations} permutations (seed {args.seed})")
    print(tabulate(rows, headers=["window", "ms", "sentences", "observed", "null mean", "p",
                                  "q (FDR)", f"q<={args.alpha}"]))
    write_output(args.output, {
        "benchmark": benchmark.identifier, "layer": inputs.layer,
        "model": inputs.activations.model_id, "permutations": args.permutations,
        "seed": args.seed, "p_value": "(count(null >= observed) + 1) / (n + 1)",
        "correction": "Benjamini-Hochberg over windows",
        "windows": [{"window": t.window.name, "start_ms": t.window.start_ms,
                     "end_ms": t.window.end_ms, "observed": t.observed, "p": t.p, "q": t.q,
                     "null_mean": t.null_mean, "null_std": t.null_std,
                     "n_sentences": t.n_sentences} for t in tests]})
    return 0
