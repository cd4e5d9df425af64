"""The two Alice EEG releases on Deep Blue Data, their file names, and the checks a folder passes
before it is used (whether ``benchmark fetch`` filled it or the files were downloaded by hand).

- **v1**, doi 10.7302/Z29C6VNH: ``S01.mat`` ... FieldTrip raw structures, ``datasets.mat`` (the
  33 usable data sets), ``proc.zip`` (the authors' preprocessing parameters, unpacked to
  ``proc/``), ``audio.zip``, ``AliceChapterOne-EEG.csv``.
- **v2**, doi 10.7302/746w-g237: the raw BrainVision recordings ``S01.vhdr``/``.vmrk``/``.eeg``
  and the same parameters in ``proc.zip``, which unpacks to ``timelock-preprocessing/``; the lab's
  README now points users to these files.

Both hold the same recordings (the v1 ``.mat`` files are FieldTrip conversions of the
BrainVision files) and the same alignment table. Which one a folder holds is detected from its
files and recorded in every score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from brainscore_audio.download import looks_like_html
from brainscore_audio.errors import UserError
from brainscore_audio.release_counts import counts_in_force
from brainscore_audio.release_counts import counts_json as counts_json  # for fixtures

FOLDER = "alice2019"
CSV_NAME = "AliceChapterOne-EEG.csv"
DATASETS_NAME = "datasets.mat"
SFP_NAME = "easycapM10-acti61_elec.sfp"
AUDIO_FOLDER = "audio"
AUDIO_NAME = "DownTheRabbitHoleFinal_SoundFile{segment}.wav"
#: Where proc.zip unpacks: v1's folder name, then v2's.
PROC_FOLDERS = ("proc", "timelock-preprocessing")
ALL_SUBJECTS = [f"S{i:02d}" for i in range(1, 50)]
#: The 33 data sets flagged usable in v1's datasets.mat (used when a copy has no datasets.mat).
USABLE_IN_V1 = ("S01", "S03", "S04", "S05", "S06", "S08", "S10", "S11", "S12", "S13", "S14",
                "S15", "S16", "S17", "S18", "S19", "S20", "S21", "S22", "S25", "S26", "S34",
                "S35", "S36", "S37", "S38", "S39", "S40", "S41", "S42", "S44", "S45", "S48")


@dataclass(frozen=True)
class Release:
    """One published version of the data set."""

    name: str
    doi: str
    page: str
    eeg_suffixes: tuple[str, ...]
    proc_folder: str
    description: str

    def eeg_files(self, subject: str) -> list[str]:
        """The file names of a subject's EEG (the first one is read)."""
        return [subject + suffix for suffix in self.eeg_suffixes]


V1 = Release("v1", "10.7302/Z29C6VNH",
             "https://deepblue.lib.umich.edu/data/concern/data_sets/bg257f92t", (".mat",), "proc",
             "v1: FieldTrip raw structures S01.mat ... (doi 10.7302/Z29C6VNH)")
V2 = Release("v2", "10.7302/746w-g237",
             "https://deepblue.lib.umich.edu/data/concern/data_sets/bn999738r",
             (".vhdr", ".vmrk", ".eeg"), "timelock-preprocessing",
             "v2: BrainVision S01.vhdr/.vmrk/.eeg ... (doi 10.7302/746w-g237)")
RELEASES = {"v1": V1, "v2": V2}
BY_HAND = (f"download the files by hand in a browser from {V2.page} (v2, BrainVision; v1 .mat "
           f"files: {V1.page}) or with Globus, put them in one folder ({CSV_NAME}, "
           f"{DATASETS_NAME} where offered, S01.vhdr/.vmrk/.eeg or S01.mat ...; unzip audio.zip "
           "and proc.zip there) and pass --data-dir FOLDER (it is checked before use)")


@dataclass(frozen=True)
class Counts:
    """What the alignment table must hold (defaults: the published table: 2,129 words, the
    CSV's 2,130 lines counting the header)."""

    words: int = 2129
    segments: int = 12
    sentences: int = 84


REAL_COUNTS = Counts()
COUNTS_ENV = "BRAINSCORE_AUDIO_ALICE2019_COUNTS"


def expected_counts() -> Counts:
    """The published counts, unless ``$BRAINSCORE_AUDIO_ALICE2019_COUNTS`` declares a fixture's
    (JSON of :class:`Counts` fields); the counts in force go into every score record."""
    return counts_in_force(COUNTS_ENV, REAL_COUNTS)


def locate(data_dir: str | Path) -> Path:
    """The release folder for a ``--data-dir``: ``<data_dir>/alice2019`` (where ``benchmark
    fetch`` puts it), or ``data_dir`` itself when it holds the alignment table (a folder of files
    downloaded by hand)."""
    data_dir = Path(data_dir).expanduser()
    for candidate in (data_dir / FOLDER, data_dir):
        if (candidate / CSV_NAME).is_file():
            return candidate
    raise UserError(f"{data_dir / FOLDER}: Alice data not found (no {CSV_NAME}); run `benchmark "
                    f"fetch {FOLDER} --data-dir {data_dir}`, or {BY_HAND}")


def detect(root: Path) -> Release:
    """v2 when the folder holds BrainVision headers ``Snn.vhdr``, v1 when it holds ``Snn.mat``."""
    if any(re.fullmatch(r"S\d\d\.vhdr", p.name) for p in root.glob("S*.vhdr")):
        return V2
    if any(re.fullmatch(r"S\d\d\.mat", p.name) for p in root.glob("S*.mat")):
        return V1
    raise UserError(f"{root}: no subject EEG (S01.vhdr/.vmrk/.eeg of v2, or S01.mat of v1); "
                    f"{BY_HAND}")


def proc_file(root: Path, subject: str) -> Path | None:
    """The authors' preprocessing parameters of ``subject`` (``proc/`` or
    ``timelock-preprocessing/``), or None."""
    return next((root / folder / f"{subject}.mat" for folder in PROC_FOLDERS
                 if (root / folder / f"{subject}.mat").is_file()), None)


_HEADERS = {".mat": (b"MATLAB", "a MATLAB file"),
            ".vhdr": (b"Brain Vision Data Exchange Header File", "a BrainVision header"),
            ".vmrk": (b"Brain Vision Data Exchange Marker File", "a BrainVision marker file"),
            ".wav": (b"RIFF", "a wav file")}


def check_file(path: Path, what: str) -> None:
    """Raise a one-line :class:`UserError` unless ``path`` exists and starts like its type (an
    HTML page saved under the file's name is the usual failure of a browser download)."""
    if not path.is_file():
        raise UserError(f"{path}: not found; expected {what} ({BY_HAND})")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    start = head.lstrip(b"\xef\xbb\xbf")
    if looks_like_html(head) or not head:
        raise UserError(f"{path}: {'an HTML page' if head else 'an empty file'}, not {what}; "
                        "download it again (in a browser, save the file itself)")
    expected = _HEADERS.get(path.suffix.lower())
    if expected is not None and not start.startswith(expected[0]):
        raise UserError(f"{path}: not {expected[1]} (it starts with {head[:24]!r}); expected "
                        f"{what}; download it again")


def check_subject(root: Path, release: Release, subject: str) -> None:
    """A subject's EEG files (all of them for v2) and preprocessing parameters are there and of
    the right type."""
    for name in release.eeg_files(subject):
        check_file(root / name, f"the EEG of {subject} ({release.description})")
    if proc_file(root, subject) is None:
        raise UserError(f"{root / release.proc_folder / (subject + '.mat')}: not found; the "
                        "authors' preprocessing parameters (from proc.zip) are needed to align "
                        "the audio")
