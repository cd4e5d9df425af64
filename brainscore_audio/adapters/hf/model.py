"""``hf:<repo-id>``: any transformers audio model whose hidden states are the layers.

``HFModel("facebook/wav2vec2-base")`` downloads config, feature-extractor settings and weights
from the Hugging Face hub on first :meth:`load` (cached by ``huggingface_hub``). A plugin can
pass the ``config`` and ``preprocessor`` dicts itself (the checkpoint's ``config.json`` and
``preprocessor_config.json``): then the layer names are known without any download, and the
same architecture can be built with random weights:

- ``random_weights=True``: the untrained control (same architecture, weights from
  ``torch.manual_seed(seed)``), recorded as such in ``checkpoint`` and ``version``.
- the environment variable ``BRAINSCORE_AUDIO_RANDOM_WEIGHTS=1`` turns every hub model into
  that mode; it exists so the conformance tests can check hub plugins on machines without
  internet (CI). Never score with it: the model id stays the same, only ``checkpoint`` and
  ``version`` say "random".
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import UserError
from ...model import Activations, AudioModel, evenly_spaced_layers

RANDOM_WEIGHTS_ENV = "BRAINSCORE_AUDIO_RANDOM_WEIGHTS"
#: Models with at most this many layers score all of them (10-13 plus the last, METHODS.md 1).
ALL_LAYERS_UP_TO = 14


def random_weights_requested() -> bool:
    """True when ``BRAINSCORE_AUDIO_RANDOM_WEIGHTS`` is set to 1/true/yes."""
    return os.environ.get(RANDOM_WEIGHTS_ENV, "").strip().lower() in ("1", "true", "yes")


class HFModel(AudioModel):
    """A transformers audio model; layers are its hidden states (see ``families.py``).

    Args:
        repo_id: hub id (``"facebook/wav2vec2-base"``) or a local folder from ``save_pretrained``.
        identifier: the registered id (default ``"hf:" + repo_id``).
        config: the checkpoint's ``config.json`` as a dict (optional; fetched when absent).
        preprocessor: its ``preprocessor_config.json`` as a dict (optional likewise).
        random_weights: build from ``config`` with seeded random weights instead of loading;
            ``None`` follows ``BRAINSCORE_AUDIO_RANDOM_WEIGHTS``.
        seed: torch seed of the random weights.
        revision: hub revision (commit, tag or branch) of the weights.
    """

    def __init__(self, repo_id: str, *, identifier: str | None = None,
                 config: dict[str, Any] | None = None, preprocessor: dict[str, Any] | None = None,
                 random_weights: bool | None = None, seed: int = 0,
                 revision: str | None = None) -> None:
        if not repo_id or repo_id != repo_id.strip():
            raise UserError(f"hf:{repo_id}: expected hf:<org>/<name>, a Hugging Face repo id")
        self.repo_id = repo_id
        self.identifier = identifier or f"hf:{repo_id}"
        self.revision = revision
        self.seed = seed
        self._config_dict = config
        self._preprocessor_dict = preprocessor
        self.random_weights = random_weights_requested() if random_weights is None else random_weights
        if self.random_weights and config is None:
            raise UserError(f"{self.identifier}: random weights need the architecture's config "
                            "in the plugin (config=...); a bare hf: id has none offline")
        self.version = "1+random" if self.random_weights else "1"
        self.checkpoint = (f"random weights (torch seed {seed}) in the architecture of {repo_id}"
                           if self.random_weights else f"{repo_id}@{revision or 'main'}")
        self._family = None
        self._model = None
        self._extractor = None
        self._device = "cpu"

    # -- architecture, known from the config alone --------------------------------------------
    @property
    def family(self):
        if self._family is None:
            from .families import family_for

            try:
                self._family = family_for(self._load_config())
            except ValueError as exc:
                raise UserError(f"{self.identifier}: {exc}") from exc
        return self._family

    @property
    def layers(self) -> list[str]:
        return self.family.layer_names()

    @property
    def default_layers(self) -> list[str]:
        layers = self.layers
        return layers if len(layers) <= ALL_LAYERS_UP_TO else evenly_spaced_layers(layers, 12)

    @property
    def sample_rate(self) -> int:
        rate = (self._preprocessor_dict or {}).get("sampling_rate")
        return int(rate) if rate else self.family.sample_rate

    def _load_config(self):
        from transformers import AutoConfig

        if self._config_dict is not None:
            values = dict(self._config_dict)
            return AutoConfig.for_model(values.pop("model_type"), **values)
        try:
            return AutoConfig.from_pretrained(self.repo_id, revision=self.revision)
        except Exception as exc:  # noqa: BLE001 - network, missing repo: one line for the user
            raise UserError(self._hub_error("config", exc)) from exc

    def _hub_error(self, what: str, exc: Exception) -> str:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (f"{self.identifier}: could not load the {what} of {self.repo_id!r} from the "
                f"Hugging Face hub ({reason[:200]}); it downloads on first use and needs internet")

    # -- AudioModel -------------------------------------------------------------------------
    def load(self, device: str = "cpu") -> None:
        if self._model is not None and self._device == device:
            return
        if self._model is None:
            self._extractor = self._build_extractor()
            self._model = self._build_model()
        self._model.to(device).eval()
        self._device = device

    def _build_model(self):
        family = self.family
        if self.random_weights:
            from ..torch_hooks import seeded_init

            if not os.environ.get("PYTEST_CURRENT_TEST"):
                warnings.warn(f"{self.identifier}: random weights (untrained architecture)",
                              stacklevel=3)
            return seeded_init(lambda: family.build(None), self.seed)
        try:
            model = family.build(self.repo_id, revision=self.revision)
        except Exception as exc:  # noqa: BLE001
            raise UserError(self._hub_error("weights", exc)) from exc
        from .families import family_for

        loaded = family_for(model.config).layer_names()
        if loaded != self.layers:
            raise UserError(f"{self.identifier}: the checkpoint {self.repo_id!r} has layers "
                            f"{loaded[0]}..{loaded[-1]} ({len(loaded)}) but the plugin's config "
                            f"declares {len(self.layers)}; fix the plugin's config.json")
        return model

    def _build_extractor(self):
        from transformers import AutoFeatureExtractor

        if self.random_weights and self._preprocessor_dict is not None:
            return _extractor_class(self._preprocessor_dict).from_dict(dict(self._preprocessor_dict))
        try:  # pretrained: the checkpoint's own settings, never a copy
            return AutoFeatureExtractor.from_pretrained(self.repo_id, revision=self.revision)
        except Exception as exc:  # noqa: BLE001
            raise UserError(self._hub_error("feature-extractor settings", exc)) from exc

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        unknown = [name for name in layers if name not in self.layers]
        if unknown:
            raise UserError(f"{self.identifier}: unknown layer(s) {', '.join(unknown)}; "
                            f"known: {', '.join(self.layers)}")
        self.load(self._device)
        with torch.inference_mode():
            out = self.family.forward(self._model, self._extractor,
                                      np.asarray(audio, dtype=np.float32), list(layers),
                                      self._device)
        return {name: Activations(*out[name]) for name in layers}


def _extractor_class(preprocessor: dict[str, Any]):
    """The feature-extractor class named in a ``preprocessor_config.json`` dict."""
    import transformers

    name = preprocessor.get("feature_extractor_type")
    cls = getattr(transformers, name, None) if name else None
    if cls is None:
        raise UserError(f"preprocessor config: feature_extractor_type {name!r} is not a "
                        "transformers feature extractor")
    return cls
