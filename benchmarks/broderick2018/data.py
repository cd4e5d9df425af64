"""Broderick et al. 2018 natural speech EEG (OpenNeuro ds004408, BIDS): fetching and reading.

Two layouts of the release are read (the file trees of 1.0.0 and 1.0.8 are the reference)::

    broderick2018/
      dataset_description.json      DatasetDOI names the version (doi:...ds004408.v1.0.8)
      participants.tsv, participants.json, README, CHANGES
      stimuli/audio01.wav ... audio20.wav, audio01.TextGrid ...        (1.0.5 and later)
      stimuli/single_speaker/audio01.wav ...                           (1.0.0 to 1.0.4)
      sub-001/eeg/sub-001_task-listening_run-01_eeg.vhdr/.vmrk/.eeg, ..._channels.tsv,
                  ..._eeg.json                                         (sub-001 ... sub-019)

Each run is the EEG of one audio file, starting with it (the release's README: the starts are
aligned; the EEG runs on a little longer). 128 BioSemi channels A1..D32, 512 Hz, recorded in
Dublin (50 Hz mains; the sidecars say ``PowerLineFrequency: n/a``). There is no
``events.tsv``. ``*_channels.tsv`` marks bad channels (``status`` = ``bad``; since 1.0.6, up to 34
per run); they are honoured. The TextGrids (Prosodylab-Aligner) carry a ``words`` and a
``phones`` tier without punctuation: the ``words`` tier is read, and sentences are cut at silent
gaps of at least :data:`SENTENCE_PAUSE_S` between words.

Releases 1.0.0 to 1.0.7 also hold another experiment: subjects sub-100 ... sub-113, 14 runs
(``run-1`` ... ``run-14``) of two-speaker mixtures (``stimuli/multi_speaker/``). They did not
hear the audiobook alone, so they are never scored here: the reader skips them (and says so in
the data set's facts) and the fetcher does not download them.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from brainscore_audio import atomic
from brainscore_audio.download import download
from brainscore_audio.eeg import EEGDataset, PreprocessingConfig, RawRecording
from brainscore_audio.eeg._optional import require
from brainscore_audio.eeg.fetching import (
    cached_checksums,
    file_signature,
    list_release,
    select_subjects,
)
from brainscore_audio.eeg.positions import montage_positions
from brainscore_audio.eeg.sentences import Sentence, sentences_from_pauses, words_from_textgrid
from brainscore_audio.errors import UserError

FOLDER = "broderick2018"
DATASET = "ds004408"
BASE_URL = f"https://s3.amazonaws.com/openneuro.org/{DATASET}/"
MANIFEST = "fetch.json"
TASK = "listening"
N_RUNS = 20
CHANNELS = [f"{bank}{i}" for bank in "ABCD" for i in range(1, 33)]
MAINS_HZ = 50.0
SENTENCE_PAUSE_S = 0.5
TOP_LEVEL = ("dataset_description.json", "participants.tsv", "participants.json", "README",
             "CHANGES")
#: Where the single-speaker stimuli lie: 1.0.5 and later, then 1.0.0 to 1.0.4.
STIMULUS_FOLDERS = ("stimuli", "stimuli/single_speaker")
SUBJECT = re.compile(r"sub-0\d\d")              # the audiobook experiment (sub-001 ... sub-019)
OTHER_EXPERIMENT = re.compile(r"sub-1\d\d")     # two-speaker mixtures, releases 1.0.0-1.0.7
RUN_FILE = re.compile(r"(sub-\d+)/eeg/(sub-\d+)_task-" + TASK +
                      r"_run-(\d+)_(eeg\.vhdr|eeg\.vmrk|eeg\.eeg|channels\.tsv|eeg\.json)")
STIMULUS_FILE = re.compile(r"audio(\d\d)\.(wav|TextGrid)")


def audio_key(run: int) -> str:
    return f"audio{run:02d}"


def run_stem(subject: str, run: int) -> str:
    return f"{subject}/eeg/{subject}_task-{TASK}_run-{run:02d}"


# ----------------------------------------------------------------------------- the release


@dataclass(frozen=True)
class ReleaseInfo:
    """What a copy of ds004408 says about itself.

    Attributes:
        doi: from ``DatasetDOI`` of ``dataset_description.json`` (``10.18112/...v1.0.8``), or None.
        version: ``"1.0.8"``, from the DOI, else from the first line of ``CHANGES``, or None.
        stimuli: the folder of the audiobook stimuli, relative to the root.
    """

    doi: str | None
    version: str | None
    stimuli: str


def release_info(root: Path) -> ReleaseInfo:
    """Read the DOI and version of the copy in ``root`` and find its stimulus folder.

    Raises:
        UserError: one line when ``dataset_description.json`` is missing or unreadable, or no
            stimulus folder holds ``audioNN.wav``.
    """
    path = root / "dataset_description.json"
    if not path.is_file():
        raise UserError(f"{path}: not found; expected the BIDS description of ds004408 (fetch with "
                        f"`benchmark fetch {FOLDER}`)")
    try:
        description = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from exc
    doi = str(description.get("DatasetDOI") or "").strip() or None
    if doi:
        doi = re.sub(r"^(doi:|https?://(dx\.)?doi\.org/)", "", doi, flags=re.I)
    match = re.search(r"\.v(\d+(?:\.\d+)*)$", doi or "")
    version = match.group(1) if match else _version_from_changes(root / "CHANGES")
    stimuli = next((folder for folder in STIMULUS_FOLDERS
                    if any((root / folder).glob("audio[0-9][0-9].wav"))), None)
    if stimuli is None:
        raise UserError(f"{root}: no audioNN.wav in {' or '.join(STIMULUS_FOLDERS)} (fetch with "
                        f"`benchmark fetch {FOLDER}`)")
    return ReleaseInfo(doi, version, stimuli)


def _version_from_changes(path: Path) -> str | None:
    try:
        first = path.read_text(encoding="utf-8-sig").strip().splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    match = re.match(r"(\d+(?:\.\d+)+)\b", first.strip())
    return match.group(1) if match else None


def sentences(root: Path, stimuli: str, pause_s: float = SENTENCE_PAUSE_S
              ) -> tuple[list[Sentence], dict]:
    """Sentences of every run whose wav and TextGrid are present, and ``{audio key: wav}``."""
    folder = root / stimuli
    out, audio = [], {}
    for run in range(1, N_RUNS + 1):
        key = audio_key(run)
        wav, grid = folder / f"{key}.wav", folder / f"{key}.TextGrid"
        if not (wav.is_file() and grid.is_file()):
            continue
        audio[key] = wav
        for number, words in enumerate(sentences_from_pauses(words_from_textgrid(grid), pause_s),
                                       start=1):
            out.append(Sentence(f"{FOLDER}-r{run:02d}s{number:03d}", key, words[0].onset,
                                max(w.offset for w in words), words, number))
    if not audio:
        raise UserError(f"{folder}: no audioNN.wav with its audioNN.TextGrid (fetch with "
                        f"`benchmark fetch {FOLDER}`)")
    return out, audio


def subject_runs(root: Path, subject: str) -> list[int]:
    """Run numbers of a subject's ``*_eeg.vhdr`` files, as the folder holds them."""
    runs = set()
    for path in (root / subject / "eeg").glob(f"{subject}_task-{TASK}_run-*_eeg.vhdr"):
        match = RUN_FILE.fullmatch(path.relative_to(root).as_posix())
        if match:
            runs.add(int(match.group(3)))
    return sorted(runs)


