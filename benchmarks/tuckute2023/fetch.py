"""``benchmark fetch nh2015`` (also ``b2021``, ``nh2015comp``: the same archive).

The archive is downloaded with pooch into ``<data_dir>/tuckute2023.download/``, its sha256 is
computed (the publisher gives none), it is unpacked safely into ``<data_dir>/tuckute2023/`` and
the whole release is validated. ``<data_dir>/tuckute2023/fetch.json`` keeps the URL and the
archive's sha256, which every score record then carries. The archive itself is deleted after
unpacking (about 180 MB).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from brainscore_audio import atomic
from brainscore_audio.download import download, sha256_file, unpack
from brainscore_audio.errors import UserError

from . import release

ARCHIVE = "data.tar"


def fetch(data_dir: str | Path, force: bool = False, url: str | None = None) -> Path:
    """Download, unpack and validate the release; returns ``<data_dir>/tuckute2023``.

    An existing, valid release is kept unless ``force``. ``url`` overrides the publisher's
    (a mirror, or ``file://`` / a local server in tests).
    """
    data_dir = Path(data_dir).expanduser()
    target = data_dir / release.FOLDER
    if not force and (target / "data" / "neural").is_dir():
        release.validate(target / "data")
        return target
    staging = data_dir / f"{release.FOLDER}.download"
    if force:
        shutil.rmtree(staging, ignore_errors=True)
    source = url or release.URL
    archive = download(source, staging, filename=ARCHIVE)
    digest = sha256_file(archive)
    unpack(archive, target)
    if not (target / "data" / "neural").is_dir():
        raise UserError(f"{source}: archive has no data/neural/ folder; expected the Tuckute et "
                        "al. 2023 data.tar")
    atomic.write_json(target / release.MANIFEST, {
        "archive": ARCHIVE, "url": source, "sha256": digest,
        "bytes": archive.stat().st_size,
        "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    shutil.rmtree(staging, ignore_errors=True)
    release.validate(target / "data")
    return target
