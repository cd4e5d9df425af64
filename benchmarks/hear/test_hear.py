"""HEAR plugin: archive names and missing-data errors (fetching over loopback HTTP is tested in
tests/test_downstream_hear.py, which has the http_server fixture)."""

from __future__ import annotations

import pytest
from brainscore_audio_benchmarks.hear.tasks import TASKS

from brainscore_audio.errors import UserError
from brainscore_audio.registry import benchmarks, fetchers


def test_urls_follow_the_zenodo_naming():
    assert TASKS["esc50"].url == ("https://zenodo.org/records/6332517/files/"
                                  "hear2021-esc50-v2.0.0-full-48000.tar.gz")
    assert TASKS["nsynth-pitch-5h"].archive == "hear2021-nsynth_pitch-v2.2.3-5h-48000.tar.gz"
    assert TASKS["speech-commands-5h"].archive == "hear2021-speech_commands-v0.0.2-5h-48000.tar.gz"
    assert {f"hear.{k}" for k in TASKS} <= set(benchmarks.ids()) & set(fetchers.ids())


def test_the_paper_versions_have_the_plain_ids_and_form_the_hear_suite():
    """Pepino et al. 2025 used nsynth_pitch-v2.2.3-50h and speech_commands-v0.0.2-full (the
    archive list of their code, mrpep/braindnn)."""
    assert TASKS["nsynth-pitch"].archive == "hear2021-nsynth_pitch-v2.2.3-50h-48000.tar.gz"
    assert TASKS["speech-commands"].archive == \
        "hear2021-speech_commands-v0.0.2-full-48000.tar.gz"
    paper = sorted(t.archive for t in TASKS.values() if t.suite == "hear")
    assert paper == sorted(f"hear2021-{name}-48000.tar.gz" for name in (
        "esc50-v2.0.0-full", "fsd50k-v1.0-full", "nsynth_pitch-v2.2.3-50h",
        "speech_commands-v0.0.2-full", "tfds_crema_d-1.0.0-full", "tfds_gtzan-1.0.0-full"))
    for key in ("nsynth-pitch-5h", "speech-commands-5h"):
        bench = benchmarks.make(f"hear.{key}")
        assert bench.suite == "hear-5h" and bench.version == 3
    assert benchmarks.make("hear.nsynth-pitch").suite == "hear"


def test_missing_data_names_the_fetch_command(tmp_path):
    bench = benchmarks.make("hear.gtzan-genre", data_dir=tmp_path)
    with pytest.raises(UserError, match="benchmark fetch hear.gtzan-genre"):
        bench.stimulus_set  # noqa: B018
