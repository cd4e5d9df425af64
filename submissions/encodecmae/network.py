"""EnCodecMAE's feature encoder (Pepino et al., the mel256-ec family), written from the authors'
description and configuration files to load their released checkpoints by parameter name.

Only what turns audio into representations is built (the "visible encoder" of the masked
autoencoder run without masking, as the authors extract features); the decoder, the EnCodec
target quantizer and the prediction head of a checkpoint are training machinery and are not
loaded.

Front end (24 kHz, as ``configs/features/mel.gin``): Kaldi filterbank of the waveform (no 16-bit
scaling) with a 637-sample (26.56 ms) Hann window every 318 samples (13.28 ms, Kaldi truncates
both to whole samples), pre-emphasis 0.97, DC removal, 1024-point FFT, 256 mel bands 20 Hz-12 kHz,
natural log, normalised as ``(fbank + 6.12) / 4.82``; computed by transformers' numpy Kaldi path.

ec-ec models read the waveform with the frozen EnCodec 24 kHz encoder instead (Defossez et al.
2022; transformers' ``EncodecEncoder``, which has the ``encodec`` package's layers: 128 dims every
320 samples, 13.3 ms), whose weights the checkpoint carries.

Encoder: a linear projection of the 256 bands (or 128 EnCodec dims) to ``model_dim``, plus sinusoidal position
encodings times a learnt scale, then ``layers`` ResiDual transformer layers (Xie et al. 2023: two
streams, a post-normed one that feeds attention and the feed-forward block, and an un-normalised
sum of their outputs). Attention has no biases and interleaves heads in the channel axis
(channel ``j * heads + h``); ``model_dim // heads`` dims per head (85 for the large model, whose
1024 dims do not divide by its 12 heads). The feed-forward block (Linear 4096, ReLU, Linear) is
one module shared by every layer, as the authors' ``TransformerEncoder`` builds it. A layer's
output is its normalised stream; the last layer's is the normalised stream plus the final
LayerNorm of the un-normalised one (the authors' ``postnorm_last_activation``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from brainscore_audio.optional import require

SAMPLE_RATE = 24_000
WINDOW = 637  # int(24000 * 26.56 ms)
HOP = 318  # int(24000 * 13.28 ms)
FEATURE_HOP = 320  # the hop of the authors' padding mask (EnCodec's): see EncodecMAEEncoder
MEL_MEAN, MEL_STD = -6.12, 4.82
MASK_VALUE = -1e9


@dataclass(frozen=True)
class Architecture:
    """The size of one released encoder (``MODEL_DIM``, ``NUM_ENCODER_LAYERS``,
    ``NUM_ENCODER_HEADS`` of the authors' gin configuration; ``ff_dim`` their default)."""

    model_dim: int = 768
    layers: int = 10
    heads: int = 12
    ff_dim: int = 4096
    n_mels: int = 256
    front_end: str = "mel"  # "mel" (256-band fbank) or "encodec" (EnCodec 24 kHz encoder)

    @property
    def input_dim(self) -> int:
        """Dims per input frame: the mel bands, or EnCodec's 128 latent dims."""
        return ENCODEC_DIM if self.front_end == "encodec" else self.n_mels

    @property
    def hop_samples(self) -> int:
        """Samples between frames: 318 (Kaldi fbank) or 320 (EnCodec's stride)."""
        return FEATURE_HOP if self.front_end == "encodec" else HOP

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


SMALL = Architecture(layers=5)
BASE = Architecture()
LARGE = Architecture(model_dim=1024, layers=20)
EC_BASE = Architecture(front_end="encodec")
ENCODEC_DIM = 128


def fbank(audio: np.ndarray, n_mels: int = 256) -> np.ndarray:
    """``(batch, samples)`` float in [-1, 1] at 24 kHz -> ``(batch, frames, n_mels)`` float32
    normalised log-mel, ``frames = 1 + (samples - 637) // 318``."""
    require("transformers", "models of the hf: adapter and their front ends")
    from transformers.audio_utils import mel_filter_bank, spectrogram, window_function

    with warnings.catch_warnings():
        # 256 Kaldi bands on a 1024-point FFT leave low bands between FFT bins empty; the
        # release was trained with them (log of the floor), so the warning is expected.
        warnings.filterwarnings("ignore", message="At least one mel filter has all zero values")
        bank = mel_filter_bank(num_frequency_bins=513, num_mel_filters=n_mels, min_frequency=20.0,
                               max_frequency=SAMPLE_RATE / 2, sampling_rate=SAMPLE_RATE,
                               norm=None, mel_scale="kaldi", triangularize_in_mel_space=True)
    window = window_function(WINDOW, "hann", periodic=False)
    out = [spectrogram(np.asarray(clip, np.float64), window, frame_length=WINDOW, hop_length=HOP,
                       fft_length=1024, power=2.0, center=False, preemphasis=0.97,
                       mel_filters=bank, log_mel="log", mel_floor=float(np.finfo(np.float32).eps),
                       remove_dc_offset=True).T
           for clip in audio]
    return ((np.stack(out) - MEL_MEAN) / MEL_STD).astype(np.float32)


def sinusoids(frames: int, dim: int) -> torch.Tensor:
    """``(frames, dim)``: sin at even channels, cos at odd ones, wavelengths 2 pi .. 10000 * 2 pi."""
    position = torch.arange(frames, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * -(math.log(10000.0) / dim))
    table = torch.zeros(frames, dim)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)
    return table


