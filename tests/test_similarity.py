"""The similarity metrics against independent implementations, known invariances and their
batched forms.

References: the `dcor` package (distance correlation), rsatoolbox (RDMs and their comparison),
scipy.stats (Kendall's tau-b, Spearman), scipy.linalg.orthogonal_procrustes, and the formulas of
CKA/HSIC/RV written out below with explicit loops (independent of the vectorised code).
"""

from __future__ import annotations

import dcor
import numpy as np
import pytest
import rsatoolbox
from scipy.linalg import orthogonal_procrustes
from scipy.stats import kendalltau, ortho_group, spearmanr

from brainscore_audio.metrics import similarity
from brainscore_audio.metrics.similarity import EIGHT, EXTRA, SIMILARITY_METRICS

SHAPES = [(12, 5, 7), (20, 20, 3), (9, 1, 4), (15, 3, 1), (30, 6, 6)]


def _pair(rng, n, p, q, noise=1.0):
    x = rng.normal(size=(n, p))
    y = x @ rng.normal(size=(p, q)) + noise * rng.normal(size=(n, q))
    return x, y


# ----------------------------------------------------------------------------- references (loops)

def _centring(n):
    return np.eye(n) - np.ones((n, n)) / n


def _linear_kernel_loop(x):
    n = x.shape[0]
    k = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            k[i, j] = sum(x[i, c] * x[j, c] for c in range(x.shape[1]))
    return k


def _rbf_kernel_loop(x):
    n = x.shape[0]
    d2 = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            d2[i, j] = sum((x[i, c] - x[j, c]) ** 2 for c in range(x.shape[1]))
    nonzero = [d2[i, j] for i in range(n) for j in range(i + 1, n) if d2[i, j] > 0]
    s2 = float(np.median(nonzero))
    return np.exp(-d2 / (2 * s2))


def _hsic_loop(k, l):
    n = k.shape[0]
    h = _centring(n)
    return float(np.trace(k @ h @ l @ h)) / (n - 1) ** 2


def _cka_loop(k, l):
    return _hsic_loop(k, l) / np.sqrt(_hsic_loop(k, k) * _hsic_loop(l, l))


def _rv_covariance_form(x, y):
    """RV of Robert & Escoufier (1976) from the covariance matrices."""
    xc, yc = x - x.mean(axis=0), y - y.mean(axis=0)
    sxy, sxx, syy = xc.T @ yc, xc.T @ xc, yc.T @ yc
    return np.trace(sxy @ sxy.T) / np.sqrt(np.trace(sxx @ sxx) * np.trace(syy @ syy))


def _rdm_reference(x):
    """1 - Pearson between rows (several columns) with rsatoolbox; |x_i - x_j| for one column."""
    n = x.shape[0]
    if x.shape[1] == 1:
        return np.abs(x[:, 0][:, None] - x[:, 0][None, :])
    rdm = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(x), method="correlation")
    return rdm.get_matrices()[0].reshape(n, n)


# ----------------------------------------------------------------------------- the eight

def test_exactly_the_eight_names_and_the_extras():
    assert set(SIMILARITY_METRICS) == set(EIGHT) | set(EXTRA)
    assert EIGHT == ("rsa-spearman", "rsa-pearson", "rsa-kendall", "cka-linear", "cka-rbf",
                     "dcor", "hsic-rbf", "rv")


@pytest.mark.parametrize("n,p,q", SHAPES)
def test_dcor_matches_the_dcor_package(rng, n, p, q):
    x, y = _pair(rng, n, p, q)
    assert SIMILARITY_METRICS["dcor"](x, y) == pytest.approx(
        dcor.distance_correlation_sqr(x, y), abs=1e-10)


@pytest.mark.parametrize("n,p,q", SHAPES)
def test_rsa_matches_rsatoolbox(rng, n, p, q):
    x, y = _pair(rng, n, p, q)
    rx, ry = _rdm_reference(x), _rdm_reference(y)
    assert np.allclose(similarity.rdm_batch(x)[0], rx, atol=1e-10)
    for ours, theirs in (("rsa-spearman", "spearman"), ("rsa-pearson", "corr"),
                         ("rsa-kendall", "tau-b")):
        a = rsatoolbox.rdm.RDMs(rx[np.triu_indices(n, 1)][None])
        b = rsatoolbox.rdm.RDMs(ry[np.triu_indices(n, 1)][None])
        expected = float(rsatoolbox.rdm.compare(a, b, method=theirs)[0, 0])
        assert SIMILARITY_METRICS[ours](x, y) == pytest.approx(expected, abs=1e-6), ours


