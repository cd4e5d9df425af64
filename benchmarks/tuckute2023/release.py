"""Finding, validating and reading the data release of Tuckute et al. (2023).

One archive, ``data.tar``, holds NH2015, B2021 and NH2015comp. Layout used (DATA.md)::

    data/
      stimuli/165_natural_sounds/stim5_alarm_clock.wav ...   (or directly in stimuli/)
      neural/NH2015/voxel_features_array.npy     (165 sounds, voxels, 3 sessions) float
      neural/NH2015/voxel_features_meta.npy      structured: voxel_id, subj_idx, n_reps, ...
      neural/NH2015/neural_stim_meta.npy         structured: filename (bytes, 'x.wav'), id
      neural/NH2015/df_roi_meta.pkl              pandas, one row per n_reps == 3 voxel:
                                                 voxel_id, subj_idx, roi_label_general, ...
      neural/B2021/voxel_features_array.npy      (>= 165 sounds, voxels, 3 sessions) float
      neural/B2021/voxel_features_meta.npy       voxel_id
      neural/B2021/df_roi_meta.pkl               pandas, one row per voxel: subj_idx, ...
      neural/B2021/stim_info_v4.mat              struct stim_info: field 1 category names,
                                                 field 2 category index (1-based), ...,
                                                 stim_names (field 8, without .wav)
      neural/NH2015comp/components.mat           R (165 x 6), stim_names, component_names

The ``.npy`` files are read with ``allow_pickle=False`` and the ``.mat`` files with scipy, which
run no code. The two ``df_roi_meta.pkl`` tables are Python pickles: reading them executes code
stored in the archive, so only read a release from a source you trust (the publisher's URL).

Every reader checks what it reads and raises a one-line :class:`UserError` naming the file and
what was expected. The expected counts are the real release's (:data:`REAL_COUNTS`). Small
fixtures in the same layout (tests, the perf script) declare theirs in the environment variable
``BRAINSCORE_AUDIO_TUCKUTE2023_COUNTS`` (JSON of :class:`ReleaseCounts` fields); the counts in
force are recorded in every score record's parameters, so such scores can never pass for real.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brainscore_audio.errors import UserError
from brainscore_audio.fmri import VoxelResponses
from brainscore_audio.optional import require
from brainscore_audio.release_counts import counts_in_force
from brainscore_audio.release_counts import counts_json as counts_json  # for fixtures

URL = "https://mcdermottlab.mit.edu//tuckute_feather_2023/data.tar"
FOLDER = "tuckute2023"  # below the data root: <data_dir>/tuckute2023/data/...
MANIFEST = "fetch.json"  # written by the fetcher beside data/: url, sha256 of data.tar
FETCH_HINT = ("fetch it with `benchmark fetch nh2015 --data-dir DIR`, or point --data-dir at the "
              "folder that holds the release's data/")

NH2015 = "neural/NH2015"
B2021 = "neural/B2021"
NH2015COMP = "neural/NH2015comp"
STIM_META = f"{NH2015}/neural_stim_meta.npy"
STIM_INFO = f"{B2021}/stim_info_v4.mat"
COMPONENTS = f"{NH2015COMP}/components.mat"
AUDIO_FOLDERS = ("stimuli/165_natural_sounds", "stimuli")


@dataclass(frozen=True)
class ReleaseCounts:
    """The counts validation enforces (defaults: the real release, DATA.md)."""

    n_stimuli: int = 165
    n_categories: int = 11
    n_sessions: int = 3
    nh2015_voxels: int = 7694
    nh2015_subjects: int = 8
    b2021_voxels: int = 26792
    b2021_subjects: int = 20
    n_components: int = 6


REAL_COUNTS = ReleaseCounts()
COUNTS_ENV = "BRAINSCORE_AUDIO_TUCKUTE2023_COUNTS"


def expected_counts() -> ReleaseCounts:
    """The counts validation enforces: the real release's, unless ``$BRAINSCORE_AUDIO_TUCKUTE2023_
    COUNTS`` declares a fixture's (JSON, e.g. ``{"nh2015_voxels": 6, "nh2015_subjects": 2}``)."""
    return counts_in_force(COUNTS_ENV, REAL_COUNTS)


