"""Dasheng (Dinkel et al. 2024): a ViT encoder on 64-band log-mel patches of 40 ms, written to
load the released checkpoints (``{"model": state_dict, "config": {...}}``) by parameter name.

Front end (as the release's torchaudio chain): 512-point STFT (Hann window, centred, reflect
padding) every 10 ms at 16 kHz, power, 64 HTK mel bands 0-8 kHz (unit-peak triangles), dB with
a floor 120 dB below the clip's maximum, then a BatchNorm over mel bands (``init_bn.1``).
Encoder: patches of 64 bands x 4 frames (one token per 40 ms) embedded by a conv, plus
separate time and frequency position embeddings, pre-norm transformer blocks, final LayerNorm.
Inputs longer than ``target_length`` frames (10.08 s) are encoded in consecutive chunks, as the
release does.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from brainscore_audio.dsp import mel_filterbank

SAMPLE_RATE = 16_000
HOP = 160
N_FFT = 512


class MelFrontEnd(nn.Module):
    """``(batch, samples)`` -> ``(batch, 1, 64, frames)`` normalised log-mel, ``frames =
    1 + samples // 160``."""

    def __init__(self, n_mels: int = 64, top_db: float = 120.0) -> None:
        super().__init__()
        self.top_db = top_db
        bank = mel_filterbank(SAMPLE_RATE, N_FFT, n_mels, 0.0, 8000.0)
        self.register_buffer("fb", torch.tensor(bank, dtype=torch.float32), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)
        self.bn = nn.BatchNorm2d(n_mels, momentum=0.01)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(audio, N_FFT, HOP, N_FFT, self.window, center=True, pad_mode="reflect",
                          return_complex=True).abs() ** 2
        db = 10.0 * torch.log10(torch.clamp(self.fb @ spec, min=1e-10))
        floor = db.amax(dim=(1, 2), keepdim=True) - self.top_db  # per clip
        db = torch.maximum(db, floor)
        return self.bn(db[:, :, None, :]).transpose(1, 2)  # BN over mel bands


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, qkv_bias: bool) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class LayerScale(nn.Module):
    def __init__(self, dim: int, init_values: float) -> None:
        super().__init__()
        self.gamma = nn.Parameter(init_values * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float, qkv_bias: bool,
                 init_values: float | None) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, qkv_bias)
        self.ls1 = LayerScale(dim, init_values) if init_values else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.ls2 = LayerScale(dim, init_values) if init_values else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, dim: int, patch: tuple[int, int]) -> None:
        super().__init__()
        self.proj = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


class DashengEncoder(nn.Module):
    """Dasheng's encoder. ``forward(audio)`` -> list of ``(batch, tokens, dim)``: the embedded
    patches, each block's output, and the final LayerNorm's output (one token per 40 ms)."""

    def __init__(self, embed_dim: int = 768, depth: int = 12, num_heads: int = 12,
                 mlp_ratio: float = 4.0, qkv_bias: bool = True, init_values: float | None = None,
                 target_length: int = 1008, n_mels: int = 64,
                 patch_size: tuple[int, int] = (64, 4), **_ignored) -> None:
        super().__init__()
        self.front_end = MelFrontEnd(n_mels)
        self.patch_size = tuple(patch_size)
        self.target_length = target_length
        self.patch_embed = PatchEmbed(embed_dim, self.patch_size)
        grid = (n_mels // self.patch_size[0], target_length // self.patch_size[1])
        self.time_pos_embed = nn.Parameter(torch.randn(1, embed_dim, 1, grid[1]) * 0.02)
        self.freq_pos_embed = nn.Parameter(torch.randn(1, embed_dim, grid[0], 1) * 0.02)
        self.blocks = nn.ModuleList(Block(embed_dim, num_heads, mlp_ratio, qkv_bias, init_values)
                                    for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)

    def forward(self, audio: torch.Tensor) -> list[torch.Tensor]:
        patches = self.patch_embed(self.front_end(audio))  # (b, c, f, t)
        chunk = self.target_length // self.patch_size[1]
        outputs: list[list[torch.Tensor]] = []
        for piece in patches.split(chunk, dim=-1):
            x = piece + self.time_pos_embed[..., :piece.shape[-1]] + self.freq_pos_embed
            x = x.flatten(2).transpose(1, 2)  # (b, f * t, c), frequency-major as released
            layers = [x]
            for block in self.blocks:
                x = block(x)
                layers.append(x)
            layers.append(self.norm(x))
            outputs.append(layers)
        return [torch.cat(parts, dim=1) for parts in zip(*outputs, strict=True)]

    def load_release_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load a released state dict: ``init_bn.1.*`` is the front end's BatchNorm; the
        torchaudio buffers (``front_end.*``: STFT window, mel filters) are checked against
        this front end instead of loaded; every other tensor must match by name and shape."""
        mapped = {}
        for key, tensor in state.items():
            if key.startswith("init_bn.1."):
                mapped["front_end.bn." + key[len("init_bn.1."):]] = tensor
            elif key.endswith("mel_scale.fb"):
                mine = self.front_end.fb.T
                if tensor.shape != mine.shape or not torch.allclose(tensor.float(), mine, atol=1e-5):
                    raise ValueError("the checkpoint's mel filterbank differs from this front end")
            elif not key.startswith("front_end."):
                mapped[key] = tensor
        self.load_state_dict(mapped, strict=True)


def frames_to_tokens(n_samples: int, patch_frames: int = 4) -> int:
    """Tokens for a clip of ``n_samples``: ``floor((1 + n // 160) / 4)`` (40 ms each)."""
    return math.floor((1 + n_samples // HOP) / patch_frames)
