"""Where the project keeps things on disk, with environment overrides.

- data: downloaded and unpacked data sets. ``--data-dir`` > ``$BRAINSCORE_AUDIO_DATA`` >
  ``<user cache>/brainscore-audio/data``.
- cache: extracted activations. ``--cache-dir`` > ``$BRAINSCORE_AUDIO_CACHE`` >
  ``<user cache>/brainscore-audio/activations``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "brainscore-audio"
DATA_ENV = "BRAINSCORE_AUDIO_DATA"
CACHE_ENV = "BRAINSCORE_AUDIO_CACHE"


def user_cache_root() -> Path:
    """The per-user cache folder of the platform (e.g. ``~/.cache/brainscore-audio``)."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Root folder for data sets: the override, else ``$BRAINSCORE_AUDIO_DATA``, else default."""
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return user_cache_root() / "data"


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """Root folder of the activation cache: override, else ``$BRAINSCORE_AUDIO_CACHE``, else
    default."""
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return user_cache_root() / "activations"
