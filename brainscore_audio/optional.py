"""Optional dependencies: one way to import them, and one error line that names the extra.

Packages outside the core install belong to extras of ``pyproject.toml`` (``hf``, ``datasets``,
``eeg``, ...). Code that needs one calls :func:`require`, which imports it or raises a one-line
:class:`~brainscore_audio.errors.UserError` such as ``reading a Hugging Face dataset needs the
optional package 'datasets': pip install "brainscore-audio[datasets]"``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import UserError

#: The extra that installs each optional top-level package.
EXTRAS = {
    "transformers": "hf",
    "datasets": "datasets",
    "pyarrow": "datasets",
    "pandas": "datasets",
    "mne": "eeg",
    "pymatreader": "eeg",
    "matplotlib": "publish",
    "dask": "dask",
    "distributed": "dask",
    "dask_jobqueue": "dask",
    "onnx": "models",
    "onnxruntime": "models",
}


class MissingExtraError(UserError):
    """An optional package is not installed; the message names the extra that installs it."""


def require(module: str, purpose: str, extra: str | None = None) -> ModuleType:
    """Import ``module`` (e.g. ``"transformers"`` or ``"dask.distributed"``).

    Args:
        purpose: what needs it, the start of the error line (e.g. ``"--executor dask-local"``).
        extra: the extra to name; default :data:`EXTRAS` of the top-level package.
    Raises:
        MissingExtraError: the package (or one it imports) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(missing_message(module, purpose, extra, exc)) from None


def missing_message(module: str, purpose: str, extra: str | None = None,
                    exc: ImportError | None = None) -> str:
    """The one line :func:`require` raises (for guards that catch an ImportError themselves)."""
    top = module.split(".")[0]
    missing = getattr(exc, "name", None) or top
    extra = extra or EXTRAS.get(top) or EXTRAS.get(missing.split(".")[0], "all")
    detail = "" if missing.split(".")[0] == top else f" (it imports {missing.split('.')[0]!r})"
    return (f"{purpose} needs the optional package {top!r}{detail}: "
            f"pip install \"brainscore-audio[{extra}]\"")


def available(module: str) -> bool:
    """Whether ``module`` can be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
