"""Wall time of the fMRI voxel regression on NH2015- and B2021-shaped planted data, against the
code at ``--baseline-rev`` in the same run, a GPU when there is one, and a straightforward
per-voxel scikit-learn loop.

What is timed:

- ``benchmark``: ``VoxelRidgeBenchmark.__call__`` (the whole score: nested ridge with the joint
  layer/alpha choice and the per-layer profile, reliability, aggregation), activations in
  memory, as ``benchmark run`` does once activations are cached. Timed with this checkout and
  with the code at ``--baseline-rev`` (each in a fresh process, one after the other, on the same
  data); the ratio old / new is printed, with the largest difference between the two versions'
  per-voxel R^2 and whether every chosen (layer, alpha) is the same.
- ``joint only``: ``nested_ridge_cv(per_layer=False)``, the joint (layer, alpha) choice alone.
- ``gpu``: when torch sees a CUDA device, the same benchmark with ``device = "cuda"`` (the torch
  path of the ridge), checked against the CPU numbers.
- ``reference``: ``tests/reference_ridge.py`` (scikit-learn ``Ridge`` per voxel, the same
  folds, grid, edge extension and pooled scoring; joint choice only) on a few voxels, scaled
  linearly to all voxels. The chosen (alpha, layer) of those voxels and their R^2 are checked
  against the benchmark's (identical choices, |dR^2| < 1e-6).

Data (planted, seeded): 165 stimuli and the shipped Pepino et al. folds; ``--layers`` layers of
``--dim`` features from a random tanh network (each layer a noisy function of the previous);
voxels read out 20 principal directions of the middle layer, z-scored, plus session noise of
s.d. U(0.3, 1.5) per voxel (3 sessions); NH2015: 7,694 voxels over 8 subjects, B2021: 26,792
over 20.

Wall times are the minimum over ``--repeats`` runs; CPU time is that run's process time. The
1-minute load average is printed because other work on the machine slows every figure. Usage::

    python perf/fmri_ridge.py                      # both shapes, 13 x 768, 1 reference voxel
    python perf/fmri_ridge.py --only nh2015 --repeats 5 --reference-voxels 0
    python perf/fmri_ridge.py --baseline-rev none  # this checkout only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "perf"))

from baseline import DEFAULT_BASELINE_REV, baseline_code, imported_from, run_worker  # noqa: E402

from brainscore_audio.activations import StimulusActivations  # noqa: E402
from brainscore_audio.fmri import FMRIDataset, VoxelResponses, VoxelRidgeBenchmark  # noqa: E402
from brainscore_audio.metrics.ridge import DEFAULT_ALPHAS, nested_ridge_cv  # noqa: E402
from brainscore_audio.stimuli import array_stimulus_set  # noqa: E402

SHAPES = {"nh2015": (7694, 8), "b2021": (26792, 20)}
FOLDS_FILE = ROOT / "benchmarks" / "tuckute2023" / "nh2015-folds-pepino2025.txt"
N_STIMULI = 165


def planted_layers(n_layers: int, dim: int, seed: int = 0) -> list[np.ndarray]:
    """``n_layers`` arrays ``(165, dim)`` (float32 values, as activations are stored)."""
    rng = np.random.default_rng(seed)
    hidden = rng.standard_normal((N_STIMULI, 64))
    layers = []
    for _ in range(n_layers):
        hidden = np.tanh(hidden @ rng.standard_normal((hidden.shape[1], dim))
                         / np.sqrt(hidden.shape[1])) + 0.3 * rng.standard_normal((N_STIMULI, dim))
        layers.append(hidden.astype(np.float32))
    return layers


def planted_voxels(layer: np.ndarray, n_voxels: int, n_subjects: int,
                   seed: int = 1) -> VoxelResponses:
    """Voxels reading out 20 principal directions of ``layer``, 3 noisy sessions each."""
    rng = np.random.default_rng(seed)
    centred = layer.astype(np.float64) - layer.mean(axis=0)
    directions = np.linalg.svd(centred, full_matrices=False)[0][:, :20]
    signal = directions @ rng.standard_normal((20, n_voxels))
    signal = (signal - signal.mean(0)) / signal.std(0)
    noise = rng.standard_normal((N_STIMULI, n_voxels, 3)) * rng.uniform(0.3, 1.5, n_voxels)[
        None, :, None]
    subjects = np.repeat([f"S{s + 1:02d}" for s in range(n_subjects)],
                         -(-n_voxels // n_subjects))[:n_voxels]
    return VoxelResponses(signal[:, :, None] + noise, subjects, np.arange(n_voxels))


def minimum_time(function, repeats: int) -> tuple[float, float, object]:
    """``(min wall s, process CPU s of that run, result)``."""
    best = (np.inf, np.inf, None)
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = function()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if wall < best[0]:
            best = (wall, cpu, out)
    return best


def problem(shape: str, n_layers: int, dim: int):
    """``(layers, names, activations, dataset)`` of one shape."""
    folds = np.loadtxt(FOLDS_FILE, dtype=np.int64, comments="#")
    layers = planted_layers(n_layers, dim)
    names = [f"layer{i}" for i in range(n_layers)]
    ids = [f"s{i}" for i in range(N_STIMULI)]
    stimuli = array_stimulus_set("perf", ids, [np.zeros(16, np.float32)] * N_STIMULI, 16000)
    activations = StimulusActivations(ids, dict(zip(names, layers, strict=True)), "mean")
    n_voxels, n_subjects = SHAPES[shape]
    responses = planted_voxels(layers[n_layers // 2], n_voxels, n_subjects)
    return layers, activations, FMRIDataset(stimuli, responses, folds, "Pepino et al. 2025")


def worker(args) -> dict:
    """Time this process's code on one shape; per-voxel results go to ``args.output``."""
    layers, activations, dataset = problem(args.only, args.layers, args.dim)
    benchmark = VoxelRidgeBenchmark(f"{args.only}.perf", lambda: dataset)
    wall, cpu, score = minimum_time(lambda: benchmark(activations), args.repeats)
    joint_wall, _, _ = minimum_time(
        lambda: nested_ridge_cv([x.astype(np.float64) for x in layers], dataset.responses.mean(),
                                dataset.folds, per_layer=False), args.repeats)
    out = {"wall": wall, "cpu": cpu, "joint_wall": joint_wall, "raw": score.raw,
           "memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "code": imported_from()}
    arrays = {name: score.artefacts[name] for name in
              ("voxel_r2", "voxel_alpha_per_fold", "voxel_layer_per_fold", "voxel_r2_per_layer")}
    np.savez(args.output, **arrays)
    if args.gpu:
        import torch

        if torch.cuda.is_available():
            benchmark.device = "cuda"
            gpu_wall, _, gpu_score = minimum_time(lambda: benchmark(activations), args.repeats)
            same = all(np.array_equal(gpu_score.artefacts[name], arrays[name]) for name in
                       ("voxel_alpha_per_fold", "voxel_layer_per_fold"))
            out["gpu"] = {"wall": gpu_wall, "device": torch.cuda.get_device_name(0),
                          "same_choices": same, "max_r2_difference": float(np.max(np.abs(
                              gpu_score.artefacts["voxel_r2"] - arrays["voxel_r2"])))}
    return out


def _compare(new: Path, old: Path) -> tuple[bool, float]:
    """``(same choices, max |d voxel R^2|)`` between two workers' artefacts."""
    a, b = np.load(new), np.load(old)
    same = all(np.array_equal(a[k], b[k]) for k in ("voxel_alpha_per_fold",
                                                     "voxel_layer_per_fold"))
    return same, float(np.max(np.abs(a["voxel_r2"] - b["voxel_r2"])))


def _reference(args, shape: str, artefacts: Path) -> float:
    """Seconds per voxel of the scikit-learn reference, after checking its voxels."""
    from reference_ridge import reference_nested_ridge

    layers, _, dataset = problem(shape, args.layers, args.dim)
    ours = np.load(artefacts)
    x64 = [x.astype(np.float64) for x in layers]
    targets = dataset.responses.mean()
    start = time.perf_counter()
    for v in range(args.reference_voxels):
        r2, chosen, _ = reference_nested_ridge(x64, targets[:, v], dataset.folds, DEFAULT_ALPHAS)
        expected = list(zip(ours["voxel_alpha_per_fold"][:, v].tolist(),
                            ours["voxel_layer_per_fold"][:, v].tolist(), strict=True))
        assert [(float(a), int(i)) for a, i in chosen] == expected, f"voxel {v}: {chosen}"
        assert abs(r2 - ours["voxel_r2"][v]) < 1e-6, f"voxel {v}"
    return (time.perf_counter() - start) / args.reference_voxels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=13)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--reference-voxels", type=int, default=1,
                        help="voxels for the scikit-learn reference (0: skip it)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=sorted(SHAPES))
    parser.add_argument("--baseline-rev", default=DEFAULT_BASELINE_REV,
                        help="git revision to compare with ('none': this checkout only)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gpu", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return

    print(f"{args.layers} layers x {args.dim} features, {N_STIMULI} stimuli, {os.cpu_count()} "
          f"CPU cores, load average {os.getloadavg()[0]:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="fmri-perf-"))
    try:
        reference_per_voxel = None
        for shape in ([args.only] if args.only else list(SHAPES)):
            common = ["--only", shape, "--layers", str(args.layers), "--dim", str(args.dim),
                      "--repeats", str(args.repeats)]
            new = run_worker(__file__, [*common, "--gpu", "--output", str(folder / "new.npz")])
            n_voxels, n_subjects = SHAPES[shape]
            print(f"{shape}: {n_voxels} voxels / {n_subjects} subjects: benchmark "
                  f"{new['wall']:.2f} s wall ({new['cpu']:.1f} s CPU), joint choice only "
                  f"{new['joint_wall']:.2f} s; raw {new['raw']:.4f}, peak memory "
                  f"{new['memory_mb']:.0f} MB, load average {os.getloadavg()[0]:.1f}")
            if args.baseline_rev.lower() != "none":
                with baseline_code(args.baseline_rev) as code:
                    old = run_worker(__file__, [*common, "--output", str(folder / "old.npz")],
                                     code)
                same, change = _compare(folder / "new.npz", folder / "old.npz")
                print(f"  baseline {args.baseline_rev}: {old['wall']:.2f} s wall "
                      f"({old['cpu']:.1f} s CPU), joint choice only {old['joint_wall']:.2f} s; "
                      f"ratio {old['wall'] / new['wall']:.2f}x wall, "
                      f"{old['cpu'] / new['cpu']:.2f}x CPU; same choices: {same}, max |d voxel "
                      f"R^2| {change:.1e}, raw {old['raw']:.4f}")
            if "gpu" in new:
                gpu = new["gpu"]
                print(f"  GPU ({gpu['device']}): {gpu['wall']:.2f} s wall, "
                      f"{new['wall'] / gpu['wall']:.1f}x the CPU; same choices: "
                      f"{gpu['same_choices']}, max |d voxel R^2| {gpu['max_r2_difference']:.1e}")
            else:
                print("  GPU: no CUDA device here")
            if reference_per_voxel is None and args.reference_voxels > 0:
                reference_per_voxel = _reference(args, shape, folder / "new.npz")
                print(f"  reference (scikit-learn, per voxel, joint choice): "
                      f"{reference_per_voxel:.2f} s per voxel; its {args.reference_voxels} "
                      "voxels agree with the benchmark (same choices, |dR^2| < 1e-6)")
            if reference_per_voxel is not None:
                reference = reference_per_voxel * n_voxels
                print(f"  reference scaled to all voxels: {reference / 3600:.1f} h -> "
                      f"{reference / new['wall']:,.0f}x slower than the benchmark")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
