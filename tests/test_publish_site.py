"""The static web leaderboard (``benchmark leaderboard html``) rendered from planted leaderboards,
without a browser: pages, escaping of user-supplied text, data attributes the table script
reads, details conventions (ROI, EEG layer x window, per channel). The browser test is
``test_publish_browser.py``; the helpers here build planted records for the other publishing
tests too."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from brainscore_audio import leaderboard
from brainscore_audio.cache import safe_name
from brainscore_audio.cli import main
from brainscore_audio.errors import UserError
from brainscore_audio.publish.site import MARKER, build_site, page_name
from brainscore_audio.records import (
    BenchmarkRef,
    ModelRef,
    Provenance,
    ScoreRecord,
    StimulusSetRef,
)

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<img src=x onerror="window.__xss=1">&"model'


def make_record(model: str, benchmark: str, raw: float, *, ceiling: float | None = 0.8,
                error: float | None = 0.01, per_layer: dict | None = None,
                layers_scored: list | None = None, chosen: list | None = None,
                per_subject: dict | None = None, details: dict | None = None,
                parameters: dict | None = None, stimulus_set: str = "planted", n_stimuli: int = 6,
                version: int = 1, minutes: int = 0) -> ScoreRecord:
    """A planted score record (numbers as given; ``ceiled = raw / ceiling``)."""
    per_layer = per_layer if per_layer is not None else {"l1": raw * 0.5, "l2": raw}
    return ScoreRecord(
        benchmark=BenchmarkRef(id=benchmark, version=version),
        model=ModelRef(id=model, version="1"),
        stimulus_set=StimulusSetRef(id=stimulus_set, fingerprint="ab" * 32, n_stimuli=n_stimuli),
        raw=raw, ceiling=ceiling, ceiled=None if ceiling is None else raw / ceiling, error=error,
        pooling="mean", per_subject=per_subject if per_subject is not None else {"s1": raw},
        per_layer=per_layer, layers_scored=layers_scored or list(per_layer),
        chosen_layers=chosen if chosen is not None else [max(per_layer, key=per_layer.get)]
        if per_layer else [],
        parameters=parameters if parameters is not None else {"ceiling": "planted ceiling"},
        details=details or {},
        provenance=Provenance(
            package_version="0", git_commit=None, platform="test", device="cpu",
            timestamp=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minutes),
            wall_time_s=1.0))


def planted_board(records: list[ScoreRecord], aggregates: dict | None = None,
                  bibtex: dict | None = None) -> leaderboard.Leaderboard:
    """``leaderboard.build`` of the records, with planted aggregates and benchmark BibTeX."""
    board = leaderboard.build(records)
    board.aggregates = aggregates or {}
    for bench_id, text in (bibtex or {}).items():
        board.benchmarks[bench_id].bibtex = text
    return board


# raw values planted so that sorting by each column gives a different order, and ceilings per
# record so that the ceiled order of bench.a differs from its raw order.
TABLE = {  # model -> {benchmark: (raw, ceiling)}
    "alpha": {"bench.a": (0.30, 0.9), "bench.b": (0.10, 0.5)},
    "beta": {"bench.a": (0.50, 1.0), "bench.b": (0.40, 0.5)},
    "gamma": {"bench.a": (0.40, 0.5)},
    HOSTILE: {"bench.a": (0.20, 0.8), "bench.b": (0.25, 0.5)},
}
OVERALL = {"alpha": 1.5, "beta": -0.5, "gamma": 0.2, HOSTILE: None}


def table_board() -> leaderboard.Leaderboard:
    records = [make_record(m, b, raw, ceiling=c, error=0.01 * (i + 1))
               for i, (m, scores) in enumerate(TABLE.items()) for b, (raw, c) in scores.items()]
    overall = {f"{m}@1": v for m, v in OVERALL.items()}  # aggregates are keyed by model key
    return planted_board(records, aggregates={"downstream-overall": overall},
                         bibtex={"bench.a": "@article{a2020, title = {A <b>&</b> B}, year = {2020}}"})


def test_index_has_one_row_per_model_with_values_and_versions(tmp_path):
    board = table_board()
    site = build_site(board, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text()
    rows = re.findall(r'<tr data-model="([^"]*)">', index)
    assert sorted(html.unescape(r) for r in rows) == sorted(TABLE)
    # default order: mean rank of raw over benchmarks (beta 1st on both)
    assert html.unescape(rows[0]) == "beta"
    # every score is in data attributes (raw, ceiled = raw / ceiling, SE)
    for model, scores in TABLE.items():
        row = index.split(f'<tr data-model="{html.escape(model)}">')[1].split("</tr>")[0]
        raws = [float(x) for x in re.findall(r'data-raw="([^"]+)"', row)]
        ceiled = [float(x) for x in re.findall(r'data-ceiled="([^"]+)"', row)]
        expected = [scores[b][0] for b in ("bench.a", "bench.b") if b in scores]
        assert raws[:len(expected)] == pytest.approx(expected)
        assert ceiled[:len(expected)] == pytest.approx([scores[b][0] / scores[b][1]
                                                        for b in ("bench.a", "bench.b")
                                                        if b in scores])
    assert "leaderboard v1" in index and 'data-benchmark="bench.a"' in index and ">v1<" in index
    assert 'data-aggregate="downstream-overall"' in index
    assert set(site.pages) == {"index.html", *(f"models/{page_name(m)}" for m in TABLE),
                               "benchmarks/bench.a.html", "benchmarks/bench.b.html"}
    for asset in ("style.css", "leaderboard.js", "leaderboard.json", MARKER):
        assert (tmp_path / "site" / asset).is_file()
    assert leaderboard.load(tmp_path / "site" / "leaderboard.json") == board
    assert "fetch(" not in (tmp_path / "site" / "leaderboard.js").read_text()


def test_user_supplied_text_is_escaped_everywhere(tmp_path):
    board = table_board()
    board.models["alpha@1"].metadata = {"name": "</script><script>window.__xss=2</script>",
                                      "citation": "@misc{x, title = {<b>bold</b>}}"}
    board.benchmarks["bench.b"].description = "<script>alert(1)</script>"
    build_site(board, tmp_path)
    for page in tmp_path.rglob("*.html"):
        text = page.read_text()
        assert "<script>alert" not in text and "<script>window" not in text, page
        assert "<img src=x" not in text and "<b>" not in text, page
    hostile_page = tmp_path / "models" / page_name(HOSTILE)
    assert hostile_page.name == safe_name(HOSTILE) + ".html" and "<" not in hostile_page.name
    assert html.escape(HOSTILE) in hostile_page.read_text()


def test_model_page_renders_profiles_subjects_and_eeg_details(tmp_path):
    per_layer = {"conv1": 0.1, "conv2": 0.35, "conv3": 0.2}
    details = {
        "roi": {"tonotopic": {"per_layer": {"conv1": 0.3, "conv2": 0.2, "conv3": 0.1}}},
        "layer_by_window": {"layers": ["conv1", "conv3"], "windows": ["N100", "P600"],
                            "window_bounds_ms": [[80, 150], [500, 800]],
                            "values": [[0.111, 0.222], [0.333, None]]},
        "per_channel": {"layer": "conv3", "window": "N100", "channels": ["Fz", "Cz", "Pz"],
                        "values": [0.5, 0.25, 0.125], "positions": [[0, 1], [0, 0], [0, -1]]},
    }
    record = make_record("m", "eeg.x", 0.35, per_layer=per_layer,
                         layers_scored=["conv1", "conv2", "conv3"], chosen=["conv2"],
                         per_subject={"s01": 0.3, "s02": 0.4}, details=details)
    build_site(planted_board([record]), tmp_path)
    page = (tmp_path / "models" / "m.html").read_text()
    profile = page.split("Per-layer profile")[1].split("</svg>")[0]
    # one point per layer and ROI layer, titled with its value, in depth order
    points = re.findall(r"<title>([^<]*)</title></circle>", profile)
    assert points[:3] == [f"score, {k}: {v:.4f}" for k, v in per_layer.items()]
    assert points[3:6] == ["tonotopic, conv1: 0.3000", "tonotopic, conv2: 0.2000",
                           "tonotopic, conv3: 0.1000"]
    assert "chosen layer conv2" in profile
    subjects = page.split("Per subject")[1].split("</svg>")[0]
    assert re.findall(r"<title>([^<]*)</title></rect>", subjects) == ["s01: 0.3000", "s02: 0.4000"]
    heat = page.split('<table class="heat">')[1].split("</table>")[0]
    assert [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", heat)] == \
        ["0.111", "0.222", "0.333", "\u2013"]
    assert "80\u2013150 ms" in heat and "N100" in heat
    scalp = page.split('aria-label="scalp map"')[1].split("</svg>")[0]
    assert re.findall(r"<title>([^<]*)</title>", scalp) == ["Fz: 0.5000", "Cz: 0.2500",
                                                            "Pz: 0.1250"]


def test_benchmark_page_has_recipe_ceiling_convention_and_bibtex(tmp_path):
    params = {"alphas": [0.1, 1.0], "folds": {"n_folds": 5}, "ceiling": "split-half, SB corrected"}
    records = [make_record("m1", "fmri.x", 0.5, parameters=params, ceiling=0.7),
               make_record("m2", "fmri.x", 0.6, parameters=params, ceiling=0.7, minutes=1)]
    build_site(planted_board(records, bibtex={"fmri.x": "@article{k, title={T & U}}"}), tmp_path)
    page = (tmp_path / "benchmarks" / "fmri.x.html").read_text()
    assert "split-half, SB corrected" in page and "0.7000" in page
    assert "<th>alphas</th><td>[0.1, 1.0]</td>" in page and "<th>n_folds</th>" in page
    assert html.escape("@article{k, title={T & U}}") in page
    rows = re.findall(r'<a href="../models/(m\d).html#', page)
    assert rows == ["m2", "m1"]  # by raw, best first


def test_refuses_foreign_folder_and_removes_stale_pages(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(UserError, match="not a brainscore-audio site"):
        build_site(table_board(), tmp_path)
    site = tmp_path / "site"
    build_site(table_board(), site)
    build_site(planted_board([make_record("solo", "bench.a", 0.3)]), site)
    assert sorted(p.name for p in (site / "models").iterdir()) == ["solo.html"]
    assert sorted(p.name for p in (site / "benchmarks").iterdir()) == ["bench.a.html"]


def test_cli_html_on_the_committed_demo_leaderboard(tmp_path, capsys):
    source = ROOT / "leaderboard" / "leaderboard.json"
    board = leaderboard.load(source)
    assert main(["leaderboard", "html", str(source), "--output", str(tmp_path / "site")]) == 0
    assert "index.html" in capsys.readouterr().out
    index = (tmp_path / "site" / "index.html").read_text()
    assert sorted(html.unescape(r) for r in re.findall(r'<tr data-model="([^"]*)">', index)) == \
        sorted(leaderboard.model_labels(board).values())
    for bench_id, info in board.benchmarks.items():
        assert f'data-benchmark="{bench_id}"' in index
        assert f">v{info.version}<" in index
    assert main(["leaderboard", "html", str(tmp_path / "missing.json"), "--output",
                 str(tmp_path / "x")]) == 2
    assert "leaderboard file not found" in capsys.readouterr().err
