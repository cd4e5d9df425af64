"""Provenance records the commit of brainscore-audio's own checkout, never of a repository that
merely contains the installed package (issue 11 item 4)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from brainscore_audio import provenance

PACKAGE = Path(provenance.__file__).resolve().parent


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "README").write_text("someone else's project\n")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "-qm", "user's work")
    return tmp_path


def test_a_package_inside_a_users_repository_has_no_commit(repo):
    site = repo / ".venv" / "lib" / "site-packages"
    shutil.copytree(PACKAGE, site / "brainscore_audio", ignore=shutil.ignore_patterns("__pycache__"))
    assert provenance.git_commit(site) is None
    git(repo, "add", "-f", ".venv")  # even tracked there, it is not the repository's top
    git(repo, "commit", "-qm", "vendored")
    assert provenance.git_commit(site) is None
    assert provenance.git_commit(repo) is None  # a checkout that does not hold the package


def test_the_packages_own_checkout_gives_its_commit(repo):
    shutil.copytree(PACKAGE, repo / "brainscore_audio", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "add", "brainscore_audio")
    git(repo, "commit", "-qm", "the package")
    head = git(repo, "rev-parse", "HEAD")
    assert provenance.git_commit(repo) == head
    (repo / "brainscore_audio" / "provenance.py").write_text("# edited\n")
    provenance.git_commit.cache_clear()
    assert provenance.git_commit(repo) == head + "+dirty"
