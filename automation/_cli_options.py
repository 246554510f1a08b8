"""Options shared by the automation sub-commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--workflows",
        envvar="MEJORA_WORKFLOWS",
        help="Workflow store folder (default: the user's data dir; or $MEJORA_WORKFLOWS).",
        show_default=False,
    ),
]
