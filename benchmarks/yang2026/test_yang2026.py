"""The yang2026 recipe: the study's twelve audio LLMs listed (ids here or why not), its
benchmarks those of the toolkit-compatible protocol, and the real recipe end to end on the Alice
fixture (planted EEG) with offline models in place of the study's."""

from __future__ import annotations

import json

import pytest
from brainscore_audio_benchmarks.alice2019 import data as alice_data
from brainscore_audio_benchmarks.alice2019 import fixture as alice_fixture
from brainscore_audio_benchmarks.alice2019 import release as alice_release

from brainscore_audio.cli import main
from brainscore_audio.metrics.similarity import EIGHT
from brainscore_audio.registry import benchmarks, models, studies


@pytest.fixture(scope="module")
def recipe():
    return studies.make("yang2026")


def test_the_recipe_lists_the_study_and_the_toolkit_benchmarks(recipe):
    assert len(recipe.models) == 12
    assert recipe.model_ids() == {"qwen2-audio": "qwen2-audio-7b",
                                  "qwen2-audio-instruct": "qwen2-audio-7b-instruct"}
    for model_id in models.ids():
        declared = models.entry(model_id).metadata().get("study_names", {}) or {}
        if "yang2026" in declared:
            assert recipe.model_ids()[declared["yang2026"]] == model_id
    assert recipe.benchmarks == [f"{data}-toolkit.{metric}" for data in
                                 ("alice2019", "broderick2018") for metric in EIGHT]
    for benchmark_id in recipe.benchmarks:
        assert benchmarks.make(benchmark_id).protocol == "toolkit"
    assert recipe.published == []  # none transcribed yet (the recipe says why)


def test_the_study_runs_on_the_alice_fixture_with_offline_models(tmp_path, monkeypatch):
    monkeypatch.setenv(alice_release.COUNTS_ENV, alice_fixture.COUNTS_JSON)
    data_dir = tmp_path / "data"
    alice_fixture.write_release(data_dir / alice_data.FOLDER)
    out = tmp_path / "out"
    assert main(["reproduce", "yang2026", "--model", "logmel", "random-cnn", "--no-fetch",
                 "--skip-missing", "--data-dir", str(data_dir), "--output", str(out),
                 "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    result = json.loads((out / "comparison.json").read_text())
    statuses = {m["name"]: m["status"] for m in result["models"]}
    assert statuses["qwen2-audio"] == "not run" and statuses["speechgpt"] == "unavailable"
    assert statuses["logmel"] == statuses["random-cnn"] == "extra"
    records = sorted(p.name for p in (out / "scores").glob("logmel__*.json"))
    assert records == sorted(f"logmel__v1__alice2019-toolkit.{m}.json" for m in EIGHT)
    report = (out / "report.md").read_text()
    assert "skipped for missing data (broderick2018)" in report
    assert "alice2019-toolkit: 2 models scored by all 8 metrics; Kendall's W = " in report
    assert "broderick2018-toolkit: no records of its metric benchmarks in this run." in report
