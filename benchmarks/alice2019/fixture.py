"""A tiny Alice release written by code, in the real layouts of v1 and v2 (for tests; nothing
is committed).

Two audio segments of synthetic "speech" (harmonic syllables), two sentences each; subjects whose
EEG is a planted response to the audio envelope plus shared and channel noise; three planted bad
channels (one flat, one very noisy, one unrelated to the others) and one marked bad by the
authors' `proc` file. v1 writes FieldTrip raw structures ``S01.mat`` and ``proc/``; v2 writes the
same recordings as BrainVision ``S01.vhdr/.vmrk/.eeg`` (pybv, float32, microvolts) and
``timelock-preprocessing/``. The table is far smaller than the published one, so tests declare its
:data:`COUNTS` (``$BRAINSCORE_AUDIO_ALICE2019_COUNTS``).
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import numpy as np
import scipy.io
import soundfile

from brainscore_audio.eeg import synthetic

from .release import AUDIO_NAME, CSV_NAME, DATASETS_NAME, SFP_NAME, V1, V2, Counts, counts_json

SAMPLE_RATE = 16_000
SFREQ = 500.0
EEG_LABELS = [str(i) for i in range(1, 62) if i != 29]  # 60 electrodes (29: implicit reference)
LABELS = EEG_LABELS + ["VEOG", "Aux5"]
PLANTED_BAD = {"5": "flat", "7": "std-z", "9": "low-correlation"}
MARKED_BAD = "12"
SEGMENT_STARTS_S = {1: 1.0, 2: 9.0}  # where each audio segment starts in the recordings
COLUMNS = ["Word", "Segment", "onset", "offset", "Order", "Sentence", "Position", "LogFreq",
           "SndPower", "Length", "IsLexical", "NGRAM", "RNN", "CFG"]
COUNTS = Counts(words=24, segments=2, sentences=4)  # 2 segments x 2 sentences x 6 words
COUNTS_JSON = counts_json(COUNTS)


def write_release(root: Path, subjects=("S01", "S02", "S03"), usable=("S01", "S03"),
                  seed: int = 0, positions_file: bool = True, version: str = "v1",
                  datasets_file: bool = True, aux_label: str = "Aux5") -> Path:
    """Write the release's files into ``root`` (the ``alice2019`` folder); returns ``root``.

    ``version``: ``"v1"`` or ``"v2"`` (the same recordings for the same seed); ``usable`` is
    written to ``datasets.mat`` (left out with ``datasets_file=False``).
    """
    release = {"v1": V1, "v2": V2}[version]
    rng = np.random.default_rng(seed)
    root = Path(root)
    (root / "audio").mkdir(parents=True, exist_ok=True)
    (root / release.proc_folder).mkdir(exist_ok=True)
    rows, audio, order, sentence_number = [], {}, 0, 0
    for segment in (1, 2):
        samples, words = synthetic.speech(rng, SAMPLE_RATE, n_sentences=2, words_per_sentence=6)
        audio[segment] = samples
        soundfile.write(root / "audio" / AUDIO_NAME.format(segment=segment), samples, SAMPLE_RATE,
                        subtype="PCM_16")
        first = sentence_number
        for position, (word, onset, offset, sentence) in enumerate(words):
            order += 1
            sentence_number = first + sentence + 1
            rows.append({"Word": word, "Segment": segment, "onset": onset, "offset": offset,
                         "Order": order, "Sentence": sentence_number, "Position": position % 6 + 1,
                         "LogFreq": round(rng.uniform(5, 12), 3), "SndPower": 0.1,
                         "Length": round(offset - onset, 4), "IsLexical": int(position % 2),
                         "NGRAM": 4.0, "RNN": 5.0, "CFG": 6.0})
    with open(root / CSV_NAME, "w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    if datasets_file:
        scipy.io.savemat(root / DATASETS_NAME, {
            "use": np.array([f"{s}.mat" for s in usable], dtype=object).reshape(1, -1)})
    total = int((SEGMENT_STARTS_S[2] + len(audio[2]) / SAMPLE_RATE + 2.0) * SFREQ)
    response = np.zeros(total)
    lag = int(0.1 * SFREQ)
    for segment, start in SEGMENT_STARTS_S.items():
        begin = int(round(start * SFREQ)) + lag
        env = synthetic.envelope(audio[segment], SAMPLE_RATE, SFREQ,
                                 int(len(audio[segment]) / SAMPLE_RATE * SFREQ))
        response[begin:begin + len(env)] += env
    for index, subject in enumerate(subjects):
        _write_subject(root, subject, response, rows, rng, extra_column=index == 2,
                       release=release, aux_label=aux_label)
    if positions_file:
        _write_sfp(root / SFP_NAME)
    return root


def _write_subject(root: Path, subject: str, response: np.ndarray, rows: list[dict],
                   rng: np.random.Generator, extra_column: bool, release=V1,
                   aux_label: str = "Aux5") -> None:
    n = len(response)
    time = np.arange(n) / SFREQ
    eeg = synthetic.planted_eeg(rng, response, SFREQ, len(EEG_LABELS), mains_hz=60.0)
    index = {label: i for i, label in enumerate(EEG_LABELS)}
    eeg[index["5"]] = 0.0
    eeg[index["7"]] = 20.0 * rng.normal(size=n)
    eeg[index["9"]] = eeg[index["9"]].std() * rng.normal(size=n)
    data = np.vstack([eeg, rng.normal(size=(2, n))]) * 10.0  # microvolts, like FieldTrip
    if release is V2:
        import pybv

        pybv.write_brainvision(data=data * 1e-6, sfreq=SFREQ,
                               ch_names=EEG_LABELS + ["VEOG", aux_label], fname_base=subject,
                               folder_out=str(root), overwrite=True, unit="µV")
    else:
        _write_fieldtrip(root, subject, data, time, n)
    _write_proc(root / release.proc_folder / f"{subject}.mat", subject, rows, extra_column)


def _write_fieldtrip(root: Path, subject: str, data: np.ndarray, time: np.ndarray,
                     n: int) -> None:
    raw = {
        "hdr": {"Fs": SFREQ, "nChans": float(len(LABELS)), "nSamples": float(n),
                "label": np.array(LABELS, dtype=object).reshape(-1, 1)},
        "label": np.array(LABELS, dtype=object).reshape(-1, 1),
        "time": _cell(time[None]),
        "trial": _cell(data),
        "fsample": SFREQ,
        "sampleinfo": np.array([[1.0, float(n)]]),
        "cfg": {"dataset": f"{subject}.vhdr"},
    }
    scipy.io.savemat(root / f"{subject}.mat", {"raw": raw})


def _write_proc(path: Path, subject: str, rows: list[dict], extra_column: bool) -> None:
    """The authors' preprocessing parameters: one trl row per word epoch."""
    offset = -150.0
    trl = []
    for row in rows:
        onset0 = (SEGMENT_STARTS_S[row["Segment"]] + row["onset"]) * SFREQ
        begin = round(onset0) + 1 + offset
        values = [begin, begin + 500, offset]
        if extra_column:
            values.append(0.0)
        trl.append(values + [row["Segment"], row["onset"], row["Order"]])
    proc = {"subject": subject, "trl": np.array(trl),
            "varnames": np.array(["segment", "tmin", "Order"], dtype=object).reshape(1, -1),
            "rejections": {"badchans": np.array([MARKED_BAD], dtype=object).reshape(1, -1)},
            "implicitref": "29", "refchannels": np.array(["25", "29"], dtype=object)}
    scipy.io.savemat(path, {"proc": proc})


