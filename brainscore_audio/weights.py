"""Weights a plugin downloads from a URL, declared in its ``metadata.yaml``::

    weights:
      url: https://zenodo.org/records/.../files/model.pt?download=1
      sha256: 4f1c...          # the publisher's hash (64 hex digits), or null when none is published
      source: "Zenodo record 1234 (md5 on the record page)"   # where the hash comes from, or why none

:class:`DownloadedModel` is the base of plugins that load such a file into their own network.
The file is fetched with pooch into ``<data dir>/weights/`` and verified against ``sha256`` when
it is known; either way the sha256 of the file actually loaded is what the score record holds
(``checkpoint: "<file> sha256:<hex>"``), so two different files can never pass as one model.
Hub models use ``checkpoint: <repo-id>`` plus ``revision: <commit>`` instead (``adapters/hf``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .errors import UserError
from .model import AudioModel

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PublishedWeights:
    """One downloadable weights file and what its publisher says about it.

    Attributes:
        url: where the file is downloaded from.
        sha256: the published sha256 (lower-case hex), or ``None`` when none is published.
        source: where ``sha256`` was published, or why there is none.
    """

    url: str
    sha256: str | None
    source: str

    @property
    def filename(self) -> str:
        """The file's name: the last part of the URL's path (query strings dropped)."""
        return Path(urlparse(self.url).path).name

    @classmethod
    def from_mapping(cls, value: Any, where: str) -> PublishedWeights:
        """Read the ``weights`` mapping of a metadata file; ``where`` names it in errors."""
        if not isinstance(value, dict):
            raise UserError(f"{where}: 'weights' must be a mapping with url, sha256 and source, "
                            f"got {type(value).__name__}")
        missing = [key for key in ("url", "sha256", "source") if key not in value]
        if missing:
            raise UserError(f"{where}: 'weights' lacks {', '.join(missing)} (url, sha256 "
                            "(null when none is published) and source are required)")
        url, sha256, source = value["url"], value["sha256"], value["source"]
        if not isinstance(url, str) or not url.startswith(("https://", "http://", "file://")):
            raise UserError(f"{where}: weights.url must be an http(s) or file URL, got {url!r}")
        if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.fullmatch(sha256)):
            raise UserError(f"{where}: weights.sha256 must be 64 lower-case hex digits or null, "
                            f"got {sha256!r}")
        if not isinstance(source, str) or not source.strip():
            raise UserError(f"{where}: weights.source must say where the hash was published "
                            "(or why there is none)")
        weights = cls(url, sha256, source)
        if not weights.filename:
            raise UserError(f"{where}: weights.url {url!r} names no file")
        return weights

    @classmethod
    def of_plugin(cls, plugin_file: str | Path) -> PublishedWeights:
        """The ``weights`` of the plugin folder holding ``plugin_file``."""
        path = Path(plugin_file).resolve().parent / "metadata.yaml"
        try:
            metadata = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UserError(f"{path}: cannot read ({str(exc).splitlines()[0]})") from exc
        if "weights" not in metadata:
            raise UserError(f"{path}: no 'weights' entry (url, sha256, source)")
        return cls.from_mapping(metadata["weights"], str(path))

    def fetch(self, folder: str | Path | None = None) -> tuple[Path, str]:
        """Download (once) into ``folder`` (default ``<data dir>/weights``) and verify.

        Returns:
            ``(path, sha256)``: the local file and its sha256 (the published one, checked by
            pooch, or computed from the file when none is published).
        Raises:
            UserError: one line on a failed download or a hash mismatch.
        """
        from .download import download, sha256_file
        from .settings import data_dir

        folder = Path(folder) if folder is not None else data_dir() / "weights"
        known = f"sha256:{self.sha256}" if self.sha256 else None
        path = download(self.url, folder, filename=self.filename, known_hash=known)
        return path, self.sha256 or sha256_file(path)

    def checkpoint(self, sha256: str) -> str:
        """What a score record holds for the loaded file: ``"<file> sha256:<hex>"``."""
        return f"{self.filename} sha256:{sha256}"


class DownloadedModel(AudioModel):
    """Base of model plugins whose weights are one :class:`PublishedWeights` download loaded into
    the plugin's own torch module, with a seeded untrained twin.

    Subclasses set ``description`` (e.g. ``"BEATs checkpoint"``, for error messages) and
    implement :meth:`build` (the untrained module) and :meth:`read_checkpoint` (the module with
    a downloaded file's weights; ``KeyError``/``RuntimeError``/``ValueError``/``TypeError`` mean
    the file is not the expected checkpoint and become one :class:`UserError` line).

    ``weights=None`` is the untrained twin (torch seed ``seed``). With
    ``BRAINSCORE_AUDIO_RANDOM_WEIGHTS=1`` (conformance checks without internet, docs/submit.md)
    a pretrained model builds the untrained module instead; its identifier
    (``<id>+random-weights``), ``checkpoint`` and ``version`` say so.

    ``checkpoint`` is ``"<file> sha256:<hex>"``: known at construction when the hash is
    published, else ``None`` until :meth:`load` downloaded the file (the harness records the value
    after loading, with the activations).
    """

    description = "checkpoint"
    seed = 0

    def __init__(self, identifier: str, weights: PublishedWeights | None,
                 weights_dir: str | Path | None = None) -> None:
        from .model import random_weights_identifier, random_weights_requested

        self.identifier = identifier
        self.weights = weights
        self.weights_dir = weights_dir
        self.random_mode = weights is not None and random_weights_requested()
        self.version = "1+random" if self.random_mode else "1"
        self.checkpoint: str | None
        if weights is None:
            self.checkpoint = f"untrained, torch.manual_seed({self.seed})"
        elif self.random_mode:
            self.identifier = random_weights_identifier(identifier)
            self.checkpoint = (f"random weights (torch seed {self.seed}) in the architecture of "
                               f"{weights.filename}")
            self.weights = None  # built exactly as the untrained twin (the conformance tests check)
        else:  # the published hash, checked on download; else known once downloaded
            self.checkpoint = weights.checkpoint(weights.sha256) if weights.sha256 else None
        self._network = None
        self._device = "cpu"

    def build(self) -> Any:
        """The untrained ``torch.nn.Module`` (called under a fixed torch seed)."""
        raise NotImplementedError

    def read_checkpoint(self, path: Path) -> Any:
        """The module holding the weights of the downloaded file at ``path``."""
        raise NotImplementedError

    def load(self, device: str = "cpu") -> None:
        if self._network is not None and self._device == device:
            return
        if self._network is None:
            if self.weights is not None and not self.random_mode:
                path, sha256 = self.weights.fetch(self.weights_dir)
                try:
                    network = self.read_checkpoint(path)
                except (KeyError, RuntimeError, ValueError, TypeError) as exc:
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    raise UserError(f"{path}: not the {self.description} {self.identifier} "
                                    f"expects ({type(exc).__name__}: {reason[:200]})") from exc
                self.checkpoint = self.weights.checkpoint(sha256)
            else:
                from .adapters.torch_hooks import seeded_init

                network = seeded_init(self.build, self.seed)
            self._network = network.eval()
        self._network.to(device)
        self._device = device
