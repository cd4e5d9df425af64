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


def test_missing_data_names_the_fetch_command(tmp_path):
    bench = benchmarks.make("hear.gtzan-genre", data_dir=tmp_path)
    with pytest.raises(UserError, match="benchmark fetch hear.gtzan-genre"):
        bench.stimulus_set  # noqa: B018