def subjects_in(root: Path) -> tuple[list[str], list[str]]:
    """``(audiobook subjects with EEG, other-experiment subjects skipped)``."""
    folders = sorted(p.name for p in root.glob("sub-*") if p.is_dir())
    scored = [s for s in folders if SUBJECT.fullmatch(s) and subject_runs(root, s)]
    other = [s for s in folders if OTHER_EXPERIMENT.fullmatch(s)]
    return scored, other


def marked_bad(path: Path) -> list[str]:
    """Channels whose ``status`` is ``bad`` in a BIDS ``*_channels.tsv`` (none without the
    column, as before release 1.0.6).

    Raises:
        UserError: naming the file when it is missing or has no ``name`` column.
    """
    if not path.is_file():
        raise UserError(f"{path}: not found; each run needs its channels.tsv (fetch again with "
                        f"`benchmark fetch {FOLDER}`)")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and "name" not in rows[0]:
        raise UserError(f"{path}: no 'name' column; expected a BIDS channels.tsv")
    return [row["name"] for row in rows
            if (row.get("status") or "").strip().lower() == "bad" and row["name"] in CHANNELS]


def read_subject(root: Path, subject: str, stimuli: set[str] | None = None) -> list[RawRecording]:
    """Every run of a subject (BrainVision via mne; bad channels from ``*_channels.tsv``)."""
    mne = require("mne", "reading the BrainVision EEG of broderick2018")
    recordings = []
    for run in subject_runs(root, subject):
        if stimuli is not None and audio_key(run) not in stimuli:
            continue
        vhdr = root / f"{run_stem(subject, run)}_eeg.vhdr"
        try:
            raw = mne.io.read_raw_brainvision(vhdr, preload=False, verbose="error")
        except Exception as exc:
            raise UserError(f"{vhdr}: not readable as BrainVision EEG ({type(exc).__name__}: "
                            f"{exc})") from exc
        names = [n for n in raw.ch_names if n in CHANNELS]
        if not names:
            raise UserError(f"{vhdr}: none of the BioSemi channels A1..D32")
        bad = marked_bad(root / f"{run_stem(subject, run)}_channels.tsv")
        recordings.append(RawRecording(
            f"{subject}_run-{run:02d}", raw.get_data(picks=names), float(raw.info["sfreq"]),
            names, {audio_key(run): 0.0}, bad))
    return recordings


