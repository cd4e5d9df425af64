"""``benchmark fetch alice2019``: the files of a release page (Deep Blue Data, or a mirror that
links them), checked as they arrive.

Deep Blue Data may answer scripts with a browser check (HTTP 403 and an HTML page) instead of
the files. The fetcher recognises that answer (and an HTML page served in place of a file: it is
never saved as ``S01.mat``) and stops with one line saying how to get the files by hand and how
to point ``--data-dir`` at them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from brainscore_audio.download import (
    DownloadRefused,
    clean_leftovers,
    download,
    extract,
    install,
    scratch_folder,
    staging_path,
)
from brainscore_audio.eeg.fetching import index_links, select_subjects
from brainscore_audio.errors import UserError

from . import data
from .release import (
    AUDIO_FOLDER,
    BY_HAND,
    CSV_NAME,
    DATASETS_NAME,
    FOLDER,
    SFP_NAME,
    V1,
    V2,
    Release,
    check_file,
    check_subject,
)

RETRY = f"run `benchmark fetch {FOLDER}` again"


def fetch(data_dir: Path, force: bool = False, url: str | None = None,
          subjects: str | None = None) -> Path:
    """Download a release into ``data_dir / alice2019``.

    Files are found by name on the release page (default: the v2 page the lab's README points
    to; or on ``url``: any page or directory listing that links them, e.g. the v1 page or a
    mirror). The release is told by the files linked (``S01.vhdr``: v2, ``S01.mat``: v1).
    ``subjects`` picks a subset of the usable subjects (a count or ids); by default all 33 usable
    ones are fetched (about 100 MB each). The folder is checked like a hand-made one at the end.
    """
    page = url or V2.page
    root = Path(data_dir) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    try:
        links = index_links(page)
    except DownloadRefused as exc:
        raise UserError(f"{exc}; {BY_HAND}") from exc
    if CSV_NAME not in links:
        raise UserError(f"{page}: the page links no {CSV_NAME} (a browser check or another "
                        f"page?); pass --url with a page or folder listing the release's files, "
                        f"or {BY_HAND}")
    release = V2 if any(re.fullmatch(r"S\d\d\.vhdr", name) for name in links) else V1

    def get(name: str, required: bool = True) -> Path | None:
        target = root / name
        if name not in links:
            if required:
                raise UserError(f"{page}: no link to {name}; pass --url with a page or folder "
                                "listing the release's files")
            return None
        if force:
            target.unlink(missing_ok=True)
        try:
            return download(links[name], root, name, retry=RETRY)
        except DownloadRefused as exc:
            raise UserError(f"{exc}; {BY_HAND}") from exc

    get(CSV_NAME)
    get(DATASETS_NAME, required=release is V1)
    get(SFP_NAME, required=False)
    for archive, folder, suffix in (("audio.zip", AUDIO_FOLDER, ".wav"),
                                    ("proc.zip", release.proc_folder, ".mat")):
        if force or not (root / folder).is_dir():
            _unpack_flat(get(archive), root / folder, suffix)
    usable, _ = data.usable_subjects(root)
    for subject in select_subjects(usable, subjects, FOLDER):
        for name in release.eeg_files(subject):
            get(name)
    _check(root, release, subjects)
    return root


def _check(root: Path, release: Release, subjects: str | None) -> None:
    """The fetched folder passes the checks of a hand-downloaded one."""
    data.sentences(root)  # the table's counts
    for path in sorted((root / AUDIO_FOLDER).glob("*.wav")):
        check_file(path, "an audio segment of the release (from audio.zip)")
    usable, _ = data.usable_subjects(root)
    for subject in select_subjects(usable, subjects, FOLDER):
        check_subject(root, release, subject)


def _unpack_flat(archive: Path, folder: Path, suffix: str) -> None:
    """Unpack ``archive`` and put its files (from any sub-folder) in ``folder``, replacing it
    only when the archive held ``suffix`` files."""
    clean_leftovers(folder)
    with scratch_folder(folder.with_name(f".{folder.name}.unpacked")) as scratch:
        extract(archive, scratch, retry=RETRY)
        staging = staging_path(folder)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for path in sorted(scratch.rglob("*")):
            if path.is_file() and "__MACOSX" not in path.parts and not path.name.startswith("."):
                if (staging / path.name).exists():
                    shutil.rmtree(staging)
                    raise UserError(f"{archive}: holds two files named {path.name}")
                path.rename(staging / path.name)
        if not any(staging.glob(f"*{suffix}")):
            shutil.rmtree(staging)
            archive.unlink(missing_ok=True)
            raise UserError(f"{archive}: no {suffix} files inside; the archive was deleted; "
                            f"{RETRY}")
        install(staging, folder)
