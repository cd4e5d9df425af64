"""A cochleagram in numpy: ERB-spaced gammatone filters, Hilbert envelopes, power compression.

Filtering is done in the frequency domain on the whole clip: each channel's analytic subband is
the inverse FFT of the signal's positive-frequency spectrum times the magnitude response of a
4th-order gammatone filter (zero phase), so its absolute value is the subband's Hilbert
envelope. Envelopes are resampled to ``envelope_rate`` (polyphase, anti-aliased) and compressed
by ``x ** 0.3`` (the exponent McDermott & Simoncelli 2011 use).

Units: ERB-number E(f) = 21.4 log10(1 + 0.00437 f) (Glasberg & Moore 1990), bandwidth
ERB(f) = 24.7 (4.37 f / 1000 + 1) Hz; gammatone bandwidth b = 1.019 ERB(f).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.fft import next_fast_len


def erb_number(hz: np.ndarray | float) -> np.ndarray:
    """Glasberg & Moore's ERB-rate scale: ``21.4 log10(1 + 0.00437 f)``."""
    return 21.4 * np.log10(1.0 + 0.00437 * np.asarray(hz, dtype=np.float64))


def erb_number_to_hz(erbs: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`erb_number`."""
    return (10.0 ** (np.asarray(erbs, dtype=np.float64) / 21.4) - 1.0) / 0.00437


def erb_bandwidth(hz: np.ndarray | float) -> np.ndarray:
    """Equivalent rectangular bandwidth in Hz at ``hz``: ``24.7 (4.37 f / 1000 + 1)``."""
    return 24.7 * (4.37 * np.asarray(hz, dtype=np.float64) / 1000.0 + 1.0)


@dataclass(frozen=True)
class Cochlea:
    """Filterbank settings.

    Attributes:
        sample_rate: input rate in Hz.
        low_hz, high_hz: centre frequencies of the lowest and highest channel.
        erb_spacing: distance between neighbouring channels in ERBs (0.25: 4 channels per ERB,
            enough to represent spectral modulations up to 2 cycles/ERB).
        envelope_rate: output frame rate in Hz.
        compression: exponent applied to the envelopes.
        order: gammatone order.
    """

    sample_rate: int = 16_000
    low_hz: float = 50.0
    high_hz: float = 8_000.0
    erb_spacing: float = 0.25
    envelope_rate: int = 400
    compression: float = 0.3
    order: int = 4

    @cached_property
    def centre_hz(self) -> np.ndarray:
        """``(channels,)`` centre frequencies, equally spaced on the ERB-rate scale."""
        low, high = erb_number(self.low_hz), erb_number(min(self.high_hz, self.sample_rate / 2))
        count = int(np.floor((high - low) / self.erb_spacing)) + 1
        return erb_number_to_hz(low + self.erb_spacing * np.arange(count))

    def responses(self, n_fft: int) -> np.ndarray:
        """``(channels, n_fft // 2 + 1)`` gammatone magnitude responses (peak 1) over rfft bins."""
        freqs = np.fft.rfftfreq(n_fft, 1.0 / self.sample_rate)
        centre = self.centre_hz[:, None]
        width = 1.019 * erb_bandwidth(centre)
        return (1.0 + ((freqs[None, :] - centre) / width) ** 2) ** (-self.order / 2.0)

    def envelopes(self, audio: np.ndarray) -> np.ndarray:
        """``(batch, samples)`` -> ``(batch, frames, channels)`` Hilbert envelopes (linear) at
        ``envelope_rate``; ``frames = ceil(samples * envelope_rate / sample_rate)``."""
        audio = np.asarray(audio, dtype=np.float64)
        n = audio.shape[1]
        # 50 ms of zero padding keeps the filters' tails from wrapping around the clip
        n_fft = next_fast_len(n + self.sample_rate // 20)
        spectrum = np.fft.rfft(audio, n_fft, axis=1)  # (batch, bins)
        bins = spectrum.shape[1]
        analytic = np.zeros((audio.shape[0], len(self.centre_hz), n_fft), dtype=np.complex128)
        analytic[:, :, :bins] = spectrum[:, None, :] * self.responses(n_fft)[None]
        analytic[:, :, 1:bins - 1] *= 2.0  # one-sided spectrum -> analytic signal
        envelope = np.abs(np.fft.ifft(analytic, axis=2))[:, :, :n]
        from scipy.signal import resample_poly  # slow import: not at plugin registration

        gcd = np.gcd(self.sample_rate, self.envelope_rate)
        down = resample_poly(envelope, self.envelope_rate // gcd, self.sample_rate // gcd, axis=2)
        return np.maximum(down, 0.0).transpose(0, 2, 1)

    def cochleagram(self, audio: np.ndarray) -> np.ndarray:
        """Compressed envelopes ``(batch, frames, channels)``: ``envelopes(audio) ** compression``."""
        return self.envelopes(audio) ** self.compression
