"""NH2015, NH2015comp and B2021 end to end on synthetic releases in the exact release layout.

- The five benchmarks run through the CLI (`benchmark run --activations ... --data-dir ...`) and
  their records are checked against independent implementations on all targets of a tiny
  release: the per-target scikit-learn nested ridge (tests/reference_ridge.py), and RSA with
  rsatoolbox RDMs and scipy's Spearman.
- A larger release with planted ground truth: the planted layer is chosen, the planted R^2 and
  reliability are recovered; ROI profiles and artefacts are there.
- `benchmark fetch nh2015` against a loopback HTTP server serving a tar of a release.
- Finding the release from --data-dir, validation errors (one line, naming the file), folds,
  the checksum cache.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from brainscore_audio_benchmarks.tuckute2023 import checksums, release, synthetic
from brainscore_audio_benchmarks.tuckute2023 import folds as fold_module
from scipy.stats import spearmanr

from brainscore_audio.cli import main
from brainscore_audio.download import sha256_file
from brainscore_audio.errors import UserError
from brainscore_audio.metrics.ridge import DEFAULT_ALPHAS
from brainscore_audio.registry import benchmarks, stimulus_sets

IDS = ("nh2015.voxel-ridge", "nh2015.component-ridge", "nh2015.rsa", "b2021.voxel-ridge",
       "b2021.rsa")


def _reference_module():
    path = Path(__file__).resolve().parents[2] / "tests" / "reference_ridge.py"
    spec = importlib.util.spec_from_file_location("reference_ridge", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference_nested_ridge = _reference_module().reference_nested_ridge


def _run_all(rel: synthetic.SyntheticRelease, out: Path, data_dir: Path) -> dict[str, dict]:
    """Run the five benchmarks through the CLI with the fixture's counts; records by id."""
    activations = rel.write_activations(out.parent / f"{out.name}-activations.npz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
        code = main(["run", "--activations", str(activations), "--stimulus-set", "nh2015",
                     "--benchmark", *IDS, "--data-dir", str(data_dir), "--output", str(out),
                     "--quiet"])
    assert code == 0
    records = {}
    for path in out.glob("*.json"):
        record = json.loads(path.read_text())
        record["_artefacts"] = (np.load(out / next(iter(record["artefacts"].values())))
                                if record["artefacts"] else None)
        records[record["benchmark"]["id"]] = record
    assert sorted(records) == sorted(IDS)
    return records


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny release (6 NH2015 + 6 B2021 voxels) small enough for full reference runs."""
    root = tmp_path_factory.mktemp("tiny")
    rel = synthetic.write_release(root / "release", nh2015_subjects=2, nh2015_voxels_per_subject=3,
                                  nh2015_two_session_voxels=2, b2021_subjects=2,
                                  b2021_voxels_per_subject=3, n_layers=2, dim=40, seed=1,
                                  reliability_range=(0.2, 0.6))
    return rel, _run_all(rel, root / "out", rel.root)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A larger release with planted truth; the data folder itself is given as --data-dir."""
    root = tmp_path_factory.mktemp("planted")
    rel = synthetic.write_release(root / "release", nh2015_subjects=3,
                                  nh2015_voxels_per_subject=40, b2021_subjects=4,
                                  b2021_voxels_per_subject=25, b2021_nonfinite_voxels=2, seed=2)
    return rel, _run_all(rel, root / "out", rel.data)


def _subject_mean_of_medians(values: np.ndarray, subjects: np.ndarray) -> float:
    return float(np.mean([np.median(values[subjects == s]) for s in np.unique(subjects)]))


def _reference_reliability(responses: np.ndarray) -> np.ndarray:
    """Mean pairwise session correlation, Spearman-Brown corrected: ``(v,)``."""
    out = []
    for v in range(responses.shape[1]):
        r = np.mean([np.corrcoef(responses[:, v, a], responses[:, v, b])[0, 1]
                     for a, b in ((0, 1), (0, 2), (1, 2))])
        out.append(3 * r / (1 + 2 * r))
    return np.array(out)


@pytest.mark.parametrize("part", ["nh2015", "b2021"])
@pytest.mark.slow
def test_voxel_ridge_record_equals_per_voxel_sklearn_reference(tiny, part):
    rel, records = tiny
    record = records[f"{part}.voxel-ridge"]
    art = record["_artefacts"]
    responses = (release.read_nh2015 if part == "nh2015" else release.read_b2021)(rel.data,
                                                                                 rel.counts)
    layers = [x.astype(np.float64) for x in rel.layers.values()]
    folds = fold_module.pepino_folds()
    targets = responses.mean()
    r2 = np.zeros(targets.shape[1])
    for v in range(targets.shape[1]):
        r2[v], chosen, _ = reference_nested_ridge(layers, targets[:, v], folds, DEFAULT_ALPHAS)
        assert abs(art["voxel_r2"][v] - r2[v]) < 1e-6
        assert [(float(a), int(i)) for a, i in chosen] == list(zip(
            art["voxel_alpha_per_fold"][:, v].tolist(), art["voxel_layer_per_fold"][:, v].tolist(),
            strict=True))
    subjects = responses.subjects
    assert record["raw"] == pytest.approx(_subject_mean_of_medians(r2, subjects), abs=1e-6)
    per_subject = {s: float(np.median(r2[subjects == s])) for s in np.unique(subjects)}
    assert record["per_subject"] == pytest.approx(per_subject, abs=1e-6)
    values = np.array(list(per_subject.values()))
    assert record["error"] == pytest.approx(values.std(ddof=1) / np.sqrt(len(values)), abs=1e-6)
    reliability = np.clip(_reference_reliability(responses.responses), 0, 1)
    assert record["ceiling"] == pytest.approx(_subject_mean_of_medians(reliability, subjects))
    assert record["ceiled"] == pytest.approx(record["raw"] / record["ceiling"])
    # One layer offered at a time (the per-layer profile), for the first voxel.
    for layer, name in enumerate(rel.layers):
        expected, _, _ = reference_nested_ridge(layers, targets[:, 0], folds, DEFAULT_ALPHAS,
                                                [layer])
        assert abs(art["voxel_r2_per_layer"][layer, 0] - expected) < 1e-6, name


@pytest.mark.slow
def test_component_ridge_record_equals_sklearn_reference(tiny):
    rel, records = tiny
    record = records["nh2015.component-ridge"]
    layers = [x.astype(np.float64) for x in rel.layers.values()]
    folds = fold_module.pepino_folds()
    expected = {}
    for k, name in enumerate(synthetic.COMPONENTS):
        expected[name], chosen, _ = reference_nested_ridge(layers, rel.components[:, k], folds,
                                                           DEFAULT_ALPHAS)
        assert record["details"]["alpha_per_fold"][name] == [a for a, _ in chosen]
        assert record["details"]["layer_per_fold"][name] == [list(rel.layers)[i]
                                                             for _, i in chosen]
    assert record["details"]["per_component"] == pytest.approx(expected, abs=1e-6)
    assert record["raw"] == pytest.approx(np.mean(list(expected.values())), abs=1e-6)
    assert record["ceiling"] is None and record["ceiled"] is None and record["error"] is None
    assert record["parameters"]["components"] == list(synthetic.COMPONENTS)


def _reference_rdm(features: np.ndarray) -> np.ndarray:
    import rsatoolbox

    z = (features - features.mean(0)) / features.std(0)
    return rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(z),
                                   method="correlation").get_matrices()[0]


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    upper = np.triu_indices(a.shape[0], 1)
    return float(spearmanr(a[upper], b[upper])[0])


