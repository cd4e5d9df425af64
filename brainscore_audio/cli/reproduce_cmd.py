"""``benchmark reproduce STUDY``: run a published study from its recipe and compare with the
paper (docs/reproduce.md)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from .. import registry, settings
from ..errors import UserError
from ..extraction import DEFAULT_BATCH_SIZE
from .common import add_cache_options, add_data_options, add_device_option
from .executor_options import add_executor_options, executor_name, make_executor
from .output_paths import check_output_dir


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce", help="run a published study from its recipe and compare with the paper",
        description="Fetch the study's data (or say how), score every model of the study the "
                    "project can load on its benchmarks and tasks, build a leaderboard, run its "
                    "analyses and write a report: each published number beside ours. STUDY is "
                    "a registered study (`benchmark reproduce --list`) or a recipe file.")
    parser.add_argument("study", nargs="?", help="study id (e.g. pepino2025) or recipe.yaml")
    parser.add_argument("--list", action="store_true", help="list the registered studies")
    parser.add_argument("--output", metavar="DIR",
                        help="folder for scores, leaderboard and report (default "
                             "./reproduce-<study>)")
    parser.add_argument("--model", nargs="+", metavar="ID",
                        help="run these model ids instead of every loadable model of the study "
                             "(ids outside the study are scored and listed as extra)")
    parser.add_argument("--no-fetch", action="store_true",
                        help="do not download missing data sets; say how to get each")
    parser.add_argument("--skip-missing", action="store_true",
                        help="run the benchmarks whose data is present, skip the others")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"clips per embed call (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--force", action="store_true", help="recompute existing records")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser)
    add_data_options(parser)
    add_cache_options(parser)
    add_executor_options(parser)
    parser.set_defaults(handler=main)


def load_study(study: str):
    """A registered study's recipe, or a recipe file's."""
    from ..reproduce.recipe import load_recipe

    if study.endswith((".yaml", ".yml")) or Path(study).is_file():
        return load_recipe(study)
    return registry.studies.make(study)


def main(args: argparse.Namespace) -> int:
    from ..reproduce.report import counts
    from ..reproduce.run import RunRequest, reproduce

    if args.list or not args.study:
        for study in registry.studies.ids():
            print(f"{study:14s} {registry.studies.make(study).title}")
        return 0
    if args.job_script:
        raise UserError("--job-script belongs to `benchmark run`; reproduce starts the jobs "
                        "itself")
    executor = executor_name(args)
    if args.batch_size is not None and args.batch_size < 1:
        raise UserError(f"--batch-size must be >= 1, got {args.batch_size}")
    recipe = load_study(args.study)
    data_dir = settings.data_dir(args.data_dir)
    output = check_output_dir(args.output or f"reproduce-{recipe.study}")
    request = RunRequest(
        output=output, data_dir=data_dir, cache_dir=args.cache_dir, device=args.device,
        batch_size=args.batch_size or DEFAULT_BATCH_SIZE, fetch=not args.no_fetch,
        skip_missing=args.skip_missing, resume=args.resume, force=args.force,
        progress=not args.quiet, models=args.model,
        command="benchmark " + " ".join(shlex.quote(a) for a in args.argv))
    from ..devices import check_device, check_device_name

    (check_device if executor in ("local", "dask-local") else check_device_name)(args.device)
    request.executor = make_executor(args, executor, args.device, str(data_dir), args.cache_dir)
    path, report = reproduce(recipe, request)
    tally = counts(report.comparisons)
    print(f"{recipe.study}: {len(report.comparisons)} published numbers: {tally['within']} within "
          f"tolerance, {tally['outside']} outside, {tally['not computed']} not computed")
    print(f"report: {path}")
    return 0
