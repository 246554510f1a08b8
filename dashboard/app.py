"""``create_app``: the Dash app behind a login wall, with the pages and their callbacks."""

from __future__ import annotations

from pathlib import Path

import dash
import dash_cytoscape as cyto
from dash import Dash
from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from dashboard import _shell
from dashboard._auth import UserStore, install_login, session_secret
from dashboard._callbacks import register_callbacks
from dashboard._data import EXTENSION, DataService
from dashboard._examples import Examples
from dashboard._headers import install_headers
from dashboard._login import install_routes
from dashboard.i18n import t
from dashboard.pages import PAGES
from dashboard.pages.data import UPLOAD_LIMIT
from mining import default_store_path

ASSETS = Path(__file__).parent / "assets"
DEFAULT_UPLOAD_MB = 50


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie's Secure flag decided per request when
    not set: HTTPS directly, or through a proxy that says so in X-Forwarded-Proto (a forged
    header only keeps the cookie from the forger's own plain-HTTP requests)."""

    def __init__(self, secure: bool | None) -> None:
        self.secure = secure

    def get_cookie_secure(self, app: Flask) -> bool:
        if self.secure is not None:
            return self.secure
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
        return request.is_secure or forwarded.lower() == "https"


def create_app(
    store_path: str | Path | None = None,
    *,
    secret: str | None = None,
    users_file: str | Path | None = None,
    workflows: str | Path | None = None,
    upload_limit_mb: float = DEFAULT_UPLOAD_MB,
    examples: Examples | None = None,
    secure_cookies: bool | None = None,
) -> Dash:
    """The dashboard on the event store at ``store_path`` (default: ``mejora``'s store) and the
    workflow store at ``workflows`` (default: ``$MEJORA_WORKFLOWS`` or the user data directory).

    ``secret`` signs the sessions (default: ``$MEJORA_SECRET_KEY`` or a secret generated once
    into the user data directory); ``users_file`` holds the users (default: ``$MEJORA_USERS``
    or ``users.json`` there). ``examples`` are the logs and workflows the Data and Suggestions
    pages offer to load (default: none). ``secure_cookies`` marks the session cookie Secure
    always (True), never (False) or when the request came over HTTPS (None). Serve
    ``app.server`` with any WSGI server, or ``app.run()``.

    Example:
        >>> app = create_app("mejora.duckdb")        # doctest: +SKIP
        >>> app.run(host="127.0.0.1", port=8050)     # doctest: +SKIP
    """
    cyto.load_extra_layouts()
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        title="Mejora",
        update_title=None,
        external_stylesheets=[],
    )
    server = app.server
    limit = int(upload_limit_mb * 2**20)
    server.config.update(
        SECRET_KEY=secret or session_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=limit * 4 // 3 + 2**20,  # base64 upload plus the callback's JSON
        **{UPLOAD_LIMIT: limit},
    )
    server.session_interface = _SessionInterface(secure_cookies)
    service = server.extensions[EXTENSION] = DataService(
        store_path or default_store_path(), workflows=workflows, examples=examples
    )
    # before the login wall, so that every request that starts also ends: the background
    # prefetch waits while requests are answered and stops when none has come for a while
    server.before_request(service.prefetcher.request_started)
    server.teardown_request(lambda _exc: service.prefetcher.request_ended())
    users = UserStore(users_file)
    install_login(server, users)
    install_routes(server, users)
    for page in PAGES:
        dash.register_page(
            page.__name__,
            path=page.PATH,
            order=page.ORDER,
            name=page.NAME,
            role=getattr(page, "ROLE", "analyst"),
            title=lambda page=page, **_: f"Mejora · {t(page.NAME)}",
            layout=page.layout,
        )
    app.layout = _shell.layout
    register_callbacks(app)
    install_headers(app)
    return app


__all__ = ["create_app"]
