"""Golden score records: the records of the demo, the fMRI fixture and the EEG fixtures, made by
the library as it stands, compared field by field with the committed ``tests/golden/*.json``.

They guard restructurings that must not move a number. A benchmark or model whose numbers move
on purpose gets a new version; the comparison then asks for the goldens to be regenerated:

    python tests/golden_records.py            # rewrites tests/golden/*.json

Compared: every field of every record, numbers to 1e-12 (absolute or relative), except what
changes from run to run or machine to machine (:data:`VOLATILE`: time stamps, wall times, the
git commit, package version and platform) and the values of ``data_checksums`` (the fixtures'
MATLAB files carry their creation time; which files are summed is compared).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = "python tests/golden_records.py"
TOLERANCE = 1e-12
#: Record fields that differ between runs or machines: not compared.
VOLATILE = {("provenance", "timestamp"), ("provenance", "wall_time_s"),
            ("provenance", "extraction_time_s"), ("provenance", "git_commit"),
            ("provenance", "package_version"), ("provenance", "platform")}
FMRI_IDS = ("nh2015.voxel-ridge", "nh2015.component-ridge", "nh2015.rsa", "b2021.voxel-ridge",
            "b2021.rsa")


def _run(args: list[str]) -> None:
    from brainscore_audio.cli import main

    code = main([*args, "--quiet"])
    if code != 0:
        raise RuntimeError(f"benchmark {' '.join(args)} exited {code}")


def _read(folder: Path, case: str) -> dict[str, dict]:
    records = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        records[f"{case}__{record['model']['id']}__{record['benchmark']['id']}"] = record
    return records


@contextmanager
def _environment(**values: str):
    """Environment variables set for a block (restored after)."""
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield


def demo(work: Path) -> dict[str, dict]:
    """logmel and random-cnn on the embedded demo benchmarks."""
    out = work / "demo"
    _run(["run", "--model", "logmel", "random-cnn", "--benchmark", "demo.voxel-ridge", "demo.rsa",
          "--output", str(out), "--cache-dir", str(work / "cache")])
    return _read(out, "demo")


def fmri(work: Path) -> dict[str, dict]:
    """Precomputed planted activations on a tiny synthetic Tuckute et al. release (all five fMRI
    benchmarks)."""
    from brainscore_audio_benchmarks.tuckute2023 import release, synthetic

    rel = synthetic.write_release(work / "release", nh2015_subjects=2,
                                  nh2015_voxels_per_subject=3, nh2015_two_session_voxels=2,
                                  b2021_subjects=2, b2021_voxels_per_subject=3, n_layers=2,
                                  dim=40, seed=1, reliability_range=(0.2, 0.6))
    activations = rel.write_activations(work / "fmri-activations.npz")
    out = work / "fmri"
    with _environment(**{release.COUNTS_ENV: release.counts_json(rel.counts)}):
        _run(["run", "--activations", str(activations), "--stimulus-set", "nh2015",
              "--model-id", "planted", "--benchmark", *FMRI_IDS, "--data-dir", str(rel.root),
              "--output", str(out)])
    return _read(out, "fmri")


def _shared_data() -> Path:
    """``shared/data`` beside the clone (as the root conftest finds it)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    raise FileNotFoundError("shared/data not found beside the clone (CI provides ../shared/data)")


def eeg(work: Path) -> dict[str, dict]:
    """logmel on the Alice fixture and the Broderick fixture (release 1.0.8, built from the real
    tree listing), one RSA and one CKA metric each."""
    from brainscore_audio_benchmarks.alice2019 import data as alice_data
    from brainscore_audio_benchmarks.alice2019 import fixture as alice_fixture
    from brainscore_audio_benchmarks.alice2019 import release as alice_release
    from brainscore_audio_benchmarks.broderick2018 import data as broderick_data
    from brainscore_audio_benchmarks.broderick2018 import fixture as broderick_fixture

    layouts = _shared_data() / "real-layouts" / "openneuro-ds004408"
    writers = {
        "alice2019": lambda root: alice_fixture.write_release(root / alice_data.FOLDER),
        "broderick2018": lambda root: broderick_fixture.write_release(
            root / broderick_data.FOLDER, layouts, "1.0.8"),
    }
    records = {}
    for name, write in writers.items():
        data_dir = work / f"{name}-data"
        write(data_dir)
        out = work / name
        # the Alice fixture's table is small: its counts are declared (the published enforced)
        with _environment(**{alice_release.COUNTS_ENV: alice_fixture.COUNTS_JSON}):
            _run(["run", "--model", "logmel", "--benchmark", f"{name}.rsa-spearman",
                  f"{name}.cka-linear", "--data-dir", str(data_dir), "--output", str(out),
                  "--cache-dir", str(work / "cache")])
        records |= _read(out, "eeg")
    return records


CASES: dict[str, Callable[[Path], dict[str, dict]]] = {"demo": demo, "fmri": fmri, "eeg": eeg}


def produce(case: str, work: Path) -> dict[str, dict]:
    """The records of one case, made in ``work`` (a fresh folder)."""
    return CASES[case](work)


def golden(case: str) -> dict[str, dict]:
    """The committed golden records of one case."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(GOLDEN.glob(f"{case}__*.json"))}


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``actual`` differs from ``expected`` (numbers to :data:`TOLERANCE`)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            here = f"{where}.{key}" if where else key
            if tuple(here.split(".")) in VOLATILE or (where == "data_checksums"
                                                       and key in expected and key in actual):
                continue
            if key not in actual or key not in expected:
                out.append(f"{here}: {'missing' if key not in actual else 'unexpected'}")
            else:
                out += differences(expected[key], actual[key], here)
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(actual)} items, golden has {len(expected)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in differences(e, a, f"{where}[{i}]")]
    numbers = (int, float)
    if (isinstance(expected, numbers) and isinstance(actual, numbers)
            and not isinstance(expected, bool) and not isinstance(actual, bool)):
        if math.isclose(expected, actual, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return []
        return [f"{where}: {actual!r}, golden {expected!r}"]
    return [] if expected == actual else [f"{where}: {actual!r}, golden {expected!r}"]


def version_changes(expected: dict, actual: dict) -> list[str]:
    """Benchmark and model versions that differ from the golden record's (numbers may move)."""
    changes = []
    for part in ("benchmark", "model"):
        old, new = expected[part]["version"], actual[part]["version"]
        if old != new and not (part == "model" and actual["model"]["source"] == "precomputed"):
            changes.append(f"{part} {actual[part]['id']} is version {new}, golden {old}")
    return changes


def write(case: str, records: dict[str, dict]) -> None:
    """Replace the goldens of ``case`` by ``records``."""
    GOLDEN.mkdir(exist_ok=True)
    for path in GOLDEN.glob(f"{case}__*.json"):
        path.unlink()
    for name, record in records.items():
        kept = {k: v for k, v in record.items()}
        kept["provenance"] = {k: v for k, v in record["provenance"].items()
                              if ("provenance", k) not in VOLATILE}
        kept["data_checksums"] = dict.fromkeys(record["data_checksums"], "not compared")
        (GOLDEN / f"{name}.json").write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n",
                                             encoding="utf-8")


def main(cases: list[str]) -> int:
    for case in cases or list(CASES):
        with tempfile.TemporaryDirectory() as work, \
                _environment(BRAINSCORE_AUDIO_CACHE=str(Path(work) / "cache"),
                             BRAINSCORE_AUDIO_DATA=str(Path(work) / "data")):
            records = produce(case, Path(work))
        write(case, records)
        print(f"{case}: {len(records)} golden record(s) written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main(sys.argv[1:]))
