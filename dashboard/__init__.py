"""The Plotly Dash app for analysts, managers and admins (issue 8): ``create_app`` builds it,
``mejora dashboard`` serves it. Dash itself loads only when ``create_app`` is first used, so
the other ``mejora`` commands stay quick."""

from __future__ import annotations

from typing import Any

from dashboard._auth import ROLES, User, UserStore, require_role
from dashboard._examples import Examples

__all__ = ["ROLES", "Examples", "User", "UserStore", "create_app", "require_role"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from dashboard.app import create_app

        return create_app
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")