def load(data_dir: Path, config: PreprocessingConfig | None = None,
         subjects: Iterable[str] | str | None = None,
         pause_s: float = SENTENCE_PAUSE_S) -> EEGDataset:
    """The data set from ``data_dir / broderick2018`` (the audiobook subjects present there)."""
    root = Path(data_dir) / FOLDER
    if not root.is_dir():
        raise UserError(f"{root}: ds004408 not found; run `benchmark fetch {FOLDER} --data-dir "
                        f"{data_dir}` (or place the BIDS folder there)")
    info = release_info(root)
    present, other = subjects_in(root)
    if not present:
        raise UserError(f"{root}: no sub-0NN/eeg/*_eeg.vhdr files (the audiobook subjects "
                        "sub-001 ... sub-019)")
    _refuse_other_experiment(subjects, other)
    chosen = select_subjects(present, subjects, FOLDER)
    items, audio = sentences(root, info.stimuli, pause_s)
    files = lambda s: [p for run in subject_runs(root, s) if audio_key(run) in audio  # noqa: E731
                       for p in (root / f"{run_stem(s, run)}_eeg.eeg",
                                 root / f"{run_stem(s, run)}_channels.tsv")]
    small = [root / "dataset_description.json", *audio.values(),
             *(p.with_suffix(".TextGrid") for p in audio.values())]
    return EEGDataset(
        FOLDER, items, audio, chosen, lambda s: read_subject(root, s, set(audio)), CHANNELS,
        montage_positions(CHANNELS, "biosemi128"),
        config or PreprocessingConfig(notch_hz=MAINS_HZ), cache_dir=root / "derivatives" /
        "brainscore-audio", subject_signature=lambda s: file_signature(files(s)),
        checksums=cached_checksums(small + [p for s in chosen for p in files(s)], root),
        facts={"n_subjects": len(chosen), "n_sentences": len(items), "n_runs": len(audio),
               "n_channels": len(CHANNELS), "doi": info.doi, "release_version": info.version,
               "stimulus_folder": info.stimuli + "/", "positions": "mne biosemi128",
               "skipped_other_experiment": other})


def _refuse_other_experiment(requested, other: list[str]) -> None:
    if requested is None or isinstance(requested, str) and requested.strip().isdigit():
        return
    items = re.split(r"[,\s]+", requested) if isinstance(requested, str) else list(requested)
    for item in items:
        name = str(item) if str(item).startswith("sub-") else f"sub-{item}"
        if OTHER_EXPERIMENT.fullmatch(name):
            raise UserError(f"--subjects {item}: {name} belongs to the two-speaker experiment of "
                            "ds004408 releases 1.0.0-1.0.7, which these benchmarks do not score "
                            "(the audiobook subjects are sub-001 ... sub-019)")


