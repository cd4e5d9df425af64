"""The SLURM recipe: Dask workers as SLURM batch jobs, through dask-jobqueue.

Each SLURM job runs one Dask worker process with ``cores`` threads and ``memory``; with
``gpus=1`` it asks SLURM for a GPU (``--gres=gpu:1``) and the worker declares the Dask resource
``GPU=1``, so extraction jobs with ``--device cuda`` go there. The worker's environment exports
the shared cache and data folders (``BRAINSCORE_AUDIO_CACHE`` / ``BRAINSCORE_AUDIO_DATA``).
The scheduler runs inside ``benchmark run`` (on the login node); workers connect back to it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ..errors import UserError
from ..optional import require
from .dask_executor import GPU


@dataclass
class SlurmOptions:
    """What each SLURM job asks for (the CLI's ``--queue --cores --memory --walltime --gpus
    --jobs --account --interface --job-extra``).

    Attributes:
        queue: partition (``#SBATCH -p``); ``None``: the cluster's default.
        account: account to charge (``#SBATCH -A``).
        cores: CPU cores per job (also the worker's threads).
        memory: memory per job, e.g. ``"32GB"``.
        walltime: ``HH:MM:SS`` per job.
        gpus: 0 or 1 GPU per job (scale GPUs out with ``jobs``).
        jobs: number of SLURM jobs (= workers) to submit.
        interface: network interface workers and scheduler talk over (e.g. ``ib0``).
        job_extra: further ``#SBATCH`` options, e.g. ``["--constraint=a100"]``.
    """

    queue: str | None = None
    account: str | None = None
    cores: int = 4
    memory: str = "16GB"
    walltime: str = "02:00:00"
    gpus: int = 0
    jobs: int = 1
    interface: str | None = None
    job_extra: list[str] = field(default_factory=list)

    def check(self) -> None:
        """One-line errors for impossible values."""
        if self.cores < 1:
            raise UserError(f"--cores must be >= 1, got {self.cores}")
        if self.jobs < 1:
            raise UserError(f"--jobs must be >= 1, got {self.jobs}")
        if self.gpus not in (0, 1):
            raise UserError(f"--gpus must be 0 or 1 (one GPU per SLURM job; add GPUs with "
                            f"--jobs), got {self.gpus}")
        parts = self.walltime.split(":")
        if not (len(parts) in (2, 3) and all(p.isdigit() for p in parts)):
            raise UserError(f"--walltime must be HH:MM:SS, got {self.walltime!r}")


def slurm_cluster(options: SlurmOptions, env: dict[str, str]):
    """A dask-jobqueue ``SLURMCluster`` for ``options`` (no job submitted until ``scale``).

    Args:
        env: variables exported in every job before the worker starts (shared folders).
    """
    SLURMCluster = require("dask_jobqueue", "--cluster slurm").SLURMCluster
    options.check()
    directives = list(options.job_extra)
    worker_args: list[str] = []
    if options.gpus:
        directives.append(f"--gres=gpu:{options.gpus}")
        worker_args += ["--resources", f"{GPU}={options.gpus}"]
    prologue = [f"export {name}={shlex.quote(value)}" for name, value in sorted(env.items())]
    prologue.append("export TQDM_DISABLE=1")
    return SLURMCluster(
        queue=options.queue, account=options.account, cores=options.cores, processes=1,
        memory=options.memory, walltime=options.walltime, interface=options.interface,
        job_name="brainscore-audio", job_extra_directives=directives,
        worker_extra_args=worker_args, job_script_prologue=prologue)


def job_script(options: SlurmOptions, env: dict[str, str]) -> str:
    """The batch script each SLURM job would run (nothing is submitted)."""
    cluster = slurm_cluster(options, env)
    try:
        return cluster.job_script()
    finally:
        cluster.close()
