"""RDMs and their comparison against rsatoolbox; CV layer choice and topline on planted data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from brainscore_audio.metrics.rsa import (
    compare_rdms,
    cross_validated_layer_rsa,
    leave_one_subject_out_topline,
    rdm,
    upper_triangle,
)

rsatoolbox = pytest.importorskip("rsatoolbox")  # a declared test dependency (.[test])


def test_rdm_matches_rsatoolbox_correlation_rdm_of_zscored_features(rng):
    x = rng.standard_normal((30, 12)) * rng.uniform(0.5, 5, 12) + rng.uniform(-3, 3, 12)
    z = (x - x.mean(0)) / x.std(0)
    reference = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(z), method="correlation")
    np.testing.assert_allclose(rdm(x), reference.get_matrices()[0], atol=1e-10)


def test_compare_matches_rsatoolbox_spearman(rng):
    a, b, c = (rdm(rng.standard_normal((25, 6))) for _ in range(3))
    ours = compare_rdms(a, [b, c])
    for value, other in zip(ours, (b, c), strict=True):
        reference = rsatoolbox.rdm.compare(
            rsatoolbox.rdm.RDMs(upper_triangle(a)[None]),
            rsatoolbox.rdm.RDMs(upper_triangle(other)[None]), method="spearman")
        assert value == pytest.approx(float(reference[0, 0]), abs=1e-10)
        assert value == pytest.approx(spearmanr(upper_triangle(a), upper_triangle(other))[0])


def test_rdm_invariances_and_identity(rng):
    x = rng.standard_normal((20, 8))
    scaled = x * rng.uniform(0.1, 10, 8) + rng.uniform(-5, 5, 8)  # per-feature affine
    np.testing.assert_allclose(rdm(x), rdm(scaled), atol=1e-10)
    assert compare_rdms(rdm(x), [rdm(x)])[0] == pytest.approx(1.0)
    constant_column = np.column_stack([x, np.ones(20)])
    np.testing.assert_allclose(rdm(constant_column), rdm(x), atol=1e-12)


def test_cross_validated_layer_choice_finds_planted_layer(rng):
    n = 50
    folds = np.tile(np.arange(5), 10)
    layers = [rng.standard_normal((n, 10)) for _ in range(3)]
    brain = layers[1] @ rng.standard_normal((10, 40)) + 0.5 * rng.standard_normal((n, 40))
    layer_rdms = np.stack([rdm(x) for x in layers])
    value, chosen = cross_validated_layer_rsa(rdm(brain), layer_rdms, folds)
    assert np.all(chosen[np.triu_indices(n, 1)] == 1)
    # With one layer chosen everywhere, the composite is that layer's RDM.
    assert value == pytest.approx(compare_rdms(rdm(brain), layer_rdms[1:2])[0])


def test_cross_validation_is_below_max_on_pure_noise(rng):
    n = 40
    folds = np.tile(np.arange(5), 8)
    layer_rdms = np.stack([rdm(rng.standard_normal((n, 5))) for _ in range(8)])
    brain = rdm(rng.standard_normal((n, 30)))
    best = compare_rdms(brain, layer_rdms).max()
    value, _ = cross_validated_layer_rsa(brain, layer_rdms, folds)
    assert value < best


def test_topline_is_leave_one_subject_out(rng):
    shared = rng.standard_normal((30, 20))
    subjects = np.stack([rdm(shared + rng.standard_normal((30, 20))) for _ in range(4)])
    topline = leave_one_subject_out_topline(subjects)
    for s in range(4):
        others = np.delete(subjects, s, axis=0).mean(0)
        expected = spearmanr(upper_triangle(subjects[s]), upper_triangle(others))[0]
        assert topline[s] == pytest.approx(expected)


def _naive_cross_validated(brain, layer_rdms, folds):
    """The cross-validated layer choice written out with scipy, one block at a time."""
    n = len(folds)
    composite = np.zeros((n, n))
    ids = np.unique(folds)
    for i, a in enumerate(ids):
        for b in ids[i:]:
            outside = ~np.isin(folds, [a, b])
            rows, cols = np.triu_indices(n, 1)
            keep = outside[rows] & outside[cols]
            rho = [spearmanr(brain[rows[keep], cols[keep]], layer[rows[keep], cols[keep]])[0]
                   for layer in layer_rdms]
            best = layer_rdms[int(np.argmax(rho))]
            in_block = np.outer(folds == a, folds == b) | np.outer(folds == b, folds == a)
            composite[in_block] = best[in_block]
    return spearmanr(upper_triangle(brain), upper_triangle(composite))[0]


def test_layer_rdms_shared_ranks_equal_scipy(rng):
    from brainscore_audio.metrics.rsa import LayerRDMs

    n = 40
    folds = np.tile(np.arange(5), 8)
    shared = rng.standard_normal((n, 6))
    layer_rdms = np.stack([rdm(shared @ rng.standard_normal((6, 10)) + s * rng.standard_normal(
        (n, 10))) for s in (0.5, 2.0, 4.0)])
    ranked = LayerRDMs(layer_rdms, folds)
    for _ in range(3):
        brain = rdm(shared @ rng.standard_normal((6, 30)) + rng.standard_normal((n, 30)))
        expected = [spearmanr(upper_triangle(brain), upper_triangle(x))[0] for x in layer_rdms]
        np.testing.assert_allclose(ranked.compare(brain), expected, atol=1e-12)
        value, _ = ranked.cross_validated(brain)
        assert value == pytest.approx(_naive_cross_validated(brain, layer_rdms, folds), abs=1e-12)
