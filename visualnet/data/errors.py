"""Errors raised while reading or preparing data.

Every error says which file and where in it (1-based row and column, as a spreadsheet
shows them; `row` is also used for the sample index of array files) and what to change.
They subclass `ValueError` so callers that catch bad input generally still work.
"""

from os import PathLike


class DataError(ValueError):
    """Bad input data. `file`, `row`, `column` locate the problem when known."""

    def __init__(self, message: str, *, file: "str | PathLike | None" = None,
                 row: "int | None" = None, column: "int | str | None" = None):
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(message)

    def location(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class EmptyDataError(DataError):
    """The file or folder holds no samples."""


class FormatError(DataError):
    """The file is not in the expected format (bad magic number, bad header, not text...)."""


class RaggedRowError(DataError):
    """A table row has a different number of cells from the others."""


class MissingValueError(DataError):
    """A cell is empty or holds a missing-value marker."""


class NonNumericError(DataError):
    """A numeric column holds a cell that is not a number."""


class ColumnError(DataError):
    """A named column (target, feature, array key) does not exist."""


class SizeMismatchError(DataError):
    """A header or a companion file disagrees with the amount of data present."""


class LabelRangeError(DataError):
    """A class label lies outside the classes the dataset declares."""


class ImageReadError(DataError):
    """An image file cannot be decoded."""


class Cancelled(Exception):
    """The user cancelled a long operation; nothing was loaded."""
