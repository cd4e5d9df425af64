"""`broderick2018.<metric>`: the eight similarity metrics on ds004408 (natural speech EEG)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from brainscore_audio import settings
from brainscore_audio.eeg import EEGDataset, EEGSimilarityBenchmark
from brainscore_audio.eeg.citations import benchmark_bibtex
from brainscore_audio.metrics.similarity import EIGHT

from . import data

VERSION = 2  # bumped whenever the same model's scores move (CHANGELOG.md says why)
TOOLKIT_VERSION = 1  # the toolkit-protocol benchmarks (<data>-toolkit.<metric>)
BIBTEX = """@article{broderick2018electrophysiological,
  title = {Electrophysiological Correlates of Semantic Dissimilarity Reflect the Comprehension
           of Natural, Narrative Speech},
  author = {Broderick, Michael P. and Anderson, Andrew J. and Di Liberto, Giovanni M. and
            Crosse, Michael J. and Lalor, Edmund C.},
  journal = {Current Biology},
  volume = {28},
  number = {5},
  pages = {803--809.e3},
  year = {2018},
  doi = {10.1016/j.cub.2018.01.080}
}

@misc{ds004408,
  title = {EEG responses to continuous naturalistic speech (OpenNeuro ds004408)},
  author = {Di Liberto, Giovanni M. and Broderick, Michael P. and Bialas, Ole and
            Lalor, Edmund C.},
  publisher = {OpenNeuro},
  url = {https://openneuro.org/datasets/ds004408},
  note = {Cite the version you scored: its DOI is in each score record (parameters.doi)}
}"""
METRICS = EIGHT


@cache
def dataset(data_dir: Path) -> EEGDataset:
    """One data set object per data folder, shared by the eight benchmarks."""
    return data.load(data_dir)


def make(metric: str, data_dir: Path | None = None,
         protocol: str = "default") -> EEGSimilarityBenchmark:
    """``protocol="toolkit"``: the conventions of Yang et al.'s toolkit
    (``broderick2018-toolkit.*``)."""
    root = settings.data_dir(data_dir)
    toolkit = protocol == "toolkit"
    return EEGSimilarityBenchmark(
        f"broderick2018{'-toolkit' if toolkit else ''}.{metric}", metric, lambda: dataset(root),
        version=TOOLKIT_VERSION if toolkit else VERSION,
        description="Broderick 2018 natural speech EEG (ds004408), 19 subjects, 128 channels: "
                    + (f"{metric}, toolkit protocol (per electrode), N400 300-500 ms window, "
                       "best layer" if toolkit else f"{metric}, 250-500 ms window, best layer"),
        bibtex=benchmark_bibtex(BIBTEX, metric), protocol=protocol,
        data_parameters=lambda: {"data_set": "broderick2018 (OpenNeuro ds004408)",
                                 "doi": dataset(root).facts["doi"],
                                 "release_version": dataset(root).facts["release_version"],
                                 "stimulus_folder": dataset(root).facts["stimulus_folder"],
                                 "mains_hz": data.MAINS_HZ,
                                 "sentence_boundaries": f"silent gaps >= {data.SENTENCE_PAUSE_S} s "
                                                        "between TextGrid words",
                                 "run_alignment": "EEG sample 0 = audio sample 0 of each run",
                                 "electrode_positions": "mne biosemi128"},
    )
