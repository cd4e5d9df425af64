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
def git_commit() -> str | None:
    """Commit of the source tree this package was imported from (``+dirty`` if modified), or
    None outside a git checkout."""
    source = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=source, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty.strip() else "") if commit else None


def platform_summary() -> str:
    """e.g. ``"Linux-6.1 x86_64, Python 3.11.7"``."""
    return f"{platform.system()}-{platform.release()} {platform.machine()}, " \
           f"Python {platform.python_version()}"
