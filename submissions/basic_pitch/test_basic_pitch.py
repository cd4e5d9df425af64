"""basic-pitch: the wheel's graph is real (note activations peak at the played MIDI note, the
contour at its pitch bin), windows and frame counts follow basic_pitch.inference, and graph
tensors are checked by name."""

from __future__ import annotations

import numpy as np
import pytest
from brainscore_audio_submissions.basic_pitch.model import (
    ONNX_PATH,
    SAMPLE_RATE,
    WINDOW,
    WINDOW_HOP,
    BasicPitch,
    key_to_midi,
    windows,
)

from brainscore_audio.adapters.assets import package_file
from brainscore_audio.adapters.onnx_graph import session_with_outputs
from brainscore_audio.errors import UserError


def harmonic_tone(midi: int, seconds: float = 1.2) -> np.ndarray:
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return sum(0.3 / k * np.sin(2 * np.pi * k * f0 * t) for k in (1, 2, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    return BasicPitch()


def test_notes_and_contour_peak_at_the_played_note(model):
    tones = np.stack([harmonic_tone(m) for m in (57, 69, 76)])
    out = model.embed(tones, ["notes", "contour"])
    for row, midi in enumerate((57, 69, 76)):
        notes = out["notes"].values[row, 10:-10].mean(axis=0)
        assert key_to_midi(int(notes.argmax())) == midi and notes.max() > 0.5
        contour = out["contour"].values[row, 10:-10].mean(axis=0)
        assert abs(int(contour.argmax()) - 3 * (midi - 21)) <= 1  # 3 bins per semitone from A0


def test_frame_count_hop_and_layer_sizes(model):
    n = int(2.9 * SAMPLE_RATE)  # two windows
    out = model.embed(np.zeros((1, n), dtype=np.float32), model.layers)
    dims = {name: act.values.shape[2] for name, act in out.items()}
    assert dims == {"cqt": 309, "harmonic_stack": 8 * 264, "contour_conv": 8 * 264, "contour": 264,
                    "note_conv": 32 * 88, "notes": 88, "onset_conv": 32 * 88, "onsets": 88}
    for act in out.values():
        assert act.values.shape[1] == int(np.floor(n * 86 / SAMPLE_RATE))
        assert act.hop_seconds == pytest.approx(256 / 22050)


def test_windows_prepend_half_the_overlap_and_step_like_basic_pitch():
    audio = np.arange(1, 80_001, dtype=np.float32)[None]
    cut = windows(audio)
    assert cut.shape == (1, 3, WINDOW)
    assert np.all(cut[0, 0, :3840] == 0) and cut[0, 0, 3840] == 1
    assert cut[0, 1, 0] == WINDOW_HOP - 3840 + 1  # second window starts one hop later
    assert cut[0, 2, -1] == 0  # the last window is zero-padded


def test_unknown_graph_tensor_is_a_clear_error():
    path = package_file("basic_pitch", *ONNX_PATH)
    with pytest.raises(UserError, match="no tensor.*not-a-tensor"):
        session_with_outputs(path, ["not-a-tensor"])
