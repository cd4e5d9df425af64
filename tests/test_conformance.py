"""Generic conformance tests, parametrised over every registered plugin (as Brain-Score does).

Every model must pass ``benchmark validate``; every benchmark must be constructible without
data, carry its identity and citation, and (when embedded) score synthetic activations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from brainscore_audio import registry
from brainscore_audio.activations import StimulusActivations
from brainscore_audio.benchmark import Benchmark
from brainscore_audio.validate import validate_model

MODEL_IDS = registry.models.ids()
BENCHMARK_IDS = registry.benchmarks.ids()


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_conforms(model_id):
    if "needs-download" in registry.models.entry(model_id).tags:
        pytest.skip("weights come from a hub (tested from its config in the plugin's test)")
    assert validate_model(model_id) == []


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_plugin_has_metadata(model_id):
    metadata = registry.models.entry(model_id).metadata()
    for key in ("name", "licence", "training_data", "checkpoint", "citation"):
        assert key in metadata, f"metadata.yaml of {model_id} lacks {key!r}"


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