def _reference_rsa(rel, part, rois=None):
    """``(rho (layers, subjects), subjects, topline per subject)`` with rsatoolbox + scipy."""
    responses = (release.read_nh2015 if part == "nh2015" else release.read_b2021)(rel.data,
                                                                                 rel.counts)
    keep = np.all(np.isfinite(responses.responses), axis=(0, 2))
    if rois is not None:
        keep &= responses.rois == rois
    mean = responses.mean()
    subjects = [s for s in dict.fromkeys(responses.subjects[keep])
                if np.sum(keep & (responses.subjects == s)) >= 2]
    brain = [_reference_rdm(mean[:, keep & (responses.subjects == s)]) for s in subjects]
    models = [_reference_rdm(x.astype(np.float64)) for x in rel.layers.values()]
    rho = np.array([[_spearman(b, m) for b in brain] for m in models])
    topline = [_spearman(brain[i], np.mean([b for j, b in enumerate(brain) if j != i], axis=0))
               for i in range(len(brain))]
    return rho, subjects, np.array(topline)


@pytest.mark.parametrize("part", ["nh2015", "b2021"])
def test_rsa_record_equals_rsatoolbox_scipy_reference(tiny, part):
    rel, records = tiny
    record = records[f"{part}.rsa"]
    rho, subjects, topline = _reference_rsa(rel, part)
    per_layer = rho.mean(axis=1)
    best = int(np.argmax(per_layer))
    assert record["per_layer"] == pytest.approx(dict(zip(rel.layers, per_layer, strict=True)), abs=1e-9)
    assert record["raw"] == pytest.approx(per_layer.max(), abs=1e-9)
    assert record["chosen_layers"] == [list(rel.layers)[best]]
    assert record["per_subject"] == pytest.approx(dict(zip(subjects, rho[best], strict=True)), abs=1e-9)
    assert record["ceiling"] == pytest.approx(topline.mean(), abs=1e-9)


