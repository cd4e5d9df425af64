"""``benchmark plot``: each figure type on planted records / leaderboards. The plotted data is
read back from the matplotlib artists and compared with the input; files are checked on disk."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_publish_site import make_record, planted_board

from brainscore_audio import leaderboard, registry
from brainscore_audio.cli import main
from brainscore_audio.errors import UserError
from brainscore_audio.publish import figures
from brainscore_audio.records import write_record
from brainscore_audio.registry import Entry
from brainscore_audio.stimuli import StimulusSet

PNG = b"\x89PNG\r\n\x1a\n"


def _line(fig, label):
    return next(line for line in fig.axes[0].get_lines() if line.get_label() == label)


def test_layer_profile_plots_per_layer_in_depth_order_and_marks_chosen():
    per_layer = {"c": 0.3, "a": 0.1, "b": 0.5}  # stored order differs from depth order
    record = make_record("m", "x.rsa", 0.5, per_layer=per_layer, layers_scored=["a", "b", "c"],
                         chosen=["b"], details={"roi": {"v1": {"per_layer": {"a": 0.2, "b": 0.1,
                                                                             "c": 0.0}}}})
    fig = figures.layer_profile_figure(record)
    line = _line(fig, "per layer")
    assert list(line.get_ydata()) == [0.1, 0.5, 0.3]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    chosen = _line(fig, "chosen")
    assert list(chosen.get_xdata()) == [1] and list(chosen.get_ydata()) == [0.5]
    assert list(_line(fig, "ROI v1").get_ydata()) == [0.2, 0.1, 0.0]
    with pytest.raises(UserError, match="no per-layer values"):
        figures.layer_profile_figure(make_record("m", "x", 0.1, per_layer={}))


def test_category_order_groups_by_first_appearance():
    order, blocks = figures.category_order(["b", "a", "b", "c", "a"])
    assert order.tolist() == [0, 2, 1, 4, 3]
    assert blocks == [("b", 0, 2), ("a", 2, 4), ("c", 4, 5)]


def test_rdm_heatmaps_are_reordered_by_category(rng):
    layer, brain = rng.random((5, 5)), rng.random((5, 5))
    fig = figures.rdm_figure([("layer", layer), ("brain", brain)], ["b", "a", "b", "c", "a"])
    order = [0, 2, 1, 4, 3]
    images = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    np.testing.assert_array_equal(images[0], layer[np.ix_(order, order)])
    np.testing.assert_array_equal(images[1], brain[np.ix_(order, order)])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["b", "a", "c"]
    with pytest.raises(UserError, match="3 stimulus categories for RDMs of 5"):
        figures.rdm_figure([("layer", layer)], ["a", "b", "c"])


def test_scatter_points_and_pearson_r(rng):
    x = {f"m{i}": float(v) for i, v in enumerate(rng.normal(size=6))}
    y = {m: 0.5 * v + 0.1 * rng.normal() for m, v in x.items()}
    y["only-brain"], x["no-brain"] = 0.3, 0.2
    x["nan-model"], y["nan-model"] = None, 0.1
    fig, corr = figures.scatter_figure(x, y, "downstream", "brain")
    models = sorted(f"m{i}" for i in range(6))
    offsets = fig.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(offsets, [[x[m], y[m]] for m in models])
    expected = np.corrcoef([x[m] for m in models], [y[m] for m in models])[0, 1]
    assert corr.n == 6 and corr.r == pytest.approx(expected) and 0 <= corr.p < 0.05
    assert f"r = {expected:.2f}" in fig.axes[0].get_title()
    with pytest.raises(UserError, match="2 model"):
        figures.scatter_figure({"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 3.0}, "d", "b")


def test_layer_window_heatmap_equals_values():
    spec = {"layers": ["l1", "l2", "l3"], "windows": ["N100", "P200"],
            "window_bounds_ms": [[80, 150], [150, 250]],
            "values": [[0.1, 0.2], [0.3, None], [0.5, 0.6]]}
    fig = figures.layer_window_figure(spec, "m on eeg")
    image = np.ma.filled(fig.axes[0].get_images()[0].get_array(), np.nan)
    np.testing.assert_array_equal(image, [[0.1, 0.2], [0.3, np.nan], [0.5, 0.6]])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["N100\n80-150 ms",
                                                                      "P200\n150-250 ms"]
    with pytest.raises(UserError, match=r"shape \(3, 1\)"):
        figures.layer_window_figure({**spec, "values": [[1], [2], [3]]})


def test_scalp_map_interpolates_through_the_electrodes():
    # positions chosen so their head coordinates (farthest at 0.9) fall on grid points
    positions = [[0, 9], [9, 0], [-9, 0], [0, -9], [3, 3], [-4, 2]]
    values = [1.0, 2.0, 3.0, 4.0, 5.0, None]
    spec = {"layer": "l2", "window": "N400", "channels": list("ABCDEF"), "values": values,
            "positions": positions}
    fig = figures.scalp_map_figure(spec, resolution=101)
    ax = fig.axes[0]
    field = np.ma.filled(ax.get_images()[0].get_array(), np.nan)
    for (px, py), v in zip(positions[:5], values[:5], strict=True):
        column, row = round((px / 10 + 1) / 0.02), round((py / 10 + 1) / 0.02)
        assert field[row, column] == pytest.approx(v, abs=1e-6)
    assert np.isnan(field[0, 0]) and np.isfinite(field[50, 50])  # outside vs inside the head
    electrodes = next(c for c in ax.collections if c.get_label() == "electrodes")
    np.testing.assert_allclose(electrodes.get_offsets(), np.array(positions[:5]) / 10)
    np.testing.assert_allclose(electrodes.get_array(), values[:5])
    dropped = next(c for c in ax.collections if c.get_label() == "dropped")
    np.testing.assert_allclose(dropped.get_offsets(), [[-0.4, 0.2]])
    assert "l2" in ax.get_title() and "N400" in ax.get_title()
    collinear = figures.scalp_map_figure({**spec, "positions": [[0, 9 - 3 * i] for i in range(6)]})
    field = np.ma.filled(collinear.axes[0].get_images()[0].get_array(), np.nan)
    for i, v in enumerate(values[:5]):
        assert field[round((0.9 - 0.3 * i + 1) / 0.02), 50] == pytest.approx(v, abs=1e-6)
    bars = figures.scalp_map_figure({**spec, "positions": None})
    heights = [p.get_height() for p in bars.axes[0].patches]
    assert heights == [1.0, 2.0, 3.0, 4.0, 5.0, 0.0]
    with pytest.raises(UserError, match="at least 3"):
        figures.scalp_map_figure({**spec, "values": [1.0, None, None, None, None, 2.0]})


def test_save_writes_png_and_svg(tmp_path):
    fig = figures.layer_profile_figure(make_record("m", "x", 0.5))
    paths = figures.save(fig, tmp_path / "sub" / "fig")
    assert [p.name for p in paths] == ["fig.png", "fig.svg"]
    assert paths[0].read_bytes()[:8] == PNG and paths[0].stat().st_size > 5000
    assert "<svg" in paths[1].read_text()[:500]


# ------------------------------------------------------------------------- the CLI end to end

N = 6
CATEGORIES = ["speech", "music", "speech", "music", "nature", "nature"]


@pytest.fixture
def planted_set(monkeypatch):
    """A 6-stimulus set with categories, registered for the duration of a test."""
    registry.discover_plugins()
    stimuli = StimulusSet("plot-test-set", [f"s{i}" for i in range(N)],
                          lambda i: (np.zeros(160, np.float32), 16000), {"category": CATEGORIES})
    monkeypatch.setitem(registry.stimulus_sets.entries, "plot-test-set",
                        Entry("plot-test-set", lambda data_dir=None: stimuli))
    return stimuli


def _scores(tmp_path, rng):
    """Records in a folder: an RSA record with RDM artefacts, an EEG record with layer x window
    and per-channel details, and a plain one."""
    layer_rdms = rng.random((2, N, N))
    subject_rdms = rng.random((3, N, N))
    rsa = make_record("m1", "fmri.rsa", 0.4, per_layer={"l1": 0.2, "l2": 0.4}, chosen=["l2"],
                      stimulus_set="plot-test-set", n_stimuli=N)
    write_record(rsa, tmp_path, {"layer_rdms": layer_rdms, "subject_rdms": subject_rdms,
                                 "layer_names": np.array(["l1", "l2"]),
                                 "subjects": np.array(["a", "b", "c"])})
    eeg = make_record("m1", "eeg.cka", 0.2, details={
        "layer_by_window": {"layers": ["l1", "l2"], "windows": ["N100"], "values": [[0.1], [0.2]]},
        "per_channel": {"layer": "l2", "window": "N100", "channels": ["Fz", "Cz", "Pz", "Oz"],
                        "values": [0.1, 0.2, 0.3, 0.4],
                        "positions": [[0, 1], [-1, 0], [1, 0], [0, -1]]}})
    write_record(eeg, tmp_path)
    write_record(make_record("m2", "fmri.rsa", 0.3), tmp_path)
    return layer_rdms, subject_rdms


def test_plot_all_writes_every_supported_figure(tmp_path, rng, planted_set, capsys,
                                                monkeypatch):
    layer_rdms, subject_rdms = _scores(tmp_path / "scores", rng)
    captured = {}
    real = figures.rdm_figure

    def spy(panels, categories=None, title=""):
        captured["panels"], captured["categories"] = panels, categories
        return real(panels, categories, title)

    monkeypatch.setattr(figures, "rdm_figure", spy)
    out = tmp_path / "figs"
    assert main(["plot", "all", "--scores", str(tmp_path / "scores"), "--output", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{stem}.{ext}" for ext in ("png", "svg") for stem in [
        "m1__v1__eeg.cka.layers", "m1__v1__eeg.cka.layer-window", "m1__v1__eeg.cka.scalp",
        "m1__v1__fmri.rsa.layers", "m1__v1__fmri.rsa.rdm", "m2__v1__fmri.rsa.layers"])
    assert all((out / n).read_bytes()[:8] == PNG for n in names if n.endswith(".png"))
    # the RDM figure got the chosen layer's RDM, the subjects' mean and the set's categories
    (name0, rdm0), (name1, rdm1) = captured["panels"]
    assert name0 == "m1: l2" and captured["categories"] == CATEGORIES
    np.testing.assert_array_equal(rdm0, layer_rdms[1])
    np.testing.assert_allclose(rdm1, subject_rdms.mean(axis=0))
    assert str(out / "m1__v1__fmri.rsa.rdm.png") in capsys.readouterr().out


def test_plot_rdm_errors_are_one_line(tmp_path, rng, planted_set, capsys):
    _scores(tmp_path, rng)
    board_file = tmp_path / "board" / "lb.json"
    leaderboard.save(leaderboard.build(leaderboard.read_scores(tmp_path)), board_file)
    cases = [
        (["--record", str(tmp_path / "m2__v1__fmri.rsa.json")], "no RDM artefacts"),
        (["--leaderboard", str(board_file), "--model", "m1", "--benchmark", "fmri.rsa"],
         "pass --scores DIR"),
        (["--record", str(tmp_path / "m1__v1__fmri.rsa.json"), "--layer", "l9"], "--layer l9"),
        (["--scores", str(tmp_path), "--model", "nope"], "--model nope: not in the selected"),
    ]
    for extra, message in cases:
        assert main(["plot", "rdm", *extra, "--output", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    # `plot all` skips what it cannot draw, with a warning, and draws the rest
    assert main(["plot", "all", "--leaderboard", str(board_file), "--model", "m1", "--benchmark",
                 "fmri.rsa", "--format", "svg", "--output", str(tmp_path / "a")]) == 0
    assert "warning: skipped the RDM figure" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["m1__v1__fmri.rsa.layers.svg"]
    # with --scores beside --leaderboard the artefacts are found
    assert main(["plot", "rdm", "--leaderboard", str(board_file), "--scores", str(tmp_path),
                 "--model", "m1", "--benchmark", "fmri.rsa", "--format", "svg",
                 "--output", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "m1__v1__fmri.rsa.rdm.svg").is_file()


def test_plot_scatter_from_a_planted_leaderboard(tmp_path, capsys):
    brain = {"a": 0.1, "b": 0.4, "c": 0.35, "d": 0.6, "e": 0.2}
    overall = {"a": -1.0, "b": 0.5, "c": 0.2, "d": 1.1, "e": None}
    downstream = {"a": 0.5, "b": 0.7, "c": 0.9, "d": 0.8}
    records = [make_record(m, "fmri.voxel-ridge", v) for m, v in brain.items()]
    records += [make_record(m, "hear.task", v) for m, v in downstream.items()]
    board_file = tmp_path / "lb.json"
    aggregates = {"downstream-overall": {f"{m}@1": v for m, v in overall.items()}}  # model keys
    leaderboard.save(planted_board(records, aggregates=aggregates), board_file)
    assert main(["plot", "scatter", "--leaderboard", str(board_file), "--brain",
                 "fmri.voxel-ridge", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    models = ["a", "b", "c", "d"]
    r = np.corrcoef([overall[m] for m in models], [brain[m] for m in models])[0, 1]
    assert f"Pearson r = {r:.3f}" in out and "n = 4" in out
    assert (tmp_path / "scatter__fmri.voxel-ridge__vs__downstream-overall.png").is_file()
    assert main(["plot", "scatter", "--leaderboard", str(board_file), "--brain",
                 "fmri.voxel-ridge", "--downstream", "hear.task", "--format", "svg",
                 "--output", str(tmp_path)]) == 0
    r_task = np.corrcoef([downstream[m] for m in models], [brain[m] for m in models])[0, 1]
    assert f"Pearson r = {r_task:.3f}" in capsys.readouterr().out
    assert main(["plot", "scatter", "--leaderboard", str(board_file), "--brain", "fmri.voxel-ridge",
                 "--downstream", "nope", "--output", str(tmp_path)]) == 2
    assert "--downstream nope" in capsys.readouterr().err
    data = json.loads(board_file.read_text())
    assert data["aggregates"]["downstream-overall"]["e@1"] is None  # contract untouched