def test_kendall_tau_b_with_ties_matches_scipy(rng):
    # integer-valued single columns: the absolute-difference RDMs are full of ties
    x = rng.integers(0, 4, size=(14, 1)).astype(float)
    y = (x + rng.integers(0, 3, size=(14, 1))).astype(float)
    iu = np.triu_indices(14, 1)
    rx = np.abs(x - x.T)[iu]
    ry = np.abs(y - y.T)[iu]
    assert len(np.unique(rx)) < len(rx) / 5  # really tied
    assert SIMILARITY_METRICS["rsa-kendall"](x, y) == pytest.approx(
        kendalltau(rx, ry).statistic, abs=1e-12)
    assert SIMILARITY_METRICS["rsa-spearman"](x, y) == pytest.approx(
        spearmanr(rx, ry).statistic, abs=1e-10)


@pytest.mark.parametrize("m", [2, 3, 7, 64, 65, 300, 1001])
def test_kendall_tau_b_by_sorting_equals_scipy_with_ties(rng, m):
    """Issue 14 item 2: the O(m log m) tau-b equals scipy.stats.kendalltau (variant b) to 1e-12,
    with ties on one side, on both, jointly, and constant rows (NaN)."""
    a = rng.standard_normal((6, m))
    b = a + rng.standard_normal((6, m))
    a[1], b[2] = np.round(a[1]), np.round(b[2] * 2)  # ties on one side each
    a[3], b[3] = np.round(a[3] / 2), np.round(b[3] / 2)  # ties on both, some joint
    b[4] = a[4]  # identical
    a[5] = 1.5  # constant
    ours = similarity.kendall_tau_b(a, b)
    with np.errstate(all="ignore"):
        expected = np.array([kendalltau(x, y).statistic for x, y in zip(a, b, strict=True)])
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours[~np.isnan(ours)], expected[~np.isnan(ours)], atol=1e-12,
                               rtol=0)


def test_rsa_kendall_on_a_whole_sentence_sorts_instead_of_comparing_all_pairs(rng, monkeypatch):
    """A 150-frame sentence has 11,175 RDM entries: the pair-sign form would build 62 million
    signs per side (10 s); above 496 entries tau-b is computed by sorting, equal to scipy."""
    x, y = _pair(rng, 150, 20, 30, noise=3.0)
    y[:, :4] = np.round(y[:, :4])
    monkeypatch.setattr(similarity, "_kendall_signs", _refuse_signs)
    value = SIMILARITY_METRICS["rsa-kendall"](x, y)
    iu = np.triu_indices(150, 1)
    expected = kendalltau(similarity.rdm_batch(x)[0][iu], similarity.rdm_batch(y)[0][iu])
    assert value == pytest.approx(expected.statistic, abs=1e-12)
    assert similarity.compare_rdms("rsa-kendall", similarity.rdm_batch(x)[0],
                                   similarity.rdm_batch(y)[0]) == pytest.approx(value, abs=1e-15)


def _refuse_signs(values):
    raise AssertionError(f"pair signs built for {values.shape[1]} entries")


def test_cross_scores_kendall_paths_agree(rng, monkeypatch):
    """Both rsa-kendall paths of the EEG scoring (pair signs up to 32 frames, sorting above)
    equal scipy on every (layer, subject) pair, with NaN channels dropped."""
    from brainscore_audio.eeg.scoring import cross_scores

    for n in (20, 40):
        x = rng.standard_normal((2, 3, n, 5))
        y = rng.standard_normal((2, 4, n, 7))
        y[1, 2, :, 6] = np.nan
        scores = cross_scores("rsa-kendall", x, y)
        iu = np.triu_indices(n, 1)
        for i in range(2):
            for a in range(3):
                for b in range(4):
                    keep = ~np.isnan(y[i, b, 0])
                    expected = kendalltau(similarity.rdm_batch(x[i, a])[0][iu],
                                          similarity.rdm_batch(y[i, b][:, keep])[0][iu])
                    assert scores[i, a, b] == pytest.approx(expected.statistic, abs=1e-12)
    assert similarity.kendall_by_signs(32) and not similarity.kendall_by_signs(33)


