"""On-disk activation cache.

Layout (one folder per model version, stimulus set content and pooling)::

    <root>/<model>/v<version>/<stimulus set>-<fingerprint[:16]>/<pooling>/
        meta.json              layers present, hop seconds, dims, stimulus ids
        <layer>.npy            pooled: (n_stimuli, dim) float32
        <layer>.npz            framed: data (total_frames, dim) + offsets (n_stimuli + 1,)
        partial/<run key>/chunk-<start>.npz   finished chunks of an unfinished extraction

The key is what the issue asks for: model id + version (so a plugin version bump invalidates),
the stimulus set's content hash, the layer and the pooling. Every file is written atomically and
``meta.json`` is updated under a file lock, so concurrent workers and killed runs leave only
complete files; an interrupted extraction resumes from its finished chunks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from filelock import FileLock

from . import atomic

#: Longest readable part of a :func:`safe_name` (file systems allow 255 bytes per name, and a
#: record's file name joins several).
SAFE_NAME_CHARS = 80


def safe_name(text: str) -> str:
    """A file-system-safe rendering of an id or layer name (readable, collision-resistant, at
    most ``SAFE_NAME_CHARS`` + 9 characters: a longer id is cut and keeps its hash)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "_"
    if cleaned != text or len(cleaned) > SAFE_NAME_CHARS:
        cleaned = cleaned[:SAFE_NAME_CHARS] + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return cleaned


class ActivationCache:
    """Activations of (model, stimulus set, pooling) per layer, on disk under ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def entry(self, model_id: str, model_version: str, stimulus_set_id: str, fingerprint: str,
              pooling: str) -> CacheEntry:
        folder = (self.root / safe_name(model_id) / f"v{safe_name(str(model_version))}"
                  / f"{safe_name(stimulus_set_id)}-{fingerprint[:16]}" / pooling)
        return CacheEntry(folder, pooling)


class CacheEntry:
    """One cache folder: the layers of one model version on one stimulus set and pooling."""

    def __init__(self, folder: Path, pooling: str) -> None:
        self.folder = folder
        self.pooling = pooling

    # -- finished layers ---------------------------------------------------------------
    def meta(self) -> dict:
        path = self.folder / "meta.json"
        if not path.is_file():
            return {"layers": {}}
        return json.loads(path.read_text())

    def cached_layers(self, stimulus_ids: Sequence[str]) -> list[str]:
        """Layers whose files exist and were written for exactly these stimulus ids."""
        meta = self.meta()
        if meta.get("stimulus_ids") not in (None, list(stimulus_ids)):
            return []
        return [name for name, info in meta["layers"].items()
                if (self.folder / info["file"]).is_file()]

    def load_layer(self, layer: str) -> tuple[np.ndarray | list[np.ndarray], float | None]:
        """``(values, hop_seconds)``: pooled ``(n, dim)`` or a list of ``(frames_i, dim)``."""
        info = self.meta()["layers"][layer]
        path = self.folder / info["file"]
        if self.pooling == "none":
            with np.load(path) as archive:
                data, offsets = archive["data"], archive["offsets"]
            return [data[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)], info["hop"]
        return np.load(path), info["hop"]

    def save_layers(self, values: dict[str, np.ndarray | list[np.ndarray]],
                    hops: dict[str, float | None], stimulus_ids: Sequence[str],
                    provenance: dict) -> None:
        """Write finished layers (atomically), then record them in ``meta.json`` under a lock."""
        self.folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for layer, array in values.items():
            if self.pooling == "none":
                name = f"{safe_name(layer)}.npz"
                lengths = [len(a) for a in array]
                atomic.write_npz(self.folder / name, {
                    "data": np.concatenate(array).astype(np.float32),
                    "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)})
                dim = int(array[0].shape[1])
            else:
                name = f"{safe_name(layer)}.npy"
                atomic.write_npy(self.folder / name, np.asarray(array, dtype=np.float32))
                dim = int(np.asarray(array).shape[1])
            written[layer] = {"file": name, "hop": hops.get(layer), "dim": dim}
        with FileLock(str(self.folder / ".meta.lock")):
            meta = self.meta()
            if meta.get("stimulus_ids") not in (None, list(stimulus_ids)):
                meta = {"layers": {}}
            meta.update(provenance)
            meta["stimulus_ids"] = list(stimulus_ids)
            meta["pooling"] = self.pooling
            meta["layers"].update(written)
            atomic.write_json(self.folder / "meta.json", meta)

    # -- unfinished extractions --------------------------------------------------------
    def partial_dir(self, layers: Sequence[str], chunk_size: int) -> Path:
        key = hashlib.sha256(json.dumps([list(layers), chunk_size]).encode()).hexdigest()[:16]
        return self.folder / "partial" / key

    def load_chunks(self, layers: Sequence[str], chunk_size: int) -> dict[int, dict]:
        """Finished chunks of an interrupted extraction: ``{start: {layer: [arrays], hops}}``."""
        folder = self.partial_dir(layers, chunk_size)
        chunks = {}
        for path in sorted(folder.glob("chunk-*.npz")):
            start = int(path.stem.split("-")[1])
            try:
                with np.load(path) as archive:
                    chunks[start] = _unpack_chunk(archive, layers)
            except Exception:  # an unreadable chunk is simply recomputed
                path.unlink(missing_ok=True)
        return chunks

    def save_chunk(self, layers: Sequence[str], chunk_size: int, start: int,
                   per_layer: dict[str, list[np.ndarray]], hops: dict[str, float | None]) -> None:
        """Write one finished chunk (per layer a list of per-stimulus arrays) atomically."""
        arrays = {}
        for index, layer in enumerate(layers):
            items = per_layer[layer]
            arrays[f"data{index}"] = np.concatenate([np.atleast_2d(a) for a in items])
            arrays[f"rows{index}"] = np.array([np.atleast_2d(a).shape[0] for a in items])
            arrays[f"hop{index}"] = np.array(np.nan if hops[layer] is None else hops[layer])
        # FileNotFoundError: another process finished the same extraction and removed the
        # partial folder under this write; chunks only serve resuming, so that is harmless.
        with contextlib.suppress(FileNotFoundError):
            atomic.write_npz(self.partial_dir(layers, chunk_size) / f"chunk-{start:07d}.npz",
                             arrays)

    def clear_chunks(self, layers: Sequence[str], chunk_size: int) -> None:
        shutil.rmtree(self.partial_dir(layers, chunk_size), ignore_errors=True)


def _unpack_chunk(archive, layers: Sequence[str]) -> dict:
    per_layer, hops = {}, {}
    for index, layer in enumerate(layers):
        data, rows = archive[f"data{index}"], archive[f"rows{index}"]
        bounds = np.concatenate([[0], np.cumsum(rows)])
        per_layer[layer] = [data[bounds[i]:bounds[i + 1]] for i in range(len(rows))]
        hop = float(archive[f"hop{index}"])
        hops[layer] = None if np.isnan(hop) else hop
    return {"layers": per_layer, "hops": hops}
