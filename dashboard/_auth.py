"""Users, roles, the session secret and the login wall.

Users live in a JSON file (``$MEJORA_USERS`` or ``users.json`` in the user data directory) with
werkzeug-hashed passwords; the session secret is generated on first run into ``dashboard-secret``
beside it (``$MEJORA_SECRET_KEY`` overrides it). Every request except the login form needs a
signed-in user, and callbacks check the role on the server with :func:`require_role`.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args
from urllib.parse import urlsplit

import platformdirs
from flask import Flask, Response, current_app, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.security import check_password_hash, generate_password_hash

Role = Literal["analyst", "manager", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
RANK = {role: i for i, role in enumerate(ROLES)}
PUBLIC_PATHS = frozenset({"/login"})
MIN_PASSWORD = 8
MAX_SESSIONS = 20  # open sessions kept per user (sign-ins on several browsers)
USERS_EXTENSION = "mejora-users"


class UserRefused(ValueError):
    """A user change refused; ``reason`` names why (for the dashboard's translated message):
    "self" (an admin changing their own account), "last_admin", "unknown", "exists", "name",
    "role" or "password"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def new_password() -> str:
    """A random password to hand out once (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def data_dir() -> Path:
    """The user data directory Mejora keeps its files in."""
    return platformdirs.user_data_path("mejora")


def default_users_file() -> Path:
    """``$MEJORA_USERS`` if set, else ``users.json`` in the user data directory."""
    env = os.environ.get("MEJORA_USERS")
    return Path(env) if env else data_dir() / "users.json"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically to ``path``, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def session_secret(path: Path | None = None) -> str:
    """``$MEJORA_SECRET_KEY``, else the secret in ``path`` (default: ``dashboard-secret`` in the
    user data directory), generated there on first use."""
    env = os.environ.get("MEJORA_SECRET_KEY")
    if env:
        return env
    path = path or data_dir() / "dashboard-secret"
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if len(text) >= 32:
            return text
    secret = secrets.token_hex(32)
    _write_private(path, secret + "\n")
    return secret


@dataclass(frozen=True)
class User(UserMixin):
    """A signed-in person: name and role, and the server-side session they signed in with."""

    name: str
    role: Role
    session: str = field(default="", compare=False, repr=False)

    def get_id(self) -> str:
        """Flask-Login's key for the session: the name and a session id the store must still
        hold, so signing out (or a password reset) ends a copied cookie too."""
        return f"{self.name}|{self.session}"

    def can(self, role: Role) -> bool:
        """Whether this user holds ``role`` or a higher one (analyst < manager < admin)."""
        return RANK[self.role] >= RANK[role]


class UserStore:
    """Users with hashed passwords in a JSON file.

    Example:
        >>> users = UserStore("users.json")                     # doctest: +SKIP
        >>> users.add("ana", "a long password", role="analyst")  # doctest: +SKIP
        >>> users.check("ana", "a long password")                # doctest: +SKIP
        User(name='ana', role='analyst')
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_users_file()
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8")).get("users", {})

    def _write(self, users: dict[str, dict[str, Any]]) -> None:
        _write_private(self.path, json.dumps({"users": users}, indent=2, sort_keys=True) + "\n")

    def names(self) -> list[str]:
        """Every user name."""
        return sorted(self._read())

    def get(self, name: str) -> User | None:
        """The user called ``name``, if any."""
        entry = self._read().get(name)
        return User(name, entry["role"]) if entry else None  # type: ignore[arg-type]

    def users(self) -> list[User]:
        """Every user, by name."""
        return [User(name, entry["role"]) for name, entry in sorted(self._read().items())]  # type: ignore[arg-type]

    def add(self, name: str, password: str, *, role: Role, replace: bool = False) -> User:
        """Create (or with ``replace``, reset) a user; the password is stored hashed."""
        if role not in ROLES:
            raise UserRefused("role", f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise UserRefused(
                "name", f"invalid user name {name!r}: use letters, digits, '_', '-', '.'"
            )
        if len(password) < MIN_PASSWORD:
            raise UserRefused("password", f"the password needs at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self._read()
            if name in users and not replace:
                raise UserRefused("exists", f"user {name!r} exists already")
            if replace and name in users and users[name]["role"] == "admin" and role != "admin":
                self._keep_an_admin(users, name)
            users[name] = {
                "password": generate_password_hash(password),
                "role": role,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            self._write(users)
        return User(name, role)

    def created(self) -> dict[str, str]:
        """When each user was created (ISO time), by name."""
        return {name: entry.get("created", "") for name, entry in sorted(self._read().items())}

    @staticmethod
    def _keep_an_admin(users: dict[str, dict[str, Any]], name: str) -> None:
        others = [n for n, e in users.items() if e["role"] == "admin" and n != name]
        if users[name]["role"] == "admin" and not others:
            raise UserRefused("last_admin", f"{name} is the last admin; make another admin first")

    def _entry(self, users: dict[str, dict[str, Any]], name: str, by: str | None) -> None:
        if name not in users:
            raise UserRefused("unknown", f"no user named {name!r}")
        if by is not None and name == by:
            raise UserRefused("self", "you cannot remove or change the role of your own account")

    def remove(self, name: str, *, by: str | None = None) -> None:
        """Delete a user; refused for the last admin, and for ``by`` (the admin asking) themself."""
        with self._lock:
            users = self._read()
            self._entry(users, name, by)
            self._keep_an_admin(users, name)
            del users[name]
            self._write(users)

    def set_role(self, name: str, role: Role, *, by: str | None = None) -> User:
        """Give a user another role; demoting the last admin, or ``by`` themself, is refused."""
        if role not in ROLES:
            raise UserRefused("role", f"role must be one of {', '.join(ROLES)}, not {role!r}")
        with self._lock:
            users = self._read()
            self._entry(users, name, by)
            if role != "admin":
                self._keep_an_admin(users, name)
            users[name]["role"] = role
            self._write(users)
        return User(name, role)

    def reset_password(self, name: str, password: str | None = None) -> str:
        """Set a new password (a random one when none is given) and return it, to show once."""
        password = new_password() if password is None else password
        if len(password) < MIN_PASSWORD:
            raise UserRefused("password", f"the password needs at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self._read()
            self._entry(users, name, None)
            users[name]["password"] = generate_password_hash(password)
            users[name]["sessions"] = {}  # a new password ends every session of the old one
            self._write(users)
        return password

    def open_session(self, user: User) -> User:
        """A new server-side session for ``user`` (the newest ``MAX_SESSIONS`` are kept)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            users = self._read()
            self._entry(users, user.name, None)
            sessions = dict(users[user.name].get("sessions", {}))
            sessions[token] = datetime.now(UTC).isoformat(timespec="seconds")
            newest = sorted(sessions, key=lambda k: sessions[k])[-MAX_SESSIONS:]
            users[user.name]["sessions"] = {k: sessions[k] for k in newest}
            self._write(users)
        return replace(user, session=token)

    def close_session(self, user: User) -> None:
        """End one session (sign-out): its cookie no longer signs anyone in."""
        with self._lock:
            users = self._read()
            sessions = users.get(user.name, {}).get("sessions", {})
            if user.session in sessions:
                del sessions[user.session]
                self._write(users)

    def load(self, user_id: str) -> User | None:
        """The user a session cookie names (``name|session``), if the session is still open."""
        name, _, token = user_id.partition("|")
        entry = self._read().get(name)
        if entry is None or not token or token not in entry.get("sessions", {}):
            return None
        return User(name, entry["role"], session=token)

    def check(self, name: str, password: str) -> User | None:
        """The user if ``password`` is right, else None."""
        entry = self._read().get(name)
        if entry is None:
            check_password_hash(_DUMMY_HASH, password)  # same time whether or not the name exists
            return None
        if not check_password_hash(entry["password"], password):
            return None
        return User(name, entry["role"])  # type: ignore[arg-type]

    def ensure_admin(self) -> str | None:
        """With no users yet, create ``admin`` with a random password and return the password
        (to show once); otherwise None."""
        if self._read():
            return None
        password = new_password()
        self.add("admin", password, role="admin")
        return password


_DUMMY_HASH = generate_password_hash("not a real password")


@dataclass(frozen=True)
class Backoff:
    """After ``free`` failures of one key within ``window`` seconds, each further attempt waits
    2, 4, 8 ... seconds after the last failure, never more than ``cap``."""

    free: int
    cap: float
    window: float = 900.0

    def wait(self, failures: list[float], now: float) -> float:
        """Seconds until the next attempt is allowed (0: now)."""
        if len(failures) < self.free:
            return 0.0
        delay = min(2.0 ** (len(failures) - self.free + 1), self.cap)
        return max(0.0, failures[-1] + delay - now)


class Throttle:
    """Backoff, not lock-out (OWASP ASVS 2.2.1): failed sign-ins slow down the next attempt of
    the same name from the same client (``pair``: 5 free, up to 5 minutes), of the same client
    whatever the name (``client``: 20 free, up to 15 minutes: guessing across many names), and
    of the name from anywhere (``name``: 20 free, up to 10 seconds: a distributed guess). So
    nobody can lock the real user out: from their own browser they wait 10 seconds at most.
    Refused attempts are not counted; a success clears its pair and name."""

    POLICIES: ClassVar[dict[str, Backoff]] = {
        "pair": Backoff(free=5, cap=300.0),
        "client": Backoff(free=20, cap=900.0),
        "name": Backoff(free=20, cap=10.0),
    }

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[tuple[str, ...], list[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, client: str) -> dict[str, tuple[str, ...]]:
        return {
            "pair": ("pair", name, client),
            "client": ("client", client),
            "name": ("name", name),
        }

    def wait(self, name: str, client: str) -> float:
        """Seconds ``client`` must wait before trying ``name`` again (0: it may now)."""
        now = self._clock()
        longest = 0.0
        with self._lock:
            for policy, key in self._keys(name, client).items():
                rule = self.POLICIES[policy]
                recent = [t for t in self._failures.get(key, []) if now - t < rule.window]
                if recent:
                    self._failures[key] = recent
                else:
                    self._failures.pop(key, None)
                longest = max(longest, rule.wait(recent, now))
        return longest

    def fail(self, name: str, client: str) -> None:
        """Record a failed attempt."""
        now = self._clock()
        with self._lock:
            for key in self._keys(name, client).values():
                self._failures.setdefault(key, []).append(now)

    def clear(self, name: str, client: str) -> None:
        """Forget the name's failures after a successful sign-in (the client's stay)."""
        keys = self._keys(name, client)
        with self._lock:
            self._failures.pop(keys["pair"], None)
            self._failures.pop(keys["name"], None)


def require_role(role: Role = "analyst") -> User:
    """The signed-in user if they hold ``role`` (or a higher one); else the request is refused
    with 401 (nobody signed in) or 403 (role too low). Call it inside every callback."""
    if not current_user.is_authenticated:
        raise Unauthorized("sign in first")
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    if not user.can(role):
        raise Forbidden(f"this needs the {role} role; {user.name} is {user.role}")
    return user


def user_store() -> UserStore:
    """The app's users (inside a request or callback)."""
    return current_app.extensions[USERS_EXTENSION]


def holds(role: Role) -> bool:
    """Whether someone is signed in with ``role`` or a higher one (for showing controls; the
    callbacks still check with :func:`require_role`)."""
    return bool(current_user.is_authenticated and current_user.can(role))


def install_login(server: Flask, users: UserStore) -> LoginManager:
    """Flask-Login on ``server`` and a wall in front of every route but the login form: pages
    redirect to it, callbacks and other requests get 401."""
    server.extensions[USERS_EXTENSION] = users
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = "strong"

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        return users.load(user_id)

    @server.before_request
    def _wall() -> Response | None:
        if request.path in PUBLIC_PATHS or current_user.is_authenticated:
            return None
        if request.method == "GET" and not request.path.startswith("/_"):
            target = request.full_path.rstrip("?")
            return redirect(f"/login?next={target}" if target != "/" else "/login")
        response = jsonify(error="sign in first")
        response.status_code = 401
        return response

    return manager


def safe_next(target: str | None) -> str:
    """A same-origin path to go to after signing in, else ``/``: it starts with one ``/``,
    names no scheme or host, and has no backslash, control character or space (browsers drop
    a tab or newline, so ``/%09/evil.example`` would become ``//evil.example``)."""
    if not target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target
