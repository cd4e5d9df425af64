"""The pepino2025 recipe: its published numbers equal the team's transcription of the paper and
the authors' notebook (../shared/data/reference-values), every model of the study is listed with
its id here or a reason, the plugins' study names agree, and the command says how to get missing
data. The study itself runs on the offline planted study in tests/test_reproduce.py and on the
synthetic release below."""

from __future__ import annotations

import csv
import json

import pytest
from brainscore_audio_benchmarks.pepino2025 import RECIPE
from brainscore_audio_benchmarks.tuckute2023 import release, synthetic

from brainscore_audio.cli import main
from brainscore_audio.registry import benchmarks, models, studies
from brainscore_audio.reproduce.recipe import load_recipe

COLUMNS = {"NS": "hear.nsynth-pitch", "GC": "hear.gtzan-genre", "SC": "hear.speech-commands",
           "ER": "hear.crema-d", "FSD": "hear.fsd50k", "ESC": "hear.esc50", "overall": "overall"}
MEASURES = {"regression_nh2015": ("nh2015.voxel-ridge", None),
            "regression_b2021": ("b2021.voxel-ridge", None),
            "rsa_a": ("nh2015.rsa", None), "rsa_b": ("b2021.rsa", None),
            **{f"component_{name}": ("nh2015.component-ridge", index) for index, name in
               enumerate(("lowfreq", "highfreq", "broadband", "pitch", "speech", "music"))}}


def _tsv(path):
    return list(csv.DictReader((line for line in path.open() if not line.startswith("#")),
                               delimiter="\t"))


@pytest.fixture(scope="module")
def recipe():
    return studies.make("pepino2025")


def test_table1_numbers_equal_the_transcription(recipe, shared_data):
    table = _tsv(shared_data / "reference-values" / "pepino2025-table1.tsv")
    ours = {}
    for number in recipe.published:
        c = number.correlation
        if c is None or number.source.split(" ")[:2] != ["Table", "1"]:
            continue
        subset = "all" if c.models == "all" else f"gt{c.models.overall_above:g}"
        ours[c.y, c.component, subset, c.x] = number.value
    expected = {}
    for row in table:
        y, component = MEASURES[row["measure"]]
        subset = "all" if row["subset"] == "all" else "gt-0.75"
        for column, x in COLUMNS.items():
            expected[y, component, subset, x] = float(row[column])
    assert ours == expected  # 140 numbers, each cell once
    assert len(ours) == 140


def test_text_and_notebook_numbers_equal_the_transcription(recipe, shared_data):
    text = {(n.correlation.y, n.correlation.models == "all"): n.value for n in recipe.published
            if n.source.startswith("Results text")}
    assert text == {("b2021.voxel-ridge", True): 0.91, ("nh2015.voxel-ridge", True): 0.85,
                    ("b2021.voxel-ridge", False): 0.72, ("nh2015.voxel-ridge", False): 0.73}
    excluded = {tuple(n.correlation.models.exclude) for n in recipe.published
                if n.source.startswith("Results text") and n.correlation.models != "all"}
    assert excluded == {("braindnn_dcase2020", "braindnn_metricgan", "braindnn_deepspeech",
                         "braindnn_sepformer")}
    music = {row["model"]: float(row["music_component_r2"])
             for row in _tsv(shared_data / "reference-values" / "pepino2025-music-component-r2.tsv")}
    notebook = [n for n in recipe.published if n.score is not None]
    assert {n.score.model: n.value for n in notebook} == music
    assert all(n.interim and n.score.component == 5 and "70094d5" in n.source for n in notebook)


def test_every_model_of_the_study_is_listed_and_the_plugins_agree(recipe):
    names = {m.name for m in recipe.models}
    assert len(names) == 36
    ids = recipe.model_ids()
    assert len(ids) == 16 and all(model_id in models for model_id in ids.values())
    assert all(m.unavailable for m in recipe.models if m.id is None)
    for model_id in models.ids():  # a plugin naming the study is in the recipe under that name
        declared = models.entry(model_id).metadata().get("study_names", {}) or {}
        if "pepino2025" in declared and not model_id.endswith("-untrained"):
            assert ids.get(declared["pepino2025"]) == model_id, model_id
    for benchmark_id in [*recipe.benchmarks, *recipe.tasks]:
        assert benchmark_id in benchmarks
    assert all(number.source for number in recipe.published)
    assert load_recipe(RECIPE) == recipe


def test_missing_data_is_one_line_each_with_how_to_get_it(tmp_path, capsys):
    assert main(["reproduce", "pepino2025", "--no-fetch", "--data-dir", str(tmp_path),
                 "--output", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert [line.split(" missing:")[0] for line in lines] == [
        f"data set {name}" for name in ("nh2015", "hear.nsynth-pitch", "hear.gtzan-genre",
                                        "hear.speech-commands", "hear.crema-d", "hear.fsd50k",
                                        "hear.esc50")]
    assert "benchmark fetch nh2015" in lines[0] and "benchmark fetch hear.esc50" in lines[-1]
    assert "7 data set(s) of pepino2025 missing" in captured.err


def test_the_study_runs_on_a_synthetic_release_with_offline_models(tmp_path, monkeypatch, capsys):
    """The real recipe, end to end on planted fMRI data (the HEAR tasks skipped), with offline
    models in place of the study's: every published number is 'not computed' with its reason."""
    rel = synthetic.write_release(tmp_path / "release", nh2015_subjects=2,
                                  nh2015_voxels_per_subject=3, nh2015_two_session_voxels=2,
                                  b2021_subjects=2, b2021_voxels_per_subject=3, seed=1)
    monkeypatch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
    out = tmp_path / "out"
    assert main(["reproduce", "pepino2025", "--model", "logmel", "random-cnn", "--no-fetch",
                 "--skip-missing", "--data-dir", str(rel.root), "--output", str(out),
                 "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    result = json.loads((out / "comparison.json").read_text())
    assert result["counts"] == {"within": 0, "outside": 0, "not computed": 180}
    assert {m["status"] for m in result["models"]} == {"not run", "unavailable", "extra"}
    assert sorted(p.name for p in (out / "scores").glob("logmel__*.json")) == sorted(
        f"logmel__v1__{b}.json" for b in ("nh2015.voxel-ridge", "b2021.voxel-ridge", "nh2015.rsa",
                                          "b2021.rsa", "nh2015.component-ridge"))
    report = (out / "report.md").read_text()
    assert "skipped for missing data (hear.nsynth-pitch" in report
    assert "## Brain scores vs downstream\n\nNot computed: " in report
