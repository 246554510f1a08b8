"""Continuous-improvement sub-commands of ``mejora``: each family lives in its own module."""

from __future__ import annotations

import typer

from improvement import _cli_causes, _cli_spc, cli_report


def register(app: typer.Typer) -> None:
    """Add the improvement sub-commands to the ``mejora`` command."""
    _cli_spc.register(app)
    _cli_causes.register(app)
    cli_report.register(app)
