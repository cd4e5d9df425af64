"""The EEG fetchers end to end against loopback HTTP servers serving release layouts that the
tests write (Deep Blue page / directory listing for Alice; OpenNeuro's S3 paths for ds004408)."""

from __future__ import annotations

import json

import pytest
from brainscore_audio_benchmarks.alice2019 import data, fixture, release
from brainscore_audio_benchmarks.alice2019 import fetch as afetch
from brainscore_audio_benchmarks.broderick2018 import data as bdata
from brainscore_audio_benchmarks.broderick2018 import fixture as bfixture

from brainscore_audio.cli import main
from brainscore_audio.eeg.fetching import index_links, select_subjects
from brainscore_audio.errors import UserError


def test_fetch_over_http_with_a_subject_subset(tmp_path, http_server, capsys, monkeypatch):
    monkeypatch.setenv(release.COUNTS_ENV, fixture.COUNTS_JSON)
    served = tmp_path / "served"
    served.mkdir()
    fixture.write_served_release(served)
    base = http_server(served)
    target = tmp_path / "data"
    code = main(["fetch", "alice2019", "--url", base + "/", "--data-dir", str(target),
                 "--subjects", "S03", "--quiet"])
    assert code == 0, capsys.readouterr().err
    root = target / data.FOLDER
    assert (root / "S03.mat").is_file() and not (root / "S01.mat").exists()
    assert sorted(p.name for p in (root / "audio").iterdir()) == [
        data.AUDIO_NAME.format(segment=s) for s in (1, 2)]
    assert (root / "proc" / "S03.mat").is_file()
    assert data.load(target).subjects == ["S03"]
    assert data.load(target).facts["release"] == "v1"
    (served / data.DATASETS_NAME).unlink()
    with pytest.raises(UserError, match="no link to datasets.mat"):
        afetch(tmp_path / "other", url=base + "/")


def test_fetch_v2_brainvision_release(tmp_path, http_server, capsys, monkeypatch):
    """v2 is told by its links (S01.vhdr); proc.zip unpacks to timelock-preprocessing/;
    datasets.mat may be absent (the v1 list of usable subjects is used then)."""
    monkeypatch.setenv(release.COUNTS_ENV, fixture.COUNTS_JSON)
    served = tmp_path / "served"
    served.mkdir()
    fixture.write_served_release(served, version="v2", datasets_file=False)
    base = http_server(served)
    target = tmp_path / "data"
    assert main(["fetch", "alice2019", "--url", base + "/", "--data-dir", str(target),
                 "--subjects", "1", "--quiet"]) == 0, capsys.readouterr().err
    root = target / data.FOLDER
    assert sorted(p.name for p in root.glob("S0*")) == ["S01.eeg", "S01.vhdr", "S01.vmrk"]
    assert (root / "timelock-preprocessing" / "S01.mat").is_file()
    dataset = data.load(target)
    assert dataset.facts["release"] == "v2" and dataset.subjects == ["S01"]


def test_a_browser_check_or_an_html_file_gives_the_manual_route(tmp_path, http_server, capsys,
                                                                monkeypatch):
    """Deep Blue's browser check (HTTP 403 with an HTML page) on the page or on a file: one line
    saying how to download by hand and point --data-dir at the files; HTML is never saved as
    S01.mat."""
    monkeypatch.setenv(release.COUNTS_ENV, fixture.COUNTS_JSON)
    challenge = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>"
    served = tmp_path / "served"
    served.mkdir()
    fixture.write_served_release(served)
    (served / "S01.mat").write_bytes(challenge)  # a page served in place of the file
    base = http_server(served, answers={
        "/blocked/": (403, {"Content-Type": "text/html; charset=UTF-8"}, challenge),
        "/S03.mat": (403, {"Content-Type": "text/html"}, challenge)})
    target = tmp_path / "data"
    for url, subject, start in (
            (f"{base}/blocked/", "1", f"{base}/blocked/: cannot read the file index (the server "
                                      "answered HTTP 403 Forbidden with an HTML page"),
            (f"{base}/", "S03", f"{base}/S03.mat: the server answered HTTP 403 Forbidden with "
                                "an HTML page"),
            (f"{base}/", "S01", f"{base}/S01.mat: the server sent an HTML page")):
        assert main(["fetch", "alice2019", "--url", url, "--data-dir", str(target),
                     "--subjects", subject, "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: " + start) and "\n" not in err, err
        assert "download the files by hand in a browser from https://deepblue.lib.umich.edu/" \
                   "data/concern/data_sets/bn999738r" in err and "--data-dir FOLDER" in err
        assert not (target / data.FOLDER / "S01.mat").exists()
        assert not (target / data.FOLDER / "S03.mat").exists()


def _s3_pages(served, bucket: str, prefix: str, page_size: int) -> dict[str, tuple]:
    """Canned ListObjectsV2 answers for the files below ``served/bucket/prefix``, in pages."""
    from urllib.parse import urlencode
    from xml.sax.saxutils import escape

    keys = sorted((p.relative_to(served / bucket).as_posix(), p.stat().st_size)
                  for p in (served / bucket / prefix).rglob("*") if p.is_file())
    pages = [keys[i:i + page_size] for i in range(0, len(keys), page_size)]
    answers = {}
    for number, page in enumerate(pages):
        last = number == len(pages) - 1
        contents = "".join(f"<Contents><Key>{escape(k)}</Key><Size>{size}</Size>"
                           "<StorageClass>STANDARD</StorageClass></Contents>" for k, size in page)
        body = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns='
                f'"http://s3.amazonaws.com/doc/2006-03-01/"><Name>{bucket}</Name>'
                f"<Prefix>{prefix}/</Prefix><KeyCount>{len(page)}</KeyCount><MaxKeys>{page_size}"
                f"</MaxKeys><IsTruncated>{'false' if last else 'true'}</IsTruncated>{contents}"
                + ("" if last else f"<NextContinuationToken>t{number + 1}</NextContinuationToken>")
                + "</ListBucketResult>").encode()
        query = {"list-type": "2", "prefix": f"{prefix}/"}
        if number:
            query["continuation-token"] = f"t{number}"
        answers[f"/{bucket}?{urlencode(query)}"] = (200, {"Content-Type": "application/xml"},
                                                    body)
    return answers


