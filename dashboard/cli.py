"""``mejora dashboard`` and ``mejora user add / list / role / reset / remove``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from dashboard._auth import ROLES, UserStore
from dashboard._examples import NO_EXAMPLES, Examples
from dashboard._serve import DEFAULT_THREADS, SERVERS, run_server
from mining import EventStore, default_store_path
from mining.cli import StoreOption

user_app = typer.Typer(help="Dashboard users and their roles.", no_args_is_help=True)
UsersOption = Annotated[
    Path | None,
    typer.Option(
        "--users", envvar="MEJORA_USERS", help="Users file (default: in the user data directory)."
    ),
]


def load_examples_if_empty(store: Path, examples: Examples) -> int:
    """Import the example logs into an empty store; returns how many logs were loaded."""
    if store.exists():  # read-only first: a store in use elsewhere can still be looked at
        with EventStore(store, read_only=True) as event_store:
            if event_store.logs():
                return 0
    with EventStore(store) as event_store:
        if event_store.logs():
            return 0
        names = list(examples.names())
        for name in names:
            log = examples.load(name)
            event_store.save(log, name)
            log.connection.close()
            typer.echo(f"loaded example log {name}")
    return len(names)


def dashboard_command(examples: Examples = NO_EXAMPLES) -> Callable[..., None]:
    """The ``mejora dashboard`` command, offering ``examples`` (logs and workflows)."""

    def serve(
        store: StoreOption = None,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
        users: UsersOption = None,
        samples: Annotated[
            bool,
            typer.Option(
                "--samples/--no-samples", help="Load the example logs into an empty store."
            ),
        ] = True,
        secure_cookies: Annotated[
            bool | None,
            typer.Option(
                "--secure-cookies/--no-secure-cookies",
                help="Mark the session cookie Secure (HTTPS only). Default: when the request "
                "came over HTTPS, directly or through a proxy's X-Forwarded-Proto.",
                show_default=False,
            ),
        ] = None,
        server: Annotated[
            str,
            typer.Option(
                help="gunicorn: one process with a pool of threads (the default; Unix); "
                "flask: Flask's development server."
            ),
        ] = "gunicorn",
        threads: Annotated[
            int, typer.Option(min=1, max=256, help="Threads answering requests (gunicorn).")
        ] = DEFAULT_THREADS,
    ) -> None:
        """Serve the dashboard. On first start it creates the user 'admin' with a random
        password (printed once) and, with an empty store, loads the example logs."""
        from dashboard.app import create_app  # Dash loads only for this command

        path = store or default_store_path()
        user_store = UserStore(users)
        password = user_store.ensure_admin()
        if password:
            typer.echo(
                f"First start: created the user 'admin' with password {password}\n"
                f"(shown only now; stored hashed in {user_store.path}). "
                "Add people with: mejora user add NAME --role analyst|manager|admin"
            )
        if samples and load_examples_if_empty(path, examples):
            typer.echo(f"the event store {path} was empty: loaded the example logs")
        if server not in SERVERS:
            raise typer.BadParameter(f"one of {', '.join(SERVERS)}", param_hint="--server")

        def make_app() -> Any:
            return create_app(
                path, users_file=user_store.path, examples=examples, secure_cookies=secure_cookies
            )

        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo("warning: listening beyond this machine; put it behind HTTPS", err=True)
        typer.echo(f"Mejora dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
        run_server(make_app, host, port, server=server, threads=threads)

    return serve


@user_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "analyst",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Reset an existing user.")] = False,
    users: UsersOption = None,
) -> None:
    """Create a user (the password is asked for, or read with --password-stdin)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = UserStore(users).add(name, password, role=role, replace=replace)  # type: ignore[arg-type]
    typer.echo(f"user {user.name} ({user.role}) saved")


@user_app.command("list")
def list_command(users: UsersOption = None) -> None:
    """List the users and their roles."""
    for user in UserStore(users).users():
        typer.echo(f"{user.name}\t{user.role}")


@user_app.command("role")
def role_command(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Argument(help=f"One of: {', '.join(ROLES)}.")],
    users: UsersOption = None,
) -> None:
    """Give a user another role (the last admin cannot be demoted)."""
    user = UserStore(users).set_role(name, role)  # type: ignore[arg-type]
    typer.echo(f"user {user.name} is now {user.role}")


@user_app.command("reset")
def reset_command(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    users: UsersOption = None,
) -> None:
    """Set a new password: read with --password-stdin, else generated and printed once."""
    given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    password = UserStore(users).reset_password(name, given)
    if given is None:
        typer.echo(f"new password for {name}: {password} (shown only now)")
    else:
        typer.echo(f"password of {name} changed")


@user_app.command("remove")
def remove_command(
    name: Annotated[str, typer.Argument(help="User name.")], users: UsersOption = None
) -> None:
    """Delete a user (the last admin cannot be removed)."""
    UserStore(users).remove(name)
    typer.echo(f"user {name} removed")


def register(app: typer.Typer, examples: Examples = NO_EXAMPLES) -> None:
    """Add the dashboard sub-commands to the ``mejora`` command; ``examples`` are what the
    dashboard offers to load into an empty installation."""
    app.command("dashboard")(dashboard_command(examples))
    app.add_typer(user_app, name="user")
