"""The HEAR 2021 tasks: the six of Pepino et al. (2025) and the 5 h variants, with archive names,
suites and citations.

Pepino et al. used ``nsynth_pitch-v2.2.3-50h`` and ``speech_commands-v0.0.2-full``; those get the
plain ids ``hear.nsynth-pitch`` and ``hear.speech-commands`` and, with the four other tasks, form
suite ``hear`` (the paper's ``downstream-overall``). The 5 h variants keep ids of their own
(``hear.nsynth-pitch-5h``, ``hear.speech-commands-5h``) in suite ``hear-5h``, which no overall
aggregates, so their scores never mix with the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass

ZENODO = "https://zenodo.org/records/6332517/files"
SAMPLE_RATE = 48_000  # the only rate on Zenodo
NSYNTH_BIBTEX = """@inproceedings{engel2017nsynth,
  title = {Neural Audio Synthesis of Musical Notes with {WaveNet} Autoencoders},
  author = {Engel, Jesse and Resnick, Cinjon and Roberts, Adam and Dieleman, Sander and
            Norouzi, Mohammad and Eck, Douglas and Simonyan, Karen},
  booktitle = {Proceedings of the 34th International Conference on Machine Learning},
  pages = {1068--1077},
  year = {2017}
}"""
SPEECH_COMMANDS_BIBTEX = """@article{warden2018speech,
  title = {Speech Commands: A Dataset for Limited-Vocabulary Speech Recognition},
  author = {Warden, Pete},
  journal = {arXiv preprint arXiv:1804.03209},
  year = {2018}
}"""


@dataclass(frozen=True)
class HearTask:
    """One HEAR task as published on Zenodo (record 6332517, 48 kHz archives)."""

    key: str          # benchmark id hear.<key>, fetcher id hear.<key>
    name: str         # HEAR task_name
    version: str
    mode: str         # full | 50h | 5h
    description: str
    bibtex: str
    suite: str = "hear"        # the overall it counts in (hear: Pepino et al.'s six tasks)
    # bumped when the benchmark's records change (2: the probe protocol's PCA rule and tie break)
    benchmark_version: int = 2

    @property
    def folder(self) -> str:
        """The task folder inside the archive (``tasks/<folder>``) and under the data dir."""
        return f"{self.name}-{self.version}-{self.mode}"

    @property
    def archive(self) -> str:
        """hear-preprocess names an archive ``<task_name>-<version>-<mode>-<sample rate>``
        (``versioned_task_name`` in its pipeline); the Zenodo record prefixes ``hear2021-``."""
        return f"hear2021-{self.folder}-{SAMPLE_RATE}.tar.gz"

    @property
    def url(self) -> str:
        return f"{ZENODO}/{self.archive}"


TASKS = {t.key: t for t in (
    HearTask("nsynth-pitch", "nsynth_pitch", "v2.2.3", "50h",
             "NSynth pitch (50 h, as in Pepino et al. 2025): 88 MIDI pitches, pitch accuracy "
             "(HEAR probe)", NSYNTH_BIBTEX),
    HearTask("gtzan-genre", "tfds_gtzan", "1.0.0", "full",
             "GTZAN music genre: 10 genres, top-1, 10 folds (HEAR probe)",
             """@article{tzanetakis2002musical,
  title = {Musical genre classification of audio signals},
  author = {Tzanetakis, George and Cook, Perry},
  journal = {IEEE Transactions on Speech and Audio Processing},
  volume = {10}, number = {5}, pages = {293--302},
  year = {2002}
}"""),
    HearTask("speech-commands", "speech_commands", "v0.0.2", "full",
             "Speech Commands v2 (full, as in Pepino et al. 2025): 12 classes, top-1 (HEAR probe)",
             SPEECH_COMMANDS_BIBTEX),
    HearTask("crema-d", "tfds_crema_d", "1.0.0", "full",
             "CREMA-D emotion: 6 emotions, top-1, 5 folds (HEAR probe)",
             """@article{cao2014crema,
  title = {{CREMA-D}: Crowd-sourced Emotional Multimodal Actors Dataset},
  author = {Cao, Houwei and Cooper, David G. and Keutmann, Michael K. and Gur, Ruben C. and
            Nenkova, Ani and Verma, Ragini},
  journal = {IEEE Transactions on Affective Computing},
  volume = {5}, number = {4}, pages = {377--390},
  year = {2014}
}"""),
    HearTask("fsd50k", "fsd50k", "v1.0", "full",
             "FSD50K: 200 sound event classes, multilabel, mAP (HEAR probe)",
             """@article{fonseca2022fsd50k,
  title = {{FSD50K}: An Open Dataset of Human-Labeled Sound Events},
  author = {Fonseca, Eduardo and Favory, Xavier and Pons, Jordi and Font, Frederic and
            Serra, Xavier},
  journal = {IEEE/ACM Transactions on Audio, Speech, and Language Processing},
  volume = {30}, pages = {829--852},
  year = {2022}
}"""),
    HearTask("esc50", "esc50", "v2.0.0", "full",
             "ESC-50 environmental sounds: 50 classes, top-1, 5 folds (HEAR probe)",
             """@inproceedings{piczak2015esc,
  title = {{ESC}: Dataset for Environmental Sound Classification},
  author = {Piczak, Karol J.},
  booktitle = {Proceedings of the 23rd ACM International Conference on Multimedia},
  pages = {1015--1018},
  year = {2015}
}"""),
    HearTask("nsynth-pitch-5h", "nsynth_pitch", "v2.2.3", "5h",
             "NSynth pitch (5 h subset; not the paper's version): 88 MIDI pitches, pitch "
             "accuracy (HEAR probe)", NSYNTH_BIBTEX, suite="hear-5h", benchmark_version=3),
    HearTask("speech-commands-5h", "speech_commands", "v0.0.2", "5h",
             "Speech Commands v2 (5 h subset; not the paper's version): 12 classes, top-1 "
             "(HEAR probe)", SPEECH_COMMANDS_BIBTEX, suite="hear-5h", benchmark_version=3),
)}
