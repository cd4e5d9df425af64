"""An EEG sentence data set: sentences, their audio, and each subject's preprocessed sentence EEG.

A data set plugin supplies the sentence table, the stimulus audio files and a reader that turns a
subject's files into :class:`RawRecording` objects (continuous EEG plus where each audio file
starts in it). This module does the rest, identically for every data set: preprocessing,
cutting the sentences, and caching the result on disk (one ``.npz`` per subject, keyed by the
recipe), so a second run does not filter the recordings again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from .. import atomic
from ..audio import read_audio
from ..errors import UserError
from ..stimuli import StimulusSet
from .preprocessing import PreprocessingConfig, preprocess
from .sentences import Sentence, cut_audio

CACHE_FORMAT = 1


@dataclass
class RawRecording:
    """One continuous EEG recording of one subject, as read from the data release.

    Attributes:
        name: e.g. ``"S01"`` or ``"sub-001_run-01"`` (for messages and bad-channel records).
        data: ``(channels, samples)`` EEG channels only.
        sfreq: Hz.
        channel_names: one per row.
        audio_onsets: ``{audio key: seconds into this recording where the audio file starts}``.
        marked_bad: channels the release marks bad.
    """

    name: str
    data: np.ndarray
    sfreq: float
    channel_names: list[str]
    audio_onsets: dict[str, float]
    marked_bad: list[str] = field(default_factory=list)


@dataclass
class SubjectEEG:
    """One subject's preprocessed EEG for every sentence of the data set.

    Attributes:
        sentences: per data-set sentence, ``(channels, samples)`` float32, or None when the
            recording does not cover it; sample k lies at ``lead_s[i] + k / sfreq`` s from the
            sentence onset.
        bad_channels: ``{recording: {channel: reason}}``; ``action`` says what was done.
    """

    subject: str
    sfreq: float
    sentences: list[np.ndarray | None]
    lead_s: np.ndarray
    bad_channels: dict[str, dict[str, str]]
    action: dict[str, dict[str, str]]


class EEGDataset:
    """Sentences, audio and EEG of one release.

    Args:
        name: data set id, e.g. ``"alice2019"``.
        sentences: in canonical order (their ids are the stimulus ids).
        audio_paths: ``{audio key: wav path}``.
        subjects: subject ids in order.
        read_subject: ``subject -> list[RawRecording]`` (reads the release's files).
        channel_names: the EEG channels every subject is aligned to (missing ones are dropped).
        positions: ``(channels, 3)`` electrode positions (m, head frame) or None.
        config: preprocessing recipe.
        cache_dir: folder for the preprocessed-sentence cache (None: no disk cache).
        subject_signature: ``subject -> str`` that changes when the subject's files change.
        checksums, facts: for score records and metadata.
    """

    def __init__(self, name: str, sentences: Sequence[Sentence], audio_paths: dict[str, Path],
                 subjects: Sequence[str], read_subject: Callable[[str], list[RawRecording]],
                 channel_names: Sequence[str], positions: np.ndarray | None,
                 config: PreprocessingConfig, cache_dir: Path | None = None,
                 subject_signature: Callable[[str], str] | None = None,
                 checksums: dict[str, str] | None = None, facts: dict | None = None) -> None:
        self.name = name
        self.sentences = list(sentences)
        self.audio_paths = {k: Path(v) for k, v in audio_paths.items()}
        self.subjects = list(subjects)
        if not self.subjects:
            raise UserError(f"{name}: no subjects to score")
        if not self.sentences:
            raise UserError(f"{name}: no sentences in the word alignment")
        self._read_subject = read_subject
        self.channel_names = list(channel_names)
        self.positions = None if positions is None else np.asarray(positions, dtype=np.float64)
        self.config = config
        self.cache_dir = cache_dir
        self._subject_signature = subject_signature
        self.checksums = dict(checksums or {})
        self.facts = dict(facts or {})
        self.memo: dict = {}  # scoring caches shared by the benchmarks of this data set
        self.bad_channel_log: dict[str, tuple[dict, dict]] = {}  # subject -> (bad, action)
        missing = [k for k, p in self.audio_paths.items() if not p.is_file()]
        if missing:
            raise UserError(f"{self.audio_paths[missing[0]]}: stimulus audio not found")
        unknown = sorted({s.audio for s in self.sentences} - set(self.audio_paths))
        if unknown:
            raise UserError(f"{name}: sentences refer to audio {unknown[0]!r} that has no wav file")

    # ------------------------------------------------------------------ stimuli
    @cached_property
    def stimulus_set(self) -> StimulusSet:
        """The sentence audio, cut from the stimulus wavs, in sentence order."""
        read = lru_cache(maxsize=2)(lambda key: read_audio(self.audio_paths[key]))

        def loader(index: int) -> tuple[np.ndarray, int]:
            sentence = self.sentences[index]
            samples, rate = read(sentence.audio)
            return cut_audio(samples, rate, sentence.onset, sentence.offset), rate

        return StimulusSet(self.name, [s.id for s in self.sentences], loader, metadata={
            "duration": [round(s.duration, 4) for s in self.sentences],
            "audio": [s.audio for s in self.sentences],
            "text": [s.text for s in self.sentences]})

    # ------------------------------------------------------------------ EEG
    def subject_eeg(self, subject: str) -> SubjectEEG:
        """Preprocessed sentence EEG of ``subject`` (from the disk cache when possible)."""
        path = self._cache_path(subject)
        if path is not None and path.is_file():
            cached = _read_cache(path, len(self.sentences))
            if cached is not None:
                self.bad_channel_log[subject] = (cached.bad_channels, cached.action)
                return cached
        with threadpool_limits(limits=1, user_api="blas"):  # small matrices (see benchmark.py)
            result = self._compute_subject(subject)
        if path is not None:
            _write_cache(path, result)
        self.bad_channel_log[subject] = (result.bad_channels, result.action)
        return result

    def _compute_subject(self, subject: str) -> SubjectEEG:
        recordings = self._read_subject(subject)
        sentences: list[np.ndarray | None] = [None] * len(self.sentences)
        lead = np.zeros(len(self.sentences))
        bad: dict[str, dict[str, str]] = {}
        action: dict[str, dict[str, str]] = {}
        sfreq = None
        for recording in recordings:
            data, names = self._aligned_channels(recording)
            positions = self.positions
            processed = preprocess(data, recording.sfreq, names, self.config, positions,
                                   recording.marked_bad)
            absent = [n for n in self.channel_names if n not in recording.channel_names]
            bad[recording.name] = {**processed.bad_channels, **dict.fromkeys(absent, "absent")}
            action[recording.name] = {**processed.action, **dict.fromkeys(absent, "dropped")}
            if sfreq is not None and recording.sfreq != sfreq:
                raise UserError(f"{self.name} {subject}: recordings have different sampling "
                                f"rates ({sfreq} and {recording.sfreq} Hz)")
            sfreq = recording.sfreq
            n_samples = processed.data.shape[1]
            for index, sentence in enumerate(self.sentences):
                if sentence.audio not in recording.audio_onsets:
                    continue
                start_time = recording.audio_onsets[sentence.audio] + sentence.onset
                start = int(np.floor(start_time * sfreq))
                stop = int(np.ceil((start_time + sentence.duration) * sfreq)) + 2
                if start < 0 or stop > n_samples:
                    continue
                sentences[index] = processed.data[:, start:stop]
                lead[index] = start / sfreq - start_time
        if sfreq is None:
            raise UserError(f"{self.name} {subject}: no EEG recordings found")
        return SubjectEEG(subject, float(sfreq), sentences, lead, bad, action)

    def _aligned_channels(self, recording: RawRecording) -> tuple[np.ndarray, list[str]]:
        """Rows in the data set's channel order; absent channels are all-zero rows marked bad
        (they are then dropped or interpolated like any bad channel)."""
        index = {n: i for i, n in enumerate(recording.channel_names)}
        data = np.zeros((len(self.channel_names), recording.data.shape[1]))
        for row, name in enumerate(self.channel_names):
            if name in index:
                data[row] = recording.data[index[name]]
        absent = [n for n in self.channel_names if n not in index]
        if len(absent) == len(self.channel_names):
            raise UserError(f"{self.name} {recording.name}: none of the expected EEG channels "
                            f"({', '.join(self.channel_names[:4])}, ...) is in the recording")
        recording.marked_bad = list(recording.marked_bad) + absent
        return data, list(self.channel_names)

    def _cache_path(self, subject: str) -> Path | None:
        if self.cache_dir is None:
            return None
        recipe = {
            "format": CACHE_FORMAT, "config": self.config.parameters(),
            "channels": self.channel_names,
            "sentences": [(s.audio, round(s.onset, 6), round(s.offset, 6)) for s in self.sentences],
            "source": self._subject_signature(subject) if self._subject_signature else "",
        }
        digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
        return self.cache_dir / f"{subject}-{digest}.npz"


def _write_cache(path: Path, eeg: SubjectEEG) -> None:
    present = np.array([s is not None for s in eeg.sentences])
    lengths = np.array([0 if s is None else s.shape[1] for s in eeg.sentences])
    channels = next((s.shape[0] for s in eeg.sentences if s is not None), 0)
    data = (np.concatenate([s for s in eeg.sentences if s is not None], axis=1)
            if present.any() else np.zeros((channels, 0), np.float32))
    meta = json.dumps({"subject": eeg.subject, "bad": eeg.bad_channels, "action": eeg.action})
    atomic.write_npz(path, {"data": data.astype(np.float32), "lengths": lengths,
                            "present": present, "lead": eeg.lead_s, "sfreq": np.array(eeg.sfreq),
                            "meta": np.array(meta)})


def _read_cache(path: Path, n_sentences: int) -> SubjectEEG | None:
    try:
        with np.load(path, allow_pickle=False) as archive:
            lengths, present = archive["lengths"], archive["present"]
            if len(lengths) != n_sentences:
                return None
            data = archive["data"]
            meta = json.loads(str(archive["meta"]))
            offsets = np.concatenate([[0], np.cumsum(lengths)])
            sentences = [data[:, offsets[i]:offsets[i + 1]] if present[i] else None
                         for i in range(n_sentences)]
            return SubjectEEG(meta["subject"], float(archive["sfreq"]), sentences,
                              archive["lead"].astype(np.float64), meta["bad"], meta["action"])
    except (OSError, KeyError, ValueError):
        return None
