"""The Dask executor on a LocalCluster of two worker processes on 127.0.0.1: the same records as
the in-process executor, failures reported, two workers on one job, a worker killed mid-plan."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import dask
import executor_plugins
import numpy as np
import pytest
from distributed import Client, LocalCluster

from brainscore_audio import runner
from brainscore_audio.cache import ActivationCache
from brainscore_audio.cli import main
from brainscore_audio.executors import RunSettings, build_plan, read_plan_file
from brainscore_audio.executors.dask_executor import DaskExecutor, run_on_worker
from brainscore_audio.records import read_record

MODELS = ["logmel", "random-cnn", "test-sleepy"]
BENCHMARKS = ["demo.voxel-ridge", "demo.rsa"]
# Provenance that differs between any two runs: when, how long, and the checkout's commit as each
# process saw it (other work may commit between two processes' lookups).
VOLATILE = ("timestamp", "wall_time_s", "extraction_time_s", "git_commit")


def quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def plugins():
    yield executor_plugins.install()  # before the workers start: they inherit sys.path
    executor_plugins.uninstall()


@pytest.fixture(scope="module")
def client(plugins):
    # A lost worker fails its job at once (no silent retry), and each worker holds one task at a
    # time, so killing one worker touches exactly the job it runs.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=":0")
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def reference(plugins, tmp_path_factory):
    """Records of MODELS x BENCHMARKS from the in-process executor, and its cache."""
    root = tmp_path_factory.mktemp("reference")
    runner.run_models(MODELS, BENCHMARKS, root / "out", cache_dir=root / "cache", progress=False,
                      log=quiet)
    return root


def assert_same_records(ours: Path, theirs: Path, models: list[str]) -> None:
    for model in models:
        for benchmark in BENCHMARKS:
            a, b = (json.loads(next(d.glob(f"{model}__v*__{benchmark}.json")).read_text())
                    for d in (ours, theirs))
            for record in (a, b):
                for key in VOLATILE:
                    record["provenance"].pop(key)
            assert a == b, (model, benchmark)
            with np.load(ours / a["artefacts"]["layer_names"]) as x, \
                    np.load(theirs / b["artefacts"]["layer_names"]) as y:
                assert sorted(x) == sorted(y)
                for name in x:
                    np.testing.assert_array_equal(x[name], y[name])


@pytest.mark.slow
def test_dask_workers_write_the_records_of_the_local_executor(client, reference, tmp_path):
    executor = DaskExecutor(client)  # not owned: the fixture's client stays open
    started = []
    original_start = executor.start
    executor.start = lambda plan, on_start: original_start(
        plan, lambda job, worker: (started.append(worker), on_start(job, worker)))
    outcomes = runner.run_models(MODELS + ["test-broken"], BENCHMARKS, tmp_path / "out",
                                 cache_dir=tmp_path / "cache", progress=False, log=quiet,
                                 executor=executor, keep_going=True)
    status = {(o.model_id, o.benchmark_id): o.status for o in outcomes}
    assert all(status[(m, b)] == "scored" for m in MODELS for b in BENCHMARKS)
    assert {status[("test-broken", b)] for b in BENCHMARKS} == {"skipped"}
    assert_same_records(tmp_path / "out", reference / "out", MODELS)
    jobs = read_plan_file(tmp_path / "out")["jobs"]
    (failed,) = [j for j in jobs if j["state"] == "failed"]
    assert failed["id"].startswith("extract test-broken") and "broken on purpose" in failed["message"]
    pids = {int(j["worker"].rsplit(":", 1)[1]) for j in jobs if j["state"] == "done"}
    assert len(pids) == 2 and os.getpid() not in pids  # both worker processes, not this one
    assert started and all(w.startswith("tcp://127.0.0.1:") for w in started)


@pytest.mark.slow
def test_two_workers_on_the_same_jobs_never_corrupt_cache_or_records(client, reference,
                                                                     tmp_path):
    executor_plugins.set_sleep(0.1)
    executor_plugins.reset_calls()
    run = RunSettings(output_dir=str(tmp_path / "out"), data_dir=None,
                      cache_dir=str(tmp_path / "cache"), batch_size=32)
    plan = build_plan(["test-sleepy"], BENCHMARKS, run)
    extract, *scores = plan.specs.values()
    workers = sorted(client.scheduler_info()["workers"])
    assert len(workers) == 2

    def on_both(spec, extraction_time=None):
        futures = [client.submit(run_on_worker, spec, run, extraction_time, workers=[w],
                                 allow_other_workers=False, pure=False) for w in workers]
        return client.gather(futures)

    on_both(extract)
    assert len({pid for pid, _ in executor_plugins.calls()}) == 2  # both extracted
    for spec in scores:
        on_both(spec, 1.0)
    executor_plugins.set_sleep(0.0)
    entry = plan.specs[extract.id]
    ours, theirs = (ActivationCache(root).entry("test-sleepy", "1", "demo", entry.fingerprint,
                                                "mean")
                    for root in (tmp_path / "cache", reference / "cache"))
    meta = json.loads((ours.folder / "meta.json").read_text())
    assert sorted(meta["layers"]) == ["bands", "energy"]
    for layer in ("bands", "energy"):
        np.testing.assert_array_equal(ours.load_layer(layer)[0], theirs.load_layer(layer)[0])
    assert_same_records(tmp_path / "out", reference / "out", ["test-sleepy"])


def assert_no_corrupt_file(*folders: Path) -> None:
    """Every finished file parses; only hidden temporaries of atomic writes may be left over."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_dir() or path.name.endswith(".lock"):
                continue
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                continue  # an atomic write cut short: never read by anyone
            if path.name == "plan.json" or path.name == "meta.json":
                json.loads(path.read_text())
            elif path.suffix == ".json":
                read_record(path)
            elif path.suffix in (".npy", ".npz"):
                loaded = np.load(path)
                if path.suffix == ".npz":
                    [loaded[name] for name in loaded.files]
            else:
                raise AssertionError(f"unexpected file {path}")


