"""Broderick et al. 2018 natural speech EEG (OpenNeuro ds004408, BIDS): fetching and reading.

Layout (BIDS, BrainVision)::

    broderick2018/
      dataset_description.json, participants.tsv, README
      stimuli/audio01.wav ... audio20.wav, audio01.TextGrid ...   (Praat word/phone alignment)
      sub-001/eeg/sub-001_task-listening_run-01_eeg.vhdr/.vmrk/.eeg, ..._channels.tsv, ...

Each run is the EEG of one audio file, starting with it (the release's README: EEG sample 0 is
audio sample 0; the EEG runs on a little longer). 128 BioSemi channels A1..D32, 512 Hz, recorded
in Dublin (50 Hz mains). Bad channels marked in ``*_channels.tsv`` are read by mne-bids. The
TextGrids carry words without punctuation, so sentences are cut at silent gaps of at least
:data:`SENTENCE_PAUSE_S` between words.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from brainscore_audio.download import download
from brainscore_audio.eeg import EEGDataset, PreprocessingConfig, RawRecording
from brainscore_audio.eeg._optional import require
from brainscore_audio.eeg.fetching import cached_checksums, file_signature, select_subjects
from brainscore_audio.eeg.positions import montage_positions
from brainscore_audio.eeg.sentences import Sentence, sentences_from_pauses, words_from_textgrid
from brainscore_audio.errors import UserError

FOLDER = "broderick2018"
DATASET = "ds004408"
BASE_URL = f"https://s3.amazonaws.com/openneuro.org/{DATASET}/"
DOI = "10.18112/openneuro.ds004408.v1.0.0"
TASK = "listening"
N_SUBJECTS = 19
N_RUNS = 20
ALL_SUBJECTS = [f"sub-{i:03d}" for i in range(1, N_SUBJECTS + 1)]
CHANNELS = [f"{bank}{i}" for bank in "ABCD" for i in range(1, 33)]
MAINS_HZ = 50.0
SENTENCE_PAUSE_S = 0.5
TOP_LEVEL = ("dataset_description.json", "participants.tsv", "README")
RUN_FILES = ("_eeg.vhdr", "_eeg.vmrk", "_eeg.eeg", "_channels.tsv", "_eeg.json")
OPTIONAL_RUN_FILES = ("_events.tsv",)


def audio_key(run: int) -> str:
    return f"audio{run:02d}"


def run_stem(subject: str, run: int) -> str:
    return f"{subject}/eeg/{subject}_task-{TASK}_run-{run:02d}"


def sentences(root: Path, pause_s: float = SENTENCE_PAUSE_S) -> tuple[list[Sentence], dict]:
    """Sentences of every run whose wav and TextGrid are present, and ``{audio key: wav}``."""
    stimuli = root / "stimuli"
    out, audio = [], {}
    for run in range(1, N_RUNS + 1):
        key = audio_key(run)
        wav, grid = stimuli / f"{key}.wav", stimuli / f"{key}.TextGrid"
        if not (wav.is_file() and grid.is_file()):
            continue
        audio[key] = wav
        for number, words in enumerate(sentences_from_pauses(words_from_textgrid(grid), pause_s),
                                       start=1):
            out.append(Sentence(f"{FOLDER}-r{run:02d}s{number:03d}", key, words[0].onset,
                                max(w.offset for w in words), words, number))
    if not audio:
        raise UserError(f"{stimuli}: no audioNN.wav with its audioNN.TextGrid (fetch with "
                        f"`benchmark fetch {FOLDER}`)")
    return out, audio


def subject_runs(root: Path, subject: str) -> list[int]:
    return [run for run in range(1, N_RUNS + 1)
            if (root / f"{run_stem(subject, run)}_eeg.vhdr").is_file()]


def read_subject(root: Path, subject: str) -> list[RawRecording]:
    """Every run of a subject via mne-bids (bad channels from ``*_channels.tsv``)."""
    mne_bids = require("mne_bids", "reading the BIDS data of broderick2018")
    recordings = []
    for run in subject_runs(root, subject):
        path = mne_bids.BIDSPath(subject=subject.removeprefix("sub-"), task=TASK, run=f"{run:02d}",
                                 datatype="eeg", suffix="eeg", extension=".vhdr", root=root)
        try:
            raw = mne_bids.read_raw_bids(path, verbose="error")
        except Exception as exc:
            raise UserError(f"{path.fpath}: not readable as BIDS EEG ({type(exc).__name__}: "
                            f"{exc})") from exc
        names = [n for n in raw.ch_names if n in CHANNELS]
        if not names:
            raise UserError(f"{path.fpath}: none of the BioSemi channels A1..D32")
        recordings.append(RawRecording(
            f"{subject}_run-{run:02d}", raw.get_data(picks=names), float(raw.info["sfreq"]),
            names, {audio_key(run): 0.0}, [b for b in raw.info["bads"] if b in CHANNELS]))
    return recordings


def load(data_dir: Path, config: PreprocessingConfig | None = None,
         subjects: Iterable[str] | str | None = None,
         pause_s: float = SENTENCE_PAUSE_S) -> EEGDataset:
    """The data set from ``data_dir / broderick2018`` (the subjects present there)."""
    root = Path(data_dir) / FOLDER
    if not root.is_dir():
        raise UserError(f"{root}: ds004408 not found; run `benchmark fetch {FOLDER} --data-dir "
                        f"{data_dir}` (or place the BIDS folder there)")
    present = [s for s in ALL_SUBJECTS if subject_runs(root, s)]
    if not present:
        raise UserError(f"{root}: no sub-XXX/eeg/*_eeg.vhdr files")
    chosen = select_subjects(present, subjects, FOLDER)
    items, audio = sentences(root, pause_s)
    files = lambda s: [p for run in subject_runs(root, s)  # noqa: E731
                       for p in (root / f"{run_stem(s, run)}_eeg.eeg",
                                 root / f"{run_stem(s, run)}_channels.tsv")]
    small = [*audio.values(), *(p.with_suffix(".TextGrid") for p in audio.values())]
    return EEGDataset(
        FOLDER, items, audio, chosen, lambda s: read_subject(root, s), CHANNELS,
        montage_positions(CHANNELS, "biosemi128"),
        config or PreprocessingConfig(notch_hz=MAINS_HZ), cache_dir=root / "derivatives" /
        "brainscore-audio", subject_signature=lambda s: file_signature(files(s)),
        checksums=cached_checksums(small + [p for s in chosen for p in files(s)], root),
        facts={"n_subjects": len(chosen), "n_sentences": len(items), "n_runs": len(audio),
               "n_channels": len(CHANNELS), "doi": DOI, "positions": "mne biosemi128"})


# ----------------------------------------------------------------------------- fetching

def fetch(data_dir: Path, force: bool = False, url: str | None = None,
          subjects: str | None = None) -> Path:
    """Download ds004408 file by file from OpenNeuro's public S3 bucket (or ``url``, a mirror
    with the same layout) into ``data_dir / broderick2018``.

    ``subjects`` picks a subset (a count such as ``"2"`` or ids such as ``"sub-001,sub-004"``);
    the whole data set is large (19 subjects x 20 runs of 128-channel EEG).
    """
    root = Path(data_dir) / FOLDER
    base = (url or BASE_URL).rstrip("/") + "/"

    def get(relative: str, required: bool = True) -> None:
        target = root / relative
        if target.is_file() and not force:
            return
        if force and target.is_file():
            target.unlink()
        try:
            download(base + relative, target.parent, target.name)
        except UserError:
            if required:
                raise

    for name in TOP_LEVEL:
        get(name, required=name != "README")
    runs = []
    for run in range(1, N_RUNS + 1):  # a run is fetched when its stimulus and alignment exist
        get(f"stimuli/{audio_key(run)}.wav", required=False)
        get(f"stimuli/{audio_key(run)}.TextGrid", required=False)
        if all((root / "stimuli" / f"{audio_key(run)}{ext}").is_file()
               for ext in (".wav", ".TextGrid")):
            runs.append(run)
    if not runs:
        raise UserError(f"{base}: no stimuli/audioNN.wav with its TextGrid could be fetched")
    for subject in select_subjects(ALL_SUBJECTS, subjects, FOLDER):
        for run in runs:
            stem = run_stem(subject, run)
            for suffix in RUN_FILES:
                get(stem + suffix)
            for suffix in OPTIONAL_RUN_FILES:
                get(stem + suffix, required=False)
    return root