def _fetched(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and "derivatives" not in p.parts and p.name != ".sha256.json")


def test_broderick_fetch_from_the_s3_listing_of_1_0_8(tmp_path, http_server, shared_data, capsys):
    """The S3 layout of OpenNeuro (s3.amazonaws.com/openneuro.org/ds004408/<path>), listed with
    ListObjectsV2 in pages: only listed files are asked for, each checked against its size."""
    layouts = shared_data / "real-layouts" / "openneuro-ds004408"
    served = tmp_path / "served"
    bfixture.write_release(served / "openneuro.org" / "ds004408", layouts, "1.0.8",
                           subjects=("sub-001", "sub-002", "sub-003"))
    answers = _s3_pages(served, "openneuro.org", "ds004408", page_size=20)
    assert len(answers) == 3
    base = http_server(served, answers)
    target = tmp_path / "data"
    code = main(["fetch", "broderick2018", "--url", f"{base}/openneuro.org/ds004408/",
                 "--data-dir", str(target), "--subjects", "2", "--quiet"])
    assert code == 0, capsys.readouterr().err
    root = target / bdata.FOLDER
    runs = [f"{bdata.run_stem(s, r)}_{x}" for s in ("sub-001", "sub-002") for r in (1, 2)
            for x in ("channels.tsv", "eeg.eeg", "eeg.json", "eeg.vhdr", "eeg.vmrk")]
    assert _fetched(root) == sorted([*bdata.TOP_LEVEL, bdata.MANIFEST, *runs,
                                     *(f"stimuli/audio0{r}.{x}" for r in (1, 2)
                                       for x in ("wav", "TextGrid"))])
    files = [p for p in http_server.requests if "?" not in p]
    assert all((served / p.lstrip("/")).is_file() for p in files)  # nothing that does not exist
    assert len(files) == len(set(files)) == len(_fetched(root)) - 1
    assert len([p for p in http_server.requests if "?" in p]) == 3  # the three listing pages
    manifest = json.loads((root / bdata.MANIFEST).read_text())
    assert manifest["listing"] == "S3 bucket listing" and manifest["release_version"] == "1.0.8"
    dataset = bdata.load(target, subjects="sub-002")
    assert dataset.facts["doi"] == "10.18112/openneuro.ds004408.v1.0.8"
    # a file that is not what the listing says is refused (and not kept)
    eeg = served / "openneuro.org" / "ds004408" / f"{bdata.run_stem('sub-003', 1)}_eeg.eeg"
    eeg.write_bytes(eeg.read_bytes()[:1000])
    code = main(["fetch", "broderick2018", "--url", f"{base}/openneuro.org/ds004408/",
                 "--data-dir", str(target), "--subjects", "sub-003", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert "sub-003_task-listening_run-01_eeg.eeg: the file is 1000 bytes, the listing says" in err
    assert "the download was deleted; run `benchmark fetch broderick2018` again" in err
    assert not (root / "sub-003" / "eeg" / "sub-003_task-listening_run-01_eeg.eeg").exists()


def test_broderick_fetch_from_html_listings_of_a_1_0_0_mirror(tmp_path, http_server, shared_data,
                                                              capsys):
    """A mirror of release 1.0.0 (stimuli/single_speaker/, the other experiment's sub-100 and
    stimuli/multi_speaker/) served as plain directory listings."""
    layouts = shared_data / "real-layouts" / "openneuro-ds004408"
    served = bfixture.write_release(tmp_path / "served", layouts, "1.0.0",
                                    other_subjects=("sub-100",))
    base = http_server(served)
    target = tmp_path / "data"
    assert main(["fetch", "broderick2018", "--url", base, "--data-dir", str(target),
                 "--subjects", "sub-002", "--quiet"]) == 0, capsys.readouterr().err
    root = target / bdata.FOLDER
    fetched = _fetched(root)
    assert "stimuli/single_speaker/audio02.TextGrid" in fetched
    assert not [p for p in fetched if "multi_speaker" in p or p.startswith(("sub-001", "sub-100"))]
    assert not [p for p in fetched if p.endswith("_scans.tsv")]
    assert not [p for p in http_server.requests if "sub-100" in p or "multi_speaker" in p]
    assert all((served / p.lstrip("/").split("?")[0]).exists() for p in http_server.requests)
    assert json.loads((root / bdata.MANIFEST).read_text())["listing"] == "HTML directory listings"
    dataset = bdata.load(target)
    assert dataset.subjects == ["sub-002"] and dataset.facts["release_version"] == "1.0.0"
    assert main(["fetch", "broderick2018", "--url", base, "--data-dir", str(target),
                 "--subjects", "sub-100", "--quiet"]) == 2
    assert "sub-100 belongs to the two-speaker experiment" in capsys.readouterr().err
    local = tmp_path / "local"
    assert main(["fetch", "broderick2018", "--url", served.as_uri(), "--data-dir", str(local),
                 "--subjects", "1", "--quiet"]) == 0
    assert json.loads((local / bdata.FOLDER / bdata.MANIFEST).read_text())["listing"] == \
        "local folder"
    assert bdata.load(local).subjects == ["sub-001"]


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
