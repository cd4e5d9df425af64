"""Plans and the in-process executor: grouping, existing outputs, failures, resume, CLI options,
the progress view and the SLURM job script."""

from __future__ import annotations

import json
import sys

import executor_plugins
import pytest

from brainscore_audio import runner, scoring
from brainscore_audio.cli import main
from brainscore_audio.executors import RunSettings, build_plan, read_plan_file
from brainscore_audio.executors.plan import plan_path
from brainscore_audio.executors.progress import PlanProgress, job_table, status_line
from brainscore_audio.executors.slurm import SlurmOptions, job_script
from brainscore_audio.records import read_record
from brainscore_audio.registry import models


@pytest.fixture(scope="module", autouse=True)
def plugins():
    yield executor_plugins.install()
    executor_plugins.uninstall()


def quiet(_message: str) -> None:
    pass


def test_plan_extracts_once_per_stimulus_set_and_skips_existing_outputs(tmp_path):
    run = RunSettings(output_dir=str(tmp_path / "out"), data_dir=None,
                      cache_dir=str(tmp_path / "cache"))
    plan = build_plan(["logmel"], ["demo.voxel-ridge", "demo.rsa"], run)
    extract, ridge, rsa = plan.specs.values()
    assert extract.kind == "extract" and extract.stimulus_set == "demo"
    assert extract.layers == tuple(models.make("logmel").default_layers)
    assert ridge.depends_on == rsa.depends_on == (extract.id,)
    assert [s.state for s in plan.states.values()] == ["pending"] * 3

    runner.run_models(["logmel"], ["demo.rsa"], tmp_path / "out", cache_dir=tmp_path / "cache",
                      progress=False, log=quiet)
    plan = build_plan(["logmel"], ["demo.voxel-ridge", "demo.rsa"], run)
    states = {spec.id: plan.states[spec.id].state for spec in plan.specs.values()}
    # the rsa record exists; the extraction is cached, so only the ridge score is left to run
    assert states == {"score logmel on demo.rsa": "exists", extract.id: "exists",
                      "score logmel on demo.voxel-ridge": "pending"}
    saved = read_plan_file(tmp_path / "out")
    assert saved["models"] == ["logmel"] and saved["counts"]["done"] == 2
    assert saved["settings"]["cache_dir"] == str(tmp_path / "cache")


def test_gpu_jobs_are_extractions_and_scoring_on_the_device(tmp_path, monkeypatch):
    run = RunSettings(output_dir=str(tmp_path), data_dir=None, cache_dir=str(tmp_path / "c"),
                      device="cuda")
    plan = build_plan(["logmel"], ["demo.voxel-ridge", "demo.rsa"], run)
    # extraction and the ridge (it runs on --device) are GPU jobs; RSA scores on the CPU
    assert [spec.gpu for spec in plan.specs.values()] == [True, True, False]
    rsa = type(plan.built_benchmarks["demo.rsa"])
    monkeypatch.setattr(rsa, "uses_device", True)  # e.g. a downstream probe trains on --device
    plan = build_plan(["logmel"], ["demo.voxel-ridge", "demo.rsa"], run)
    assert [spec.gpu for spec in plan.specs.values()] == [True, True, True]
    cpu = build_plan(["logmel"], ["demo.rsa"], RunSettings(str(tmp_path), None, None))
    assert not any(spec.gpu for spec in cpu.specs.values())


def test_a_failing_job_is_reported_and_the_others_finish(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)  # the live view's
    outcomes = runner.run_models(["test-broken", "logmel"], ["demo.rsa"], tmp_path / "out",
                                 cache_dir=tmp_path / "cache", progress=True, keep_going=True)
    assert [(o.model_id, o.status) for o in outcomes] == [("test-broken", "skipped"),
                                                          ("logmel", "scored")]
    assert outcomes[0].message.startswith("not run: extract test-broken on demo[")
    assert read_record(outcomes[1].path).model.id == "logmel"
    saved = read_plan_file(tmp_path / "out")
    failed = [job for job in saved["jobs"] if job["state"] == "failed"]
    assert len(failed) == 1 and failed[0]["message"] == "RuntimeError: broken on purpose"
    assert "in embed" in failed[0]["traceback"]
    captured = capsys.readouterr()
    assert "fail  extract test-broken on demo: RuntimeError: broken on purpose" in captured.out
    assert "plan:" in captured.err and "failed 1" in captured.err  # the live progress view
    # Without keep_going (the library default) the first failure is raised, as before.
    with pytest.raises(RuntimeError, match="broken on purpose"):
        runner.run_models(["test-broken", "logmel"], ["demo.rsa"], tmp_path / "out2",
                          cache_dir=tmp_path / "cache", progress=False, log=quiet)
    assert not list((tmp_path / "out2").glob("*.json"))  # stopped before logmel


