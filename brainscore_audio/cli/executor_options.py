"""``benchmark run`` options that choose where jobs run (docs/scale-out.md)."""

from __future__ import annotations

import argparse

from .. import settings
from ..errors import UserError

EXECUTORS = ("local", "dask", "dask-local")


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "scale-out", "where jobs run (see docs/scale-out.md); the cache, data and output folders "
        "must be shared by every worker")
    group.add_argument("--executor", choices=EXECUTORS, default=None,
                       help="local: in this process (default); dask: a running Dask scheduler "
                            "(--scheduler) or a --cluster; dask-local: a LocalCluster of "
                            "--workers processes on this machine")
    group.add_argument("--workers", type=int, metavar="N",
                       help="worker processes of --executor dask-local (default 2)")
    group.add_argument("--scheduler", metavar="ADDR",
                       help="Dask scheduler address for --executor dask, e.g. tcp://host:8786")
    group.add_argument("--cluster", choices=("slurm",),
                       help="start Dask workers as batch jobs (dask-jobqueue); implies "
                            "--executor dask")
    group.add_argument("--resume", action="store_true",
                       help="continue the plan saved in --output (its models, benchmarks and "
                            "settings); finished jobs are not rerun, failed ones are retried")
    slurm = parser.add_argument_group("--cluster slurm", "what each SLURM job asks for")
    slurm.add_argument("--queue", metavar="NAME", help="partition (#SBATCH -p)")
    slurm.add_argument("--account", metavar="NAME", help="account (#SBATCH -A)")
    slurm.add_argument("--cores", type=int, metavar="N", help="cores per job (default 4)")
    slurm.add_argument("--memory", metavar="SIZE", help="memory per job (default 16GB)")
    slurm.add_argument("--walltime", metavar="HH:MM:SS", help="per job (default 02:00:00)")
    slurm.add_argument("--gpus", type=int, metavar="N", help="GPUs per job: 0 or 1 (default 0)")
    slurm.add_argument("--jobs", type=int, metavar="N", help="number of SLURM jobs (default 1)")
    slurm.add_argument("--interface", metavar="NAME",
                       help="network interface for scheduler and workers, e.g. ib0")
    slurm.add_argument("--job-extra", action="append", metavar="OPTION", default=[],
                       help="one more #SBATCH option (repeatable), e.g. "
                            "--job-extra=--constraint=a100")
    slurm.add_argument("--job-script", action="store_true",
                       help="print the SLURM job script and exit (nothing is submitted)")


SLURM_FLAGS = ("queue", "account", "cores", "memory", "walltime", "gpus", "jobs", "interface",
               "job_extra", "job_script")


def executor_name(args: argparse.Namespace) -> str:
    """The executor the options ask for; one-line errors for options that do not fit it."""
    name = args.executor or ("dask" if args.cluster else "local")
    if args.cluster and name != "dask":
        raise UserError(f"--cluster {args.cluster} runs on Dask; use it with --executor dask "
                        f"(not {name})")
    if args.workers is not None and name != "dask-local":
        raise UserError("--workers sets the processes of --executor dask-local")
    if args.scheduler and name != "dask":
        raise UserError("--scheduler is the address for --executor dask")
    if args.scheduler and args.cluster:
        raise UserError("give either --scheduler (a running cluster) or --cluster (start one)")
    if name == "dask" and not (args.scheduler or args.cluster or getattr(args, "job_script", False)):
        raise UserError("--executor dask needs --scheduler tcp://HOST:PORT or --cluster slurm "
                        "(or use --executor dask-local --workers N)")
    given = [flag for flag in SLURM_FLAGS if getattr(args, flag) not in (None, [], False)]
    if given and not args.cluster:
        raise UserError(f"--{given[0].replace('_', '-')} is an option of --cluster slurm")
    return name


def slurm_options(args: argparse.Namespace):
    from ..executors.slurm import SlurmOptions

    defaults = SlurmOptions()
    options = SlurmOptions(
        queue=args.queue, account=args.account, cores=args.cores or defaults.cores,
        memory=args.memory or defaults.memory, walltime=args.walltime or defaults.walltime,
        gpus=defaults.gpus if args.gpus is None else args.gpus,
        jobs=defaults.jobs if args.jobs is None else args.jobs, interface=args.interface,
        job_extra=list(args.job_extra))
    options.check()
    return options


def worker_environment(data_dir: str | None, cache_dir: str | None) -> dict[str, str]:
    """The shared folders, as this machine resolves them, for batch-job workers."""
    return {settings.DATA_ENV: str(settings.data_dir(data_dir).absolute()),
            settings.CACHE_ENV: str(settings.cache_dir(cache_dir).absolute())}


def make_executor(args: argparse.Namespace, name: str, device: str, data_dir: str | None,
                  cache_dir: str | None):
    """The executor object for ``name`` (``None`` for local: run_models' default)."""
    if name == "local":
        return None
    from ..optional import require

    require("dask.distributed", f"--executor {name}")
    from ..executors.dask_executor import DaskExecutor
    if name == "dask-local":
        return DaskExecutor.local(2 if args.workers is None else args.workers, device)
    if args.scheduler:
        return DaskExecutor.connect(args.scheduler)
    from ..executors.slurm import slurm_cluster

    options = slurm_options(args)
    cluster = slurm_cluster(options, worker_environment(data_dir, cache_dir))
    cluster.scale(jobs=options.jobs)
    return DaskExecutor.from_cluster(cluster)
