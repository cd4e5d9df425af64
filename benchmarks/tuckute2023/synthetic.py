"""A synthetic data folder in the exact layout of the Tuckute et al. (2023) release, with planted
ground truth, for tests, the perf script and trying the pipeline without the real data.

Nothing here is measured data. Layout, file names, dtypes, structured fields, ``.mat`` structs
and pandas tables follow :mod:`.release` (DATA.md); only the sizes are configurable, so a small
fixture runs in seconds. Planting, with a fixed seed:

- Activations: ``n_layers`` random Gaussian layers ``(165, dim)`` (float32 values).
- Every voxel (NH2015 and B2021) is a noisy read-out of layer ``planted_layer``: signal =
  layer @ w (Gaussian w), z-scored over stimuli; each of 3 sessions adds Gaussian noise of
  variance ``(1 - r1) / r1`` with the single-session reliability ``r1`` drawn per voxel from
  ``reliability_range``. The planted reliability of the session average is ``3 r1 / (1 + 2 r1)``
  (Spearman-Brown) and its planted R^2 is the squared correlation of the signal with the
  session average (the R^2 a perfect model reaches).
- The 6 components are read-outs of the same layer plus weak noise, stored in a shuffled
  stimulus order (the reader must reorder them by name).
- Categories: 11 of unequal size (10, 11, ..., 20 stimuli, like the real release's unbalanced
  ones) drawn at random over the 165; ``stim_info`` names a 12th category that only the extra
  B2021 sounds use (the real file describes all 192 B2021 sounds).
- ROI labels: Primary / Anterior / Lateral / Posterior, and no label (NaN) for some voxels.
- Only the ``stim_info`` fields at the positions DATA.md documents (1, 2, 4, 8) carry meaning;
  the names of fields 1-7 are invented here (the reader uses positions).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import release

CATEGORIES = ("mechanical", "human vocalisation", "human non-vocal", "English speech",
              "non-English speech", "environmental", "music", "animal vocalisation",
              "animal non-vocal", "song", "nature")
CATEGORY_SIZES = tuple(range(10, 21))  # 165 in all, unbalanced
B2021_ONLY_CATEGORY = "b2021 extra"
COMPONENTS = ("low frequency", "high frequency", "broadband", "pitch", "speech", "music")
ROIS = ("Primary", "Anterior", "Lateral", "Posterior")


@dataclass
class SyntheticRelease:
    """What :func:`write_release` wrote, with its planted truth.

    Attributes:
        root: the folder holding ``data/`` (what ``--data-dir`` may point at).
        counts: the counts of this fixture (validation must expect them).
        stimulus_ids: canonical order; categories: per stimulus.
        layers: ``{name: (165, dim) float32}`` activations in canonical order.
        planted_layer: the layer every voxel reads out.
        nh2015_r2, nh2015_reliability: planted R^2 and reliability per kept NH2015 voxel.
        nh2015_subjects: subject label per kept NH2015 voxel; same for b2021_*.
        b2021_finite: False for the B2021 voxels given a NaN (``b2021_nonfinite_voxels``).
        components: ``(165, 6)`` component responses in canonical order.
    """

    root: Path
    counts: release.ReleaseCounts
    stimulus_ids: list[str]
    categories: list[str]
    layers: dict[str, np.ndarray]
    planted_layer: str
    nh2015_r2: np.ndarray
    nh2015_reliability: np.ndarray
    nh2015_subjects: np.ndarray
    b2021_r2: np.ndarray
    b2021_reliability: np.ndarray
    b2021_subjects: np.ndarray
    b2021_finite: np.ndarray
    components: np.ndarray

    @property
    def data(self) -> Path:
        return self.root / "data"

    def write_activations(self, path: str | Path) -> Path:
        """The layers as a precomputed-activations ``.npz`` (``stimulus_ids`` + one array per
        layer), for ``benchmark run --activations``."""
        path = Path(path)
        np.savez(path, stimulus_ids=np.array(self.stimulus_ids), **self.layers)
        return path


def _cell(strings, shape) -> np.ndarray:
    cell = np.empty(shape, dtype=object)
    for index, value in zip(np.ndindex(shape), strings, strict=True):
        cell[index] = value
    return cell


def _planted_voxels(rng, layer: np.ndarray, n_voxels: int, n_sessions: int,
                    reliability_range: tuple[float, float]):
    """``(responses (n, v, sessions), planted R^2 (v,), planted reliability (v,))``."""
    signal = layer.astype(np.float64) @ rng.standard_normal((layer.shape[1], n_voxels))
    signal = (signal - signal.mean(0)) / signal.std(0)
    r1 = rng.uniform(*reliability_range, size=n_voxels)
    noise = rng.standard_normal((layer.shape[0], n_voxels, n_sessions))
    noise *= np.sqrt((1 - r1) / r1)[None, :, None]
    responses = signal[:, :, None] + noise
    mean = responses.mean(axis=2)
    r = [np.corrcoef(signal[:, v], mean[:, v])[0, 1] for v in range(n_voxels)]
    reliability = n_sessions * r1 / (1 + (n_sessions - 1) * r1)
    return responses, np.square(r), reliability


def _roi_table(rng, subjects: np.ndarray, voxel_ids: np.ndarray, responses: np.ndarray,
               extra: dict | None = None):
    import pandas

    n = len(subjects)
    general = rng.choice(np.array([*ROIS, "none"], dtype=object), size=n,
                         p=[0.2, 0.2, 0.2, 0.2, 0.2])
    general = np.where(general == "none", np.nan, general)
    hemi = rng.choice(["lh", "rh"], size=n)
    x, y = rng.integers(-60, 60, n), rng.integers(-40, 20, n)
    pairs = [np.corrcoef(responses[:, v, a], responses[:, v, b])[0, 1]
             for v in range(n) for a, b in ((0, 1), (1, 2), (0, 2))]
    table = pandas.DataFrame({
        "subj_idx": subjects, "hemi": hemi, "x_ras": x, "y_ras": y, "voxel_id": voxel_ids,
        **(extra or {}),
        "kell_r_reliability": rng.uniform(0, 1, n),
        "pearson_r_reliability": np.median(np.reshape(pairs, (n, 3)), axis=1),
        "voxel_variability_mean_reps": responses.mean(axis=2).std(axis=0),
        "voxel_variability_std": np.median(responses.std(axis=0), axis=1),
        "coord_id": [f"{a}_{b}" for a, b in zip(x, y, strict=True)],
        "shared_by": np.ones(n),
        "roi_label_fname": [np.nan if isinstance(g, float) else f"HCP_MMP1_{g}_roi.mat"
                            for g in general],
        "roi_label_specific": general,
        "roi_label_general": general,
        "roi_anat_hemi": [np.nan if isinstance(g, float) else f"{g}_{h}"
                          for g, h in zip(general, hemi, strict=True)],
    })
    return table


def write_release(
    root: str | Path,
    *,
    nh2015_subjects: int = 3,
    nh2015_voxels_per_subject: int = 12,
    nh2015_two_session_voxels: int = 5,
    b2021_subjects: int = 4,
    b2021_voxels_per_subject: int = 6,
    b2021_extra_stimuli: int = 27,
    b2021_nonfinite_voxels: int = 0,
    n_layers: int = 3,
    dim: int = 12,
    planted_layer: int = 1,
    reliability_range: tuple[float, float] = (0.35, 0.85),
    audio_folder: str = "stimuli/165_natural_sounds",
    sample_rate: int = 20000,
    wav_seconds: float = 0.05,
    seed: int = 0,
) -> SyntheticRelease:
    """Write ``root/data/...`` in the release layout; returns the planted truth."""
    import soundfile
    from scipy.io import savemat

    rng = np.random.default_rng(seed)
    root = Path(root)
    data = root / "data"
    n = 165
    counts = release.ReleaseCounts(
        nh2015_voxels=nh2015_subjects * nh2015_voxels_per_subject,
        nh2015_subjects=nh2015_subjects,
        b2021_voxels=b2021_subjects * b2021_voxels_per_subject, b2021_subjects=b2021_subjects)

    # Stimuli: 11 categories of unequal size, in random order.
    category_index = rng.permutation(np.repeat(np.arange(11), CATEGORY_SIZES))
    categories = [CATEGORIES[i] for i in category_index]
    ids = [f"stim{i + 1}_{categories[i].replace(' ', '_').replace('-', '_').lower()}"
           for i in range(n)]
    (data / audio_folder).mkdir(parents=True, exist_ok=True)
    t = np.arange(int(sample_rate * wav_seconds)) / sample_rate
    for i, stimulus in enumerate(ids):
        wave = 0.3 * np.sin(2 * np.pi * (200 + 40 * category_index[i]) * t)
        wave += 0.05 * rng.standard_normal(len(t))
        soundfile.write(data / audio_folder / f"{stimulus}.wav", wave.astype(np.float32),
                        sample_rate, subtype="PCM_16")
    nh = data / release.NH2015
    nh.mkdir(parents=True, exist_ok=True)
    stim_meta = np.zeros(n, dtype=[("filename", "S64"), ("id", "<i8")])
    stim_meta["filename"] = [f"{s}.wav".encode() for s in ids]
    stim_meta["id"] = np.arange(n)
    np.save(nh / "neural_stim_meta.npy", stim_meta)

    layers = {f"layer{k}": rng.standard_normal((n, dim)).astype(np.float32)
              for k in range(n_layers)}
    planted = layers[f"layer{planted_layer}"]

    # NH2015: kept voxels (n_reps == 3) grouped by subject, 2-session voxels interleaved.
    kept = counts.nh2015_voxels
    responses, nh_r2, nh_rel = _planted_voxels(rng, planted, kept, 3, reliability_range)
    total = kept + nh2015_two_session_voxels
    two_session = np.sort(rng.choice(total, nh2015_two_session_voxels, replace=False))
    is_kept = np.ones(total, dtype=bool)
    is_kept[two_session] = False
    full = rng.standard_normal((n, total, 3))
    full[:, two_session, 2] = np.nan
    full[:, is_kept] = responses
    subjects_kept = np.repeat(np.arange(1, nh2015_subjects + 1), nh2015_voxels_per_subject)
    meta = np.zeros(total, dtype=[("voxel_id", "<i8"), ("subj_idx", "<i8"), ("hemi", "S2"),
                                  ("x_ras", "<i8"), ("y_ras", "<i8"), ("n_reps", "<i8")])
    meta["voxel_id"] = np.arange(total)
    meta["subj_idx"][is_kept] = subjects_kept
    meta["subj_idx"][~is_kept] = rng.integers(1, nh2015_subjects + 1, len(two_session))
    meta["hemi"] = rng.choice([b"lh", b"rh"], total)
    meta["n_reps"] = np.where(is_kept, 3, 2)
    np.save(nh / "voxel_features_array.npy", full)
    np.save(nh / "voxel_features_meta.npy", meta)
    flags = {name: rng.integers(0, 2, kept).astype(float)
             for name in ("tonotopic", "pitch", "music", "speech")}
    flags["any_roi"] = np.max(np.stack(list(flags.values())), axis=0)
    _roi_table(rng, subjects_kept, meta["voxel_id"][is_kept], responses, flags).to_pickle(
        nh / "df_roi_meta.pkl")

    # B2021: more stimuli than 165 (only the first 165 are NH2015's), subjects from the table.
    b = data / release.B2021
    b.mkdir(parents=True, exist_ok=True)
    n_b = n + b2021_extra_stimuli
    b_responses, b_r2, b_rel = _planted_voxels(rng, planted, counts.b2021_voxels, 3,
                                               reliability_range)
    b_full = np.concatenate([b_responses, rng.standard_normal((b2021_extra_stimuli,
                                                               counts.b2021_voxels, 3))])
    b_finite = np.ones(counts.b2021_voxels, dtype=bool)
    b_finite[rng.choice(counts.b2021_voxels, b2021_nonfinite_voxels, replace=False)] = False
    b_full[0, ~b_finite, 0] = np.nan  # a missing value: the benchmark must drop these voxels
    np.save(b / "voxel_features_array.npy", b_full.astype(np.float32))
    b_meta = np.zeros(counts.b2021_voxels, dtype=[("voxel_id", "<i8")])
    b_meta["voxel_id"] = np.arange(counts.b2021_voxels)
    np.save(b / "voxel_features_meta.npy", b_meta)
    b_subjects = np.repeat(np.arange(1, b2021_subjects + 1), b2021_voxels_per_subject)
    _roi_table(rng, b_subjects, b_meta["voxel_id"], b_responses).to_pickle(b / "df_roi_meta.pkl")
    extra_names = [f"stim{n + k + 1}_b2021_only" for k in range(b2021_extra_stimuli)]
    all_categories = np.concatenate([category_index, np.full(b2021_extra_stimuli, 11)])
    savemat(b / "stim_info_v4.mat", {"stim_info": {
        "category_labels": _cell((*CATEGORIES, B2021_ONLY_CATEGORY), (1, 12)),
        "category_assignments": (all_categories + 1).astype(np.float64)[:, None],
        "sound_set": np.ones((n_b, 1)),
        "fMRI_stim_num": np.arange(1, n_b + 1, dtype=np.float64)[:, None],
        "durations": np.full((n_b, 1), 2.0),
        "rms": rng.uniform(0.01, 0.1, (n_b, 1)),
        "stim_files": _cell([f"{s}.wav" for s in ids + extra_names], (n_b, 1)),
        "stim_names": _cell(ids + extra_names, (n_b, 1)),
    }})

    # NH2015comp: R in a shuffled stimulus order, found again by stim_names.
    comp = data / release.NH2015COMP
    comp.mkdir(parents=True, exist_ok=True)
    components = planted.astype(np.float64) @ rng.standard_normal((dim, 6))
    components += 0.3 * components.std(0) * rng.standard_normal(components.shape)
    order = rng.permutation(n)
    savemat(comp / "components.mat", {
        "R": components[order],
        "stim_names": _cell([ids[i] for i in order], (1, n)),
        "component_names": _cell(COMPONENTS, (6, 1)),
        "category_labels": _cell([categories[i] for i in order], (1, n)),
    })
    import pandas

    pandas.DataFrame({"comp": list(COMPONENTS), "comp_idx": np.arange(6)}).to_pickle(
        comp / "df_roi_meta.pkl")
    return SyntheticRelease(
        root=root, counts=counts, stimulus_ids=ids, categories=categories, layers=layers,
        planted_layer=f"layer{planted_layer}", nh2015_r2=nh_r2, nh2015_reliability=nh_rel,
        nh2015_subjects=np.array([release.subject_label(s) for s in subjects_kept]),
        b2021_r2=b_r2, b2021_reliability=b_rel, b2021_finite=b_finite,
        b2021_subjects=np.array([release.subject_label(s) for s in b_subjects]),
        components=components)
