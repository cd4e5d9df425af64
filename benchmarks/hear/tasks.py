"""The six HEAR 2021 tasks of Pepino et al. (2025): archives, primary metrics, citations."""

from __future__ import annotations

from dataclasses import dataclass

ZENODO = "https://zenodo.org/records/6332517/files"


@dataclass(frozen=True)
class HearTask:
    """One HEAR task as published on Zenodo (record 6332517, 48 kHz archives)."""

    key: str          # benchmark id hear.<key>, fetcher id hear.<key>
    name: str         # HEAR task_name
    version: str
    mode: str         # full | 5h
    description: str
    bibtex: str

    @property
    def folder(self) -> str:
        """The task folder inside the archive (``tasks/<folder>``) and under the data dir."""
        return f"{self.name}-{self.version}-{self.mode}"

    @property
    def archive(self) -> str:
        return f"hear2021-{self.folder}-48000.tar.gz"

    @property
    def url(self) -> str:
        return f"{ZENODO}/{self.archive}"


TASKS = {t.key: t for t in (
    HearTask("nsynth-pitch-5h", "nsynth_pitch", "v2.2.3", "5h",
             "NSynth pitch (5 h subset): 88 MIDI pitches, pitch accuracy (HEAR probe)",
             """@inproceedings{engel2017nsynth,
  title = {Neural Audio Synthesis of Musical Notes with {WaveNet} Autoencoders},
  author = {Engel, Jesse and Resnick, Cinjon and Roberts, Adam and Dieleman, Sander and
            Norouzi, Mohammad and Eck, Douglas and Simonyan, Karen},
  booktitle = {Proceedings of the 34th International Conference on Machine Learning},
  pages = {1068--1077},
  year = {2017}
}"""),
    HearTask("gtzan-genre", "tfds_gtzan", "1.0.0", "full",
             "GTZAN music genre: 10 genres, top-1, 10 folds (HEAR probe)",
             """@article{tzanetakis2002musical,
  title = {Musical genre classification of audio signals},
  author = {Tzanetakis, George and Cook, Perry},
  journal = {IEEE Transactions on Speech and Audio Processing},
  volume = {10}, number = {5}, pages = {293--302},
  year = {2002}
}"""),
    HearTask("speech-commands-5h", "speech_commands", "v0.0.2", "5h",
             "Speech Commands v2 (5 h subset): 12 classes, top-1 (HEAR probe)",
             """@article{warden2018speech,
  title = {Speech Commands: A Dataset for Limited-Vocabulary Speech Recognition},
  author = {Warden, Pete},
  journal = {arXiv preprint arXiv:1804.03209},
  year = {2018}
}"""),
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
)}
