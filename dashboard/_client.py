"""Drive callbacks over HTTP the way the browser does (``POST /_dash-update-component``), for the
tests and the latency benchmark."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dash import Dash
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client: FlaskClient, name: str, password: str) -> TestResponse:
    """Sign ``client`` in through the login form (with its CSRF token)."""
    form = client.get("/login").get_data(as_text=True)
    token = CSRF.search(form)
    data = {"csrf": token.group(1) if token else "", "username": name, "password": password}
    return client.post("/login", data=data)


def _unwrapped(func: Callable[..., Any]) -> list[Callable[..., Any]]:
    chain = [func]
    while hasattr(chain[-1], "__wrapped__"):
        chain.append(chain[-1].__wrapped__)
    return chain


class CallbackClient:
    """Calls an app's callbacks through its HTTP endpoint.

    Example:
        >>> calls = CallbackClient(app, client)                            # doctest: +SKIP
        >>> calls.call(process_map.draw_map, view, "frequency", 1.0, 0.8)   # doctest: +SKIP
        {'map-graph.elements': [...], ...}
    """

    def __init__(self, app: Dash, client: FlaskClient) -> None:
        self.app, self.client = app, client
        client.get("/_dash-layout")  # lets Dash finish its set-up (callbacks, pages)

    def key(self, func: Callable[..., Any]) -> str:
        """The callback-map key of a page's callback function."""
        for key, entry in self.app.callback_map.items():
            if func in _unwrapped(entry["callback"]):
                return key
        raise KeyError(f"{func.__name__} is not a callback of this app")

    def post(self, func: Callable[..., Any], *values: Any, changed: int = 0) -> TestResponse:
        """POST the callback with ``values`` for its inputs then states (in the function's
        order); ``changed`` is the index of the input that triggered it."""
        return self.post_key(self.key(func), *values, changed=changed)

    def post_key(self, key: str, *values: Any, changed: int = 0) -> TestResponse:
        """:meth:`post` by callback-map key (for Dash's own callbacks, such as the page
        router ``.._pages_content.children..._pages_store.data..``)."""
        entry = self.app.callback_map[key]
        outputs = entry["output"] if isinstance(entry["output"], list) else [entry["output"]]
        specs = [*entry["inputs"], *entry["state"]]
        if len(values) != len(specs):
            raise ValueError(f"{key} takes {len(specs)} values, got {len(values)}")
        filled = [{**spec, "value": value} for spec, value in zip(specs, values, strict=True)]
        n_inputs = len(entry["inputs"])
        trigger = entry["inputs"][changed]
        body = {
            "output": key,
            "outputs": [{"id": o.component_id, "property": o.component_property} for o in outputs]
            if isinstance(entry["output"], list)
            else {"id": outputs[0].component_id, "property": outputs[0].component_property},
            "inputs": filled[:n_inputs],
            "state": filled[n_inputs:],
            "changedPropIds": [f"{trigger['id']}.{trigger['property']}"],
        }
        return self.client.post("/_dash-update-component", json=body)

    def call(
        self, func: Callable[..., Any] | str, *values: Any, changed: int = 0
    ) -> dict[str, Any]:
        """The outputs of a callback (a page's function, or a callback-map key) as
        ``{"id.property": value}`` (empty when it updated nothing); raises ``PermissionError``
        on 401 / 403."""
        key = func if isinstance(func, str) else self.key(func)
        response = self.post_key(key, *values, changed=changed)
        if response.status_code in (401, 403):
            raise PermissionError(response.status_code)
        if response.status_code == 204:
            return {}
        if response.status_code != 200:
            text = response.get_data(as_text=True)[:500]
            raise RuntimeError(f"{key}: HTTP {response.status_code}: {text}")
        payload = response.get_json()["response"]
        return {
            f"{cid}.{prop.split('@')[0]}": value
            for cid, props in payload.items()
            for prop, value in props.items()
        }
