"""Checks of ``--output`` paths before any work starts: one line for a folder that is a file (or
the reverse) or a place that cannot be written."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UserError


def _nearest_existing(path: Path) -> Path:
    for candidate in [path, *path.parents]:
        if candidate.exists():
            return candidate
    return Path(".")


def _check_writable(path: Path, flag: str, folder: Path | None = None) -> None:
    """The nearest existing folder of ``folder`` (default ``path``) is one we can write in."""
    existing = _nearest_existing(path if folder is None else folder)
    if not existing.is_dir():
        raise UserError(f"{flag} {path}: {existing} is a file, so no folder can be made there")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{flag} {path}: cannot write in {existing} (permission denied)")


def check_output_dir(path: str | Path, flag: str = "--output") -> Path:
    """``path`` can be (or become) a folder we write in."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{flag} {path}: is a file; expected a folder (created if missing)")
    _check_writable(path, flag)
    return path


def check_output_file(path: str | Path, flag: str = "--output") -> Path:
    """``path`` can be (or become) a file we write."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{flag} {path}: is a folder; expected a file name")
    _check_writable(path, flag, path.parent)
    return path