class PositionalEncoder(nn.Module):
    """``x + scale * sinusoids`` with a learnt scalar ``scale``."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.scale * sinusoids(x.shape[1], x.shape[2]).to(x)


class InterleavedAttention(nn.Module):
    """Bias-free multi-head attention, heads interleaved in the channel axis."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        inner = self.head_dim * heads
        self.wq = nn.Linear(dim, inner, bias=False)
        self.wk = nn.Linear(dim, inner, bias=False)
        self.wv = nn.Linear(dim, inner, bias=False)
        self.wo = nn.Linear(inner, dim, bias=False)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor | None) -> torch.Tensor:
        """``x``: (batch, frames, dim); ``key_bias``: (batch, 1, 1, frames) added to the logits."""
        b, t, _ = x.shape
        q, k, v = (proj(x).view(b, t, self.head_dim, self.heads).permute(0, 3, 1, 2)
                   for proj in (self.wq, self.wk, self.wv))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=key_bias)
        return self.wo(out.permute(0, 2, 3, 1).reshape(b, t, -1))


class ResiDualLayer(nn.Module):
    def __init__(self, arch: Architecture, feed_forward: nn.Module) -> None:
        super().__init__()
        self.att_layer = InterleavedAttention(arch.model_dim, arch.heads)
        self.ff_layer = feed_forward  # shared by every layer
        self.norm1 = nn.LayerNorm(arch.model_dim)
        self.norm2 = nn.LayerNorm(arch.model_dim)

    def forward(self, normed: torch.Tensor, raw: torch.Tensor,
                key_bias: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        attended = self.att_layer(normed, key_bias)
        normed = self.norm1(normed + attended)
        raw = raw + attended
        fed = self.ff_layer(normed)
        return self.norm2(normed + fed), raw + fed


class EncodecMAEEncoder(nn.Module):
    """``forward(inputs, n_samples)`` -> list of (batch, frames, model_dim): the transformer's
    input and each layer's output."""

    def __init__(self, arch: Architecture = BASE) -> None:
        super().__init__()
        self.arch = arch
        if arch.front_end == "encodec":
            require("transformers", "models of the hf: adapter and their front ends")
            from transformers import EncodecConfig
            require("transformers", "models of the hf: adapter and their front ends")
            from transformers.models.encodec.modeling_encodec import EncodecEncoder

            self.encodec = EncodecEncoder(EncodecConfig())  # the 24 kHz model's configuration
        self.projection = nn.Linear(arch.input_dim, arch.model_dim)
        self.positional_encoder = PositionalEncoder()
        self.feed_forward = nn.Sequential(nn.Linear(arch.model_dim, arch.ff_dim), nn.ReLU(),
                                          nn.Linear(arch.ff_dim, arch.model_dim))
        self.layers = nn.ModuleList(ResiDualLayer(arch, self.feed_forward)
                                    for _ in range(arch.layers))
        self.final_norm = nn.LayerNorm(arch.model_dim)

    def forward(self, inputs: torch.Tensor, n_samples: int) -> list[torch.Tensor]:
        """``inputs``: :func:`fbank` features (batch, frames, 256), or for the EnCodec front end
        the waveform (batch, samples) at 24 kHz."""
        if self.arch.front_end == "encodec":
            inputs = self.encodec(inputs[:, None]).transpose(1, 2)  # (batch, frames, 128)
        x = self.positional_encoder(self.projection(inputs))
        valid = n_samples // FEATURE_HOP
        key_bias = None
        if valid < x.shape[1]:  # the authors' padding mask: frames past n // 320 are not keys
            key_bias = torch.zeros(1, 1, 1, x.shape[1], device=x.device, dtype=x.dtype)
            key_bias[..., valid:] = MASK_VALUE
        outputs, normed, raw = [x], x, x
        for layer in self.layers:
            normed, raw = layer(normed, raw, key_bias)
            outputs.append(normed)
        outputs[-1] = normed + self.final_norm(raw)
        return outputs

    # -- the released checkpoints' names ------------------------------------------------------
    def release_names(self) -> dict[str, str]:
        """``{checkpoint key: own key}`` for every tensor this encoder takes from a release."""
        names = {"wav_encoder.post_net.weight": "projection.weight",
                 "wav_encoder.post_net.bias": "projection.bias",
                 "masker.positional_encoder.scale": "positional_encoder.scale"}
        for i in range(self.arch.layers):
            source, own = f"visible_encoder.encoder_layers.{i}.", f"layers.{i}."
            for name in ("att_layer.wq.weight", "att_layer.wk.weight", "att_layer.wv.weight",
                         "att_layer.wo.weight", "norm1.weight", "norm1.bias", "norm2.weight",
                         "norm2.bias", "ff_layer.0.weight", "ff_layer.0.bias", "ff_layer.2.weight",
                         "ff_layer.2.bias"):
                names[source + name] = own + name
        names["visible_encoder.final_norm.weight"] = "final_norm.weight"
        names["visible_encoder.final_norm.bias"] = "final_norm.bias"
        if self.arch.front_end == "encodec":
            for own in self.encodec.state_dict():
                names[ENCODEC_PREFIX + encodec_package_name(own)] = "encodec." + own
        return names

    def load_release_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load a released ``state_dict``: every tensor of :meth:`release_names` must be there
        with this encoder's shape, and the shared feed-forward block must be the same tensor
        under every layer's name; the training-only parts (decoder, head, targets) are ignored."""
        names = self.release_names()
        missing = [key for key in names if key not in state]
        if missing:
            raise KeyError(f"{len(missing)} encoder tensors missing, first {missing[0]!r}")
        mine = self.state_dict()
        for key, own in names.items():
            if tuple(state[key].shape) != tuple(mine[own].shape):
                raise ValueError(f"{key} has shape {tuple(state[key].shape)}, the declared "
                                 f"architecture {tuple(mine[own].shape)}")
        for i in range(1, self.arch.layers):
            for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
                first = state[f"visible_encoder.encoder_layers.0.ff_layer.{name}"]
                if not torch.equal(state[f"visible_encoder.encoder_layers.{i}.ff_layer.{name}"],
                                   first):
                    raise ValueError(f"layer {i}'s feed-forward block differs from layer 0's "
                                     "(this encoder shares one, as the authors' code does)")
        renamed = {own: state[key] for key, own in names.items()}
        for name in ("0.weight", "0.bias", "2.weight", "2.bias"):  # the shared block's own name
            renamed[f"feed_forward.{name}"] = renamed[f"layers.0.ff_layer.{name}"]
        self.load_state_dict(renamed, strict=True)


#: Where a checkpoint keeps the EnCodec encoder: WavEncoder.encoder (the authors' EncodecEncoder)
#: .model (the encodec package's SEANetEncoder), whose own layers are ``model.<i>``.
ENCODEC_PREFIX = "wav_encoder.encoder.model."


def encodec_package_name(own: str) -> str:
    """The ``encodec`` package's name of a transformers ``EncodecEncoder`` tensor:
    ``layers.<i>`` is ``model.<i>``, each conv sits one ``.conv`` deeper, and weight norm is
    stored as ``weight_g``/``weight_v``."""
    name = "model." + own[len("layers."):]
    name = name.replace(".conv.parametrizations.weight.original0", ".conv.conv.weight_g")
    name = name.replace(".conv.parametrizations.weight.original1", ".conv.conv.weight_v")
    return name.replace(".conv.bias", ".conv.conv.bias")


def frames(n_samples: int) -> int:
    """Frames (13.25 ms apart) of a clip of ``n_samples`` at 24 kHz."""
    return 1 + (n_samples - WINDOW) // HOP
