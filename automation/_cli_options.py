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

WorkflowFormatOption = Annotated[
    str,
    typer.Option(
        "--workflow-format",
        help="How to read the workflow file: auto (told from the content), mejora, mautic, "
        "hubspot, n8n or salesforce-flow.",
    ),
]
