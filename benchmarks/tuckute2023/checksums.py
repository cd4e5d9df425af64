"""sha256 of the release files a score depends on, cached next to the data.

Hashing the release's large arrays takes about a second; the result is kept in
``<data>/.brainscore-audio-sha256.json`` keyed by file size and modification time, so later runs
only hash files that changed. A folder the user cannot write to simply gets no cache.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path

from brainscore_audio import atomic
from brainscore_audio.download import sha256_file

CACHE_NAME = ".brainscore-audio-sha256.json"


def cached_sha256(data: Path, relative_paths: Iterable[str]) -> dict[str, str]:
    """``{relative path: sha256}`` of files below ``data``, using and updating the cache.

    Args:
        data: the release's ``data/`` folder.
        relative_paths: files below it (``/``-separated), e.g. ``"neural/NH2015/voxel_features_meta.npy"``.
    """
    cache_path = data / CACHE_NAME
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    out: dict[str, str] = {}
    changed = False
    for relative in relative_paths:
        stat = (data / relative).stat()
        key = [stat.st_size, stat.st_mtime_ns]
        entry = cache.get(relative)
        if isinstance(entry, dict) and entry.get("signature") == key and "sha256" in entry:
            out[relative] = entry["sha256"]
            continue
        out[relative] = sha256_file(data / relative)
        cache[relative] = {"signature": key, "sha256": out[relative]}
        changed = True
    if changed:
        with contextlib.suppress(OSError):  # read-only data folder: hash again next time
            atomic.write_text(cache_path, json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return out
