"""`random-cnn`: fixed-seed weights, layer shapes and hops, short-clip padding."""

from __future__ import annotations

import numpy as np
from brainscore_audio_submissions.random_cnn.model import RandomCNN

from brainscore_audio.validate import validate_model


def test_conforms():
    assert validate_model("random-cnn") == []


def test_same_seed_same_activations_in_new_instances():
    audio = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 16000)).astype(np.float32)
    first = RandomCNN().embed(audio, RandomCNN.layers)
    second = RandomCNN().embed(audio, RandomCNN.layers)
    for name in RandomCNN.layers:
        np.testing.assert_array_equal(first[name].values, second[name].values)


def test_layer_dims_hops_and_frame_counts():
    audio = np.zeros((1, 16000), dtype=np.float32)
    out = RandomCNN().embed(audio, ["conv1", "conv4"])
    assert set(out) == {"conv1", "conv4"}
    assert out["conv1"].values.shape == (1, 98, 32) and out["conv1"].hop_seconds == 0.01
    assert out["conv4"].values.shape[2] == 256 and out["conv4"].hop_seconds == 0.08
    assert abs(out["conv4"].values.shape[1] - 1.0 / 0.08) <= 3  # valid-conv edges drop frames


def test_short_clips_are_padded_to_one_frame():
    out = RandomCNN().embed(np.zeros((1, 800), dtype=np.float32), ["conv4"])
    assert out["conv4"].values.shape == (1, 1, 256)
