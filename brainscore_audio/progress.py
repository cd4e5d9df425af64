"""Progress bars with one process-wide switch (``--quiet``), shown only on a terminal.

A bar redraws itself with carriage returns and escape codes; in a log file or a pipe those are
noise, so bars are off when stderr is not a terminal (notebook bars, which are widgets, stay).

tqdm reads its ``TQDM_*`` environment defaults when it is imported, so setting ``TQDM_DISABLE``
after the CLI's imports would not reach bars in this process. Every bar of the library is made
here instead, and checks the switch (and ``TQDM_DISABLE``, which worker processes inherit) at the
moment it is created.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from tqdm.auto import tqdm
from tqdm.autonotebook import tqdm as display_tqdm
from tqdm.std import tqdm as std_tqdm

_quiet = False


def set_quiet(quiet: bool) -> None:
    """Silence (or re-enable) every progress bar made after this call."""
    global _quiet
    _quiet = quiet


def enabled() -> bool:
    """Whether bars are shown: not ``--quiet``, ``TQDM_DISABLE`` not set to 1/true, and stderr
    a terminal (or a notebook)."""
    return (not _quiet and os.environ.get("TQDM_DISABLE", "").lower() not in ("1", "true")
            and (_to_terminal() or display_tqdm is not std_tqdm))  # notebook widget


def _to_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def bar(iterable: Iterable | None = None, *, show: bool = True, **kwargs) -> tqdm:
    """A tqdm bar (``leave=False`` by default), hidden when ``show`` is False or progress is
    off."""
    kwargs.setdefault("leave", False)
    return tqdm(iterable, disable=not (show and enabled()), **kwargs)
