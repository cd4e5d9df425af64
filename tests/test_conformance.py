"""Generic conformance tests, parametrised over every registered plugin (as Brain-Score does).

Every model must pass ``benchmark validate`` (hub models in random-weights mode, never skipped);
every benchmark must be constructible without data, carry its identity and citation, and (when
embedded) score synthetic activations.
"""

from __future__ import annotations

import math
from pathlib import Path

import brainscore_audio_submissions
import numpy as np
import pytest
import yaml

from brainscore_audio import registry
from brainscore_audio.activations import StimulusActivations
from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV, HFModel
from brainscore_audio.benchmark import Benchmark
from brainscore_audio.cli import main
from brainscore_audio.model import declared_weights
from brainscore_audio.validate import CLIP_SECONDS, _check_attributes, validate_model
from brainscore_audio.weights import DownloadedModel, PublishedWeights

MODEL_IDS = registry.models.ids()
BENCHMARK_IDS = registry.benchmarks.ids()

# -- models -----------------------------------------------------------------------------------
# Every in-repo submission folder is checked by the command CI runs on a pull request,
# `benchmark validate submissions/<folder>`, which validates each model the folder registers.
# Hub models (tag `needs-download`) cannot fetch weights here, so the check runs in the
# documented random-weights mode (BRAINSCORE_AUDIO_RANDOM_WEIGHTS=1: the hf adapter builds the
# same architecture from the config written in the plugin, see docs/submit.md). A folder whose
# models are slow on CPU names shorter test clips in its metadata (`validate_clip_seconds`).
SUBMISSIONS_ROOT = Path(brainscore_audio_submissions.__file__).resolve().parent
SUBMISSION_FOLDERS = sorted(
    p for p in SUBMISSIONS_ROOT.iterdir()
    if (p / "__init__.py").is_file() and not p.name.startswith(("_", ".")))
FOLDER_MODELS = {i for i in MODEL_IDS
                 if registry.models.entry(i).plugin_dir in set(SUBMISSION_FOLDERS)}


def _clip_seconds(folder: Path) -> list[str]:
    metadata = yaml.safe_load((folder / "metadata.yaml").read_text(encoding="utf-8")) or {}
    return [str(s) for s in metadata.get("validate_clip_seconds", CLIP_SECONDS)]


def _folder_models(folder: Path) -> list[str]:
    return sorted(i for i in MODEL_IDS if registry.models.entry(i).plugin_dir == folder)


def _random_mode_twins(model_ids: list[str]) -> dict[str, str]:
    """Hub models whose random-weights mode is, by construction, their offline `-untrained`
    twin: {hub id: twin id}."""
    return {i: f"{i}-untrained" for i in model_ids
            if "needs-download" in registry.models.entry(i).tags and f"{i}-untrained" in model_ids}


#: What may differ between a hub model in random-weights mode and its twin: their names (and the
#: declared download, which random-weights mode never fetches).
IDENTITY_FIELDS = {"identifier", "checkpoint", "version", "random_mode", "weights"}


def _construction(model) -> dict:
    """Everything a model is built from (class, config, preprocessing, seed), names aside."""
    return {"class": type(model), **{k: v for k, v in vars(model).items()
                                     if k not in IDENTITY_FIELDS}}


@pytest.mark.parametrize("folder", SUBMISSION_FOLDERS, ids=lambda p: p.name)
@pytest.mark.slow
def test_submission_folder_passes_benchmark_validate(folder, capsys, monkeypatch):
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    registered = _folder_models(folder)
    assert registered, f"{folder.name} registers no model"
    clips = _clip_seconds(folder)
    twins = _random_mode_twins(registered)
    if not twins:  # the command CI runs on a pull request, verbatim
        code = main(["validate", str(folder), "--clip-seconds", *clips])
        out = capsys.readouterr().out
        assert code == 0, out
        assert out.split() == [w for i in registered for w in ("ok", i)]
        return
    # A hub model in random-weights mode is built from exactly what its -untrained twin is
    # built from (class, config, preprocessing, seed): the full check runs once, on the twin,
    # and the hub id gets the attribute checks plus that proof of identity.
    for model_id in sorted(set(registered) - set(twins)):
        code = main(["validate", model_id, "--clip-seconds", *clips])
        out = capsys.readouterr().out
        assert code == 0 and out.split() == ["ok", model_id], out
    for hub_id, twin_id in twins.items():
        hub, twin = registry.models.make(hub_id), registry.models.make(twin_id)
        # compared fresh, before any lazy state (config parsing, weights) exists
        assert _construction(hub) == _construction(twin), f"{hub_id} differs from {twin_id}"
        assert _check_attributes(hub_id, hub) == []
        assert hub.version.endswith("random") and "random" in hub.checkpoint
        assert hub.identifier == f"{hub_id}+random-weights"  # the id says so
        assert (hub.layers, hub.default_layers, hub.sample_rate) == \
            (twin.layers, twin.default_layers, twin.sample_rate)