def _cell(array: np.ndarray) -> np.ndarray:
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = array
    return cell


def _write_sfp(path: Path) -> None:
    """Electrode positions (mm) in the BESA .sfp format, from mne's easycap-M10 montage."""
    import mne

    positions = mne.channels.make_standard_montage("easycap-M10").get_positions()["ch_pos"]
    lines = [f"{name}\t{x * 1000:.3f}\t{y * 1000:.3f}\t{z * 1000:.3f}"
             for name, (x, y, z) in positions.items()]
    path.write_text("\n".join(lines) + "\n")


def write_served_release(folder: Path, **kwargs) -> Path:
    """The release as its download page serves it: top-level files plus audio.zip and proc.zip
    (which holds ``proc/`` in v1 and ``timelock-preprocessing/`` in v2)."""
    folder = Path(folder)
    staging = folder / "_staging"
    write_release(staging, **kwargs)
    for path in staging.iterdir():
        if path.is_file():
            path.rename(folder / path.name)
    proc = {"v1": V1, "v2": V2}[kwargs.get("version", "v1")].proc_folder
    for name, inner in (("audio", "audio"), ("proc", proc)):
        with zipfile.ZipFile(folder / f"{name}.zip", "w") as archive:
            for path in sorted((staging / inner).iterdir()):
                archive.write(path, f"{inner}/{path.name}")
    shutil.rmtree(staging)
    return folder
