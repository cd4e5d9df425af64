"""`basic-pitch`: Spotify's Basic Pitch note transcriber (ICASSP 2022), the ONNX graph in its wheel.

``basic_pitch/saved_models/icassp_2022/nmp.onnx`` is read from the installed wheel without
importing the package (which pulls TensorFlow); intermediate tensors of the graph are exposed
as layers (``brainscore_audio.adapters.onnx_graph``) and run with onnxruntime. Install with
``pip install --no-deps basic-pitch``.

Input: 22,050 Hz audio in 2 s windows (43,844 samples) overlapping by 30 frames, exactly as
``basic_pitch.inference.run_inference``: 3,840 zeros prepended, window hop 36,164 samples, 15
frames dropped at each window edge, output cut to floor(n * 86 / 22050) frames.

Layers (one frame per 256 samples, 11.6 ms; conv maps flattened as channels x bins):
``cqt`` (log-normalised CQT, 309 bins), ``harmonic_stack`` (8 harmonics x 264 bins),
``contour_conv`` (8 x 264), ``contour`` (264 pitch bins, 3 per semitone), ``note_conv``
(32 x 88), ``notes`` (88 piano keys, MIDI 21-108), ``onset_conv`` (32 x 88), ``onsets`` (88).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.adapters.onnx_graph import OnnxWheelModel
from brainscore_audio.model import Activations

SAMPLE_RATE = 22_050
FFT_HOP = 256
WINDOW = SAMPLE_RATE * 2 - FFT_HOP  # 43,844 samples
OVERLAP_FRAMES = 30
OVERLAP = OVERLAP_FRAMES * FFT_HOP
WINDOW_HOP = WINDOW - OVERLAP
FRAMES_PER_SECOND = SAMPLE_RATE // FFT_HOP  # 86, as basic-pitch counts output frames
LOWEST_MIDI = 21
ONNX_PATH = ("saved_models", "icassp_2022", "nmp.onnx")

#: layer -> (tensor of nmp.onnx (basic-pitch 0.4.0), its layout)
TENSORS: dict[str, tuple[str, str]] = {
    "cqt": ("model_1/normalized_log_1/Reshape_2;model_1/normalized_log_1/Reshape_2", "BTF"),
    "harmonic_stack": ("model_1/harmonic-stacking-diff/strided_slice_7;"
                       "model_1/harmonic-stacking-diff/strided_slice_7", "BTFH"),
    "contour_conv": ("Relu__38:0", "BCTF"),
    "contour": ("StatefulPartitionedCall:0", "BTF"),
    "note_conv": ("Relu__42:0", "BCTF"),
    "notes": ("StatefulPartitionedCall:1", "BTF"),
    "onset_conv": ("Relu__35:0", "BCTF"),
    "onsets": ("StatefulPartitionedCall:2", "BTF"),
}


def windows(audio: np.ndarray) -> np.ndarray:
    """``(batch, samples)`` -> ``(batch, n_windows, 43844)`` as basic-pitch cuts a file."""
    padded = np.pad(audio, ((0, 0), (OVERLAP // 2, 0)))
    starts = range(0, padded.shape[1], WINDOW_HOP)
    out = np.zeros((len(audio), len(starts), WINDOW), dtype=np.float32)
    for w, start in enumerate(starts):
        piece = padded[:, start:start + WINDOW]
        out[:, w, :piece.shape[1]] = piece
    return out


def _frames(values: np.ndarray, layout: str) -> np.ndarray:
    """A tensor of one layout -> ``(windows, frames, dim)``."""
    if layout == "BCTF":
        values = values.transpose(0, 2, 1, 3)
    return values.reshape(values.shape[0], values.shape[1], -1)


class BasicPitch(OnnxWheelModel):
    """Basic Pitch (pretrained ONNX graph from the basic-pitch wheel)."""

    identifier = "basic-pitch"
    sample_rate = SAMPLE_RATE
    layers = list(TENSORS)
    default_layers = list(TENSORS)
    checkpoint = "basic-pitch 0.4.0 wheel saved_models/icassp_2022/nmp.onnx"
    package, onnx_path = "basic_pitch", ONNX_PATH
    install_hint = "pip install --no-deps basic-pitch"
    outputs = [t for t, _ in TENSORS.values()]

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        self.load()
        audio = np.asarray(audio, dtype=np.float32)
        batch, n = audio.shape
        cut = windows(audio)
        n_windows = cut.shape[1]
        names = [TENSORS[name][0] for name in layers]
        results = self._session.run(names, {self._input: cut.reshape(-1, WINDOW, 1)})
        keep = max(1, int(np.floor(n * FRAMES_PER_SECOND / SAMPLE_RATE)))
        half = OVERLAP_FRAMES // 2
        out = {}
        for name, values in zip(layers, results, strict=True):
            frames = _frames(values, TENSORS[name][1])[:, half:-half]  # (batch*windows, 142, dim)
            frames = frames.reshape(batch, n_windows * frames.shape[1], -1)[:, :keep]
            out[name] = Activations(np.ascontiguousarray(frames, dtype=np.float32),
                                    FFT_HOP / SAMPLE_RATE)
        return out


def key_to_midi(key: int) -> int:
    """Index in the 88-key ``notes``/``onsets`` layers -> MIDI note number (A0 = 21)."""
    return LOWEST_MIDI + key