@pytest.mark.slow
def test_models_registered_outside_the_submission_folders_conform(monkeypatch):
    """Models that third-party packages register (entry points) get the same check."""
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    assert FOLDER_MODELS, "the in-repo submission folders register models"
    for model_id in sorted(set(MODEL_IDS) - FOLDER_MODELS):
        assert validate_model(model_id) == [], model_id


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_plugin_has_metadata(model_id):
    metadata = registry.models.entry(model_id).metadata()
    for key in ("name", "licence", "training_data", "checkpoint", "citation"):
        assert key in metadata, f"metadata.yaml of {model_id} lacks {key!r}"
    tags = registry.models.entry(model_id).tags
    if "needs-download" in tags or "pretrained" in tags:
        assert "@" in metadata["citation"], f"{model_id}: a pretrained model needs a BibTeX citation"


@pytest.mark.parametrize("folder", SUBMISSION_FOLDERS, ids=lambda p: p.name)
def test_each_model_of_a_folder_has_its_own_description(folder):
    """`benchmark list models` shows one line per model: a folder registering several models
    names each in `models: {id: description}` of its metadata.yaml."""
    registered = _folder_models(folder)
    metadata = yaml.safe_load((folder / "metadata.yaml").read_text(encoding="utf-8")) or {}
    if len(registered) > 1 or "models" in metadata:
        described = metadata.get("models")
        assert isinstance(described, dict) and sorted(described) == registered, \
            f"{folder.name}/metadata.yaml: models: must describe exactly {registered}"
        assert all(isinstance(v, str) and v.strip() for v in described.values())
        assert len(set(described.values())) == len(described), "descriptions must differ"


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_downloaded_weights_are_pinned_and_declared(model_id):
    """The convention of docs/submit.md: a hub model declares ``checkpoint: <repo-id>`` and
    ``revision: <40-hex commit>`` (passed to from_pretrained and recorded); a direct download
    declares ``weights: {url, sha256 (or null), source}``; every model tagged needs-download has
    one of them."""
    entry = registry.models.entry(model_id)
    metadata = entry.metadata()
    where = f"metadata.yaml of {model_id}"
    with declared_weights():
        model = registry.models.make(model_id)
    if "weights" in metadata:
        declared = PublishedWeights.from_mapping(metadata["weights"], where)
        if isinstance(model, DownloadedModel) and model.weights is not None:
            assert model.weights == declared, f"{model_id} downloads other weights than declared"
            if declared.sha256:
                assert model.checkpoint == declared.checkpoint(declared.sha256)
    if isinstance(model, HFModel) and not model.random_weights:
        revision = metadata.get("revision")
        assert isinstance(revision, str) and len(revision) == 40 and \
            set(revision) <= set("0123456789abcdef"), f"{where}: revision must be a 40-hex commit"
        assert model.revision == revision and model.repo_id == metadata["checkpoint"]
        assert model.checkpoint == f"{metadata['checkpoint']}@{revision}"
    if "needs-download" in entry.tags:
        assert "revision" in metadata or "weights" in metadata, \
            f"{where}: a model that downloads weights pins them (revision: or weights:)"


# -- benchmarks -------------------------------------------------------------------------------
@pytest.mark.parametrize("benchmark_id", BENCHMARK_IDS)
def test_benchmark_identity(benchmark_id):
    benchmark = registry.benchmarks.make(benchmark_id, data_dir=None)
    assert isinstance(benchmark, Benchmark)
    assert benchmark.identifier == benchmark_id
    assert isinstance(benchmark.version, int) and benchmark.version >= 1
    assert benchmark.pooling in ("mean", "none")
    assert benchmark.description and "@" in benchmark.bibtex


@pytest.mark.parametrize("benchmark_id", registry.benchmarks.ids(tag="embedded"))
def test_embedded_benchmark_scores_random_activations(benchmark_id, rng):
    benchmark = registry.benchmarks.make(benchmark_id, data_dir=None)
    stimuli = benchmark.stimulus_set
    n = len(stimuli)
    layers = {"a": rng.standard_normal((n, 5)).astype(np.float32),
              "b": rng.standard_normal((n, 9)).astype(np.float32)}
    if benchmark.pooling == "none":
        layers = {k: [v[i][None] for i in range(n)] for k, v in layers.items()}
    score = benchmark(StimulusActivations(list(stimuli.ids), layers, benchmark.pooling))
    assert math.isfinite(score.raw) and set(score.per_layer) == {"a", "b"}
    assert score.chosen_layers and score.chosen_layers[0] in layers
