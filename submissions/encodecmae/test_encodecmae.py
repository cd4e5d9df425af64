"""EnCodecMAE encoder: the 24 kHz front end against kaldi-native-fbank, position encodings, the
interleaved heads and the ResiDual streams against hand-computed values, the released layouts of
the three sizes, a checkpoint in the release format downloaded over loopback HTTP and loaded
exactly (training-only parts ignored), refusal of other files, 4 s chunking, and the twins."""

from __future__ import annotations

import math

import kaldi_native_fbank as knf  # an independent Kaldi fbank (the test extra)
import numpy as np
import pytest
import torch
from brainscore_audio_submissions.encodecmae.checks import encoder_release_layout, release_layout
from brainscore_audio_submissions.encodecmae.model import EncodecMAE
from brainscore_audio_submissions.encodecmae.network import (
    BASE,
    EC_BASE,
    LARGE,
    MEL_MEAN,
    MEL_STD,
    SMALL,
    Architecture,
    EncodecMAEEncoder,
    InterleavedAttention,
    encodec_package_name,
    fbank,
    frames,
    sinusoids,
)

from brainscore_audio.errors import UserError
from brainscore_audio.weights import PublishedWeights

TINY = Architecture(model_dim=24, layers=2, heads=2, ff_dim=32)


def test_fbank_matches_kaldi_native_fbank_at_24_khz():
    audio = np.random.default_rng(0).uniform(-0.5, 0.5, 30_000).astype(np.float32)
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.samp_freq = 24_000
    opts.frame_opts.frame_length_ms = 26.56
    opts.frame_opts.frame_shift_ms = 13.28
    opts.frame_opts.window_type = "hanning"
    opts.mel_opts.num_bins = 80  # Kaldi refuses 256 bands on this FFT (empty bands)
    online = knf.OnlineFbank(opts)
    online.accept_waveform(24_000, audio.tolist())
    online.input_finished()
    expected = np.stack([online.get_frame(i) for i in range(online.num_frames_ready)])
    got = fbank(audio[None], n_mels=80)[0] * MEL_STD + MEL_MEAN
    assert got.shape == expected.shape == (frames(30_000), 80) == (93, 80)
    np.testing.assert_allclose(got, expected, atol=2e-4)


def test_position_encodings_hand_computed():
    table = sinusoids(5, 8).numpy()
    np.testing.assert_allclose(table[0], [0, 1, 0, 1, 0, 1, 0, 1], atol=1e-7)
    np.testing.assert_allclose(table[3, :2], [math.sin(3), math.cos(3)], atol=1e-6)
    np.testing.assert_allclose(table[3, 4:6], [math.sin(3 / 100), math.cos(3 / 100)], atol=1e-6)


def test_heads_are_interleaved_in_the_channel_axis():
    torch.manual_seed(0)
    attention = InterleavedAttention(6, 3).eval()
    x = torch.randn(1, 4, 6)
    with torch.no_grad():
        q, k, v = attention.wq(x)[0], attention.wk(x)[0], attention.wv(x)[0]
        heads = []
        for h in range(3):  # head h holds channels h, h + 3 (head_dim 2, 3 heads)
            cols = [h, h + 3]
            weights = torch.softmax(q[:, cols] @ k[:, cols].T / math.sqrt(2), dim=-1)
            heads.append(weights @ v[:, cols])
        merged = torch.stack(heads, dim=-1).reshape(4, 6)  # channel j * heads + h again
        expected = attention.wo(merged)
        np.testing.assert_allclose(attention(x, None)[0].numpy(), expected.numpy(), atol=1e-6)


def test_residual_streams_with_silent_blocks():
    encoder = EncodecMAEEncoder(TINY).eval()
    with torch.no_grad():
        for p in encoder.parameters():
            p.zero_()
        for norm in [encoder.final_norm, *(m for layer in encoder.layers
                                           for m in (layer.norm1, layer.norm2))]:
            norm.weight.fill_(1.0)
        encoder.projection.bias.copy_(torch.arange(24.0))
        outputs = encoder(torch.zeros(1, 3, 256), 24_000)
    x = torch.arange(24.0).expand(1, 3, 24)  # positional scale 0: the projection alone
    normed = torch.nn.functional.layer_norm(x, (24,))
    np.testing.assert_allclose(outputs[0].numpy(), x.numpy())
    np.testing.assert_allclose(outputs[1].numpy(), normed.numpy(), atol=1e-5)
    np.testing.assert_allclose(outputs[2].numpy(), 2 * normed.numpy(), atol=1e-5)  # + final_norm(x)


@pytest.mark.parametrize(("arch", "dim", "layers"), [(SMALL, 768, 5), (BASE, 768, 10),
                                                     (LARGE, 1024, 20), (EC_BASE, 768, 10)])
def test_encoder_takes_the_released_layout(arch, dim, layers):
    with torch.device("meta"):
        encoder = EncodecMAEEncoder(arch)
    encodec = arch.front_end == "encodec"
    assert encoder_release_layout(encoder) == release_layout(dim, layers, encodec=encodec)
    first = encoder.layers[0].ff_layer
    assert all(layer.ff_layer is first for layer in encoder.layers)  # one shared block


def _release_state(arch: Architecture, seed: int = 3) -> tuple[EncodecMAEEncoder, dict]:
    """A seeded encoder and its tensors under the release's names, plus training-only parts."""
    torch.manual_seed(seed)
    source = EncodecMAEEncoder(arch).eval()
    with torch.no_grad():
        source.positional_encoder.scale.fill_(0.7)
    own = source.state_dict()
    state = {key: own[name].clone() for key, name in source.release_names().items()}
    state["decoder.encoder_layers.0.att_layer.wq.weight"] = torch.zeros(4, 4)
    state["head.layer.weight"] = torch.zeros(8, 4)
    state["visible_encoder.post_net.weight"] = torch.zeros(4, 4)
    return source, state


