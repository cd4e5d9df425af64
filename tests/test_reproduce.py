"""``benchmark reproduce``: a planted study (the embedded demo's simulated brain, a generated
downstream task, offline models, a recipe whose "published" numbers are the planted truth) through
the whole command; recipe errors; the comparison against scipy on the records."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml
from brainscore_audio_benchmarks.demo.benchmark import planted_reliability
from brainscore_audio_submissions.logmel.model import LogMel
from scipy import stats

from brainscore_audio import leaderboard
from brainscore_audio.cli import main
from brainscore_audio.downstream import TaskWriter
from brainscore_audio.errors import UserError
from brainscore_audio.model import Activations
from brainscore_audio.registry import models
from brainscore_audio.reproduce.recipe import load_recipe


class NoisyLogMel(LogMel):
    """The demo brain's front end plus fixed noise (per clip): a worse model of that brain."""

    identifier = "planted-noisy-logmel"

    def embed(self, audio, layers):
        out = super().embed(audio, layers)
        noisy = {}
        for name, activation in out.items():
            values = np.array(activation.values, dtype=np.float32)
            for i, clip in enumerate(audio):  # one offset per clip: not averaged out over time
                rng = np.random.default_rng(zlib.crc32(np.ascontiguousarray(clip).tobytes()))
                values[i] += rng.normal(scale=2.0, size=values.shape[-1]).astype(np.float32)
            noisy[name] = Activations(values, activation.hop_seconds)
        return noisy


models.register("planted-noisy-logmel", NoisyLogMel)


def planted_ceiling() -> float:
    """The demo's planted ridge ceiling: mean over subjects of the median planted reliability."""
    from brainscore_audio_benchmarks.demo import brain

    planted = planted_reliability()
    subjects = np.repeat(np.arange(brain.N_SUBJECTS), brain.VOXELS_PER_SUBJECT)
    return float(np.mean([np.median(planted[subjects == s]) for s in range(brain.N_SUBJECTS)]))


def write_tones_task(root: Path, per_split: int = 6) -> Path:
    """A small train/valid/test task: the class is the frequency band of a noisy tone."""
    rng = np.random.default_rng(0)
    rate, labels = 8000, ["low", "mid", "high"]
    freqs = {"low": 300.0, "mid": 900.0, "high": 2500.0}
    writer = TaskWriter(root, {"task_name": "tones", "version": "v0", "embedding_type": "scene",
                               "prediction_type": "multiclass", "split_mode": "trainvaltest",
                               "sample_duration": 0.25, "evaluation": ["top1_acc"]}, rate)
    t = np.arange(int(0.25 * rate)) / rate
    for split in ("train", "valid", "test"):
        for i in range(per_split):
            label = labels[i % 3]
            wave = 0.4 * np.sin(2 * np.pi * freqs[label] * (1 + 0.05 * rng.standard_normal()) * t)
            writer.add(split, f"{split}_{i:02d}.wav", wave + 0.02 * rng.standard_normal(len(t)),
                       [label])
    return writer.finish(labels)


def write_recipe(path: Path, task_id: str, published: list[dict]) -> Path:
    recipe = {
        "study": "planted2026", "title": "A planted study",
        "models": [{"name": "front-end", "id": "logmel"}, {"name": "cnn", "id": "random-cnn"},
                   {"name": "noisy", "id": "planted-noisy-logmel"},
                   {"name": "absent", "unavailable": "planted: not in this project"}],
        "benchmarks": ["demo.voxel-ridge", "demo.rsa"], "tasks": [task_id],
        "analyses": {"brain_vs_downstream": {"suite": "custom", "threshold": -0.75}},
        "tolerances": {"r2": {"abs": 0.08, "why": "measured vs planted (test_demo)"},
                       "ceiling": {"abs": 0.03, "why": "measured vs planted (test_demo)"},
                       "correlation": {"abs": 1e-9, "why": "the same records"}},
        "published": published,
    }
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    """The planted study run once: the recipe, the task and the output folder."""
    root = tmp_path_factory.mktemp("planted")
    task = write_tones_task(root / "tones")
    task_id = f"task:{task}"
    truth = planted_ceiling()
    published = [
        {"kind": "r2", "value": truth, "source": "planted: the simulated brain's reliability",
         "score": {"model": "front-end", "benchmark": "demo.voxel-ridge"}},
        {"kind": "ceiling", "value": truth, "source": "planted: the simulated brain's reliability",
         "score": {"model": "front-end", "benchmark": "demo.voxel-ridge", "field": "ceiling"}},
        # deliberately wrong: the untrained CNN does not reach the ceiling
        {"kind": "r2", "value": truth, "source": "planted: a wrong number",
         "score": {"model": "cnn", "benchmark": "demo.voxel-ridge"}},
        {"kind": "r2", "value": 0.5, "source": "planted: a model we cannot load",
         "score": {"model": "absent", "benchmark": "demo.voxel-ridge"}},
    ]
    recipe = write_recipe(root / "planted.yaml", task_id, published)
    out = root / "out"
    code = main(["reproduce", str(recipe), "--output", str(out), "--cache-dir",
                 str(root / "cache"), "--quiet"])
    assert code == 0
    return root, recipe, task_id, out, truth


