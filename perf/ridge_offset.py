"""Does a large feature offset change the ridge scores? Issue 11 item 1, on the synthetic NH2015
release of the tuckute2023 tests, with this checkout and with the code at ``--baseline-rev``.

Data: the release the plugin test's ``planted`` fixture writes (3 subjects x 40 NH2015 voxels
and the 6 components, noisy read-outs of a planted 12-dim layer; ``synthetic.write_release``,
seed 2). Features: rank-10 features in 200 dims (the planted layer's 10 leading principal
directions, mixed into 200 dims by a seeded Gaussian matrix), scored as given and with an offset
of 1000 on every dim plus 5e4 on three dims (transformer "massive activations"). A ridge that
centres the features before forming products gives the same scores for both; one that centres
its Gram matrices afterwards loses precision to the offset.

Prints ``nh2015.voxel-ridge`` and ``nh2015.component-ridge`` raw for both feature sets under
both code versions (each version in a fresh process; the library is all they use).

Usage: python perf/ridge_offset.py [--baseline-rev REV]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import DEFAULT_BASELINE_REV, baseline_code, imported_from, run_worker  # noqa: E402

OFFSET, MASSIVE, MASSIVE_DIMS = 1000.0, 5e4, 3


def write_problem(folder: Path) -> None:
    """The synthetic release's voxels, components, folds and the two feature sets, as arrays
    in ``folder/problem.npz`` (written with this checkout's plugin code)."""
    from brainscore_audio_benchmarks.tuckute2023 import release, synthetic
    from brainscore_audio_benchmarks.tuckute2023.folds import pepino_folds

    rel = synthetic.write_release(folder / "release", nh2015_subjects=3,
                                  nh2015_voxels_per_subject=40, b2021_subjects=4,
                                  b2021_voxels_per_subject=25, b2021_nonfinite_voxels=2, seed=2)
    voxels = release.read_nh2015(rel.data, rel.counts)
    components, names = release.read_components(rel.data, rel.stimulus_ids, rel.counts)
    planted = rel.layers[rel.planted_layer].astype(np.float64)
    centred = planted - planted.mean(axis=0)
    directions = np.linalg.svd(centred, full_matrices=False)[0][:, :10] * np.sqrt(len(centred))
    features = directions @ np.random.default_rng(11).standard_normal((10, 200))
    shifted = features + OFFSET
    shifted[:, :MASSIVE_DIMS] += MASSIVE
    np.savez(folder / "problem.npz", responses=voxels.responses, subjects=voxels.subjects,
             voxel_ids=voxels.voxel_ids, components=components, component_names=np.array(names),
             folds=pepino_folds(len(rel.stimulus_ids)), ids=np.array(rel.stimulus_ids),
             features=features, shifted=shifted)


def score(folder: Path) -> dict:
    """Worker: the two benchmarks on both feature sets with this process's library."""
    from brainscore_audio.activations import StimulusActivations
    from brainscore_audio.fmri import (
        ComponentDataset,
        ComponentRidgeBenchmark,
        FMRIDataset,
        VoxelResponses,
        VoxelRidgeBenchmark,
    )
    from brainscore_audio.stimuli import array_stimulus_set

    data = np.load(folder / "problem.npz")
    ids = [str(i) for i in data["ids"]]
    stimuli = array_stimulus_set("nh2015", ids, [np.zeros(16, np.float32)] * len(ids), 16000)
    voxels = VoxelResponses(data["responses"], data["subjects"], data["voxel_ids"])
    voxel_data = FMRIDataset(stimuli, voxels, data["folds"], "Pepino et al. 2025")
    component_data = ComponentDataset(stimuli, data["components"],
                                      [str(c) for c in data["component_names"]], data["folds"],
                                      "Pepino et al. 2025")
    out = {"code": imported_from()}
    for name in ("features", "shifted"):
        # float64 activations: the offset case must not lose the features to float32 rounding
        activations = StimulusActivations(ids, {"rank10": data[name]}, "mean")
        out[name] = {
            "voxel-ridge": VoxelRidgeBenchmark("nh2015.voxel-ridge",
                                               lambda: voxel_data)(activations).raw,
            "component-ridge": ComponentRidgeBenchmark("nh2015.component-ridge",
                                                       lambda: component_data)(activations).raw}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-rev", default=DEFAULT_BASELINE_REV)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(score(Path(args.folder))))
        return
    folder = Path(tempfile.mkdtemp(prefix="ridge-offset-"))
    try:
        write_problem(folder)
        results = {"this checkout": run_worker(__file__, ["--folder", str(folder)])}
        with baseline_code(args.baseline_rev) as code:
            results[f"baseline {args.baseline_rev}"] = run_worker(
                __file__, ["--folder", str(folder)], code)
        print(f"rank-10 features in 200 dims; offset: +{OFFSET:g} on every dim, +{MASSIVE:g} on "
              f"{MASSIVE_DIMS} dims (synthetic NH2015 release, 3 subjects x 40 voxels)")
        print(f"  {'code':22s} {'benchmark':24s} {'no offset':>10s} {'offset':>10s} "
              f"{'difference':>11s}")
        for version, result in results.items():
            for benchmark in ("voxel-ridge", "component-ridge"):
                plain = result["features"][benchmark]
                shifted = result["shifted"][benchmark]
                print(f"  {version:22s} nh2015.{benchmark:17s} {plain:10.4f} {shifted:10.4f} "
                      f"{shifted - plain:11.1e}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
