"""Atomic file writes: a reader sees the old file or the new one, never a half-written one.

A write that the environment refuses (disk full, no permission, read-only file system, a file
name too long) is a one-line :class:`WriteError` naming the file, and leaves no temporary file.

Every result the project writes (records, cache entries, leaderboards) goes through here, so an
interrupted run never leaves a corrupt file and a crashed run can resume from what is on disk.
"""

from __future__ import annotations

import errno
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UserError

#: What to do about the write errors a user's environment causes.
_HINTS = {errno.ENOSPC: "the disk is full: free space or choose another folder",
          errno.EDQUOT: "the disk quota is used up: free space or choose another folder",
          errno.EACCES: "permission denied: choose a folder you can write in",
          errno.EPERM: "permission denied: choose a folder you can write in",
          errno.EROFS: "the file system is read-only: choose another folder",
          errno.ENAMETOOLONG: "the file name is too long for this file system",
          errno.ENOTDIR: "a part of the path is a file, not a folder",
          errno.EEXIST: "a part of the path is a file, not a folder",
          errno.EISDIR: "a folder is in the way of the file"}


class WriteError(UserError):
    """A file could not be written (disk full, no permission, read-only, name too long...)."""


def write_error(path: str | os.PathLike, exc: OSError) -> WriteError:
    """The one-line error for an :class:`OSError` met while writing ``path``."""
    reason = _HINTS.get(exc.errno) or exc.strerror or type(exc).__name__
    return WriteError(f"{path}: cannot write ({reason})")


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    The temporary file lives in the same directory, so the final ``os.replace`` is atomic on
    POSIX file systems (including NFS for a rename inside one directory).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise write_error(path, exc) from exc
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; results are shareable
        os.replace(tmp_path, path)
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (fsync before the rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON (sorted keys, trailing newline) atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write a dict of arrays as an uncompressed ``.npz`` atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes(path, buffer.getvalue())


def write_npy(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write one array as ``.npy`` atomically."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    write_bytes(path, buffer.getvalue())
