"""Scoring activations extracted elsewhere (.npz): alignment and errors."""

from __future__ import annotations

import numpy as np
import pytest

from brainscore_audio.activations import load_precomputed
from brainscore_audio.errors import UserError

IDS = [f"s{i}" for i in range(6)]


def _write(path, ids, **layers):
    np.savez(path, stimulus_ids=np.array(ids), **layers)
    return path


def test_any_order_is_aligned_to_the_stimulus_set(tmp_path, rng):
    features = rng.standard_normal((6, 4)).astype(np.float32)
    order = [3, 0, 5, 1, 4, 2]
    path = _write(tmp_path / "a.npz", [IDS[i] for i in order], layer_a=features[order])
    loaded = load_precomputed(path, IDS, "mean")
    np.testing.assert_array_equal(loaded.layers["layer_a"], features)


def test_framed_arrays_are_pooled_or_kept(tmp_path, rng):
    framed = rng.standard_normal((6, 5, 3)).astype(np.float32)
    path = _write(tmp_path / "f.npz", IDS, block1=framed)
    np.testing.assert_allclose(load_precomputed(path, IDS, "mean").layers["block1"],
                               framed.mean(axis=1), atol=1e-6)
    kept = load_precomputed(path, IDS, "none").layers["block1"]
    assert len(kept) == 6 and kept[0].shape == (5, 3)


@pytest.mark.parametrize("ids,layers,message", [
    (IDS[:5], {"x": np.zeros((5, 2))}, r"1 missing \(e.g. s5\)"),
    (IDS + ["zz"], {"x": np.zeros((7, 2))}, r"1 not in the stimulus set \(e.g. zz\)"),
    (IDS, {"x": np.zeros((5, 2))}, r"layer 'x' has shape \(5, 2\)"),
    (IDS, {"x": np.full((6, 2), np.nan)}, r"layer 'x' contain NaN"),
    (IDS, {}, "no layer arrays"),
    (IDS[:3] + IDS[:3], {"x": np.zeros((6, 2))}, "duplicated ids"),
    # Issue 11 item 2: no silently dropped imaginary part, no zero-width layer scored as 0.
    (IDS, {"x": np.ones((6, 2)) * (1 + 1j)},
     r"layer 'x' has complex dtype complex128; expected real floating-point values$"),
    (IDS, {"x": np.ones((6, 2), dtype=np.int32)},
     r"layer 'x' has dtype int32; expected floating-point values$"),
    (IDS, {"x": np.zeros((6, 0))},
     r"layer 'x' has shape \(6, 0\); expected at least one feature on the last axis$"),
    (IDS, {"x": np.zeros((6, 3, 0), dtype=np.float32)},
     r"layer 'x' has shape \(6, 3, 0\); expected at least one feature on the last axis$"),
])
def test_bad_files_give_one_line_errors(tmp_path, ids, layers, message):
    path = _write(tmp_path / "bad.npz", ids, **layers)
    with pytest.raises(UserError, match=message) as info:
        load_precomputed(path, IDS, "mean")
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_stimulus_ids_and_pooled_for_framed_benchmark(tmp_path):
    path = tmp_path / "noids.npz"
    np.savez(path, x=np.zeros((6, 2)))
    with pytest.raises(UserError, match="missing array 'stimulus_ids'"):
        load_precomputed(path, IDS, "mean")
    pooled = _write(tmp_path / "pooled.npz", IDS, x=np.zeros((6, 2)))
    with pytest.raises(UserError, match="needs frames"):
        load_precomputed(pooled, IDS, "none")
