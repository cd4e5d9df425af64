"""Fixtures for every test in the repository: library tests (tests/) and plugin tests
(benchmarks/*/, submissions/*/) alike."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

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


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The team's small protocol data, ``shared/data`` beside the clone (CI puts it there; a
    worktree finds it further up)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    pytest.fail("shared/data not found beside the clone (CI provides ../shared/data)")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; paths in ``server.answers`` get a canned answer instead (looked up with
    the query string first, then without). Every requested path is logged in
    ``server.requests``."""

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        answer = self.server.answers.get(self.path, self.server.answers.get(
            self.path.split("?", 1)[0]))
        if answer is None:
            return super().do_GET()
        status, headers, body = answer
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
        return None


@pytest.fixture
def http_server():
    """Serve a folder over loopback HTTP: ``base_url = http_server(folder)``.

    For testing fetchers end to end against archives the test writes in the real layout.
    ``answers={"/path": (status, headers, body)}`` serves canned answers for some paths (an
    error page, a ``Content-Length`` larger than the body to cut a transfer short).
    ``http_server.requests`` lists every path requested from the servers of the test.
    """
    servers = []
    requests: list[str] = []

    def serve(folder, answers: dict | None = None) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.answers = dict(answers or {})
        server.requests = requests
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    serve.requests = requests
    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
