"""Correlation, clipped R^2 and reliability helpers."""

from __future__ import annotations

import numpy as np
import pytest

from brainscore_audio.metrics.correlation import clipped_r2, columnwise_pearson, standard_error
from brainscore_audio.metrics.reliability import session_reliability, spearman_brown


def test_columnwise_pearson_matches_corrcoef(rng):
    a, b = rng.standard_normal((50, 4)), rng.standard_normal((50, 4))
    expected = [np.corrcoef(a[:, i], b[:, i])[0, 1] for i in range(4)]
    np.testing.assert_allclose(columnwise_pearson(a, b), expected, atol=1e-12)


def test_constant_columns_give_zero_and_negative_r_clips(rng):
    a = rng.standard_normal((30, 3))
    b = np.column_stack([np.full(30, 2.5), -a[:, 1], a[:, 2]])
    r = columnwise_pearson(a, b)
    assert r[0] == 0.0 and r[1] == pytest.approx(-1.0) and r[2] == pytest.approx(1.0)
    np.testing.assert_allclose(clipped_r2(a, b), [0.0, 0.0, 1.0])


def test_spearman_brown_known_values():
    assert spearman_brown(0.5, 3) == pytest.approx(0.75)
    assert spearman_brown(0.2, 2) == pytest.approx(0.4 / 1.2)
    assert spearman_brown(1.0, 5) == pytest.approx(1.0)


def test_session_reliability_recovers_planted_value(rng):
    n_stimuli, n_voxels = 400, 300
    signal = rng.standard_normal((n_stimuli, n_voxels))
    r1 = 0.4  # planted single-session reliability
    noise_sd = np.sqrt((1 - r1) / r1)
    sessions = signal[:, :, None] + noise_sd * rng.standard_normal((n_stimuli, n_voxels, 3))
    measured = session_reliability(sessions)
    assert np.median(measured) == pytest.approx(3 * r1 / (1 + 2 * r1), abs=0.02)
    # ... and it is the R^2 ceiling: a perfect model's R^2 against the session mean.
    perfect = clipped_r2(signal, sessions.mean(axis=2))
    assert np.median(perfect) == pytest.approx(np.median(measured), abs=0.02)


def test_standard_error():
    assert standard_error(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(np.std([1, 2, 3, 4],
                                                                                   ddof=1) / 2)
    assert np.isnan(standard_error(np.array([1.0])))