def _serve(tmp_path, http_server, state: dict, name: str) -> str:
    served = tmp_path / "served"
    served.mkdir(exist_ok=True)
    torch.save({"imports": "encodecmae", "config": "MODEL_DIM=24", "state_dict": state},
               served / name)
    return f"{http_server(served)}/{name}"


def test_encodec_tensors_carry_the_encodec_package_names():
    assert encodec_package_name("layers.0.conv.parametrizations.weight.original0") == \
        "model.0.conv.conv.weight_g"
    assert encodec_package_name("layers.4.block.3.conv.parametrizations.weight.original1") == \
        "model.4.block.3.conv.conv.weight_v"
    assert encodec_package_name("layers.1.shortcut.conv.bias") == "model.1.shortcut.conv.conv.bias"
    assert encodec_package_name("layers.13.lstm.weight_ih_l1") == "model.13.lstm.weight_ih_l1"


@pytest.mark.slow
def test_ec_ec_release_reads_the_waveform_through_its_encodec_encoder(tmp_path, http_server):
    arch = Architecture(model_dim=24, layers=2, heads=2, ff_dim=32, front_end="encodec")
    source, state = _release_state(arch)
    assert "wav_encoder.encoder.model.model.13.lstm.weight_hh_l0" in state
    url = _serve(tmp_path, http_server, state, "ec-ec-test.pt")
    model = EncodecMAE("ecmae-test", arch, PublishedWeights(url, None, "test"),
                       weights_dir=tmp_path / "w")
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 12_345)).astype(np.float32)
    out = model.embed(audio, ["input", "layer2"])
    with torch.no_grad():
        expected = source(torch.from_numpy(audio), 12_345)
        encodec = source.encodec(torch.from_numpy(audio)[:, None])
    assert encodec.shape == (2, 128, math.ceil(12_345 / 320))
    np.testing.assert_allclose(out["layer2"].values, expected[2].numpy(), atol=1e-5)
    assert out["layer2"].hop_seconds == 320 / 24_000
    assert out["layer2"].values.shape == (2, 39, 24)


def test_release_checkpoint_downloads_and_loads_exactly(tmp_path, http_server):
    source, state = _release_state(TINY)
    url = _serve(tmp_path, http_server, state, "mel256-ec-test.pt")
    model = EncodecMAE("ecmae-test", TINY, PublishedWeights(url, None, "test"),
                       weights_dir=tmp_path / "w")
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 12_000)).astype(np.float32)
    out = model.embed(audio, ["input", "layer2"])
    with torch.no_grad():
        expected = source(torch.from_numpy(fbank(audio)), 12_000)
    np.testing.assert_allclose(out["layer2"].values, expected[2].numpy(), atol=1e-5)
    np.testing.assert_allclose(out["input"].values, expected[0].numpy(), atol=1e-5)
    assert out["layer2"].values.shape == (2, frames(12_000), 24)
    assert out["layer2"].hop_seconds == 318 / 24_000
    assert model.checkpoint.startswith("mel256-ec-test.pt sha256:")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.pop("visible_encoder.final_norm.bias"),
     r"KeyError: .*missing, first 'visible_encoder.final_norm.bias'"),
    (lambda s: s.__setitem__("wav_encoder.post_net.weight", torch.zeros(24, 128)),
     r"ValueError: wav_encoder.post_net.weight has shape \(24, 128\), the declared architecture"),
    (lambda s: s["visible_encoder.encoder_layers.1.ff_layer.0.bias"].add_(1.0),
     r"ValueError: layer 1's feed-forward block differs from layer 0's"),
])
def test_other_checkpoints_are_refused(tmp_path, http_server, edit, message):
    _, state = _release_state(TINY)
    edit(state)
    url = _serve(tmp_path, http_server, state, "odd.pt")
    model = EncodecMAE("ecmae-test", TINY, PublishedWeights(url, None, "test"),
                       weights_dir=tmp_path / "w")
    with pytest.raises(UserError, match=r"odd.pt: not the EnCodecMAE checkpoint ecmae-test "
                                        r"expects \(" + message):
        model.load()


def test_clips_are_encoded_in_4_s_chunks_and_short_tails_dropped():
    model = EncodecMAE("ecmae-test", TINY)
    rng = np.random.default_rng(2)
    audio = rng.uniform(-0.3, 0.3, (1, 96_000 + 10_000)).astype(np.float32)
    whole = model.embed(audio, ["layer2"])["layer2"].values
    first = model.embed(audio[:, :96_000], ["layer2"])["layer2"].values
    tail = model.embed(audio[:, 96_000:], ["layer2"])["layer2"].values
    np.testing.assert_allclose(whole, np.concatenate([first, tail], axis=1), atol=1e-6)
    with_short_tail = np.concatenate([audio[:, :96_000], audio[:, :2000]], axis=1)
    assert model.embed(with_short_tail, ["layer2"])["layer2"].values.shape == first.shape


def test_untrained_twins_are_seeded_offline_and_pad_tiny_clips():
    audio = np.random.default_rng(1).uniform(-0.3, 0.3, (1, 1000)).astype(np.float32)
    first = EncodecMAE("a", "small").embed(audio, ["layer5"])["layer5"].values
    second = EncodecMAE("a", "small").embed(audio, ["layer5"])["layer5"].values
    np.testing.assert_array_equal(first, second)
    assert first.shape == (1, frames(2049), 768)