@pytest.mark.slow
def test_a_worker_killed_mid_plan_leaves_no_corrupt_file_and_resume_completes(
        client, reference, tmp_path, capsys):
    executor_plugins.set_sleep(0.4)
    executor_plugins.reset_calls()
    out, cache = tmp_path / "out", tmp_path / "cache"
    results = {}

    def plan_run():
        results["outcomes"] = runner.run_models(
            ["test-sleepy", "logmel"], BENCHMARKS, out, cache_dir=cache, batch_size=32,
            progress=False, log=quiet, executor=DaskExecutor(client), keep_going=True)

    thread = threading.Thread(target=plan_run)
    thread.start()
    deadline = time.monotonic() + 60
    while not list(cache.glob("test-sleepy/*/*/mean/partial/*/chunk-0000000.npz")):
        assert time.monotonic() < deadline, "the first chunk never appeared"
        time.sleep(0.05)
    (victim,) = executor_plugins.running_pids()  # the worker process extracting test-sleepy
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=120)
    executor_plugins.set_sleep(0.0)
    assert not thread.is_alive()

    saved = read_plan_file(out)
    state = {j["id"]: (j["state"], j["message"]) for j in saved["jobs"]}
    extract_id = next(i for i in state if i.startswith("extract test-sleepy"))
    assert state[extract_id][0] == "failed" and "KilledWorker" in state[extract_id][1]
    assert {state[f"score test-sleepy on {b}"][0] for b in BENCHMARKS} == {"skipped"}
    # Dask may also have queued a logmel job on the killed worker: lost with it, not wrong.
    assert all(s == "done" or (s == "failed" and "KilledWorker" in m) or s == "skipped"
               for s, m in state.values())
    assert_no_corrupt_file(out, cache)

    code = main(["run", "--resume", "--output", str(out), "--executor", "dask", "--scheduler",
                 client.scheduler.address, "--quiet"])
    assert code == 0, capsys.readouterr().err
    saved = read_plan_file(out)
    assert {j["state"] for j in saved["jobs"]} <= {"done", "exists"}
    assert_no_corrupt_file(out, cache)
    assert_same_records(out, reference / "out", ["test-sleepy", "logmel"])
    # the resumed extraction embedded only the clips after the chunk finished before the kill
    assert sum(clips for pid, clips in executor_plugins.calls() if pid != victim) == 120 - 64


def test_gpu_jobs_wait_for_a_worker_that_declares_a_gpu(client, tmp_path):
    from distributed import Worker

    lines, out = [], tmp_path / "out"
    thread = threading.Thread(target=runner.run_models, args=(["logmel"], ["demo.rsa"], out),
                              kwargs=dict(cache_dir=tmp_path / "cache", device="cuda",
                                          progress=False, log=quiet, keep_going=True,
                                          executor=DaskExecutor(client, log=lines.append)))
    thread.start()
    time.sleep(2.0)
    assert any("no Dask worker declares a GPU resource" in line for line in lines)
    jobs = {j["kind"]: j for j in read_plan_file(out)["jobs"]}
    assert jobs["extract"]["gpu"] and not jobs["score"]["gpu"]
    assert jobs["extract"]["state"] == "pending"  # the two CPU workers never take it

    async def gpu_worker():  # in this process; it declares a GPU this machine does not have
        return await Worker(client.scheduler.address, nthreads=1, resources={"GPU": 1})

    worker = client.sync(gpu_worker)
    try:
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        client.sync(worker.close)
    jobs = {j["kind"]: j for j in read_plan_file(out)["jobs"]}
    assert jobs["extract"]["worker"] == worker.address  # it ran there, and checked the device
    assert jobs["extract"]["state"] == "failed"
    assert "--device cuda requested but no CUDA device is available" in jobs["extract"]["message"]
    assert jobs["score"]["state"] == "skipped"


@pytest.mark.slow
def test_cli_dask_local_writes_the_records_of_the_local_executor(reference, tmp_path, capsys):
    assert main(["run", "--model", "logmel", "random-cnn", "--benchmark", *BENCHMARKS,
                 "--executor", "dask-local", "--workers", "2", "--output", str(tmp_path / "out"),
                 "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    assert "plan: 6 jobs, done 6" in capsys.readouterr().out
    assert_same_records(tmp_path / "out", reference / "out", ["logmel", "random-cnn"])


def test_closing_prints_no_dask_shutdown_warning(caplog):
    """On a busy machine Dask warns while it stops the cluster ("distributed.nanny - WARNING -
    Worker process still alive after 4.0 seconds, killing"): the run's results are saved by
    then, so the executor keeps such lines out of the user's log; errors still show."""
    import logging

    class Cluster:
        def close(self):
            logging.getLogger("distributed.nanny").warning("Worker process still alive after "
                                                           "4.0 seconds, killing")
            logging.getLogger("distributed.nanny").error("a real error")

    class FakeClient:
        def unsubscribe_topic(self, topic):
            pass

    nanny = logging.getLogger("distributed.nanny")
    level = nanny.level
    with caplog.at_level(logging.WARNING):
        DaskExecutor(FakeClient(), [Cluster()]).close()
    assert [r.getMessage() for r in caplog.records] == ["a real error"]
    assert nanny.level == level  # restored
