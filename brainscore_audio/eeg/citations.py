"""BibTeX of the EEG protocol and of the similarity metrics (data sets cite themselves)."""

from __future__ import annotations

YANG2026 = """@misc{yang2026hear,
  title = {Do Models Hear Like Us?},
  author = {Yang and others},
  year = {2026},
  eprint = {2601.16540},
  archivePrefix = {arXiv},
  note = {Protocol of the EEG sentence benchmarks; brainscore-audio:
          docs/methods.md#eeg-sentence-benchmarks}
}"""

KORNBLITH2019 = """@inproceedings{kornblith2019similarity,
  title = {Similarity of Neural Network Representations Revisited},
  author = {Kornblith, Simon and Norouzi, Mohammad and Lee, Honglak and Hinton, Geoffrey},
  booktitle = {Proceedings of the 36th International Conference on Machine Learning},
  series = {PMLR},
  volume = {97},
  pages = {3519--3529},
  year = {2019}
}"""

SZEKELY2007 = """@article{szekely2007measuring,
  title = {Measuring and testing dependence by correlation of distances},
  author = {Sz{\\'e}kely, G{\\'a}bor J. and Rizzo, Maria L. and Bakirov, Nail K.},
  journal = {The Annals of Statistics},
  volume = {35},
  number = {6},
  pages = {2769--2794},
  year = {2007},
  doi = {10.1214/009053607000000505}
}"""

GRETTON2005 = """@inproceedings{gretton2005measuring,
  title = {Measuring Statistical Dependence with {Hilbert-Schmidt} Norms},
  author = {Gretton, Arthur and Bousquet, Olivier and Smola, Alex and Sch{\\"o}lkopf, Bernhard},
  booktitle = {Algorithmic Learning Theory (ALT 2005)},
  series = {Lecture Notes in Computer Science},
  volume = {3734},
  pages = {63--77},
  year = {2005},
  doi = {10.1007/11564089_7}
}"""

KRIEGESKORTE2008 = """@article{kriegeskorte2008rsa,
  title = {Representational similarity analysis - connecting the branches of systems neuroscience},
  author = {Kriegeskorte, Nikolaus and Mur, Marieke and Bandettini, Peter},
  journal = {Frontiers in Systems Neuroscience},
  volume = {2},
  pages = {4},
  year = {2008},
  doi = {10.3389/neuro.06.004.2008}
}"""

ROBERT1976 = """@article{robert1976rv,
  title = {A Unifying Tool for Linear Multivariate Statistical Methods: The {RV}-Coefficient},
  author = {Robert, Paul and Escoufier, Yves},
  journal = {Journal of the Royal Statistical Society. Series C (Applied Statistics)},
  volume = {25},
  number = {3},
  pages = {257--265},
  year = {1976},
  doi = {10.2307/2347233}
}"""

METRIC_BIBTEX = {
    "rsa-spearman": [KRIEGESKORTE2008], "rsa-pearson": [KRIEGESKORTE2008],
    "rsa-kendall": [KRIEGESKORTE2008], "cka-linear": [KORNBLITH2019],
    "cka-rbf": [KORNBLITH2019, GRETTON2005], "dcor": [SZEKELY2007], "hsic-rbf": [GRETTON2005],
    "rv": [ROBERT1976, KORNBLITH2019],
}


def benchmark_bibtex(data_bibtex: str, metric: str) -> str:
    """The data set's citation, the protocol's and the metric's, as one BibTeX string."""
    return "\n\n".join([data_bibtex, YANG2026, *METRIC_BIBTEX[metric]])
