"""The command line end to end on the embedded demo, and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from brainscore_audio.cli import main
from brainscore_audio.registry import benchmarks

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "leaderboard" / "schema.json")
                    .read_text())
RECORD_VALIDATOR = jsonschema.Draft202012Validator(
    {"$ref": "#/$defs/ScoreRecord", "$defs": SCHEMA["$defs"]})


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def demo_scores(tmp_path_factory):
    """Records of the two done-criteria commands, written once for the module."""
    out = tmp_path_factory.mktemp("out")
    assert main(["run", "--model", "logmel", "--benchmark", "demo.voxel-ridge", "--output",
                 str(out), "--quiet"]) == 0
    assert main(["run", "--model", "random-cnn", "--benchmark", "demo.rsa", "--output",
                 str(out), "--quiet"]) == 0
    return out


def test_run_writes_schema_valid_records(demo_scores):
    # file names: <model>__v<version>[__<checkpoint tag>]__<benchmark>.json
    (cnn,) = demo_scores.glob("random-cnn__v1__*__demo.rsa.json")
    for path in (demo_scores / "logmel__v1__demo.voxel-ridge.json", cnn):
        record = json.loads(path.read_text())
        RECORD_VALIDATOR.validate(record)
        assert (demo_scores / record["artefacts"]["layer_names"]).is_file()
    ridge = json.loads((demo_scores / "logmel__v1__demo.voxel-ridge.json").read_text())
    assert ridge["parameters"]["alphas"] == [0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0]
    assert ridge["layers_scored"] == ["logmel"] and ridge["provenance"]["device"] == "cpu"


def test_leaderboard_build_and_show(demo_scores, tmp_path, capsys):
    board = tmp_path / "lb.json"
    code, out, _ = run_cli(capsys, "leaderboard", "build", "--scores", demo_scores,
                           "--output", board)
    assert code == 0 and "leaderboard v1" in out
    code, out, _ = run_cli(capsys, "leaderboard", "show", board)
    assert code == 0
    version = benchmarks.make("demo.rsa", data_dir=None).version
    assert "| logmel" in out and "| random-cnn" in out and f"demo.rsa v{version} (simulated)" in out
    assert "score(s) against simulated brain data" in out
    code, out, _ = run_cli(capsys, "leaderboard", "build", "--scores", demo_scores,
                           "--output", board)
    assert "no new or changed scores" in out


def test_existing_records_are_skipped_and_force_recomputes(demo_scores, capsys):
    code, out, _ = run_cli(capsys, "run", "--model", "logmel", "--benchmark",
                           "demo.voxel-ridge", "--output", demo_scores, "--quiet")
    assert code == 0 and "skipped" in out


def test_precomputed_activations_score_like_the_model(demo_scores, tmp_path, capsys):
    from brainscore_audio.extraction import extract
    from brainscore_audio.registry import models

    bench = benchmarks.make("demo.voxel-ridge", data_dir=None)
    acts = extract(models.make("logmel"), bench.stimulus_set, progress=False)
    order = np.random.default_rng(0).permutation(len(acts.stimulus_ids))
    path = tmp_path / "logmel.npz"
    np.savez(path, stimulus_ids=np.array(acts.stimulus_ids)[order],
             logmel=acts.layers["logmel"][order])
    code, out, err = run_cli(capsys, "run", "--activations", path, "--stimulus-set", "demo",
                             "--benchmark", "demo.voxel-ridge", "--output", tmp_path / "out")
    assert code == 0, err
    records = list((tmp_path / "out").glob("precomputed*.json"))
    assert len(records) == 1
    ours = json.loads(records[0].read_text())
    reference = json.loads((demo_scores / "logmel__v1__demo.voxel-ridge.json").read_text())
    assert ours["raw"] == pytest.approx(reference["raw"], abs=1e-9)
    assert ours["model"]["source"] == "precomputed"


@pytest.mark.parametrize("argv,message", [
    (["run", "--model", "logmell", "--benchmark", "demo.rsa"],
     "unknown model 'logmell'; did you mean logmel"),
    (["run", "--model", "logmel", "--benchmark", "demo.rsaa"],
     "unknown benchmark 'demo.rsaa'; did you mean demo.rsa"),
    (["run", "--model", "logmel", "--device", "tpu"], "--device must be cpu or cuda"),
    (["run", "--activations", "x.npz", "--benchmark", "demo.rsa"], "needs --stimulus-set"),
    (["run", "--activations", "missing.npz", "--stimulus-set", "demo", "--benchmark", "demo.rsa"],
     "missing.npz: activations file not found"),
    (["run", "--activations", "x.npz", "--stimulus-set", "dem", "--benchmark", "demo.rsa"],
     "unknown stimulus set 'dem'"),
    (["leaderboard", "show", "nope.json"], "nope.json: leaderboard file not found"),
    (["validate", "not-a-model"], "unknown model 'not-a-model'"),
])
def test_user_mistakes_give_one_line_errors(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_list_and_validate(capsys):
    code, out, _ = run_cli(capsys, "list", "models")
    assert code == 0 and "logmel" in out and "random-cnn" in out
    code, out, _ = run_cli(capsys, "list", "benchmarks")
    assert "demo.voxel-ridge" in out and "nested ridge" in out
    root = Path(__file__).resolve().parents[1]
    code, out, _ = run_cli(capsys, "validate", root / "submissions" / "logmel")
    assert code == 0 and out.startswith("ok   logmel")


@pytest.mark.slow
def test_console_script_runs_the_demo(tmp_path):
    """The README's main command, through the installed console script."""
    result = subprocess.run(
        [sys.executable, "-c", "from brainscore_audio.cli import main; raise SystemExit(main())",
         "demo", "--output", str(tmp_path), "--quiet"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "| logmel" in result.stdout and (tmp_path / "leaderboard.json").is_file()


def test_quiet_silences_every_progress_bar(tmp_path, capfd, monkeypatch):
    """--quiet must reach bars of modules imported before the flag is parsed (tqdm reads its
    environment at import, so the switch lives in brainscore_audio.progress), and must not leak
    into later in-process calls. (On a terminal: elsewhere bars are off anyway.)"""
    import os
    import sys

    from brainscore_audio import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)

    assert main(["run", "--model", "random-cnn", "--benchmark", "demo.voxel-ridge",
                 "--output", str(tmp_path), "--quiet", "--cache-dir", str(tmp_path / "c")]) == 0
    err = capfd.readouterr().err
    assert "%|" not in err and "fold/s" not in err and "clip/s" not in err
    assert progress.enabled() and "TQDM_DISABLE" not in os.environ