def test_exact_duplicate_rows_are_zero_apart_in_the_rbf_bandwidth(rng):
    """Issue 14 item 2: rows that are exact duplicates are exactly 0 apart, so the median
    heuristic leaves them out (the Gram-matrix formula gave ~1e-14 and counted them)."""
    base = rng.standard_normal((5, 62)) * 3.0 + 40.0  # 62 channels, like the EEG side
    x = base[[0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4]]
    d2 = similarity._squared_distances(x[None])[0]
    duplicate = np.all(x[:, None, :] == x[None, :, :], axis=-1)
    assert np.all(d2[duplicate] == 0.0) and np.all(d2[~duplicate] > 0)
    iu = np.triu_indices(len(x), 1)
    reference = np.array([np.sum((x[i] - x[j]) ** 2) for i, j in zip(*iu, strict=True)])
    expected = np.median(reference[reference > 0])
    assert similarity.median_bandwidth(x)[0] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(similarity.rbf_kernel_batch(x)[0], _rbf_kernel_loop(x),
                               atol=1e-12)


@pytest.mark.parametrize("n,p,q", SHAPES)
def test_kernel_metrics_match_written_out_formulas(rng, n, p, q):
    x, y = _pair(rng, n, p, q)
    kx, ky = _linear_kernel_loop(x), _linear_kernel_loop(y)
    assert SIMILARITY_METRICS["cka-linear"](x, y) == pytest.approx(_cka_loop(kx, ky), abs=1e-10)
    bx, by = _rbf_kernel_loop(x), _rbf_kernel_loop(y)
    assert SIMILARITY_METRICS["cka-rbf"](x, y) == pytest.approx(_cka_loop(bx, by), abs=1e-10)
    assert SIMILARITY_METRICS["hsic-rbf"](x, y) == pytest.approx(_hsic_loop(bx, by), abs=1e-12)
    assert SIMILARITY_METRICS["rv"](x, y) == pytest.approx(_rv_covariance_form(x, y), abs=1e-10)


def test_rv_equals_linear_cka_even_without_centring(rng):
    for n, p, q in SHAPES:
        x, y = _pair(rng, n, p, q)
        x = x + 5.0  # uncentred columns: both centre internally
        assert SIMILARITY_METRICS["rv"](x, y) == pytest.approx(
            SIMILARITY_METRICS["cka-linear"](x, y), abs=1e-12)


def test_invariances(rng):
    x, y = _pair(rng, 16, 6, 5)
    q = ortho_group.rvs(6, random_state=1)
    for name in ("cka-linear", "cka-rbf", "rv", "dcor"):
        base = SIMILARITY_METRICS[name](x, y)
        assert SIMILARITY_METRICS[name](x @ q * 3.7 + 2.0, y) == pytest.approx(base, abs=1e-10), name
    # RSA: the correlation RDM ignores a positive affine change of each row...
    scale = rng.uniform(0.5, 3.0, size=(16, 1))
    for name in ("rsa-spearman", "rsa-pearson", "rsa-kendall"):
        assert SIMILARITY_METRICS[name](x * scale + scale**2, y) == pytest.approx(
            SIMILARITY_METRICS[name](x, y), abs=1e-6), name
    # ...and the rank-based comparisons ignore any monotone transform of an RDM
    rx, ry = similarity.rdm_batch(x)[0], similarity.rdm_batch(y)[0]
    for name in ("rsa-spearman", "rsa-kendall"):
        assert similarity.compare_rdms(name, np.exp(3 * rx), ry ** 3) == pytest.approx(
            similarity.compare_rdms(name, rx, ry), abs=1e-6)
    assert similarity.compare_rdms("rsa-pearson", rx, ry) == pytest.approx(
        SIMILARITY_METRICS["rsa-pearson"](x, y), abs=1e-12)


def test_identical_inputs_score_one(rng):
    x = rng.normal(size=(18, 4))
    for name in EIGHT + EXTRA:
        if name == "hsic-rbf":  # not normalised: HSIC(X, X) = sqrt(HSIC(X, X) HSIC(X, X))
            continue
        assert SIMILARITY_METRICS[name](x, x) == pytest.approx(1.0, abs=1e-6), name


def test_hsic_is_not_normalised_but_symmetric(rng):
    x, y = _pair(rng, 15, 3, 4)
    h = SIMILARITY_METRICS["hsic-rbf"]
    assert h(x, y) == pytest.approx(h(y, x), abs=1e-14)
    assert h(x, y) ** 2 <= h(x, x) * h(y, y) + 1e-15  # Cauchy-Schwarz in the kernel space


