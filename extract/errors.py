"""Errors that reach the user as one line, naming where the problem is."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input: reported as one line, exit status 2, nothing written."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.row = row
        self.column = column
        self.hint = hint
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())  # one line, whatever a library's message held


class StoreError(InputError):
    """A run store that cannot be read: missing, corrupt, not HDF5, or from a newer schema."""
