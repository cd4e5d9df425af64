"""`dasheng-base`: Dasheng base (86M), a masked-autoencoder audio encoder trained on 272k hours.

The checkpoint is downloaded on first use from the authors' Zenodo record (the URL the
``dasheng`` package uses) into ``<data dir>/weights/`` with pooch, and loaded into
``network.py``'s encoder (the ``dasheng`` package itself needs torchaudio). Its sha256 is
recorded as ``checkpoint``. ``dasheng-base-untrained`` builds the same encoder from torch seed 0
and downloads nothing.

Layers (one frame per 40 ms): ``patch`` (embedded patches plus position embeddings),
``block1``..``block12`` and ``norm`` (the final LayerNorm: the released embedding).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brainscore_audio.errors import UserError
from brainscore_audio.model import Activations, AudioModel

CHECKPOINT_URL = "https://zenodo.org/records/11511780/files/dasheng_base.pt?download=1"
CHECKPOINT_FILE = "dasheng_base.pt"
BASE = {"embed_dim": 768, "depth": 12, "num_heads": 12}
LAYERS = ["patch"] + [f"block{i}" for i in range(1, 13)] + ["norm"]
SEED = 0


class Dasheng(AudioModel):
    """Dasheng base, pretrained (downloaded) or untrained (seeded)."""

    sample_rate = 16_000
    layers = list(LAYERS)
    default_layers = list(LAYERS)

    def __init__(self, pretrained: bool = True, url: str = CHECKPOINT_URL,
                 weights_dir: str | Path | None = None,
                 architecture: dict[str, int] | None = None) -> None:
        from brainscore_audio.model import random_weights_identifier, random_weights_requested

        # BRAINSCORE_AUDIO_RANDOM_WEIGHTS=1 (conformance checks without internet, see
        # docs/submit.md) builds the untrained architecture; the id, checkpoint and version say so.
        self.random_mode = pretrained and random_weights_requested()
        self.pretrained = pretrained and not self.random_mode
        self.architecture = dict(architecture or BASE)
        depth = self.architecture["depth"]
        self.layers = ["patch"] + [f"block{i}" for i in range(1, depth + 1)] + ["norm"]
        self.default_layers = list(self.layers)
        self.url = url
        self.weights_dir = weights_dir
        self.identifier = "dasheng-base" if pretrained else "dasheng-base-untrained"
        self.checkpoint = (f"{CHECKPOINT_FILE} from Zenodo record 11511780" if self.pretrained
                           else f"untrained, torch.manual_seed({SEED})")
        if self.random_mode:
            self.identifier = random_weights_identifier(self.identifier)
            self.version = "1+random"
            self.checkpoint = f"random weights (torch seed {SEED}) in the architecture of {CHECKPOINT_FILE}"
        self._network = None
        self._device = "cpu"

    def _checkpoint_path(self) -> Path:
        from brainscore_audio.download import download, sha256_file
        from brainscore_audio.settings import data_dir

        folder = Path(self.weights_dir) if self.weights_dir else data_dir() / "weights"
        path = download(self.url, folder, filename=CHECKPOINT_FILE)
        self.checkpoint = f"{CHECKPOINT_FILE} sha256:{sha256_file(path)}"
        return path

    def load(self, device: str = "cpu") -> None:
        import torch

        from .network import DashengEncoder

        if self._network is not None and self._device == device:
            return
        if self._network is None:
            if self.pretrained:
                path = self._checkpoint_path()
                try:
                    dump = torch.load(path, map_location="cpu", weights_only=True)
                    config = {**dump["config"], **self.architecture}  # as dasheng_base()
                    network = DashengEncoder(**config)
                    network.load_release_state(dump["model"])
                except (KeyError, RuntimeError, ValueError) as exc:
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    raise UserError(f"{path}: not a Dasheng base checkpoint ({type(exc).__name__}: "
                                    f"{reason[:160]})") from exc
            else:
                from brainscore_audio.adapters.torch_hooks import seeded_init

                network = seeded_init(lambda: DashengEncoder(**self.architecture), SEED)
            self._network = network.eval()
        self._network.to(device)
        self._device = device

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        self.load(self._device)
        minimum = 4 * 160  # one 40 ms token
        if audio.shape[1] < minimum:
            audio = np.pad(audio, ((0, 0), (0, minimum - audio.shape[1])))
        with torch.inference_mode():
            outputs = self._network(torch.from_numpy(np.ascontiguousarray(audio, np.float32))
                                    .to(self._device))
        return {name: Activations(outputs[self.layers.index(name)].float().cpu().numpy(), 0.04)
                for name in layers}
