"""`alice2019.<metric>`: the eight similarity metrics on the Alice EEG sentences."""

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
BIBTEX = """@article{brennan2019hierarchical,
  title = {Hierarchical structure guides rapid linguistic predictions during naturalistic listening},
  author = {Brennan, Jonathan R. and Hale, John T.},
  journal = {PLoS ONE},
  volume = {14},
  number = {1},
  pages = {e0207741},
  year = {2019},
  doi = {10.1371/journal.pone.0207741}
}

@misc{brennan2019alicedata,
  title = {EEG Datasets for Naturalistic Listening to "Alice in Wonderland"},
  author = {Brennan, Jonathan R.},
  publisher = {University of Michigan - Deep Blue Data},
  year = {2019},
  doi = {10.7302/Z29C6VNH},
  note = {v1; v2 (BrainVision files): doi 10.7302/746w-g237. Each score record names the
          release it read (parameters.release, parameters.doi)}
}"""


@cache
def dataset(data_dir: Path, reference: str = "recorded") -> EEGDataset:
    """One data set object per data folder (and reference), shared by the eight benchmarks."""
    return data.load(data_dir, reference=reference)


def make(metric: str, data_dir: Path | None = None, reference: str = "recorded",
         protocol: str = "default") -> EEGSimilarityBenchmark:
    """``reference="mastoids"``: the authors' re-reference first (see :mod:`.data`);
    ``protocol="toolkit"``: the conventions of Yang et al.'s toolkit (``alice2019-toolkit.*``)."""
    root = settings.data_dir(data_dir)
    toolkit = protocol == "toolkit"
    return EEGSimilarityBenchmark(
        f"alice2019{'-toolkit' if toolkit else ''}.{metric}", metric,
        lambda: dataset(root, reference), version=TOOLKIT_VERSION if toolkit else VERSION,
        description=f"Alice EEG (Brennan & Hale 2019), 84 sentences, 33 subjects: {metric}, "
                    + ("toolkit protocol (per electrode), N400 300-500 ms window, best layer"
                       if toolkit else "250-500 ms window, best layer"),
        bibtex=benchmark_bibtex(BIBTEX, metric), protocol=protocol,
        data_parameters=lambda: data.record_parameters(dataset(root, reference)),
    )


METRICS = EIGHT
