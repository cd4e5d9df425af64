"""``benchmark run``: score models (or precomputed activations) on benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path

from tabulate import tabulate

from .. import registry
from ..devices import check_device, check_device_name
from ..errors import UserError
from ..extraction import DEFAULT_BATCH_SIZE
from ..precomputed import run_precomputed
from ..runner import run_models
from .common import add_cache_options, add_data_options, add_device_option
from .executor_options import add_executor_options, executor_name, make_executor
from .output_paths import check_output_dir


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="score models on benchmarks, writing one JSON record per pair",
        description="Score models (or an .npz of precomputed activations) on benchmarks. "
                    "Without --benchmark, every embedded benchmark (no download) runs.")
    source = parser.add_mutually_exclusive_group()  # one of them, or --resume
    source.add_argument("--model", nargs="+", metavar="ID", help="model id(s)")
    source.add_argument("--activations", metavar="FILE.npz",
                        help="precomputed activations: 'stimulus_ids' + one array per layer")
    parser.add_argument("--benchmark", nargs="+", metavar="ID", help="benchmark id(s)")
    parser.add_argument("--task-dir", nargs="+", metavar="DIR",
                        help="HEAR-format task folder(s), scored as benchmark task:<task_name> "
                             "(with --model)")
    parser.add_argument("--task", nargs="+", metavar="SOURCE",
                        help="your own labelled audio as a downstream task, scored with the "
                             "probe: hf:<dataset>[:<config>[:<split>]] or an audiofolder "
                             "(see benchmark extract --help)")
    parser.add_argument("--label-column", default="label", metavar="NAME",
                        help="--task: the column holding each clip's label (default: label)")
    parser.add_argument("--folds", type=int, metavar="K",
                        help="--task: k-fold over every clip instead of the dataset's train, "
                             "validation and test splits")
    parser.add_argument("--stimulus-set", metavar="ID",
                        help="stimulus set of --activations (with --benchmark)")
    parser.add_argument("--model-id", metavar="ID",
                        help="name for --activations in records (default precomputed:<stem>)")
    parser.add_argument("--output", default="scores", metavar="DIR",
                        help="folder for the score records (default: ./scores)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"clips per embed call (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--force", action="store_true",
                        help="recompute records that already exist")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser)
    add_data_options(parser)
    add_cache_options(parser)
    add_executor_options(parser)
    parser.set_defaults(handler=main, device=None)  # device None: not given (cpu, or the plan's)


def main(args: argparse.Namespace) -> int:
    executor = executor_name(args)
    check_output_dir(args.output)
    if args.job_script:
        if not args.cluster:
            raise UserError("--job-script prints the job script of --cluster slurm")
        return _print_job_script(args)
    if args.resume:
        return _resume(args, executor)
    if not args.model and not args.activations:
        raise UserError("one of --model, --activations or --resume is required")
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
    if args.task:
        from ..downstream import source_task_id

        benchmark_ids += [source_task_id(source, args.label_column, args.folds)
                          for source in args.task]
    elif args.folds is not None or args.label_column != "label":
        raise UserError("--label-column and --folds are options of --task")
    benchmark_ids = benchmark_ids or registry.benchmarks.ids(tag="embedded")
    if args.batch_size is not None and args.batch_size < 1:
        raise UserError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.activations:
        if executor != "local":
            raise UserError("--activations is scored in this process; drop --executor")
        if not args.stimulus_set and not args.task:
            raise UserError("--activations needs --stimulus-set ID (the stimuli it was "
                            "extracted from) or --task SOURCE")
        if args.stimulus_set and args.task:
            raise UserError("--activations: give --stimulus-set (with --benchmark) or --task, "
                            "not both")
        outcomes = run_precomputed(args.activations, args.stimulus_set, benchmark_ids,
                                   Path(args.output), args.data_dir, args.model_id)
        _print_outcomes(outcomes)
        return 0
    return _run_plan(args, executor, args.model, benchmark_ids, args.data_dir, args.cache_dir,
                     args.device or "cpu", args.batch_size or DEFAULT_BATCH_SIZE, args.force)


def _run_plan(args, executor: str, model_ids, benchmark_ids, data_dir, cache_dir, device: str,
              batch_size: int, force: bool, resume: bool = False) -> int:
    """Score models on benchmarks on the chosen executor; failed jobs end in one error line
    after the others finished."""
    from ..executors import read_plan_file
    from ..executors.plan import plan_path
    from ..executors.progress import status_line

    # Unknown ids and devices fail before a cluster starts (on this machine for local workers;
    # remote workers check that they see a GPU themselves).
    (check_device if executor in ("local", "dask-local") else check_device_name)(device)
    for model_id in model_ids:
        registry.models.entry(model_id)
    for benchmark_id in benchmark_ids:
        registry.benchmarks.entry(benchmark_id)
    runner_executor = make_executor(args, executor, device, data_dir, cache_dir)
    outcomes = run_models(model_ids, benchmark_ids, Path(args.output), data_dir, cache_dir, device,
                          batch_size, force, progress=not args.quiet, executor=runner_executor,
                          keep_going=True, resume=resume)
    _print_outcomes(outcomes)
    saved = read_plan_file(args.output)
    print(f"plan: {len(saved['jobs'])} jobs, {status_line(saved['counts'])} "
          f"({plan_path(args.output)})")
    failed = [job for job in saved["jobs"] if job["state"] == "failed"]
    if failed:
        raise UserError(f"{len(failed)} of {len(saved['jobs'])} jobs failed, the others finished; "
                        f"first: {failed[0]['id']}: {failed[0]['message']} (fix it and rerun "
                        f"with --resume)")
    return 0


def _resume(args: argparse.Namespace, executor: str) -> int:
    """``--resume``: the saved plan's models, benchmarks and settings, on any executor."""
    from ..executors import read_plan_file

    given = [flag for flag, value in (
        ("--model", args.model), ("--activations", args.activations),
        ("--benchmark", args.benchmark), ("--task-dir", args.task_dir), ("--task", args.task),
        ("--data-dir", args.data_dir), ("--cache-dir", args.cache_dir),
        ("--device", args.device), ("--batch-size", args.batch_size), ("--force", args.force))
        if value]
    if given:
        raise UserError(f"--resume continues the plan saved in {args.output} with its own models, "
                        f"benchmarks and settings; drop {', '.join(given)}")
    saved = read_plan_file(args.output)
    run = saved["settings"]
    return _run_plan(args, executor, saved["models"], saved["benchmarks"], run["data_dir"],
                     run["cache_dir"], run["device"], run["batch_size"], run["force"],
                     resume=True)


def _print_job_script(args: argparse.Namespace) -> int:
    from ..executors.slurm import job_script
    from .executor_options import slurm_options, worker_environment

    print(job_script(slurm_options(args), worker_environment(args.data_dir, args.cache_dir)))
    return 0


def _print_outcomes(outcomes) -> None:
    notes = any(o.message and o.message != "record exists" for o in outcomes)
    rows = []
    for o in outcomes:
        row = [o.model_id, o.benchmark_id, o.status, "-" if o.raw is None else f"{o.raw:.3f}",
               o.path or "-"]
        rows.append(row + ([o.message if o.message != "record exists" else ""] if notes else []))
    print(tabulate(rows, headers=["model", "benchmark", "status", "raw", "record"]
                   + (["note"] if notes else []), disable_numparse=True))  # keep 3 decimals
