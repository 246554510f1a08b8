"""The ``mejora`` command: each package contributes its sub-commands; this file only wires them.

Errors in the input print one readable line and exit with code 2; ``--debug`` shows tracebacks.
A package's commands are imported only when one of them runs: ``--version`` and ``--help`` read
the catalogue in ``mejora/_commands.py`` and answer before pandas, DuckDB or Dash load.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from difflib import get_close_matches
from functools import cache
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from mejora import __version__
from mejora._commands import COMMANDS

if TYPE_CHECKING:
    from dashboard import Examples

# the packages that contribute commands, in the order they register them (a later one wins)
PROVIDERS = ("mining.cli", "improvement.cli", "sample_logs.cli", "automation.cli", "dashboard.cli")
ABOUT = "Process mining and continuous improvement for CRM and marketing-automation logs."


def register(app: typer.Typer, provider: str) -> None:
    """Add the commands of one ``provider`` module to ``app``."""
    module = importlib.import_module(provider)
    if provider == "dashboard.cli":
        # the dashboard offers the bundled samples to an empty installation; it does not
        # import them
        module.register(app, examples=bundled_examples())
    else:
        module.register(app)


@cache
def provider_group(provider: str) -> TyperGroup:
    """The click group of one provider's commands, imported on first use."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app, provider)
    app.callback()(lambda: None)  # a group even when the provider adds a single command
    return typer.main.get_command(app)


class _Commands(TyperGroup):
    """The root group: lists the commands from the catalogue and loads one when it runs."""

    listing = False

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> TyperCommand | TyperGroup | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self.listing:  # the help's list of commands: their names and first lines only
            return TyperCommand(cmd_name, help=entry["help"])
        return provider_group(entry["provider"]).commands.get(cmd_name)

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    def resolve_command(
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else ""
        if name and name not in COMMANDS and not name.startswith("-"):
            matches = get_close_matches(name, list(COMMANDS))
            hint = f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mejora {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    """Process mining and continuous improvement for CRM and marketing-automation logs."""


app = typer.Typer(
    name="mejora",
    help=ABOUT,
    cls=_Commands,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(_root)


def full_app() -> typer.Typer:
    """Every command registered at once (imports every package): for tests and the catalogue."""
    full = typer.Typer(name="mejora", help=ABOUT, add_completion=False)
    full.callback()(_root)
    for provider in PROVIDERS:
        register(full, provider)
    return full


def bundled_examples() -> Examples:
    """The bundled samples as the dashboard offers them to an empty installation."""
    import sample_logs
    from dashboard import Examples

    return Examples(sample_logs.sample_names, sample_logs.load_sample, sample_logs.workflow_files)


def catalogue() -> dict[str, dict[str, str]]:
    """Each command's provider and the first paragraph of its help, from the packages
    themselves: what ``mejora/_commands.py`` must hold (``make catalogue`` writes it)."""
    commands: dict[str, dict[str, str]] = {}
    groups: dict[str, dict[str, str]] = {}  # Typer lists groups after the plain commands
    for provider in PROVIDERS:
        for name, command in provider_group(provider).commands.items():
            text = (command.short_help or command.help or "").strip().split("\n\n")[0]
            commands.pop(name, None)  # a later provider's command of the same name wins
            groups.pop(name, None)
            kind = groups if isinstance(command, TyperGroup) else commands
            # one paragraph as one line: the docstring's line breaks made ragged lines
            kind[name] = {"provider": provider, "help": " ".join(text.split())}
    return commands | groups


def write_catalogue() -> None:
    """Write ``mejora/_commands.py`` from :func:`catalogue`."""
    import json
    from pathlib import Path

    body = json.dumps(catalogue(), indent=4, ensure_ascii=False)
    Path(__file__).with_name("_commands.py").write_text(
        '"""Every command of ``mejora``: which module provides it and the first paragraph of its\n'
        "help, so ``--help`` lists them without importing the packages. Written by ``make\n"
        'catalogue``; tests/test_cli_startup.py checks that it matches the commands."""\n\n'
        "# ruff: noqa: E501\n\n"
        f"COMMANDS: dict[str, dict[str, str]] = {body}\n"
    )


# top-level module -> the extra of pyproject.toml that installs it
EXTRAS = {"pyspark": "spark", "sqlglot": "spark", "playwright": "browser", "pypdf": "test"}


def missing_dependency(exc: ModuleNotFoundError) -> str:
    """The line that says which package is missing and the pip command that installs it."""
    module = (exc.name or str(exc)).split(".")[0]
    extra = EXTRAS.get(module)
    if extra:
        return (
            f"this needs {module}, which is optional and not installed: "
            f'pip install "mejora[{extra}]"'
        )
    return (
        f"this needs {module}, which is not installed: reinstall Mejora with its dependencies "
        "(pip install mejora, or make install in a clone)"
    )


def _loaded(module: str, name: str) -> type | None:
    """An exception class if its package was imported (else nothing can have raised it)."""
    return getattr(sys.modules.get(module), name, None)


def _fail(message: str, code: int) -> int:
    typer.echo(f"mejora: error: {message}", err=True)
    return code


def exit_code(exc: Exception) -> int:
    """Print one line for an error and return the exit code: 2 for bad input, 1 otherwise."""
    workflow_error = _loaded("automation.exceptions", "WorkflowError")
    if workflow_error is not None and isinstance(exc, workflow_error):
        for problem in exc.problems:
            typer.echo(f"mejora: error: {problem}", err=True)
        return 2
    not_found = _loaded("mining.exceptions", "LogNotFoundError")
    if isinstance(exc, ValueError | FileNotFoundError) or (
        not_found is not None and isinstance(exc, not_found)
    ):
        return _fail(str(exc), 2)
    if isinstance(exc, OSError):  # the store's own StoreError among them
        return _fail(str(exc), 1)
    if isinstance(exc, ModuleNotFoundError):
        return _fail(missing_dependency(exc), 1)
    typer.echo(
        f"mejora: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
        err=True,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        # standalone mode: usage errors print Typer's message and exit 2, --help exits 0
        command.main(args=args, prog_name="mejora", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        if "--debug" in args:
            raise
        return exit_code(exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
