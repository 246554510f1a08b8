"""The ``mejora`` command: each package contributes its sub-commands; this file only wires them.

Errors in the input print one readable line and exit with code 2; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

import automation.cli
import dashboard.cli
import improvement.cli
import mining.cli
import sample_logs.cli
from automation.exceptions import WorkflowError
from dashboard import Examples
from mejora import __version__
from mining.exceptions import EventLogError, LogNotFoundError, StoreError

app = typer.Typer(
    name="mejora",
    help="Process mining and continuous improvement for CRM and marketing-automation logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
mining.cli.register(app)
improvement.cli.register(app)
sample_logs.cli.register(app)
automation.cli.register(app)
# the dashboard offers the bundled samples to an empty installation; it does not import them
EXAMPLES = Examples(sample_logs.sample_names, sample_logs.load_sample, sample_logs.workflow_files)
dashboard.cli.register(app, examples=EXAMPLES)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mejora {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    """Process mining and continuous improvement for CRM and marketing-automation logs."""


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    command = typer.main.get_command(app)
    try:
        # standalone mode: usage errors print Typer's message and exit 2, --help exits 0
        command.main(args=args, prog_name="mejora", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except WorkflowError as exc:
        if debug:
            raise
        for problem in exc.problems:
            typer.echo(f"mejora: error: {problem}", err=True)
        return 2
    except (EventLogError, LogNotFoundError, ValueError, FileNotFoundError) as exc:
        if debug:
            raise
        typer.echo(f"mejora: error: {exc}", err=True)
        return 2
    except (StoreError, OSError) as exc:
        if debug:
            raise
        typer.echo(f"mejora: error: {exc}", err=True)
        return 1
    except ModuleNotFoundError as exc:
        if debug:
            raise
        typer.echo(f"mejora: error: {missing_dependency(exc)}", err=True)
        return 1
    except Exception as exc:
        if debug:
            raise
        typer.echo(
            f"mejora: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            err=True,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
