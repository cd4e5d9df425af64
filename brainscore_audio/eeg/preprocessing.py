"""EEG preprocessing (docs/methods.md#eeg-preprocessing).

Order: band-pass -> mains notch -> bad-channel detection -> interpolate (or drop) bad channels ->
average reference over the good channels. Every threshold is a field of
:class:`PreprocessingConfig`, whose :meth:`~PreprocessingConfig.parameters` go into score records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from . import _optional

BAD_REASONS = ("flat", "std-z", "low-correlation", "marked")


@dataclass(frozen=True)
class PreprocessingConfig:
    """The EEG preprocessing recipe.

    Attributes:
        l_freq, h_freq: band-pass edges in Hz.
        filter_order: Butterworth order N of ``scipy.signal.butter(N, [l, h], "bandpass")``,
            applied forward and backward (zero phase, ``sosfiltfilt``).
        notch_hz: mains frequency of the recording site (50 or 60 Hz; None: no notch).
        notch_quality: quality factor Q of ``scipy.signal.iirnotch`` (applied forward-backward).
        flat_std_ratio: a channel whose std is below this fraction of the median channel std is
            flat.
        std_z_threshold: a channel whose std has |z| above this (z over the non-flat channels)
            is bad.
        min_correlation_with_average: a channel whose Pearson r with the mean of the non-flat
            channels is below this is bad.
        use_marked_bad: also treat channels the data release marks as bad as bad.
        bad_channel_action: ``"interpolate"`` (spherical spline via mne, where positions are
            known) or ``"drop"`` (the channel is excluded: NaN in the data).
        reference: ``"average"`` (mean of the good EEG channels subtracted).
    """

    l_freq: float = 0.5
    h_freq: float = 40.0
    filter_order: int = 4
    notch_hz: float | None = 60.0
    notch_quality: float = 30.0
    flat_std_ratio: float = 1e-3
    std_z_threshold: float = 3.0
    min_correlation_with_average: float = 0.4
    use_marked_bad: bool = True
    bad_channel_action: str = "interpolate"
    reference: str = "average"

    def __post_init__(self) -> None:
        if self.bad_channel_action not in ("interpolate", "drop"):
            raise ValueError(f"bad_channel_action must be interpolate or drop, got "
                             f"{self.bad_channel_action!r}")
        if self.reference != "average":
            raise ValueError(f"reference must be 'average', got {self.reference!r}")

    def parameters(self) -> dict:
        """JSON-serialisable description, with the filter implementation spelled out."""
        return {**asdict(self),
                "band_pass": f"scipy.signal.butter({self.filter_order}, [{self.l_freq}, "
                             f"{self.h_freq}], 'bandpass', output='sos') + sosfiltfilt (zero phase)",
                "notch": (None if self.notch_hz is None else
                          f"scipy.signal.iirnotch({self.notch_hz}, Q={self.notch_quality}) + "
                          "filtfilt (zero phase)"),
                "order_of_steps": "band-pass, notch, bad channels, interpolate/drop, average "
                                  "reference"}


@dataclass
class PreprocessedRecording:
    """One preprocessed continuous recording.

    Attributes:
        data: ``(channels, samples)`` float32; dropped channels are NaN.
        sfreq: Hz.
        channel_names: EEG channel names (rows of ``data``).
        bad_channels: ``{name: reason}`` with reason in ``flat``, ``std-z``, ``low-correlation``,
            ``marked``.
        action: ``{name: "interpolated" | "dropped"}`` for each bad channel.
    """

    data: np.ndarray
    sfreq: float
    channel_names: list[str]
    bad_channels: dict[str, str] = field(default_factory=dict)
    action: dict[str, str] = field(default_factory=dict)


def band_pass(data: np.ndarray, sfreq: float, config: PreprocessingConfig) -> np.ndarray:
    """Zero-phase Butterworth band-pass along the last axis; ``(..., samples)`` float64."""
    nyquist = sfreq / 2.0
    if not 0 < config.l_freq < config.h_freq < nyquist:
        raise ValueError(f"band {config.l_freq}-{config.h_freq} Hz does not fit sampling rate "
                         f"{sfreq} Hz")
    from scipy import signal  # ~0.7 s to import: only when EEG is actually filtered

    sos = signal.butter(config.filter_order, [config.l_freq, config.h_freq], btype="bandpass",
                        fs=sfreq, output="sos")
    return signal.sosfiltfilt(sos, np.asarray(data, dtype=np.float64), axis=-1)


def notch(data: np.ndarray, sfreq: float, config: PreprocessingConfig) -> np.ndarray:
    """Zero-phase IIR notch at the mains frequency (no-op without ``notch_hz``)."""
    if config.notch_hz is None or config.notch_hz >= sfreq / 2.0:
        return data
    from scipy import signal

    b, a = signal.iirnotch(config.notch_hz, config.notch_quality, fs=sfreq)
    return signal.filtfilt(b, a, data, axis=-1)


def detect_bad_channels(data: np.ndarray, channel_names: list[str],
                        config: PreprocessingConfig) -> dict[str, str]:
    """Flat, high-|z| std and low-correlation-with-average channels.

    Args:
        data: ``(channels, samples)`` filtered EEG.
    Returns:
        ``{name: reason}`` (the first criterion that fires, in the order flat, std-z,
        low-correlation).
    """
    std = data.std(axis=1)
    median = np.median(std)
    flat = std <= config.flat_std_ratio * median if median > 0 else np.ones(len(std), bool)
    bad: dict[str, str] = {name: "flat" for name, f in zip(channel_names, flat, strict=True) if f}
    rest = ~flat
    if rest.sum() >= 3:
        spread = std[rest].std()
        z = np.zeros_like(std)
        if spread > 0:
            z[rest] = (std[rest] - std[rest].mean()) / spread
        average = data[rest].mean(axis=0)
        centred = data - data.mean(axis=1, keepdims=True)
        average = average - average.mean()
        denominator = np.linalg.norm(centred, axis=1) * np.linalg.norm(average)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(denominator > 0, centred @ average / denominator, 0.0)
        for i, name in enumerate(channel_names):
            if not rest[i]:
                continue
            if abs(z[i]) > config.std_z_threshold:
                bad[name] = "std-z"
            elif r[i] < config.min_correlation_with_average:
                bad[name] = "low-correlation"
    return bad


def interpolate_channels(data: np.ndarray, sfreq: float, channel_names: list[str],
                         positions: np.ndarray, bad: list[str]) -> np.ndarray:
    """Spherical-spline interpolation of ``bad`` channels with mne (Perrin et al. 1989).

    Args:
        positions: ``(channels, 3)`` electrode positions in metres (head frame).
    """
    mne = _optional.require("mne", "interpolating bad EEG channels")
    info = mne.create_info(list(channel_names), float(sfreq), "eeg")
    raw = mne.io.RawArray(np.asarray(data, dtype=np.float64), info, verbose="error")
    montage = mne.channels.make_dig_montage(
        ch_pos={name: np.asarray(p, dtype=float) for name, p in zip(channel_names, positions,
                                                                    strict=True)},
        coord_frame="head")
    raw.set_montage(montage, verbose="error")
    raw.info["bads"] = list(bad)
    raw.interpolate_bads(reset_bads=True, origin=(0.0, 0.0, 0.0), verbose="error")
    return raw.get_data()


def preprocess(data: np.ndarray, sfreq: float, channel_names: list[str],
               config: PreprocessingConfig, positions: np.ndarray | None = None,
               marked_bad: list[str] | None = None) -> PreprocessedRecording:
    """Run the whole recipe on one continuous recording.

    Args:
        data: ``(channels, samples)`` EEG channels only (any unit).
        sfreq: Hz.
        channel_names: one per row.
        positions: ``(channels, 3)`` positions, or None (then bad channels are dropped).
        marked_bad: channels the data release marks as bad.
    Returns:
        :class:`PreprocessedRecording` (float32, NaN rows for dropped channels).
    """
    channel_names = list(channel_names)
    filtered = notch(band_pass(data, sfreq, config), sfreq, config)
    bad = detect_bad_channels(filtered, channel_names, config)
    if config.use_marked_bad:
        for name in marked_bad or []:
            if name in channel_names:
                bad.setdefault(name, "marked")
    names_bad = [n for n in channel_names if n in bad]
    good = np.array([n not in bad for n in channel_names])
    action: dict[str, str] = {}
    interpolate = (config.bad_channel_action == "interpolate" and positions is not None
                   and names_bad and good.sum() >= 4 and _optional.available("mne"))
    if interpolate:
        filtered = interpolate_channels(filtered, sfreq, channel_names, positions, names_bad)
        action = dict.fromkeys(names_bad, "interpolated")
        used = np.ones(len(channel_names), dtype=bool)
    else:
        action = dict.fromkeys(names_bad, "dropped")
        used = good
    if used.any():
        filtered = filtered - filtered[used].mean(axis=0, keepdims=True)
    filtered[~used] = np.nan
    return PreprocessedRecording(filtered.astype(np.float32), float(sfreq), channel_names, bad,
                                 action)
