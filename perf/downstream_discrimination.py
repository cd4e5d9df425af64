"""Do the offline mini tasks tell models apart? Pretrained vs untrained vs logmel, per task,
with the spread over probe seeds.

    python perf/downstream_discrimination.py [--data-dir DIR] [--tasks notes-pitch ...]
        [--models crepe-tiny:pitch crepe-tiny-untrained:pitch crepe-tiny crepe-tiny-untrained logmel]
        [--seeds 0 1 2] [--json results.json]

A model entry is ``model`` (its default layers) or ``model:layer,layer``. Each task is rendered
(full size) into ``--data-dir`` unless it is there already; activations are cached in
``--cache-dir`` (default: a temporary folder). Every (task, model) is scored with the task's
benchmark once per probe seed (the whole protocol: grid search, then every fold), and the table
gives the mean, the sample SD over seeds, each seed's score, and each model's gap to the first
entry in units of the larger of the two SDs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_MODELS = ["crepe-tiny:pitch", "crepe-tiny-untrained:pitch", "crepe-tiny",
                  "crepe-tiny-untrained", "logmel"]


def parse_entry(entry: str) -> tuple[str, list[str] | None]:
    model, _, layers = entry.partition(":")
    return model, (layers.split(",") if layers else None)


def score_seeds(bench, activations, seeds: list[int]) -> list[float]:
    """The benchmark's raw score once per probe seed (one seed per call)."""
    scores = []
    if hasattr(bench, "options"):  # one seed per call; seeds s, s + 1, ... equal probe_seeds
        bench.options = dataclasses.replace(bench.options, probe_seeds=1)
    for seed in seeds:
        bench.seed = seed
        scores.append(float(bench(activations).raw))
    return scores


def table(results: dict, entries: list[str]) -> str:
    head = "| task | model | layers | mean | SD | seeds | gap to first (SDs) |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for task, rows in results.items():
        first = rows.get(entries[0])
        for entry in entries:
            if entry not in rows:
                continue
            model, layers = parse_entry(entry)
            values = np.array(rows[entry]["scores"])
            sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            gap = "-"
            if first is not None and entry != entries[0]:
                ref = np.array(first["scores"])
                ref_sd = float(ref.std(ddof=1)) if len(ref) > 1 else 0.0
                spread = max(sd, ref_sd)
                diff = ref.mean() - values.mean()
                gap = f"{diff:+.3f}" + (f" ({diff / spread:+.1f})" if spread > 0 else "")
            lines.append(f"| {task} | {model} | {','.join(layers) if layers else 'default'} | "
                         f"{values.mean():.3f} | {sd:.3f} | "
                         f"{' '.join(f'{v:.3f}' for v in values)} | {gap} |")
    return "\n".join(lines)


def main() -> None:
    from brainscore_audio_benchmarks.mini_hear.benchmark import (
        RENDERERS,
        make_benchmark,
        render_all,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--tasks", nargs="+", default=list(RENDERERS), choices=list(RENDERERS))
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--json", type=Path, default=None, help="also write the scores here")
    args = parser.parse_args()
    os.environ["TQDM_DISABLE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data_dir or Path(tmp) / "data"
        os.environ["BRAINSCORE_AUDIO_CACHE"] = str(args.cache_dir or Path(tmp) / "cache")
        from brainscore_audio.extraction import extract
        from brainscore_audio.registry import models

        render_all(data, names=tuple(args.tasks), log=print)
        results: dict[str, dict] = {}
        for name in args.tasks:
            results[f"mini.{name}"] = rows = {}
            for entry in args.models:
                model_id, layers = parse_entry(entry)
                bench = make_benchmark(name, data)
                start = time.perf_counter()
                activations = extract(models.make(model_id), bench.stimulus_set, layers=layers,
                                      progress=False)
                extraction = time.perf_counter() - start
                start = time.perf_counter()
                scores = score_seeds(bench, activations, args.seeds)
                rows[entry] = {"scores": scores, "seeds": args.seeds,
                               "extraction_s": round(extraction, 1),
                               "scoring_s": round(time.perf_counter() - start, 1),
                               "benchmark_version": bench.version}
                print(f"mini.{name} {entry}: {np.round(scores, 3).tolist()} "
                      f"(extraction {extraction:.0f} s, scoring {rows[entry]['scoring_s']:.0f} s)",
                      flush=True)
                if args.json:
                    args.json.write_text(json.dumps(results, indent=1))
        print(f"\n{len(args.seeds)} probe seeds {args.seeds}; load average "
              f"{os.getloadavg()[0]:.1f}\n")
        print(table(results, args.models))


if __name__ == "__main__":
    main()
