"""A tiny ds004408 written by code in the real BIDS layout (for tests; nothing is committed).

EEG is written with mne-bids (BrainVision via pybv); stimuli are synthetic "speech" wavs with
Praat TextGrids (long text format, written here). One channel per subject is marked bad in
``*_channels.tsv`` and one is planted flat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from brainscore_audio.eeg import synthetic

from .data import CHANNELS, TASK, audio_key

SAMPLE_RATE = 16_000
SFREQ = 512.0
MARKED_BAD = "B7"
FLAT = "C3"


def write_textgrid(path: Path, words: list[tuple[str, float, float]], duration: float) -> None:
    """A Praat TextGrid (long text format) with one interval tier "words" ("" = silence)."""
    intervals, t = [], 0.0
    for text, onset, offset in words:
        if onset > t:
            intervals.append((t, onset, ""))
        intervals.append((onset, offset, text))
        t = offset
    if t < duration:
        intervals.append((t, duration, ""))
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0 ",
             f"xmax = {duration} ", "tiers? <exists> ", "size = 1 ", "item []: ", "    item [1]:",
             '        class = "IntervalTier" ', '        name = "words" ', "        xmin = 0 ",
             f"        xmax = {duration} ", f"        intervals: size = {len(intervals)} "]
    for i, (start, end, text) in enumerate(intervals, start=1):
        quoted = text.replace('"', '""')  # Praat doubles quotes inside strings
        lines += [f"        intervals [{i}]:", f"            xmin = {start} ",
                  f"            xmax = {end} ", f'            text = "{quoted}" ']
    path.write_text("\n".join(lines) + "\n")


def write_dataset(root: Path, subjects=("001", "002"), runs=(1, 2), seed: int = 0) -> Path:
    """Write the BIDS folder ``root`` (the ``broderick2018`` folder); returns ``root``."""
    import mne
    import mne_bids

    rng = np.random.default_rng(seed)
    root = Path(root)
    (root / "stimuli").mkdir(parents=True, exist_ok=True)
    responses = {}
    for run in runs:
        audio, words = synthetic.speech(rng, SAMPLE_RATE, n_sentences=2, words_per_sentence=6)
        duration = len(audio) / SAMPLE_RATE
        soundfile.write(root / "stimuli" / f"{audio_key(run)}.wav", audio, SAMPLE_RATE,
                        subtype="PCM_16")
        write_textgrid(root / "stimuli" / f"{audio_key(run)}.TextGrid",
                       [(w, on, off) for w, on, off, _ in words], duration)
        n = int((duration + 1.5) * SFREQ)  # the EEG runs on a little longer than the audio
        response = np.zeros(n)
        lag = int(0.1 * SFREQ)
        env = synthetic.envelope(audio, SAMPLE_RATE, SFREQ, int(duration * SFREQ))
        response[lag:lag + len(env)] = env
        responses[run] = response
    info = mne.create_info(CHANNELS, SFREQ, "eeg")
    for subject in subjects:
        for run in runs:
            eeg = synthetic.planted_eeg(rng, responses[run], SFREQ, len(CHANNELS), mains_hz=50.0)
            eeg[CHANNELS.index(FLAT)] = 0.0
            raw = mne.io.RawArray(eeg * 1e-5, info, verbose="error")
            path = mne_bids.BIDSPath(subject=subject, task=TASK, run=f"{run:02d}",
                                     datatype="eeg", root=root)
            mne_bids.write_raw_bids(raw, path, format="BrainVision", allow_preload=True,
                                    overwrite=True, verbose="error")
            mne_bids.mark_channels(path, ch_names=[MARKED_BAD], status="bad",
                                   descriptions=["noisy (test fixture)"], verbose="error")
    return root