def test_cli_reports_failures_in_one_line_after_finishing_the_rest(tmp_path, capsys):
    code = main(["run", "--model", "test-broken", "logmel", "--benchmark", "demo.rsa",
                 "--output", str(tmp_path), "--cache-dir", str(tmp_path / "cache"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: 1 of 4 jobs failed, the others finished; first: extract "
                          "test-broken on demo[") and "broken on purpose" in err
    assert "logmel       demo.rsa     scored" in out and "not run: extract test-broken" in out
    assert "plan: 4 jobs, done 2, failed 1, skipped 1" in out
    assert (tmp_path / "logmel__v1__demo.rsa.json").is_file()


def test_resume_continues_an_interrupted_plan_without_redoing_finished_jobs(tmp_path,
                                                                            monkeypatch, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    benchmarks = ["demo.voxel-ridge", "demo.rsa"]
    runner.run_models(["logmel"], benchmarks, out, cache_dir=cache, progress=False, log=quiet)
    before = {b: read_record(out / f"logmel__v1__{b}.json").provenance.timestamp for b in benchmarks}
    original, calls = scoring.score_and_write, []

    def interrupted_on_the_second_score(*args, **kwargs):
        calls.append(args[0].identifier)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(scoring, "score_and_write", interrupted_on_the_second_score)
    assert main(["run", "--model", "logmel", "--benchmark", *benchmarks, "--output", str(out),
                 "--cache-dir", str(cache), "--force", "--quiet"]) == 130  # killed mid-plan
    saved = read_plan_file(out)
    assert [j["state"] for j in saved["jobs"]] == ["exists", "done", "running"]
    assert saved["settings"]["force"] is True
    first = read_record(out / "logmel__v1__demo.voxel-ridge.json").provenance.timestamp
    assert first > before["demo.voxel-ridge"]
    monkeypatch.setattr(scoring, "score_and_write", original)
    capsys.readouterr()
    assert main(["run", "--resume", "--output", str(out), "--quiet"]) == 0
    assert "plan: 3 jobs, done 1, exists 2" in capsys.readouterr().out
    # the forced record finished before the kill is kept; the interrupted one is recomputed
    assert read_record(out / "logmel__v1__demo.voxel-ridge.json").provenance.timestamp == first
    assert read_record(out / "logmel__v1__demo.rsa.json").provenance.timestamp > before["demo.rsa"]


@pytest.mark.parametrize("argv,message", [
    (["--model", "logmel", "--scheduler", "tcp://h:1"], "--scheduler is the address for "
                                                        "--executor dask"),
    (["--model", "logmel", "--executor", "dask"], "--executor dask needs --scheduler"),
    (["--model", "logmel", "--workers", "2"], "--workers sets the processes of --executor "
                                              "dask-local"),
    (["--model", "logmel", "--executor", "dask-local", "--workers", "0"], "--workers must be >= 1"),
    (["--model", "logmel", "--queue", "gpu"], "--queue is an option of --cluster slurm"),
    (["--model", "logmel", "--cluster", "slurm", "--executor", "dask-local"],
     "--cluster slurm runs on Dask"),
    (["--cluster", "slurm", "--gpus", "2", "--job-script"], "--gpus must be 0 or 1"),
    (["--cluster", "slurm", "--walltime", "2h", "--job-script"], "--walltime must be HH:MM:SS"),
    (["--resume", "--output", "nowhere"], "nowhere/.run/plan.json: no plan to resume"),
    (["--resume", "--model", "logmel"], "drop --model"),
    (["--activations", "x.npz", "--stimulus-set", "demo", "--executor", "dask-local"],
     "--activations is scored in this process"),
    (["--benchmark", "demo.rsa"], "one of --model, --activations or --resume is required"),
    (["--model", "logmell", "--executor", "dask-local"], "unknown model 'logmell'"),
])
def test_executor_options_give_one_line_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if "--model" in argv and "--resume" in argv:
        runner.run_models(["logmel"], ["demo.rsa"], "scores", cache_dir=tmp_path / "c",
                          progress=False, log=quiet)
    assert main(["run", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_slurm_job_script_asks_for_what_the_options_say(tmp_path, capsys):
    assert main(["run", "--cluster", "slurm", "--queue", "gpu", "--account", "lab",
                 "--cores", "8", "--memory", "32GB", "--walltime", "04:00:00", "--gpus", "1",
                 "--jobs", "3", "--job-extra=--constraint=a100", "--cache-dir",
                 str(tmp_path / "shared cache"), "--job-script"]) == 0
    script = capsys.readouterr().out
    for line in ("#SBATCH -p gpu", "#SBATCH -A lab", "#SBATCH --cpus-per-task=8",
                 "#SBATCH -t 04:00:00", "#SBATCH --gres=gpu:1", "#SBATCH --constraint=a100",
                 "#SBATCH --mem=30G",
                 f"export BRAINSCORE_AUDIO_CACHE='{tmp_path / 'shared cache'}'",
                 "export TQDM_DISABLE=1"):
        assert line in script.splitlines(), line
    worker = script.strip().splitlines()[-1]
    assert "distributed.cli.dask_worker tcp://" in worker
    assert "--nthreads 8" in worker and "--resources GPU=1" in worker
    cpu_only = job_script(SlurmOptions(), {"BRAINSCORE_AUDIO_DATA": "/data"})
    assert "--gres" not in cpu_only and "--resources" not in cpu_only
    assert "export BRAINSCORE_AUDIO_DATA=/data" in cpu_only


def test_progress_view_and_summary_table(tmp_path):
    run = RunSettings(output_dir=str(tmp_path), data_dir=None, cache_dir=str(tmp_path / "c"))
    plan = build_plan(["logmel"], ["demo.voxel-ridge", "demo.rsa"], run)
    states = list(plan.states.values())
    states[0].state, states[0].seconds, states[0].worker = "done", 1.25, "node1:42"
    states[1].state = "running"
    states[2].state, states[2].message = "failed", "ValueError: bad"
    assert status_line(plan.counts()) == "done 1, running 1, failed 1"
    view = PlanProgress(plan, enabled=True)
    assert view.bar.disable  # nothing pending: no bar
    view.close()
    rows = job_table(plan).splitlines()
    assert rows[0].split() == ["job", "model", "on", "state", "seconds", "worker", "note"]
    assert rows[2].split() == ["extract", "logmel", "demo", "(mean)", "done", "1.2", "node1:42"]
    assert rows[4].split()[-3:] == ["-", "ValueError:", "bad"]
    plan.save()
    assert json.loads(plan_path(tmp_path).read_text())["counts"]["failed"] == 1
