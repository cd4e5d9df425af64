"""Fixtures for every test in the repository: library tests (tests/) and plugin tests
(benchmarks/*/, submissions/*/) alike."""

from __future__ import annotations

import functools
import http.server
import threading

import numpy as np
import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_dirs(tmp_path_factory):
    """Every test session gets its own activation cache and data folder, so tests never read
    or write the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("BRAINSCORE_AUDIO_CACHE", str(tmp_path_factory.mktemp("activation-cache")))
    patch.setenv("BRAINSCORE_AUDIO_DATA", str(tmp_path_factory.mktemp("data")))
    yield
    patch.undo()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def http_server():
    """Serve a folder over loopback HTTP: ``base_url = http_server(folder)``.

    For testing fetchers end to end against archives the test writes in the real layout.
    """
    servers = []

    def serve(folder) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
