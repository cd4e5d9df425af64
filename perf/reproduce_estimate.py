"""How long does `benchmark reproduce STUDY` take? Measured extraction speed per architecture,
times the audio each data set holds.

For each model of the study the script times the extraction of the embedded demo's clips (1 s
each) by a model of the same architecture that needs no download: the model's untrained twin
(same layers, same compute; `--model-map` overrides), on `--device`. It prints seconds of
compute per hour of audio and, multiplied by the audio of each data set of the study, the
extraction time per model and data set. Audio durations are read from the fetched data when
`--data-dir` holds it (every clip's length), otherwise the approximate sizes below are used.
Scoring time (ridge, RSA, EEG metrics, the probes' training) comes on top: see
docs/performance.md.

Usage:
    python perf/reproduce_estimate.py pepino2025 [--clips 40] [--device cuda] [--data-dir D]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from brainscore_audio import registry, settings
from brainscore_audio.cache import ActivationCache
from brainscore_audio.extraction import extract
from brainscore_audio.stimuli import StimulusSet

# Approximate audio per data set (hours), used when the data is not fetched: the HEAR tasks as
# their sources describe them (clips x the task's clip length), the fMRI stimuli (165 x 2 s),
# Alice (12.4 min) and ds004408 (20 runs of about 3 min).
APPROXIMATE_HOURS = {
    "nh2015": 165 * 2 / 3600, "hear.esc50": 2000 * 5 / 3600, "hear.gtzan-genre": 1000 * 30 / 3600,
    "hear.crema-d": 7442 * 5 / 3600, "hear.speech-commands": 105_829 / 3600,
    "hear.nsynth-pitch": 50.0, "hear.fsd50k": 108.3, "alice2019": 12.4 / 60,
    "broderick2018": 1.0,
}
# the twin whose compute stands for each model (same architecture, random weights, offline)
TWINS = {
    "beats-iter1": "beats-untrained", "beats-iter2": "beats-untrained",
    "beats-iter3": "beats-untrained", "beats-iter3-as2m-cpt1": "beats-untrained",
    "encodecmae-mel256-ec-small": "encodecmae-mel256-ec-small-untrained",
    "encodecmae-mel256-ec-base": "encodecmae-mel256-ec-base-untrained",
    "encodecmae-mel256-ec-base-as": "encodecmae-mel256-ec-base-untrained",
    "encodecmae-mel256-ec-base-fma": "encodecmae-mel256-ec-base-untrained",
    "encodecmae-mel256-ec-base-ll": "encodecmae-mel256-ec-base-untrained",
    "encodecmae-mel256-ec-base-st-nopn": "encodecmae-mel256-ec-base-untrained",
    "encodecmae-mel256-ec-large": "encodecmae-mel256-ec-large-untrained",
    "encodecmae-mel256-ec-large-st-nopn": "encodecmae-mel256-ec-large-untrained",
    "encodecmae-ec-ec-base": "encodecmae-ec-ec-base-untrained",
    "dasheng-base": "dasheng-base-untrained", "dasheng-06b": "dasheng-06b-untrained",
    "dasheng-12b": "dasheng-12b-untrained",
}


def data_hours(name: str, benchmark_id: str, data_dir: Path | None) -> tuple[float, str]:
    """``(hours of audio, "measured" | "approximate")`` of one data set."""
    try:
        stimuli = registry.benchmarks.make(benchmark_id, data_dir=data_dir).stimulus_set
        seconds = sum(len(a) / r for a, r in (stimuli.native_audio(i)
                                              for i in range(len(stimuli))))
        return seconds / 3600, "measured"
    except Exception:  # noqa: BLE001 - not fetched here: the approximate size
        return APPROXIMATE_HOURS.get(name, float("nan")), "approximate"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study")
    parser.add_argument("--clips", type=int, default=40, help="demo clips (1 s) timed per model")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data-dir")
    parser.add_argument("--only", nargs="+", metavar="ID", help="these study models only")
    args = parser.parse_args()
    recipe = registry.studies.make(args.study)
    data_dir = settings.data_dir(args.data_dir)
    demo = registry.benchmarks.make("demo.rsa", data_dir=None).stimulus_set
    clips = StimulusSet("timing", demo.ids[:args.clips],
                        lambda i: demo.native_audio(i), metadata={})
    audio_s = sum(len(a) / r for a, r in (clips.native_audio(i) for i in range(len(clips))))
    hours = {name: data_hours(name, ids[0], data_dir) for name, ids in recipe.data.items()}
    total_h = sum(h for h, _ in hours.values())
    print(f"{args.study}: audio per model: " + ", ".join(
        f"{name} {h:.2f} h ({how})" for name, (h, how) in hours.items()) + f"; total {total_h:.1f} h")
    print(f"timing {len(clips)} clips ({audio_s:.0f} s of audio) per architecture on {args.device}")
    seen: dict[str, float] = {}
    rows = []
    for name, model_id in recipe.model_ids().items():
        if args.only and model_id not in args.only:
            continue
        twin = TWINS.get(model_id, model_id)
        if twin not in seen:
            model = registry.models.make(twin)
            with tempfile.TemporaryDirectory() as folder:
                start = time.perf_counter()
                extract(model, clips, model.default_layers, "mean",
                        ActivationCache(Path(folder)), args.device, progress=False)
                seen[twin] = (time.perf_counter() - start) / audio_s * 3600  # s per audio hour
        per_hour = seen[twin]
        rows.append((name, twin, per_hour, per_hour * total_h / 3600))
    print(f"{'model':38s} {'timed as':38s} {'s / audio h':>12s} {'all data (h)':>13s}")
    for name, twin, per_hour, total in rows:
        print(f"{name:38s} {twin:38s} {per_hour:12.0f} {total:13.1f}")
    print(f"sum over the study's models: {sum(r[3] for r in rows):.1f} h of extraction "
          f"(scoring comes on top)")


if __name__ == "__main__":
    main()