def test_batched_forms_match_the_per_pair_functions(rng):
    x = rng.normal(size=(7, 10, 4))
    y = x[:, :, :3] @ rng.normal(size=(3, 5)) + rng.normal(size=(7, 10, 5))
    for name in EIGHT + EXTRA:
        batched = similarity.paired_similarity(name, x, y)
        looped = [SIMILARITY_METRICS[name](a, b) for a, b in zip(x, y, strict=True)]
        assert np.allclose(batched, looped, atol=1e-6), name
    for name in EIGHT:
        cross = similarity.cross_similarity(name, similarity.embed(name, x),
                                            similarity.embed(name, y))
        expected = [[SIMILARITY_METRICS[name](a, b) for b in y] for a in x]
        assert np.allclose(cross, expected, atol=1e-6), name


def test_nan_columns_are_dropped_channels(rng):
    x, y = _pair(rng, 12, 4, 6)
    y_missing = y.copy()
    y_missing[:, 2] = np.nan
    for name in EIGHT + EXTRA:
        assert SIMILARITY_METRICS[name](x, y_missing) == pytest.approx(
            SIMILARITY_METRICS[name](x, np.delete(y, 2, axis=1)), abs=1e-6), name


def test_undefined_inputs_give_nan_and_shape_errors_raise(rng):
    x = rng.normal(size=(8, 3))
    constant = np.ones((8, 2))
    for name in ("cka-linear", "rv", "dcor", "cka-rbf", "rsa-pearson"):
        assert np.isnan(SIMILARITY_METRICS[name](x, constant)), name
    assert np.isnan(SIMILARITY_METRICS["rsa-spearman"](x[:2], x[:2]))  # one RDM entry
    with pytest.raises(ValueError, match="same n"):
        SIMILARITY_METRICS["cka-linear"](x, x[:5])


# ----------------------------------------------------------------------------- beyond the eight

def test_procrustes_matches_scipy(rng):
    x, y = _pair(rng, 20, 5, 5)
    xc = x - x.mean(axis=0)
    yc = y - y.mean(axis=0)
    xc, yc = xc / np.linalg.norm(xc), yc / np.linalg.norm(yc)
    rotation, _ = orthogonal_procrustes(yc, xc)
    distance2 = np.linalg.norm(xc - yc @ rotation) ** 2
    assert SIMILARITY_METRICS["procrustes"](x, y) == pytest.approx(1 - distance2 / 2, abs=1e-10)


def test_cca_metrics_are_invariant_to_invertible_maps(rng):
    x = rng.normal(size=(40, 5))
    a = rng.normal(size=(5, 5))
    for name in ("svcca", "pwcca"):
        assert SIMILARITY_METRICS[name](x, x @ a + 1.0) == pytest.approx(1.0, abs=1e-8), name
        assert SIMILARITY_METRICS[name](x, rng.normal(size=(40, 5))) < 0.7


def test_unbiased_cka_matches_the_song_estimator_loop(rng):
    x, y = _pair(rng, 10, 3, 4)
    n = 10

    def hsic_u(k, l):
        k, l = k.copy(), l.copy()
        np.fill_diagonal(k, 0)
        np.fill_diagonal(l, 0)
        first = sum(k[i, j] * l[j, i] for i in range(n) for j in range(n))
        second = k.sum() * l.sum() / ((n - 1) * (n - 2))
        third = sum(k[i, j] * l[j, m] for i in range(n) for j in range(n) for m in range(n))
        return (first + second - 2 * third / (n - 2)) / (n * (n - 3))

    kx, ky = _linear_kernel_loop(x), _linear_kernel_loop(y)
    expected = hsic_u(kx, ky) / np.sqrt(hsic_u(kx, kx) * hsic_u(ky, ky))
    assert SIMILARITY_METRICS["cka-unbiased"](x, y) == pytest.approx(expected, abs=1e-10)


def test_mutual_knn_against_brute_force(rng):
    x, y = _pair(rng, 15, 3, 3, noise=2.0)
    k = 4

    def neighbours(z):
        d = ((z[:, None] - z[None]) ** 2).sum(-1)
        return [set(sorted((j for j in range(15) if j != i), key=lambda j: (d[i, j], j))[:k])
                for i in range(15)]

    expected = np.mean([len(a & b) / k for a, b in zip(neighbours(x), neighbours(y), strict=True)])
    assert similarity.mutual_knn(x, y, k=k) == pytest.approx(expected)
    assert 0 <= similarity.cknna(x, y, k=k) <= 1


def test_metrics_are_deterministic(rng):
    x, y = _pair(rng, 12, 4, 4)
    for name in EIGHT + EXTRA:
        assert SIMILARITY_METRICS[name](x, y) == SIMILARITY_METRICS[name](x.copy(), y.copy())
