"""Wall time of the fMRI voxel regression on NH2015- and B2021-shaped planted data, against a
straightforward per-voxel scikit-learn loop over the same folds and grid.

What is timed:

- ``benchmark``: ``VoxelRidgeBenchmark.__call__`` (the whole score: nested ridge with the joint
  layer/alpha choice and the per-layer profile, reliability, aggregation), activations in
  memory, as ``benchmark run`` does once activations are cached.
- ``joint only``: ``nested_ridge_cv(per_layer=False)``, the joint (layer, alpha) choice alone.
- ``reference``: ``tests/reference_ridge.py`` (scikit-learn ``Ridge`` per voxel, the same
  folds, grid, edge extension and pooled scoring; joint choice only) on a few voxels, scaled
  linearly to all voxels. The chosen (alpha, layer) of those voxels and their R^2 are checked
  against the benchmark's (identical choices, |dR^2| < 1e-6).

Data (planted, seeded): 165 stimuli and the shipped Pepino et al. folds; ``--layers`` layers of
``--dim`` features from a random tanh network (each layer a noisy function of the previous);
voxels read out 20 principal directions of the middle layer, z-scored, plus session noise of
s.d. U(0.3, 1.5) per voxel (3 sessions); NH2015: 7,694 voxels over 8 subjects, B2021: 26,792
over 20.

Wall times are the minimum over ``--repeats`` runs in this process; the 1-minute load average
is printed because other work on the machine slows every figure. Usage::

    python perf/fmri_ridge.py                      # both shapes, 13 x 768, 1 reference voxel
    python perf/fmri_ridge.py --only nh2015 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reference_ridge import reference_nested_ridge  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=13)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--reference-voxels", type=int, default=1,
                        help="voxels for the scikit-learn reference (0: skip it)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=sorted(SHAPES))
    args = parser.parse_args()

    folds = np.loadtxt(FOLDS_FILE, dtype=np.int64, comments="#")
    layers = planted_layers(args.layers, args.dim)
    names = [f"layer{i}" for i in range(args.layers)]
    ids = [f"s{i}" for i in range(N_STIMULI)]
    stimuli = array_stimulus_set("perf", ids, [np.zeros(16, np.float32)] * N_STIMULI, 16000)
    activations = StimulusActivations(ids, dict(zip(names, layers, strict=True)), "mean")
    print(f"{args.layers} layers x {args.dim} features, {N_STIMULI} stimuli, {os.cpu_count()} "
          f"CPU cores, load average {os.getloadavg()[0]:.1f}")

    reference_per_voxel = None
    for shape in ([args.only] if args.only else list(SHAPES)):
        n_voxels, n_subjects = SHAPES[shape]
        responses = planted_voxels(layers[args.layers // 2], n_voxels, n_subjects)
        dataset = FMRIDataset(stimuli, responses, folds, "Pepino et al. 2025")
        benchmark = VoxelRidgeBenchmark(f"{shape}.perf", lambda d=dataset: d)
        wall, cpu, score = minimum_time(lambda b=benchmark: b(activations), args.repeats)
        targets = responses.mean()
        joint_wall, _, _ = minimum_time(
            lambda t=targets: nested_ridge_cv([x.astype(np.float64) for x in layers], t, folds,
                                              per_layer=False), args.repeats)
        if reference_per_voxel is None and args.reference_voxels > 0:
            x64 = [x.astype(np.float64) for x in layers]
            start = time.perf_counter()
            for v in range(args.reference_voxels):
                r2, chosen, _ = reference_nested_ridge(x64, targets[:, v], folds, DEFAULT_ALPHAS)
                ours = list(zip(score.artefacts["voxel_alpha_per_fold"][:, v].tolist(),
                                score.artefacts["voxel_layer_per_fold"][:, v].tolist(),
                                strict=True))
                assert [(float(a), int(i)) for a, i in chosen] == ours, f"voxel {v}: {chosen}"
                assert abs(r2 - score.artefacts["voxel_r2"][v]) < 1e-6, f"voxel {v}"
            reference_per_voxel = (time.perf_counter() - start) / args.reference_voxels
            print(f"reference (scikit-learn, per voxel, joint choice): "
                  f"{reference_per_voxel:.2f} s per voxel; its {args.reference_voxels} voxels "
                  "agree with the benchmark (same choices, |dR^2| < 1e-6)")
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        versus = ""
        if reference_per_voxel is not None:
            reference = reference_per_voxel * n_voxels
            versus = f"; reference scaled {reference / 3600:.1f} h -> {reference / wall:,.0f}x faster"
        print(f"{shape}: {n_voxels} voxels / {n_subjects} subjects: benchmark {wall:.2f} s wall "
              f"({cpu:.1f} s CPU), joint choice only {joint_wall:.2f} s{versus}; raw "
              f"{score.raw:.3f}, peak memory {memory:.0f} MB, load average "
              f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
