"""Time of the downstream protocol (16-point grid + folds) per mini task, with logmel.

    python perf/downstream_probe.py [--tasks notes-pitch ...] [--reference]

Renders the mini tasks (full size) into a temporary data folder, extracts logmel once per task,
then times the benchmark call (PCA, grid search on the first fold, the winner on every fold).
With --reference it also times the same protocol with torch's default thread count (the
setting before probes were pinned to one thread) in the same process and prints the ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time

import torch
from brainscore_audio_benchmarks.mini_hear.benchmark import RENDERERS, make_benchmark, render_all

from brainscore_audio.extraction import extract
from brainscore_audio.registry import models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(RENDERERS), choices=list(RENDERERS))
    parser.add_argument("--model", default="logmel")
    parser.add_argument("--reference", action="store_true",
                        help="also time with torch's default thread count")
    args = parser.parse_args()
    os.environ["TQDM_DISABLE"] = "1"
    default_threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as data:
        start = time.perf_counter()
        render_all(data, names=tuple(args.tasks), log=lambda line: None)
        print(f"rendered {len(args.tasks)} task(s) in {time.perf_counter() - start:.1f} s "
              f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
        model = models.make(args.model)
        print("| task | clips (train/valid/test of fold 1) | extraction s | grid s | other folds s | "
              "total s | default-threads total s | ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for name in args.tasks:
            bench = make_benchmark(name, data)
            start = time.perf_counter()
            activations = extract(model, bench.stimulus_set, progress=False)
            extraction = time.perf_counter() - start
            start = time.perf_counter()
            score = bench(activations)
            total = time.perf_counter() - start
            timings = score.details["timings_s"]
            sizes = next(iter(score.details["split_sizes"].values()))
            reference = ratio = "-"
            if args.reference:
                bench.settings = dataclasses.replace(bench.settings, threads=default_threads)
                start = time.perf_counter()
                bench(activations)
                reference_s = time.perf_counter() - start
                reference, ratio = f"{reference_s:.1f}", f"{reference_s / total:.2f}"
            print(f"| mini.{name} | {len(bench.stimulus_set)} ({sizes['train']}/{sizes['valid']}/"
                  f"{sizes['test']}) | {extraction:.1f} | {timings['grid_s']:.1f} | "
                  f"{timings['folds_s']:.1f} | {total:.1f} | {reference} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
