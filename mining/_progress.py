"""A progress display on stderr that only appears when work takes more than a second."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

Report = Callable[[str, float | None], None]


@contextmanager
def delayed_progress(title: str, *, delay: float = 1.0) -> Iterator[Report]:
    """Yield a ``report(stage, fraction)`` callback; a bar shows up after ``delay`` seconds."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda stage, fraction: None
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(title, total=None)
    lock = threading.Lock()
    started = False

    def start() -> None:
        nonlocal started
        with lock:
            if not started:
                progress.start()
                started = True

    timer = threading.Timer(delay, start)
    timer.daemon = True
    timer.start()

    def report(stage: str, fraction: float | None) -> None:
        total = 1.0 if fraction is not None else None
        progress.update(task, description=f"{title}: {stage}", total=total, completed=fraction or 0)

    try:
        yield report
    finally:
        timer.cancel()
        with lock:
            if started:
                progress.stop()
            started = True
