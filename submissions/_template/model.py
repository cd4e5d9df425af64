"""`my-model`: a template plugin. Replace the network in ``build()`` with yours.

The contract (brainscore_audio/model.py): ``embed(audio, layers)`` receives float32 mono audio
``(batch, samples)`` in [-1, 1] at ``sample_rate`` and returns, for each requested layer,
``Activations(values (batch, frames, dim) float32, hop_seconds)``. ``TorchHookModel`` does
that for any torch module: name the submodules whose outputs are layers, say how their axes are
laid out and how far apart their frames are, and build the module (load your weights there).
"""

from __future__ import annotations

from brainscore_audio.adapters.torch_hooks import TorchHookModel, seeded_init

SEED = 0


def _network():
    import torch  # heavy imports stay inside functions: listing plugins must stay fast

    return torch.nn.Sequential(
        torch.nn.Conv1d(1, 16, kernel_size=400, stride=160),  # 25 ms windows every 10 ms
        torch.nn.ReLU(),
        torch.nn.Conv1d(16, 32, kernel_size=3, stride=2),  # 20 ms
        torch.nn.ReLU(),
    )


class MyModel(TorchHookModel):
    """Two conv layers on the 16 kHz waveform (untrained, seeded: replace with your model)."""

    identifier = "my-model"
    version = "1"  # bump whenever the activations for the same audio change
    sample_rate = 16_000  # the harness resamples every stimulus to this rate
    checkpoint = f"untrained, torch seed {SEED}"  # your weights' id or hash
    hooks = {"conv1": "1", "conv2": "3"}  # layer name -> submodule (here: the ReLUs)
    layouts = {"conv1": "BCT", "conv2": "BCT"}  # Conv1d outputs are (batch, channels, time)
    hop_seconds = {"conv1": 0.01, "conv2": 0.02}
    # layers = list(hooks); default_layers = evenly spaced (docs/methods.md#default-layers)

    def build(self):
        # Load your weights here, e.g. net.load_state_dict(torch.load(path, map_location="cpu")),
        # or download them with brainscore_audio.download.download(url, folder).
        return seeded_init(_network, SEED)

    def prepare(self, audio):
        import torch

        audio = torch.from_numpy(audio)[:, None, :]  # (batch, 1, samples) for Conv1d
        if audio.shape[-1] < 720:  # shorter than one conv2 frame: pad (documented behaviour)
            audio = torch.nn.functional.pad(audio, (0, 720 - audio.shape[-1]))
        return audio