def test_planted_layer_r2_and_reliability_are_recovered(planted):
    rel, records = planted
    for part in ("nh2015", "b2021"):
        record = records[f"{part}.voxel-ridge"]
        finite = rel.b2021_finite if part == "b2021" else np.ones(len(rel.nh2015_r2), bool)
        subjects = getattr(rel, f"{part}_subjects")[finite]
        planted_r2 = _subject_mean_of_medians(getattr(rel, f"{part}_r2")[finite], subjects)
        planted_rel = _subject_mean_of_medians(getattr(rel, f"{part}_reliability")[finite],
                                               subjects)
        assert record["chosen_layers"][0] == rel.planted_layer
        assert record["details"]["layer_choice_fraction"][rel.planted_layer] > 0.9
        assert abs(record["raw"] - planted_r2) < 0.05, part
        assert abs(record["ceiling"] - planted_rel) < 0.05, part
        assert max(record["per_layer"], key=record["per_layer"].get) == rel.planted_layer
        assert record["details"]["n_voxels_dropped_nonfinite"] == int((~finite).sum())
        art = record["_artefacts"]
        assert len(art["voxel_r2"]) == finite.sum() and set(art["voxel_roi"]) <= {
            *synthetic.ROIS, ""}
        assert set(record["details"]["roi"]) == set(synthetic.ROIS)
        rsa = records[f"{part}.rsa"]
        assert rsa["chosen_layers"] == [rel.planted_layer]
        assert set(rsa["details"]["roi"]) == set(synthetic.ROIS)
        for profile in rsa["details"]["roi"].values():
            assert max(profile["per_layer"], key=profile["per_layer"].get) == rel.planted_layer
        # The ROI profile against the independent RSA reference, for one region.
        rho, _, _ = _reference_rsa(rel, part, rois="Primary")
        assert rsa["details"]["roi"]["Primary"]["per_layer"] == pytest.approx(
            dict(zip(rel.layers, rho.mean(axis=1), strict=True)), abs=1e-9)
    component = records["nh2015.component-ridge"]
    assert component["chosen_layers"][0] == rel.planted_layer and component["raw"] > 0.8


def test_records_carry_checksums_folds_and_citations(planted):
    rel, records = planted
    for benchmark_id, record in records.items():
        checksums_ = record["data_checksums"]
        assert "neural/NH2015/neural_stim_meta.npy" in checksums_
        for name, digest in checksums_.items():
            assert digest == sha256_file(rel.data / name)
        assert record["parameters"]["folds"]["source"] == fold_module.PEPINO_SOURCE
        assert record["stimulus_set"]["n_stimuli"] == 165
        bibtex = benchmarks.make(benchmark_id, data_dir=None).bibtex
        assert "tuckute2023many" in bibtex and "pepino2025better" in bibtex
    for part in ("nh2015", "b2021"):
        for kind in ("voxel-ridge", "rsa"):
            assert records[f"{part}.{kind}"]["parameters"]["voxel_rule"] == \
                release.VOXEL_RULES[part]
    assert release.VOXEL_RULES["nh2015"].startswith("n_reps == 3 in voxel_features_meta.npy")
    for record in records.values():
        counts = record["parameters"]["category_counts"]
        assert counts == {c: [sum(1 for s, f in zip(rel.categories, fold_module.pepino_folds(),
                                                     strict=True) if s == c and f == k)
                              for k in range(5)] for c in sorted(set(rel.categories))}
        assert sorted(sum(v) for v in counts.values()) == list(range(10, 21))
    assert "neural/B2021/df_roi_meta.pkl" in records["b2021.rsa"]["data_checksums"]
    assert "neural/NH2015comp/components.mat" in records["nh2015.component-ridge"][
        "data_checksums"]


