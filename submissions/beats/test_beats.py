"""BEATs network: the front end against kaldi-native-fbank, relative position buckets and the
position convolution against hand-computed values and torch's own weight norm, the released
state-dict layout and size, a checkpoint in the release format downloaded over loopback HTTP and
loaded exactly, refusal of other files, and the seeded untrained twin."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from brainscore_audio_submissions.beats.checks import release_layout, state_dict_layout
from brainscore_audio_submissions.beats.model import BEATs
from brainscore_audio_submissions.beats.network import (
    Architecture,
    BEATsEncoder,
    GatedRelativeAttention,
    WeightNormConv1d,
    fbank,
    relative_position_buckets,
    time_patches,
)

from brainscore_audio.errors import UserError
from brainscore_audio.weights import PublishedWeights

TINY = Architecture(embed_dim=32, encoder_embed_dim=24, encoder_layers=2,
                    encoder_attention_heads=2, encoder_ffn_embed_dim=48, conv_pos=8,
                    conv_pos_groups=4)
#: A released checkpoint's cfg holds training settings beside the architecture.
RELEASE_CFG_EXTRA = {"deep_norm": True, "layer_norm_first": False, "gru_rel_pos": True,
                     "relative_position_embedding": True, "conv_bias": False,
                     "activation_fn": "gelu", "dropout": 0.0, "encoder_layerdrop": 0.05,
                     "layer_wise_gradient_decay_ratio": 0.6}


@pytest.mark.parametrize("n_mels", [23, 80])
def test_fbank_matches_kaldi_native_fbank(n_mels):
    import kaldi_native_fbank as knf  # an independent Kaldi fbank (the test extra)

    audio = np.random.default_rng(0).uniform(-0.5, 0.5, 12_345).astype(np.float32)
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.samp_freq = 16_000
    opts.mel_opts.num_bins = n_mels
    online = knf.OnlineFbank(opts)
    online.accept_waveform(16_000, (audio * 2**15).tolist())
    online.input_finished()
    expected = np.stack([online.get_frame(i) for i in range(online.num_frames_ready)])
    got = fbank(audio[None], n_mels=n_mels)[0]
    assert got.shape == expected.shape == (1 + (12_345 - 400) // 160, n_mels)
    np.testing.assert_allclose(got, expected, atol=2e-4)


def test_relative_position_buckets_hand_computed():
    buckets = relative_position_buckets(801, num_buckets=320, max_distance=800)
    row = buckets[800]  # query 800; key j is at j - 800
    assert buckets[0, 0] == 0 and buckets[0, 1] == 161 and row[799] == 1  # +1 / -1 step
    assert row[800 - 79] == 79  # exact below 80 steps
    assert row[800 - 80] == 80  # log(80 / 80) = 0
    assert row[800 - 200] == 80 + int(math.log(200 / 80) / math.log(10) * 80)  # 111
    assert row[0] == 159  # 800 steps: clamped to the last bucket of the direction
    assert buckets[0, 800] == 160 + 159


def test_position_convolution_is_torch_weight_norm():
    torch.manual_seed(0)
    mine = WeightNormConv1d(16, kernel=8, groups=4)
    with torch.no_grad():
        mine.weight_g.uniform_(0.5, 2.0)
        mine.bias.normal_()
    reference = torch.nn.Conv1d(16, 16, 8, padding=4, groups=4)
    reference = torch.nn.utils.parametrizations.weight_norm(reference, dim=2)
    with torch.no_grad():
        reference.parametrizations.weight.original0.copy_(mine.weight_g)
        reference.parametrizations.weight.original1.copy_(mine.weight_v)
        reference.bias.copy_(mine.bias)
        x = torch.randn(2, 16, 30)
        np.testing.assert_allclose(mine(x).numpy(), reference(x)[..., :-1].numpy(), atol=1e-5)


def test_attention_adds_the_query_gated_position_bias():
    torch.manual_seed(1)
    table = torch.nn.Embedding(320, 2)
    attention = GatedRelativeAttention(8, 2, table).eval()
    with torch.no_grad():
        attention.grep_linear.weight.zero_()
        attention.grep_linear.bias.zero_()  # both gates sigmoid(0) = 0.5
        attention.grep_a.fill_(3.0)  # gate = 0.5 * (0.5 * 3 - 1) + 2 = 2.25
        x, bias = torch.randn(1, 5, 8), torch.randn(2, 5, 5)
        q = attention.q_proj(x).view(1, 5, 2, 4).transpose(1, 2)
        k = attention.k_proj(x).view(1, 5, 2, 4).transpose(1, 2)
        v = attention.v_proj(x).view(1, 5, 2, 4).transpose(1, 2)
        weights = torch.softmax(q @ k.transpose(-1, -2) / 2.0 + 2.25 * bias, dim=-1)
        expected = attention.out_proj((weights @ v).transpose(1, 2).reshape(1, 5, 8))
        np.testing.assert_allclose(attention(x, bias).numpy(), expected.numpy(), atol=1e-5)


@pytest.mark.parametrize("finetuned", [False, True])
def test_state_dict_is_the_released_layout(finetuned):
    with torch.device("meta"):
        encoder = BEATsEncoder(Architecture(finetuned_model=finetuned))
    assert state_dict_layout(encoder) == release_layout(finetuned)
    # BEATs: 90M parameters (Chen et al. 2022, Table 1); the table is shared by the 12 layers
    count = sum(p.numel() for p in encoder.parameters())
    assert abs(count / 90e6 - 1) < 0.02
    first = encoder.encoder.layers[0].self_attn.relative_attention_bias
    assert all(layer.self_attn.relative_attention_bias is first
               for layer in encoder.encoder.layers)


def _served_checkpoint(tmp_path, http_server, arch: Architecture, cfg: dict, name: str):
    torch.manual_seed(5)
    source = BEATsEncoder(arch).eval()
    served = tmp_path / "served"
    served.mkdir(exist_ok=True)
    torch.save({"cfg": cfg, "model": source.state_dict()}, served / name)
    return source, f"{http_server(served)}/{name}?sv=2020&sig=abc"  # a signed URL's query


def test_release_checkpoint_downloads_and_loads_exactly(tmp_path, http_server):
    cfg = {**TINY.as_dict(), **RELEASE_CFG_EXTRA}
    source, url = _served_checkpoint(tmp_path, http_server, TINY, cfg, "BEATs_iter9.pt")
    weights = PublishedWeights(url, None, "test")
    model = BEATs("beats-test", weights, weights_dir=tmp_path / "w", architecture=TINY)
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 16_000)).astype(np.float32)
    out = model.embed(audio, ["hidden0", "hidden2"])
    from brainscore_audio_submissions.beats.network import normalise

    with torch.no_grad():
        expected = source(torch.from_numpy(normalise(fbank(audio))))[-1]
    frames = time_patches(16_000)
    assert out["hidden2"].values.shape == (2, frames, 24) and out["hidden2"].hop_seconds == 0.16
    np.testing.assert_allclose(out["hidden2"].values,
                               expected.reshape(2, frames, 8, 24).mean(2).numpy(), atol=1e-5)
    assert model.checkpoint.startswith("BEATs_iter9.pt sha256:")
    assert (tmp_path / "w" / "BEATs_iter9.pt").is_file()


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path, http_server):
    other = Architecture(**{**TINY.as_dict(), "encoder_layers": 3})
    cfg = {**other.as_dict(), **RELEASE_CFG_EXTRA}
    _, url = _served_checkpoint(tmp_path, http_server, other, cfg, "BEATs_x.pt")
    model = BEATs("beats-test", PublishedWeights(url, None, "test"), weights_dir=tmp_path / "w",
                  architecture=TINY)
    with pytest.raises(UserError, match=r"BEATs_x.pt: not the BEATs checkpoint beats-test expects "
                                        r"\(ValueError: cfg .*encoder_layers': 3"):
        model.load()


def test_a_cfg_this_implementation_does_not_support_is_refused():
    with pytest.raises(ValueError, match=r"cfg deep_norm=False \(this implementation needs True\)"):
        Architecture.from_release({**RELEASE_CFG_EXTRA, "deep_norm": False})


def test_untrained_twin_is_seeded_offline_and_pads_short_clips():
    audio = np.random.default_rng(1).uniform(-0.3, 0.3, (1, 2000)).astype(np.float32)  # < 1 patch
    first = BEATs("beats-untrained").embed(audio, ["hidden12"])["hidden12"].values
    second = BEATs("beats-untrained").embed(audio, ["hidden12"])["hidden12"].values
    np.testing.assert_array_equal(first, second)
    assert first.shape == (1, 1, 768)
