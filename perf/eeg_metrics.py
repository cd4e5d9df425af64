"""Speed of the EEG sentence benchmarks on Alice-shaped synthetic data, against earlier code.

Shapes (defaults): 33 subjects, 84 sentences over 12 audio segments (12.4 min), 62 EEG channels
at 500 Hz, a 13-layer model with 768 features every 20 ms (wav2vec2-base-like), the 22 default
windows and the eight metrics. Activations are in memory ("cached"), as when `benchmark run`
finds them in the activation cache.

Prints:
1. EEG preprocessing of all subjects (filtering, bad channels, interpolation; done once, then read
   from the on-disk cache, which both code versions below share when their recipe is the same);
2. the wall time of each of the eight benchmarks (all layers x windows x subjects x sentences,
   plus the per-channel map) with this checkout and with the code at ``--baseline-rev`` (each in
   a fresh process, one after the other, on the same data), their ratio, and the largest
   difference between the two versions' raw scores;
3. the throughput of the batched metrics against a plain per-comparison loop over the same
   comparisons (one window of 250 ms: 13 frames x 20 PCA features vs 13 frames x 62 channels),
   this checkout only.

Usage: python perf/eeg_metrics.py [--subjects 33 --sentences 84 --layers 13 --hop 0.02]
       [--baseline-rev REV | --baseline-rev none] [--rounds 2] [--keep FOLDER]

``--keep FOLDER`` keeps the synthetic data and its preprocessed EEG, so a second run skips the
preprocessing; ``--rounds N`` alternates the two versions N times and keeps the minimum of
each (wall and process CPU time, which a loaded machine distorts less).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import DEFAULT_BASELINE_REV, baseline_code, imported_from, run_worker  # noqa: E402

from brainscore_audio.activations import StimulusActivations  # noqa: E402
from brainscore_audio.eeg import (  # noqa: E402
    EEGDataset,
    EEGSimilarityBenchmark,
    PreprocessingConfig,
    RawRecording,
    Sentence,
    synthetic,
)
from brainscore_audio.eeg.positions import montage_positions  # noqa: E402
from brainscore_audio.eeg.scoring import cross_scores  # noqa: E402
from brainscore_audio.metrics.similarity import EIGHT, SIMILARITY_METRICS  # noqa: E402

SFREQ = 500.0
TOTAL_S = 12.4 * 60


def build(args, folder: Path):
    rng = np.random.default_rng(0)
    segments = 12
    per_segment = int(np.ceil(args.sentences / segments))
    durations = rng.uniform(4.0, 13.7, args.sentences)
    durations *= (TOTAL_S - 0.5 * args.sentences) / durations.sum()
    sentences, starts, clock = [], {}, 2.0
    for index, duration in enumerate(durations):
        segment = index // per_segment + 1
        if str(segment) not in starts:
            starts[str(segment)] = clock
            offset = 0.0
        sentences.append(Sentence(f"perf-s{index + 1:03d}", str(segment), offset + 0.2,
                                  offset + 0.2 + duration, [], index + 1))
        offset += duration + 0.5
        clock += duration + 0.5
    audio = {}
    for key in starts:
        audio[key] = folder / f"{key}.wav"
        soundfile.write(audio[key], np.zeros(1600, np.float32), 16000)
    channels = [str(i) for i in range(1, 62) if i != 29] + ["62", "63"]
    channels = channels[:args.channels]
    positions = montage_positions(channels[:60], "easycap-M10")
    if positions is not None and args.channels > 60:
        positions = np.vstack([positions, positions[:args.channels - 60] * 0.98])
    n_samples = int((clock + 3.0) * SFREQ)

    def read_subject(subject: str):
        local = np.random.default_rng(int(subject[1:]))
        response = synthetic.envelope(local.normal(size=n_samples * 32), 16000, SFREQ, n_samples)
        eeg = synthetic.planted_eeg(local, response, SFREQ, len(channels), mains_hz=60.0)
        return [RawRecording(subject, eeg, SFREQ, channels, starts)]

    dataset = EEGDataset("perf", sentences, audio, [f"S{i:02d}" for i in range(1, args.subjects + 1)],
                         read_subject, channels, positions, PreprocessingConfig(),
                         cache_dir=folder / "derived")
    layers = {f"layer{i:02d}": [rng.standard_normal((int(s.duration / args.hop), args.dim),
                                                    dtype=np.float32) for s in sentences]
              for i in range(args.layers)}
    activations = StimulusActivations([s.id for s in sentences], layers, "none",
                                      dict.fromkeys(layers, args.hop), model_id="perf")
    return dataset, activations


def throughput(args) -> list[tuple[str, float, float]]:
    """Comparisons per second: batched (``cross_scores``) vs a loop of per-pair calls."""
    rng = np.random.default_rng(1)
    n = int(round(0.25 / args.hop))
    items, layers, subjects = 8, args.layers, args.subjects
    x = rng.normal(size=(items, layers, n, 20))
    y = rng.normal(size=(items, subjects, n, args.channels))
    count = items * layers * subjects
    out = []
    for metric in EIGHT:
        start = time.perf_counter()
        batched = cross_scores(metric, x, y)
        batched_time = time.perf_counter() - start
        function = SIMILARITY_METRICS[metric]
        loop_items = max(1, items // 4)  # a quarter of the pairs is enough to time the loop
        start = time.perf_counter()
        looped = np.array([[[function(x[i, a], y[i, b]) for b in range(subjects)]
                            for a in range(layers)] for i in range(loop_items)])
        loop_time = (time.perf_counter() - start) * items / loop_items
        assert np.allclose(looped, batched[:loop_items], atol=1e-5, equal_nan=True), metric
        out.append((metric, count / batched_time, count / loop_time))
    return out


def time_benchmarks(args, folder: Path) -> dict:
    """Worker: the eight benchmarks on the data in ``folder`` (EEG read from its cache)."""
    dataset, activations = build(args, folder)
    for subject in dataset.subjects:
        dataset.subject_eeg(subject)
    times, cpu, raws = {}, {}, {}
    for metric in EIGHT:
        benchmark = EEGSimilarityBenchmark(f"perf.{metric}", metric, lambda: dataset)
        start, start_cpu = time.perf_counter(), time.process_time()
        score = benchmark(activations)
        times[metric] = time.perf_counter() - start
        cpu[metric] = time.process_time() - start_cpu
        raws[metric] = score.raw
    return {"times": times, "cpu": cpu, "raws": raws, "code": imported_from()}


def _arguments(args) -> list[str]:
    return ["--subjects", str(args.subjects), "--sentences", str(args.sentences), "--channels",
            str(args.channels), "--layers", str(args.layers), "--dim", str(args.dim), "--hop",
            str(args.hop)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=33)
    parser.add_argument("--sentences", type=int, default=84)
    parser.add_argument("--channels", type=int, default=62)
    parser.add_argument("--layers", type=int, default=13)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--hop", type=float, default=0.02)
    parser.add_argument("--baseline-rev", default=DEFAULT_BASELINE_REV,
                        help="git revision to compare with ('none': this checkout only)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the two code versions this many times (minimum kept)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the synthetic data and its preprocessed-EEG cache, kept "
                             "for the next run (default: a temporary folder)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(time_benchmarks(args, Path(args.folder))))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="eeg-perf-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        dataset, _ = build(args, folder)
        start = time.perf_counter()
        for subject in dataset.subjects:
            dataset.subject_eeg(subject)
        preprocessing = time.perf_counter() - start
        print(f"shapes: {args.subjects} subjects, {args.sentences} sentences, {args.channels} "
              f"channels at {SFREQ:g} Hz; {args.layers} layers x {args.dim} features, hop "
              f"{args.hop * 1000:g} ms; 22 windows; CPU cores: {os.cpu_count()}; load average "
              f"{os.getloadavg()[0]:.1f}")
        print(f"EEG preprocessing, all subjects (once; then cached): {preprocessing:7.1f} s")
        worker_args = [*_arguments(args), "--folder", str(folder)]
        compare = args.baseline_rev.lower() != "none"
        runs: dict[str, list[dict]] = {"now": [], "baseline": []}
        with (baseline_code(args.baseline_rev) if compare else _no_code()) as code:
            for _ in range(args.rounds):  # alternate, so changing load hits both alike
                runs["now"].append(run_worker(__file__, worker_args))
                if compare:
                    runs["baseline"].append(run_worker(__file__, worker_args, code))
        current = _best(runs["now"])
        baseline = _best(runs["baseline"]) if compare else None
        header = f"  {'metric':13s} {'now wall':>9s} {'CPU':>6s}"
        if baseline:
            header += (f" {args.baseline_rev[:8] + ' wall':>14s} {'CPU':>6s} {'ratio wall':>11s}"
                       f" {'CPU':>6s} {'max |d raw|':>12s}")
        print(f"\neight benchmarks, activations cached (seconds, minimum over {args.rounds} "
              "round(s); the first includes the PCA features and EEG frames the others reuse):")
        print(header)
        for metric in [*EIGHT, "total"]:
            line = f"  {metric:13s} {current['times'][metric]:9.1f} {current['cpu'][metric]:6.1f}"
            if baseline:
                old, old_cpu = baseline["times"][metric], baseline["cpu"][metric]
                change = (abs(current["raws"][metric] - baseline["raws"][metric])
                          if metric != "total" else float("nan"))
                line += (f" {old:14.1f} {old_cpu:6.1f} {old / current['times'][metric]:10.2f}x "
                         f"{old_cpu / current['cpu'][metric]:5.2f}x {change:12.1e}")
            print(line)
        print(f"  (load average {os.getloadavg()[0]:.1f})")
        print("\nthroughput, one 250 ms window (comparisons / s):")
        print(f"  {'metric':13s} {'batched':>10s} {'loop':>10s} {'ratio':>7s}")
        for metric, batched, looped in throughput(args):
            print(f"  {metric:13s} {batched:10.0f} {looped:10.0f} {batched / looped:6.1f}x")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _no_code():
    yield None


def _best(runs: list[dict]) -> dict:
    """Per metric, the minimum wall and CPU time over the runs, with their totals."""
    out = {key: {metric: min(run[key][metric] for run in runs) for metric in EIGHT}
           for key in ("times", "cpu")}
    for key in ("times", "cpu"):
        out[key]["total"] = sum(out[key].values())
    out["raws"] = runs[0]["raws"]
    return out


if __name__ == "__main__":
    main()
