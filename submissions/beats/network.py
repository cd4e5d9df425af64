"""BEATs (Chen et al. 2022), written from the paper and the released code's description to load the
released checkpoints (``{"cfg": {...}, "model": state_dict}``) by parameter name.

Front end: Kaldi filterbank of the waveform scaled to 16-bit range (25 ms Povey window every
10 ms, pre-emphasis 0.97, DC removal, 512-point FFT, 128 mel bands 20-8000 Hz, natural log),
normalised with the release's mean 15.41663 and twice its std 6.55582. The fbank is computed by
transformers' numpy Kaldi path (the one the AST feature extractor uses).

Encoder: 16 x 16 patches of the (time x mel) fbank embedded by a conv (512 dims), LayerNorm, a
projection to 768, a grouped convolutional position embedding (kernel 128, 16 groups, weight
norm over the kernel axis, GELU) added to its input, LayerNorm, then 12 post-norm transformer
layers with DeepNorm residual scaling (alpha = (2 * layers) ** 0.25) and a bucketed relative
position bias (320 buckets, max distance 800) computed once from layer 1's embedding table
(shared by every layer, as released) and gated per layer by the query (``grep_linear``,
``grep_a``). Tokens are time-major: 8 frequency patches for each 160 ms time patch.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from brainscore_audio.optional import require

SAMPLE_RATE = 16_000
FBANK_MEAN = 15.41663
FBANK_STD = 6.55582
WINDOW = 400  # 25 ms
HOP = 160  # 10 ms


@dataclass(frozen=True)
class Architecture:
    """The released configuration (the checkpoint's ``cfg`` keys of the same names)."""

    embed_dim: int = 512
    encoder_embed_dim: int = 768
    encoder_layers: int = 12
    encoder_attention_heads: int = 12
    encoder_ffn_embed_dim: int = 3072
    input_patch_size: int = 16
    conv_pos: int = 128
    conv_pos_groups: int = 16
    num_buckets: int = 320
    max_distance: int = 800
    finetuned_model: bool = False
    predictor_class: int = 527

    #: cfg values every released BEATs checkpoint has and this implementation assumes.
    FIXED = {"deep_norm": True, "layer_norm_first": False, "gru_rel_pos": True,
             "relative_position_embedding": True, "conv_bias": False, "activation_fn": "gelu"}

    @classmethod
    def from_release(cls, cfg: dict[str, Any]) -> Architecture:
        """The architecture of a checkpoint's ``cfg``; ``ValueError`` naming the first setting
        this implementation does not support."""
        for key, value in cls.FIXED.items():
            if key in cfg and cfg[key] != value:
                raise ValueError(f"cfg {key}={cfg[key]!r} (this implementation needs {value!r})")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in cfg.items() if k in names})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fbank(audio: np.ndarray, n_mels: int = 128) -> np.ndarray:
    """Kaldi log-mel filterbank of each clip: ``(batch, samples)`` float in [-1, 1] at 16 kHz ->
    ``(batch, frames, n_mels)`` float32, ``frames = 1 + (samples - 400) // 160`` (no padding at
    the edges, as Kaldi's ``snip_edges``)."""
    require("transformers", "models of the hf: adapter and their front ends")
    from transformers.audio_utils import mel_filter_bank, spectrogram, window_function

    window = window_function(WINDOW, "povey", periodic=False)
    with warnings.catch_warnings():
        # 128 Kaldi bands on a 512-point FFT leave one low band (the 4th) between FFT bins, empty;
        # the release was trained with them (log of the floor), so the warning is expected.
        warnings.filterwarnings("ignore", message="At least one mel filter has all zero values")
        bank = mel_filter_bank(num_frequency_bins=257, num_mel_filters=n_mels, min_frequency=20.0,
                               max_frequency=SAMPLE_RATE / 2, sampling_rate=SAMPLE_RATE,
                               norm=None, mel_scale="kaldi", triangularize_in_mel_space=True)
    out = [spectrogram(np.asarray(clip, np.float64) * 2**15, window, frame_length=WINDOW,
                       hop_length=HOP, fft_length=512, power=2.0, center=False, preemphasis=0.97,
                       mel_filters=bank, log_mel="log", mel_floor=float(np.finfo(np.float32).eps),
                       remove_dc_offset=True).T
           for clip in audio]
    return np.stack(out).astype(np.float32)


