"""How long work (seeding, imports) reports its phases, without knowing the screen."""

from __future__ import annotations

from typing import Protocol


class PhaseReporter(Protocol):
    """One bar per phase: ``begin`` it with its total, then ``advance`` it."""

    def begin(self, phase: str, total: int) -> None: ...

    def advance(self, phase: str, amount: int = 1) -> None: ...


class NullProgress:
    """Reports nothing: tests, and the CLI when progress is switched off."""

    def begin(self, phase: str, total: int) -> None:
        pass

    def advance(self, phase: str, amount: int = 1) -> None:
        pass
