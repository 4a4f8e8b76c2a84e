"""Progress bars for long CLI work (seeding, roster import), one bar per phase."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class PhaseProgress:
    """Shows each phase as its own rich task; satisfies ``SeedProgress`` and friends."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def begin(self, phase: str, total: int) -> None:
        if self._progress is not None:
            self._tasks[phase] = self._progress.add_task(phase, total=total)

    def advance(self, phase: str, amount: int = 1) -> None:
        if self._progress is not None and phase in self._tasks:
            self._progress.advance(self._tasks[phase], amount)


@contextmanager
def phase_progress(enabled: bool) -> Iterator[PhaseProgress]:
    """Rich progress bars on stderr when ``enabled``, silence otherwise."""
    if not enabled:
        yield PhaseProgress(None)
        return
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        yield PhaseProgress(progress)