def relative_position_buckets(length: int, num_buckets: int, max_distance: int) -> torch.Tensor:
    """``(length, length)`` bucket of key j relative to query i (T5-style, bidirectional): half
    the buckets per direction, exact below ``num_buckets // 4`` steps, logarithmic up to
    ``max_distance``, the last bucket beyond."""
    relative = torch.arange(length)[None, :] - torch.arange(length)[:, None]
    half = num_buckets // 2
    buckets = (relative > 0).long() * half
    distance = relative.abs()
    exact = half // 2
    logarithmic = exact + (torch.log(distance.float().clamp(min=1) / exact)
                           / math.log(max_distance / exact) * (half - exact)).long()
    logarithmic = logarithmic.clamp(max=half - 1)
    return buckets + torch.where(distance < exact, distance, logarithmic)


class GatedRelativeAttention(nn.Module):
    """Multi-head self-attention whose logits get the relative position bias, scaled per query
    by a learnt gate: ``bias * (a * (b * grep_a - 1) + 2)`` with ``a, b`` sigmoids of the
    query's ``grep_linear`` outputs summed in two groups of four."""

    def __init__(self, dim: int, heads: int, position_table: nn.Embedding) -> None:
        super().__init__()
        self.heads = heads
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)
        self.relative_attention_bias = position_table  # one table shared by every layer
        self.grep_linear = nn.Linear(dim // heads, 8)
        self.grep_a = nn.Parameter(torch.ones(1, heads, 1, 1))

    def forward(self, x: torch.Tensor, position_bias: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, tokens, dim); ``position_bias``: (heads, tokens, tokens)."""
        b, t, c = x.shape
        q, k, v = (proj(x).view(b, t, self.heads, c // self.heads).transpose(1, 2)
                   for proj in (self.q_proj, self.k_proj, self.v_proj))
        gates = torch.sigmoid(self.grep_linear(q).view(b, self.heads, t, 2, 4).sum(-1))
        gate = gates[..., :1] * (gates[..., 1:] * self.grep_a - 1.0) + 2.0  # (b, h, t, 1)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=gate * position_bias[None])
        return self.out_proj(out.transpose(1, 2).reshape(b, t, c))


class EncoderLayer(nn.Module):
    """Post-norm transformer layer with DeepNorm residual scaling."""

    def __init__(self, arch: Architecture, position_table: nn.Embedding) -> None:
        super().__init__()
        dim = arch.encoder_embed_dim
        self.alpha = (2 * arch.encoder_layers) ** 0.25
        self.self_attn = GatedRelativeAttention(dim, arch.encoder_attention_heads, position_table)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, arch.encoder_ffn_embed_dim)
        self.fc2 = nn.Linear(arch.encoder_ffn_embed_dim, dim)
        self.final_layer_norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, position_bias: torch.Tensor) -> torch.Tensor:
        x = self.self_attn_layer_norm(x * self.alpha + self.self_attn(x, position_bias))
        return self.final_layer_norm(x * self.alpha + self.fc2(F.gelu(self.fc1(x))))


class WeightNormConv1d(nn.Module):
    """Grouped 1-d convolution with weight norm over the kernel axis, stored as released:
    ``weight_g`` (1, 1, kernel), ``weight_v`` (out, in / groups, kernel), ``bias``; the weight
    is ``weight_g * weight_v / ||weight_v||`` (norm over the first two axes). An even kernel
    with ``kernel // 2`` padding gives one extra frame, which is dropped (same length out)."""

    def __init__(self, channels: int, kernel: int, groups: int) -> None:
        super().__init__()
        self.kernel, self.groups = kernel, groups
        self.weight_g = nn.Parameter(torch.ones(1, 1, kernel))
        self.weight_v = nn.Parameter(torch.randn(channels, channels // groups, kernel) * 0.02)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, channels, frames) -> same shape."""
        weight = self.weight_g * self.weight_v / self.weight_v.norm(dim=(0, 1), keepdim=True)
        out = F.conv1d(x, weight, self.bias, padding=self.kernel // 2, groups=self.groups)
        return out[..., :x.shape[-1]] if self.kernel % 2 == 0 else out


class TransformerEncoder(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        dim = arch.encoder_embed_dim
        self.num_buckets, self.max_distance = arch.num_buckets, arch.max_distance
        self.pos_conv = nn.Sequential(WeightNormConv1d(dim, arch.conv_pos, arch.conv_pos_groups))
        table = nn.Embedding(arch.num_buckets, arch.encoder_attention_heads)
        self.layers = nn.ModuleList(EncoderLayer(arch, table) for _ in range(arch.encoder_layers))
        self.layer_norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """``x``: (batch, tokens, dim) -> the encoder's input after the position embedding and
        LayerNorm, then each layer's output."""
        x = x + F.gelu(self.pos_conv(x.transpose(1, 2))).transpose(1, 2)
        x = self.layer_norm(x)
        buckets = relative_position_buckets(x.shape[1], self.num_buckets, self.max_distance)
        table = self.layers[0].self_attn.relative_attention_bias
        position_bias = table(buckets.to(x.device)).permute(2, 0, 1)  # (heads, t, t)
        outputs = [x]
        for layer in self.layers:
            x = layer(x, position_bias)
            outputs.append(x)
        return outputs


class BEATsEncoder(nn.Module):
    """BEATs. ``forward(fbank)`` with ``fbank`` (batch, frames, 128) normalised (see
    :func:`normalise`) -> list of (batch, tokens, 768): the projected patch embeddings, the
    transformer's input and each of its layers' outputs; ``tokens = (frames // 16) * 8``."""

    def __init__(self, arch: Architecture | None = None) -> None:
        super().__init__()
        arch = arch or Architecture()
        self.arch = arch
        size = arch.input_patch_size
        self.patch_embedding = nn.Conv2d(1, arch.embed_dim, kernel_size=size, stride=size,
                                         bias=False)
        self.layer_norm = nn.LayerNorm(arch.embed_dim)
        self.post_extract_proj = nn.Linear(arch.embed_dim, arch.encoder_embed_dim)
        self.encoder = TransformerEncoder(arch)
        if arch.finetuned_model:  # AudioSet classifier of the fine-tuned releases (not a layer)
            self.predictor = nn.Linear(arch.encoder_embed_dim, arch.predictor_class)

    def forward(self, fbank: torch.Tensor) -> list[torch.Tensor]:
        patches = self.patch_embedding(fbank[:, None])  # (b, c, time patches, mel patches)
        x = self.layer_norm(patches.flatten(2).transpose(1, 2))  # time-major tokens
        x = self.post_extract_proj(x)
        return [x, *self.encoder(x)]

    def mel_patches(self) -> int:
        """Frequency patches per time patch (8 for 128 mel bands)."""
        return 128 // self.arch.input_patch_size


def normalise(fbank_values: np.ndarray) -> np.ndarray:
    """The release's input normalisation: ``(fbank - 15.41663) / (2 * 6.55582)``."""
    return (fbank_values - FBANK_MEAN) / (2 * FBANK_STD)


def minimum_samples(patch: int = 16) -> int:
    """Samples for one time patch: ``patch`` fbank frames (2800 at 16 kHz)."""
    return WINDOW + (patch - 1) * HOP


def time_patches(n_samples: int, patch: int = 16) -> int:
    """Time patches (frames of the layers, 160 ms each) for a clip of ``n_samples``."""
    return (1 + (n_samples - WINDOW) // HOP) // patch