def test_the_planted_truth_is_within_tolerance_and_a_wrong_number_outside(planted_run, capsys):
    root, recipe, task_id, out, truth = planted_run
    result = json.loads((out / "comparison.json").read_text())
    status = {c["label"]: c["status"] for c in result["comparisons"]}
    assert status == {"front-end: demo.voxel-ridge": "within",
                      "front-end: demo.voxel-ridge ceiling": "within",
                      "cnn: demo.voxel-ridge": "outside",
                      "absent: demo.voxel-ridge": "not computed"}
    by_label = {c["label"]: c for c in result["comparisons"]}
    board = leaderboard.load(out / "leaderboard.json")
    records = {m.id: m.scores for m in board.models.values()}
    assert by_label["cnn: demo.voxel-ridge"]["ours"] == records["random-cnn"]["demo.voxel-ridge"].raw
    assert by_label["absent: demo.voxel-ridge"]["reason"] == "the project cannot load this model"
    assert result["counts"] == {"within": 2, "outside": 1, "not computed": 1}
    statuses = {m["name"]: m["status"] for m in result["models"]}
    assert statuses == {"front-end": "scored", "cnn": "scored", "noisy": "scored",
                        "absent": "unavailable"}
    report = (out / "report.md").read_text()
    assert "| cnn: demo.voxel-ridge | r2 |" in report and "| outside |" in report
    assert "planted: not in this project" in report
    assert "## Brain scores vs downstream" in report and "demo.voxel-ridge" in report
    assert (out / "figures" / "published-vs-ours.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "figures" / "brain-vs-downstream.png").is_file()
    assert sorted(p.name.split("__")[0] for p in (out / "scores").glob("*.json")) == sorted(
        ["logmel", "random-cnn", "planted-noisy-logmel"] * 3)


def test_correlations_equal_scipy_on_the_records_and_a_rerun_reuses_them(planted_run, capsys):
    """Ours for a correlation is Pearson r (scipy) of the records over the study's models; with
    the truth as the published value it is within, off by 0.5 it is outside. The rerun reuses
    every record (nothing is rescored)."""
    root, _, task_id, out, truth = planted_run
    board = leaderboard.load(out / "leaderboard.json")
    names = {"logmel": "front-end", "random-cnn": "cnn", "planted-noisy-logmel": "noisy"}
    task = {names[m.id]: m.scores["task:tones"].raw for m in board.models.values()}
    brain = {names[m.id]: m.scores["demo.voxel-ridge"].raw for m in board.models.values()}
    order = sorted(task)
    raw_task = np.array([task[m] for m in order])
    overall = (raw_task - raw_task.mean()) / raw_task.std()  # one task: its z-score
    by_task = stats.pearsonr(raw_task, [brain[m] for m in order]).statistic
    by_overall = stats.pearsonr(overall, [brain[m] for m in order]).statistic
    published = [
        {"kind": "correlation", "value": float(by_task), "source": "scipy on the records",
         "correlation": {"x": "task:tones", "y": "demo.voxel-ridge"}},
        {"kind": "correlation", "value": float(by_overall) + 0.5, "source": "a wrong number",
         "correlation": {"x": "overall", "y": "demo.voxel-ridge"}},
        {"kind": "correlation", "value": 0.1, "source": "too few models",
         "correlation": {"x": "overall", "y": "demo.voxel-ridge",
                         "models": {"exclude": ["cnn"]}}},
    ]
    recipe = write_recipe(root / "planted-r.yaml", task_id, published)
    capsys.readouterr()
    assert main(["reproduce", str(recipe), "--output", str(out), "--cache-dir",
                 str(root / "cache"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert not [line for line in printed.splitlines() if line.startswith("score ")]  # reused
    result = json.loads((out / "comparison.json").read_text())["comparisons"]
    assert [c["status"] for c in result] == ["within", "outside", "not computed"]
    assert result[0]["ours"] == pytest.approx(by_task, abs=1e-12)
    assert result[1]["ours"] == pytest.approx(by_overall, abs=1e-12)
    assert result[0]["models"] == ["cnn", "front-end", "noisy"]
    assert result[2]["reason"] == "2 models with both scores (3 needed)"


def test_a_recipe_with_a_missing_data_set_says_how_and_stops_or_skips(tmp_path, capsys):
    recipe = {"study": "s", "title": "t", "models": [{"name": "m", "id": "logmel"}],
              "benchmarks": ["demo.rsa", "nh2015.rsa"], "data": {"nh2015": ["nh2015.rsa"]}}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    empty = tmp_path / "empty"
    empty.mkdir()
    args = ["reproduce", str(path), "--no-fetch", "--data-dir", str(empty), "--output",
            str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--quiet"]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("data set nh2015 missing: ")
    assert "benchmark fetch nh2015" in captured.out
    assert captured.err.strip() == (
        "error: 1 data set(s) of s missing (nh2015; how to get each is printed above); fetch "
        "them, or pass --skip-missing to run the rest")
    assert main([*args, "--skip-missing"]) == 0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "skipped for missing data (nh2015): nh2015.rsa" in report
    assert "The recipe cites no published number" in report


@pytest.mark.parametrize("change, message", [
    ({"models": [{"name": "m"}]}, "models.0: model 'm': give exactly one of id and unavailable"),
    ({"published": [{"kind": "r2", "value": 0.1, "source": "x",
                     "score": {"model": "m", "benchmark": "demo.rsa"}}]},
     "published numbers of kind r2 have no tolerance"),
    ({"published": [{"kind": "r2", "source": "x",
                     "score": {"model": "m", "benchmark": "demo.rsa"}}]},
     "published[0]: a single correlation or score needs a value; a table or scores list "
     "carries its own values"),
    ({"tolerances": {"r2": {"abs": 0.1, "why": "w"}},
      "published": [{"kind": "r2", "value": 0.1, "source": "x",
                     "score": {"model": "other", "benchmark": "demo.rsa"}}]},
     "other: demo.rsa: model 'other' is not among the study's models"),
    ({"published": [{"kind": "correlation", "source": "T1",
                     "table": {"columns": ["a", "b"], "rows": [{"y": "demo.rsa",
                                                                "values": [0.1]}]}}]},
     "published[0]: every table row needs one value per column"),
    ({"data": {"nh2015": ["nh2015.rsa"]}},
     "data lists 'nh2015.rsa', which is neither a benchmark nor a task of the recipe"),
])
def test_recipe_errors_are_one_line_naming_the_file_and_field(tmp_path, change, message):
    recipe = {"study": "s", "title": "t", "models": [{"name": "m", "id": "logmel"}],
              "benchmarks": ["demo.rsa"]} | change
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    with pytest.raises(UserError) as error:
        load_recipe(path)
    assert str(error.value).startswith(f"{path}: ") and str(error.value).endswith(message)
    assert "\n" not in str(error.value)


def test_a_table_expands_to_one_number_per_cell(tmp_path):
    recipe = {"study": "s", "title": "t", "models": [{"name": "m", "id": "logmel"}],
              "benchmarks": ["demo.rsa"],
              "tolerances": {"correlation": {"abs": 0.1, "why": "w"}},
              "published": [{"kind": "correlation", "source": "Table 1", "table": {
                  "columns": ["task:a", "overall"],
                  "rows": [{"y": "demo.rsa", "values": [0.5, None]},
                           {"y": "demo.rsa", "component": 2, "models": {"overall_above": -0.75},
                            "label": "third", "values": [0.1, 0.2]}]}}]}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    numbers = load_recipe(path).published
    assert [(n.label, n.value) for n in numbers] == [
        ("demo.rsa, all models x task:a", 0.5), ("third x task:a", 0.1), ("third x overall", 0.2)]
    assert numbers[2].correlation.component == 2
    assert numbers[2].correlation.models.overall_above == -0.75


def test_unknown_study_and_unreadable_recipe(tmp_path, capsys):
    assert main(["reproduce", "nosuchstudy"]) == 2
    assert "unknown study 'nosuchstudy'" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("study: [unclosed\n")
    assert main(["reproduce", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {bad}: not valid YAML (line 2)"


def test_an_output_that_is_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    assert main(["reproduce", "yang2026", "--output", str(tmp_path / "taken")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --output {tmp_path / 'taken'}: is a file; expected a folder (created if missing)")


def test_without_matplotlib_the_report_says_so_instead_of_a_figure(tmp_path, monkeypatch):
    import sys

    from brainscore_audio.reproduce.report import Report, write

    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"study": "s", "title": "t", "benchmarks": ["demo.rsa"],
                                    "models": [{"name": "m", "id": "logmel"}]}))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = write(Report(load_recipe(path), [], []), tmp_path / "out")
    assert ("- the report's figures needs the optional package 'matplotlib': pip install "
            "\"brainscore-audio[publish]\"") in report.read_text()
    assert not (tmp_path / "out" / "figures").exists()