def test_fetch_over_http_then_score_from_the_data_root(tiny, tmp_path, http_server, capsys):
    rel, _ = tiny
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "data.tar", "w") as handle:
        handle.add(rel.data, arcname="data")
    url = http_server(served) + "/data.tar"
    root = tmp_path / "root"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
        assert main(["fetch", "nh2015", "--url", url, "--data-dir", str(root)]) == 0
        assert f"ready in {root / 'tuckute2023'}" in capsys.readouterr().out
        manifest = json.loads((root / "tuckute2023" / "fetch.json").read_text())
        assert manifest["sha256"] == sha256_file(served / "data.tar") and manifest["url"] == url
        assert not (root / "tuckute2023.download").exists()  # archive removed after unpacking
        # Present and valid: no download (a dead URL is never contacted).
        assert main(["fetch", "b2021", "--url", "http://127.0.0.1:9/x.tar", "--data-dir",
                     str(root)]) == 0
        activations = rel.write_activations(tmp_path / "A.npz")
        assert main(["run", "--activations", str(activations), "--stimulus-set", "nh2015",
                     "--benchmark", "nh2015.component-ridge", "--data-dir", str(root),
                     "--output", str(tmp_path / "out"), "--quiet"]) == 0
    record = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert record["data_checksums"]["data.tar"] == manifest["sha256"]
    # Without the fixture's counts the real release's are enforced.
    assert main(["fetch", "nh2015", "--data-dir", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "expected 7694" in err and "--force" in err


def test_fetch_force_with_a_wrong_archive_keeps_the_working_release(tiny, tmp_path, http_server,
                                                                     capsys):
    rel, _ = tiny
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "data.tar", "w") as handle:
        handle.add(rel.data, arcname="data")
    with tarfile.open(served / "wrong.tar", "w") as handle:
        handle.add(rel.data / "stimuli", arcname="stimuli")
    (served / "page.tar").write_text("<!doctype html><html>Access denied</html>")
    base = http_server(served)
    root = tmp_path / "root"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
        assert main(["fetch", "nh2015", "--url", f"{base}/data.tar", "--data-dir", str(root)]) == 0
        target = root / release.FOLDER
        before = {p: p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}
        capsys.readouterr()
        for name, message in (("wrong.tar", "archive has no data/neural/ folder; expected the "
                                            "Tuckute et al. 2023 data.tar; the downloaded archive "
                                            "was deleted (the release already there is unchanged)"),
                              ("page.tar", "the server sent an HTML page")):
            assert main(["fetch", "nh2015", "--force", "--url", f"{base}/{name}", "--quiet",
                         "--data-dir", str(root)]) == 2
            err = capsys.readouterr().err.strip()
            assert message in err and err.count("\n") == 0
            assert {p: p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()} == before
            assert sorted(p.name for p in root.iterdir()) == ["tuckute2023", "tuckute2023.download"]
            assert not list((root / "tuckute2023.download").iterdir())  # nothing bad is cached


def test_release_is_found_from_data_dir_variants(tiny, tmp_path):
    rel, _ = tiny
    assert release.locate(rel.root) == rel.data
    assert release.locate(rel.data) == rel.data
    fetched = tmp_path / "root"
    shutil.copytree(rel.data / "neural" / "NH2015", fetched / "tuckute2023" / "data" / "neural" /
                    "NH2015")
    assert release.locate(fetched) == fetched / "tuckute2023" / "data"
    with pytest.raises(UserError, match="benchmark fetch nh2015"):
        release.locate(tmp_path / "empty")


@pytest.fixture
def broken(tiny, tmp_path):
    """A writable copy of the tiny release and its counts."""
    rel, _ = tiny
    shutil.copytree(rel.data, tmp_path / "data")
    return tmp_path / "data", rel.counts


def _error(data: Path, counts, what: str = "validate") -> str:
    with pytest.raises(UserError) as info:
        release.validate(data, counts)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_validation_names_the_file_and_what_was_expected(broken, monkeypatch):
    data, counts = broken
    message = _error(data, release.REAL_COUNTS)
    assert "voxel_features_meta.npy" in message and "expected 7694" in message
    array = np.load(data / release.NH2015 / "voxel_features_array.npy")
    np.save(data / release.NH2015 / "voxel_features_array.npy", array[:, :, :2])
    message = _error(data, counts)
    assert "NH2015/voxel_features_array.npy" in message and "3 sessions" in message
    np.save(data / release.NH2015 / "voxel_features_array.npy", array)
    (data / release.B2021 / "df_roi_meta.pkl").unlink()
    message = _error(data, counts)
    assert "B2021/df_roi_meta.pkl: file not found" in message
    monkeypatch.setitem(sys.modules, "pandas", None)
    message = _error(data, counts)
    assert 'pip install "brainscore-audio[fmri]"' in message and "df_roi_meta.pkl" in message


def test_b2021_names_must_equal_the_nh2015_order(broken):
    from scipy.io import loadmat, savemat

    data, counts = broken
    path = data / release.STIM_INFO
    info = loadmat(path)["stim_info"]
    names = info["stim_names"][0, 0]
    names[[3, 4]] = names[[4, 3]]
    savemat(path, {"stim_info": {k: info[k][0, 0] for k in info.dtype.names}})
    message = _error(data, counts)
    assert "stim_info_v4.mat" in message and "differ at position 3" in message


def test_categories_b2021_ids_and_missing_sessions_are_checked(broken, tiny):
    """stim_info may name more categories than the 11 of the first 165 sounds (it describes all
    192 B2021 sounds); the B2021 voxel ids must equal df_roi_meta's (the authors assert it);
    NH2015 voxels with fewer sessions must be NaN in the sessions they lack."""
    import pandas
    from scipy.io import loadmat, savemat

    data, counts = broken
    rel, _ = tiny
    stimuli = release.read_stimuli(data, counts)
    assert len(stimuli.category_names) == 11 and synthetic.B2021_ONLY_CATEGORY not in \
        stimuli.category_names
    assert stimuli.categories == rel.categories
    path = data / release.STIM_INFO
    info = loadmat(path)["stim_info"]
    fields = {k: info[k][0, 0] for k in info.dtype.names}
    index = fields["category_assignments"]
    moved = int(np.flatnonzero(index[:165, 0] == 3)[0])
    index[moved] = 12  # a 12th category among the first 165 sounds
    savemat(path, {"stim_info": fields})
    message = _error(data, counts)
    assert message == (f"{path}: the first 165 stimuli use 12 categories of "
                       "stim_info.category_labels; expected 11")
    fields["category_labels"] = fields["category_labels"][:, :10]
    index[moved] = 3
    savemat(path, {"stim_info": fields})
    assert "10 category names in stim_info.category_labels; expected at least 11" in \
        _error(data, counts)
    shutil.copy(tiny[0].data / release.STIM_INFO, path)

    table_path = data / release.B2021 / "df_roi_meta.pkl"
    table = pandas.read_pickle(table_path)
    table.loc[2, "voxel_id"] = 999
    table.to_pickle(table_path)
    assert _error(data, counts) == (
        f"{table_path}: voxel_id column does not match the voxels of "
        f"{data / release.B2021 / 'voxel_features_meta.npy'} (first difference at row 2: 999 vs "
        "2); rows must follow the voxel order of the response array")
    table.drop(columns="voxel_id").to_pickle(table_path)
    assert "B2021/df_roi_meta.pkl: table lacks column(s) voxel_id" in _error(data, counts)
    shutil.copy(tiny[0].data / release.B2021 / "df_roi_meta.pkl", table_path)

    array_path = data / release.NH2015 / "voxel_features_array.npy"
    meta = np.load(data / release.NH2015 / "voxel_features_meta.npy")
    array = np.load(array_path)
    two = np.flatnonzero(meta["n_reps"] == 2)
    assert np.isnan(array[:, two, 2]).all() and len(two) >= 2
    array[:, two[:2], 2] = 0.0  # numbers where a session is missing
    np.save(array_path, array)
    assert _error(data, counts) == (
        f"{array_path}: 2 voxels with n_reps == 2 (in voxel_features_meta.npy) hold numbers in "
        "the sessions they lack; expected NaN there (else the n_reps == 3 rule and the "
        "finite-voxel rule disagree)")


def test_components_must_have_six(broken):
    from scipy.io import loadmat, savemat

    data, counts = broken
    path = data / release.COMPONENTS
    content = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    content["R"] = content["R"][:, :5]
    savemat(path, content)
    message = _error(data, counts)
    assert "components.mat" in message and "expected (165, 6)" in message


def test_stimulus_set_order_categories_and_audio_folder(tiny, tmp_path):
    rel, _ = tiny
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
        stimuli = stimulus_sets.make("nh2015", data_dir=rel.root)
        assert stimuli.ids == rel.stimulus_ids and stimuli.categories == rel.categories
        assert stimuli.native_audio(0)[1] == 20000
        # The wavs directly in data/stimuli/ are found too.
        moved = tmp_path / "data"
        shutil.copytree(rel.data, moved)
        for wav in (moved / "stimuli" / "165_natural_sounds").glob("*.wav"):
            wav.rename(moved / "stimuli" / wav.name)
        assert release.read_stimuli(moved).paths[0].parent == moved / "stimuli"
    shutil.rmtree(moved / "stimuli")
    with pytest.raises(UserError, match="stimulus wav not found"):
        release.read_stimuli(moved, rel.counts)


def test_folds_shipped_and_stratified(tiny):
    rel, _ = tiny
    shipped = fold_module.pepino_folds()
    assert np.bincount(shipped).tolist() == [33] * 5
    assert "mrpep/braindnn" in fold_module.FOLDS_FILE.read_text().splitlines()[2]
    fresh = fold_module.stratified_folds(rel.categories, seed=3)
    sizes = sorted(np.unique(rel.categories, return_counts=True)[1].tolist())
    assert sizes == list(range(10, 21))  # unbalanced, like the real categories
    for category in set(rel.categories):
        per_fold = np.bincount(fresh[np.array(rel.categories) == category], minlength=5)
        assert per_fold.max() - per_fold.min() <= 1  # each category spread evenly
    assert np.array_equal(fresh, fold_module.stratified_folds(rel.categories, seed=3))
    assert not np.array_equal(fresh, fold_module.stratified_folds(rel.categories, seed=4))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
        benchmark = benchmarks.make("nh2015.rsa", data_dir=rel.root, folds="stratified",
                                    fold_seed=3)
        parameters = benchmark.parameters()
    assert "seed=3" in parameters["folds"]["source"]
    assert np.array_equal(benchmark.dataset.folds, fresh)
    with pytest.raises(UserError, match="folds='random'"):
        benchmarks.make("nh2015.voxel-ridge", data_dir=None, folds="random")


def test_checksums_are_cached_by_size_and_mtime(broken, monkeypatch):
    data, _ = broken
    (data / checksums.CACHE_NAME).unlink(missing_ok=True)  # copied with the release
    calls = []
    monkeypatch.setattr(checksums, "sha256_file", lambda p: calls.append(p) or sha256_file(p))
    files = list(release.PART_FILES["nh2015comp"])
    first = checksums.cached_sha256(data, files)
    assert len(calls) == 3 and (data / checksums.CACHE_NAME).is_file()
    assert checksums.cached_sha256(data, files) == first and len(calls) == 3
    path = data / release.COMPONENTS
    path.write_bytes(path.read_bytes() + b"\0")
    changed = checksums.cached_sha256(data, files)
    assert len(calls) == 4 and changed[release.COMPONENTS] == sha256_file(path)


def test_a_model_plugin_scores_from_the_release_audio(tiny, tmp_path):
    """`benchmark run --model`: activations are extracted from the release's wavs (20 kHz,
    resampled by the harness) in the canonical order."""
    rel, _ = tiny
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(release.COUNTS_ENV, release.counts_json(rel.counts))
        assert main(["run", "--model", "logmel", "--benchmark", "nh2015.rsa", "--data-dir",
                     str(rel.root), "--cache-dir", str(tmp_path / "cache"), "--output",
                     str(tmp_path / "out"), "--quiet"]) == 0
    record = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert record["model"]["id"] == "logmel" and record["layers_scored"]
    assert record["stimulus_set"]["id"] == "nh2015" and record["stimulus_set"]["n_stimuli"] == 165
    assert -1 <= record["raw"] <= 1
