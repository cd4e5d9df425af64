"""The EEG fetchers end to end against loopback HTTP servers serving release layouts that the
tests write (Deep Blue page / directory listing for Alice; OpenNeuro's S3 paths for ds004408)."""

from __future__ import annotations

import pytest
from brainscore_audio_benchmarks.alice2019 import data, fixture
from brainscore_audio_benchmarks.broderick2018 import data as bdata
from brainscore_audio_benchmarks.broderick2018 import fixture as bfixture

from brainscore_audio.cli import main
from brainscore_audio.eeg.fetching import index_links, select_subjects
from brainscore_audio.errors import UserError


def test_fetch_over_http_with_a_subject_subset(tmp_path, http_server, capsys):
    served = tmp_path / "served"
    served.mkdir()
    fixture.write_served_release(served)
    base = http_server(served)
    target = tmp_path / "data"
    code = main(["fetch", "alice2019", "--url", base + "/", "--data-dir", str(target),
                 "--subjects", "S03"])
    assert code == 0, capsys.readouterr().err
    root = target / data.FOLDER
    assert (root / "S03.mat").is_file() and not (root / "S01.mat").exists()
    assert sorted(p.name for p in (root / "audio").iterdir()) == [
        data.AUDIO_NAME.format(segment=s) for s in (1, 2)]
    assert (root / "proc" / "S03.mat").is_file()
    assert data.load(target).subjects == ["S03"]
    (served / data.DATASETS_NAME).unlink()
    with pytest.raises(UserError, match="no link to datasets.mat"):
        data.fetch(tmp_path / "other", url=base + "/")


def test_broderick_fetch_over_http_with_a_subject_subset(tmp_path, http_server, capsys):
    served = bfixture.write_dataset(tmp_path / "served", subjects=("001", "002"))
    base = http_server(served)
    target = tmp_path / "data"
    code = main(["fetch", "broderick2018", "--url", base, "--data-dir", str(target),
                 "--subjects", "2"])  # the first two of the 19 would be sub-001, sub-002
    assert code == 0, capsys.readouterr().err
    root = target / bdata.FOLDER
    assert (root / "stimuli" / "audio01.TextGrid").is_file()
    assert not (root / "stimuli" / "audio03.wav").exists()  # runs absent from the mirror
    files = sorted(p.name for p in (root / "sub-002" / "eeg").iterdir())
    assert "sub-002_task-listening_run-02_channels.tsv" in files
    assert "sub-002_task-listening_run-02_eeg.eeg" in files
    dataset = bdata.load(target, subjects="sub-002")
    assert dataset.subjects == ["sub-002"]
    assert dataset.subject_eeg("sub-002").bad_channels["sub-002_run-01"][bfixture.MARKED_BAD] \
        == "marked"


def test_index_links_and_subject_selection(tmp_path, http_server):
    (tmp_path / "S01.mat").write_bytes(b"x")
    (tmp_path / "page.html").write_text(
        '<a id="file_download" href="/data/downloads/abc123">S02.mat</a>'
        '<a href="other/readme.txt">Read me</a>')
    base = http_server(tmp_path)
    links = index_links(base + "/page.html")
    assert links["S02.mat"] == base + "/data/downloads/abc123"
    assert links["readme.txt"] == base + "/other/readme.txt"
    assert index_links(base + "/")["S01.mat"] == base + "/S01.mat"
    with pytest.raises(UserError, match="cannot read the file index"):
        index_links(base + "/missing.html")
    subjects = ["S01", "S03", "S04"]
    assert select_subjects(subjects, None, "x") == subjects
    assert select_subjects(subjects, "2", "x") == ["S01", "S03"]
    assert select_subjects(subjects, "s4, S1", "x") == ["S04", "S01"]
    assert select_subjects(["sub-001", "sub-002"], ["2"], "x") == ["sub-002"]
    with pytest.raises(UserError, match="unknown x subject 'S02'"):
        select_subjects(subjects, "S02", "x")


def test_fetch_subjects_option_is_refused_by_fetchers_without_it(capsys):
    from brainscore_audio.registry import fetchers

    fetchers.register("test-whole-dataset", lambda data_dir, force=False, url=None: data_dir)
    try:
        assert main(["fetch", "test-whole-dataset", "--subjects", "2"]) == 2
        assert "fetched whole" in capsys.readouterr().err
    finally:
        del fetchers.entries["test-whole-dataset"]
