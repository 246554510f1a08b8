"""Serving the dashboard: gunicorn with one worker process and a pool of threads (the default of
``mejora dashboard``), or Flask's own threaded server (``--server flask``, or where gunicorn does
not run, e.g. Windows).

One process, because DuckDB lets one process at a time write an event store (uploads, vocabulary
revisions and deletions are writes), and because one process keeps one cache that every user of
the same view shares, and one follows index per log instead of a copy per worker. Threads are
enough for the work: the heavy part of a request runs inside DuckDB or numpy, which release the
GIL, so a second core is used without a second process.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

SERVERS = ("gunicorn", "flask")
DEFAULT_THREADS = 16


def has_gunicorn() -> bool:
    """Whether gunicorn can be imported here (it runs on Unix only)."""
    return os.name == "posix" and importlib.util.find_spec("gunicorn") is not None


def gunicorn_options(host: str, port: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for the dashboard: one worker (see the module's docstring), ``threads``
    threads, keep-alive connections as a browser uses them, access log off (every callback is a
    request), and a timeout long enough for the first map of a big log."""
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "keepalive": 30,
        "timeout": 300,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "mejora-dashboard",
    }


def run_server(
    make_app: Callable[[], Any],
    host: str,
    port: int,
    *,
    server: str = "gunicorn",
    threads: int = DEFAULT_THREADS,
) -> None:
    """Serve the Dash app ``make_app()`` returns on ``host:port`` until stopped. With gunicorn
    the app is made in the worker process, after the fork (a DuckDB connection does not survive
    one)."""
    if server not in SERVERS:
        raise ValueError(f"server must be one of {', '.join(SERVERS)}, not {server!r}")
    if server == "flask" or not has_gunicorn():
        make_app().run(host=host, port=port, debug=False, threaded=True)
        return
    from gunicorn.app.base import BaseApplication

    class _Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(host, port, threads).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return make_app().server

    _Application().run()
