"""Fetching a HEAR task archive: download (checked), unpack safely into a scratch folder, locate
the task folder, validate it, record where it came from, and only then swap it into place."""

from __future__ import annotations

from pathlib import Path

from brainscore_audio import atomic, settings
from brainscore_audio.download import (
    clean_leftovers,
    download,
    extract,
    install,
    scratch_folder,
    sha256_file,
)
from brainscore_audio.downstream import load_task
from brainscore_audio.downstream.benchmark import SOURCE_FILE
from brainscore_audio.errors import UserError

from .tasks import HearTask

FOLDER = "hear"


def task_dir(task: HearTask, data_dir: Path | None) -> Path:
    """The unpacked task folder; a clear error naming the fetch command when it is absent."""
    folder = settings.data_dir(data_dir) / FOLDER / task.folder
    if not (folder / "task_metadata.json").is_file():
        raise UserError(f"hear.{task.key}: task data not found in {folder}; run "
                        f"`benchmark fetch hear.{task.key}` first (downloads {task.archive})")
    return folder


def fetch(task: HearTask, data_dir: Path, force: bool = False, url: str | None = None,
          progress: bool = True) -> Path:
    """Download and unpack ``task`` into ``<data_dir>/hear/<name>-<version>-<mode>/``.

    The archive's sha256 (Zenodo's checksums are md5; the sha256 of what was used is what score
    records carry) is written to ``brainscore-source.json`` in the task folder before the folder
    is moved into place, so a task folder never lacks it. A task already there is replaced only
    by a validated one. The archive is kept in ``<data_dir>/hear/downloads/`` (``--force``
    downloads it again).
    """
    root = Path(data_dir) / FOLDER
    target = root / task.folder
    clean_leftovers(target)
    if (target / SOURCE_FILE).is_file() and not force:
        return target
    url = url or task.url
    retry = f"run `benchmark fetch hear.{task.key}` again"
    downloads = root / "downloads"
    if force:
        (downloads / task.archive).unlink(missing_ok=True)
    archive = download(url, downloads, filename=task.archive, progress=progress, retry=retry)
    with scratch_folder(root / f".{task.folder}.unpacked") as scratch:
        extract(archive, scratch, retry=retry, progress=progress)
        try:
            found = _find_task_folder(scratch, archive)
            load_task(found)  # validates the layout before it is moved into place
        except UserError as exc:
            archive.unlink(missing_ok=True)
            kept = "; the task folder already there is unchanged" if target.exists() else ""
            raise UserError(f"{exc}; the archive was deleted{kept}") from exc
        atomic.write_json(found / SOURCE_FILE, {"url": url, "archive": task.archive,
                                               "sha256": sha256_file(archive)})
        install(found, target)
    return target


def _find_task_folder(staging: Path, archive: Path) -> Path:
    """The folder holding ``task_metadata.json`` (``tasks/<folder>/`` in HEAR's archives)."""
    hits = sorted(p.parent for p in staging.rglob("task_metadata.json")
                  if len(p.relative_to(staging).parts) <= 4)
    if len(hits) != 1:
        raise UserError(f"{archive}: expected one task folder with task_metadata.json, found "
                        f"{len(hits)}")
    return hits[0]
