"""The library's fMRI benchmark types on small planted data: degenerate layers get an explicit
NaN with the reason recorded and are never the best layer; parameters say what is computed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from brainscore_audio.activations import StimulusActivations
from brainscore_audio.fmri import (
    ComponentDataset,
    ComponentRidgeBenchmark,
    FMRIDataset,
    RSABenchmark,
    VoxelResponses,
    VoxelRidgeBenchmark,
)
from brainscore_audio.stimuli import array_stimulus_set

N = 40


def _dataset(rng, layer: np.ndarray) -> FMRIDataset:
    """2 subjects x 6 voxels reading out ``layer`` with 3 noisy sessions each."""
    ids = [f"s{i}" for i in range(N)]
    stimuli = array_stimulus_set("tiny", ids, [np.zeros(16, np.float32)] * N, 16000)
    signal = layer @ rng.standard_normal((layer.shape[1], 12))
    responses = signal[:, :, None] + 0.5 * rng.standard_normal((N, 12, 3))
    voxels = VoxelResponses(responses, np.repeat(["A", "B"], 6), np.arange(12))
    return FMRIDataset(stimuli, voxels, np.tile(np.arange(5), N // 5), "test")


def _activations(layers: dict[str, np.ndarray]) -> StimulusActivations:
    return StimulusActivations([f"s{i}" for i in range(N)],
                               {k: v.astype(np.float32) for k, v in layers.items()}, "mean")


def test_voxel_ridge_constant_layer_is_nan_with_reason_and_never_chosen(rng):
    good = rng.standard_normal((N, 6))
    data = _dataset(rng, good)
    bench = VoxelRidgeBenchmark("t.voxel-ridge", lambda: data)
    constant = np.full((N, 5), 0.7)
    score = bench(_activations({"dead": constant, "good": good}))
    assert np.isnan(score.per_layer["dead"]) and score.per_layer["good"] > 0.3
    assert score.details["layer_problems"] == {
        "dead": "all 5 features are constant over the stimuli (a constant layer predicts only "
                "training means)"}
    assert score.chosen_layers == ["good"]
    assert np.all(score.artefacts["voxel_layer_per_fold"] == 1)
    assert np.all(np.isnan(score.artefacts["voxel_r2_per_layer"][0]))
    only_good = bench(_activations({"good": good}))
    assert score.raw == only_good.raw
    # No usable layer at all: an honest NaN with the reason, never 0.
    undefined = bench(_activations({"dead": constant, "zeros": np.zeros((N, 3))}))
    assert np.isnan(undefined.raw) and undefined.chosen_layers == []
    assert undefined.details["raw_undefined"].startswith("no layer can be scored: dead: all 5")


def test_component_ridge_constant_layer_is_nan(rng):
    good = rng.standard_normal((N, 6))
    data = _dataset(rng, good)
    components = ComponentDataset(data.stimulus_set, good[:, :2] + 0.1 * rng.standard_normal(
        (N, 2)), ["c1", "c2"], data.folds, "test")
    bench = ComponentRidgeBenchmark("t.component-ridge", lambda: components)
    score = bench(_activations({"dead": np.ones((N, 4)), "good": good}))
    assert np.isnan(score.per_layer["dead"]) and "dead" in score.details["layer_problems"]
    assert score.details["best_single_layer"] == {"c1": "good", "c2": "good"}
    assert score.raw > 0.8
    assert np.isnan(bench(_activations({"dead": np.ones((N, 4))})).raw)


def test_rsa_constant_or_one_dimensional_layer_never_wins_over_a_negative_one(rng):
    """A constant layer used to score rho 0.0 and beat a layer at -0.002: now it is NaN with
    its reason, and the maximum is the real (negative) layer's value."""
    data = _dataset(rng, rng.standard_normal((N, 6)))
    bench = RSABenchmark("t.rsa", lambda: data)
    noise = rng.standard_normal((N, 8))
    one_dim = np.column_stack([rng.standard_normal(N), np.zeros((N, 4))])
    score = bench(_activations({"constant": np.full((N, 8), 2.0), "one-dim": one_dim,
                                "noise": noise}))
    assert score.details["layer_problems"] == {
        "constant": "0 of 8 features vary over the stimuli; an RDM needs at least 2",
        "one-dim": "1 of 5 features vary over the stimuli; an RDM needs at least 2"}
    assert np.isnan(score.per_layer["constant"]) and np.isnan(score.per_layer["one-dim"])
    assert score.chosen_layers == ["noise"]
    assert score.raw == score.per_layer["noise"]
    assert score.details["cross_validated_layer_fraction"] == {"noise": 1.0}
    undefined = bench(_activations({"constant": np.full((N, 8), 2.0)}))
    assert np.isnan(undefined.raw) and undefined.chosen_layers == []
    assert undefined.details["raw_undefined"].startswith("no layer has a defined RDM comparison")


def test_rsa_parameters_record_dead_units_error_and_cross_validation(rng):
    layer = np.maximum(rng.standard_normal((N, 12)), 0.0)
    layer[:, :4] = 0.0  # dead ReLU units
    data = _dataset(rng, layer)
    zero = RSABenchmark("t.rsa", lambda: data)
    drop = RSABenchmark("t.rsa", lambda: data, dead_units="drop")
    parameters = zero.parameters()
    assert parameters["dead_units"] == "zero" and drop.parameters()["dead_units"] == "drop"
    assert parameters["error"] == "standard error over subjects of rho at the best layer"
    assert "rsa_layer_select" in parameters["cross_validation"]
    activations = _activations({"relu": layer})
    with_zeros, dropped = zero(activations), drop(activations)
    assert with_zeros.raw != pytest.approx(dropped.raw, abs=1e-4)
    # The default (zero) follows the authors' RDM: z-score with dead units as zero columns.
    z = np.zeros_like(layer)
    z[:, 4:] = (layer[:, 4:] - layer[:, 4:].mean(0)) / layer[:, 4:].std(0)
    model = 1 - np.corrcoef(z)
    upper = np.triu_indices(N, 1)
    mean = data.responses.mean()
    expected = []
    for subject in ("A", "B"):
        voxels = mean[:, data.responses.subjects == subject]
        brain = 1 - np.corrcoef((voxels - voxels.mean(0)) / voxels.std(0))
        expected.append(spearmanr(brain[upper], model[upper])[0])
    assert with_zeros.raw == pytest.approx(np.mean(expected), abs=1e-12)
    with pytest.raises(ValueError, match="dead_units must be one of"):
        RSABenchmark("t.rsa", lambda: data, dead_units="keep")