# --------------------------------------------------------------------------- locating


def locate(data_dir: str | Path) -> Path:
    """The release's ``data/`` folder for a ``--data-dir``.

    Accepted, in this order: ``data_dir`` is ``data/`` itself (it holds ``neural/``), it holds
    ``data/`` (a folder the user extracted), or it is the data root where ``benchmark fetch``
    puts the release (``<data_dir>/tuckute2023/data``).
    """
    data_dir = Path(data_dir).expanduser()
    for candidate in (data_dir, data_dir / "data", data_dir / FOLDER / "data"):
        if (candidate / "neural").is_dir():
            return candidate
    raise UserError(f"{data_dir}: no Tuckute et al. 2023 release found (expected "
                    f"{data_dir / FOLDER / 'data' / 'neural'}, or DIR/data/neural, or "
                    f"DIR/neural); {FETCH_HINT}")


def archive_checksum(data: Path) -> dict[str, str]:
    """``{"data.tar": sha256}`` when the release was fetched by ``benchmark fetch``, else ``{}``."""
    manifest = data.parent / MANIFEST
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
        return {content["archive"]: content["sha256"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


# --------------------------------------------------------------------------- file helpers


def _require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise UserError(f"{path}: file not found; expected {what} of the Tuckute et al. 2023 "
                        f"release ({FETCH_HINT})")
    return path


def _load_npy(path: Path, what: str, mmap: bool = False) -> np.ndarray:
    _require_file(path, what)
    try:
        return np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except Exception as exc:
        raise UserError(f"{path}: not a readable .npy array ({type(exc).__name__}: {exc}); "
                        f"expected {what}") from exc


def _fields(array: np.ndarray, path: Path, required: tuple[str, ...]) -> None:
    names = array.dtype.names or ()
    missing = [f for f in required if f not in names]
    if missing:
        raise UserError(f"{path}: structured array lacks field(s) {', '.join(missing)}; expected "
                        f"fields {', '.join(required)} (found {', '.join(names) or 'none'})")


def _load_mat(path: Path, what: str) -> dict[str, Any]:
    from scipy.io import loadmat

    _require_file(path, what)
    try:
        return loadmat(path, squeeze_me=False)
    except Exception as exc:
        raise UserError(f"{path}: not a readable MATLAB file ({type(exc).__name__}: {exc}); "
                        f"expected {what}") from exc


def read_table(path: Path, what: str):
    """A pandas pickle (executes code from the file: see the module docstring)."""
    _require_file(path, what)
    pandas = require("pandas", f"{path}: reading this table", "fmri")
    try:
        table = pandas.read_pickle(path)
    except Exception as exc:
        raise UserError(f"{path}: not a readable pandas pickle ({type(exc).__name__}: {exc}); "
                        f"expected {what}") from exc
    if not isinstance(table, pandas.DataFrame):
        raise UserError(f"{path}: holds a {type(table).__name__}; expected a pandas DataFrame "
                        f"({what})")
    return table


def _columns(table, path: Path, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise UserError(f"{path}: table lacks column(s) {', '.join(missing)}; expected "
                        f"{', '.join(required)}")


def mat_strings(value: Any) -> list[str]:
    """The strings of a MATLAB cell or char array as scipy's ``loadmat`` returns it (cells are
    object arrays of 1-element string arrays, nested to any depth)."""
    out: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, str | bytes):
            out.append(item.decode() if isinstance(item, bytes) else item)
            return
        array = np.asarray(item)
        if array.dtype.kind in "US":
            out.extend([str(x) for x in array.ravel()] if array.size else [""])
        elif array.dtype == object:
            for x in array.ravel():
                walk(x)
        else:
            raise TypeError(f"not a string: {array.dtype}")

    walk(value)
    return out


def mat_numbers(value: Any) -> np.ndarray:
    """The numbers of a MATLAB numeric array or cell of numbers, flattened: ``(k,)`` float64."""
    array = np.asarray(value)
    if array.dtype == object:
        parts = [mat_numbers(x) for x in array.ravel()]
        return np.concatenate(parts) if parts else np.zeros(0)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"not a number: {array.dtype}")
    return array.astype(np.float64).ravel()


def _strip_wav(name: str) -> str:
    return name[:-4] if name.lower().endswith(".wav") else name


def subject_label(value: Any) -> str:
    """``"S01"`` for subject index 1 (the release's ``subj_idx``)."""
    number = float(value)
    return f"S{int(number):02d}" if number.is_integer() else f"S{value}"


# --------------------------------------------------------------------------- stimuli


@dataclass
class Stimuli:
    """The 165 natural sounds in the canonical order of ``neural_stim_meta.npy``.

    Attributes:
        ids: file names without ``.wav`` (e.g. ``stim5_alarm_clock``).
        paths: the wav of each id.
        categories: category name of each id (from B2021's ``stim_info_v4.mat``).
        category_names: the category names in the file's order.
    """

    ids: list[str]
    paths: list[Path]
    categories: list[str]
    category_names: list[str]


def stimulus_order(data: Path, counts: ReleaseCounts) -> list[str]:
    """Canonical stimulus ids from ``neural_stim_meta.npy`` (file names without ``.wav``)."""
    path = data / STIM_META
    meta = _load_npy(path, "the canonical stimulus order (structured array with 'filename')")
    _fields(meta, path, ("filename",))
    names = [_strip_wav(f.decode() if isinstance(f, bytes) else str(f))
             for f in meta["filename"].ravel()]
    if len(names) != counts.n_stimuli:
        raise UserError(f"{path}: {len(names)} stimuli; expected {counts.n_stimuli}")
    if len(set(names)) != len(names):
        raise UserError(f"{path}: stimulus file names are not unique")
    return names


def stim_info_categories(data: Path, counts: ReleaseCounts, ids: list[str]) -> tuple[list[str],
                                                                                    list[str]]:
    """``(category of each of the first 165 stimuli, the categories they use)`` from B2021's
    ``stim_info_v4.mat``, after checking that its first 165 names equal ``ids``.

    The file describes every B2021 sound (192), so it may name more categories than the 11 of
    the 165 NH2015 sounds: at least 11 names are accepted, and the first 165 sounds must use
    exactly 11 of them (returned in the file's order).
    """
    path = data / STIM_INFO
    mat = _load_mat(path, "B2021 stimulus information (struct stim_info)")
    if "stim_info" not in mat:
        found = ", ".join(k for k in mat if not k.startswith("__"))
        raise UserError(f"{path}: no variable 'stim_info' (found {found}); expected the B2021 "
                        "stimulus struct")
    info = mat["stim_info"]
    fields = info.dtype.names or ()
    if len(fields) < 8 or "stim_names" not in fields:
        raise UserError(f"{path}: stim_info has fields {', '.join(fields)}; expected at least 8, "
                        "with category names first, category index second and stim_names")

    def field(name: str) -> Any:
        return info[name].ravel()[0]

    try:
        names = [_strip_wav(n.strip()) for n in mat_strings(field("stim_names"))]
        category_names = [c.strip() for c in mat_strings(field(fields[0]))]
        index = mat_numbers(field(fields[1]))
    except (TypeError, ValueError) as exc:
        raise UserError(f"{path}: stim_info fields have unexpected types ({exc}); expected "
                        "category names (cell of strings), category index (numbers), "
                        "stim_names (cell of strings)") from exc
    n = counts.n_stimuli
    if len(names) < n:
        raise UserError(f"{path}: stim_info.stim_names has {len(names)} names; expected >= {n}")
    if names[:n] != ids:
        first = next(i for i, (a, b) in enumerate(zip(names[:n], ids, strict=True)) if a != b)
        raise UserError(f"{path}: the first {n} stim_names must equal the NH2015 order of "
                        f"{STIM_META}; they differ at position {first} ({names[first]!r} vs "
                        f"{ids[first]!r})")
    if len(category_names) < counts.n_categories:
        raise UserError(f"{path}: {len(category_names)} category names in stim_info.{fields[0]}; "
                        f"expected at least {counts.n_categories}")
    if len(index) < n or not np.all(np.isin(index[:n], np.arange(1, len(category_names) + 1))):
        raise UserError(f"{path}: stim_info.{fields[1]} must give a category index in "
                        f"1..{len(category_names)} for each of the first {n} stimuli")
    # The file describes all B2021 sounds; the first n (NH2015's) must use n_categories of them.
    used = sorted({int(i) for i in index[:n]})
    if len(used) != counts.n_categories:
        raise UserError(f"{path}: the first {n} stimuli use {len(used)} categories of "
                        f"stim_info.{fields[0]}; expected {counts.n_categories}")
    return [category_names[int(i) - 1] for i in index[:n]], [category_names[i - 1] for i in used]


def read_stimuli(data: Path, counts: ReleaseCounts | None = None) -> Stimuli:
    """The canonical stimuli with their wav files and categories (validated)."""
    counts = counts or expected_counts()
    ids = stimulus_order(data, counts)
    categories, category_names = stim_info_categories(data, counts, ids)
    for folder in AUDIO_FOLDERS:
        paths = [data / folder / f"{i}.wav" for i in ids]
        if all(p.is_file() for p in paths):
            break
    else:
        missing = next(p for p in (data / AUDIO_FOLDERS[0] / f"{i}.wav" for i in ids)
                       if not p.is_file())
        raise UserError(f"{missing}: stimulus wav not found (looked in "
                        f"{', '.join(str(data / f) for f in AUDIO_FOLDERS)}); expected the "
                        f"{counts.n_stimuli} wavs of the release")
    return Stimuli(ids, paths, categories, category_names)


# --------------------------------------------------------------------------- voxels


def _voxel_array(path: Path, counts: ReleaseCounts, n_voxels: int, what: str,
                 at_least: bool = False) -> np.ndarray:
    array = _load_npy(path, what, mmap=True)
    n = counts.n_stimuli
    ok_stimuli = array.shape[0] >= n if at_least else array.shape[0] == n
    if array.ndim != 3 or not ok_stimuli or array.shape[1:] != (n_voxels, counts.n_sessions):
        stimuli = f">= {n}" if at_least else str(n)
        raise UserError(f"{path}: shape {array.shape}; expected ({stimuli} sounds, {n_voxels} "
                        f"voxels, {counts.n_sessions} sessions)")
    if not np.issubdtype(array.dtype, np.floating):
        raise UserError(f"{path}: dtype {array.dtype}; expected floating-point responses")
    return array


def _check_voxel_ids(table, path: Path, expected: np.ndarray, source: Path) -> None:
    if "voxel_id" not in table.columns:
        return
    found = table["voxel_id"].to_numpy().astype(np.int64)
    expected = np.asarray(expected).astype(np.int64)
    if not np.array_equal(found, expected):
        first = int(np.flatnonzero(found != expected)[0]) if len(found) == len(expected) else None
        where = f" (first difference at row {first}: {found[first]} vs {expected[first]})" \
            if first is not None else ""
        raise UserError(f"{path}: voxel_id column does not match the voxels of {source}{where}; "
                        "rows must follow the voxel order of the response array")


#: How voxels are chosen, recorded in every score record of the part.
VOXEL_RULES = {
    "nh2015": "n_reps == 3 in voxel_features_meta.npy (the authors' rule); voxels with fewer "
              "sessions were checked to be NaN in the sessions they lack, so this equals keeping "
              "voxels finite in all 3 sessions; then voxels with any non-finite response are "
              "dropped (none in a complete release)",
    "b2021": "every voxel of voxel_features_meta.npy (its voxel_id checked against "
             "df_roi_meta.pkl, as the authors assert), first 165 sounds; voxels with any "
             "non-finite response in them are dropped",
}


def _check_missing_sessions(array: np.ndarray, n_reps: np.ndarray, path: Path,
                            meta_path: Path) -> None:
    """Voxels measured in fewer sessions than the array holds must be NaN in the others.

    Only then do the authors' rule (``n_reps == 3``) and the finite-voxel rule select the same
    voxels; a voxel whose missing sessions hold numbers would be a silent misread.
    """
    n_reps = np.asarray(n_reps).astype(np.int64)
    sessions = array.shape[2]
    for reps in sorted(set(n_reps.tolist()) - {sessions}):
        columns = np.flatnonzero(n_reps == reps)
        if reps < 0 or reps > sessions:
            raise UserError(f"{meta_path}: n_reps {reps} for {len(columns)} voxels; expected "
                            f"0..{sessions}")
        missing = np.asarray(array[:, columns, reps:])
        if not np.all(np.isnan(missing)):
            bad = int(np.sum(~np.all(np.isnan(missing), axis=(0, 2))))
            raise UserError(f"{path}: {bad} voxels with n_reps == {reps} (in {meta_path.name}) "
                            f"hold numbers in the sessions they lack; expected NaN there (else "
                            "the n_reps == 3 rule and the finite-voxel rule disagree)")


def read_nh2015(data: Path, counts: ReleaseCounts | None = None) -> VoxelResponses:
    """NH2015 voxels with 3 sessions (``n_reps == 3``), their subjects and ROI labels."""
    counts = counts or expected_counts()
    meta_path = data / NH2015 / "voxel_features_meta.npy"
    meta = _load_npy(meta_path, "NH2015 voxel metadata (voxel_id, subj_idx, n_reps)")
    _fields(meta, meta_path, ("voxel_id", "subj_idx", "n_reps"))
    keep = meta["n_reps"] == counts.n_sessions
    if keep.sum() != counts.nh2015_voxels:
        raise UserError(f"{meta_path}: {int(keep.sum())} voxels with n_reps == "
                        f"{counts.n_sessions}; expected {counts.nh2015_voxels}")
    subjects = np.array([subject_label(s) for s in meta["subj_idx"][keep]])
    if len(set(subjects)) != counts.nh2015_subjects:
        raise UserError(f"{meta_path}: the kept voxels come from {len(set(subjects))} subjects; "
                        f"expected {counts.nh2015_subjects}")
    array_path = data / NH2015 / "voxel_features_array.npy"
    array = _voxel_array(array_path, counts, len(meta), "NH2015 voxel responses")
    _check_missing_sessions(array, meta["n_reps"], array_path, meta_path)
    table_path = data / NH2015 / "df_roi_meta.pkl"
    table = read_table(table_path, "NH2015 voxel ROI table (roi_label_general per kept voxel)")
    _columns(table, table_path, ("roi_label_general",))
    if len(table) != counts.nh2015_voxels:
        raise UserError(f"{table_path}: {len(table)} rows; expected one per kept voxel "
                        f"({counts.nh2015_voxels})")
    _check_voxel_ids(table, table_path, meta["voxel_id"][keep], meta_path)
    return VoxelResponses(
        responses=np.asarray(array[:, keep, :], dtype=np.float64),
        subjects=subjects,
        voxel_ids=np.asarray(meta["voxel_id"][keep]),
        rois=table["roi_label_general"].to_numpy(dtype=object),
    )


def read_b2021(data: Path, counts: ReleaseCounts | None = None) -> VoxelResponses:
    """B2021 voxels over the first 165 stimuli; subject and ROI of each voxel from its table."""
    counts = counts or expected_counts()
    meta_path = data / B2021 / "voxel_features_meta.npy"
    meta = _load_npy(meta_path, "B2021 voxel metadata (voxel_id)")
    voxel_ids = meta["voxel_id"] if meta.dtype.names and "voxel_id" in meta.dtype.names else meta
    voxel_ids = np.asarray(voxel_ids).ravel()
    if meta.dtype.names and "voxel_id" not in meta.dtype.names:
        _fields(meta, meta_path, ("voxel_id",))
    if len(voxel_ids) != counts.b2021_voxels:
        raise UserError(f"{meta_path}: {len(voxel_ids)} voxels; expected {counts.b2021_voxels}")
    table_path = data / B2021 / "df_roi_meta.pkl"
    table = read_table(table_path, "B2021 voxel table (subj_idx, roi_label_general per voxel)")
    _columns(table, table_path, ("subj_idx", "roi_label_general"))
    if len(table) != counts.b2021_voxels:
        raise UserError(f"{table_path}: {len(table)} rows; expected one per voxel "
                        f"({counts.b2021_voxels})")
    # The authors assert voxel_features_meta == df_roi_meta.voxel_id, in order
    # (gretatuckute/auditory_brain_dnn, AUD_main.py), before joining results to the table.
    _columns(table, table_path, ("voxel_id",))
    _check_voxel_ids(table, table_path, voxel_ids, meta_path)
    subjects = np.array([subject_label(s) for s in table["subj_idx"].to_numpy()])
    if len(set(subjects)) != counts.b2021_subjects:
        raise UserError(f"{table_path}: subj_idx names {len(set(subjects))} subjects; expected "
                        f"{counts.b2021_subjects}")
    array_path = data / B2021 / "voxel_features_array.npy"
    array = _voxel_array(array_path, counts, counts.b2021_voxels, "B2021 voxel responses",
                         at_least=True)
    return VoxelResponses(
        responses=np.asarray(array[:counts.n_stimuli], dtype=np.float64),
        subjects=subjects,
        voxel_ids=voxel_ids,
        rois=table["roi_label_general"].to_numpy(dtype=object),
    )


def read_components(data: Path, ids: list[str],
                    counts: ReleaseCounts | None = None) -> tuple[np.ndarray, list[str]]:
    """``(R (165, 6) in the order of ids, component names)`` from ``components.mat``."""
    counts = counts or expected_counts()
    path = data / COMPONENTS
    mat = _load_mat(path, "the NH2015 components (R, stim_names, component_names)")
    missing = [k for k in ("R", "stim_names", "component_names") if k not in mat]
    if missing:
        raise UserError(f"{path}: missing variable(s) {', '.join(missing)}; expected R, "
                        "stim_names, component_names")
    responses = np.asarray(mat["R"])
    try:
        names = [_strip_wav(n.strip()) for n in mat_strings(mat["stim_names"])]
        component_names = [c.strip() for c in mat_strings(mat["component_names"])]
    except TypeError as exc:
        raise UserError(f"{path}: stim_names/component_names are not cells of strings "
                        f"({exc})") from exc
    shape = (counts.n_stimuli, counts.n_components)
    if responses.shape != shape or len(component_names) != counts.n_components:
        raise UserError(f"{path}: R has shape {responses.shape} for {len(component_names)} "
                        f"component names; expected {shape} and {counts.n_components} names")
    if sorted(names) != sorted(ids):
        raise UserError(f"{path}: stim_names are not the {len(ids)} stimuli of {STIM_META}")
    position = {name: i for i, name in enumerate(names)}
    order = np.array([position[i] for i in ids])
    return np.asarray(responses, dtype=np.float64)[order], component_names


# --------------------------------------------------------------------------- whole release


NH2015_FILES = (f"{NH2015}/voxel_features_array.npy", f"{NH2015}/voxel_features_meta.npy",
                f"{NH2015}/df_roi_meta.pkl")
B2021_FILES = (f"{B2021}/voxel_features_array.npy", f"{B2021}/voxel_features_meta.npy",
               f"{B2021}/df_roi_meta.pkl")
STIMULUS_FILES = (STIM_META, STIM_INFO)
PART_FILES = {"nh2015": STIMULUS_FILES + NH2015_FILES, "b2021": STIMULUS_FILES + B2021_FILES,
              "nh2015comp": STIMULUS_FILES + (COMPONENTS,)}


def validate(data: Path, counts: ReleaseCounts | None = None) -> dict[str, Any]:
    """Read every part of the release once; returns the counts found (raises on any problem)."""
    counts = counts or expected_counts()
    stimuli = read_stimuli(data, counts)
    nh2015 = read_nh2015(data, counts)
    b2021 = read_b2021(data, counts)
    components, names = read_components(data, stimuli.ids, counts)
    return {
        "stimuli": len(stimuli.ids),
        "categories": len(stimuli.category_names),
        "nh2015_voxels": nh2015.n_voxels,
        "nh2015_subjects": len(nh2015.subject_labels()),
        "b2021_voxels": b2021.n_voxels,
        "b2021_subjects": len(b2021.subject_labels()),
        "components": names,
    }
