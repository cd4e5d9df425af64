"""``benchmark fetch nh2015`` (also ``b2021``, ``nh2015comp``: the same archive).

The archive is downloaded into ``<data_dir>/tuckute2023.download/`` (checked: not an HTML page,
a tar archive), its sha256 is computed (the publisher gives none), and it is unpacked safely
into a staging folder beside ``<data_dir>/tuckute2023/``. The whole release is validated there
and ``fetch.json`` (the URL and the archive's sha256, which every score record then carries) is
written into it; only then does it replace ``<data_dir>/tuckute2023/``, so the manifest always
comes with the data and a wrong archive never removes a working release. The archive itself is
deleted after unpacking (about 180 MB).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from brainscore_audio import atomic
from brainscore_audio.download import clean_leftovers, download, sha256_file, unpack
from brainscore_audio.errors import UserError

from . import release

ARCHIVE = "data.tar"
RETRY = "run `benchmark fetch nh2015` again"


def fetch(data_dir: str | Path, force: bool = False, url: str | None = None) -> Path:
    """Download, unpack and validate the release; returns ``<data_dir>/tuckute2023``.

    An existing, valid release is kept unless ``force``. ``url`` overrides the publisher's
    (a mirror, or ``file://`` / a local server in tests).
    """
    data_dir = Path(data_dir).expanduser()
    target = data_dir / release.FOLDER
    clean_leftovers(target)
    if not force and (target / "data" / "neural").is_dir():
        try:
            release.validate(target / "data")
        except UserError as exc:
            raise UserError(f"{exc} (the release in {target} is incomplete or changed: fetch it "
                            "again with `benchmark fetch nh2015 --force`)") from exc
        return target
    downloads = data_dir / f"{release.FOLDER}.download"
    if force:
        shutil.rmtree(downloads, ignore_errors=True)
    source = url or release.URL
    archive = download(source, downloads, filename=ARCHIVE, retry=RETRY)
    digest = sha256_file(archive)
    size = archive.stat().st_size

    def validate(staging: Path) -> None:
        try:
            if not (staging / "data" / "neural").is_dir():
                raise UserError(f"{source}: archive has no data/neural/ folder; expected the "
                                "Tuckute et al. 2023 data.tar")
            release.validate(staging / "data")
        except UserError as exc:
            archive.unlink(missing_ok=True)
            kept = " (the release already there is unchanged)" if target.exists() else ""
            raise UserError(f"{exc}; the downloaded archive was deleted{kept}") from exc
        atomic.write_json(staging / release.MANIFEST, {
            "archive": ARCHIVE, "url": source, "sha256": digest, "bytes": size,
            "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })

    unpack(archive, target, validate, max_bytes=4 * size + 2**30, retry=RETRY)
    shutil.rmtree(downloads, ignore_errors=True)
    return target
