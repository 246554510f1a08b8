"""The command line answers at once: ``--version`` and ``--help`` import none of the heavy
libraries, and a command imports only the package that provides it (issue: every call paid
3-9 s first). The times are measured in benchmarks/bench_cli_startup.py, not here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mejora import cli
from mejora._commands import COMMANDS

HEAVY = ("pandas", "duckdb", "pm4py", "plotly", "dash", "scipy", "statsmodels", "numpy")


def _modules_after(args: list[str]) -> tuple[set[str], str]:
    code = (
        "import json, sys\n"
        "from mejora.cli import main\n"
        f"code = main({args!r})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    *output, modules = done.stdout.strip().splitlines()
    return set(json.loads(modules)), "\n".join(output)


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_version_and_help_load_no_heavy_library(args):
    modules, output = _modules_after(args)
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    if args != ["--version"]:
        for name in COMMANDS:  # the help still lists every command
            assert f" {name} " in output, name


def test_a_command_loads_only_the_package_that_provides_it():
    modules, output = _modules_after(["logs", "--help"])
    assert "mining" in modules and "List the logs in the store" in output
    assert not modules & {"dash", "automation", "improvement", "sample_logs"}


def test_the_catalogue_matches_the_commands_the_packages_register():
    """If this fails, a command was added, renamed or reworded: run `make catalogue`."""
    assert cli.catalogue() == COMMANDS


def test_the_lazy_help_lists_what_the_full_app_registers_in_the_same_order():
    import typer

    full = typer.main.get_command(cli.full_app())
    assert list(full.commands) == list(COMMANDS)
    lazy = typer.main.get_command(cli.app)
    for name in COMMANDS:  # each command runs as registered, help and all
        assert lazy.get_command(None, name).help == full.commands[name].help


def test_a_mistyped_command_is_answered_with_the_close_ones(capsys):
    assert cli.main(["variantz"]) == 2
    assert "Did you mean 'variants'?" in capsys.readouterr().err
