"""Users (admins): the users and their roles; add one (with a generated password shown once),
change a role, reset a password, remove a user — each change after a confirmation. Every
callback needs the admin role, checked on the server; an admin cannot remove or demote
themself, nor the last admin (:class:`dashboard._auth.UserStore` refuses)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard._auth import ROLES, UserRefused, holds, new_password, require_role, user_store
from dashboard._callbacks import callback
from dashboard._components import card, field, grid, message
from dashboard.i18n import t

PATH, ORDER, NAME, ROLE = "/users", 9, "nav.users", "admin"


def _role_options() -> list[dict[str, str]]:
    return [{"label": t(f"role.{role}"), "value": role} for role in ROLES]


def layout(**_: Any) -> html.Div:
    """The page (admins only; others get a notice, and the server refuses their callbacks)."""
    if not holds("admin"):
        return html.Div([html.H2(t("users.title")), message(t("users.admins_only"), "warning")])
    columns = [
        {"field": "name", "headerName": t("col.user")},
        {"field": "role_label", "headerName": t("col.role")},
        {"field": "created", "headerName": t("col.created")},
    ]
    return html.Div(
        [
            html.H2(t("users.title")),
            dcc.Store(id=ids.USERS_REFRESH, data=0),
            html.Div(id=ids.USERS_MESSAGE),
            card(
                t("users.add"),
                dbc.Row(
                    [
                        dbc.Col(
                            field(t("users.name"), dbc.Input(id=ids.USERS_NAME, type="text")),
                            md=5,
                        ),
                        dbc.Col(
                            field(
                                t("users.role"),
                                dbc.Select(
                                    id=ids.USERS_NEW_ROLE, options=_role_options(), value="analyst"
                                ),
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            dbc.Button(
                                t("users.add_button"),
                                id=ids.USERS_ADD,
                                color="primary",
                                className="mt-4",
                            ),
                            md=3,
                        ),
                    ]
                ),
            ),
            card(
                t("users.list"),
                grid(ids.USERS_GRID, columns, height=280, selectable=True, row_id="name"),
                html.Small(t("users.selected")),
                dbc.Row(
                    [
                        dbc.Col(
                            dbc.Select(id=ids.USERS_ROLE, options=_role_options(), value="analyst"),
                            md=4,
                        ),
                        dbc.Col(
                            dbc.ButtonGroup(
                                [
                                    dbc.Button(
                                        t("users.set_role"),
                                        id=ids.USERS_SET_ROLE,
                                        color="primary",
                                        size="sm",
                                    ),
                                    dbc.Button(
                                        t("users.reset"),
                                        id=ids.USERS_RESET,
                                        color="secondary",
                                        outline=True,
                                        size="sm",
                                    ),
                                    dbc.Button(
                                        t("users.remove"),
                                        id=ids.USERS_REMOVE,
                                        color="danger",
                                        outline=True,
                                        size="sm",
                                    ),
                                ]
                            ),
                            md=8,
                        ),
                    ],
                    className="mt-1",
                ),
                dcc.ConfirmDialog(id=ids.USERS_ROLE_CONFIRM),
                dcc.ConfirmDialog(id=ids.USERS_RESET_CONFIRM),
                dcc.ConfirmDialog(id=ids.USERS_REMOVE_CONFIRM),
            ),
        ]
    )


def refused(exc: UserRefused, name: str) -> dbc.Alert:
    """Why a change was refused, in the user's language."""
    return message(t(f"users.refused.{exc.reason}", name=name), "danger")


@callback(
    Output(ids.USERS_GRID, "rowData"),
    Input(ids.USERS_REFRESH, "data"),
    role="admin",
)
def list_users(_refresh: int) -> list[dict[str, Any]]:
    """Every user with their role and when they were created."""
    require_role("admin")
    store = user_store()
    created = store.created()
    return [
        {
            "name": user.name,
            "role": user.role,
            "role_label": t(f"role.{user.role}"),
            "created": created.get(user.name, "").replace("T", " ")[:16],
        }
        for user in store.users()
    ]


