"""Stimulus sets: ordered ids, audio and metadata.

The order of :attr:`StimulusSet.ids` is canonical (fixed by the data release) and every array a
benchmark holds follows it. Audio is produced lazily by a loader and checked on the way out.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .audio import check_waveform, read_audio, resample
from .errors import UserError

AudioLoader = Callable[[int], tuple[np.ndarray, int]]
#: Shortest clip a model is given (s, at the model's rate after resampling). Below one 10 ms hop
#: no model yields a frame of its own: the plugins pad such clips, and the padding, not the
#: sound, would be scored (a task of such clips scores at chance).
MIN_CLIP_SECONDS = 0.01


class StimulusSet:
    """An ordered list of stimuli with their audio and metadata.

    Args:
        identifier: registry id, e.g. ``"demo"`` or ``"nh2015"``.
        ids: stimulus ids in canonical order (unique strings).
        loader: ``loader(index) -> (samples (n,) float32 mono in [-1, 1], sample_rate Hz)``.
        metadata: per-stimulus columns, each a sequence of ``len(ids)`` values, e.g.
            ``{"category": [...]}``.
        names: for error messages, a human name per stimulus (e.g. its file path); defaults to
            the ids.
    """

    def __init__(
        self,
        identifier: str,
        ids: Sequence[str],
        loader: AudioLoader,
        metadata: Mapping[str, Sequence] | None = None,
        names: Sequence[str] | None = None,
    ) -> None:
        self.identifier = identifier
        self.ids = [str(i) for i in ids]
        if len(set(self.ids)) != len(self.ids):
            raise ValueError(f"stimulus set {identifier!r}: ids are not unique")
        self._loader = loader
        self.metadata = {key: list(values) for key, values in (metadata or {}).items()}
        for key, values in self.metadata.items():
            if len(values) != len(self.ids):
                raise ValueError(f"stimulus set {identifier!r}: metadata {key!r} has "
                                 f"{len(values)} values for {len(self.ids)} stimuli")
        self._names = list(names) if names is not None else self.ids
        self._fingerprint: str | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def categories(self) -> list[str] | None:
        """The ``category`` column of the metadata, if any."""
        return self.metadata.get("category")

    def native_audio(self, index: int) -> tuple[np.ndarray, int]:
        """Stimulus ``index`` at its native rate: ``((samples,) float32, sample_rate)``, checked."""
        samples, rate = self._loader(index)
        samples = np.asarray(samples, dtype=np.float32)
        check_waveform(samples, name=self._names[index])
        return samples, int(rate)

    def audio(self, index: int, sample_rate: int) -> np.ndarray:
        """Stimulus ``index`` resampled to ``sample_rate`` Hz: ``(samples,)`` float32 in [-1, 1].

        Raises:
            UserError: when the clip is shorter than :data:`MIN_CLIP_SECONDS` at that rate.
        """
        samples, rate = self.native_audio(index)
        out = resample(samples, rate, sample_rate)
        minimum = int(np.ceil(MIN_CLIP_SECONDS * sample_rate))
        if len(out) < minimum:
            raise UserError(f"{self._names[index]}: clip of {len(samples)} samples at {rate} Hz "
                            f"is {len(out)} samples at the model's {sample_rate} Hz; clips "
                            f"shorter than {MIN_CLIP_SECONDS * 1000:g} ms ({minimum} samples) "
                            "are refused (the model would score its padding)")
        return out

    def fingerprint(self) -> str:
        """sha256 (hex) of the ids, sample rates and audio samples: changes when any audio does.

        Computed once per object (reads every clip once).
        """
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for index, stimulus_id in enumerate(self.ids):
                samples, rate = self.native_audio(index)
                digest.update(stimulus_id.encode())
                digest.update(str(rate).encode())
                digest.update(np.ascontiguousarray(samples, dtype="<f4").tobytes())
            self._fingerprint = digest.hexdigest()
        return self._fingerprint


def file_stimulus_set(
    identifier: str,
    ids: Sequence[str],
    paths: Sequence[str | os.PathLike],
    metadata: Mapping[str, Sequence] | None = None,
) -> StimulusSet:
    """A stimulus set whose audio lives in files (read with soundfile, mixed down to mono).

    Raises:
        UserError: naming the first file that does not exist.
    """
    paths = [Path(p) for p in paths]
    if len(paths) != len(ids):
        raise ValueError(f"{len(paths)} paths for {len(ids)} ids")
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: stimulus audio not found (stimulus set {identifier!r})")
    return StimulusSet(
        identifier, ids, loader=lambda i: read_audio(paths[i]), metadata=metadata,
        names=[str(p) for p in paths],
    )


def array_stimulus_set(
    identifier: str,
    ids: Sequence[str],
    waveforms: Sequence[np.ndarray],
    sample_rate: int,
    metadata: Mapping[str, Sequence] | None = None,
) -> StimulusSet:
    """A stimulus set held in memory (generated sounds, cut sentence audio).

    Args:
        waveforms: one ``(samples,)`` float32 array per id, at ``sample_rate`` Hz.
    """
    if len(waveforms) != len(ids):
        raise ValueError(f"{len(waveforms)} waveforms for {len(ids)} ids")
    return StimulusSet(
        identifier, ids, loader=lambda i: (waveforms[i], sample_rate), metadata=metadata
    )
