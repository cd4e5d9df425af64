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
  internet (CI). Never score with it: the identifier becomes ``<id>+random-weights`` so no
  record of it can pass as the pretrained model (``leaderboard build`` refuses them).

Pretrained weights are pinned: ``revision`` (a 40-hex commit) is passed to every
``from_pretrained`` and recorded as ``checkpoint = "<repo>@<commit>"``; the loaded config's
commit must be that one. Without a revision (a bare ``hf:`` id), the commit the hub resolves on
the first config download is used for every later download and recorded, with a warning that
the model is unpinned. Loading fails with one line when the checkpoint lacks any of the model's
weights, has weights of the wrong shape, or has weights the model's own modules do not take
(weights of heads the base model does not have, e.g. a pre-training quantizer, are dropped and
listed in :attr:`HFModel.dropped_weights`).
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import UserError
from ...model import (
    RANDOM_WEIGHTS_ENV,
    Activations,
    AudioModel,
    evenly_spaced_layers,
    random_weights_identifier,
    random_weights_requested,
)
from ...optional import require

__all__ = ["RANDOM_WEIGHTS_ENV", "HFModel", "random_weights_requested"]

#: Models with at most this many layers score all of them (docs/methods.md#default-layers).
ALL_LAYERS_UP_TO = 14
COMMIT = re.compile(r"[0-9a-f]{40}")


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
        revision: the hub commit (40 hex digits) of the weights; ``None``: resolved from the
            hub on first use and recorded (with a warning: the model is unpinned).
    """

    def __init__(self, repo_id: str, *, identifier: str | None = None,
                 config: dict[str, Any] | None = None, preprocessor: dict[str, Any] | None = None,
                 random_weights: bool | None = None, seed: int = 0,
                 revision: str | None = None) -> None:
        if not repo_id or repo_id != repo_id.strip():
            raise UserError(f"hf:{repo_id}: expected hf:<org>/<name>, a Hugging Face repo id")
        self.repo_id = repo_id
        self.revision = revision
        self.seed = seed
        self._config_dict = config
        self._preprocessor_dict = preprocessor
        mode = random_weights_requested() if random_weights is None else random_weights
        self.random_weights = mode
        # The mode switched on from outside (the environment) or an unnamed random model: the
        # id itself says "random weights", so its scores can never pass as the checkpoint's.
        name = identifier or f"hf:{repo_id}"
        self.identifier = (random_weights_identifier(name)
                           if mode and (random_weights is None or identifier is None) else name)
        if self.random_weights and config is None:
            raise UserError(f"{self.identifier}: random weights need the architecture's config "
                            "in the plugin (config=...); a bare hf: id has none offline")
        if revision is not None and not COMMIT.fullmatch(revision):
            raise UserError(f"{self.identifier}: revision must be a 40-hex commit of "
                            f"{repo_id!r} (a tag or branch can move), got {revision!r}")
        self.version = "1+random" if self.random_weights else "1"
        self._checkpoint = (f"random weights (torch seed {seed}) in the architecture of {repo_id}"
                            if self.random_weights else None)
        self.dropped_weights: list[str] = []
        self._family = None
        self._model = None
        self._extractor = None
        self._device = "cpu"

    @property
    def checkpoint(self) -> str:
        """``"<repo>@<commit>"`` (a local folder: its path and the sha256 of its weight files);
        an unpinned hub model resolves its commit here (a config download) and warns."""
        if self._checkpoint is None:
            if self._local_folder() is not None:
                self._checkpoint = _local_checkpoint(self._local_folder())
            else:
                if self.revision is None:
                    self._resolve_revision()
                self._checkpoint = f"{self.repo_id}@{self.revision}"
        return self._checkpoint

    @checkpoint.setter
    def checkpoint(self, value: str) -> None:
        self._checkpoint = value

    def _local_folder(self) -> Path | None:
        path = Path(self.repo_id).expanduser()
        return path if path.is_dir() else None

    def _resolve_revision(self) -> None:
        """Pin an unpinned hub model to the commit the hub serves now (one config download)."""
        require("transformers", "models of the hf: adapter and their front ends")
        from transformers import AutoConfig

        try:
            config = AutoConfig.from_pretrained(self.repo_id)
        except Exception as exc:  # noqa: BLE001 - network, missing repo: one line for the user
            raise UserError(self._hub_error("config", exc)) from exc
        commit = getattr(config, "_commit_hash", None)
        if not commit:
            raise UserError(f"{self.identifier}: the hub did not say which commit of "
                            f"{self.repo_id!r} it served; pin one (revision: <40-hex commit>)")
        self.revision = commit
        warnings.warn(f"{self.identifier}: unpinned; using commit {commit} of {self.repo_id} "
                      "(recorded in every score); a plugin pins it with revision: in "
                      "metadata.yaml", stacklevel=3)

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
        require("transformers", "models of the hf: adapter and their front ends")
        from transformers import AutoConfig

        if self._config_dict is not None:
            values = dict(self._config_dict)
            return AutoConfig.for_model(values.pop("model_type"), **values)
        if self._local_folder() is None and self.revision is None:
            self._resolve_revision()
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
        self.checkpoint  # noqa: B018 - pins an unpinned model before the download
        try:
            model, info = family.build(self.repo_id, revision=self.revision,
                                       output_loading_info=True)
        except Exception as exc:  # noqa: BLE001
            raise UserError(self._hub_error("weights", exc)) from exc
        self.dropped_weights = self._check_loading(model, info)
        from .families import family_for

        loaded = family_for(model.config).layer_names()
        if loaded != self.layers:
            raise UserError(f"{self.identifier}: the checkpoint {self.repo_id!r} has layers "
                            f"{loaded[0]}..{loaded[-1]} ({len(loaded)}) but the plugin's config "
                            f"declares {len(self.layers)}; fix the plugin's config.json")
        return model

    def _check_loading(self, model: Any, info: dict[str, Any]) -> list[str]:
        """Refuse a checkpoint that does not fill the model exactly; returns the dropped head
        weights (checkpoint weights under no module of the model, e.g. a pre-training head).

        Raises:
            UserError: one line naming the first missing, mismatched or unplaceable weight, or a
                loaded commit other than the pinned one.
        """
        commit = getattr(model.config, "_commit_hash", None)
        if self.revision and commit and commit != self.revision:
            raise UserError(f"{self.identifier}: the hub served commit {commit} of "
                            f"{self.repo_id!r}, not the pinned {self.revision}")
        where = f"{self.identifier}: the checkpoint {self.repo_id!r}"
        missing = sorted(info.get("missing_keys") or [])
        if missing:
            raise UserError(f"{where} lacks {len(missing)} weight(s) of the model (e.g. "
                            f"{missing[0]}); they would be random: is this the right checkpoint "
                            "for the plugin's architecture?")
        mismatched = sorted(str(k[0] if isinstance(k, tuple) else k)
                            for k in info.get("mismatched_keys") or [])
        if mismatched:
            raise UserError(f"{where} has {len(mismatched)} weight(s) of the wrong shape (e.g. "
                            f"{mismatched[0]})")
        errors = [str(e) for e in info.get("error_msgs") or []]
        if errors:
            raise UserError(f"{where} did not load: {errors[0].splitlines()[0][:200]}")
        modules = {name for name, _ in model.named_children()}
        prefix = getattr(model, "base_model_prefix", "")
        unplaced, dropped = [], []
        for key in sorted(info.get("unexpected_keys") or []):
            head = key.split(".", 1)[0]
            inner = key[len(prefix) + 1:].split(".", 1)[0] if prefix and key.startswith(
                prefix + ".") else None
            (unplaced if head in modules or inner in modules else dropped).append(key)
        if unplaced:
            raise UserError(f"{where} has {len(unplaced)} weight(s) the model's modules do not "
                            f"take (e.g. {unplaced[0]}): the architecture differs from the "
                            "checkpoint's")
        return dropped

    def _build_extractor(self):
        require("transformers", "models of the hf: adapter and their front ends")
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


def _local_checkpoint(folder: Path) -> str:
    """A local ``save_pretrained`` folder: its path and the sha256 of its weight files."""
    files = sorted(p for p in folder.iterdir() if p.suffix in (".safetensors", ".bin"))
    digest = hashlib.sha256()
    for path in files:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return f"{folder.resolve()} (local folder) sha256:{digest.hexdigest()}"


def _extractor_class(preprocessor: dict[str, Any]):
    """The feature-extractor class named in a ``preprocessor_config.json`` dict."""
    require("transformers", "models of the hf: adapter and their front ends")
    import transformers

    name = preprocessor.get("feature_extractor_type")
    cls = getattr(transformers, name, None) if name else None
    if cls is None:
        raise UserError(f"preprocessor config: feature_extractor_type {name!r} is not a "
                        "transformers feature extractor")
    return cls
