"""Where a number came from: package version, git commit, platform."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from functools import cache
from pathlib import Path


@cache
def package_version() -> str:
    """Installed version of brainscore-audio (``"unknown"`` when run from an uninstalled tree)."""
    try:
        return importlib.metadata.version("brainscore-audio")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@cache
def git_commit(source: Path | None = None) -> str | None:
    """Commit of brainscore-audio's own git checkout (``+dirty`` if tracked files are modified),
    or None when the package is not run from one.

    ``source`` (default: the folder above this package) counts as a checkout only if it is the
    top of a git work tree that tracks this package: a package installed inside some other
    repository (a user's project holding the virtual environment) has no commit of its own.
    """
    source = (Path(__file__).resolve().parent.parent if source is None
              else Path(source).resolve())
    try:
        top = _git(source, "rev-parse", "--show-toplevel")
        if top is None or Path(top).resolve() != source:
            return None
        if _git(source, "ls-files", "--error-unmatch", f"{__package__}/provenance.py") is None:
            return None
        commit = _git(source, "rev-parse", "HEAD")
        dirty = _git(source, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "") if commit else None


def _git(cwd: Path, *args: str) -> str | None:
    """Stripped stdout of ``git args`` in ``cwd``; None when git fails."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5)
    return result.stdout.strip() if result.returncode == 0 else None


def platform_summary() -> str:
    """e.g. ``"Linux-6.1 x86_64, Python 3.11.7"``."""
    return f"{platform.system()}-{platform.release()} {platform.machine()}, " \
           f"Python {platform.python_version()}"
