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
    np.testing.assert_allclose(rdm(constant_column, dead_units="drop"), rdm(x), atol=1e-12)


def _authors_rdm(x: np.ndarray) -> np.ndarray:
    """Pepino et al.'s RDM written out: z-score with std + 1e-10, then 1 - np.corrcoef of rows
    (dead units stay as zero columns)."""
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-10)
    return 1 - np.corrcoef(z)


@pytest.mark.parametrize("level", [0.0, 0.1, 1 / 3, 5.0])
def test_dead_units_are_zero_columns_by_default_as_the_authors_keep_them(rng, level):
    """Issue 11 item 6: constant (dead) units stay as zero columns of the z-scored matrix (the
    authors' convention, the default) or are dropped (``dead_units="drop"``). A ReLU-like layer
    with a third of its units dead: the two conventions give different RDMs and rho."""
    x = np.maximum(rng.standard_normal((30, 24)) + 0.3, 0.0)
    x[:, ::3] = level  # dead units
    # 1e-6: the authors' z-score of a unit constant at 0.1 is rounding noise / 1e-10 ~ 1e-7,
    # not exactly 0 (the mean of n copies of 0.1 is not 0.1); ours is exactly 0.
    np.testing.assert_allclose(rdm(x), _authors_rdm(x), atol=1e-6)
    np.fill_diagonal(reference := _authors_rdm(x[:, [i for i in range(24) if i % 3]]), 0.0)
    np.testing.assert_allclose(rdm(x, dead_units="drop"), reference, atol=1e-8)
    brain = rdm(x[:, 1:] @ rng.standard_normal((23, 40)) + rng.standard_normal((30, 40)))
    zero, drop = compare_rdms(brain, [rdm(x), rdm(x, dead_units="drop")])
    assert zero != pytest.approx(drop, abs=1e-3)
    with pytest.raises(ValueError, match="dead_units must be one of"):
        rdm(x, dead_units="keep")


def test_a_constant_rdm_compares_as_nan_not_zero(rng):
    """Issue 11 item 2: a constant RDM has no defined Spearman rho (it used to score 0.0 and
    win over a layer at -0.002)."""
    brain = rdm(rng.standard_normal((20, 8)))
    constant = np.ones((20, 20)) - np.eye(20)
    values = compare_rdms(brain, [constant, rdm(rng.standard_normal((20, 5)))])
    assert np.isnan(values[0]) and np.isfinite(values[1])


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


def _authors_cross_validated(brain, layer_rdms, folds):
    """Pepino et al.'s rsa_layer_select written out plainly (mrpep/braindnn src/learning.py):
    loop over fold pairs (i, j), i <= j; choose the layer by scipy's Spearman on the upper
    entries with the row outside fold i and the column outside fold j; overwrite the entries
    with the row in fold i or the column in fold j; compare the upper triangles at the end."""
    n = len(folds)
    ids = np.unique(folds)
    composite = np.zeros((n, n))
    rows, cols = np.triu_indices(n, 1)
    for i in range(len(ids)):
        for j in range(i, len(ids)):
            train = np.outer(folds != ids[i], folds != ids[j])
            keep = train[rows, cols]
            rho = [spearmanr(brain[rows[keep], cols[keep]], layer[rows[keep], cols[keep]])[0]
                   for layer in layer_rdms]
            composite[~train] = layer_rdms[int(np.argmax(rho))][~train]
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
        assert value == pytest.approx(_authors_cross_validated(brain, layer_rdms, folds),
                                      abs=1e-12)


def test_cross_validated_choice_is_the_authors_on_a_planted_case(rng):
    """Issue 11 item 6: two layers each carry the brain's geometry for a different half of the
    stimuli, and unequal, shuffled folds (labels not 0..K-1), so the choice differs between fold
    pairs. Our value equals the authors' loop (written out in the test)."""
    n = 36
    folds = rng.permutation(np.repeat([3, 7, 8, 11], [8, 9, 9, 10]))
    shared = rng.standard_normal((n, 6))
    half = np.arange(n) < n // 2
    layers = []
    for own in (half, ~half):
        x = shared @ rng.standard_normal((6, 12)) + 0.5 * rng.standard_normal((n, 12))
        x[~own] = rng.standard_normal(((~own).sum(), 12))
        layers.append(x)
    layers.append(rng.standard_normal((n, 12)))
    layer_rdms = np.stack([rdm(x) for x in layers])
    brain = rdm(shared @ rng.standard_normal((6, 50)) + rng.standard_normal((n, 50)))
    value, chosen = cross_validated_layer_rsa(brain, layer_rdms, folds)
    assert value == pytest.approx(_authors_cross_validated(brain, layer_rdms, folds), abs=1e-12)
    upper = chosen[np.triu_indices(n, 1)]
    assert set(upper.tolist()) >= {0, 1}, "the planted case must choose different layers"


def test_cross_validation_never_chooses_a_constant_layer(rng):
    """A constant layer RDM (NaN rho) is never chosen (numpy.argmax would pick the NaN)."""
    n = 30
    folds = np.tile(np.arange(5), 6)
    weak = rdm(rng.standard_normal((n, 5)))
    constant = np.ones((n, n)) - np.eye(n)
    brain = rdm(rng.standard_normal((n, 20)))
    value, chosen = cross_validated_layer_rsa(brain, np.stack([constant, weak]), folds)
    assert np.all(chosen[np.triu_indices(n, 1)] == 1)
    assert value == pytest.approx(compare_rdms(brain, [weak])[0], abs=1e-12)
