"""`my-model`: passes `benchmark validate` (what CI runs on every submission), and its layers
have the documented shapes and hops. Copy and extend: test what proves your weights are real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from brainscore_audio.cli import main
from brainscore_audio.registry import models
from brainscore_audio.validate import models_in

FOLDER = Path(__file__).resolve().parent
MODEL_ID = "my-model"


@pytest.fixture(scope="module")
def model_id():
    """Import this folder even where discovery skips it (the template's "_" name), and leave
    the registry as found afterwards."""
    before = set(models.entries)
    assert MODEL_ID in models_in(str(FOLDER))
    yield MODEL_ID
    for identifier in set(models.entries) - before:
        del models.entries[identifier]


def test_folder_passes_benchmark_validate(model_id, capsys):
    assert main(["validate", str(FOLDER)]) == 0
    assert f"ok   {model_id}" in capsys.readouterr().out


def test_layers_shapes_and_hops(model_id):
    model = models.make(model_id)
    out = model.embed(np.zeros((2, 16_000), dtype=np.float32), model.layers)
    assert out["conv1"].values.shape == (2, 98, 16) and out["conv1"].hop_seconds == 0.01
    assert out["conv2"].values.shape == (2, 48, 32) and out["conv2"].hop_seconds == 0.02


def test_metadata_is_complete():
    metadata = yaml.safe_load((FOLDER / "metadata.yaml").read_text(encoding="utf-8"))
    for key in ("name", "licence", "training_data", "checkpoint", "citation"):
        assert key in metadata
