"""``@callback``: Dash's decorator, with the role check built in and registered per app.

Pages declare their callbacks with ``@callback(..., role="analyst")``; :func:`register_callbacks`
adds them to each app that :func:`dashboard.app.create_app` builds (Dash's global
``dash.callback`` list is consumed by the first app only, so tests and the benchmark could not
build a second one). Every callback first calls :func:`require_role`: the check runs on the
server, whatever the browser shows or hides.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from dash import Dash, ctx
from dash.exceptions import MissingCallbackContextException, PreventUpdate

from dashboard._auth import Role, require_role

F = TypeVar("F", bound=Callable[..., Any])
_CALLBACKS: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []
_CLIENTSIDE: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
# properties that mean "the user did something"; Dash also fires them with no value when a page
# inserts the component, which must not count as a click
EVENTS = frozenset({"n_clicks", "submit_n_clicks", "contents", "tapNodeData", "tapEdgeData"})


def _phantom() -> bool:
    """Whether this call was triggered only by event properties without a value."""
    try:
        fired = list(ctx.triggered)
    except MissingCallbackContextException:
        return False
    return bool(fired) and all(
        item["value"] is None and item["prop_id"].rsplit(".", 1)[-1] in EVENTS for item in fired
    )


def callback(*args: Any, role: Role = "analyst", **kwargs: Any) -> Callable[[F], F]:
    """Declare a Dash callback that only users holding ``role`` (or higher) may run."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*a: Any, **k: Any) -> Any:
            require_role(role)
            if _phantom():
                raise PreventUpdate
            return func(*a, **k)

        guarded.role = role  # type: ignore[attr-defined]
        _CALLBACKS.append((args, kwargs, guarded))
        return guarded  # type: ignore[return-value]

    return decorate


def clientside(code: str, *args: Any, **kwargs: Any) -> None:
    """Declare a callback that runs in the browser only (it never reaches the server, so it
    can only rearrange what the page already holds, such as exporting a grid's rows)."""
    if (code, args, kwargs) not in _CLIENTSIDE:
        _CLIENTSIDE.append((code, args, kwargs))


def register_callbacks(app: Dash) -> None:
    """Add every declared callback to ``app``."""
    for args, kwargs, func in _CALLBACKS:
        app.callback(*args, **kwargs)(func)
    for code, args, kwargs in _CLIENTSIDE:
        app.clientside_callback(code, *args, **kwargs)
