"""Security headers: on every page a Content-Security-Policy with no inline script but Dash's
own (by hash), and on every response the anti-framing, referrer and MIME-sniffing headers
(OWASP ASVS 14.4)."""

from __future__ import annotations

from dash import Dash
from flask import Response


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy: everything from this origin; scripts only from it or with one of the given
    hashes (Dash's renderer start-up and clientside callbacks); inline styles allowed, because
    plotly.js and AG Grid write ``<style>`` elements at run time."""
    rules = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in rules.items())


def install_headers(app: Dash) -> None:
    """Add the headers to every response of ``app.server``. The policy goes on pages (HTML:
    a policy only governs documents), with the script hashes taken as the page goes out, so
    clientside callbacks registered after the app was made count too; callback and asset
    responses, the hot path, hash nothing."""

    @app.server.after_request
    def _headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            policy = content_security_policy(list(app.csp_hashes()))
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
