"""Running a perf measurement on this checkout and on an earlier revision in the same run.

A perf script that compares against earlier code calls itself in worker mode twice: once with
this checkout's ``brainscore_audio``, once with the package as it was at ``--baseline-rev``
(extracted with ``git archive`` into a temporary folder put first on ``PYTHONPATH``). Plugins
(``brainscore_audio_benchmarks``) and the perf scripts themselves are always this checkout's, so
a worker must use only library code that both revisions have. Each worker prints one JSON line
last; the caller reads it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# main before the numerics changes of issues 11 and 14 (ridge centring, RSA, Kendall, speed)
DEFAULT_BASELINE_REV = "7d5be41"


@contextmanager
def baseline_code(rev: str):
    """A folder holding ``brainscore_audio/`` at git revision ``rev`` (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="brainscore-baseline-"))
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "brainscore_audio"],
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(folder, **safe)  # our own git archive; "data" refuses odd members
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_worker(script: str | Path, arguments: list[str], code: Path | None = None) -> dict:
    """Run ``script --worker arguments`` in a fresh interpreter, with ``code`` first on the
    import path (None: this checkout); returns the JSON object of its last output line."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")])
    process = subprocess.run([sys.executable, str(script), "--worker", *arguments], env=env,
                             capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"worker {script} failed ({'baseline' if code else 'current'} code):\n"
                           f"{process.stderr[-4000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def imported_from() -> str:
    """Where ``brainscore_audio`` was imported from (to show which code a worker ran)."""
    import brainscore_audio

    return str(Path(brainscore_audio.__file__).resolve().parent)
