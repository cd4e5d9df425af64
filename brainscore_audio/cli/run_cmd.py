"""``benchmark run``: score models (or precomputed activations) on benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path

from tabulate import tabulate

from .. import registry
from ..errors import UserError
from ..extraction import DEFAULT_BATCH_SIZE
from ..runner import run_models, run_precomputed
from .common import add_cache_options, add_data_options, add_device_option


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="score models on benchmarks, writing one JSON record per pair",
        description="Score models (or an .npz of precomputed activations) on benchmarks. "
                    "Without --benchmark, every embedded benchmark (no download) runs.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", nargs="+", metavar="ID", help="model id(s)")
    source.add_argument("--activations", metavar="FILE.npz",
                        help="precomputed activations: 'stimulus_ids' + one array per layer")
    parser.add_argument("--benchmark", nargs="+", metavar="ID", help="benchmark id(s)")
    parser.add_argument("--task-dir", nargs="+", metavar="DIR",
                        help="HEAR-format task folder(s), scored as benchmark task:<task_name> "
                             "(with --model)")
    parser.add_argument("--stimulus-set", metavar="ID",
                        help="stimulus set of --activations (required with it)")
    parser.add_argument("--model-id", metavar="ID",
                        help="name for --activations in records (default precomputed:<stem>)")
    parser.add_argument("--output", default="scores", metavar="DIR",
                        help="folder for the score records (default: ./scores)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--force", action="store_true",
                        help="recompute records that already exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser)
    add_data_options(parser)
    add_cache_options(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    benchmark_ids = list(args.benchmark or [])
    if args.task_dir:
        if args.activations:
            raise UserError("--task-dir works with --model (activations are extracted from the "
                            "task's audio)")
        from ..downstream import TASK_PREFIX, load_task

        names = [load_task(d, check_audio=False).name for d in args.task_dir]
        if len(set(names)) != len(names):
            raise UserError(f"--task-dir: two folders have the same task_name ({', '.join(names)}); "
                            "records would overwrite each other, so score them in separate runs")
        benchmark_ids += [TASK_PREFIX + str(Path(d).resolve()) for d in args.task_dir]
    benchmark_ids = benchmark_ids or registry.benchmarks.ids(tag="embedded")
    if args.batch_size < 1:
        raise UserError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.activations:
        if not args.stimulus_set:
            raise UserError("--activations needs --stimulus-set ID (the stimuli it was "
                            "extracted from)")
        outcomes = run_precomputed(args.activations, args.stimulus_set, benchmark_ids,
                                   Path(args.output), args.data_dir, args.model_id)
    else:
        outcomes = run_models(args.model, benchmark_ids, Path(args.output), args.data_dir,
                              args.cache_dir, args.device, args.batch_size, args.force,
                              progress=not args.quiet)
    print(tabulate([[o.model_id, o.benchmark_id, o.status,
                     "-" if o.raw is None else f"{o.raw:.4f}", o.path] for o in outcomes],
                   headers=["model", "benchmark", "status", "raw", "record"]))
    return 0
