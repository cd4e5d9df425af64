"""Plans of extraction and scoring jobs, and the executors that run them.

- :mod:`.plan`: :func:`build_plan` turns models x benchmarks into jobs with dependencies and
  states (``pending``, ``running``, ``done``, ``exists``, ``failed``, ``skipped``); the plan file.
- :mod:`.jobs`: the two job functions (extract, score) every executor runs.
- :mod:`.driver`: :func:`execute` runs a plan on an executor (dependencies, failures, plan file).
- :mod:`.local`: :class:`LocalExecutor`, in-process (the default).
- :mod:`.dask_executor`: :class:`DaskExecutor` on a Dask cluster (scheduler address,
  ``LocalCluster``, or dask-jobqueue); :mod:`.slurm`: the SLURM recipe.
- :mod:`.progress`: the live view of a plan and its summary table.

Dask is imported only when a Dask executor is made (the ``dask`` extra).
"""

from .driver import execute
from .local import LocalExecutor
from .plan import PLAN_FILE, JobSpec, JobState, Plan, RunSettings, build_plan, read_plan_file

__all__ = ["PLAN_FILE", "JobSpec", "JobState", "LocalExecutor", "Plan", "RunSettings",
           "build_plan", "execute", "read_plan_file"]