# ----------------------------------------------------------------------------- fetching


def plan(listing: dict[str, int | None], subjects: str | None = None
         ) -> list[tuple[str, int | None]]:
    """The files to fetch from a release listing ``{path: size}``: the top-level text files,
    the audiobook stimuli (wav and TextGrid of each run, in whichever layout the release has)
    and every listed run file of the chosen subjects whose stimulus is there. Nothing is asked
    for that the listing lacks (there is no ``events.tsv``), and the other experiment's subjects
    and stimuli are left out."""
    folder = next((f for f in STIMULUS_FOLDERS if _stimulus_runs(listing, f)), None)
    if folder is None:
        raise UserError(f"the release lists no stimuli/audioNN.wav nor "
                        f"stimuli/single_speaker/audioNN.wav with its TextGrid ({len(listing)} "
                        "files listed)")
    runs = _stimulus_runs(listing, folder)
    files = [name for name in TOP_LEVEL if name in listing]
    if "dataset_description.json" not in files:
        raise UserError("the release lists no dataset_description.json (not a BIDS data set?)")
    for run in runs:
        files += [f"{folder}/{audio_key(run)}.wav", f"{folder}/{audio_key(run)}.TextGrid"]
    by_subject: dict[str, list[tuple[int, str]]] = {}
    for path in listing:
        match = RUN_FILE.fullmatch(path)
        if match and match.group(1) == match.group(2) and SUBJECT.fullmatch(match.group(1)):
            by_subject.setdefault(match.group(1), []).append((int(match.group(3)), path))
    _refuse_other_experiment(subjects, sorted({p.split("/")[0] for p in listing
                                               if OTHER_EXPERIMENT.match(p)}))
    for subject in select_subjects(sorted(by_subject), subjects, FOLDER):
        files += sorted(path for run, path in by_subject[subject] if run in runs)
    return [(path, listing[path]) for path in files]


def _stimulus_runs(listing: dict[str, int | None], folder: str) -> list[int]:
    """Runs whose ``audioNN.wav`` and ``audioNN.TextGrid`` the listing has in ``folder``."""
    runs = []
    for path in listing:
        match = STIMULUS_FILE.fullmatch(path[len(folder) + 1:]) \
            if path.startswith(folder + "/") else None
        if match and match.group(2) == "wav" and \
                f"{folder}/{audio_key(int(match.group(1)))}.TextGrid" in listing:
            runs.append(int(match.group(1)))
    return sorted(runs)


def fetch(data_dir: Path, force: bool = False, url: str | None = None,
          subjects: str | None = None) -> Path:
    """Download ds004408 file by file from OpenNeuro's public S3 bucket (or ``url``: a mirror
    with the same layout, served with an S3 or HTML directory listing, or a ``file://`` folder)
    into ``data_dir / broderick2018``.

    The files come from the release's own listing (:func:`plan`); each is checked against its
    listed size. ``subjects`` picks a subset (a count such as ``"2"`` or ids such as
    ``"sub-001,sub-004"``): the whole data set is large (19 subjects x 20 runs of 128-channel
    EEG, about 20 GB). ``fetch.json`` records where the files came from.
    """
    root = Path(data_dir) / FOLDER
    base = (url or BASE_URL).rstrip("/") + "/"
    listing, how = list_release(base, descend=_worth_listing)
    wanted = plan(listing, subjects)
    retry = f"run `benchmark fetch {FOLDER}` again"
    for relative, size in wanted:
        target = root / relative
        if force:
            target.unlink(missing_ok=True)
        download(base + quote(relative), target.parent, target.name, retry=retry, size=size)
    info = release_info(root)
    atomic.write_json(root / MANIFEST, {
        "url": base, "listing": how, "files": len(wanted), "doi": info.doi,
        "release_version": info.version,
        "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return root


def _worth_listing(folder: str) -> bool:
    """Folders an HTML crawl enters: the stimuli and the audiobook subjects' EEG."""
    parts = folder.rstrip("/").split("/")
    return (parts[0] == "stimuli" and parts[1:] in ([], ["single_speaker"])) or \
        (SUBJECT.fullmatch(parts[0]) is not None and parts[1:] in ([], ["eeg"]))
