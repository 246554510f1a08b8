"""The sign-in form, sign-out and the language switch: plain Flask routes (no Dash), so nothing of
the Dash app is reachable before signing in."""

from __future__ import annotations

import math
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, render_template_string, request, session
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard._auth import Throttle, UserStore, safe_next
from dashboard.i18n import LANGUAGES, current_language, t

PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mejora · {{ t("login.title") }}</title>
<style>
body { font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }
main { max-width: 360px; margin: 12vh auto; background: #fff; padding: 2rem;
       border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } p.sub { color: #667; margin: 0 0 1.5rem; }
label { display: block; font-size: .9rem; margin: .75rem 0 .25rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem;
        border: 1px solid #bbc; border-radius: 4px; }
button { margin-top: 1.25rem; width: 100%; padding: .6rem; font-size: 1rem; border: 0;
         border-radius: 4px; background: #2c6fbb; color: #fff; cursor: pointer; }
.error { background: #fdecea; color: #8a1c1c; padding: .6rem; border-radius: 4px; }
nav { text-align: right; font-size: .85rem; } nav a { margin-left: .5rem; color: #2c6fbb; }
</style></head>
<body><main>
<nav>{% for code in languages %}
<a href="/login?lang={{ code }}&amp;next={{ next|urlencode }}">{{ code|upper }}</a>
{% endfor %}</nav>
<h1>Mejora</h1><p class="sub">{{ t("login.subtitle") }}</p>
{% if error %}<p class="error" id="login-error">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="next" value="{{ next }}">
<label for="username">{{ t("login.user") }}</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">{{ t("login.password") }}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login-submit">{{ t("login.submit") }}</button>
</form></main></body></html>"""


def _form(error: str = "", status: int = 200) -> Response:
    token = session.setdefault("csrf", secrets.token_urlsafe(24))
    html = render_template_string(
        PAGE,
        t=t,
        lang=current_language(),
        languages=LANGUAGES,
        error=error,
        csrf=token,
        next=safe_next(request.values.get("next")),
    )
    return Response(html, status=status, mimetype="text/html")


def install_routes(server: Flask, users: UserStore) -> None:
    """``/login`` (GET form, POST credentials), ``/logout`` and ``/lang/<code>``."""
    throttle = Throttle()

    @server.route("/login", methods=["GET", "POST"])
    def login() -> Response | WerkzeugResponse:
        if request.method == "GET":
            if request.args.get("lang") in LANGUAGES:
                session["lang"] = request.args["lang"]
            return _form()
        if not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "-")):
            return _form(t("login.expired"), 400)
        name = request.form.get("username", "").strip()
        client = request.remote_addr or "-"
        wait = throttle.wait(name, client)
        if wait > 0:
            seconds = math.ceil(wait)
            response = _form(t("login.throttled", seconds=seconds), 429)
            response.headers["Retry-After"] = str(seconds)
            return response
        user = users.check(name, request.form.get("password", ""))
        if user is None:
            throttle.fail(name, client)
            return _form(t("login.wrong"), 401)
        throttle.clear(name, client)
        lang = session.get("lang")
        session.clear()  # a fresh session on sign-in (no fixation)
        if lang:
            session["lang"] = lang
        login_user(users.open_session(user))
        return redirect(safe_next(request.form.get("next")))

    @server.route("/logout")
    def logout() -> WerkzeugResponse:
        if current_user.is_authenticated:
            users.close_session(current_user._get_current_object())  # type: ignore[attr-defined]
        logout_user()
        session.clear()
        return redirect("/login")

    @server.route("/lang/<code>")
    def language(code: str) -> WerkzeugResponse:
        if code in LANGUAGES:
            session["lang"] = code
        back = request.args.get("next")
        if back is None and request.referrer:
            came = urlsplit(request.referrer)
            if came.netloc == request.host:  # back to the page it was clicked on, same site only
                back = came.path + (f"?{came.query}" if came.query else "")
        return redirect(safe_next(back))
