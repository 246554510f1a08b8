"""User management: the store's rules (shared by ``mejora user`` and the Users page) and the
page's callbacks through the HTTP endpoint, with the admin role checked on the server."""

from __future__ import annotations

import json
import re

import pytest

from dashboard import UserStore
from dashboard._auth import UserRefused
from dashboard._client import CallbackClient, sign_in
from dashboard.app import create_app
from dashboard.pages import users
from mejora.cli import main

PASSWORD = "a-test-password"


# -- the store (one implementation for the CLI and the page) ------------------------------------
def test_roles_passwords_and_the_last_admin(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("root", PASSWORD, role="admin")
    store.add("ana", PASSWORD, role="analyst")
    assert store.set_role("ana", "manager").role == "manager"
    assert store.get("ana").role == "manager"
    new = store.reset_password("ana")
    assert len(new) == 16 and store.check("ana", new) and not store.check("ana", PASSWORD)
    with pytest.raises(UserRefused, match="last admin") as refused:
        store.set_role("root", "analyst")
    assert refused.value.reason == "last_admin"
    with pytest.raises(UserRefused) as refused:
        store.remove("root")
    assert refused.value.reason == "last_admin" and store.get("root").role == "admin"
    with pytest.raises(UserRefused) as refused:
        store.add("root", PASSWORD, role="manager", replace=True)
    assert refused.value.reason == "last_admin"
    store.set_role("ana", "admin")
    with pytest.raises(UserRefused) as refused:
        store.remove("ana", by="ana")
    assert refused.value.reason == "self"
    store.remove("root", by="ana")  # another admin is left
    assert store.names() == ["ana"]
    with pytest.raises(UserRefused) as refused:
        store.set_role("nobody", "admin")
    assert refused.value.reason == "unknown"


def test_role_and_reset_commands(tmp_path, capsys):
    path = tmp_path / "users.json"
    store = UserStore(path)
    store.add("root", PASSWORD, role="admin")
    store.add("bo", PASSWORD, role="analyst")
    assert main(["user", "role", "bo", "manager", "--users", str(path)]) == 0
    assert "user bo is now manager" in capsys.readouterr().out
    assert main(["user", "reset", "bo", "--users", str(path)]) == 0
    password = re.search(r"new password for bo: (\S+)", capsys.readouterr().out).group(1)
    assert store.check("bo", password).role == "manager"
    assert main(["user", "remove", "root", "--users", str(path)]) == 2  # the last admin
    assert store.get("root") is not None


# -- the page -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("users-page")
    store = UserStore(folder / "users.json")
    for name, role in (("root", "admin"), ("ana", "analyst"), ("marta", "manager")):
        store.add(name, PASSWORD, role=role)
    application = create_app(
        folder / "store.duckdb", secret="u" * 64, users_file=store.path, workflows=folder / "wf"
    )
    application.users = store
    return application


def client_for(app, name: str, password: str = PASSWORD) -> CallbackClient:
    client = app.server.test_client()
    assert sign_in(client, name, password).status_code == 302
    return CallbackClient(app, client)


@pytest.fixture(scope="module")
def root(app) -> CallbackClient:
    return client_for(app, "root")


def _text(out: dict) -> str:
    return json.dumps(out["users-message.children"], ensure_ascii=False)


def _password(out: dict) -> str:
    return re.search(r"Password: (\S+) —", _text(out)).group(1)


def test_only_admins_see_the_page_and_every_callback_refuses_others(app, root):
    assert '"/users"' in json.dumps(root.client.get("/_dash-layout").get_json())
    for name in ("ana", "marta"):
        who = client_for(app, name)
        assert "/users" not in json.dumps(who.client.get("/_dash-layout").get_json())
        forged = [
            (users.list_users, (1,)),
            (users.add_user, (1, "mallory", "admin", 0)),
            (users.confirm_change, (None, None, 1, [{"name": "root"}], "analyst")),
            (users.change_user, (None, None, 1, [{"name": "root"}], "analyst", 0)),
            (users.change_user, (1, None, None, [{"name": name}], "admin", 0)),
        ]
        for func, values in forged:
            with pytest.raises(PermissionError, match="403"):
                who.call(func, *values)
    assert app.users.get("mallory") is None and app.users.get("root").role == "admin"
    assert app.users.get("ana").role == "analyst"


def test_an_admin_adds_a_user_who_can_then_sign_in(app, root):
    out = root.call(users.add_user, 1, " eva ", "analyst", 0)
    assert out["users-refresh.data"] == 1 and out["users-name.value"] == ""
    password = _password(out)
    assert "Added eva (analyst)" in _text(out) and len(password) == 16
    eva = client_for(app, "eva", password)  # signs in with the password shown once
    assert eva.client.get("/").status_code == 200
    with pytest.raises(PermissionError, match="403"):  # an analyst, as added
        eva.call(users.list_users, 1)
    rows = root.call(users.list_users, 1)["users-grid.rowData"]
    assert [(r["name"], r["role"]) for r in rows] == [
        ("ana", "analyst"),
        ("eva", "analyst"),
        ("marta", "manager"),
        ("root", "admin"),
    ]
    again = root.call(users.add_user, 2, "eva", "manager", 1)
    assert "exists already" in _text(again) and "users-refresh.data" not in again
    bad = root.call(users.add_user, 3, "bad name!", "analyst", 1)
    assert "letters, digits" in _text(bad)


def test_role_change_reset_and_remove_each_after_a_confirmation(app, root):
    app.users.add("leo", PASSWORD, role="analyst")
    leo = [{"name": "leo"}]
    asked = root.call(users.confirm_change, 1, None, None, leo, "manager", changed=0)
    assert asked["users-role-confirm.displayed"] is True
    assert asked["users-role-confirm.message"] == "Make leo manager?"
    assert asked["users-remove-confirm.displayed"] is False
    assert app.users.get("leo").role == "analyst"  # asking changes nothing
    done = root.call(users.change_user, 1, None, None, leo, "manager", 0, changed=0)
    assert "leo is now manager" in _text(done) and app.users.get("leo").role == "manager"

    asked = root.call(users.confirm_change, None, 1, None, leo, "manager", changed=1)
    assert asked["users-reset-confirm.displayed"] is True
    done = root.call(users.change_user, None, 1, None, leo, "manager", 1, changed=1)
    password = re.search(r"New password for leo: (\S+) —", _text(done)).group(1)
    assert app.users.check("leo", password) and not app.users.check("leo", PASSWORD)

    asked = root.call(users.confirm_change, None, None, 1, leo, "manager", changed=2)
    assert asked["users-remove-confirm.message"].startswith("Remove the user leo?")
    done = root.call(users.change_user, None, None, 1, leo, "manager", 2, changed=2)
    assert "Removed leo." in _text(done) and app.users.get("leo") is None
    nothing = root.call(users.confirm_change, 1, None, None, [], "admin", changed=0)
    assert nothing["users-role-confirm.displayed"] is False
    assert "Select a user" in _text(nothing)


def test_an_admin_cannot_remove_or_demote_themself(app, root):
    me = [{"name": "root"}]
    demote = root.call(users.change_user, 1, None, None, me, "analyst", 0, changed=0)
    assert "cannot remove your own account or change your own role" in _text(demote)
    remove = root.call(users.change_user, None, None, 1, me, "analyst", 0, changed=2)
    assert "cannot remove your own account" in _text(remove)
    assert app.users.get("root").role == "admin"


def test_the_page_speaks_spanish(app):
    es = client_for(app, "root")
    es.client.get("/lang/es")
    out = es.call(users.add_user, 1, "zoe", "manager", 0)
    assert "Añadido zoe (responsable). Contraseña:" in _text(out)
    me = es.call(users.change_user, None, None, 1, [{"name": "root"}], "admin", 1, changed=2)
    assert "No puedes eliminar tu propia cuenta" in _text(me)
