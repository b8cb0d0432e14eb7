"""Errors a user can fix: each names the file, the dotted field, the bad value and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One bad field: where it is (dotted path), what it holds, what is wrong or allowed."""

    path: str
    value: object
    message: str

    def __str__(self) -> str:
        where = self.path or "(file)"
        if self.value is None:
            return f"{where}: {self.message}"
        return f"{where} = {self.value!r}: {self.message}"


class ConfigError(ValueError):
    """A config (or override, or sweep design) that cannot be run as written."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self._format())

    def _format(self) -> str:
        count = len(self.problems)
        head = f"{self.source}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class SweepInterrupted(RuntimeError):
    """A sweep stopped before all its runs finished; what finished is on disk (resume it)."""


class OutputFolderError(ConfigError):
    """An output folder the tool will not write to: one it did not write, a file, the working
    folder, a read-only place. Raised before any work is done; nothing is written or deleted."""

    def __init__(self, folder: object, message: str):
        self.folder = folder
        super().__init__(str(folder), [Problem("", None, message)])

    def _format(self) -> str:
        return f"{self.source}: {self.problems[0].message}"


class WriteFailed(OSError):
    """Writing an output failed at run time (e.g. the disk is full). What was being written is
    removed and anything it would have replaced is left as it was."""

    def __str__(self) -> str:
        return str(self.strerror)
