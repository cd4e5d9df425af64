"""Calling plugin code: an exit or a stray interrupt raised by a plugin is the plugin's error.

A plugin that calls ``sys.exit()`` or raises ``KeyboardInterrupt`` would otherwise end
``benchmark run`` or ``benchmark validate`` with exit status 0 and no message. Inside
:func:`guarded`, ``SystemExit`` becomes a :class:`PluginError` naming the call, and so does a
``KeyboardInterrupt`` unless the user really pressed Ctrl-C (a SIGINT arrived during the call;
watched in the main thread, elsewhere every interrupt counts as the user's).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import UserError


class PluginError(UserError):
    """Plugin code exited or raised an interrupt instead of an exception."""


_sigints = 0


def _count_sigint(previous):
    def handler(signum, frame):
        global _sigints
        _sigints += 1
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt
    return handler


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run plugin code (``what`` names it, e.g. ``"model 'x': embed()"``)."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    if main:
        signal.signal(signal.SIGINT, _count_sigint(previous))
    before = _sigints
    try:
        yield
    except SystemExit as exc:
        if main and _sigints > before:
            raise  # Ctrl-C, turned into an exit by a handler installed before this call
        raise PluginError(f"{what} called exit ({exc.code!r}): a plugin must raise an exception, "
                          "never end the process") from None
    except KeyboardInterrupt:
        if not main or _sigints > before:
            raise  # the user pressed Ctrl-C
        raise PluginError(f"{what} raised KeyboardInterrupt although nobody pressed Ctrl-C: a "
                          "plugin must raise an ordinary exception") from None
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
