"""dasheng-base: the encoder is the published size, a checkpoint in the release layout
({"model", "config"}, torchaudio buffers) downloads over loopback HTTP and loads exactly, long inputs
are encoded in 10 s chunks as released, and the untrained twin is seeded."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
from brainscore_audio_submissions.dasheng_base.model import CHECKPOINT_FILE, Dasheng
from brainscore_audio_submissions.dasheng_base.network import DashengEncoder, frames_to_tokens

from brainscore_audio.errors import UserError

TINY = {"embed_dim": 32, "depth": 2, "num_heads": 2}


def release_checkpoint(network: DashengEncoder, config: dict) -> dict:
    """The layout of the released .pt: init_bn.1.*, torchaudio front-end buffers, the rest."""
    state = {}
    for key, value in network.state_dict().items():
        state[key.replace("front_end.bn.", "init_bn.1.")] = value
    state["front_end.0.spectrogram.window"] = torch.hann_window(512)
    state["front_end.0.mel_scale.fb"] = network.front_end.fb.T.clone()
    return {"model": state, "config": config}


def test_base_encoder_has_the_published_size():
    with torch.device("meta"):
        encoder = DashengEncoder(embed_dim=768, depth=12, num_heads=12)
    assert abs(sum(p.numel() for p in encoder.parameters()) / 86e6 - 1) < 0.02  # Dasheng base: 86M


def test_release_checkpoint_downloads_and_loads_exactly(tmp_path, http_server):
    torch.manual_seed(5)
    source = DashengEncoder(**TINY).eval()
    served = tmp_path / "served"
    served.mkdir()
    torch.save(release_checkpoint(source, {"target_length": 1008, "pooling": "mean", **TINY}),
               served / CHECKPOINT_FILE)
    model = Dasheng(url=f"{http_server(served)}/{CHECKPOINT_FILE}", weights_dir=tmp_path / "w",
                    architecture=TINY)
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 8000)).astype(np.float32)
    out = model.embed(audio, ["block2", "norm"])
    with torch.no_grad():
        expected = source(torch.from_numpy(audio))
    np.testing.assert_allclose(out["norm"].values, expected[-1].numpy(), rtol=1e-5, atol=1e-5)
    assert out["block2"].values.shape == (2, frames_to_tokens(8000), 32)
    digest = hashlib.sha256((served / CHECKPOINT_FILE).read_bytes()).hexdigest()
    assert model.checkpoint == f"{CHECKPOINT_FILE} sha256:{digest}"
    assert (tmp_path / "w" / CHECKPOINT_FILE).is_file()


def test_a_file_that_is_not_a_dasheng_checkpoint_is_refused(tmp_path):
    torch.save({"weights": {}}, tmp_path / CHECKPOINT_FILE)  # already downloaded: not fetched again
    model = Dasheng(url="https://example.invalid/dasheng_base.pt", weights_dir=tmp_path)
    with pytest.raises(UserError, match="not the Dasheng base checkpoint dasheng-base expects"):
        model.load()


def test_long_inputs_are_encoded_in_release_chunks():
    torch.manual_seed(0)
    encoder = DashengEncoder(**TINY, target_length=16).eval()  # 4 tokens per chunk
    audio = torch.randn(1, 160 * 40)  # 41 frames -> 10 tokens: chunks of 4, 4, 2
    with torch.no_grad():
        whole = encoder(audio)[-1]
        patches = encoder.patch_embed(encoder.front_end(audio))
        first = patches[..., :4] + encoder.time_pos_embed[..., :4] + encoder.freq_pos_embed
        x = first.flatten(2).transpose(1, 2)
        for block in encoder.blocks:
            x = block(x)
        np.testing.assert_allclose(whole[:, :4].numpy(), encoder.norm(x).numpy(), atol=1e-5)
    assert whole.shape == (1, 10, 32)


def test_untrained_twin_is_seeded_and_offline():
    audio = np.random.default_rng(1).uniform(-0.3, 0.3, (1, 4000)).astype(np.float32)
    first = Dasheng(pretrained=False).embed(audio, ["block3"])["block3"].values
    second = Dasheng(pretrained=False).embed(audio, ["block3"])["block3"].values
    np.testing.assert_array_equal(first, second)
    assert first.shape == (1, frames_to_tokens(4000), 768)


def test_the_sha256_of_the_download_reaches_the_record(tmp_path, http_server, monkeypatch,
                                                      capsys):
    """No hash is published: the checkpoint is known only once downloaded, after the run was
    planned; the record still holds the sha256 of the file loaded, and the next run reuses it."""
    from functools import partial

    from brainscore_audio import registry
    from brainscore_audio.cli import main
    from brainscore_audio.records import read_record

    torch.manual_seed(5)
    served = tmp_path / "served"
    served.mkdir()
    torch.save(release_checkpoint(DashengEncoder(**TINY), {"target_length": 1008, **TINY}),
               served / CHECKPOINT_FILE)
    factory = partial(Dasheng, url=f"{http_server(served)}/{CHECKPOINT_FILE}",
                      weights_dir=tmp_path / "w", architecture=TINY)
    registry.discover_plugins()
    monkeypatch.setitem(registry.models.entries, "dasheng-base",
                        registry.Entry("dasheng-base", factory, frozenset({"needs-download"})))
    args = ["run", "--model", "dasheng-base", "--benchmark", "demo.rsa", "--output",
            str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--quiet"]
    assert main(args) == 0
    (path,) = (tmp_path / "out").glob("*.json")
    digest = hashlib.sha256((served / CHECKPOINT_FILE).read_bytes()).hexdigest()
    assert read_record(path).model.checkpoint == f"{CHECKPOINT_FILE} sha256:{digest}"
    capsys.readouterr()
    assert main(args) == 0
    assert "record exists" in capsys.readouterr().out
