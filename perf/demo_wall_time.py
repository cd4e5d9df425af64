"""Wall time of the README's main job (`benchmark demo`), cold and cached.

Runs the console command three times in fresh subprocesses (import time included):

1. cold: empty activation cache, empty output folder;
2. cached activations: same cache, new output folder (extraction skipped, scoring redone);
3. re-run: same cache and output (every record exists, nothing is recomputed).

Usage: python perf/demo_wall_time.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="demo-perf-"))
    env = {**os.environ, "BRAINSCORE_AUDIO_CACHE": str(work / "cache")}
    command = [sys.executable, "-m", "brainscore_audio.cli", "demo", "--quiet", "--output"]
    try:
        cold = timed(command + [str(work / "out1")], env)
        cached = timed(command + [str(work / "out2")], env)
        rerun = timed(command + [str(work / "out2")], env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"benchmark demo, cold (empty cache):         {cold:6.2f} s")
    print(f"benchmark demo, activations cached:         {cached:6.2f} s")
    print(f"benchmark demo, re-run (all records exist): {rerun:6.2f} s")
    print(f"(CPU cores: {os.cpu_count()}; each includes Python start-up and imports)")


if __name__ == "__main__":
    main()
