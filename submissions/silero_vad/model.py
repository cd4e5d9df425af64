"""`silero-vad`: the Silero voice-activity detector (v6), the 16 kHz ONNX graph in its wheel.

``silero_vad/data/silero_vad_16k_op15.onnx`` is read from the installed wheel (``pip install
--no-deps silero-vad``) and run with onnxruntime, streaming as ``silero_vad``'s own
``OnnxWrapper`` does: chunks of 512 samples (32 ms), each with the previous chunk's last 64
samples as context (zeros before the first), the LSTM state carried from chunk to chunk, and the
clip zero-padded to a whole number of chunks.

Layers, one frame per chunk (32 ms): ``stft`` (129 bins x 4 frames of magnitude), ``conv1`` ..
``conv4`` (the encoder's conv+ReLU blocks, flattened channels x positions), ``lstm`` (ReLU of
the decoder LSTM's hidden state, 128) and ``speech_prob`` (the speech probability, 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.adapters.onnx_graph import OnnxWheelModel
from brainscore_audio.model import Activations

SAMPLE_RATE = 16_000
CHUNK = 512
CONTEXT = 64
ONNX_PATH = ("data", "silero_vad_16k_op15.onnx")
TENSORS = {
    "stft": "/model/stft/Sqrt_output_0",
    "conv1": "/model/encoder/0/activation/Relu_output_0",
    "conv2": "/model/encoder/1/activation/Relu_output_0",
    "conv3": "/model/encoder/2/activation/Relu_output_0",
    "conv4": "/model/encoder/3/activation/Relu_output_0",
    "lstm": "/model/decoder/decoder/1/Relu_output_0",
    "speech_prob": "output",
}
STATE_OUT = "stateN"


class SileroVAD(OnnxWheelModel):
    """Silero VAD v6 (pretrained ONNX graph from the silero-vad wheel)."""

    identifier = "silero-vad"
    sample_rate = SAMPLE_RATE
    layers = list(TENSORS)
    default_layers = list(TENSORS)
    checkpoint = "silero-vad 6.2.3 wheel data/silero_vad_16k_op15.onnx"
    package, onnx_path = "silero_vad", ONNX_PATH
    install_hint = "pip install --no-deps silero-vad"
    outputs = [*TENSORS.values(), STATE_OUT]
    threads = 1

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        self.load()
        audio = np.asarray(audio, dtype=np.float32)
        batch, n = audio.shape
        n_chunks = max(1, -(-n // CHUNK))
        padded = np.zeros((batch, CONTEXT + n_chunks * CHUNK), dtype=np.float32)
        padded[:, CONTEXT:CONTEXT + n] = audio
        state = np.zeros((2, batch, 128), dtype=np.float32)
        names = [TENSORS[name] for name in layers] + [STATE_OUT]
        frames: dict[str, list[np.ndarray]] = {name: [] for name in layers}
        sr = np.array(SAMPLE_RATE, dtype=np.int64)
        for k in range(n_chunks):
            window = padded[:, k * CHUNK:k * CHUNK + CONTEXT + CHUNK]
            *values, state = self._session.run(names, {"input": window, "state": state, "sr": sr})
            for name, value in zip(layers, values, strict=True):
                frames[name].append(value.reshape(batch, -1))
        return {name: Activations(np.stack(frames[name], axis=1).astype(np.float32),
                                  CHUNK / SAMPLE_RATE) for name in layers}
