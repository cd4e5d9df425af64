"""EEG sentence benchmarks (Yang et al. 2026), generic over data sets
(docs/methods.md#eeg-sentence-benchmarks).

- :mod:`.preprocessing`: band-pass, notch, bad channels, average reference.
- :mod:`.sentences`: sentences from word alignments, TextGrid reading, sentence audio.
- :mod:`.dataset`: :class:`EEGDataset`, per-subject sentence EEG (preprocessed, cached on disk).
- :mod:`.geometry`: frame alignment, PCA features, time windows.
- :mod:`.scoring`: layer x window x subject scores with the batched similarity metrics.
- :mod:`.benchmark`: :class:`EEGSimilarityBenchmark`, the benchmark type plugins instantiate.
- :mod:`.permutation`, :mod:`.prosody`, :mod:`.agreement`: the analyses.
"""

from .benchmark import EEGSimilarityBenchmark
from .dataset import EEGDataset, RawRecording, Sentence
from .geometry import DEFAULT_WINDOWS, Window
from .preprocessing import PreprocessingConfig

__all__ = ["DEFAULT_WINDOWS", "EEGDataset", "EEGSimilarityBenchmark", "PreprocessingConfig",
           "RawRecording", "Sentence", "Window"]
