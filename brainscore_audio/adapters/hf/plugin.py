"""Hub model plugins in three lines: the folder holds ``metadata.yaml`` (with ``checkpoint``: the
hub repo id, optional ``revision``), ``config.json`` and ``preprocessor_config.json`` (the
checkpoint's architecture and input settings, so layers are known and the untrained twin can be
built offline). The plugin's ``__init__.py`` registers::

    models.register("wav2vec2-base", partial(hub_model, __file__, "wav2vec2-base"),
                    tags={"pretrained", "needs-download"})
    models.register("wav2vec2-base-untrained",
                    partial(hub_model, __file__, "wav2vec2-base-untrained", random_weights=True),
                    tags={"untrained", "offline"})
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ...errors import UserError
from ...model import random_weights_identifier
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
