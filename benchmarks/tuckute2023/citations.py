"""BibTeX of the data and method papers behind the NH2015, NH2015comp and B2021 benchmarks."""

NORMAN_HAIGNERE_2015 = """@article{norman-haignere2015distinct,
  author = {Norman-Haignere, Sam and Kanwisher, Nancy G. and McDermott, Josh H.},
  title = {Distinct Cortical Pathways for Music and Speech Revealed by Hypothesis-Free Voxel Decomposition},
  journal = {Neuron},
  volume = {88},
  number = {6},
  pages = {1281--1296},
  year = {2015},
  doi = {10.1016/j.neuron.2015.11.035}
}"""

BOEBINGER_2021 = """@article{boebinger2021music,
  author = {Boebinger, Dana and Norman-Haignere, Sam V. and McDermott, Josh H. and Kanwisher, Nancy},
  title = {Music-selective neural populations arise without musical training},
  journal = {Journal of Neurophysiology},
  volume = {125},
  number = {6},
  pages = {2237--2263},
  year = {2021},
  doi = {10.1152/jn.00588.2020}
}"""

TUCKUTE_2023 = """@article{tuckute2023many,
  author = {Tuckute, Greta and Feather, Jenelle and Boebinger, Dana and McDermott, Josh H.},
  title = {Many but not all deep neural network audio models capture brain responses and
           exhibit correspondence between model stages and brain regions},
  journal = {PLoS Biology},
  volume = {21},
  number = {12},
  pages = {e3002366},
  year = {2023},
  doi = {10.1371/journal.pbio.3002366}
}"""

PEPINO_2025 = """@misc{pepino2025better,
  author = {Pepino, Leonardo and Riera, Pablo and Kamienkowski, Juan and Ferrer, Luciana},
  title = {Better audio representations are more brain-like: linking model-brain alignment
           with performance in downstream auditory tasks},
  year = {2025},
  eprint = {2511.16849},
  archivePrefix = {arXiv},
  primaryClass = {cs.SD}
}"""

NH2015_BIBTEX = "\n\n".join([NORMAN_HAIGNERE_2015, TUCKUTE_2023, PEPINO_2025])
B2021_BIBTEX = "\n\n".join([BOEBINGER_2021, TUCKUTE_2023, PEPINO_2025])
