"""Hub model plugins in one line: the folder holds ``metadata.yaml`` (with ``checkpoint``: the
hub repo id, and ``revision``: the 40-hex commit), ``config.json`` and
``preprocessor_config.json`` (the checkpoint's architecture and input settings, so layers are
known and the untrained twin can be built offline). The plugin's ``__init__.py`` registers the
pretrained id and its untrained twin::

    register_hub_plugin(__file__, "wav2vec2-base")   # and wav2vec2-base-untrained
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import yaml

from ...errors import UserError
from ...model import random_weights_identifier
from ...registry import models
from .model import HFModel, random_weights_requested

#: Optional reduced architecture of a hub plugin folder for checks in random-weights mode.
VALIDATE_CONFIG = "config-validate.json"


def hub_model(plugin_file: str, identifier: str, random_weights: bool | None = None,
              seed: int = 0) -> HFModel:
    """An :class:`HFModel` described by the plugin folder of ``plugin_file``.

    ``random_weights=None`` follows ``BRAINSCORE_AUDIO_RANDOM_WEIGHTS``; ``True`` is the
    untrained twin. A folder whose model cannot be built on a CI machine (a 7B audio LLM: 34 GB
    of float32 weights) may add ``config-validate.json``, the same ``model_type`` in a reduced
    size: in random-weights mode (and only there) the model is built from it, so
    ``benchmark validate`` exercises the family's whole code path; its ``checkpoint`` and
    ``version`` say "reduced". Such a folder registers no untrained twin.
    """
    folder = Path(plugin_file).resolve().parent
    metadata = _read(folder / "metadata.yaml", yaml.safe_load)
    repo_id = metadata.get("checkpoint")
    if not isinstance(repo_id, str) or "/" not in repo_id:
        raise UserError(f"{folder / 'metadata.yaml'}: 'checkpoint' must be the hub repo id "
                        f"(<org>/<name>), got {repo_id!r}")
    reduced = folder / VALIDATE_CONFIG
    if random_weights is None and random_weights_requested() and reduced.is_file():
        # Checks without internet of a model too big to build on a CI machine: the same family
        # in the reduced architecture the folder declares (never for the untrained twin).
        model = HFModel(repo_id, identifier=identifier, revision=metadata.get("revision"),
                        config=_read(reduced, json.loads),
                        preprocessor=_read(folder / "preprocessor_config.json", json.loads),
                        random_weights=True, seed=seed)
        model.identifier = random_weights_identifier(identifier)  # never the pretrained id
        model.version = "1+random-reduced"
        model.checkpoint = (f"random weights (torch seed {seed}) in the reduced architecture "
                            f"{VALIDATE_CONFIG} of {repo_id}")
        return model
    return HFModel(repo_id, identifier=identifier, revision=metadata.get("revision"),
                   config=_read(folder / "config.json", json.loads),
                   preprocessor=_read(folder / "preprocessor_config.json", json.loads),
                   random_weights=random_weights, seed=seed)


def register_hub_plugin(plugin_file: str, model_id: str) -> None:
    """Register the hub plugin folder of ``plugin_file``: ``model_id`` (tags pretrained,
    needs-download) and its untrained twin ``<model_id>-untrained`` (seeded random weights in the
    same architecture; tags untrained, offline)."""
    twin = f"{model_id}-untrained"
    where = dict(plugin_dir=Path(plugin_file).resolve().parent, source=plugin_file)
    models.register(model_id, partial(hub_model, plugin_file, model_id),
                    tags={"pretrained", "needs-download"}, **where)
    models.register(twin, partial(hub_model, plugin_file, twin, random_weights=True),
                    tags={"untrained", "offline"}, **where)


def check_architecture(model_id: str, layers: list[str], sample_rate: int,
                       parameters: float | None, tolerance: float = 0.02) -> HFModel:
    """The checks of a hub plugin's architecture (``AssertionError`` when one fails): the layers
    and sample rate it declares, and its parameter count within ``tolerance`` (relative) of the
    published one (``parameters``; ``None`` to skip), counted on the meta device. Returns the
    model for plugin-specific checks."""
    model = models.make(model_id)
    assert model.layers == layers, model.layers
    assert model.sample_rate == sample_rate
    if parameters is not None:
        assert abs(parameter_count(model) / parameters - 1) < tolerance, parameter_count(model)
    return model


def check_pretrained_and_twin(model_id: str) -> None:
    """The checks every hub plugin's test makes (``AssertionError`` when one fails): the
    pretrained id loads its folder's hub checkpoint at the pinned revision, never random weights;
    its ``-untrained`` twin has the same layers with seeded random weights and another version."""
    metadata = models.entry(model_id).metadata()
    model = models.make(model_id)
    assert "needs-download" in models.entry(model_id).tags
    assert model.repo_id == metadata["checkpoint"] and not model.random_weights
    assert model.checkpoint == f"{metadata['checkpoint']}@{metadata['revision']}"
    twin = models.make(f"{model_id}-untrained")
    assert twin.random_weights and twin.layers == model.layers
    assert twin.checkpoint.startswith("random weights") and twin.version != model.version


def _read(path: Path, parse) -> dict:
    if not path.is_file():
        raise UserError(f"{path}: missing (a hub plugin folder needs metadata.yaml, config.json "
                        "and preprocessor_config.json)")
    try:
        value = parse(path.read_text(encoding="utf-8"))
    except Exception as exc:  # noqa: BLE001 - yaml and json raise different types
        raise UserError(f"{path}: not valid ({str(exc).splitlines()[0]})") from exc
    if not isinstance(value, dict):
        raise UserError(f"{path}: expected a mapping at the top level")
    return value


def parameter_count(model: HFModel) -> int:
    """Number of parameters of ``model``'s architecture, counted on torch's ``meta`` device
    (shapes only: no memory, no initialisation, no download), for tests of plugin configs."""
    import torch

    with torch.device("meta"):
        module = model.family.build(None)
    return sum(p.numel() for p in module.parameters())
