"""Spectrotemporal modulation filters (Chi, Ru & Shamma 2005) applied to a cochleagram.

Each filter is a separable transfer function in the 2-D Fourier domain of the cochleagram
(spectral modulation ``scale`` in cycles/ERB along the ERB-spaced channels, temporal modulation
``rate`` in Hz along time):

- spectral: ``S(W) = (|W| / Wc)^2 exp(1 - (|W| / Wc)^2)``, the transfer function of Chi et
  al.'s Mexican-hat (second derivative of a Gaussian) seed, peak 1 at ``Wc``;
- temporal: the magnitude of the Fourier transform of Chi et al.'s seed
  ``h(t) = (w t)^2 exp(-3.5 w t) sin(2 pi w t)``, normalised to peak 1.

Joint filters keep one pair of opposite quadrants: ``down`` (ripples moving down in frequency
over time: rate and scale of the same sign) or ``up`` (opposite signs). Purely spectral filters
use ``S`` alone and purely temporal ones ``R`` alone, each keeping one half-plane, so every
filter output is complex and ``|y|^2`` is its energy envelope. The bank of Pepino et al.:
scales 0.0625-2 cycles/ERB (6, octave-spaced) x rates 0.5-64 Hz (8) x 2 directions = 96, plus
6 spectral and 8 temporal = 110 filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft

SCALES = (0.0625, 0.125, 0.25, 0.5, 1.0, 2.0)  # cycles / ERB
RATES = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)  # Hz


@dataclass(frozen=True)
class ModulationFilter:
    """One filter: ``rate`` Hz (None: purely spectral), ``scale`` cycles/ERB (None: purely
    temporal), ``direction`` "up" / "down" for joint filters."""

    rate: float | None
    scale: float | None
    direction: str | None = None

    @property
    def name(self) -> str:
        if self.rate is None:
            return f"spectral-{self.scale:g}cpe"
        if self.scale is None:
            return f"temporal-{self.rate:g}Hz"
        return f"{self.direction}-{self.rate:g}Hz-{self.scale:g}cpe"


def filter_bank() -> list[ModulationFilter]:
    """The 110 filters, joint ones first (rate-major), then spectral, then temporal."""
    joint = [ModulationFilter(r, s, d) for r in RATES for s in SCALES for d in ("up", "down")]
    return (joint + [ModulationFilter(None, s) for s in SCALES]
            + [ModulationFilter(r, None) for r in RATES])


def spectral_response(scale_axis: np.ndarray, centre: float) -> np.ndarray:
    """``S(W)`` over signed spectral-modulation frequencies (cycles/ERB)."""
    x = (np.abs(scale_axis) / centre) ** 2
    return x * np.exp(1.0 - x)


def temporal_response(rate_axis: np.ndarray, centre: float) -> np.ndarray:
    """``|FT h|`` of Chi et al.'s temporal seed over signed rates (Hz), peak 1.

    ``FT{t^2 e^(-a t)}(f) = 2 / (a + 2 pi i f)^3`` with ``a = 3.5 w``; the sine shifts it by
    ``+-w``.
    """
    a = 3.5 * centre

    def gamma(f: np.ndarray) -> np.ndarray:
        return 2.0 / (a + 2j * np.pi * f) ** 3

    f = np.abs(rate_axis)
    response = np.abs(gamma(f - centre) - gamma(f + centre))
    grid = np.linspace(0.0, 4.0 * centre, 4001)
    peak = np.abs(gamma(grid - centre) - gamma(grid + centre)).max()
    return response / peak


def transfer(filt: ModulationFilter, scale_axis: np.ndarray, rate_axis: np.ndarray) -> np.ndarray:
    """``(len(scale_axis), len(rate_axis))`` transfer function of one filter (one-sided)."""
    scales, rates = scale_axis[:, None], rate_axis[None, :]
    if filt.rate is None:
        return np.broadcast_to(spectral_response(scales, filt.scale) * 2.0 * (scales > 0),
                               (len(scale_axis), len(rate_axis)))
    if filt.scale is None:
        return np.broadcast_to(temporal_response(rates, filt.rate) * 2.0 * (rates > 0),
                               (len(scale_axis), len(rate_axis)))
    same_sign = (scales > 0) & (rates > 0) | (scales < 0) & (rates < 0)
    opposite = (scales > 0) & (rates < 0) | (scales < 0) & (rates > 0)
    quadrant = same_sign if filt.direction == "down" else opposite
    return spectral_response(scales, filt.scale) * temporal_response(rates, filt.rate) * 2.0 * quadrant


def modulation_energy(cochleagram: np.ndarray, frame_rate: float, erb_spacing: float,
                      filters: list[ModulationFilter]) -> np.ndarray:
    """Squared filter outputs.

    Args:
        cochleagram: ``(frames, channels)`` compressed envelopes.
        frame_rate: frames per second (Hz); ``erb_spacing``: ERBs between channels.
    Returns:
        ``(filters, frames, channels)`` energies ``|y|^2``.
    """
    frames, channels = cochleagram.shape
    pad_t = fft.next_fast_len(frames + int(np.ceil(2.0 * frame_rate)))  # 0.5 Hz filter's support
    pad_f = fft.next_fast_len(2 * channels)
    # Temporal and joint filters see each channel minus its time mean: the clip's edges against
    # the zero padding would otherwise be a step that the slow filters pick up. Purely spectral
    # filters see the cochleagram itself (its static spectral profile is what they measure).
    demeaned = fft.fft2(cochleagram.T - cochleagram.mean(axis=0)[:, None],
                        s=(pad_f, pad_t)).astype(np.complex64)
    static = fft.fft2(cochleagram.T - cochleagram.mean(), s=(pad_f, pad_t)).astype(np.complex64)
    scale_axis = np.fft.fftfreq(pad_f, d=erb_spacing)
    rate_axis = np.fft.fftfreq(pad_t, d=1.0 / frame_rate)
    out = np.empty((len(filters), frames, channels), dtype=np.float64)
    for k, filt in enumerate(filters):
        gain = transfer(filt, scale_axis, rate_axis).astype(np.float32)
        spectrum = static if filt.rate is None else demeaned
        y = fft.ifft2(spectrum * gain, workers=-1)[:channels, :frames]
        out[k] = (y.real ** 2 + y.imag ** 2).T
    return out