@callback(
    Output(ids.USERS_MESSAGE, "children", allow_duplicate=True),
    Output(ids.USERS_REFRESH, "data", allow_duplicate=True),
    Output(ids.USERS_NAME, "value"),
    Input(ids.USERS_ADD, "n_clicks"),
    State(ids.USERS_NAME, "value"),
    State(ids.USERS_NEW_ROLE, "value"),
    State(ids.USERS_REFRESH, "data"),
    prevent_initial_call=True,
    role="admin",
)
def add_user(_clicks: int, name: str | None, role: str | None, refresh: int) -> tuple:
    """Create the user with a generated password, shown once in the message."""
    require_role("admin")
    name = (name or "").strip()
    password = new_password()
    try:
        user = user_store().add(name, password, role=role)  # type: ignore[arg-type]
    except UserRefused as exc:
        return refused(exc, name), no_update, no_update
    text = t("users.added", name=user.name, role=t(f"role.{user.role}"), password=password)
    return message(text, "success"), (refresh or 0) + 1, ""


_DIALOGS = {
    ids.USERS_SET_ROLE: "users.confirm_role",
    ids.USERS_RESET: "users.confirm_reset",
    ids.USERS_REMOVE: "users.confirm_remove",
}


@callback(
    Output(ids.USERS_ROLE_CONFIRM, "displayed"),
    Output(ids.USERS_ROLE_CONFIRM, "message"),
    Output(ids.USERS_RESET_CONFIRM, "displayed"),
    Output(ids.USERS_RESET_CONFIRM, "message"),
    Output(ids.USERS_REMOVE_CONFIRM, "displayed"),
    Output(ids.USERS_REMOVE_CONFIRM, "message"),
    Output(ids.USERS_MESSAGE, "children", allow_duplicate=True),
    Input(ids.USERS_SET_ROLE, "n_clicks"),
    Input(ids.USERS_RESET, "n_clicks"),
    Input(ids.USERS_REMOVE, "n_clicks"),
    State(ids.USERS_GRID, "selectedRows"),
    State(ids.USERS_ROLE, "value"),
    prevent_initial_call=True,
    role="admin",
)
def confirm_change(
    _role: int, _reset: int, _remove: int, selected: list[dict[str, Any]] | None, role: str | None
) -> tuple:
    """Ask before changing a role, resetting a password or removing the selected user."""
    require_role("admin")
    if not selected:
        return False, "", False, "", False, "", message(t("users.pick"), "warning")
    name = str(selected[0].get("name", ""))
    label = t(f"role.{role}") if role in ROLES else ""
    out: list[Any] = []
    for button, key in _DIALOGS.items():
        shown = ctx.triggered_id == button
        out += [shown, t(key, name=name, role=label) if shown else ""]
    return (*out, "")


@callback(
    Output(ids.USERS_MESSAGE, "children", allow_duplicate=True),
    Output(ids.USERS_REFRESH, "data", allow_duplicate=True),
    Input(ids.USERS_ROLE_CONFIRM, "submit_n_clicks"),
    Input(ids.USERS_RESET_CONFIRM, "submit_n_clicks"),
    Input(ids.USERS_REMOVE_CONFIRM, "submit_n_clicks"),
    State(ids.USERS_GRID, "selectedRows"),
    State(ids.USERS_ROLE, "value"),
    State(ids.USERS_REFRESH, "data"),
    prevent_initial_call=True,
    role="admin",
)
def change_user(
    _role: int,
    _reset: int,
    _remove: int,
    selected: list[dict[str, Any]] | None,
    role: str | None,
    refresh: int,
) -> tuple:
    """Apply the confirmed change; the store refuses the admin's own account and the last
    admin, and the message says why."""
    admin = require_role("admin")
    if not selected:
        return message(t("users.pick"), "warning"), no_update
    name = str(selected[0].get("name", ""))
    store = user_store()
    try:
        if ctx.triggered_id == ids.USERS_ROLE_CONFIRM:
            user = store.set_role(name, role, by=admin.name)  # type: ignore[arg-type]
            text = t("users.role_changed", name=name, role=t(f"role.{user.role}"))
        elif ctx.triggered_id == ids.USERS_RESET_CONFIRM:
            text = t("users.password_reset", name=name, password=store.reset_password(name))
        else:
            store.remove(name, by=admin.name)
            text = t("users.removed", name=name)
    except UserRefused as exc:
        return refused(exc, name), (refresh or 0) + 1
    return message(text, "success"), (refresh or 0) + 1
