"""Wall time of one plan on the in-process executor and on a Dask LocalCluster.

The plan is the issue's done criterion: logmel and random-cnn on demo.voxel-ridge and demo.rsa
(2 extraction jobs, 4 scoring jobs), each run with an empty activation cache and output folder.
All runs happen in this process, after a warm-up run that imports every plugin:

1. local: the default in-process executor;
2. dask-local cold: `--executor dask-local --workers N` as the CLI does it (cluster start-up and
   the workers' imports included);
3. dask warm: the same cluster kept running, after one warm-up plan (steady-state throughput).

Usage: python perf/scale_out.py [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ["TQDM_DISABLE"] = "1"  # before tqdm is imported (it reads the variable then)

from brainscore_audio.executors.dask_executor import DaskExecutor  # noqa: E402
from brainscore_audio.runner import run_models  # noqa: E402

MODELS = ["logmel", "random-cnn"]
BENCHMARKS = ["demo.voxel-ridge", "demo.rsa"]


def timed_plan(work: Path, executor=None) -> float:
    """Seconds to run the plan into fresh folders under ``work``."""
    folder = Path(tempfile.mkdtemp(dir=work))
    start = time.perf_counter()
    outcomes = run_models(MODELS, BENCHMARKS, folder / "out", cache_dir=folder / "cache",
                          progress=False, log=lambda _: None, executor=executor, keep_going=True)
    seconds = time.perf_counter() - start
    assert all(o.status == "scored" for o in outcomes), outcomes
    return seconds


class Reusable(DaskExecutor):
    """A DaskExecutor whose close() keeps the cluster for the next plan."""

    def close(self) -> None:
        self._futures.clear()
        self.client.unsubscribe_topic("brainscore-audio-job-started")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scale-out-perf-"))
    try:
        timed_plan(work)  # warm-up: imports and plugin discovery in this process
        local = min(timed_plan(work) for _ in range(args.repeats))
        cold = timed_plan(work, DaskExecutor.local(args.workers))
        keeper = DaskExecutor.local(args.workers)
        try:
            timed_plan(work, Reusable(keeper.client))  # warm-up of the workers
            warm = min(timed_plan(work, Reusable(keeper.client)) for _ in range(args.repeats))
        finally:
            keeper.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"plan: {' '.join(MODELS)} x {' '.join(BENCHMARKS)} (2 extractions, 4 scores); "
          f"{os.cpu_count()} CPU cores")
    print(f"local (in-process)                      {local:6.2f} s   1.00x")
    print(f"dask-local --workers {args.workers}, cold (start-up)  {cold:6.2f} s   "
          f"{local / cold:.2f}x")
    print(f"dask, {args.workers} warm workers                    {warm:6.2f} s   "
          f"{local / warm:.2f}x")


if __name__ == "__main__":
    main()
